"""The allocation decision (*vedtak om tildeling av kommunal bolig*): an
application is granted or refused through the one decision machinery
(`decisions`), so its letter carries what forvaltningsloven §§ 24–27 demand
and it can be complained against; appeals go to the municipality's
klagenemnd (fvl. § 28 second paragraph; DOMAIN.md §3).

The kind `allocation` is registered from `ApplicationsConfig.ready()`; when
a decision of the kind is decided (also a new decision after a complaint),
`on_allocation_decided` writes the outcome and the decision date on the
application, in the same transaction; when the klagenemnd's outcome is
recorded, `on_allocation_appealed` does the same for its outcome."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from decisions.kinds import register_decision_kind
from decisions.models import Complaint, Decision, DecisionStatus, FinalOutcome
from decisions.models import Outcome as DecisionOutcome
from decisions.services import decide, draft_decision
from housing_office.errors import DomainError

from .models import Application, ApplicationStatus, Outcome
from .services import record_outcome

ALLOCATION = "allocation"
LEGAL_BASIS = (
    "Lov om kommunenes ansvar på det boligsosiale feltet (boligsosial lov) § 5 og § 6, "
    "og kommunens tildelingskriterier for kommunal bolig"
)
APPEAL_BODY = "kommunens klagenemnd"


def register_allocation_kind() -> None:
    register_decision_kind(
        ALLOCATION,
        label="Tildeling av kommunal bolig",
        label_nn="Tildeling av kommunal bustad",
        default_legal_basis=LEGAL_BASIS,
        default_appeal_body=APPEAL_BODY,
        on_decided=on_allocation_decided,
        on_appeal_outcome=on_allocation_appealed,
    )


def _application_of(decision: Decision) -> Application | None:
    """The application a decision (or the decision it replaces) decides."""
    current: Decision | None = decision
    seen = 0
    while current is not None and seen < 20:
        application = Application.all_objects.select_for_update().filter(decision_id=current.pk).first()
        if application is not None:
            return application
        current = current.replaces
        seen += 1
    return None


def on_allocation_decided(decision: Decision) -> None:
    """The decisions app's callback: the application gets the outcome."""
    application = _application_of(decision)
    if application is None:
        return
    outcome = Outcome.REFUSED if decision.outcome == DecisionOutcome.REFUSED else Outcome.GRANTED
    if application.decision_id != decision.pk:
        application.decision = decision
        application.save(update_fields=["decision", "updated_at"])
    record_outcome(application, outcome=outcome, decided_on=timezone.localdate(decision.decided_at))


def on_allocation_appealed(complaint: Complaint) -> None:
    """The decisions app's callback when the klagenemnd's outcome is
    recorded (fvl. § 34). Upheld: nothing changes. Changed: the application
    takes the new outcome from the appeal body's date (a refusal reversed
    puts it on the waiting list, waiting from that day). Quashed: the case
    is back with the office, undecided, for a new decision. A household
    already housed stays housed; an offer waiting for an answer is answered
    first."""
    if complaint.final_outcome == FinalOutcome.UPHELD:
        return
    application = _application_of(complaint.decision)
    if application is None or application.status in (ApplicationStatus.HOUSED, ApplicationStatus.WITHDRAWN):
        return
    if application.offers.filter(answer="").exists():
        raise DomainError(
            _("Søknaden har et tilbud om bolig som venter på svar. Registrer svaret på tilbudet først.")
        )
    if complaint.final_outcome == FinalOutcome.CHANGED:
        new = Outcome.REFUSED if complaint.appeal_new_outcome == DecisionOutcome.REFUSED else Outcome.GRANTED
        record_outcome(application, outcome=new, decided_on=complaint.final_outcome_on)
        return
    application.status = ApplicationStatus.RECEIVED
    application.outcome = ""
    application.decided_on = None
    application.decision = None
    application.save(update_fields=["status", "outcome", "decided_on", "decision", "updated_at"])


@transaction.atomic
def draft_allocation(
    application: Application, *, outcome: str, legal_basis: str, facts: str, considerations: str, by: Any
) -> Decision:
    """Draft the decision on an application. A refusal without grounds is
    refused by the decisions app (fvl. §§ 24–25)."""
    application = (
        Application.objects.select_for_update(of=("self",)).select_related("household").get(pk=application.pk)
    )
    if application.status != ApplicationStatus.RECEIVED:
        raise DomainError(_("Søknaden er allerede avgjort eller avsluttet."))
    if application.decision_id is not None:
        raise DomainError(_("Søknaden har allerede et vedtaksutkast. Endre det på vedtakssiden."))
    if outcome not in Outcome.values:
        raise DomainError(_("Velg innvilget eller avslått."), "outcome")
    decision = draft_decision(
        household=application.household,
        kind=ALLOCATION,
        outcome=outcome,
        legal_basis=legal_basis,
        facts=facts,
        considerations=considerations,
        drafted_by=by,
    )
    application.decision = decision
    application.save(update_fields=["decision", "updated_at"])
    return decision


@transaction.atomic
def decide_allocation(application: Application, *, by: Any) -> Decision:
    """Decide the application's draft (the two-person rule applies, when
    the leader has it on for the kind): the letter is made and the
    application becomes granted or refused."""
    decision = application.decision
    if decision is None or decision.status != DecisionStatus.DRAFT:
        raise DomainError(_("Søknaden har ikke et vedtaksutkast som venter."))
    return decide(decision, decided_by=by)
