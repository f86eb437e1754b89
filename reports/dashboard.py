"""The leader's dashboard: what the work achieved this year and how the
office stands today.

`dashboard_data` gathers every figure with a fixed number of aggregate
queries (about twenty on PostgreSQL) whatever the size of the register; the
view renders it and the export writes it as CSV or XLSX.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import (
    Count,
    DateField,
    Exists,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dwellings.models import EXIT_REASONS, Dwelling, EndReason, RentArrears, Tenancy
from housing_office.models import Municipality, User
from housing_office.roles import CASEWORKER
from letters.models import Letter, LetterKind, LetterStatus
from startloan.models import ApplicationStatus, StartLoanApplication
from tenants.models import (
    CLOSED_STAGES,
    Household,
    MeetingStatus,
    OutreachMeeting,
    PathwayStage,
)

from .kostra import dwelling_stock, held_on
from .throughput import FIGURE_LABELS, KEY_FIGURES, exit_trends, figure_decimals, throughput_series

# How many years the trend charts show, ending with the chosen year.
TREND_YEARS = 10
# The longest-vacant dwellings listed by name.
LONGEST_VACANT = 10


@dataclass(frozen=True)
class KeyFigure:
    key: str
    label: str
    this_year: float | int | None
    last_year: float | int | None

    @property
    def change(self) -> float | int | None:
        if self.this_year is None or self.last_year is None:
            return None
        change = self.this_year - self.last_year
        return round(change, 1) if isinstance(change, float) else change

    @property
    def decimals(self) -> int:
        return figure_decimals(self.key)


@dataclass(frozen=True)
class StageCount:
    stage: str
    label: str
    count: int


@dataclass(frozen=True)
class VacantDwelling:
    pk: int
    reference: str
    address: str
    vacant_since: datetime.date | None
    days: int | None


@dataclass(frozen=True)
class CaseworkerRow:
    name: str
    active_households: int
    meetings_held: int
    summons_letters: int
    exits: int


@dataclass
class Dashboard:
    municipality: Municipality
    year: int
    today: datetime.date
    # The full figures of the year and the year before.
    series: dict[int, dict[str, Any]]
    # The tenancy-end figures of the trend years, ending with the year.
    trends: dict[int, dict[str, Any]]
    key_figures: list[KeyFigure]
    stock: dict[str, Any]
    funnel: list[StageCount]
    vacancies: dict[str, Any]
    longest_vacant: list[VacantDwelling]
    arrears: dict[str, Any]
    loans_in_progress: dict[str, Any]
    caseworkers: list[CaseworkerRow]
    years_available: list[int] = field(default_factory=list)

    @property
    def this_year(self) -> dict[str, Any]:
        return self.series[self.year]

    @property
    def last_year(self) -> dict[str, Any]:
        return self.series[self.year - 1]

    @property
    def trend_years(self) -> list[int]:
        return sorted(self.trends)


def available_years(municipality: Municipality, today: datetime.date) -> list[int]:
    """The years the register has tenancies for, newest first; at least the
    last ten. One query."""
    first = Tenancy.all_objects.filter(municipality_id=municipality.pk).aggregate(first=Min("start_date"))[
        "first"
    ]
    first_year = min(first.year if first else today.year, today.year - TREND_YEARS + 1)
    return list(range(today.year, first_year - 1, -1))


def funnel(municipality: Municipality) -> list[StageCount]:
    """Households at each stage of the pathway, in the pathway's order."""
    counts = dict(
        Household.all_objects.filter(municipality_id=municipality.pk)
        .values_list("pathway_stage")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return [StageCount(s.value, str(s.label), counts.get(s.value, 0)) for s in PathwayStage]


def _vacant_dwellings(municipality: Municipality, today: datetime.date):
    """Dwellings held today that nobody rents and that are not for sale,
    annotated with the day they fell vacant (the last tenancy's end, else the
    day the dwelling was acquired)."""
    running = Tenancy.all_objects.running(on=today).filter(municipality_id=municipality.pk).values("dwelling")
    last_end = (
        Tenancy.all_objects.filter(dwelling=OuterRef("pk"), end_date__lte=today)
        .order_by()
        .values("dwelling")
        .annotate(last=Max("end_date"))
        .values("last")
    )
    return (
        held_on(Dwelling.all_objects.filter(municipality_id=municipality.pk), today)
        .filter(for_sale=False)
        .exclude(pk__in=running)
        .annotate(vacant_since=Coalesce(Subquery(last_end, output_field=DateField()), F("acquired_on")))
    )


def vacancies(
    municipality: Municipality, today: datetime.date
) -> tuple[dict[str, Any], list[VacantDwelling]]:
    """How many dwellings stand empty today, and for how long.

    One query reads the vacant dwellings' reference and vacancy date (a few
    per cent of the stock); the figures and the longest-vacant list are made
    from that one result.
    """
    rows = list(
        _vacant_dwellings(municipality, today)
        .order_by(F("vacant_since").asc(nulls_last=True), "reference")
        .values_list("pk", "reference", "address", "vacant_since")
    )
    days = [(today - since).days for _pk, _ref, _address, since in rows if since is not None]
    summary = {
        "count": len(rows),
        "average_days": round(sum(days) / len(days)) if days else None,
        "longest_days": max(days) if days else None,
        "over_90_days": sum(1 for d in days if d > 90),
    }
    longest = [
        VacantDwelling(pk, reference, address, since, (today - since).days)
        for pk, reference, address, since in rows[:LONGEST_VACANT]
        if since is not None
    ]
    return summary, longest


def arrears(municipality: Municipality) -> dict[str, Any]:
    row = RentArrears.all_objects.filter(municipality_id=municipality.pk, settled_on__isnull=True).aggregate(
        count=Count("pk"),
        amount=Sum("amount"),
        households=Count("tenancy__household", distinct=True),
    )
    return {
        "count": row["count"],
        # SQLite sums decimals without their scale; show kroner and øre alike.
        "amount": Decimal(row["amount"] or 0).quantize(Decimal("0.01")),
        "households": row["households"],
    }


def loans_in_progress(municipality: Municipality) -> dict[str, Any]:
    return StartLoanApplication.all_objects.filter(municipality_id=municipality.pk).aggregate(
        received=Count("pk", filter=Q(status=ApplicationStatus.RECEIVED)),
        in_review=Count("pk", filter=Q(status=ApplicationStatus.IN_REVIEW)),
        granted_not_disbursed=Count("pk", filter=Q(status=ApplicationStatus.GRANTED)),
    )


def _count(queryset, outer: str) -> Coalesce:
    """A correlated COUNT(*) subquery, so several counts on one row do not
    multiply each other through joins."""
    sub = (
        queryset.filter(**{outer: OuterRef("pk")})
        .order_by()
        .values(outer)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(sub, output_field=IntegerField()), 0)


def caseworker_table(municipality: Municipality, year: int) -> list[CaseworkerRow]:
    """Per caseworker: active households, meetings held, summons letters and
    exits in the year. One query."""
    tz = timezone.get_default_timezone()
    start = timezone.make_aware(datetime.datetime(year, 1, 1), tz)
    end = timezone.make_aware(datetime.datetime(year + 1, 1, 1), tz)
    is_caseworker = User.groups.through.objects.filter(user=OuterRef("pk"), group__name=CASEWORKER)
    has_households = Household.all_objects.filter(caseworker=OuterRef("pk"))
    users = (
        # Exists, not joins: a join with the households would repeat each
        # user once per household before DISTINCT, and the counts with it.
        User.objects.filter(municipality=municipality, is_active=True)
        .filter(Exists(is_caseworker) | Exists(has_households))
        .annotate(
            n_households=_count(Household.all_objects.exclude(pathway_stage__in=CLOSED_STAGES), "caseworker"),
            n_meetings=_count(
                OutreachMeeting.all_objects.filter(
                    status=MeetingStatus.HELD, starts_at__gte=start, starts_at__lt=end
                ),
                "caseworker",
            ),
            n_letters=_count(
                Letter.all_objects.filter(
                    kind=LetterKind.SUMMONS, created_at__gte=start, created_at__lt=end
                ).exclude(status=LetterStatus.FAILED),
                "created_by",
            ),
            n_exits=_count(
                Tenancy.all_objects.filter(
                    end_date__year=year, end_reason__in=[r.value for r in EXIT_REASONS]
                ),
                "household__caseworker",
            ),
        )
        .order_by("first_name", "last_name", "username")
    )
    return [
        CaseworkerRow(
            name=user.get_full_name() or user.username,
            active_households=user.n_households,
            meetings_held=user.n_meetings,
            summons_letters=user.n_letters,
            exits=user.n_exits,
        )
        for user in users
    ]


def dashboard_data(
    municipality: Municipality,
    year: int,
    today: datetime.date | None = None,
    years_available: list[int] | None = None,
) -> Dashboard:
    today = today or timezone.localdate()
    series = throughput_series(municipality, year - 1, year)
    trends = exit_trends(municipality, year - TREND_YEARS + 1, year)
    key_figures = [
        KeyFigure(key, str(FIGURE_LABELS[key]), series[year][key], series[year - 1][key])
        for key in KEY_FIGURES
    ]
    stock_day = min(today, datetime.date(year, 12, 31))
    vacancy_summary, longest = vacancies(municipality, today)
    return Dashboard(
        municipality=municipality,
        year=year,
        today=today,
        series=series,
        trends=trends,
        key_figures=key_figures,
        stock=dwelling_stock(municipality, stock_day),
        funnel=funnel(municipality),
        vacancies=vacancy_summary,
        longest_vacant=longest,
        arrears=arrears(municipality),
        loans_in_progress=loans_in_progress(municipality),
        caseworkers=caseworker_table(municipality, year),
        years_available=years_available
        if years_available is not None
        else available_years(municipality, today),
    )


# -- export -------------------------------------------------------------------


def export_rows(data: Dashboard) -> dict[str, list[list[Any]]]:
    """The dashboard's figures as sheets of rows: header first."""
    year, last = data.year, data.year - 1
    key_rows: list[list[Any]] = [[str(_("Nøkkeltall")), str(_("Nøkkel")), str(year), str(last)]]
    key_rows += [[f.label, f.key, f.this_year, f.last_year] for f in data.key_figures]
    for reason in EndReason:
        key_rows.append(
            [
                str(_("Avsluttet: %(r)s") % {"r": reason.label}),
                f"ended_by_reason.{reason.value}",
                data.this_year["ended_by_reason"][reason.value],
                data.last_year["ended_by_reason"][reason.value],
            ]
        )
    trend_keys = (
        "moved_to_ownership",
        "moved_to_private_rental",
        "dwellings_freed",
        "median_tenancy_years_at_exit",
    )
    trend_rows: list[list[Any]] = [[str(_("År")), *(str(FIGURE_LABELS[k]) for k in trend_keys)]]
    trend_rows += [[y, *(data.trends[y][k] for k in trend_keys)] for y in data.trend_years]
    stock = data.stock
    status_rows: list[list[Any]] = [[str(_("Tall")), str(_("Verdi"))]]
    status_rows += [
        [str(_("Boliger i alt per %(d)s") % {"d": f"{stock['day']:%d.%m.%Y}"}), stock["total"]],
        [str(_("Kommunalt eide")), stock["owned"]],
        [str(_("Innleide")), stock["leased"]],
        [str(_("Tilgjengelige for rullestolbrukere")), stock["wheelchair_accessible"]],
        [str(_("Utleid")), stock["let"]],
        [str(_("Utleiegrad (%)")), stock["occupancy_rate"]],
        [str(_("Ledige boliger i dag")), data.vacancies["count"]],
        [str(_("Gjennomsnittlig antall dager ledig")), data.vacancies["average_days"]],
        [str(_("Ledige i mer enn 90 dager")), data.vacancies["over_90_days"]],
        [str(_("Åpne husleierestanser")), data.arrears["count"]],
        [str(_("Sum åpne restanser (kr)")), data.arrears["amount"]],
        [str(_("Husstander med restanse")), data.arrears["households"]],
        [str(_("Startlånsøknader mottatt, ikke behandlet")), data.loans_in_progress["received"]],
        [str(_("Startlånsøknader under behandling")), data.loans_in_progress["in_review"]],
    ]
    status_rows += [[str(_("Fase: %(s)s") % {"s": s.label}), s.count] for s in data.funnel]
    caseworker_rows: list[list[Any]] = [
        [
            str(_("Saksbehandler")),
            str(_("Aktive husstander")),
            str(_("Samtaler holdt %(y)s") % {"y": year}),
            str(_("Innkallinger %(y)s") % {"y": year}),
            str(_("Utflyttinger til eie/privat leie %(y)s") % {"y": year}),
        ]
    ]
    caseworker_rows += [
        [c.name, c.active_households, c.meetings_held, c.summons_letters, c.exits] for c in data.caseworkers
    ]
    return {
        str(_("Nøkkeltall")): key_rows,
        str(_("Utvikling")): trend_rows,
        str(_("Status")): status_rows,
        str(_("Saksbehandlere")): caseworker_rows,
    }
