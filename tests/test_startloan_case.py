"""A start-loan case as a caseworker works it: eligibility as facts
(forskrift om lån fra Husbanken § 5-2, § 5-4), the documentation checklist
the leader keeps, every assessment kept with the one decided on marked, a
re-assessment from the saved application, the hand-off summary to Startskudd,
the decision recorded from Startskudd with its terms, and the financing
certificate's price cap and expiry on the worklist."""

from __future__ import annotations

import datetime
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from startloan import services
from startloan.figures import loan_figures
from startloan.models import ApplicationDocument, AssessmentRecord, DocumentKind, StartLoanApplication
from tests import factories
from tests.test_startloan import ELIGIBLE, family, form_data, make_application

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def _client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --------------------------------------------------------------------------
# Eligibility
# --------------------------------------------------------------------------


def test_the_banks_refusal_can_never_be_waived():
    facts = {**ELIGIBLE, "bank_refusal_bank": "", "eligibility_exception": "children_or_needs"}
    facts["exception_facts"] = "Tre barn, trenger raskt en stabil bolig."
    problems = services.eligibility_problems({**facts, "purpose": "purchase"})
    assert problems == ["Bankens avslag må være dokumentert med bank og dato; kravet kan aldri fravikes."]


def test_without_an_exception_the_long_term_problem_and_saving_are_stated():
    facts = {**ELIGIBLE, "long_term_facts": "", "savings_facts": " "}
    problems = services.eligibility_problems({**facts, "purpose": "purchase"})
    assert len(problems) == 2 and "langvarige problemer" in problems[0] and "spare" in problems[1]
    # A tick alone is not enough: the facts are written.
    assert services.eligibility_problems({**ELIGIBLE, "purpose": "purchase"}) == []


def test_an_exception_needs_its_facts_and_forced_sale_only_refinances():
    facts = {**ELIGIBLE, "long_term_difficulty": False, "long_term_facts": "", "savings_facts": ""}
    facts["eligibility_exception"] = "forced_sale"
    problems = services.eligibility_problems({**facts, "purpose": "purchase"})
    assert "Skriv hvorfor unntaket etter § 5-4 annet ledd gjelder." in problems
    assert "Unntaket for å unngå tvangssalg gjelder bare refinansiering." in problems
    facts["exception_facts"] = "Tvangssalg varslet av namsmannen 3.3.2026."
    assert services.eligibility_problems({**facts, "purpose": "refinance"}) == []


def test_no_recommendation_before_the_eligibility_facts(caseworker_client, caseworker_user, municipality):
    application = make_application(family(municipality), caseworker_user, eligible=False)
    url = reverse("startloan:application-recommend", args=[application.pk])
    page = caseworker_client.post(url, {"recommendation": "Innvilges."}).content.decode()
    assert "Vilkårene er ikke dokumentert" in page
    eligibility = reverse("startloan:application-eligibility", args=[application.pk])
    post = {**ELIGIBLE, "bank_refusal_on": "2025-10-01", "long_term_difficulty": "on"}
    assert caseworker_client.post(eligibility, post).status_code == 302
    application.refresh_from_db()
    assert application.bank_refusal_bank == "Sparebanken Sør"
    assert caseworker_client.post(url, {"recommendation": "Innvilges."}).status_code == 302


def test_a_refusal_dated_in_the_future_is_refused(caseworker_client, caseworker_user, municipality):
    application = make_application(family(municipality), caseworker_user, eligible=False)
    url = reverse("startloan:application-eligibility", args=[application.pk])
    tomorrow = (TODAY + datetime.timedelta(days=1)).isoformat()
    page = caseworker_client.post(url, {**ELIGIBLE, "bank_refusal_on": tomorrow}).content.decode()
    assert "Avslaget fra banken kan ikke være datert fram i tid." in page


# --------------------------------------------------------------------------
# The documentation checklist
# --------------------------------------------------------------------------


