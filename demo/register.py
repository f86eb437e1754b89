"""The register: dwellings, tenancies and households.

In the order they are planned:

1. Dwellings of every category with addresses in the municipality's own
   postcodes. The office sells dwellings that no longer fit (most of them to
   the sitting tenant: "fra leie til eie") and buys better ones: over a third of the
   dwellings were sold and a third bought in the last ten years; two or
   three are for sale now.
2. Per dwelling, a chain of tenancies walked backwards from today (or from
   the sale) without overlaps. The length of tenancies is tuned so that the
   number of households comes out at `--households`: one household per
   chain of tenancies, where a move to another municipal dwelling joins two
   tenancies into one household's history. A few households have no
   tenancy: start-loan applicants renting privately.
3. Households, one per chain, each with its fate: "current", "applicant" or
   how its last tenancy ended.
"""

from __future__ import annotations

import bisect
import datetime
import math
import random
from collections import Counter
from decimal import Decimal

from dwellings.models import ContractType, Dwelling, Ownership, StockChange, Tenancy
from housing_office.models import User, WrittenLanguage
from housing_office.text import fold
from tenants.models import Household

from .helpers import DAY, add_months, at, between, random_phone, round_to, weighted, years_before
from .plan import CARE, EMERGENCY, GENERAL, Context, DwellingPlan, HouseholdPlan, R, TenancyPlan
from .profiles import COMMON_STREETS, ELSEWHERE

# Tenancy lengths: log-normal around these medians (years), before tuning.
MEDIAN_YEARS = {GENERAL: 4.5, CARE: 5.0, EMERGENCY: 0.8}
SIGMA = {GENERAL: 0.6, CARE: 0.7, EMERGENCY: 0.6}
# Days between one tenant moving out and the next moving in (cleaning,
# small repairs, the allocation meeting): a real office re-lets within weeks.
GAP_DAYS = {GENERAL: (10, 60), CARE: (7, 40), EMERGENCY: (3, 25)}
LET_SHARE = {GENERAL: 0.95, CARE: 0.97, EMERGENCY: 0.85}
# How long the dwellings that stand empty today have done so: most were
# vacated in the last weeks, a few wait for repairs, and at most a handful
# (those for sale among them) for more than 90 days.
VACANT_DAYS = ((3, 45, 0.75), (45, 88, 0.2), (91, 150, 0.05))
FOR_SALE_VACANT_DAYS = (40, 160)
# Housing offices sell dwellings that no longer fit (often to the sitting
# tenant) and buy better ones. Sales also spread the exits over the years:
# a sold dwelling needs no new tenant, so its last tenant's exit costs no
# vacancy today.
SOLD_SHARE = 0.42
# "Fra leie til eie": most sales are to the sitting tenant, who buys the
# dwelling they rent; the rest are sold in the open market.
SOLD_TO_TENANT_SHARE = 0.75
ACQUIRED_SHARE = 0.3
MAX_YEARS = 35
REASON_WEIGHTS: dict[str, tuple[tuple[str, float], ...]] = {
    GENERAL: (
        (R.BOUGHT_OWN_HOME, 66),
        (R.PRIVATE_RENTAL, 17),
        (R.MOVED_AWAY, 6),
        (R.EVICTION, 3),
        (R.DECEASED, 2),
        (R.CARE_INSTITUTION, 2),
        (R.OTHER, 4),
    ),
    CARE: ((R.DECEASED, 55), (R.CARE_INSTITUTION, 35), (R.MOVED_AWAY, 4), (R.OTHER, 6)),
    EMERGENCY: (
        (R.PRIVATE_RENTAL, 40),
        (R.MOVED_AWAY, 20),
        (R.OTHER, 25),
        (R.EVICTION, 10),
        (R.BOUGHT_OWN_HOME, 5),
    ),
}
MOVE_SHARE = 0.07
APPLICANT_SHARE = 0.02


# -- dwellings ------------------------------------------------------------------


