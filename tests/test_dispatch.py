"""Dispatch by SvarUt, with print as the fallback, against a stand-in SvarUt
on 127.0.0.1 that checks every request against the published OpenAPI files
(dispatch.standin). The files ship in dispatch/specs/ (MIT); SVARUT_SPEC_DIR
points at another copy."""

from __future__ import annotations

import datetime
import io
import os
from pathlib import Path

import pikepdf
import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from dispatch import services
from dispatch.models import (
    Channel,
    PrintFile,
    PrintReason,
    SendState,
    Shipment,
    ShipmentStatus,
)
from dispatch.standin import PATHS, StandIn
from dispatch.svarut import Document, SvarUtClient, SvarUtError, SvarUtUnavailable, config
from housing_office.national_id import W1, W2
from letters.models import Letter, LetterStatus, LetterTemplate
from letters.summons import create_summons_batch
from letters.tasks import render_and_store
from tests import factories

from .test_summons import a_monday, at

ACCOUNT = "8b7c3d0e-1f2a-4b5c-9d6e-7f8091a2b3c4"
INTEGRATION = "2f1e0d9c-8b7a-4c6d-9e5f-a0b1c2d3e4f5"
PASSWORD = "integrasjonspassord"
TOKEN = "maskinporten-token"


def spec_dir() -> Path:
    return Path(os.environ.get("SVARUT_SPEC_DIR") or django_settings.SVARUT_SPEC_DIR)


def national_id(n: int) -> str:
    """A valid fødselsnummer (born 1 January 1970), the n-th individual number."""
    individual = n
    while True:
        digits = [int(c) for c in f"010170{individual:03d}"]
        k1 = (11 - sum(w * d for w, d in zip(W1, digits, strict=True)) % 11) % 11
        k2 = (11 - sum(w * d for w, d in zip(W2, [*digits, k1], strict=True)) % 11) % 11
        if k1 < 10 and k2 < 10:
            return "".join(map(str, [*digits, k1, k2]))
        individual += 1


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def standin(settings):
    folder = spec_dir()
    if not (folder / "openapi-v3").is_dir():
        pytest.skip(f"SvarUt's OpenAPI files are not at {folder}: set SVARUT_SPEC_DIR")
    server = StandIn(
        folder,
        account_id=ACCOUNT,
        integration_id=INTEGRATION,
        integration_password=PASSWORD,
        token=TOKEN,
        hang_seconds=6.0,
    ).start()
    settings.SVARUT_BASE_URL = server.base_url
    settings.SVARUT_ACCOUNT_ID = ACCOUNT
    settings.SVARUT_INTEGRATION_ID = INTEGRATION
    settings.SVARUT_INTEGRATION_PASSWORD = PASSWORD
    settings.SVARUT_MASKINPORTEN_TOKEN = TOKEN
    settings.SVARUT_MASKINPORTEN_TOKEN_FILE = ""
    # Long enough for the stand-in to check a body against the schemas on a
    # busy two-core machine (0.5 s timed out there); the timeout tests wait
    # this long, and the stand-in hangs three times as long.
    settings.SVARUT_TIMEOUT_SECONDS = 2.0
    yield server
    server.stop()
    # Every answer the stand-in gave conforms to the published schemas.
    assert server.errors == []


def household(municipality, n: int | None, **kwargs):
    made = factories.HouseholdFactory(municipality=municipality, **kwargs)
    factories.PersonFactory(household=made, national_id=national_id(n) if n is not None else "")
    return made


def new_letter(municipality, n: int | None) -> Letter:
    template = LetterTemplate.all_objects.filter(municipality=municipality).first()
    return factories.LetterFactory(
        household=household(municipality, n),
        context={"recipient_name": "Åse Ødegård"},
        **({"template": template} if template else {}),
    )


@pytest.fixture
def render(django_capture_on_commit_callbacks):
    """Render a letter; with `send`, run what the commit starts (the send)."""

    def run(letter: Letter, *, send: bool = True) -> Letter:
        with django_capture_on_commit_callbacks(execute=send):
            render_and_store([Letter.all_objects.select_related("template").get(pk=letter.pk)])
        letter.refresh_from_db()
        assert letter.status == LetterStatus.RENDERED, letter.error
        return letter

    return run


@pytest.fixture
def rendered_letter(render):
    return lambda municipality, n: render(new_letter(municipality, n))


def summon(municipality, user, chosen, capture, **kwargs):
    with capture(execute=True):
        return create_summons_batch(
            municipality=municipality,
            by=user,
            household_ids=[h.pk for h in chosen],
            caseworkers=[user],
            place="Rådhuset, møterom 2",
            first=at(a_monday(), 9),
            minutes=45,
            **kwargs,
        )