def test_the_checklist_per_application(caseworker_client, caseworker_user, municipality):
    application = make_application(family(municipality), caseworker_user)
    lines = services.checklist(application)
    names = [line["kind"].name for line in lines]
    assert "Avslag eller lånetilbud fra bank" in names and "Kjøpekontrakt eller akseptert bud" in names
    assert len(services.missing_documents(lines)) == 8
    refusal = DocumentKind.objects.get(name="Avslag eller lånetilbud fra bank")
    url = reverse("startloan:application-documents", args=[application.pk])
    data = {f"received_{line['kind'].pk}": "" for line in lines}
    data[f"received_{refusal.pk}"] = (TODAY - datetime.timedelta(days=3)).isoformat()
    data[f"note_{refusal.pk}"] = "Avslag fra Sparebanken Sør"
    assert caseworker_client.post(url, data).status_code == 302
    document = ApplicationDocument.objects.get(application=application)
    assert document.kind == refusal and document.note == "Avslag fra Sparebanken Sør"
    assert len(services.missing_documents(services.checklist(application))) == 7
    page = caseworker_client.get(reverse("startloan:application-detail", args=[application.pk]))
    assert "7 påkrevde dokumenter mangler" in page.content.decode()
    # Not received after all: the date removed, the document gone.
    data[f"received_{refusal.pk}"] = ""
    caseworker_client.post(url, data)
    assert not ApplicationDocument.objects.filter(application=application).exists()
    # A date in the future is refused, nothing saved.
    data[f"received_{refusal.pk}"] = (TODAY + datetime.timedelta(days=2)).isoformat()
    page = caseworker_client.post(url, data).content.decode()
    assert "kan ikke være mottatt fram i tid" in page
    assert not ApplicationDocument.objects.filter(application=application).exists()


def test_a_refinancing_is_not_asked_for_a_purchase_contract(caseworker_user, municipality):
    application = make_application(
        family(municipality),
        caseworker_user,
        purpose="refinance",
        owns_home=True,
        amount_applied=D("2000000"),
    )
    names = [line["kind"].name for line in services.checklist(application)]
    assert "Kjøpekontrakt eller akseptert bud" not in names


def test_the_leader_keeps_the_checklist(leader_client, municipality):
    caseworker = _client_for(factories.caseworker(municipality))
    url = reverse("startloan:document-kinds")
    assert caseworker.get(url).status_code == 403
    # Only the leader's loan list links it; a caseworker is not sent to a refusal.
    assert f'href="{url}"' not in caseworker.get(reverse("startloan:application-list")).content.decode()
    assert f'href="{url}"' in leader_client.get(reverse("startloan:application-list")).content.decode()
    assert leader_client.get(url).status_code == 200
    kinds = list(DocumentKind.objects.all())
    data = {
        "kinds-TOTAL_FORMS": str(len(kinds) + 1),
        "kinds-INITIAL_FORMS": str(len(kinds)),
        "kinds-MIN_NUM_FORMS": "0",
        "kinds-MAX_NUM_FORMS": "1000",
    }
    for i, kind in enumerate(kinds):
        data.update(
            {
                f"kinds-{i}-id": kind.pk,
                f"kinds-{i}-position": kind.position,
                f"kinds-{i}-name": kind.name,
                f"kinds-{i}-description": kind.description,
                f"kinds-{i}-required": "on" if kind.required else "",
                f"kinds-{i}-purchase_only": "on" if kind.purchase_only else "",
                f"kinds-{i}-active": "on",
            }
        )
    n = len(kinds)
    data.update(
        {f"kinds-{n}-position": "95", f"kinds-{n}-name": "Uttalelse fra NAV", f"kinds-{n}-active": "on"}
    )
    assert leader_client.post(url, data).status_code == 302
    assert DocumentKind.objects.filter(name="Uttalelse fra NAV", required=False).exists()


# --------------------------------------------------------------------------
# Every assessment kept; a re-assessment from the saved application
# --------------------------------------------------------------------------