def plan_dwellings(ctx: Context) -> list[DwellingPlan]:
    rng = ctx.rng("dwellings")
    count = max(10, round(ctx.n_households * 0.85))
    n_care = round(count * 0.15)
    n_emergency = max(1, round(count * 0.05))
    categories = [CARE] * n_care + [EMERGENCY] * n_emergency + [GENERAL] * (count - n_care - n_emergency)
    rng.shuffle(categories)
    old_start = datetime.date(1978, 1, 1)
    dwellings: list[DwellingPlan] = []
    for i, category in enumerate(categories):
        if category == CARE:
            rooms = rng.choice((1, 2, 2))
            area = rng.uniform(38, 62)
            wheelchair = rng.random() < 0.9
            ownership = Ownership.OWNED
        elif category == EMERGENCY:
            rooms = rng.choice((1, 1, 2))
            area = 18 + rooms * rng.uniform(12, 20)
            wheelchair = rng.random() < 0.2
            ownership = Ownership.LEASED if rng.random() < 0.5 else Ownership.OWNED
        else:
            rooms = int(weighted(rng, (("1", 14), ("2", 30), ("3", 31), ("4", 18), ("5", 7))))
            area = 22 + rooms * rng.uniform(13, 20)
            wheelchair = rng.random() < 0.33
            ownership = Ownership.LEASED if rng.random() < 0.18 else Ownership.OWNED
        address, code = ctx.address(rng, 0.9 if category == CARE else 0.4)
        in_window = category != EMERGENCY and rng.random() < ACQUIRED_SHARE
        if in_window:
            acquired = between(rng, ctx.window_start + 30 * DAY, ctx.today - 60 * DAY)
        elif ownership == Ownership.LEASED:
            acquired = between(rng, years_before(ctx.window_start, 12), ctx.window_start - DAY)
        else:
            acquired = between(rng, old_start, ctx.window_start - DAY)
        if category == CARE:
            rent = rng.uniform(7000, 10000)
        elif category == EMERGENCY:
            rent = rng.uniform(6000, 8000)
        else:
            rent = 4800 + rooms * 1450 + rng.uniform(-600, 900)
        dwellings.append(
            DwellingPlan(
                index=i,
                reference=f"B-{i + 1:04d}",
                address=address,
                postal_code=code,
                postal_place=ctx.place,
                rooms=rooms,
                area=Decimal(f"{area:.1f}"),
                category=category,
                wheelchair=wheelchair,
                ownership=ownership,
                acquired_on=acquired,
                rent_level=min(14000, max(6000, round_to(rent, 50))),
                acquired_in_window=in_window,
            )
        )
    # Sales: old, owned, general dwellings; most of them to the tenant.
    sellable = [
        d
        for d in dwellings
        if d.category == GENERAL and d.ownership == Ownership.OWNED and not d.acquired_in_window
    ]
    n_for_sale = max(1, round(count * 0.01))
    # A small demo has few old dwellings: the ones for sale now come first.
    n_sold = max(1, min(round(count * SOLD_SHARE), len(sellable) - n_for_sale))
    picked = rng.sample(sellable, min(len(sellable), n_sold + n_for_sale))
    # Sale dates spread evenly over the years (each in its own slice of the
    # window), so that no year's "bought their own home" stands out.
    first_sale, last_sale = ctx.window_start + 120 * DAY, ctx.today - 45 * DAY
    span = (last_sale - first_sale).days
    slices = list(range(n_sold))
    rng.shuffle(slices)
    for j, d in enumerate(picked):
        if j < n_sold:
            d.disposed_on = first_sale + int(span * (slices[j] + rng.random()) / n_sold) * DAY
            d.sold_to_tenant = rng.random() < SOLD_TO_TENANT_SHARE
        else:
            d.for_sale = True
    for d in dwellings:
        d.let_now = d.disposed_on is None and not d.for_sale and rng.random() < LET_SHARE[d.category]
    return dwellings


# -- tenancies -----------------------------------------------------------------


def _duration(rng: random.Random, category: str, scale: float) -> int:
    years = rng.lognormvariate(math.log(MEDIAN_YEARS[category] * scale), SIGMA[category])
    return int(min(max(years * 365.25, 45), MAX_YEARS * 365.25))