def pages(field) -> int:
    with field.open("rb") as handle, pikepdf.Pdf.open(io.BytesIO(handle.read())) as pdf:
        return len(pdf.pages)


def poll_until_quiet(limit: int = 10) -> None:
    """Poll until SvarUt reports nothing new (the stand-in moves a shipment
    one step along its path each time it is asked)."""
    for _ in range(limit):
        result = services.poll_statuses()
        if result["asked"] == 0 or result["changed"] == 0:
            return
    raise AssertionError("the statuses never settled")


# --- Configuration -----------------------------------------------------------------


def test_without_configuration_every_letter_is_printed_as_before(
    municipality, caseworker_user, django_capture_on_commit_callbacks, settings
):
    settings.SVARUT_BASE_URL = ""
    assert config() is None
    chosen = [household(municipality, 1), household(municipality, None)]
    batch = summon(municipality, caseworker_user, chosen, django_capture_on_commit_callbacks)
    assert not Shipment.all_objects.exists()
    batch.refresh_from_db()
    assert pages(batch.print_file) == 4  # both two-page letters


def test_configuration_needs_a_token_source(standin, settings, tmp_path):
    assert config() is not None
    settings.SVARUT_MASKINPORTEN_TOKEN = ""
    assert config() is None
    token_file = tmp_path / "token"
    token_file.write_text(f"{TOKEN}\n")
    settings.SVARUT_MASKINPORTEN_TOKEN_FILE = str(token_file)
    assert config().access_token() == TOKEN


# --- A summons batch: digital where possible, the rest in the print file ------------


def test_a_batch_goes_digitally_to_those_with_a_national_id_and_the_rest_is_printed(
    standin, municipality, caseworker_user, django_capture_on_commit_callbacks
):
    with_id = [household(municipality, 1), household(municipality, 2)]
    without = household(municipality, None)
    batch = summon(municipality, caseworker_user, [*with_id, without], django_capture_on_commit_callbacks)

    assert standin.invalid == []
    digital = Shipment.all_objects.filter(channel=Channel.DIGITAL).select_related("letter")
    assert {s.letter.household_id for s in digital} == {h.pk for h in with_id}
    assert {s.send_state for s in digital} == {SendState.SENT}
    assert len(standin.shipments) == 2
    for shipment in digital:
        (stored,) = standin.sends_for(shipment.external_reference)
        assert str(shipment.svarut_id) == stored.id
        person = shipment.letter.household.members.get()
        assert stored.digital_id == person.national_id
        assert stored.shipment["mottaker"]["navn"] == person.full_name
        assert stored.shipment["kunDigitalLevering"] is True
        household_ = shipment.letter.household
        assert stored.shipment["mottaker"]["adresse"] == {
            "adresselinje1": household_.address,
            "postnummer": household_.postal_code,
            "poststed": household_.postal_place,
        }
        ((filename, mime, content),) = stored.files
        assert (filename, mime) == (stored.shipment["dokumenter"][0]["filnavn"], "application/pdf")
        with shipment.letter.pdf.open("rb") as handle:
            assert content == handle.read()
    printed = Shipment.all_objects.get(letter__household=without)
    assert (printed.channel, printed.print_reason, printed.print_batch_id) == (
        Channel.PRINT,
        PrintReason.NO_NATIONAL_ID,
        batch.pk,
    )
    batch.refresh_from_db()
    assert pages(batch.print_file) == 2  # only the one letter on paper


def test_the_office_can_choose_print_for_a_whole_batch(
    standin, municipality, caseworker_user, django_capture_on_commit_callbacks
):
    chosen = [household(municipality, 1), household(municipality, 2)]
    batch = summon(municipality, caseworker_user, chosen, django_capture_on_commit_callbacks, print_only=True)
    assert standin.requests == []
    assert set(Shipment.all_objects.values_list("channel", "print_reason")) == {
        (Channel.PRINT, PrintReason.OFFICE_CHOSE)
    }
    batch.refresh_from_db()
    assert pages(batch.print_file) == 4


def test_the_summons_wizard_offers_the_print_choice(caseworker_client, municipality):
    response = caseworker_client.get(reverse("letters:summons-new"))
    assert 'name="print_only"' in response.content.decode()
    assert "Send alle brevene på papir" in response.content.decode()


# --- Sending: accepted, refused, timeouts ---------------------------------------------


