"""The leader's dashboard: what the work achieved this year and how the
office stands today.

Which period is compared: for the current year, "hittil i år" (1 January to
today) against "samme periode i fjor" (1 January to the same calendar day
last year; 29 February against the end of February); for a closed year, the
whole year against the whole year before. The heading says which.

Vacancies: the median number of days the vacant dwellings have stood empty
(a mean is dragged by one dwelling empty for years), and every dwelling
vacant more than VACANCY_OUTLIER_DAYS days listed by name.

`dashboard_data` gathers every figure with a fixed number of aggregate
queries whatever the size of the register; closed years' figures (the
trends, and the year before for a closed year or its same period), the
running year's so far and today's status are read from those kept
(`reports.figures_cache`) until a write changes them. The view renders it
and the export writes it as CSV or XLSX.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from arrears.figures import open_arrears_summary
from dwellings.models import EXIT_REASONS, EndReason, StockChange, Tenancy
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

from .status import (
    VacantDwelling,
    stage_counts,
    status,
    vacancies,
)
from .throughput import (
    APPLICATION_LABELS,
    ARREARS_LABELS,
    FIGURE_LABELS,
    KEY_FIGURES,
    exit_trends,
    figure_decimals,
    throughput_series,
)
from .yearly_rows import yearly_rows

# How many years the trend charts show, ending with the chosen year.
TREND_YEARS = 10


@dataclass(frozen=True)
class Period:
    """What the dashboard compares: `first`–`last` against `previous_first`–
    `previous_last`. `partial` when the year is still running."""

    year: int
    last: datetime.date
    previous_last: datetime.date
    partial: bool

    @property
    def first(self) -> datetime.date:
        return datetime.date(self.year, 1, 1)

    @property
    def previous_first(self) -> datetime.date:
        return datetime.date(self.year - 1, 1, 1)

    @property
    def through(self) -> tuple[int, int] | None:
        return (self.last.month, self.last.day) if self.partial else None


def same_day_last_year(day: datetime.date) -> datetime.date:
    """The same calendar day a year before; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return datetime.date(day.year - 1, 2, 28)


def comparison_period(year: int, today: datetime.date) -> Period:
    """The current year so far against the same days last year; a closed
    year whole against the whole year before."""
    if year >= today.year:
        return Period(year, today, same_day_last_year(today), partial=True)
    return Period(year, datetime.date(year, 12, 31), datetime.date(year - 1, 12, 31), partial=False)


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
    # What is compared: the year so far against the same days last year, or
    # two whole years.
    period: Period
    # The figures of the period in the year and in the year before.
    series: dict[int, dict[str, Any]]
    # The tenancy-end figures of the trend years, ending with the year.
    trends: dict[int, dict[str, Any]]
    key_figures: list[KeyFigure]
    stock: dict[str, Any]
    funnel: list[StageCount]
    vacancies: dict[str, Any]
    # Dwellings vacant more than VACANCY_OUTLIER_DAYS days, longest first.
    long_vacant: list[VacantDwelling]
    arrears: dict[str, Any]
    loans_in_progress: dict[str, Any]
    caseworkers: list[CaseworkerRow]
    # Sales and purchases of the year (reports.stock_plan's ledger).
    ledger: Any = None
    years_available: list[int] = field(default_factory=list)
    # Eviction prevention figures (arrears.figures): label and values for
    # the year before and the year.
    prevention: list[dict[str, Any]] = field(default_factory=list)
    # Follow-up: persons assisted and the check-ins after a purchase
    # (followup.figures), for the year before and the year.
    followup: list[dict[str, Any]] = field(default_factory=list)

    @property
    def this_year(self) -> dict[str, Any]:
        return self.series[self.year]

    @property
    def last_year(self) -> dict[str, Any]:
        return self.series[self.year - 1]

    @property
    def trend_years(self) -> list[int]:
        return sorted(self.trends)


def _earliest(queryset, field: str) -> Subquery:
    """The first value of `field` in the municipality's rows: ordered and
    cut at one row, so an index on (municipality, field) answers it without
    reading the table."""
    sub = (
        queryset.filter(municipality_id=OuterRef("pk"), **{f"{field}__isnull": False})
        .order_by(field)
        .values(field)[:1]
    )
    return Subquery(sub)


def available_years(municipality: Municipality, today: datetime.date) -> list[int]:
    """The years with data, newest first: from the earliest year in which the
    office recorded something happening — a tenancy ending, a meeting, a
    letter, a start-loan application or a stock change — through the current
    year. One query.

    A tenancy's start does not widen the list: the register carries the start
    dates of sitting tenants who moved in decades before the office kept any
    records (the demo's oldest is from 1983), and a year with nothing but one
    such letting has no figures a leader could compare.
    """
    row = (
        Municipality.objects.filter(pk=municipality.pk)
        .annotate(
            tenancy=_earliest(Tenancy.all_objects, "end_date"),
            meeting=_earliest(OutreachMeeting.all_objects, "starts_at"),
            letter=_earliest(Letter.all_objects, "created_at"),
            loan=_earliest(StartLoanApplication.all_objects, "received_on"),
            stock=_earliest(StockChange.all_objects, "date"),
        )
        .values("tenancy", "meeting", "letter", "loan", "stock")
        .first()
        or {}
    )
    years = [today.year]
    for value in row.values():
        if isinstance(value, datetime.datetime):
            value = timezone.localtime(value) if timezone.is_aware(value) else value
        if value is not None:
            years.append(value.year)
    return list(range(today.year, min(years) - 1, -1))