def test_every_assessment_is_kept_and_the_decided_one_marked(caseworker_user, municipality):
    application = make_application(family(municipality), caseworker_user)
    values = {name: getattr(application, name) for name in services.APPLICATION_FIELDS}
    values["amount_applied"] = D("2400000")
    services.update_application(application, values, by=caseworker_user)
    records = list(AssessmentRecord.objects.filter(application=application))
    assert [r.snapshot["amount_applied"] for r in records] == ["2400000", "2500000"]
    services.recommend(application, by=caseworker_user, text="Innvilges.")
    decider = factories.caseworker(municipality)
    services.decide(
        application, by=decider, grant=True, loan_granted=D("2400000"), startskudd_case_number="2026/00077"
    )
    decided = AssessmentRecord.objects.get(application=application, decided=True)
    assert decided.pk == records[0].pk and decided.snapshot == application.assessment
    assert AssessmentRecord.objects.filter(application=application).count() == 2


def test_a_household_is_reassessed_from_its_saved_application(
    caseworker_client, caseworker_user, municipality
):
    household = family(municipality)
    data = form_data(
        household,
        **{
            "debts-TOTAL_FORMS": "1",
            "debts-INITIAL_FORMS": "0",
            "debts-MIN_NUM_FORMS": "0",
            "debts-MAX_NUM_FORMS": "20",
            "debts-0-kind": "student",
            "debts-0-balance": "180 000",
            "debts-0-rate": "5,2",
            "debts-0-term_years": "20",
        },
    )
    assert caseworker_client.post(reverse("startloan:application-create"), data).status_code == 302
    first = household.loan_applications.get()
    url = reverse("startloan:application-create") + f"?household={household.pk}&fra={first.pk}"
    page = caseworker_client.get(url)
    form = page.context["form"]
    # Nothing typed twice: the saved figures and debts are the new form's start.
    assert form.initial["monthly_net_income"] == D("55000")
    assert form.initial["purchase_price"] == D("3000000")
    assert form.debt_formset.initial[0]["balance"] == D("180000")
    assert 'value="180 000"' in page.content.decode() or 'value="180000"' in page.content.decode()
    assert (
        caseworker_client.post(
            reverse("startloan:application-create"), {**data, "monthly_net_income": "60 000"}
        ).status_code
        == 302
    )
    assert household.loan_applications.count() == 2
    newest = household.loan_applications.order_by("-pk").first()
    assert newest.assessment["monthly_net_income"] == "60000"
    # Another household's application cannot be the source.
    other = family(municipality, reference="H-ANNEN")
    bad = reverse("startloan:application-create") + f"?household={other.pk}&fra={first.pk}"
    assert caseworker_client.get(bad).status_code == 404


# --------------------------------------------------------------------------
# The decision made in Startskudd, recorded
# --------------------------------------------------------------------------


def test_the_decision_from_startskudd_with_its_terms_is_counted(caseworker_user, municipality):
    application = make_application(
        family(municipality), caseworker_user, long_term_conditions_documented=True
    )
    services.recommend(application, by=caseworker_user, text="Innvilges.")
    decider = factories.caseworker(municipality)
    with pytest.raises(services.DomainError, match="saksnummeret vedtaket har i Startskudd"):
        services.decide(application, by=decider, grant=True, loan_granted=D("2500000"))
    with pytest.raises(services.DomainError, match="høyst 8 år"):
        services.decide(
            application,
            by=decider,
            grant=True,
            loan_granted=D("2500000"),
            startskudd_case_number="2026/00042",
            terms={"interest_only_years": 9},
        )
    services.decide(
        application,
        by=decider,
        grant=True,
        loan_granted=D("2500000"),
        startskudd_case_number="2026/00042",
        terms={"term_years": 40, "fixed_rate_years": 5},
    )
    application.refresh_from_db()
    assert application.startskudd_case_number == "2026/00042"
    assert (application.decided_term_years, application.decided_fixed_rate_years) == (40, 5)
    assert (application.decided_interest_only_years, application.decided_repayment_type) == (0, "annuity")
    figures = loan_figures(municipality.pk, TODAY.year)
    assert figures["loans_granted"] == 1 and figures["loan_amount_granted"] == 2_500_000