def test_a_refused_shipment_goes_to_a_print_file_with_the_reason(standin, municipality, rendered_letter):
    standin.behaviour[national_id(3)] = "reject"
    letter = rendered_letter(municipality, 3)
    shipment = Shipment.all_objects.get(letter=letter)
    assert shipment.channel == Channel.PRINT and shipment.print_reason == PrintReason.SEND_REFUSED
    assert "Forsendelsen ble avvist" in shipment.error and "errorId" in shipment.error
    assert standin.shipments == {}

    (printed,) = services.write_fallback_print_files()
    shipment.refresh_from_db()
    assert shipment.print_file == printed and printed.letter_count == 1
    assert pages(printed.file) == pages(letter.pdf)
    assert services.write_fallback_print_files() == []  # never printed twice


def test_wrong_credentials_are_refused_and_the_letter_is_printed(
    standin, municipality, settings, rendered_letter
):
    settings.SVARUT_INTEGRATION_PASSWORD = "feil"
    letter = rendered_letter(municipality, 4)
    shipment = Shipment.all_objects.get(letter=letter)
    assert shipment.print_reason == PrintReason.SEND_REFUSED
    assert "integrasjon" in shipment.error
    assert standin.shipments == {}


def test_a_timeout_after_svarut_took_it_is_reconciled_without_sending_again(standin, municipality, render):
    standin.behaviour[national_id(5)] = "timeout"
    letter = render(new_letter(municipality, 5), send=False)  # sent by hand below
    shipment = Shipment.all_objects.get(letter=letter)

    with pytest.raises(SvarUtUnavailable):
        services.send_shipment(shipment.pk)
    shipment.refresh_from_db()
    assert (shipment.send_state, shipment.attempts, shipment.svarut_id) == (SendState.UNCERTAIN, 1, None)

    # The retry looks the reference up first, and finds what SvarUt has.
    assert services.send_shipment(shipment.pk) == "reconciled"
    shipment.refresh_from_db()
    (stored,) = standin.sends_for(shipment.external_reference)
    assert (shipment.send_state, str(shipment.svarut_id), shipment.attempts) == (SendState.SENT, stored.id, 1)
    assert services.send_shipment(shipment.pk) == "skipped"
    assert len(standin.shipments) == 1
    assert standin.invalid == []


def test_a_lost_call_is_sent_again_only_after_svaruts_receive_window(standin, municipality, render):
    standin.behaviour[national_id(6)] = "lost"
    letter = render(new_letter(municipality, 6), send=False)
    shipment = Shipment.all_objects.get(letter=letter)
    with pytest.raises(SvarUtUnavailable):
        services.send_shipment(shipment.pk)
    # Not found by reference, but the call may still be in SvarUt: wait.
    with pytest.raises(services.NotYet):
        services.send_shipment(shipment.pk)
    assert standin.shipments == {}

    Shipment.all_objects.filter(pk=shipment.pk).update(
        attempted_at=timezone.now() - services.RECONCILE_AFTER - datetime.timedelta(seconds=1)
    )
    assert services.send_shipment(shipment.pk) == "sent"
    shipment.refresh_from_db()
    assert shipment.attempts == 2
    assert len(standin.sends_for(shipment.external_reference)) == 1


def test_the_attempt_is_recorded_before_the_call(standin, municipality, render):
    letter = render(new_letter(municipality, 7), send=False)
    shipment = Shipment.all_objects.get(letter=letter)
    seen = {}

    class Watching(SvarUtClient):
        def send_to_person(self, shipment_json, documents):
            row = Shipment.all_objects.get(pk=shipment.pk)
            seen.update(state=row.send_state, attempts=row.attempts, ref=shipment_json["eksternReferanse"])
            return super().send_to_person(shipment_json, documents)

    assert services.send_shipment(shipment.pk, client=Watching(config())) == "sent"
    assert seen == {"state": SendState.SENDING, "attempts": 1, "ref": shipment.external_reference}


def test_the_standin_refuses_a_body_that_breaks_the_published_rules(standin):
    client = SvarUtClient(config())
    shipment = {
        "tittel": "Brev",
        "mottaker": {"navn": "Åse", "digitalId": national_id(8)},
        "dokumenter": [{"filnavn": "brev.pdf", "mimeType": "application/pdf"}],
    }
    with pytest.raises(SvarUtError) as refused:
        client.send_to_person(shipment, [Document(filename="annet.pdf", content=b"%PDF-1.7\n")])
    assert refused.value.status == 400
    with pytest.raises(SvarUtError):
        client.send_to_person({**shipment, "tittel": ""}, [Document(filename="brev.pdf", content=b"%PDF")])
    assert len(standin.invalid) == 2
    assert "filename" in standin.invalid[0] and "tittel" in standin.invalid[1]


