"""The figures a caseworker sees on the start page: their caseload at a glance."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone

from housing_office import paging

from .candidates import candidate_households
from .models import CLOSED_STAGES, Household, MeetingStatus, OutreachMeeting, PathwayStage
from .queries import main_person_name


@dataclass(frozen=True)
class StageCount:
    stage: str
    label: str
    count: int


@dataclass(frozen=True)
class Caseload:
    my_households: int
    my_active_households: int
    my_stages: list[StageCount] = field(default_factory=list)
    my_upcoming_meetings: list[OutreachMeeting] = field(default_factory=list)
    households: int = 0
    candidates: int = 0
    candidates_over: bool = False  # more than `candidates` (the count's cap)
    my_candidates: int = 0
    candidate_min_years: int = 0
    my_meetings_to_record: int = 0


def caseload_for(user, today: datetime.date | None = None) -> Caseload:
    """Return the caseload figures of `user` within the current scope:
    their households by stage, next meetings, meetings still to record and
    the candidate list's size.

    A fixed number of queries: each figure is one aggregate in the database.
    """
    today = today or timezone.localdate()
    mine = Household.objects.filter(caseworker=user).aggregate(
        total=Count("pk"),
        active=Count("pk", filter=~Q(pathway_stage__in=CLOSED_STAGES)),
        **{f"stage_{s.value}": Count("pk", filter=Q(pathway_stage=s.value)) for s in PathwayStage},
    )
    stages = [
        StageCount(s.value, str(s.label), mine[f"stage_{s.value}"])
        for s in PathwayStage
        if mine[f"stage_{s.value}"]
    ]
    now = timezone.now()
    upcoming = list(
        OutreachMeeting.objects.filter(
            caseworker=user,
            status=MeetingStatus.PLANNED,
            starts_at__gte=now,
            starts_at__lt=now + datetime.timedelta(days=14),
        )
        .select_related("household")
        .annotate(main_name=main_person_name("household"))
        .order_by("starts_at")[:10]
    )
    municipality = getattr(user, "municipality", None)
    min_years = municipality.candidate_min_years if municipality else settings.CANDIDATE_MIN_YEARS_DEFAULT
    # The office's candidates are counted as their list counts them, up to
    # the cap (a count of all of them reads the whole register), and the
    # user's own among them in the same reading. Past the cap that reading
    # stopped early, so the user's own, few, are counted on their own from
    # the caseworker's index.
    candidates = candidate_households(today, min_years)
    counted = candidates.order_by()[: paging.COUNT_CAP + 1].aggregate(
        office=Count("pk"), mine=Count("pk", filter=Q(caseworker=user))
    )
    office_over = counted["office"] > paging.COUNT_CAP
    office_candidates = min(counted["office"], paging.COUNT_CAP)
    my_candidates = candidates.filter(caseworker=user).count() if office_over else counted["mine"]
    to_record = OutreachMeeting.objects.filter(
        caseworker=user, status=MeetingStatus.PLANNED, starts_at__lt=now
    ).count()
    return Caseload(
        my_households=mine["total"],
        my_active_households=mine["active"],
        my_stages=stages,
        my_upcoming_meetings=upcoming,
        households=Household.objects.count(),
        candidates=office_candidates,
        candidates_over=office_over,
        my_candidates=my_candidates,
        candidate_min_years=min_years,
        my_meetings_to_record=to_record,
    )