def test_the_decision_form_starts_from_the_case(caseworker_client, caseworker_user, municipality):
    application = make_application(family(municipality), caseworker_user, startskudd_case_number="2026/00099")
    services.recommend(application, by=caseworker_user, text="Innvilges.")
    decider = _client_for(factories.caseworker(municipality))
    page = decider.get(reverse("startloan:application-decide", args=[application.pk]))
    initial = page.context["form"].initial
    assert initial["startskudd_case_number"] == "2026/00099"
    assert initial["loan_granted"] == D("2500000") and initial["term_years"] == 30
    assert "Vedtaket fattes i Startskudd" in page.content.decode()


# --------------------------------------------------------------------------
# The financing certificate
# --------------------------------------------------------------------------


def _granted(municipality, caseworker_user, **overrides):
    application = make_application(
        family(municipality, reference=f"H-{StartLoanApplication.objects.count()}"),
        caseworker_user,
        **overrides,
    )
    services.recommend(application, by=caseworker_user, text="Innvilges.")
    services.decide(
        application,
        by=factories.caseworker(municipality),
        grant=True,
        loan_granted=application.amount_applied,
        startskudd_case_number="2026/00001",
    )
    return application


def test_the_certificate_has_a_price_cap_and_an_expiry(caseworker_user, municipality):
    application = _granted(municipality, caseworker_user)
    issued = TODAY - datetime.timedelta(days=10)
    values = {"startskudd_case_number": "2026/00001", "financing_certificate_on": issued}
    with pytest.raises(services.DomainError) as error:
        services.update_follow_up(application, values, by=caseworker_user)
    assert "Oppgi hvor lenge finansieringsbeviset gjelder." in str(error.value)
    assert "Oppgi prisgrensen i finansieringsbeviset." in str(error.value)
    # Start loan 2,500,000 + equity 50,000 − costs 75,000 = 2,475,000 at most.
    values.update(financing_certificate_expires_on=issued, financing_certificate_price_cap=D("2500000"))
    with pytest.raises(services.DomainError) as error:
        services.update_follow_up(application, values, by=caseworker_user)
    assert "etter at det ble utstedt" in str(error.value)
    assert "(2\u00a0475\u00a0000 kr)" in str(error.value)
    values.update(
        financing_certificate_expires_on=issued + datetime.timedelta(days=90),
        financing_certificate_price_cap=D("2475000"),
    )
    services.update_follow_up(application, values, by=caseworker_user)
    application.refresh_from_db()
    assert application.financing_certificate_price_cap == D("2475000")


def test_the_worklist_warns_before_a_certificate_expires(caseworker_client, caseworker_user, municipality):
    soon = _granted(municipality, caseworker_user)
    later = _granted(municipality, caseworker_user)
    bought = _granted(municipality, caseworker_user)
    expired = _granted(municipality, caseworker_user)
    issued = TODAY - datetime.timedelta(days=100)
    for application, days in ((soon, 20), (later, 31), (bought, 5), (expired, -2)):
        StartLoanApplication.objects.filter(pk=application.pk).update(
            financing_certificate_on=issued,
            financing_certificate_expires_on=TODAY + datetime.timedelta(days=days),
            financing_certificate_price_cap=D("2400000"),
            purchased_on=TODAY if application is bought else None,
        )
    page = caseworker_client.get(reverse("startloan:application-list"))
    assert [a.pk for a in page.context["expiring"]] == [expired.pk, soon.pk]
    text = page.content.decode()
    assert "Finansieringsbevis som går ut innen 30 dager" in text and "(utløpt)" in text


# --------------------------------------------------------------------------
# The hand-off, and the whole case as a new user takes it
# --------------------------------------------------------------------------