def _chain(ctx: Context, d: DwellingPlan, scale: float) -> list[TenancyPlan]:
    """The dwelling's tenancies, walked backwards from today or the sale."""
    rng = ctx.rng(f"chain:{d.index}")
    floor = d.acquired_on
    out: list[TenancyPlan] = []
    forced = False
    if d.disposed_on is not None:
        forced = d.sold_to_tenant
        end = d.disposed_on if forced else d.disposed_on - rng.randint(30, 180) * DAY
    elif d.let_now:
        age = max(1, int(_duration(rng, d.category, scale) * rng.random()))
        start = max(ctx.today - age * DAY, floor + rng.randint(7, 45) * DAY)
        start = min(start, ctx.today)
        out.append(TenancyPlan(d, start, None))
        end = start - rng.randint(*GAP_DAYS[d.category]) * DAY
    else:
        # Empty today: the last tenant left a few weeks ago, as a rule.
        if d.for_sale:
            days = rng.randint(*FOR_SALE_VACANT_DAYS)
        else:
            low, high = _vacant_range(rng.random())
            days = rng.randint(low, high)
        end = ctx.today - days * DAY
    while end >= ctx.window_start and (end - floor).days > 60:
        start = max(end - _duration(rng, d.category, scale) * DAY, floor + rng.randint(0, 30) * DAY)
        t = TenancyPlan(d, start, end)
        if forced:
            t.reason, t.forced, forced = R.BOUGHT_OWN_HOME, True, False
        out.append(t)
        end = start - rng.randint(*GAP_DAYS[d.category]) * DAY
    out.reverse()
    return out


def _vacant_range(pick: float) -> tuple[int, int]:
    """The range of days empty that `pick` (0 to 1) falls in (VACANT_DAYS)."""
    for low, high, share in VACANT_DAYS:
        if pick < share:
            return low, high
        pick -= share
    return VACANT_DAYS[-1][0], VACANT_DAYS[-1][1]


def _link_moves(ctx: Context, tenancies: list[TenancyPlan]) -> int:
    """Join some ended tenancies to a later one in another dwelling: the
    household moved (from an emergency dwelling, mostly)."""
    rng = ctx.rng("moves")
    ended = [t for t in tenancies if t.end is not None and not t.forced]
    target = max(1, round(MOVE_SHARE * len(ended)))
    by_start = sorted(tenancies, key=lambda t: (t.start, t.dwelling.index))
    starts = [t.start for t in by_start]
    candidates = sorted(
        (t for t in ended if t.dwelling.category != CARE),
        key=lambda t: (t.dwelling.category != EMERGENCY, rng.random()),
    )
    links = 0
    # Moves happen within weeks; a wide window only as a last resort so
    # that even a small demo has one.
    for window in (60, 3 * 365):
        for a in candidates:
            if links >= target:
                break
            if a.next is not None or a.end is None:
                continue
            j = bisect.bisect_right(starts, a.end)
            while j < len(by_start) and by_start[j].start <= a.end + window * DAY:
                b = by_start[j]
                if b.prev is None and b.dwelling is not a.dwelling and b.dwelling.category == GENERAL:
                    a.next, b.prev, a.reason = b, a, R.OTHER_MUNICIPAL_DWELLING
                    links += 1
                    break
                j += 1
        if links:
            break
    return links


def plan_tenancies(ctx: Context, dwellings: list[DwellingPlan]) -> list[TenancyPlan]:
    """Tune tenancy lengths so the chains make `--households` households."""
    target = ctx.n_households - round(ctx.n_households * APPLICANT_SHARE)

    def build(scale: float) -> tuple[list[TenancyPlan], int]:
        tenancies = [t for d in dwellings for t in _chain(ctx, d, scale)]
        return tenancies, len(tenancies) - _link_moves(ctx, tenancies)

    lo, hi = math.log(0.15), math.log(10.0)
    best: tuple[list[TenancyPlan], int] | None = None
    fewest: tuple[list[TenancyPlan], int] | None = None
    for _step in range(22):
        mid = (lo + hi) / 2
        tenancies, made = build(math.exp(mid))
        if made <= target:
            if best is None or made > best[1]:
                best = (tenancies, made)
            hi = mid
        else:
            if fewest is None or made < fewest[1]:
                fewest = (tenancies, made)
            lo = mid
        if best is not None and best[1] == target:
            break
    chosen = best or fewest
    assert chosen is not None
    tenancies, made = chosen
    _trim(ctx, tenancies, made - target)
    return tenancies


def _trim(ctx: Context, tenancies: list[TenancyPlan], excess: int) -> None:
    """Drop the first tenancy of some dwellings' histories when even the
    longest tenancies make too many households. Only a tenancy with a later
    one in the same dwelling goes, so no dwelling stands empty for years."""
    rng = ctx.rng("trim")
    while excess > 0:
        first: dict[int, TenancyPlan] = {}
        count: Counter[int] = Counter()
        for t in tenancies:
            count[t.dwelling.index] += 1
            known = first.get(t.dwelling.index)
            if known is None or t.start < known.start:
                first[t.dwelling.index] = t
        candidates = [
            t
            for t in first.values()
            if t.end is not None
            and not t.forced
            and t.prev is None
            and t.next is None
            and count[t.dwelling.index] > 1
        ]
        if not candidates:
            return
        tenancies.remove(rng.choice(candidates))
        excess -= 1