def funnel(municipality: Municipality, counts: dict[str, int] | None = None) -> list[StageCount]:
    """Households at each stage of the pathway, in the pathway's order."""
    counts = stage_counts(municipality) if counts is None else counts
    return [StageCount(s.value, str(s.label), counts.get(s.value, 0)) for s in PathwayStage]


def arrears(municipality: Municipality) -> dict[str, Any]:
    """Open arrears cases (arrears.figures), the record the worktray works."""
    return open_arrears_summary(municipality.pk)


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
    exits in the year (so far). One query."""
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
    period = comparison_period(year, today)
    series = throughput_series(municipality, year - 1, year, through=period.through)
    trends = exit_trends(municipality, year - TREND_YEARS + 1, year)
    labels = {**FIGURE_LABELS, **ARREARS_LABELS, **APPLICATION_LABELS}
    key_figures = [
        KeyFigure(key, str(labels[key]), series[year][key], series[year - 1][key])
        for key in (*KEY_FIGURES, *ARREARS_LABELS, *APPLICATION_LABELS)
    ]
    stock_day = min(today, datetime.date(year, 12, 31))
    now = status(municipality, today, stock_day, year)
    vacancy_summary, long_vacant = vacancies(municipality, today, now.unlet)
    prevention, followup = yearly_rows(municipality.pk, [year - 1, year])
    return Dashboard(
        municipality=municipality,
        year=year,
        today=today,
        period=period,
        series=series,
        trends=trends,
        key_figures=key_figures,
        stock=now.stock,
        ledger=now.ledger,
        funnel=funnel(municipality, now.stage_counts),
        vacancies=vacancy_summary,
        long_vacant=long_vacant,
        arrears=arrears(municipality),
        loans_in_progress=loans_in_progress(municipality),
        caseworkers=caseworker_table(municipality, year),
        prevention=prevention,
        followup=followup,
        years_available=years_available
        if years_available is not None
        else available_years(municipality, today),
    )


# -- export -------------------------------------------------------------------


def export_rows(data: Dashboard) -> dict[str, list[list[Any]]]:
    """The dashboard's figures as sheets of rows: header first."""
    year = data.year
    key_rows: list[list[Any]] = [
        [str(_("Nøkkeltall")), str(_("Nøkkel")), *period_labels(data.period, short=True)]
    ]
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
        [str(_("Median antall dager ledig")), data.vacancies["median_days"]],
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
    # Whole calendar years, this year first as in the key figures.
    followup_rows_: list[list[Any]] = [[str(_("Tall")), str(_("Nøkkel")), str(year), str(year - 1)]]
    followup_rows_ += [[str(row["label"]), row["key"], *reversed(row["values"])] for row in data.followup]
    # The eviction prevention figures, as on the page: whole calendar years.
    prevention_rows_: list[list[Any]] = [[str(_("Tall")), str(_("Nøkkel")), str(year), str(year - 1)]]
    prevention_rows_ += [[str(row["label"]), row["key"], *reversed(row["values"])] for row in data.prevention]
    long_rows: list[list[Any]] = [
        [str(_("Bolig")), str(_("Adresse")), str(_("Ledig siden")), str(_("Dager"))]
    ]
    long_rows += [[d.reference, d.address, d.vacant_since, d.days] for d in data.long_vacant]
    return {
        str(_("Nøkkeltall")): key_rows,
        str(_("Utvikling")): trend_rows,
        str(_("Status")): status_rows,
        str(_("Saksbehandlere")): caseworker_rows,
        str(_("Oppfølging")): followup_rows_,
        str(_("Forebygging av utkastelser")): prevention_rows_,
        str(_("Lenge ledige")): long_rows,
    }


def period_labels(period: Period, *, short: bool = False) -> tuple[str, str]:
    """The two compared columns' names: "2026 (1.1.–30.11.)" and "2025
    (1.1.–30.11.)" for part of a year, "2025" and "2024" for whole years."""
    if not period.partial:
        return str(period.year), str(period.year - 1)
    if short:
        return (
            f"{period.year} (1.1.–{period.last:%d.%m}.)",
            f"{period.year - 1} (1.1.–{period.previous_last:%d.%m}.)",
        )
    return (
        str(_("Hittil i år")),
        str(_("Samme periode i fjor")),
    )