def test_a_caseworker_takes_a_case_to_the_startskudd_hand_off(
    caseworker_client, caseworker_user, municipality
):
    household = family(municipality)
    # The first meeting's figures, typed once.
    data = form_data(household, startskudd_case_number="2026/00321")
    assert caseworker_client.post(reverse("startloan:application-create"), data).status_code == 302
    application = household.loan_applications.get()
    # Eligibility as facts, then the documents.
    eligibility = {**ELIGIBLE, "bank_refusal_on": "2025-10-01", "long_term_difficulty": "on"}
    url = reverse("startloan:application-eligibility", args=[application.pk])
    assert caseworker_client.post(url, eligibility).status_code == 302
    lines = services.checklist(application)
    documents = {f"received_{line['kind'].pk}": TODAY.isoformat() for line in lines}
    url = reverse("startloan:application-documents", args=[application.pk])
    assert caseworker_client.post(url, documents).status_code == 302
    assert services.missing_documents(services.checklist(application)) == []
    # The recommendation, and the hand-off summary in Startskudd's order.
    url = reverse("startloan:application-recommend", args=[application.pk])
    assert caseworker_client.post(url, {"recommendation": "Innvilges."}).status_code == 302
    handoff = reverse("startloan:application-handoff", args=[application.pk])
    text = caseworker_client.get(handoff).content.decode()
    order = [
        "1. Søker og husstand",
        "3. Finansiering",
        "6. Utgifter og betjeningsevne",
        "7. Vilkår",
        "9. Innstilling",
    ]
    positions = [text.index(title) for title in order]
    assert positions == sorted(positions)
    assert (
        "Sparebanken Sør" in text
        and "2\u00a0500\u00a0000\u00a0kr" in text
        and "Saken er ikke komplett" not in text
    )
    assert "10. Vedtak i Startskudd" not in text
    # Another caseworker records the decision made in Startskudd.
    decider = _client_for(factories.caseworker(municipality))
    decision = {
        "outcome": "grant",
        "startskudd_case_number": "2026/00321",
        "loan_granted": "2 500 000",
        "grant_granted": "0",
        "decided_on": TODAY.isoformat(),
        "term_years": "30",
        "interest_only_years": "0",
        "fixed_rate_years": "",
        "repayment_type": "annuity",
        "reasons": "",
    }
    response = decider.post(reverse("startloan:application-decide", args=[application.pk]), decision)
    assert response.status_code == 302, response.content.decode()[-2000:]
    text = caseworker_client.get(handoff).content.decode()
    assert (
        "10. Vedtak i Startskudd" in text
        and "Annuitetslån, 30 år, 0 år avdragsfrihet, flytende rente" in text
    )
    detail = caseworker_client.get(
        reverse("startloan:application-detail", args=[application.pk])
    ).content.decode()
    assert "Lagt til grunn for vedtaket" in detail


def test_the_hand_off_names_what_is_missing(caseworker_client, caseworker_user, municipality):
    application = make_application(family(municipality), caseworker_user, eligible=False)
    text = caseworker_client.get(
        reverse("startloan:application-handoff", args=[application.pk])
    ).content.decode()
    assert "Saken er ikke komplett" in text and "Mangler dokument: Utskrift fra Gjeldsregisteret" in text


def test_another_municipalitys_case_pages_are_404(caseworker_client, municipality):
    other = factories.MunicipalityFactory()
    application = factories.StartLoanApplicationFactory(household__municipality=other)
    for name in ("application-eligibility", "application-documents", "application-handoff"):
        assert caseworker_client.get(reverse(f"startloan:{name}", args=[application.pk])).status_code == 404


def test_the_detail_page_runs_a_constant_number_of_queries(caseworker_client, caseworker_user, municipality):
    application = make_application(family(municipality), caseworker_user)
    url = reverse("startloan:application-detail", args=[application.pk])
    caseworker_client.get(url)
    with CaptureQueriesContext(connection) as small:
        caseworker_client.get(url)
    values = {name: getattr(application, name) for name in services.APPLICATION_FIELDS}
    for amount in (2_400_000, 2_300_000, 2_200_000):
        services.update_application(application, {**values, "amount_applied": D(amount)}, by=caseworker_user)
    with CaptureQueriesContext(connection) as large:
        caseworker_client.get(url)
    assert len(large.captured_queries) == len(small.captured_queries)
