"""Calendar conventions every app counts with."""

from __future__ import annotations

from decimal import Decimal

# Tenancy length (botid) in years is its days divided by the mean length of
# a Julian year, so leap days even out over a long tenancy. A Decimal, so the
# figures that are rounded half up (the throughput report's median) divide
# exactly; `float(DAYS_PER_YEAR)` for float arithmetic.
DAYS_PER_YEAR = Decimal("365.25")
