"""Why households stay: the barriers coded on held mapping meetings, counted
in the database for the leader's dashboard.

A household counts once per barrier, by its latest held meeting: what
holds it back now. A barrier has *fallen* for a household when an earlier
held meeting named it and the latest does not — the follow-up worked on it.
Households whose pathway has ended are left out (they have moved on).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Subquery

from .models import CLOSED_STAGES, Barrier, MeetingStatus, OutreachMeeting


@dataclass(frozen=True)
class BarrierCount:
    name: str
    active: bool
    now: int
    fallen: int


def _latest_held_meeting():
    return (
        OutreachMeeting.all_objects.filter(
            household=OuterRef("outreachmeeting__household"), status=MeetingStatus.HELD
        )
        .order_by("-starts_at", "-pk")
        .values("pk")[:1]
    )


def barrier_counts(municipality_id: int) -> list[BarrierCount]:
    """Every barrier of the municipality (in its order) with the households
    it holds back now and the households for which it has fallen. Three
    queries, whatever the number of households."""
    through = OutreachMeeting.barriers.through
    rows = through.objects.filter(
        outreachmeeting__municipality_id=municipality_id, outreachmeeting__status=MeetingStatus.HELD
    ).exclude(outreachmeeting__household__pathway_stage__in=CLOSED_STAGES)
    latest = _latest_held_meeting()
    now = dict(
        rows.filter(outreachmeeting_id=Subquery(latest))
        .values("barrier_id")
        .annotate(n=Count("outreachmeeting__household", distinct=True))
        .values_list("barrier_id", "n")
    )
    # Earlier meetings that named the barrier, of households whose latest
    # held meeting does not name it.
    fallen = dict(
        rows.exclude(outreachmeeting_id=Subquery(latest))
        .annotate(
            latest_names_it=Exists(
                through.objects.filter(
                    barrier_id=OuterRef("barrier_id"),
                    outreachmeeting_id=Subquery(
                        OutreachMeeting.all_objects.filter(
                            household=OuterRef(OuterRef("outreachmeeting__household")),
                            status=MeetingStatus.HELD,
                        )
                        .order_by("-starts_at", "-pk")
                        .values("pk")[:1]
                    ),
                )
            )
        )
        .filter(latest_names_it=False)
        .values("barrier_id")
        .annotate(n=Count("outreachmeeting__household", distinct=True))
        .values_list("barrier_id", "n")
    )
    return [
        BarrierCount(b.name, b.active, now.get(b.pk, 0), fallen.get(b.pk, 0))
        for b in Barrier.all_objects.filter(municipality_id=municipality_id).order_by("order", "name")
    ]