def assign_reasons(ctx: Context, tenancies: list[TenancyPlan]) -> None:
    rng = ctx.rng("reasons")
    ended = sorted((t for t in tenancies if t.end is not None), key=lambda t: (t.end, t.dwelling.index))
    for t in ended:
        if not t.reason:
            t.reason = weighted(rng, REASON_WEIGHTS[t.dwelling.category])
    # Every end reason shows up, even in a small demo: take from the
    # most common reason.
    counts = Counter(t.reason for t in ended)
    for reason in R.values:
        if counts[reason] or reason == R.OTHER_MUNICIPAL_DWELLING:
            continue
        donors = [
            t
            for t in ended
            if not t.forced and t.next is None and t.dwelling.category == GENERAL and counts[t.reason] > 1
        ]
        if not donors:
            continue
        donor = max(donors, key=lambda t: counts[t.reason])
        counts[donor.reason] -= 1
        donor.reason = reason
        counts[reason] += 1


def plan_households(ctx: Context, tenancies: list[TenancyPlan]) -> list[HouseholdPlan]:
    rng = ctx.rng("households")
    careers: list[list[TenancyPlan]] = []
    for t in sorted(tenancies, key=lambda t: (t.start, t.dwelling.index)):
        if t.prev is None:
            career = [t]
            while career[-1].next is not None:
                career.append(career[-1].next)
            careers.append(career)
    households = []
    for career in careers:
        last = career[-1]
        fate = "current" if last.end is None else last.reason
        households.append(HouseholdPlan(career, career[0].start - rng.randint(10, 200) * DAY, fate))
    for _i in range(max(0, ctx.n_households - len(households))):
        households.append(HouseholdPlan([], ctx.today - rng.randint(20, 700) * DAY, "applicant"))
    households.sort(key=lambda h: (h.registered, h.tenancies[0].dwelling.index if h.tenancies else -1))
    return households[: ctx.n_households]


# -- rows ----------------------------------------------------------------------


def write_dwellings(ctx: Context, dwellings: list[DwellingPlan]) -> None:
    """Insert the dwellings and their stock changes; the plans get their rows."""
    leader = ctx.staff.leader
    rows = Dwelling.all_objects.bulk_create(
        [
            Dwelling(
                municipality=ctx.office,
                reference=d.reference,
                address=d.address,
                postal_code=d.postal_code,
                postal_place=d.postal_place,
                rooms=d.rooms,
                area_m2=d.area,
                category=d.category,
                wheelchair_accessible=d.wheelchair,
                ownership=d.ownership,
                acquired_on=d.acquired_on,
                disposed_on=d.disposed_on,
                for_sale=d.for_sale,
                created_at=at(max(d.acquired_on, ctx.window_start), 9),
            )
            for d in dwellings
        ]
    )
    for d, row in zip(dwellings, rows, strict=True):
        d.row = row
    _stock_changes(ctx, dwellings, leader)


def _stock_changes(ctx: Context, dwellings: list[DwellingPlan], leader: User) -> None:
    """What the office bought and sold in the last ten years."""
    rng = ctx.rng("stock")
    rows = []
    for d in dwellings:
        assert d.row is not None
        base = ctx.profile.price_level * (0.6 + 0.15 * d.rooms)
        if d.acquired_in_window:
            owned = d.ownership == Ownership.OWNED
            rows.append(
                StockChange(
                    municipality=ctx.office,
                    dwelling=d.row,
                    kind=StockChange.Kind.ACQUIRED,
                    date=d.acquired_on,
                    price=Decimal(round_to(base * rng.uniform(0.85, 1.2), 10_000)) if owned else None,
                    note=rng.choice(("Kjøpt i det ordinære markedet.", "Kjøpt fra utbygger (nybygg)."))
                    if owned
                    else "Innleid fra privat utleier.",
                    recorded_by=leader,
                )
            )
        if d.disposed_on is not None:
            rows.append(
                StockChange(
                    municipality=ctx.office,
                    dwelling=d.row,
                    kind=StockChange.Kind.DISPOSED,
                    date=d.disposed_on,
                    price=Decimal(round_to(base * rng.uniform(0.8, 1.1), 10_000)),
                    note="Solgt til leietakeren."
                    if d.sold_to_tenant
                    else "Solgt i det åpne markedet; midlene reinvesteres i nye boliger.",
                    recorded_by=leader,
                )
            )
    StockChange.all_objects.bulk_create(rows)


