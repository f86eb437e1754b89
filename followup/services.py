"""The rules of follow-up: plans, contacts, agreed actions and the
check-ins after a purchase. Plain functions; the pages only call them.

A broken rule is a `DomainError` with a Norwegian message; nothing is
half-written (each function is one transaction)."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from dwellings.models import EndReason, Tenancy
from housing_office.errors import DomainError, constraint_errors
from tenants.models import Household
from tenants.services import create_once

from .models import (
    CHECK_IN_YEARS,
    DEFAULT_NO_CONTACT_DAYS,
    AgreedAction,
    Answer,
    ContactKind,
    FollowUpContact,
    FollowUpPlan,
    FollowUpSetting,
    PostMoveCheckIn,
    Responsible,
)

PLAN_FIELDS = (
    "goals",
    "adviser",
    "start_date",
    "end_date",
    "nav_contact_name",
    "nav_contact_organisation",
    "nav_contact_phone",
    "nav_contact_email",
    "bank_contact_name",
    "bank_contact_organisation",
    "bank_contact_phone",
    "bank_contact_email",
)


def no_contact_days(municipality_id: int) -> int:
    """How many days without contact put a household in follow-up on the
    worklist: the leader's setting, or the default."""
    value = (
        FollowUpSetting.all_objects.filter(municipality_id=municipality_id)
        .values_list("no_contact_days", flat=True)
        .first()
    )
    return value or DEFAULT_NO_CONTACT_DAYS


