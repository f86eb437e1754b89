"""The plan: plain objects first, model rows in bulk at the end.

`Context` holds what every part of one run shares: the office and its
staff, "today", the seed's random streams and the rows collected for the
bulk inserts. Each part of the generator (`register`, `people`,
`casework`, `loans`) is a set of functions that take it.
"""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from dwellings.models import Dwelling, DwellingCategory, EndReason, Tenancy
from housing_office.models import Municipality, User
from startloan.models import ApplicationStatusChange, StartLoanApplication
from tenants.models import Household, JournalNote, OutreachMeeting, PathwayStage, PathwayStageChange

from .helpers import years_before
from .names import NORWEGIAN, Origin
from .profiles import COMMON_STREETS, Profile

HISTORY_YEARS = 10

GENERAL, CARE, EMERGENCY = (
    DwellingCategory.GENERAL.value,
    DwellingCategory.CARE.value,
    DwellingCategory.EMERGENCY.value,
)
R = EndReason
S = PathwayStage


@dataclass(frozen=True)
class Staff:
    caseworkers: list[User]
    leader: User


@dataclass(eq=False)
class DwellingPlan:
    index: int
    reference: str
    address: str
    postal_code: str
    postal_place: str
    rooms: int
    area: Decimal
    category: str
    wheelchair: bool
    ownership: str
    acquired_on: datetime.date
    rent_level: int
    acquired_in_window: bool = False
    disposed_on: datetime.date | None = None
    sold_to_tenant: bool = False
    for_sale: bool = False
    let_now: bool = False
    row: Dwelling | None = None


@dataclass(eq=False)
class TenancyPlan:
    dwelling: DwellingPlan
    start: datetime.date
    end: datetime.date | None
    reason: str = ""
    forced: bool = False
    prev: TenancyPlan | None = None
    next: TenancyPlan | None = None
    row: Tenancy | None = None


@dataclass(eq=False)
class SummonsPlan:
    """A summons letter: sent on `sent_at` for a meeting at `starts_at`.
    `meeting` is the meeting row it called to (None when the household left
    before the day); the letter row is made once the household's members
    are saved (the letter names them)."""

    household: HouseholdPlan
    caseworker: User
    sent_at: datetime.datetime
    starts_at: datetime.datetime
    duration_minutes: int
    place: str
    meeting: OutreachMeeting | None


@dataclass(eq=False)
class MemberPlan:
    first_name: str
    last_name: str
    born: datetime.date
    role: str
    national_id: str = ""


@dataclass(eq=False)
class HouseholdPlan:
    tenancies: list[TenancyPlan]
    registered: datetime.date
    fate: str  # "current", "applicant" or the end reason of the last tenancy
    members: list[MemberPlan] = field(default_factory=list)
    origin: Origin = NORWEGIAN
    row: Household | None = None

    @property
    def current(self) -> TenancyPlan | None:
        last = self.tenancies[-1] if self.tenancies else None
        return last if last is not None and last.end is None else None

    @property
    def exit_date(self) -> datetime.date | None:
        return self.tenancies[-1].end if self.tenancies else None

    @property
    def first_category(self) -> str | None:
        return self.tenancies[0].dwelling.category if self.tenancies else None


class Context:
    def __init__(
        self,
        office: Municipality,
        profile: Profile,
        staff: Staff,
        households: int,
        seed: int,
        today: datetime.date,
    ) -> None:
        self.office = office
        self.profile = profile
        self.staff = staff
        self.n_households = households
        self.seed = seed
        self.today = today
        self.window_start = years_before(today, HISTORY_YEARS)
        self.streets = profile.streets + COMMON_STREETS
        self.place = profile.postal_place
        street_rng = self.rng("streets")
        self.street_codes = {street: street_rng.choice(profile.postal_codes) for street in self.streets}
        self.used_addresses: set[str] = set()
        self.national_ids: set[str] = set()
        self.busy: dict[tuple[int, datetime.date], set[tuple[int, int]]] = defaultdict(set)
        self.slot_rng = self.rng("slots")
        self.visiting = office.visiting_address or profile.visiting_address
        # Rows to insert.
        self.stage_changes: list[PathwayStageChange] = []
        self.meetings: list[OutreachMeeting] = []
        self.notes: list[JournalNote] = []
        self.loans: list[tuple[StartLoanApplication, list[ApplicationStatusChange]]] = []
        self.summonses: list[SummonsPlan] = []

    def rng(self, stream: str) -> random.Random:
        """One random stream per part, so that a change in one part does
        not shift the data of the others."""
        return random.Random(f"{self.seed}:{stream}")

    def address(
        self, rng: random.Random, flat_share: float, streets: tuple[str, ...] | None = None
    ) -> tuple[str, str]:
        """A fresh street address in the municipality, and its postcode."""
        streets = streets or self.streets
        while True:
            street = rng.choice(streets)
            number = rng.randint(1, 90)
            text = f"{street} {number}"
            if rng.random() < 0.15:
                text += rng.choice("ABC")
            if rng.random() < flat_share:
                text += f" H0{rng.randint(1, 4)}0{rng.randint(1, 4)}"
            if text not in self.used_addresses:
                self.used_addresses.add(text)
                return text, self.street_codes[street]
