"""How fast this machine's Python is right now: one line every benchmark
prints beside its figures.

The goals of issue 18 are in milliseconds and requests per second, and the
two-core machines the benchmarks run on have differed by half as much
again from one session to the next, and by a quarter within minutes on a
shared host. A figure is only comparable with one from a run whose
calibration says the same.
"""

from __future__ import annotations

import statistics
import time

ADDITIONS = 10_000_000


# At module level, as `python3 -c` runs it: names are globals there, so
# the figure matches the one earlier notes quote (a loop inside a function,
# on fast locals, takes about 40 % as long).
LOOP = compile(f"total = 0\nfor number in range({ADDITIONS}):\n    total += number\n", "<loop>", "exec")


def loop_seconds(rounds: int = 3) -> float:
    """The median CPU seconds of a loop of ten million additions."""
    times = []
    for _round in range(rounds):
        started = time.process_time()
        exec(LOOP, {})  # noqa: S102 - a constant loop
        times.append(time.process_time() - started)
    return statistics.median(times)


def calibration() -> str:
    return (
        f"Machine: a loop of ten million additions takes {loop_seconds():.2f} s of CPU here "
        "(0.56 s on the machine the README's main table comes from)."
    )