def household_rows(ctx: Context, households: list[HouseholdPlan]) -> list[Household]:
    """The households' rows, not yet saved: the history sets their stage first."""
    rng = ctx.rng("household-rows")
    weights = ((0, 40), (1, 30), (2, 30))
    rows = []
    for i, h in enumerate(households):
        address, code, place = _postal_address(ctx, rng, h)
        origin = h.origin
        caseworker = ctx.staff.caseworkers[int(weighted(rng, ((str(k), w) for k, w in weights)))]
        assigned = rng.random() < (0.95 if h.fate != "current" else 0.88)
        reference = f"H-{i + 1:05d}"
        main = h.members[0]
        email = ""
        if rng.random() < 0.45:
            local = f"{fold(main.first_name)}.{fold(main.last_name)}".replace(" ", "")
            email = f"{local}{rng.randint(1, 99)}@{rng.choice(('example.com', 'example.net', 'example.org'))}"
        members = sorted(h.members, key=lambda m: (m.role, m.born))
        search = [reference, address, place] + [f"{m.first_name} {m.last_name}" for m in members]
        row = Household(
            municipality=ctx.office,
            reference=reference,
            address=address,
            postal_code=code,
            postal_place=place,
            phone=random_phone(rng) if rng.random() < 0.88 else "",
            email=email,
            letter_language=WrittenLanguage.NYNORSK if rng.random() < 0.03 else "",
            interpreter_language=origin.interpreter
            if origin.interpreter and rng.random() < (0.3 if origin.key in ("pl", "ua", "lt") else 0.45)
            else "",
            caseworker=caseworker if assigned else None,
            search_text=fold(" ".join(p for p in search if p)),
            created_at=at(h.registered, 10),
        )
        h.row = row
        rows.append(row)
    return rows


def tenancy_rows(ctx: Context, households: list[HouseholdPlan]) -> list[Tenancy]:
    """The tenancies' rows, not yet saved: they need the households' keys."""
    contract_rng = ctx.rng("contracts")
    rows = []
    for h in households:
        for t in h.tenancies:
            contract_type, contract_end = _contract(ctx, contract_rng, t)
            assert t.dwelling.row is not None
            t.row = Tenancy(
                municipality=ctx.office,
                household=h.row,
                dwelling=t.dwelling.row,
                start_date=t.start,
                end_date=t.end,
                monthly_rent=_rent(ctx, t.dwelling, t.end or ctx.today),
                contract_type=contract_type,
                contract_end=contract_end,
                end_reason=t.reason if t.end else "",
                created_at=at(t.start, 9),
            )
            rows.append(t.row)
    return rows


def _rent(ctx: Context, d: DwellingPlan, until: datetime.date) -> Decimal:
    """The rent as last adjusted: rents follow the price index each year."""
    years_ago = (ctx.today - until).days / 365.25
    rent = d.rent_level / (1.028**years_ago)
    return Decimal(min(14000, max(6000, round_to(rent, 50))))


def _contract(ctx: Context, rng: random.Random, t: TenancyPlan) -> tuple[str, datetime.date | None]:
    category = t.dwelling.category
    if category == CARE or (category == GENERAL and rng.random() < 0.15):
        return ContractType.INDEFINITE, None
    months = 3 if category == EMERGENCY else rng.choice((36, 36, 60))
    until = t.end or ctx.today
    contract_end = add_months(t.start, months)
    while contract_end < until:
        contract_end = add_months(contract_end, months)
    return ContractType.FIXED_TERM, contract_end


def _postal_address(ctx: Context, rng: random.Random, h: HouseholdPlan) -> tuple[str, str, str]:
    current = h.current
    if current is not None:
        d = current.dwelling
        return d.address, d.postal_code, d.postal_place
    if h.fate == R.DECEASED:
        return "", "", ""
    if h.fate == R.MOVED_AWAY:
        elsewhere = [pair for pair in ELSEWHERE if pair[1] != ctx.place]
        code, place = rng.choice(elsewhere)
        return f"{rng.choice(COMMON_STREETS)} {rng.randint(1, 60)}", code, place
    address, code = ctx.address(rng, 0.3)
    return address, code, ctx.place