# --- Statuses ------------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(PATHS))
def test_every_status_path_is_followed_to_its_end(standin, municipality, path, rendered_letter):
    n = 10 + sorted(PATHS).index(path)
    standin.paths[national_id(n)] = path
    letter = rendered_letter(municipality, n)
    shipment = Shipment.all_objects.get(letter=letter)
    assert shipment.send_state == SendState.SENT

    poll_until_quiet()

    shipment.refresh_from_db()
    expected = []
    for status in PATHS[path]:
        expected.append(status)
        if status in {s.value for s in services.FINAL_STATUSES}:
            break  # nothing after a final status matters to the office
    assert (
        list(ShipmentStatus.all_objects.filter(shipment=shipment).values_list("status", flat=True))
        == expected
    )
    assert shipment.svarut_status == expected[-1]
    fallback = services.PRINT_FALLBACK_STATUSES.get(expected[-1])
    if fallback:
        assert (shipment.channel, shipment.print_reason) == (Channel.PRINT, fallback)
        assert shipment.print_file is not None and pages(shipment.print_file.file) == pages(letter.pdf)
    else:
        assert shipment.channel == Channel.DIGITAL and shipment.print_file is None


def test_polling_twice_records_each_status_once(standin, municipality, rendered_letter):
    standin.paths[national_id(30)] = "altinn_read"
    letter = rendered_letter(municipality, 30)
    shipment = Shipment.all_objects.get(letter=letter)
    services.poll_statuses()
    (first,) = ShipmentStatus.all_objects.filter(shipment=shipment)
    assert not services.record_status(shipment.pk, "MOTTATT", first.changed_at)
    assert ShipmentStatus.all_objects.filter(shipment=shipment).count() == 1


def test_poll_command_and_task(standin, municipality, rendered_letter):
    standin.paths[national_id(31)] = "not_delivered"
    letter = rendered_letter(municipality, 31)
    out = io.StringIO()
    for _ in range(3):
        call_command("poll_svarut", stdout=out)
    assert "går til papir" in out.getvalue()
    shipment = Shipment.all_objects.get(letter=letter)
    assert shipment.print_reason == PrintReason.NOT_DELIVERED
    assert PrintFile.all_objects.count() == 1
    assert "poll-svarut-statuses" in django_settings.CELERY_BEAT_SCHEDULE


# --- Pages --------------------------------------------------------------------------------


def test_the_letter_page_shows_a_read_digital_letter(
    standin, municipality, caseworker_client, rendered_letter
):
    standin.paths[national_id(40)] = "altinn_read"
    letter = rendered_letter(municipality, 40)
    poll_until_quiet()
    page = caseworker_client.get(reverse("dispatch:letter", args=[letter.pk])).content.decode()
    assert "Digitalt gjennom SvarUt" in page
    assert "Mottakeren er varslet" in page and "Lest" in page
    assert '<th scope="col">Status</th>' in page
    assert national_id(40) not in page


def test_the_letter_page_says_an_undelivered_letter_went_to_print(
    standin, municipality, caseworker_client, rendered_letter
):
    standin.paths[national_id(41)] = "manual"
    letter = rendered_letter(municipality, 41)
    poll_until_quiet()
    shipment = Shipment.all_objects.get(letter=letter)
    page = caseworker_client.get(reverse("dispatch:letter", args=[letter.pk])).content.decode()
    assert "Digital levering lyktes ikke" in page
    assert "Manuelt håndtert i SvarUt" in page
    assert reverse("dispatch:print-file", args=[shipment.print_file_id]) in page
    download = caseworker_client.get(reverse("dispatch:print-file", args=[shipment.print_file_id]))
    assert download.status_code == 200


def test_another_municipalitys_letter_and_print_file_are_404(
    standin, municipality, other_caseworker, client, rendered_letter
):
    standin.behaviour[national_id(42)] = "reject"
    letter = rendered_letter(municipality, 42)
    (printed,) = services.write_fallback_print_files()
    client.force_login(other_caseworker)
    assert client.get(reverse("dispatch:letter", args=[letter.pk])).status_code == 404
    assert client.get(reverse("dispatch:print-file", args=[printed.pk])).status_code == 404


