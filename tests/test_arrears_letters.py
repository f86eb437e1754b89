"""The arrears letters' mandatory content, read from the rendered PDFs."""

from __future__ import annotations

import datetime
import subprocess
from decimal import Decimal

import pytest

from arrears import services
from arrears.importing import SourceFile, import_arrears
from arrears.models import ArrearsCase, EventKind
from letters.models import LetterStatus

from . import factories

pytestmark = pytest.mark.django_db
D = datetime.date


def pdf_text(letter) -> str:
    letter.refresh_from_db()
    assert letter.status == LetterStatus.RENDERED, letter.error
    return " ".join(
        subprocess.run(
            ["pdftotext", letter.pdf.path, "-"], check=True, capture_output=True, text=True
        ).stdout.split()
    )


@pytest.fixture
def case(municipality, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    household = factories.household_with_members(municipality, reference="H-1")
    dwelling = factories.DwellingFactory(municipality=municipality, reference="B-1", address="Kirkegata 7")
    factories.tenancy_of(household, dwelling, D(2020, 1, 1))
    data = (
        b"dwelling_ref;household_ref;amount;oldest_due_date;as_of\nB-1;H-1;12345,50;01.01.2025;10.01.2025\n"
    )
    assert import_arrears("3807", SourceFile("r.csv", data)).ok
    return ArrearsCase.all_objects.get()


from letters.snapshot import recipient_names  # noqa: E402


def letter_of(case, kind):
    return case.events.filter(kind=kind).latest("id").letter


def test_the_letters_say_what_the_law_asks(case, caseworker_user, django_capture_on_commit_callbacks):
    by = caseworker_user
    with django_capture_on_commit_callbacks(execute=True):
        services.send_reminder(case, by=by, on=D(2025, 1, 11))
        services.make_agreement(
            case, by=by, on=D(2025, 1, 12), instalments=[(D(2025, 2, 1), Decimal("2000"))]
        )
        services.send_notice_4_18(case, by=by, on=D(2025, 1, 15))
        services.send_nav_notice(
            case,
            by=by,
            nav_office="NAV Skien",
            nav_address="Postboks 2000",
            nav_postal="3702 Skien",
            on=D(2025, 1, 16),
        )
        services.request_eviction(case, by=by, bailiff="Namsfogden i Telemark", on=D(2025, 2, 6))

    reminder = pdf_text(letter_of(case, EventKind.REMINDER))
    assert "12 345,50 kr" in reminder and "1. januar 2025" in reminder

    agreement = pdf_text(letter_of(case, EventKind.AGREEMENT))
    assert "2 000,00 kr innen 1. februar 2025" in agreement

    notice = pdf_text(letter_of(case, EventKind.NOTICE_4_18))
    assert "tvangsfullbyrdelsesloven § 4-18" in notice
    assert "innen 14 dager fra dagen etter at du mottok dette varselet" in notice
    assert "begjære fravikelse" in notice

    # The notice is addressed to NAV (husleieloven § 9-11 første ledd): NAV's
    # name and address are the recipient block, the tenant is named in it.
    tenant = " og ".join(recipient_names(case.tenancy.household))
    to_nav = letter_of(case, EventKind.NAV_NOTICE)
    assert to_nav.kind == "arrears_nav_office"
    assert to_nav.context["recipient_name"] == "NAV Skien"
    assert to_nav.context["recipient_address"] == "Postboks 2000"
    nav = pdf_text(to_nav)
    assert "NAV Skien Postboks 2000 3702 Skien" in nav
    assert "husleieloven § 9-11" in nav and f"leietakeren {tenant}" in nav
    assert "minst to uker" in nav and "får en kopi" in nav
    # The tenant gets a copy of its content (annet ledd), with the right to reserve.
    copy = letter_of(case, EventKind.NAV_COPY)
    assert copy.kind == "arrears_nav_notice" and copy.context["recipient_name"] == tenant
    copy_text = pdf_text(copy)
    assert "kopi" in copy_text and "NAV Skien" in copy_text
    assert "reservere deg" in copy_text and "minst to uker" in copy_text
    # Its heading speaks to the one tenant as the text does («dere» to several).
    assert "§ 9-11 – kopi til deg" in copy_text
    # The archive journals the notice with NAV as the party, the copy with the household.
    from archive.models import RegistryEntry

    assert RegistryEntry.all_objects.get(letter=to_nav).party_name == "NAV Skien"
    assert RegistryEntry.all_objects.get(letter=copy).party_name == tenant

    request = pdf_text(letter_of(case, EventKind.EVICTION_REQUESTED))
    assert "Namsfogden i Telemark" in request and "§ 13-2 tredje ledd bokstav a" in request
    for attachment in (
        "leieavtalen",
        "varselet etter tvangsfullbyrdelsesloven § 4-18",
        "bevis for at leietakeren har mottatt varselet",
    ):
        assert attachment in request
    assert "Kirkegata 7" in request


def test_a_downloaded_arrears_letter_is_in_the_households_innsynslogg(
    case, caseworker_client, caseworker_user, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    from housing_office.models import PersonalDataAccess

    with django_capture_on_commit_callbacks(execute=True):
        services.send_reminder(case, by=caseworker_user, on=D(2025, 1, 11))
    letter = letter_of(case, EventKind.REMINDER)
    page = caseworker_client.get(reverse("arrears:case-detail", args=[case.pk]))
    assert reverse("letters:letter-download", args=[letter.pk]) in page.content.decode()
    assert caseworker_client.get(reverse("letters:letter-download", args=[letter.pk])).status_code == 200
    assert PersonalDataAccess.all_objects.filter(household=case.tenancy.household).exists()


def test_no_letter_goes_to_an_address_the_household_has_moved_from(case, caseworker_user):
    """Every letter kind goes through letters.snapshot.common_context, which
    refuses an address left behind (issue 16 item 4), not only the summons."""
    from housing_office.errors import DomainError
    from letters.models import Letter

    household = case.tenancy.household
    household.address, household.postal_code, household.postal_place = "", "", ""
    household.address_unknown = True
    household.save()
    with pytest.raises(DomainError, match="har flyttet fra adressen"):
        services.send_reminder(case, by=caseworker_user, on=D(2025, 1, 12))
    assert not Letter.all_objects.exists()
    assert not case.events.filter(kind=EventKind.REMINDER).exists()


def test_a_household_writing_nynorsk_gets_the_notice_in_nynorsk_with_its_mandatory_content(
    case, caseworker_user, django_capture_on_commit_callbacks
):
    household = case.tenancy.household
    household.letter_language = "nn"
    household.save(update_fields=["letter_language"])
    with django_capture_on_commit_callbacks(execute=True):
        services.send_notice_4_18(case, by=caseworker_user, on=D(2025, 1, 15))
    notice = pdf_text(letter_of(case, EventKind.NOTICE_4_18))
    assert "tvangsfullføringslova § 4-18" in notice
    assert "innan 14 dagar frå dagen etter at" in notice
    assert "fråviking" in notice and "12 345,50 kr" in notice
