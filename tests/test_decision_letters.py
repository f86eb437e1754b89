"""The decision letter and the complaint-forwarded letter say what
forvaltningsloven §§ 24–29, 18, 33 and 42 ask, read from the rendered PDFs
in bokmål and nynorsk."""

from __future__ import annotations

import datetime
import subprocess

import pytest

from decisions import kinds, services
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


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def refusal(municipality, language, capture):
    household = factories.household_with_members(municipality, reference="H-7", letter_language=language)
    drafter = factories.caseworker(
        municipality, first_name="Siri", last_name="Saksbehandler", phone="35 00 00 01"
    )
    decider = factories.caseworker(municipality, first_name="Per", last_name="Leder")
    with capture(execute=True):
        decision = services.draft_decision(
            household=household,
            kind=kinds.HOUSING_HELP,
            outcome="refused",
            legal_basis="Boligsosial lov § 6 første ledd",
            facts="Husstanden har en leiekontrakt til 2032.",
            considerations="Husstanden kan selv skaffe seg bolig.",
            drafted_by=drafter,
        )
        decision = services.decide(decision, decided_by=decider, when=D(2026, 3, 2))
    return decision


EXPECTED = {
    "nb": [
        "Vedtak",
        "Bistand etter boligsosial lov § 6: avslått.",
        "Regler vedtaket er gjort etter: Boligsosial lov § 6 første ledd",
        "Faktiske forhold vi har lagt til grunn: Husstanden har en leiekontrakt til 2032.",
        "Hovedhensyn i vurderingen: Husstanden kan selv skaffe seg bolig.",
        "Fristen for å klage er tre uker fra den dagen du mottok dette brevet",
        "Kommer klagen fram til oss innen 30. mars 2026, er den i alle fall i tide.",
        "Send klagen til Boligkontoret, Postboks 1, 3701 SKIEN",
        "sender vi klagen til Statsforvalteren, som avgjør den",
        "rett til å se dokumentene i saken din (forvaltningsloven §§ 18 og 19)",
        "ikke blir gjennomført før klagen er avgjort (forvaltningsloven § 42)",
        "ta kontakt med Siri Saksbehandler på telefon 35 00 00 01",
        "Vedtatt av Per Leder",
        "Unntatt offentlighet",
    ],
    "nn": [
        "Vedtak",
        "Bistand etter bustadsosial lov § 6: avslått.",
        "Reglar vedtaket er gjort etter: Boligsosial lov § 6 første ledd",
        "Faktiske forhold vi har lagt til grunn: Husstanden har en leiekontrakt til 2032.",
        "Hovudomsyn i vurderinga: Husstanden kan selv skaffe seg bolig.",
        "Fristen for å klage er tre veker frå den dagen du fekk dette brevet",
        "Kjem klaga fram til oss innan 30. mars 2026, er ho i alle fall i tide.",
        "Send klaga til Boligkontoret, Postboks 1, 3701 SKIEN",
        "sender vi klaga til Statsforvalteren, som avgjer ho",
        "rett til å sjå dokumenta i saka som gjeld deg (forvaltningslova §§ 18 og 19)",
        "ikkje blir gjennomført før klaga er avgjord (forvaltningslova § 42)",
        "ta kontakt med Siri Saksbehandler på telefon 35 00 00 01",
        "Vedteke av Per Leder",
        "Unnateke offentlegheit",
    ],
}


@pytest.mark.parametrize("language", ["nb", "nn"])
def test_the_decision_letter_carries_what_the_law_asks(
    municipality, language, django_capture_on_commit_callbacks
):
    decision = refusal(municipality, language, django_capture_on_commit_callbacks)
    text = pdf_text(decision.letter)
    missing = [part for part in EXPECTED[language] if part not in text]
    assert missing == [], text
    # The letter names the journal's reference (Vår referanse).
    assert decision.letter.archive_reference in text


@pytest.mark.parametrize("language", ["nb", "nn"])
def test_the_complaint_forwarded_letter(municipality, language, django_capture_on_commit_callbacks):
    decision = refusal(municipality, language, django_capture_on_commit_callbacks)
    complaint = services.register_complaint(
        decision, received_on=D(2026, 3, 10), registered_by=decision.drafted_by
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.review_complaint(
            complaint, upheld=True, reviewed_by=decision.decided_by, when=D(2026, 3, 20)
        )
    complaint.refresh_from_db()
    text = pdf_text(complaint.forwarding_letter)
    expected = {
        "nb": ["sendt til Statsforvalteren", "10. mars 2026", "20. mars 2026", "forvaltningsloven § 33"],
        "nn": ["send til Statsforvalteren", "10. mars 2026", "20. mars 2026", "forvaltningslova § 33"],
    }[language]
    assert [part for part in expected if part not in text] == [], text


def test_a_changed_decision_letter_says_what_it_replaces(municipality, django_capture_on_commit_callbacks):
    decision = refusal(municipality, "nb", django_capture_on_commit_callbacks)
    services.save_kind_setting(
        municipality.pk, kinds.HOUSING_HELP, appeal_body="Statsforvalteren", two_person_rule=False
    )
    complaint = services.register_complaint(
        decision, received_on=D(2026, 3, 10), registered_by=decision.drafted_by
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.review_complaint(
            complaint,
            upheld=False,
            reviewed_by=decision.decided_by,
            new_outcome="granted",
            when=D(2026, 3, 20),
        )
    complaint.refresh_from_db()
    text = pdf_text(complaint.new_decision.letter)
    assert "Bistand etter boligsosial lov § 6: innvilget." in text
    assert "Dette vedtaket erstatter vedtaket av 2. mars 2026" in text