def test_the_office_can_send_a_waiting_letter_on_paper(standin, municipality, caseworker_client, render):
    letter = render(new_letter(municipality, 43), send=False)
    page = caseworker_client.get(reverse("dispatch:letter", args=[letter.pk])).content.decode()
    assert "Send på papir i stedet" in page
    caseworker_client.post(reverse("dispatch:choose-print", args=[letter.pk]))
    shipment = Shipment.all_objects.get(letter=letter)
    assert (shipment.channel, shipment.print_reason) == (Channel.PRINT, PrintReason.OFFICE_CHOSE_LATER)
    assert services.send_shipment(shipment.pk) == "skipped"
    assert standin.shipments == {}
    response = caseworker_client.post(reverse("dispatch:choose-print", args=[letter.pk]), follow=True)
    assert "skal ikke sendes digitalt" in response.content.decode()


def test_the_batch_page_shows_how_each_letter_went_out_in_constant_queries(
    standin,
    municipality,
    caseworker_user,
    caseworker_client,
    django_capture_on_commit_callbacks,
    django_assert_max_num_queries,
):
    def batch_of(size: int, start: int):
        chosen = [household(municipality, start + i) for i in range(size)] + [household(municipality, None)]
        return summon(municipality, caseworker_user, chosen, django_capture_on_commit_callbacks)

    small = batch_of(1, 50)
    large = batch_of(6, 60)
    services.poll_statuses()
    counts = {}
    for batch in (small, large):
        url = reverse("letters:batch-detail", args=[batch.pk])
        with django_assert_max_num_queries(40) as captured:
            page = caseworker_client.get(url).content.decode()
        counts[batch.pk] = len(captured)
        assert "Utsending" in page and "Digitalt – Mottatt av SvarUt" in page
        assert "Papir – innkallingens utskriftsfil. Grunn: Hovedpersonen har ikke fødselsnummer" in page
        assert reverse("dispatch:letter", args=[batch.letters().first().pk]) in page
    assert counts[small.pk] == counts[large.pk]
    large_page = caseworker_client.get(reverse("letters:batch-detail", args=[large.pk])).content.decode()
    assert "6 digitalt gjennom SvarUt, 1 på papir" in large_page
    assert "Last ned utskriftsfil (1 brev)" in large_page


def test_the_overview_counts_and_lists_print_files_and_polls_on_request(
    standin, municipality, caseworker_client, rendered_letter, django_assert_max_num_queries
):
    standin.paths[national_id(70)] = "not_delivered"
    standin.paths[national_id(71)] = "altinn_read"
    letters = [rendered_letter(municipality, 70), rendered_letter(municipality, 71)]
    for _ in range(4):
        response = caseworker_client.post(reverse("dispatch:poll-now"), follow=True)
    assert "Statusene hentes fra SvarUt" in response.content.decode()
    with django_assert_max_num_queries(15):
        page = caseworker_client.get(reverse("dispatch:overview")).content.decode()
    (printed,) = PrintFile.all_objects.all()
    assert reverse("dispatch:print-file", args=[printed.pk]) in page
    shipments = {s.letter_id: s for s in Shipment.all_objects.all()}
    assert shipments[letters[0].pk].channel == Channel.PRINT
    assert shipments[letters[1].pk].svarut_status == "LEST"
    counts = services.overview_counts(Shipment.all_objects.all())
    assert (counts["sent"], counts["read"], counts["paper"], counts["fell_back"]) == (1, 1, 1, 1)


def test_the_send_task_retries_a_timeout_and_reconciles_instead_of_sending_twice(
    standin, municipality, render, caseworker_client
):
    # Eager Celery runs the retries at once: the first call times out after
    # the stand-in stored the shipment; the retry finds it by reference.
    standin.behaviour[national_id(80)] = "timeout"
    letter = render(new_letter(municipality, 80))
    shipment = Shipment.all_objects.get(letter=letter)
    assert (shipment.send_state, shipment.attempts) == (SendState.SENT, 1)
    assert len(standin.shipments) == 1 and str(shipment.svarut_id) in standin.shipments
    page = caseworker_client.get(reverse("tenants:household-detail", args=[letter.household_id]))
    assert reverse("dispatch:letter", args=[letter.pk]) in page.content.decode()


def test_a_batch_that_goes_all_digital_offers_no_empty_print_file(
    standin, municipality, caseworker_user, caseworker_client, django_capture_on_commit_callbacks
):
    batch = summon(
        municipality, caseworker_user, [household(municipality, 90)], django_capture_on_commit_callbacks
    )
    page = caseworker_client.get(reverse("letters:batch-detail", args=[batch.pk])).content.decode()
    assert "utskriftsfilen er tom" in page
    assert reverse("letters:batch-print", args=[batch.pk]) not in page
