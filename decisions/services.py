"""Individual decisions (*enkeltvedtak*) and complaints: the rules of
forvaltningsloven (DOMAIN.md §3, DESIGN.md §4 Decision, Complaint) as plain
functions. The API other apps call:

    draft_decision(*, household, kind, outcome, legal_basis, facts, considerations, drafted_by)
    decide(decision, *, decided_by, when=None)
    register_complaint(decision, *, received_on, registered_by, late_reason="")
    review_complaint(complaint, *, upheld, reviewed_by, new_outcome=None, new_facts=..., ...)
    record_appeal_outcome(complaint, *, outcome, decided_on, recorded_by, new_outcome="")

Each runs in one transaction; a broken rule is a `DomainError` in Norwegian
and nothing is written.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from housing_office.errors import DomainError, constraint_message
from letters.kinds import get_kind
from letters.letter_templates import current_template, ensure_default_templates
from letters.models import Letter, LetterStatus
from letters.snapshot import letter_language
from letters.tasks import render_now
from tenants.models import Household
from tenants.services import create_once

from . import rules
from .kinds import get_decision_kind
from .letter_kinds import COMPLAINT_FORWARDED, DECISION
from .models import (
    Complaint,
    Decision,
    DecisionKindSetting,
    DecisionStatus,
    FinalOutcome,
    Outcome,
    ReviewResult,
)

_UNCHANGED: Any = object()


# --- Settings --------------------------------------------------------------------


def kind_setting(municipality_id: int, kind: str) -> DecisionKindSetting:
    """The leader's setting for `kind`, or an unsaved one with the kind's
    defaults (the municipality's klagenemnd for allocation, the
    Statsforvalteren for § 6 help; the two-person rule on)."""
    spec = get_decision_kind(kind)
    setting = DecisionKindSetting.all_objects.filter(municipality_id=municipality_id, kind=kind).first()
    if setting is None:
        setting = DecisionKindSetting(
            municipality_id=municipality_id,
            kind=kind,
            appeal_body=spec.default_appeal_body,
            two_person_rule=spec.default_two_person_rule,
        )
    return setting


def save_kind_setting(
    municipality_id: int, kind: str, *, appeal_body: str, two_person_rule: bool
) -> DecisionKindSetting:
    get_decision_kind(kind)
    appeal_body = (appeal_body or "").strip()
    if not appeal_body:
        raise DomainError(_("Skriv hvem som er klageinstans (forvaltningsloven § 28)."), "appeal_body")
    setting, _created = DecisionKindSetting.all_objects.update_or_create(
        municipality_id=municipality_id,
        kind=kind,
        defaults={"appeal_body": appeal_body, "two_person_rule": two_person_rule},
    )
    return setting


# --- Rules -----------------------------------------------------------------------


def _check_grounds(outcome: str, legal_basis: str, facts: str, considerations: str) -> None:
    """Fvl. § 24: reasons come with the decision, and may be left out only
    when an application is granted in full; § 25: they cite the rules, the
    facts and the main considerations. A refusal or a partial grant without
    them cannot be saved. Every decision names its legal basis."""
    if outcome not in Outcome.values:
        raise DomainError(_("Velg et gyldig utfall."), "outcome")
    if not legal_basis:
        raise DomainError(
            _("Skriv hvilke regler vedtaket er fattet etter (forvaltningsloven § 25)."), "legal_basis"
        )
    if outcome != Outcome.GRANTED:
        word = _("Et avslag") if outcome == Outcome.REFUSED else _("En delvis innvilgelse")
        if not facts:
            raise DomainError(
                _(
                    "%(what)s må begrunnes: skriv de faktiske forholdene vedtaket bygger på "
                    "(forvaltningsloven § 25)."
                )
                % {"what": word},
                "facts",
            )
        if not considerations:
            raise DomainError(
                _("%(what)s må begrunnes: skriv hovedhensynene i vurderingen (forvaltningsloven § 25).")
                % {"what": word},
                "considerations",
            )


def decide_refusal(decision: Decision, user: Any) -> str | None:
    """Why `user` may not decide `decision` now, or None. The one rule the
    page (to show or hide the button) and `decide` ask."""
    if decision.status != DecisionStatus.DRAFT:
        return _("Vedtaket er allerede fattet.")
    if user is None:
        return _("Det må oppgis hvem som fatter vedtaket.")
    setting = kind_setting(decision.municipality_id, decision.kind)
    if setting.two_person_rule and decision.drafted_by_id == getattr(user, "pk", None):
        return _(
            "Du skrev utkastet og kan ikke også fatte vedtaket. En annen saksbehandler "
            "må fatte det (to-personsregelen for denne vedtakstypen)."
        )
    return None


def _save(obj: Any, **kwargs: Any) -> None:
    try:
        with transaction.atomic():
            obj.save(**kwargs)
    except IntegrityError as exc:
        raise constraint_message(exc, [Decision, Complaint]) from exc


# --- Decisions ---------------------------------------------------------------------


@transaction.atomic
def draft_decision(
    *,
    household: Household,
    kind: str,
    outcome: str,
    legal_basis: str,
    facts: str,
    considerations: str,
    drafted_by: Any,
    replaces: Decision | None = None,
    token: uuid.UUID | None = None,
) -> Decision:
    """A draft decision for `household`. An empty legal basis takes the
    kind's default. A form `token` already used gets the draft that submit
    made (`tenants.services.create_once`)."""
    try:
        spec = get_decision_kind(kind)
    except LookupError:
        raise DomainError(_("Ukjent vedtakstype."), "kind") from None
    legal_basis = (legal_basis or "").strip() or spec.default_legal_basis
    facts, considerations = (facts or "").strip(), (considerations or "").strip()
    _check_grounds(outcome, legal_basis, facts, considerations)
    decision = Decision(
        request_token=token,
        municipality_id=household.municipality_id,
        household=household,
        kind=kind,
        outcome=outcome,
        legal_basis=legal_basis,
        facts=facts,
        considerations=considerations,
        drafted_by=drafted_by,
        drafted_at=timezone.now(),
        replaces=replaces,
    )

    def create() -> Decision:
        _save(decision)
        return decision

    return create_once(Decision, token, create, household=household)


@transaction.atomic
def update_draft(
    decision: Decision, *, outcome: str, legal_basis: str, facts: str, considerations: str, by: Any
) -> Decision:
    """Change a draft (only a draft: a decided decision is changed only
    through a complaint, or as a new decision). Whoever changes the draft
    becomes its drafter, so the two-person rule still means that the one
    who decides did not write what is decided."""
    locked = Decision.all_objects.select_for_update().get(pk=decision.pk)
    if locked.status != DecisionStatus.DRAFT:
        raise DomainError(_("Bare et utkast kan endres."))
    legal_basis, facts, considerations = (v.strip() for v in (legal_basis, facts, considerations))
    _check_grounds(outcome, legal_basis, facts, considerations)
    locked.outcome, locked.legal_basis, locked.facts, locked.considerations = (
        outcome,
        legal_basis,
        facts,
        considerations,
    )
    locked.drafted_by, locked.drafted_at = by, timezone.now()
    _save(locked)
    return locked


def _as_datetime(when: datetime.date | datetime.datetime | None) -> datetime.datetime:
    if when is None:
        return timezone.now()
    if isinstance(when, datetime.datetime):
        return when if timezone.is_aware(when) else timezone.make_aware(when)
    return timezone.make_aware(datetime.datetime.combine(when, datetime.time(12, 0)))


@transaction.atomic
def decide(
    decision: Decision, *, decided_by: Any, when: datetime.date | datetime.datetime | None = None
) -> Decision:
    """Make the draft a decision: the two-person rule (if the leader has it
    on for the kind), the decision letter through the letter pipeline
    (journaled to the household's case file; rendered after the commit),
    the complaint deadline, and the owning app's `on_decided`, called in
    the same transaction so its changes stand or fall with the decision.
    `when` (a date or a moment) is the decision date; default now."""
    locked = (
        Decision.all_objects.select_for_update()
        .select_related("household", "municipality")
        .get(pk=decision.pk)
    )
    refusal = decide_refusal(locked, decided_by)
    if refusal:
        raise DomainError(refusal)
    _check_grounds(locked.outcome, locked.legal_basis, locked.facts, locked.considerations)
    decided_at = _as_datetime(when)
    if timezone.localdate(decided_at) > timezone.localdate():
        raise DomainError(_("Vedtaksdatoen kan ikke være fram i tid."))
    setting = kind_setting(locked.municipality_id, locked.kind)
    locked.status = DecisionStatus.DECIDED
    locked.decided_by = decided_by
    locked.decided_at = decided_at
    locked.appeal_body = setting.appeal_body
    letter_date = timezone.localdate(decided_at)
    locked.complaint_deadline = rules.complaint_deadline(letter_date)
    if locked.replaces_id is not None:
        # The decision a complaint changed no longer applies (fvl. § 33
        # annet ledd); marked before the owning app hears of the new one.
        Decision.all_objects.filter(pk=locked.replaces_id, status=DecisionStatus.DECIDED).update(
            status=DecisionStatus.SUPERSEDED, updated_at=timezone.now()
        )
    locked.letter = make_letter(locked, DECISION, by=decided_by, on=letter_date)
    _save(locked)
    _notify(locked)
    # The caller's instance shows the decision as it now is.
    for field in Decision._meta.concrete_fields:
        setattr(decision, field.attname, getattr(locked, field.attname))
    return locked


def _notify(decision: Decision) -> None:
    callback = get_decision_kind(decision.kind).on_decided
    if callback is not None:
        callback(decision)


def make_letter(decision: Decision, kind: str, *, by: Any, on: datetime.date, **extra: Any) -> Letter:
    """A letter of `kind` about `decision`, rendered right after the commit.
    Saved one by one, so the archive journals it from `post_save` and
    numbers it from the household's case file."""
    household = decision.household
    municipality = decision.municipality
    ensure_default_templates(municipality)
    language = letter_language(household, municipality)
    spec = get_kind(kind)
    template = current_template(municipality, kind, language)
    letter = Letter.all_objects.create(
        municipality=municipality,
        kind=kind,
        household=household,
        template=template,
        status=LetterStatus.PENDING,
        created_by=by,
        context=spec.build_context(
            decision=decision,
            household=household,
            municipality=municipality,
            letter_date=on,
            archive_reference="",
            language=language,
            subject=template.subject,
            **extra,
        ),
    )
    transaction.on_commit(lambda: render_now(letter.pk))
    return letter


# --- Complaints --------------------------------------------------------------------


@transaction.atomic
def register_complaint(
    decision: Decision,
    *,
    received_on: datetime.date,
    registered_by: Any,
    late_reason: str = "",
    token: uuid.UUID | None = None,
) -> Complaint:
    """A complaint against a decided decision. In time when received by the
    deadline (fvl. §§ 29–30); a late one is registered only with the reason
    it is considered all the same (fvl. § 31). A form `token` already used
    gets the complaint that submit registered."""
    locked = Decision.all_objects.select_for_update().get(pk=decision.pk)
    if token is not None:
        earlier = Complaint.all_objects.filter(request_token=token, decision=locked).first()
        if earlier is not None:
            return earlier
    if locked.status != DecisionStatus.DECIDED:
        raise DomainError(_("Det kan bare klages på et fattet vedtak som gjelder."))
    if received_on > timezone.localdate():
        raise DomainError(_("Mottaksdatoen kan ikke være fram i tid."), "received_on")
    if received_on < timezone.localdate(locked.decided_at):
        raise DomainError(_("Klagen kan ikke være mottatt før vedtaket ble fattet."), "received_on")
    if locked.complaints.filter(review_result="").exists():
        raise DomainError(_("Det er allerede en klage på dette vedtaket som ikke er vurdert."))
    in_time = rules.is_in_time(received_on, locked.complaint_deadline)
    late_reason = (late_reason or "").strip()
    if not in_time and not late_reason:
        raise DomainError(
            _(
                "Klagen kom etter klagefristen (%(deadline)s). Den kan bare behandles hvis parten ikke "
                "kan lastes for at den kom for sent, eller det er særlige grunner. Skriv grunnen "
                "(forvaltningsloven § 31)."
            )
            % {"deadline": locked.complaint_deadline.strftime("%d.%m.%Y")},
            "late_reason",
        )
    complaint = Complaint(
        request_token=token,
        municipality_id=locked.municipality_id,
        decision=locked,
        received_on=received_on,
        in_time=in_time,
        late_reason=late_reason if not in_time else "",
        registered_by=registered_by,
    )
    _save(complaint)
    return complaint


@transaction.atomic
def review_complaint(
    complaint: Complaint,
    *,
    upheld: bool,
    reviewed_by: Any,
    new_outcome: str | None = None,
    new_facts: str = _UNCHANGED,
    new_considerations: str = _UNCHANGED,
    new_legal_basis: str = _UNCHANGED,
    when: datetime.date | None = None,
) -> Complaint:
    """The first instance's review (fvl. § 33 annet ledd). Changed: a new
    decision replaces the old one (which becomes superseded), with its own
    letter and its own complaint rights, and the kind's `on_decided` is
    called for it; when the two-person rule is on for the kind, the new
    decision is a draft until another person decides it
    (`complaint.new_decision`, then `decide`). Upheld: the case goes to the appeal body
    (fvl. § 33 fjerde ledd) and the party gets a letter saying so."""
    locked = (
        Complaint.all_objects.select_for_update()
        .select_related("decision__household", "decision__municipality", "decision__drafted_by")
        .get(pk=complaint.pk)
    )
    if locked.review_result:
        raise DomainError(_("Klagen er allerede vurdert."))
    old = (
        Decision.all_objects.select_for_update()
        .select_related("household", "municipality")
        .get(pk=locked.decision_id)
    )
    today = when or timezone.localdate()
    if today < locked.received_on:
        raise DomainError(_("Vurderingen kan ikke være før klagen kom inn."))
    locked.reviewed_by, locked.reviewed_at = reviewed_by, _as_datetime(when)
    if upheld:
        setting = kind_setting(old.municipality_id, old.kind)
        locked.review_result = ReviewResult.UPHELD
        locked.appeal_body = setting.appeal_body
        locked.forwarded_to_appeal_body_on = today
        locked.forwarding_letter = make_letter(
            old, COMPLAINT_FORWARDED, by=reviewed_by, on=today, complaint=locked, forwarded_on=today
        )
        _save(locked)
        return locked
    outcome = new_outcome or old.outcome
    new = draft_decision(
        household=old.household,
        kind=old.kind,
        outcome=outcome,
        legal_basis=old.legal_basis if new_legal_basis is _UNCHANGED else new_legal_basis,
        facts=old.facts if new_facts is _UNCHANGED else new_facts,
        considerations=old.considerations if new_considerations is _UNCHANGED else new_considerations,
        drafted_by=reviewed_by,
        replaces=old,
    )
    locked.review_result = ReviewResult.CHANGED
    locked.new_decision = new
    _save(locked)
    # With the two-person rule on for the kind, the reviewer's change is a
    # draft another person decides (`decide`), like any decision; until
    # then the old decision stands. With the rule off it is decided now.
    if decide_refusal(new, reviewed_by) is None:
        decide(new, decided_by=reviewed_by, when=when)
    return locked


@transaction.atomic
def record_appeal_outcome(
    complaint: Complaint,
    *,
    outcome: str,
    decided_on: datetime.date,
    recorded_by: Any,
    new_outcome: str = "",
) -> Complaint:
    """The appeal body's decision (fvl. § 34): upheld, changed (to
    `new_outcome`) or quashed. The appeal body writes its own letter to the
    party; the office records the outcome. A decision changed or quashed no
    longer stands (superseded; no complaint lies against the appeal body's
    decision, fvl. § 28 tredje ledd), and the kind's `on_appeal_outcome`
    lets the owning app's case follow, in this transaction."""
    locked = Complaint.all_objects.select_for_update().get(pk=complaint.pk)
    if locked.review_result != ReviewResult.UPHELD or locked.forwarded_to_appeal_body_on is None:
        raise DomainError(_("Klagen er ikke sendt til klageinstansen."))
    if locked.final_outcome:
        raise DomainError(_("Klageinstansens avgjørelse er allerede registrert."))
    if outcome not in FinalOutcome.values:
        raise DomainError(_("Velg klageinstansens avgjørelse."), "outcome")
    if decided_on < locked.forwarded_to_appeal_body_on:
        raise DomainError(_("Avgjørelsen kan ikke være før saken ble sendt klageinstansen."), "decided_on")
    if decided_on > timezone.localdate():
        raise DomainError(_("Datoen kan ikke være fram i tid."), "decided_on")
    new_outcome = new_outcome or ""
    if outcome == FinalOutcome.CHANGED:
        if new_outcome not in Outcome.values:
            raise DomainError(_("Velg hva klageinstansen endret vedtaket til."), "new_outcome")
    elif new_outcome:
        raise DomainError(_("Nytt utfall hører bare til et vedtak klageinstansen har endret."), "new_outcome")
    locked.final_outcome = outcome
    locked.final_outcome_on = decided_on
    locked.final_recorded_by = recorded_by
    locked.appeal_new_outcome = new_outcome
    _save(locked)
    if outcome != FinalOutcome.UPHELD:
        Decision.all_objects.filter(pk=locked.decision_id, status=DecisionStatus.DECIDED).update(
            status=DecisionStatus.SUPERSEDED, updated_at=timezone.now()
        )
    callback = get_decision_kind(locked.decision.kind).on_appeal_outcome
    if callback is not None:
        callback(locked)
    for field in Complaint._meta.concrete_fields:
        setattr(complaint, field.attname, getattr(locked, field.attname))
    return locked
