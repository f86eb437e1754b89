"""Rules about the pathway stages that more than one page asks.

`tenants.models` holds the stages themselves; the questions asked of them
live here, each answered once:

* which stages make a household a candidate for a (first) mapping meeting,
* which stages a held mapping meeting moves on to `mapped`,
* how long a household has been in its stage, in words a person reads.
"""

from __future__ import annotations

import datetime

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .models import CLOSED_STAGES, PathwayStage

# A household in one of these stages may be invited to a mapping meeting.
# Not the closed stages (the work has ended), and not a household already
# applying for or granted a start loan: it is past mapping. A `summoned`
# household is a candidate again only once its summons is old (see
# `tenants.candidates`).
CANDIDATE_STAGES = frozenset(
    {PathwayStage.NOT_ASSESSED, PathwayStage.SUMMONED, PathwayStage.MAPPED, PathwayStage.GUIDANCE}
)

# A held mapping meeting moves a household in these stages on to `mapped`:
# a summoned household came, and a walk-in that was never assessed has now
# been. Later stages are left alone: the caseworker has moved them further.
STAGES_BEFORE_MAPPING = frozenset({PathwayStage.NOT_ASSESSED, PathwayStage.SUMMONED})

assert not CANDIDATE_STAGES & CLOSED_STAGES


def is_candidate_stage(stage: str) -> bool:
    """Whether a household in `stage` may be invited to a mapping meeting."""
    return stage in CANDIDATE_STAGES


def months_between(start: datetime.date, end: datetime.date) -> int:
    """Whole calendar months from `start` to `end` (0 when `end` is earlier)."""
    months = (end.year - start.year) * 12 + end.month - start.month - (end.day < start.day)
    return max(months, 0)


def duration_in_words(start: datetime.date, end: datetime.date) -> str:
    """The time from `start` to `end` as a person says it: "23 år og 7
    måneder", "2 år", "3 måneder", and days under a month ("12 dager")."""
    months = months_between(start, end)
    if months == 0:
        days = max((end - start).days, 0)
        return ngettext("%(n)s dag", "%(n)s dager", days) % {"n": days}
    years, months = divmod(months, 12)
    month_text = ngettext("%(n)s måned", "%(n)s måneder", months) % {"n": months}
    if years == 0:
        return month_text
    year_text = ngettext("%(n)s år", "%(n)s år", years) % {"n": years}
    if months == 0:
        return year_text
    return _("%(years)s og %(months)s") % {"years": year_text, "months": month_text}
