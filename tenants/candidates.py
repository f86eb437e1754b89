"""The rent-to-own candidate list: households worth summoning to a meeting.

A household is a candidate when

* it has a running tenancy that began at least `min_years` ago (botid),
* it was not summoned in the last 12 months: no meeting created or held in
  that time, no move to the `summoned` stage and no summons letter, and
* its pathway stage is one where a mapping meeting makes sense
  (`tenants.pathway.CANDIDATE_STAGES`): not a closed one, and not one where
  it already applies for or has been granted a start loan.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.paginator import Page
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from .models import (
    Household,
    MeetingStatus,
    OutreachMeeting,
    PathwayStage,
    PathwayStageChange,
)
from .pathway import CANDIDATE_STAGES
from .queries import (
    botid_years,
    overview_page,
    with_botid_at_least,
    with_current_tenancy,
    with_overview,
    years_ago,
)

# How long a summons keeps a household off the list.
SUMMONS_QUIET_YEARS = 1

# Other apps' signs that a household was summoned since a moment: each takes
# that moment and returns an Exists() over the household's rows (OuterRef
# "pk"). The letters app registers "a summons letter was made"; tenants knows
# its own meetings and stage changes. Registered from AppConfig.ready(), so
# tenants never imports the apps above it.
RecentSummonsCheck = Callable[[datetime.datetime], Exists]
_RECENT_SUMMONS_CHECKS: list[RecentSummonsCheck] = []


def register_recent_summons_check(check: RecentSummonsCheck) -> None:
    if check not in _RECENT_SUMMONS_CHECKS:
        _RECENT_SUMMONS_CHECKS.append(check)


@dataclass(frozen=True)
class Candidate:
    household: Household
    years: float
    reasons: list[str] = field(default_factory=list)
    # Things to look at before summoning, shown apart from the reasons.
    cautions: list[str] = field(default_factory=list)
    # The botid as the list shows it ("12,3"), and the row's checkbox label:
    # made once here with the reasons, not again by a template filter and a
    # blocktranslate in each of a hundred rows.
    years_shown: str = ""
    select_label: str = ""


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def candidate_households(today: datetime.date, min_years: int | float) -> QuerySet[Household]:
    """The candidates on `today`, filtered only: for counting."""
    return _not_recently_summoned(with_botid_at_least(Household.objects.all(), today, min_years), today)


def _not_recently_summoned(households: QuerySet[Household], today: datetime.date) -> QuerySet[Household]:
    """Keep those of `households` in a candidate stage and not summoned in
    the last `SUMMONS_QUIET_YEARS`."""
    since = _start_of(years_ago(today, SUMMONS_QUIET_YEARS))
    recent_meeting = OutreachMeeting.objects.filter(household=OuterRef("pk")).filter(
        Q(created_at__gte=since) | Q(starts_at__gte=since)
    )
    recently_moved_to_summoned = PathwayStageChange.objects.filter(
        household=OuterRef("pk"), to_stage=PathwayStage.SUMMONED, changed_at__gte=since
    )
    elsewhere = [~check(since) for check in _RECENT_SUMMONS_CHECKS]
    return (
        households.filter(pathway_stage__in=CANDIDATE_STAGES)
        .exclude(pathway_stage=PathwayStage.SUMMONED, stage_changed_at__gte=since)
        .filter(~Exists(recent_meeting), ~Exists(recently_moved_to_summoned), *elsewhere)
    )


def _with_candidate_columns(households: QuerySet[Household]) -> QuerySet[Household]:
    """`last_meeting_at` and `contract_end`, on top of `with_overview`."""
    last_meeting = (
        OutreachMeeting.objects.filter(household=OuterRef("pk"))
        .exclude(status=MeetingStatus.CANCELLED)
        .order_by("-starts_at")
        .values("starts_at")[:1]
    )
    return households.annotate(
        last_meeting_at=Subquery(last_meeting), contract_end=F("current__contract_end")
    )


def _candidates_in_order(today: datetime.date, min_years: int | float) -> QuerySet[Household]:
    """The candidates, longest botid first, with only what the order needs:
    the running tenancy joined once, both to keep the long botids and to
    order by them (`candidate_households` asks the first with a subquery,
    which counts cheaper but cannot give the order)."""
    with_tenancy = with_current_tenancy(Household.objects.all(), today).filter(
        current__start_date__lte=years_ago(today, min_years)
    )
    return (
        _not_recently_summoned(with_tenancy, today)
        .annotate(current_start=F("current__start_date"))
        .order_by("current_start", "reference")
    )


def candidate_queryset(today: datetime.date, min_years: int | float) -> QuerySet[Household]:
    """Every candidate of the list, in its order, annotated as the list's
    rows are (`tenants.queries.with_overview` plus `last_meeting_at` and
    `contract_end`): the candidate page without its paging. One query,
    whatever the number of households."""
    candidates = Household.objects.filter(pk__in=_candidates_in_order(today, min_years).values("pk"))
    return _with_candidate_columns(with_overview(candidates, today)).order_by("current_start", "reference")


def candidate_page(today: datetime.date, min_years: int | float, per_page: int, number: object) -> Page:
    """One page of `candidate_queryset`: the order is found on the running
    tenancy's start alone, and the columns the page shows only for its rows
    (`tenants.queries.overview_page`). Counting the candidates costs what
    ordering them does, so their ids are read in one pass."""
    return overview_page(
        _candidates_in_order(today, min_years),
        today,
        per_page,
        number,
        annotate=_with_candidate_columns,
        one_query=True,
    )


def candidate_for(household: Household, today: datetime.date) -> Candidate:
    """Explain why an annotated household from `candidate_queryset` is on the list."""
    years = botid_years(household.current_start, today) or 0.0
    years_shown = number_format(round(years, 1), decimal_pos=1)
    reasons = [_("Botid %(years)s år") % {"years": years_shown}]
    if household.children:
        reasons.append(_("Barn i husstanden"))
    last = getattr(household, "last_meeting_at", None)
    if last is None:
        reasons.append(_("Ingen samtale siste 12 måneder – har aldri hatt samtale"))
    else:
        reasons.append(
            _("Ingen samtale siste 12 måneder – siste var %(day)s")
            % {"day": date_format(timezone.localdate(last), "SHORT_DATE_FORMAT")}
        )
    if household.pathway_stage == PathwayStage.NOT_ASSESSED:
        reasons.append(_("Ikke vurdert ennå"))
    contract_end = getattr(household, "contract_end", None)
    if contract_end and today <= contract_end <= years_ago(today, -1):
        reasons.append(
            _("Kontrakten løper ut %(day)s") % {"day": date_format(contract_end, "SHORT_DATE_FORMAT")}
        )
    cautions = []
    if household.has_open_arrears:
        cautions.append(_("Husleierestanse"))
    return Candidate(
        household=household,
        years=years,
        reasons=reasons,
        cautions=cautions,
        years_shown=years_shown,
        select_label=_("Velg %(ref)s") % {"ref": household.reference},
    )
