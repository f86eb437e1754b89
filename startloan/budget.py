"""Living costs in the start-loan assessment: the monthly rate tables per
household member (the guideline rates for financial social assistance and
the standard budget) and the household they are applied to. Pure
arithmetic, no database."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .loan_maths import ONE, ZERO, _precise

# --------------------------------------------------------------------------
# Living costs
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class ChildRate:
    """A monthly amount for a child aged from_age..to_age (inclusive);
    `to_age=None` means "and older"."""

    from_age: int
    to_age: int | None
    amount: Decimal

    def covers(self, age: int) -> bool:
        return age >= self.from_age and (self.to_age is None or age <= self.to_age)


@dataclass(frozen=True)
class RateTable:
    """Monthly living-cost amounts per household member.

    `couple` is for both partners together. `other_adult` is for each adult
    beyond the single adult or the couple (an adult child living at home,
    a sibling), who shares the household. From member number
    `reduce_from_member` (1-based) the amounts are reduced by `reduction`
    (a fraction); members are counted from the most to the least expensive,
    so the reduction falls on the cheapest members and the total stays
    prudent.
    """

    single_adult: Decimal
    couple: Decimal
    other_adult: Decimal
    children: tuple[ChildRate, ...]
    reduce_from_member: int | None = None
    reduction: Decimal = ZERO
    # What the amounts are, named and dated, e.g. "Namsmannens
    # livsoppholdssatser (1.7.2023)"; shown beside the figure.
    name: str = ""

    def child_amount(self, age: int | None) -> Decimal:
        """The amount for a child of `age`; unknown or uncovered ages get the
        highest child amount, never a lower one."""
        if age is not None:
            for band in self.children:
                if band.covers(age):
                    return band.amount
        return max((band.amount for band in self.children), default=ZERO)

    def monthly_total(self, composition: HouseholdComposition) -> Decimal:
        amounts: list[Decimal] = []
        adults = composition.adults
        if composition.couple and adults >= 2:
            amounts += [self.couple / 2, self.couple / 2]
            adults -= 2
        elif adults >= 1:
            amounts.append(self.single_adult)
            adults -= 1
        amounts += [self.other_adult] * adults
        amounts += [self.child_amount(age) for age in composition.children_ages]
        with _precise():
            if self.reduce_from_member and self.reduction:
                amounts.sort(reverse=True)
                factor = ONE - self.reduction
                amounts = [
                    a * factor if i + 1 >= self.reduce_from_member else a for i, a in enumerate(amounts)
                ]
            return sum(amounts, ZERO)


@dataclass(frozen=True)
class Member:
    """One person in the household as SIFO's reference budget needs them:
    age and sex (None when unknown; the budget then takes the dearer)."""

    age: int | None
    sex: str | None = None
    child: bool = False


@dataclass(frozen=True)
class HouseholdComposition:
    adults: int
    couple: bool = False
    # Age of each child under 18; None when the date of birth is unknown.
    children_ages: tuple[int | None, ...] = ()
    # Everyone with age and sex, for SIFO's per-person items; empty when not
    # known (adults then count at the dearest adult band).
    people: tuple[Member, ...] = ()

    def members(self) -> tuple[Member, ...]:
        if self.people:
            return self.people
        adults = tuple(Member(None) for _ in range(self.adults))
        return adults + tuple(Member(age, None, True) for age in self.children_ages)

    @property
    def size(self) -> int:
        return self.adults + len(self.children_ages)

    @property
    def children_without_age(self) -> int:
        return sum(1 for age in self.children_ages if age is None)


# --------------------------------------------------------------------------
# SIFO's reference budget (referansebudsjettet)
# --------------------------------------------------------------------------

FEMALE = "female"
MALE = "male"
ADULT_AGE = 18


@dataclass(frozen=True)
class SifoPersonBand:
    """SIFO's per-person items (food and drink, clothing and shoes, personal
    care, play/media/leisure, travel, infant equipment) summed for one sex
    and an age band from_age..to_age (None: and older), per month."""

    sex: str
    from_age: int
    to_age: int | None
    amount: Decimal

    def covers(self, age: int) -> bool:
        return age >= self.from_age and (self.to_age is None or age <= self.to_age)


@dataclass(frozen=True)
class SifoBudget:
    """SIFO's reference budget as the leader keeps it: per-person items by
    age and sex, and the household items (other daily goods, household
    articles, furniture, media and leisure) by household size; a household
    larger than the largest size kept gets the largest size's amount.
    SIFO's budget excludes housing and electricity (they have lines of their
    own). `name` says what it is and from when, e.g. "SIFOs
    referansebudsjett (1.2.2026)"."""

    persons: tuple[SifoPersonBand, ...]
    households: tuple[tuple[int, Decimal], ...]
    name: str = ""

    def person_amount(self, member: Member) -> Decimal:
        """A person's items; an unknown sex or age gets the dearer amount
        (among adult bands for an adult, child bands for a child)."""
        bands = [b for b in self.persons if member.sex is None or b.sex == member.sex]
        if member.age is not None:
            found = [b.amount for b in bands if b.covers(member.age)]
            if found:
                return max(found)
        if member.child:
            pool = [b.amount for b in bands if b.from_age < ADULT_AGE]
        else:
            pool = [b.amount for b in bands if b.to_age is None or b.to_age >= ADULT_AGE]
        return max(pool or [b.amount for b in bands] or [ZERO])

    def household_amount(self, size: int) -> Decimal:
        if not self.households:
            return ZERO
        rows = sorted(self.households)
        for rows_size, amount in rows:
            if rows_size >= size:
                return amount
        return rows[-1][1]

    def monthly_total(self, composition: HouseholdComposition) -> Decimal:
        members = composition.members()
        with _precise():
            persons = sum((self.person_amount(m) for m in members), ZERO)
            return persons + self.household_amount(len(members))


# --------------------------------------------------------------------------
# Electricity and heating
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class ElectricityBand:
    """The leader's default monthly electricity and heating cost for a
    dwelling up to `up_to_m2` square metres (None: any larger dwelling).
    Neither SIFO's reference budget nor the social-assistance guideline rates
    include electricity, so the budget needs its own line for it."""

    up_to_m2: int | None
    amount: Decimal


def default_electricity(bands: tuple[ElectricityBand, ...], area: int | None) -> Decimal:
    """The band's amount for a dwelling of `area` m²; an unknown area gets the
    highest amount, never a lower one."""
    if not bands:
        return ZERO
    if area is not None:
        for band in sorted(bands, key=lambda b: (b.up_to_m2 is None, b.up_to_m2 or 0)):
            if band.up_to_m2 is None or area <= band.up_to_m2:
                return band.amount
    return max(band.amount for band in bands)
