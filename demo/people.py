"""The people of each household: names by origin, ages that fit the
history, national identity numbers that pass the check digits."""

from __future__ import annotations

import datetime
import random

from housing_office.national_id import check_digits
from tenants.models import PersonRole

from .helpers import DAY, weighted, years_before
from .names import NORWEGIAN, ORIGINS, SHARED_CHILD_NAMES
from .plan import CARE, EMERGENCY, Context, HouseholdPlan, MemberPlan, R


def plan_people(ctx: Context, households: list[HouseholdPlan]) -> None:
    rng = ctx.rng("people")
    origin_weights = [(o.key, o.weight) for o in ORIGINS]
    by_key = {o.key: o for o in ORIGINS}
    for h in households:
        category = h.first_category
        if category == CARE:
            origin = NORWEGIAN if rng.random() < 0.85 else by_key[weighted(rng, origin_weights)]
        else:
            origin = by_key[weighted(rng, origin_weights)]
        h.origin = origin
        rooms = max((t.dwelling.rooms for t in h.tenancies), default=3)
        composition = _composition(rng, category, rooms)
        start = h.tenancies[0].start if h.tenancies else h.registered
        reference_day = h.exit_date or ctx.today
        years_in = int((reference_day - start).days / 365.25)
        if category == CARE:
            main_born = years_before(reference_day, rng.randint(72, 97)) - rng.randint(0, 364) * DAY
        else:
            main_age = rng.randint(19, 45) if category == EMERGENCY else rng.randint(21, 55)
            # Nobody buys their first home at 84: keep the age when the
            # household left (or today) believable.
            oldest = 66 if h.fate in (R.BOUGHT_OWN_HOME, R.PRIVATE_RENTAL, "current", "applicant") else 85
            main_age = min(main_age, max(19, oldest - years_in))
            main_born = years_before(start, main_age) - rng.randint(0, 364) * DAY
        used: set[str] = set()

        def first_name(names: tuple[str, ...], used: set[str] = used) -> str:
            # Two children called Jonas in one household would look like a bug.
            name = rng.choice([n for n in names if n not in used] or list(names))
            used.add(name)
            return name

        # Single parents are mostly mothers.
        main_male = rng.random() < (0.2 if composition[2] and not composition[0] else 0.55)
        surname = rng.choice(origin.surnames)
        d_number = rng.random() < origin.d_number_share
        main = MemberPlan(
            first_name(origin.male if main_male else origin.female),
            surname[0] if main_male else surname[1],
            main_born,
            PersonRole.MAIN,
        )
        if rng.random() < 0.65:
            main.national_id = _national_id(ctx, rng, main_born, d_number)
        members = [main]
        partner, extra_adults, children = composition
        if partner:
            spouse_male = not main_male if rng.random() < 0.97 else main_male
            if origin is NORWEGIAN and rng.random() < 0.4:
                spouse_surname = rng.choice(origin.surnames)
            else:
                spouse_surname = surname
            born = main_born + rng.randint(-6 * 365, 4 * 365) * DAY
            spouse = MemberPlan(
                first_name(origin.male if spouse_male else origin.female),
                spouse_surname[0] if spouse_male else spouse_surname[1],
                born,
                PersonRole.CO_APPLICANT,
            )
            if rng.random() < 0.4:
                spouse.national_id = _national_id(ctx, rng, born, d_number)
            members.append(spouse)
        main_age_then = (reference_day - main_born).days // 365
        for _k in range(extra_adults):
            male = rng.random() < 0.5
            age = rng.randint(18, max(18, min(30, main_age_then - 18)))
            members.append(
                MemberPlan(
                    first_name(origin.male if male else origin.female),
                    surname[0] if male else surname[2],
                    years_before(reference_day, age) - rng.randint(0, 364) * DAY,
                    PersonRole.ADULT,
                )
            )
        oldest_child = max(0, min(17, main_age_then - 18))
        for born in _birth_days(rng, reference_day, children, oldest_child):
            male = rng.random() < 0.5
            if origin is not NORWEGIAN and rng.random() < 0.25:
                first = first_name(SHARED_CHILD_NAMES[0 if male else 1])
            else:
                first = first_name(origin.male if male else origin.female)
            members.append(MemberPlan(first, surname[0] if male else surname[2], born, PersonRole.CHILD))
        h.members = members


# Siblings are born at least this far apart, unless they are twins.
SIBLING_GAP_DAYS = (300, 1500)
TWIN_SHARE = 0.03


def _birth_days(
    rng: random.Random, reference_day: datetime.date, children: int, oldest_age: int
) -> list[datetime.date]:
    """Children's birthdays, youngest first: at least ~ten months apart, or
    the same day (twins), and none of them 18 or older on `reference_day`
    (a child that would be is left out)."""
    if children <= 0:
        return []
    earliest = years_before(reference_day, oldest_age + 1) + DAY
    # Leave room for the older siblings below the age limit.
    room = max(0, (reference_day - earliest).days - (children - 1) * SIBLING_GAP_DAYS[0])
    born = reference_day - rng.randint(0, min(room, 8 * 365)) * DAY
    days = [born]
    for _k in range(children - 1):
        if rng.random() < TWIN_SHARE:
            days.append(days[-1])
            continue
        older = days[-1] - rng.randint(*SIBLING_GAP_DAYS) * DAY
        if older < earliest:
            older = days[-1] - SIBLING_GAP_DAYS[0] * DAY
        if older < earliest:
            break
        days.append(older)
    return days


def _composition(rng: random.Random, category: str | None, rooms: int) -> tuple[bool, int, int]:
    """(has a partner, further adults, children)."""
    if category == CARE:
        return (rng.random() < 0.2, 0, 0)
    if category == EMERGENCY:
        return (False, 0, rng.choice((1, 2))) if rng.random() < 0.3 else (False, 0, 0)
    kinds: tuple[tuple[tuple[bool, int, int], float], ...]
    if rooms == 1:
        kinds = (((False, 0, 0), 88), ((True, 0, 0), 12))
    elif rooms == 2:
        kinds = (((False, 0, 0), 45), ((True, 0, 0), 20), ((False, 0, 1), 35))
    elif rooms == 3:
        kinds = (
            ((False, 0, 2), 30),
            ((True, 0, 1), 20),
            ((True, 0, 2), 20),
            ((True, 0, 0), 10),
            ((False, 0, 0), 10),
            ((False, 1, 0), 10),
        )
    else:
        kinds = (
            ((True, 0, 2), 25),
            ((True, 0, 3), 25),
            ((True, 0, 4), 10),
            ((False, 0, 3), 20),
            ((False, 0, 2), 10),
            ((True, 1, 1), 10),
        )
    return rng.choices([k for k, _w in kinds], weights=[w for _k, w in kinds])[0]


def _national_id(ctx: Context, rng: random.Random, born: datetime.date, d_number: bool) -> str:
    """A valid, unused national identity number for the birth date, or a
    D number (day + 40); "" when forty tries find none. Births in 1900–1999
    get individual numbers 000–499 and later births 500–999: ranges
    Skatteetaten uses for those years."""
    day = born.day + (40 if d_number else 0)
    low, high = (0, 499) if born.year < 2000 else (500, 999)
    for _attempt in range(40):
        nine = f"{day:02d}{born.month:02d}{born.year % 100:02d}{rng.randint(low, high):03d}"
        digits = check_digits(nine)
        if digits is not None and nine + digits not in ctx.national_ids:
            ctx.national_ids.add(nine + digits)
            return nine + digits
    return ""
