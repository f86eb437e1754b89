"""The leader's stock plan: what was sold and bought each year (the
reinvestment ledger) and the households' needs against the stock.

Counted in the database, grouped, a fixed handful of queries whatever the
size of the register:

* `reinvestment_ledger(municipality, first_year, last_year)` – per year,
  the dwellings that left (sales) and came (purchases): how many, the sum
  of the prices, rooms, area, wheelchair access, place and category; the
  net change of the stock and the net proceeds. A dwelling counts in the
  year of its StockChange row of that kind, else of `acquired_on`
  (`disposed_on`) – the rule of the throughput figures
  `dwellings_acquired` / `dwellings_disposed`, so the counts agree.
* `needs_against_stock(municipality, day)` – the non-care stock held on
  `day` by rooms and wheelchair access, beside the households living in
  it and those on the waiting list, by the rooms they need, their children
  and their need for wheelchair access.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, ExtractYear, Greatest, Least
from django.utils.translation import gettext_lazy as _

from applications.figures import on_waiting_list, with_leaving_date
from applications.models import Application
from dwellings.models import Dwelling, DwellingCategory, StockChange, Tenancy
from housing_office.models import Municipality
from startloan.models import ApplicationStatus as LoanStatus
from startloan.models import StartLoanApplication
from tenants.models import Person, PersonRole

from .kostra import held_on

# Rooms are shown 1, 2, 3, 4 and "5 or more".
ROOMS_TOP = 5


def rooms_label(rooms: int) -> str:
    return f"{rooms}+" if rooms >= ROOMS_TOP else str(rooms)


# --- The reinvestment ledger -------------------------------------------------


@dataclass
class LedgerSide:
    """The dwellings that came (purchases) or left (sales) in a year."""

    count: int = 0
    priced: int = 0
    price_total: int = 0
    rooms_total: int = 0
    area_total: Decimal = Decimal("0")
    wheelchair: int = 0
    care: int = 0
    to_tenants: int = 0
    by_rooms: dict[int, int] = field(default_factory=dict)
    by_place: dict[str, int] = field(default_factory=dict)

    @property
    def unpriced(self) -> int:
        return self.count - self.priced

    @property
    def average_rooms(self) -> float | None:
        return round(self.rooms_total / self.count, 1) if self.count else None

    @property
    def average_area(self) -> float | None:
        return round(float(self.area_total) / self.count, 1) if self.count else None

    @property
    def rooms_text(self) -> str:
        return ", ".join(f"{rooms_label(r)}: {n}" for r, n in sorted(self.by_rooms.items()))

    @property
    def places_text(self) -> str:
        return ", ".join(f"{p}: {n}" for p, n in sorted(self.by_place.items(), key=lambda i: (-i[1], i[0])))


@dataclass
class LedgerYear:
    year: int
    acquired: LedgerSide
    disposed: LedgerSide

    @property
    def net_stock_change(self) -> int:
        return self.acquired.count - self.disposed.count

    @property
    def sides(self) -> list[tuple[Any, LedgerSide]]:
        return [(_("Solgt"), self.disposed), (_("Kjøpt"), self.acquired)]

    @property
    def net_proceeds(self) -> int:
        """Sales proceeds less purchase prices (kr): positive is money the
        sales brought in beyond what was bought."""
        return self.disposed.price_total - self.acquired.price_total


def _side_rows(municipality_id: int, kind: str, first: datetime.date, last: datetime.date):
    date_field = "acquired_on" if kind == StockChange.Kind.ACQUIRED else "disposed_on"
    return (
        Dwelling.all_objects.filter(municipality_id=municipality_id)
        # (dwelling, kind) is unique on StockChange: at most one row joins.
        .annotate(change=FilteredRelation("stock_changes", condition=Q(stock_changes__kind=kind)))
        .annotate(day=Coalesce(F("change__date"), F(date_field)))
        .filter(day__range=(first, last))
        .annotate(
            y=ExtractYear("day"), room_group=Least(F("rooms"), Value(ROOMS_TOP), output_field=IntegerField())
        )
        .values("y", "room_group", "postal_place")
        .annotate(
            n=Count("pk"),
            priced=Count("change__price"),
            price=Sum("change__price"),
            rooms=Sum("rooms"),
            area=Sum("area_m2"),
            wheelchair=Count("pk", filter=Q(wheelchair_accessible=True)),
            care=Count("pk", filter=Q(category=DwellingCategory.CARE)),
            to_tenants=Count("pk", filter=Q(change__buyer_household__isnull=False)),
        )
        .order_by()
    )


def reinvestment_ledger(
    municipality: Municipality | int, first_year: int, last_year: int
) -> list[LedgerYear]:
    """One LedgerYear per year from `first_year` to `last_year`. Two queries."""
    mid = municipality.pk if isinstance(municipality, Municipality) else municipality
    first, last = datetime.date(first_year, 1, 1), datetime.date(last_year, 12, 31)
    years = {y: LedgerYear(y, LedgerSide(), LedgerSide()) for y in range(first_year, last_year + 1)}
    for kind in (StockChange.Kind.ACQUIRED, StockChange.Kind.DISPOSED):
        for row in _side_rows(mid, kind, first, last):
            ledger = years[row["y"]]
            side = ledger.acquired if kind == StockChange.Kind.ACQUIRED else ledger.disposed
            side.count += row["n"]
            side.priced += row["priced"]
            side.price_total += int(row["price"] or 0)
            side.rooms_total += row["rooms"] or 0
            side.area_total += row["area"] or Decimal("0")
            side.wheelchair += row["wheelchair"]
            side.care += row["care"]
            side.to_tenants += row["to_tenants"]
            side.by_rooms[row["room_group"]] = side.by_rooms.get(row["room_group"], 0) + row["n"]
            place = row["postal_place"] or "–"
            side.by_place[place] = side.by_place.get(place, 0) + row["n"]
    return [years[y] for y in sorted(years)]


def sales_to_tenants(
    municipality: Municipality | int, first_year: int, last_year: int
) -> list[dict[str, Any]]:
    """The sales to sitting tenants in the years, each with the buyer's
    start loan: the latest granted (or disbursed) one decided on or before
    the completion date, if any. One query."""
    mid = municipality.pk if isinstance(municipality, Municipality) else municipality
    loan = StartLoanApplication.all_objects.filter(
        household=OuterRef("buyer_household"),
        status__in=[LoanStatus.GRANTED, LoanStatus.DISBURSED],
        decided_on__lte=OuterRef("date"),
    ).order_by("-decided_on", "-pk")
    return list(
        StockChange.all_objects.filter(
            municipality_id=mid,
            kind=StockChange.Kind.DISPOSED,
            buyer_household__isnull=False,
            date__range=(datetime.date(first_year, 1, 1), datetime.date(last_year, 12, 31)),
        )
        .annotate(
            loan_id=Subquery(loan.values("pk")[:1]),
            loan_amount=Subquery(loan.values("loan_granted")[:1]),
            loan_decided_on=Subquery(loan.values("decided_on")[:1]),
        )
        .order_by("date", "pk")
        .values(
            "date",
            "price",
            "valuation",
            "dwelling_id",
            "dwelling__reference",
            "buyer_household_id",
            "buyer_household__reference",
            "loan_id",
            "loan_amount",
            "loan_decided_on",
        )
    )


def ledger_totals(ledger: list[LedgerYear]) -> dict[str, int]:
    return {
        "acquired": sum(y.acquired.count for y in ledger),
        "disposed": sum(y.disposed.count for y in ledger),
        "purchases": sum(y.acquired.price_total for y in ledger),
        "proceeds": sum(y.disposed.price_total for y in ledger),
        "net_stock_change": sum(y.net_stock_change for y in ledger),
        "net_proceeds": sum(y.net_proceeds for y in ledger),
    }


# --- Needs against stock ------------------------------------------------------


@dataclass
class NeedRow:
    """One room size: the stock and the households that need it."""

    rooms: int
    dwellings: int = 0
    dwellings_wheelchair: int = 0
    tenants: int = 0
    tenants_with_children: int = 0
    waiting: int = 0
    waiting_with_children: int = 0
    waiting_wheelchair: int = 0

    @property
    def label(self) -> str:
        return rooms_label(self.rooms)

    @property
    def need(self) -> int:
        return self.tenants + self.waiting

    @property
    def balance(self) -> int:
        """Dwellings of the size less the households that need it: negative
        is a shortage."""
        return self.dwellings - self.need


@dataclass
class NeedsAgainstStock:
    day: datetime.date
    rows: list[NeedRow]
    # Households living in a dwelling with fewer (more) rooms than they need.
    crowded: int = 0
    under_occupied: int = 0
    tenants_wheelchair: int = 0

    @property
    def totals(self) -> NeedRow:
        total = NeedRow(0)
        for row in self.rows:
            for name in (
                "dwellings",
                "dwellings_wheelchair",
                "tenants",
                "tenants_with_children",
                "waiting",
                "waiting_with_children",
                "waiting_wheelchair",
            ):
                setattr(total, name, getattr(total, name) + getattr(row, name))
        return total

    @property
    def wheelchair_balance(self) -> int:
        totals = self.totals
        return totals.dwellings_wheelchair - totals.waiting_wheelchair - self.tenants_wheelchair


def _member_count(household_ref: str, **filters: Any) -> Coalesce:
    counted = (
        Person.objects.filter(household=OuterRef(household_ref), **filters)
        .order_by()
        .values("household")
        .annotate(c=Count("pk"))
        .values("c")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _with_need(queryset, household_ref: str, asked: Any):
    """Annotate `need`: the rooms asked for (`asked`), else the norm by the
    household's size — a person alone, one room; otherwise a living room,
    one bedroom for the main person (with a co-applicant partner) and one
    for every other member — capped at ROOMS_TOP; and `with_children`. A
    stated norm for planning, not a rule of law. Per-row subqueries, so the
    caller can group by the result in the database."""
    norm = Case(
        When(Q(n_members__lte=1), then=Value(1)),
        default=F("n_members") - F("n_partners") + Value(1),
        output_field=IntegerField(),
    )
    return (
        queryset.annotate(
            n_members=_member_count(household_ref),
            n_partners=_member_count(household_ref, role=PersonRole.CO_APPLICANT),
            n_children=_member_count(household_ref, role=PersonRole.CHILD),
        )
        .annotate(
            norm=norm, with_children=ExpressionWrapper(Q(n_children__gt=0), output_field=BooleanField())
        )
        .annotate(
            need=Greatest(
                Value(1),
                Least(Coalesce(asked, F("norm"), output_field=IntegerField()), Value(ROOMS_TOP)),
                output_field=IntegerField(),
            )
        )
    )


def needs_against_stock(municipality: Municipality | int, day: datetime.date) -> NeedsAgainstStock:
    """The needs-against-stock table on `day`, care dwellings (and the
    households in them) left out. Three queries."""
    mid = municipality.pk if isinstance(municipality, Municipality) else municipality
    rows = {r: NeedRow(r) for r in range(1, ROOMS_TOP + 1)}

    stock = (
        held_on(Dwelling.all_objects.filter(municipality_id=mid), day)
        .exclude(category=DwellingCategory.CARE)
        .annotate(g=Least(F("rooms"), Value(ROOMS_TOP), output_field=IntegerField()))
        .values("g")
        .annotate(n=Count("pk"), wheelchair=Count("pk", filter=Q(wheelchair_accessible=True)))
        .order_by()
    )
    for row in stock:
        rows[row["g"]].dwellings = row["n"]
        rows[row["g"]].dwellings_wheelchair = row["wheelchair"]

    # Households living in the stock: the norm, unless the household's
    # latest application (e.g. for a transfer) says how many rooms.
    latest_app = Application.all_objects.filter(household=OuterRef("household")).order_by(
        "-received_on", "-pk"
    )
    wheelchair_app = Application.all_objects.filter(household=OuterRef("household"), wheelchair_needed=True)
    running = (
        Tenancy.all_objects.running(on=day)
        .filter(municipality_id=mid)
        .exclude(dwelling__category=DwellingCategory.CARE)
    )
    tenants = (
        _with_need(running, "household", Subquery(latest_app.values("rooms_needed")[:1]))
        .annotate(
            wheelchair=Exists(wheelchair_app),
            has=Least(F("dwelling__rooms"), Value(ROOMS_TOP), output_field=IntegerField()),
        )
        .values("need", "has", "with_children", "wheelchair")
        .annotate(n=Count("pk"))
        .order_by()
    )
    crowded = under = tenant_wheelchair = 0
    for row in tenants:
        need, n = row["need"], row["n"]
        rows[need].tenants += n
        rows[need].tenants_with_children += n if row["with_children"] else 0
        crowded += n if row["has"] < need else 0
        under += n if row["has"] > need else 0
        tenant_wheelchair += n if row["wheelchair"] else 0

    waiting = (
        _with_need(
            with_leaving_date(Application.all_objects.filter(municipality_id=mid)),
            "household",
            F("rooms_needed"),
        )
        .filter(on_waiting_list(day))
        .values("need", "with_children", "wheelchair_needed")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in waiting:
        target = rows[row["need"]]
        target.waiting += row["n"]
        target.waiting_with_children += row["n"] if row["with_children"] else 0
        target.waiting_wheelchair += row["n"] if row["wheelchair_needed"] else 0
    return NeedsAgainstStock(
        day,
        [rows[r] for r in sorted(rows)],
        crowded=crowded,
        under_occupied=under,
        tenants_wheelchair=tenant_wheelchair,
    )


def needs_rows_for_export(needs: NeedsAgainstStock) -> list[list[Any]]:
    head = [
        str(_("Rom")),
        str(_("Boliger")),
        str(_("Herav rullestoltilgjengelige")),
        str(_("Husstander i kommunal bolig som trenger")),
        str(_("Husstander på venteliste som trenger")),
        str(_("Differanse")),
    ]
    return [head] + [
        [r.label, r.dwellings, r.dwellings_wheelchair, r.tenants, r.waiting, r.balance] for r in needs.rows
    ]
