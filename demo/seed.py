"""`seed_demo`: the demo municipality, its users and the other apps' defaults.

The entry point of the demo app; `manage.py seed_demo` calls it.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from housing_office.models import Municipality
from housing_office.roles import ensure_roles
from letters.letter_templates import ensure_default_templates
from startloan.services import ensure_default_parameters
from tenants.models import Household

from .applications import seed_applications
from .arrears import add_arrears_history
from .followup import add_followup_history
from .generator import generate
from .guidance import seed_guidance
from .office import DemoLogin, ensure_municipality, ensure_users
from .plan import Context
from .profiles import profile_for
from .stock import add_sales_to_tenants

DEFAULT_MUNICIPALITY = "3807"
DEFAULT_HOUSEHOLDS = 300
DEFAULT_SEED = 1
DEFAULT_PASSWORD = "boligkontor-demo"
MIN_HOUSEHOLDS = 20
MAX_HOUSEHOLDS = 5000
DEMO_URL = "http://127.0.0.1:8000"


class DemoError(ValueError):
    """Bad options; the message is Norwegian and meant for the user."""


@dataclass
class DemoResult:
    municipality: Municipality
    created: bool
    logins: list[DemoLogin]
    password: str
    # "module.function" of each default the other apps were asked to ensure.
    defaults_ensured: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    ended_by_reason: dict[str, int] = field(default_factory=dict)
    bought_per_year: dict[int, int] = field(default_factory=dict)


def parse_options(
    municipality: object, households: object, seed: object, password: object
) -> tuple[str, int, int, str]:
    """Check the command's options; raise DemoError with a Norwegian message."""
    number = str(municipality or "").strip()
    if len(number) != 4 or not number.isdigit():
        raise DemoError(
            _("Kommunenummeret må ha fire siffer, for eksempel 3807 (fikk «%(value)s»).")
            % {"value": municipality}
        )
    try:
        count = int(str(households).strip())
    except ValueError:
        count = None
    if count is None or not MIN_HOUSEHOLDS <= count <= MAX_HOUSEHOLDS:
        raise DemoError(
            _("Antall husstander må være et helt tall fra %(min)s til %(max)s (fikk «%(value)s»).")
            % {"min": MIN_HOUSEHOLDS, "max": MAX_HOUSEHOLDS, "value": households}
        )
    try:
        seed_value = int(str(seed).strip())
    except ValueError:
        raise DemoError(_("--seed må være et helt tall (fikk «%(value)s»).") % {"value": seed}) from None
    pw = str(password or "")
    if len(pw) < 8:
        raise DemoError(_("Passordet må ha minst 8 tegn."))
    return number, count, seed_value, pw


def seed_demo(
    municipality: str = DEFAULT_MUNICIPALITY,
    households: int | str = DEFAULT_HOUSEHOLDS,
    seed: int | str = DEFAULT_SEED,
    password: str = DEFAULT_PASSWORD,
    today: datetime.date | None = None,
) -> DemoResult:
    """Build the demo municipality, all or nothing.

    When the municipality already has households nothing is generated; only
    the demo users and their password are ensured.
    """
    number, count, seed_value, pw = parse_options(municipality, households, seed, password)
    today = today or timezone.localdate()
    profile = profile_for(number)
    with transaction.atomic():
        ensure_roles()
        office = ensure_municipality(profile)
        staff, logins = ensure_users(office, profile, pw)
        result = DemoResult(office, created=False, logins=logins, password=pw)
        if not Household.all_objects.filter(municipality=office).exists():
            # This year's parameters first: the loans' assessments take the
            # year's parameters as the app finds them (this year's, else the
            # nearest), so a row made afterwards would assess them anew with
            # other rates than the ones they were granted on.
            ensure_default_parameters(office, today.year)
            summary = generate(Context(office, profile, staff, count, seed_value, today))
            result.counts = summary.counts
            result.counts.update(seed_applications(office, staff, today, seed_value))
            result.counts.update(seed_guidance(office, staff, today, seed_value))
            # The sales to sitting tenants through the office's own action,
            # with the buyer and a valuation (before the follow-up, which
            # starts from the households that bought).
            result.counts["sold_to_tenants"] = add_sales_to_tenants(office, staff.leader, seed_value)
            result.ended_by_reason = summary.ended_by_reason
            result.bought_per_year = summary.bought_per_year
            result.created = True
        # Arrears cases at every stage on the register's tenancies (none added
        # when the office has cases already).
        if arrears_cases := add_arrears_history(office, staff.caseworkers[0], today, seed_value):
            result.counts["arrears_cases"] = arrears_cases
        # Follow-up plans, contacts, actions and check-ins after a purchase
        # (none added when the office has plans already).
        result.counts.update(add_followup_history(office, staff, today, seed_value))
        result.defaults_ensured = _ensure_defaults(office)
    return result


def _ensure_defaults(office: Municipality) -> list[str]:
    """The letter templates and this year's start-loan parameters, which the
    letter and loan pages otherwise make on their first visit: the demo
    makes them up front, also when it adds no data, so that a caseworker
    can send a summons or assess a loan at once. Returns what it ran, for
    the command's report."""
    ensure_default_templates(office)
    ensure_default_parameters(office)
    return [_dotted(ensure_default_templates), _dotted(ensure_default_parameters)]


def _dotted(function: Callable[..., object]) -> str:
    return f"{function.__module__}.{function.__name__}"