def add_years(day: datetime.date, years: int) -> datetime.date:
    """The same calendar day `years` later; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _check_plan(household: Household, data: dict[str, Any]) -> None:
    adviser = data.get("adviser")
    if adviser is None or adviser.municipality_id != household.municipality_id or not adviser.is_active:
        raise DomainError(_("Velg en boveileder fra kontoret."), "adviser")
    if not (data.get("goals") or "").strip():
        raise DomainError(_("Skriv målene for oppfølgingen."), "goals")
    start, end = data.get("start_date"), data.get("end_date")
    if start is None:
        raise DomainError(_("Oppgi når oppfølgingen starter."), "start_date")
    if end is not None and end < start:
        raise DomainError(_("Planen kan ikke slutte før den starter."), "end_date")


@transaction.atomic
def create_plan(household: Household, *, token: uuid.UUID | None = None, **data: Any) -> FollowUpPlan:
    """A new follow-up plan for the household; at most one open at a time."""
    _check_plan(household, data)
    values = {key: data.get(key) for key in PLAN_FIELDS if key in data}
    for key, value in values.items():
        if isinstance(value, str):
            values[key] = value.strip()

    def make() -> FollowUpPlan:
        # Checked here, after create_once has looked for the token, so that
        # a resent form finds its plan instead of this message.
        if values.get("end_date") is None and household.followup_plans.filter(end_date__isnull=True).exists():
            raise DomainError(_("Husstanden har allerede en åpen oppfølgingsplan."))
        return FollowUpPlan.objects.create(
            municipality_id=household.municipality_id, household=household, request_token=token, **values
        )

    return create_once(FollowUpPlan, token, make, household=household)


@transaction.atomic
def update_plan(plan: FollowUpPlan, **data: Any) -> FollowUpPlan:
    """Change the plan (its goals, adviser, dates, contacts); an end date
    closes it."""
    _check_plan(plan.household, data)
    last_contact = plan.contacts.order_by("-date").values_list("date", flat=True).first()
    end = data.get("end_date")
    if end is not None and last_contact is not None and end < last_contact:
        raise DomainError(_("Planen kan ikke slutte før den siste registrerte kontakten."), "end_date")
    for key in PLAN_FIELDS:
        if key in data:
            value = data[key]
            setattr(plan, key, value.strip() if isinstance(value, str) else value)
    with constraint_errors(FollowUpPlan):
        plan.save()
    return plan


def _check_open_on(plan: FollowUpPlan, day: datetime.date, field: str) -> None:
    if day < plan.start_date:
        raise DomainError(_("Datoen er før planen startet."), field)
    if plan.end_date is not None and day > plan.end_date:
        raise DomainError(_("Planen var avsluttet på den datoen."), field)


@transaction.atomic
def add_contact(
    plan: FollowUpPlan,
    *,
    date: datetime.date,
    kind: str,
    outcome: str,
    by: Any,
    today: datetime.date,
    token: uuid.UUID | None = None,
) -> FollowUpContact:
    """Record a contact with the household: when, how and what came of it."""
    if kind not in ContactKind.values:
        raise DomainError(_("Velg hva slags kontakt det var."), "kind")
    if date > today:
        raise DomainError(_("En kontakt kan ikke registreres fram i tid."), "date")
    _check_open_on(plan, date, "date")
    outcome = (outcome or "").strip()
    if not outcome:
        raise DomainError(_("Skriv hva som kom ut av kontakten."), "outcome")
    return create_once(
        FollowUpContact,
        token,
        lambda: FollowUpContact.objects.create(
            municipality_id=plan.municipality_id,
            plan=plan,
            date=date,
            kind=kind,
            outcome=outcome,
            by=by,
            request_token=token,
        ),
        plan=plan,
    )


@transaction.atomic
def add_action(
    plan: FollowUpPlan,
    *,
    description: str,
    responsible: str,
    due_on: datetime.date,
    token: uuid.UUID | None = None,
) -> AgreedAction:
    """Agree an action with the household: what, who does it, by when."""
    if not plan.is_open:
        raise DomainError(_("Planen er avsluttet. Åpne en ny plan for å avtale flere tiltak."))
    description = (description or "").strip()
    if not description:
        raise DomainError(_("Skriv hva som er avtalt."), "description")
    if responsible not in Responsible.values:
        raise DomainError(_("Velg hvem som er ansvarlig."), "responsible")
    if due_on < plan.start_date:
        raise DomainError(_("Fristen kan ikke være før planen startet."), "due_on")
    return create_once(
        AgreedAction,
        token,
        lambda: AgreedAction.objects.create(
            municipality_id=plan.municipality_id,
            plan=plan,
            description=description,
            responsible=responsible,
            due_on=due_on,
            request_token=token,
        ),
        plan=plan,
    )


@transaction.atomic
def mark_action_done(action: AgreedAction, *, done_on: datetime.date, today: datetime.date) -> AgreedAction:
    """Mark an agreed action as done on `done_on` (not in the future, not
    before the plan started). Marking it again changes nothing."""
    locked = AgreedAction.objects.select_for_update().select_related("plan").get(pk=action.pk)
    if locked.done_on is not None:
        return locked
    if done_on > today:
        raise DomainError(_("Et tiltak kan ikke være utført fram i tid."), "done_on")
    if done_on < locked.plan.start_date:
        raise DomainError(_("Datoen er før planen startet."), "done_on")
    locked.done_on = done_on
    locked.save(update_fields=["done_on", "updated_at"])
    return locked


def check_in_due_on(tenancy: Tenancy, years_after: int) -> datetime.date:
    """The day a check-in falls due: that many years after the tenancy ended."""
    assert tenancy.end_date is not None
    return add_years(tenancy.end_date, years_after)


@transaction.atomic
def record_check_in(
    tenancy: Tenancy,
    *,
    years_after: int,
    done_on: datetime.date,
    still_owner: str,
    behind_on_loan: str,
    needs_help: str,
    note: str,
    by: Any,
    today: datetime.date,
) -> PostMoveCheckIn:
    """Record the one- or three-year check-in after a purchase."""
    if tenancy.end_reason != EndReason.BOUGHT_OWN_HOME or tenancy.end_date is None:
        raise DomainError(_("Oppfølging etter kjøp gjelder bare husstander som kjøpte egen bolig."))
    if years_after not in CHECK_IN_YEARS:
        raise DomainError(_("Oppfølgingen gjøres etter ett og tre år."), "years_after")
    if done_on > today:
        raise DomainError(_("Oppfølgingen kan ikke registreres fram i tid."), "done_on")
    due = check_in_due_on(tenancy, years_after)
    if done_on < due:
        raise DomainError(
            _("Oppfølgingen etter %(n)s år er ikke aktuell før %(due)s.")
            % {"n": years_after, "due": f"{due:%d.%m.%Y}"},
            "done_on",
        )
    for field, value in (
        ("still_owner", still_owner),
        ("behind_on_loan", behind_on_loan),
        ("needs_help", needs_help),
    ):
        if value not in Answer.values:
            raise DomainError(_("Svar ja, nei eller vet ikke."), field)
    with constraint_errors(PostMoveCheckIn, fields={"followup_check_in_once_per_milestone": "years_after"}):
        return PostMoveCheckIn.objects.create(
            municipality_id=tenancy.municipality_id,
            tenancy=tenancy,
            household_id=tenancy.household_id,
            years_after=years_after,
            done_on=done_on,
            still_owner=still_owner,
            behind_on_loan=behind_on_loan,
            needs_help=needs_help,
            note=(note or "").strip(),
            by=by,
        )
