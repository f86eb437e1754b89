"""The dispatch step: which channel each rendered letter takes, sending it
through SvarUt without ever sending it twice, following its status, and
putting what could not go digitally into a print file.

Sending, in the order that makes a retry safe (SvarUt has no idempotency
key; see ../shared/reference/svarut/README.md, "Idempotency"):

1. the attempt is recorded (state `sending`, our unique `external_reference`)
   and committed before the call;
2. the call; an answer with an id marks the shipment `sent`; an error answer
   (4xx) means SvarUt did not take it, and the letter goes to print; no
   answer (timeout, broken connection, 5xx) marks it `uncertain`;
3. before anything is sent again, a shipment left `sending` or `uncertain`
   is looked up by its external reference. Found: it is `sent` with that id.
   Not found: it is sent again only once SvarUt's own 15-minute receive
   window has passed since the last attempt (README: "SvarUt itself gives up
   after 15"), so a call still being processed is never doubled.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Sequence
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from housing_office.errors import DomainError
from housing_office.files import sha256_hex
from letters.delivery import DeliverySummary
from letters.kinds import get_kind
from letters.models import Letter, LetterStatus, SummonsBatch
from letters.tasks import combine_pdfs
from tenants.models import Person, PersonRole

from .models import (
    FALLBACK_REASONS,
    FINAL_STATUSES,
    PRINT_FALLBACK_STATUSES,
    Channel,
    PrintFile,
    PrintReason,
    SendState,
    Shipment,
    ShipmentStatus,
    SvarUtStatus,
)
from .svarut import Document, SvarUtClient, SvarUtError, SvarUtUnavailable, config

logger = logging.getLogger(__name__)

# SvarUt stops receiving a call after 15 minutes; one more for the clocks.
RECONCILE_AFTER = datetime.timedelta(minutes=16)
# Ids per status search (the API names no limit; this keeps bodies small).
STATUS_BATCH = 100
# Stop asking about a shipment that has not reached a final status by then.
POLL_FOR = datetime.timedelta(days=60)


class NotYet(SvarUtUnavailable):
    """The last attempt is too recent to know it failed: try again later."""


def external_reference(letter: Letter) -> str:
    return f"boligkontoret-{letter.municipality_id}-brev-{letter.pk}"


# --- Choosing the channel (called by letters.delivery after rendering) -----------


def plan_dispatch(letters: Sequence[Letter]) -> list[int]:
    """Make a shipment for each newly rendered letter that has none: digital
    to the main person's national identity number (digital is the main rule,
    forvaltningsloven § 15 a and eForvaltningsforskriften), or print (the
    office chose paper, or there is no national id). Digital ones are sent by a task
    enqueued when the transaction commits. With SvarUt not configured nothing
    is made: every letter is printed, as before. Returns the digital ids."""
    if not letters or config() is None:
        return []
    have = set(Shipment.all_objects.filter(letter__in=letters).values_list("letter_id", flat=True))
    new = [letter for letter in letters if letter.pk not in have]
    if not new:
        return []
    with_id = set(
        Person.all_objects.filter(
            household_id__in={letter.household_id for letter in new}, role=PersonRole.MAIN
        )
        .exclude(national_id="")
        .values_list("household_id", flat=True)
    )
    shipments = []
    for letter in new:
        if letter.print_chosen:
            channel, reason = Channel.PRINT, PrintReason.OFFICE_CHOSE
        elif letter.household_id not in with_id:
            channel, reason = Channel.PRINT, PrintReason.NO_NATIONAL_ID
        else:
            channel, reason = Channel.DIGITAL, ""
        shipments.append(
            Shipment(
                municipality_id=letter.municipality_id,
                letter=letter,
                channel=channel,
                print_reason=reason,
                send_state=SendState.QUEUED if channel == Channel.DIGITAL else "",
                external_reference=external_reference(letter),
            )
        )
    Shipment.all_objects.bulk_create(shipments, ignore_conflicts=True)
    digital = list(
        Shipment.all_objects.filter(
            letter__in=new, channel=Channel.DIGITAL, send_state=SendState.QUEUED
        ).values_list("pk", flat=True)
    )
    if digital:
        from .tasks import send_shipment

        transaction.on_commit(lambda: [send_shipment.delay(pk) for pk in digital])
    return digital


# --- Sending -------------------------------------------------------------------


def _payload(shipment: Shipment) -> tuple[dict[str, Any], list[Document]] | None:
    """The v3 PersonForsendelse and its one PDF, or None when the main
    person no longer has a national id."""
    letter = shipment.letter
    person = (
        Person.all_objects.filter(household_id=letter.household_id, role=PersonRole.MAIN)
        .exclude(national_id="")
        .first()
    )
    if person is None:
        return None
    spec = get_kind(letter.kind)
    filename = f"{spec.file_stem}-{letter.pk}.pdf"
    household = letter.household
    name = person.full_name or str(letter.context.get("recipient_name") or "") or household.reference
    recipient: dict[str, Any] = {"navn": name[:100], "digitalId": person.national_id}
    if household.address and household.postal_place:
        # Not needed for digital-only delivery, but SvarUt's recipient is
        # described with the postal address (DOMAIN.md §3, "SvarUt API fields").
        recipient["adresse"] = {
            "adresselinje1": household.address[:70],
            "poststed": household.postal_place[:70],
            **({"postnummer": household.postal_code} if household.postal_code else {}),
        }
    shipment_json: dict[str, Any] = {
        "tittel": str(letter.get_kind_display())[:1000],
        "mottaker": recipient,
        "dokumenter": [{"filnavn": filename, "mimeType": "application/pdf"}],
        # Our print file is the fallback: SvarUt must not print and post it too.
        "kunDigitalLevering": True,
        "eksternReferanse": shipment.external_reference,
        "avgivendeSystem": "Boligkontoret",
    }
    if spec.exempt_from_public_access:
        # Personal data under the duty of confidentiality (offl. § 13 jf.
        # fvl. § 13): reading it needs at least level 3 log-in.
        shipment_json["sikkerhetsniva"] = "BETYDELIG"
    with letter.pdf.open("rb") as handle:
        content = handle.read()
    return shipment_json, [Document(filename=filename, content=content)]


def _update(pk: int, **fields: Any) -> None:
    Shipment.all_objects.filter(pk=pk).update(updated_at=timezone.now(), **fields)


def _to_print(pk: int, reason: str, error: str = "", **fields: Any) -> None:
    _update(pk, channel=Channel.PRINT, print_reason=reason, error=error, **fields)


def send_shipment(shipment_id: int, *, client: SvarUtClient | None = None) -> str:
    """Send one digital shipment, once. Returns what happened ("sent",
    "reconciled", "refused", "to_print", "skipped", "not_configured").
    Raises SvarUtUnavailable when it should be tried again later."""
    cfg = config()
    if cfg is None:
        return "not_configured"
    client = client or SvarUtClient(cfg)
    now = timezone.now()
    with transaction.atomic():
        shipment = (
            Shipment.all_objects.select_for_update(of=("self",))
            .select_related("letter", "letter__household")
            .filter(pk=shipment_id)
            .first()
        )
        if shipment is None or shipment.channel != Channel.DIGITAL:
            return "skipped"
        if shipment.send_state in (SendState.SENT, SendState.FAILED):
            return "skipped"
        reconcile = shipment.send_state in (SendState.SENDING, SendState.UNCERTAIN)
        if not reconcile:
            _record_attempt(shipment, now)
    if reconcile:
        found = client.ids_for_external_reference(shipment.external_reference)
        if found:
            _mark_sent(shipment.pk, found[0], error="")
            return "reconciled"
        if shipment.attempted_at and now - shipment.attempted_at < RECONCILE_AFTER:
            raise NotYet(_("SvarUt kjenner ikke forsendelsen ennå; prøver igjen senere."))
        with transaction.atomic():
            locked = Shipment.all_objects.select_for_update().get(pk=shipment.pk)
            if locked.send_state not in (SendState.SENDING, SendState.UNCERTAIN) or (
                locked.attempted_at != shipment.attempted_at
            ):
                return "skipped"  # another worker moved it on meanwhile
            _record_attempt(locked, now)
    payload = _payload(shipment)
    if payload is None:
        _to_print(shipment.pk, PrintReason.NO_NATIONAL_ID, send_state=SendState.FAILED)
        return "to_print"
    try:
        svarut_id = client.send_to_person(*payload)
    except SvarUtUnavailable as exc:
        _update(shipment.pk, send_state=SendState.UNCERTAIN, error=str(exc)[:2000])
        raise
    except SvarUtError as exc:
        detail = exc.message + (f" (errorId {exc.error_id})" if exc.error_id else "")
        _to_print(shipment.pk, PrintReason.SEND_REFUSED, detail[:2000], send_state=SendState.FAILED)
        return "refused"
    _mark_sent(shipment.pk, svarut_id, error="")
    return "sent"


def _record_attempt(shipment: Shipment, now: datetime.datetime) -> None:
    shipment.send_state = SendState.SENDING
    shipment.attempts += 1
    shipment.attempted_at = now
    shipment.save(update_fields=["send_state", "attempts", "attempted_at", "updated_at"])


def _mark_sent(pk: int, svarut_id: str, *, error: str) -> None:
    _update(pk, send_state=SendState.SENT, svarut_id=svarut_id, sent_at=timezone.now(), error=error)


def choose_print(letter: Letter) -> None:
    """The office sends a letter on paper instead: only while its digital
    shipment is still waiting, never once SvarUt may have it."""
    with transaction.atomic():
        shipment = Shipment.all_objects.select_for_update().filter(letter=letter).first()
        if shipment is None or shipment.channel != Channel.DIGITAL:
            raise DomainError(_("Brevet skal ikke sendes digitalt."))
        if shipment.send_state != SendState.QUEUED:
            raise DomainError(_("Brevet er allerede sendt til SvarUt og kan ikke tas tilbake."))
        _to_print(shipment.pk, PrintReason.OFFICE_CHOSE_LATER, send_state="")


def batch_of(letter: Letter) -> SummonsBatch | None:
    """The summons batch a letter was made in (its batch_key), if any."""
    prefix = "summons-"
    key = letter.batch_key
    if not key.startswith(prefix) or not key[len(prefix) :].isdigit():
        return None
    return SummonsBatch.all_objects.filter(
        pk=int(key[len(prefix) :]), municipality_id=letter.municipality_id
    ).first()


def shipments_to_reconcile() -> list[int]:
    """Shipments left `sending` or `uncertain` (a worker died, retries ran
    out): the poller sends them through `send_shipment` again."""
    return list(
        Shipment.all_objects.filter(
            channel=Channel.DIGITAL, send_state__in=[SendState.SENDING, SendState.UNCERTAIN]
        ).values_list("pk", flat=True)
    )


# --- Following the status --------------------------------------------------------


def poll_statuses(*, client: SvarUtClient | None = None) -> dict[str, int]:
    """Ask SvarUt for the status of every sent shipment not yet final,
    record each change, and send the ones that end undelivered to print.
    Then write a print file for what fell back. Returns counts."""
    cfg = config()
    if cfg is None:
        return {"asked": 0, "changed": 0, "to_print": 0}
    client = client or SvarUtClient(cfg)
    open_shipments = list(
        Shipment.all_objects.filter(
            send_state=SendState.SENT,
            svarut_id__isnull=False,
            sent_at__gte=timezone.now() - POLL_FOR,
        )
        .exclude(svarut_status__in=FINAL_STATUSES)
        .values_list("pk", "svarut_id", "svarut_status")
    )
    changed = to_print = 0
    by_id = {str(svarut_id): (pk, status) for pk, svarut_id, status in open_shipments}
    ids = list(by_id)
    for start in range(0, len(ids), STATUS_BATCH):
        for report in client.statuses(ids[start : start + STATUS_BATCH]):
            if report.id not in by_id or report.status not in SvarUtStatus.values:
                continue
            pk, current = by_id[report.id]
            if record_status(pk, report.status, report.changed_at):
                changed += 1
                to_print += report.status in PRINT_FALLBACK_STATUSES
    write_fallback_print_files()
    return {"asked": len(ids), "changed": changed, "to_print": to_print}


def record_status(shipment_id: int, status: str, changed_at: str | datetime.datetime) -> bool:
    """Add a status to the history (once per status and time) and move the
    shipment on; a status that ends digital delivery sends it to print."""
    when = changed_at if isinstance(changed_at, datetime.datetime) else parse_datetime(changed_at)
    if when is None:
        when = timezone.now()
    with transaction.atomic():
        shipment = Shipment.all_objects.select_for_update().get(pk=shipment_id)
        _row, created = ShipmentStatus.all_objects.get_or_create(
            shipment=shipment, status=status, changed_at=when
        )
        if not created and shipment.svarut_status == status:
            return False
        shipment.svarut_status = status
        fields = ["svarut_status", "updated_at"]
        reason = PRINT_FALLBACK_STATUSES.get(status)
        if reason and shipment.channel == Channel.DIGITAL:
            shipment.channel, shipment.print_reason = Channel.PRINT, reason
            fields += ["channel", "print_reason"]
        shipment.save(update_fields=fields)
    return True


# --- Print files ----------------------------------------------------------------


def take_for_print(letters: QuerySet[Letter], batch: SummonsBatch) -> QuerySet[Letter]:
    """The batch's letters that go in its print file: those with no shipment
    (SvarUt not configured), those already in this file, and print ones in no
    file yet, which are recorded as in it. Not those going digitally, nor
    those already in a fallback print file."""
    with transaction.atomic():
        claim = Shipment.all_objects.select_for_update().filter(
            letter__in=letters, channel=Channel.PRINT, print_batch__isnull=True, print_file__isnull=True
        )
        Shipment.all_objects.filter(pk__in=list(claim.values_list("pk", flat=True))).update(
            print_batch=batch, updated_at=timezone.now()
        )
    return letters.filter(Q(shipment__isnull=True) | Q(shipment__print_batch=batch))


def write_fallback_print_files() -> list[PrintFile]:
    """One print file per municipality for the letters on paper that no
    batch print file holds: single letters, and letters whose digital
    delivery failed. Returns the files made."""
    made = []
    waiting = Shipment.all_objects.filter(
        channel=Channel.PRINT, print_batch__isnull=True, print_file__isnull=True
    ).filter(Q(letter__batch_key="") | Q(print_reason__in=FALLBACK_REASONS))
    for municipality_id in set(waiting.values_list("municipality_id", flat=True)):
        with transaction.atomic():
            shipments = list(
                waiting.filter(municipality_id=municipality_id)
                .select_for_update(skip_locked=True, of=("self",))
                .values_list("pk", "letter_id")
            )
            if not shipments:
                continue
            letters = Letter.all_objects.filter(
                pk__in=[letter for _pk, letter in shipments], status=LetterStatus.RENDERED
            )
            data = combine_pdfs(letters, title=_("Brev som skal sendes på papir"))
            printed = PrintFile(municipality_id=municipality_id, letter_count=len(shipments))
            printed.sha256 = sha256_hex(data)
            printed.file.save(f"papirpost-{timezone.now():%Y%m%d-%H%M%S}.pdf", ContentFile(data), save=False)
            printed.save()
            Shipment.all_objects.filter(pk__in=[pk for pk, _letter in shipments]).update(
                print_file=printed, updated_at=timezone.now()
            )
            made.append(printed)
    return made


# --- What the pages show --------------------------------------------------------


def describe(shipment: Shipment | None, letter: Letter) -> DeliverySummary:
    """One line on how a letter went out and where it is."""
    url = reverse("dispatch:letter", args=[letter.pk])
    if letter.status != LetterStatus.RENDERED:
        return DeliverySummary(text=_("Ikke sendt"), url="")
    if shipment is None:
        return DeliverySummary(text=_("Papir – utskriftsfilen"), url=url)
    if shipment.channel == Channel.PRINT:
        if shipment.print_file_id:
            where = _("utskriftsfil %(n)s") % {"n": shipment.print_file_id}
        elif shipment.print_batch_id:
            where = _("innkallingens utskriftsfil")
        else:
            where = _("venter på utskriftsfil")
        text = _("Papir – %(where)s. Grunn: %(reason)s") % {
            "where": where,
            "reason": shipment.get_print_reason_display(),
        }
        return DeliverySummary(text=text, url=url)
    if shipment.send_state != SendState.SENT:
        return DeliverySummary(
            text=_("Digitalt – %(state)s") % {"state": shipment.get_send_state_display()},
            url=url,
            digital=True,
        )
    status = shipment.get_svarut_status_display() if shipment.svarut_status else _("Sendt")
    return DeliverySummary(text=_("Digitalt – %(status)s") % {"status": status}, url=url, digital=True)


def with_shipments(letters: QuerySet[Letter]) -> QuerySet[Letter]:
    return letters.select_related("shipment")


def summaries(letters: Sequence[Letter]) -> dict[int, DeliverySummary]:
    """Uses the shipments `with_shipments` loaded; else one query."""
    letters = list(letters)
    loaded = all(Letter.shipment.is_cached(letter) for letter in letters)
    if loaded:
        shipments = {letter.pk: getattr(letter, "shipment", None) for letter in letters}
    else:
        shipments = {
            s.letter_id: s for s in Shipment.all_objects.filter(letter__in=[letter.pk for letter in letters])
        }
    return {letter.pk: describe(shipments.get(letter.pk), letter) for letter in letters}


def batch_aggregates(batch: SummonsBatch) -> dict[str, Any]:
    """For the batch page's count query: letters gone digitally, on paper,
    in the batch's own print file, and digital ones not sent yet."""
    rendered = Q(status=LetterStatus.RENDERED)
    digital = Q(shipment__channel=Channel.DIGITAL)
    return {
        "digital": Count("pk", filter=rendered & digital),
        "print": Count("pk", filter=rendered & (~digital | Q(shipment__isnull=True))),
        "in_batch_print_file": Count(
            "pk", filter=rendered & (Q(shipment__isnull=True) | Q(shipment__print_batch=batch))
        ),
        "waiting": Count(
            "pk",
            filter=rendered
            & digital
            & Q(shipment__send_state__in=[SendState.QUEUED, SendState.SENDING, SendState.UNCERTAIN]),
        ),
    }


def overview_counts(shipments: QuerySet[Shipment]) -> dict[str, int]:
    """The overview's figures, in one aggregate."""
    digital = Q(channel=Channel.DIGITAL)
    return shipments.aggregate(
        total=Count("pk"),
        waiting=Count("pk", filter=digital & ~Q(send_state=SendState.SENT)),
        sent=Count("pk", filter=digital & Q(send_state=SendState.SENT)),
        notified=Count("pk", filter=digital & Q(svarut_status=SvarUtStatus.VARSLET)),
        delivered=Count("pk", filter=digital & Q(svarut_status=SvarUtStatus.LEVERT_SDP)),
        read=Count("pk", filter=digital & Q(svarut_status=SvarUtStatus.LEST)),
        paper=Count("pk", filter=Q(channel=Channel.PRINT)),
        fell_back=Count("pk", filter=Q(channel=Channel.PRINT, print_reason__in=FALLBACK_REASONS)),
        unprinted=Count(
            "pk", filter=Q(channel=Channel.PRINT, print_batch__isnull=True, print_file__isnull=True)
        ),
    )
