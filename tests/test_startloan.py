"""Start-loan applications: the form with its live assessment, the loan
rules, the two-person rule, status history, the leader's parameters, the
printable summary and the report figures."""

from __future__ import annotations

import datetime
import subprocess
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from housing_office.models import Job, JobState
from startloan import services
from startloan.figures import loan_figures
from startloan.models import (
    ApplicationStatus,
    ApplicationStatusChange,
    LivingCostRate,
    LoanParameters,
    StartLoanApplication,
)
from tenants.models import PathwayStage, PersonRole
from tenants.services import refresh_search_text

from . import factories

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def family(municipality, reference="H-STARTLÅN"):
    """A couple with a child of four (DOB known) and one of unknown age."""
    household = factories.HouseholdFactory(municipality=municipality, reference=reference)
    factories.PersonFactory(
        household=household,
        first_name="Åse",
        last_name="Ødegård-Bræk",
        role=PersonRole.MAIN,
        national_id="01017012345",
        date_of_birth=datetime.date(1970, 1, 1),
    )
    factories.PersonFactory(
        household=household, first_name="Per", last_name="Bræk", role=PersonRole.CO_APPLICANT
    )
    four_years_ago = TODAY.replace(year=TODAY.year - 4) - datetime.timedelta(days=10)
    factories.PersonFactory(
        household=household, first_name="Lille", role=PersonRole.CHILD, date_of_birth=four_years_ago
    )
    factories.PersonFactory(
        household=household, first_name="Nyfødt", role=PersonRole.CHILD, date_of_birth=None
    )
    refresh_search_text(household)
    return household


def form_data(household, **overrides):
    data = {
        "household": household.pk,
        "received_on": TODAY.isoformat(),
        "startskudd_case_number": "",
        "purpose": "purchase",
        "ownership_form": "freehold",
        "purchase_price": "3 000 000",
        "purchase_costs": "",
        "equity": "50000",
        "bank_loan": "0",
        "amount_applied": "2 500 000",
        "grant_applied": "0",
        "existing_debt": "0",
        "monthly_net_income": "55 000",
        "annual_gross_income": "850000",
        "monthly_fixed_costs": "3000",
        "monthly_living_costs": "",
        "monthly_housing_costs": "4000",
        "term_years": "30",
        "interest_only_years": "0",
        "repayment_type": "annuity",
        "fixed_rate_years": "",
    }
    data.update({k: v for k, v in overrides.items() if v is not None})
    for k in [k for k, v in overrides.items() if v is None]:
        data.pop(k, None)
    return data


def make_application(household, by, **overrides):
    values = {
        "received_on": TODAY - datetime.timedelta(days=20),
        "purpose": "purchase",
        "ownership_form": "freehold",
        "purchase_price": Decimal("3000000"),
        "purchase_costs": None,
        "equity": Decimal("50000"),
        "bank_loan": Decimal("0"),
        "amount_applied": Decimal("2500000"),
        "grant_applied": Decimal("0"),
        "existing_debt": Decimal("0"),
        "monthly_net_income": Decimal("55000"),
        "annual_gross_income": Decimal("850000"),
        "monthly_fixed_costs": Decimal("3000"),
        "monthly_living_costs": None,
        "monthly_housing_costs": Decimal("4000"),
        "term_years": 30,
        "long_term_conditions_documented": False,
        "interest_only_years": 0,
        "repayment_type": "annuity",
        "fixed_rate_years": None,
        "owns_home": False,
    }
    eligible = overrides.pop("eligible", True)
    values.update(overrides)
    application = services.create_application(household, values, by=by)
    if eligible:
        services.save_eligibility(application, ELIGIBLE, by=by)
    return application


# Eligibility recorded as facts (forskrift om lån fra Husbanken § 5-2).
ELIGIBLE = {
    "bank_refusal_bank": "Sparebanken Sør",
    "bank_refusal_on": datetime.date(2025, 10, 1),
    "bank_refusal_facts": "Søkte 3 000 000 kr; avslått på grunn av lav inntekt.",
    "long_term_difficulty": True,
    "long_term_facts": "Varig lav inntekt som uføretrygdet.",
    "savings_facts": "Har spart 2 000 kr i måneden i to år.",
    "eligibility_exception": "",
    "exception_facts": "",
}


@pytest.fixture
def second_caseworker(municipality):
    return factories.caseworker(municipality, username="nils", first_name="Nils")


# --------------------------------------------------------------------------
# Registering an application
# --------------------------------------------------------------------------


def test_create_stores_the_assessment_with_the_household_composition(caseworker_client, municipality):
    household = family(municipality)
    response = caseworker_client.post(reverse("startloan:application-create"), form_data(household))
    application = StartLoanApplication.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("startloan:application-detail", args=[application.pk])
    a = application.assessment
    assert a["adults"] == 2 and a["couple"] is True
    assert a["children_ages"] == [None, 4]
    # Blank costs: 2.5 % document duty, stored.
    assert application.purchase_costs == Decimal("75000")
    assert a["purchase_costs_standard"] is True
    assert a["disposable"] and a["findings"]
    assert a["parameters"]["year"] == TODAY.year
    household.refresh_from_db()
    assert household.pathway_stage == PathwayStage.APPLYING_LOAN
    detail = caseworker_client.get(response["Location"])
    assert detail.status_code == 200
    assert "Betjeningsevne" in detail.content.decode()


def test_new_application_without_household_offers_a_search(caseworker_client, municipality):
    household = family(municipality, reference="H-ØST-7")
    response = caseworker_client.get(reverse("startloan:application-create"), {"q": "ost-7"})
    assert response.status_code == 200
    assert f"?household={household.pk}" in response.content.decode()


def test_the_picker_names_the_applicants_and_finds_them_by_name(caseworker_client, municipality):
    """Five households of the same family name are told apart by their
    members' names and addresses, not only by their references."""
    for i, (first, co) in enumerate(
        [("Kari", "Ola"), ("Liv", ""), ("Per", "Anne"), ("Siv", ""), ("Tor", "")]
    ):
        household = factories.HouseholdFactory(
            municipality=municipality, reference=f"H-T{i}", address=f"Bakken {i + 1}", postal_code="3715"
        )
        factories.PersonFactory(
            household=household, first_name=first, last_name="Tønnessen", role=PersonRole.MAIN
        )
        if co:
            factories.PersonFactory(
                household=household, first_name=co, last_name="Tønnessen", role=PersonRole.CO_APPLICANT
            )
        factories.PersonFactory(
            household=household, first_name="Barn", last_name="Tønnessen", role=PersonRole.CHILD
        )
        refresh_search_text(household)
    url = reverse("startloan:application-create")

    html = caseworker_client.get(url, {"q": "tonnessen"}).content.decode()
    assert "5 husstander passer til søket." in html
    for name in ("Kari Tønnessen", "Liv Tønnessen", "Per Tønnessen", "Siv Tønnessen", "Tor Tønnessen"):
        assert f'<th scope="row">{name}</th>' in html
    assert "<td>Ola Tønnessen</td>" in html and "<td>Anne Tønnessen</td>" in html
    assert "<td>H-T0</td>" in html and "Bakken 1, 3715 SKIEN" in html

    # The co-applicant's name finds the household too.
    response = caseworker_client.get(url, {"q": "Anne Tønnessen"})
    assert [h.reference for h in response.context["households"]] == ["H-T2"]
    assert 'Velg<span class="visually-hidden"> Per Tønnessen (H-T2)</span>' in response.content.decode()


def test_the_picker_says_when_it_shows_only_the_first_hits(caseworker_client, municipality, monkeypatch):
    monkeypatch.setattr("startloan.views.PICK_LIMIT", 2)
    for i in range(3):
        household = factories.HouseholdFactory(municipality=municipality, reference=f"H-BERG-{i}")
        refresh_search_text(household)
    response = caseworker_client.get(reverse("startloan:application-create"), {"q": "berg"})
    assert len(response.context["households"]) == 2
    assert "Viser de 2 første treffene." in response.content.decode()


def test_household_is_preselected(caseworker_client, municipality):
    household = family(municipality)
    response = caseworker_client.get(reverse("startloan:application-create"), {"household": household.pk})
    html = response.content.decode()
    assert response.status_code == 200
    assert household.reference in html
    assert f'name="household" value="{household.pk}"' in html
    assert "2 voksne (par), 2 barn" in html
    assert 'hx-post="/startlan/beregning/"' in html
    assert "input changed delay:400ms" in html


def test_calculate_button_shows_the_figures_without_saving(caseworker_client, municipality):
    household = family(municipality)
    response = caseworker_client.post(
        reverse("startloan:application-create"), form_data(household, calculate="1")
    )
    assert response.status_code == 200
    assert StartLoanApplication.objects.count() == 0
    html = response.content.decode()
    assert "Betjeningsevnen holder ved stresstest" in html
    assert "Disponibelt til lån" in html


def test_live_preview_returns_the_figures(caseworker_client, municipality):
    household = family(municipality)
    data = form_data(household, monthly_living_costs="15000")
    response = caseworker_client.post(reverse("startloan:assessment-preview"), data, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html  # a partial
    # Living costs: the couple and children's guideline rate is the floor.
    assert "sosialhjelpssatsen" in html
    assert "Betjeningsevnen holder ved stresstest" in html
    assert 'id="assessment-status" hx-swap-oob="innerHTML"' in html
    # Typing changes the figures.
    worse = caseworker_client.post(
        reverse("startloan:assessment-preview"), form_data(household, monthly_net_income="30000")
    ).content.decode()
    assert "Betjeningsevnen holder ikke ved stresstest" in worse
    assert StartLoanApplication.objects.count() == 0


def test_live_preview_shows_rule_errors_and_asks_for_missing_figures(caseworker_client, municipality):
    household = family(municipality)
    html = caseworker_client.post(
        reverse("startloan:assessment-preview"), form_data(household, interest_only_years="9")
    ).content.decode()
    assert "Avdragsfri periode kan være høyst 8 år." in html
    html = caseworker_client.post(
        reverse("startloan:assessment-preview"), form_data(household, purchase_price="", amount_applied="")
    ).content.decode()
    assert "Fyll ut kjøpesum, søkt startlån, inntekt og nedbetalingstid" in html


def test_edit_before_decision_recomputes_the_assessment(caseworker_client, caseworker_user, municipality):
    household = family(municipality)
    application = make_application(household, caseworker_user)
    old_margin = application.assessment["margin_stress"]
    response = caseworker_client.post(
        reverse("startloan:application-edit", args=[application.pk]),
        form_data(household, monthly_net_income="60000", received_on=application.received_on.isoformat()),
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.monthly_net_income == Decimal("60000")
    assert Decimal(application.assessment["margin_stress"]) == Decimal(old_margin) + 5000


# --------------------------------------------------------------------------
# The loan rules
# --------------------------------------------------------------------------

RULES = [
    ({"term_years": "31"}, "Nedbetalingstiden kan være høyst 30 år."),
    (
        {"term_years": "51", "long_term_conditions_documented": "on"},
        "Nedbetalingstiden kan være høyst 50 år.",
    ),
    ({"interest_only_years": "9"}, "Avdragsfri periode kan være høyst 8 år."),
    (
        {"term_years": "5", "interest_only_years": "5"},
        "Den avdragsfrie perioden må være kortere enn nedbetalingstiden.",
    ),
    ({"fixed_rate_years": "7"}, "Fastrente kan bindes for 3, 5, 10 eller 20 år."),
    (
        {"term_years": "15", "fixed_rate_years": "20"},
        "Fastrenteperioden (20 år) kan ikke være lengre enn nedbetalingstiden (15 år).",
    ),
    (
        {"amount_applied": "3 100 000"},
        "Startlånet kan dekke høyst 100 % av kjøpesum og omkostninger (3\u00a0075\u00a0000 kr).",
    ),
    (
        {"purpose": "refinance", "amount_applied": "1000000"},
        "Refinansiering forutsetter at søkeren eier boligen.",
    ),
    (
        {"purpose": "refinance", "owns_home": "on", "amount_applied": "2000000", "bank_loan": "1500000"},
        "Ved refinansiering kan samlet lån (startlån og banklån, 3\u00a0500\u00a0000 kr) "
        "ikke være høyere enn boligens verdi (3\u00a0000\u00a0000 kr).",
    ),
]


@pytest.mark.parametrize(("overrides", "message"), RULES)
def test_rule_breaches_are_refused_with_a_clear_message(caseworker_client, municipality, overrides, message):
    household = family(municipality)
    response = caseworker_client.post(
        reverse("startloan:application-create"), form_data(household, **overrides)
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert StartLoanApplication.objects.count() == 0


def test_up_to_fifty_years_when_the_four_conditions_are_documented(caseworker_client, municipality):
    household = family(municipality)
    response = caseworker_client.post(
        reverse("startloan:application-create"),
        form_data(household, term_years="50", long_term_conditions_documented="on", fixed_rate_years="20"),
    )
    assert response.status_code == 302
    assert StartLoanApplication.objects.get().term_years == 50


def test_refinancing_an_owned_home_within_its_value(caseworker_client, municipality):
    household = family(municipality)
    response = caseworker_client.post(
        reverse("startloan:application-create"),
        form_data(
            household, purpose="refinance", owns_home="on", amount_applied="1500000", bank_loan="1500000"
        ),
    )
    assert response.status_code == 302


def test_the_service_refuses_what_the_form_would(caseworker_user, municipality):
    from django.core.exceptions import ValidationError

    household = family(municipality)
    with pytest.raises(ValidationError) as caught:
        make_application(household, caseworker_user, interest_only_years=9)
    assert "Avdragsfri periode kan være høyst 8 år." in caught.value.message_dict["interest_only_years"]
    assert StartLoanApplication.objects.count() == 0


# --------------------------------------------------------------------------
# Recommendation and decision: the two-person rule
# --------------------------------------------------------------------------


def _recommend(client, application, text="Anbefaler innvilgelse av søkt beløp."):
    return client.post(
        reverse("startloan:application-recommend", args=[application.pk]), {"recommendation": text}
    )


def _decide(client, application, **overrides):
    data = {
        "outcome": "grant",
        "loan_granted": str(application.amount_applied),
        "grant_granted": "0",
        "decided_on": TODAY.isoformat(),
        "reasons": "",
        "startskudd_case_number": "2026/00123",
    }
    data.update(overrides)
    return client.post(reverse("startloan:application-decide", args=[application.pk]), data)


def test_the_recommender_cannot_decide(caseworker_client, caseworker_user, municipality):
    application = make_application(family(municipality), caseworker_user)
    assert _recommend(caseworker_client, application).status_code == 302
    application.refresh_from_db()
    assert application.recommended_by == caseworker_user
    assert application.status == ApplicationStatus.IN_REVIEW

    page = caseworker_client.get(
        reverse("startloan:application-decide", args=[application.pk])
    ).content.decode()
    assert "kan ikke også fatte vedtaket" in page

    changes_before = ApplicationStatusChange.objects.count()
    response = _decide(caseworker_client, application)
    assert response.status_code == 200
    assert (
        "Du har skrevet innstillingen i denne saken og kan ikke også fatte vedtaket. "
        "En annen saksbehandler må fatte vedtak (to-personsregelen)."
    ) in response.content.decode()
    application.refresh_from_db()
    assert application.decided_by is None
    assert application.status == ApplicationStatus.IN_REVIEW
    assert application.loan_granted is None
    assert ApplicationStatusChange.objects.count() == changes_before


def test_another_caseworker_decides(
    client, caseworker_client, caseworker_user, second_caseworker, municipality
):
    household = family(municipality)
    application = make_application(household, caseworker_user)
    _recommend(caseworker_client, application)
    client.force_login(second_caseworker)
    response = _decide(client, application)
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.GRANTED
    assert application.decided_by == second_caseworker
    assert application.recommended_by == caseworker_user
    assert application.loan_granted == Decimal("2500000")
    assert application.decided_on == TODAY
    statuses = list(
        application.status_changes.order_by("changed_at", "id").values_list("from_status", "to_status")
    )
    assert statuses == [("", "received"), ("received", "in_review"), ("in_review", "granted")]
    household.refresh_from_db()
    assert household.pathway_stage == PathwayStage.LOAN_GRANTED


def test_a_decision_needs_a_recommendation(caseworker_client, caseworker_user, municipality):
    application = make_application(family(municipality), caseworker_user)
    response = _decide(caseworker_client, application)
    assert "Søknaden må ha en innstilling før det kan fattes vedtak." in response.content.decode()
    application.refresh_from_db()
    assert application.decided_by is None


def test_the_database_constraint_is_the_backstop(
    caseworker_client, caseworker_user, municipality, monkeypatch
):
    application = make_application(family(municipality), caseworker_user)
    _recommend(caseworker_client, application)
    # If the service's own check were ever bypassed, the database refuses
    # and the user gets a form error, not a server error.
    monkeypatch.setattr(services, "check_two_person_rule", lambda application, user: None)
    response = _decide(caseworker_client, application)
    assert response.status_code == 200
    assert "Den som innstiller, kan ikke også fatte vedtaket." in response.content.decode()
    application.refresh_from_db()
    assert application.decided_by is None
    assert application.status == ApplicationStatus.IN_REVIEW
    assert not application.status_changes.filter(to_status="granted").exists()


def test_the_constraint_holds_in_the_database(caseworker_user, municipality):
    application = make_application(family(municipality), caseworker_user)
    with pytest.raises(IntegrityError), transaction.atomic():
        StartLoanApplication.objects.filter(pk=application.pk).update(
            recommended_by=caseworker_user, decided_by=caseworker_user
        )


def test_rejection_and_partial_grant_need_reasons(client, caseworker_user, second_caseworker, municipality):
    application = make_application(family(municipality), caseworker_user)
    services.recommend(application, by=caseworker_user, text="Avslag anbefales.")
    client.force_login(second_caseworker)
    response = _decide(client, application, outcome="reject")
    assert "Et avslag må begrunnes." in response.content.decode()
    response = _decide(client, application, loan_granted="2000000")
    assert "Skriv en begrunnelse: søknaden innvilges ikke fullt ut." in response.content.decode()
    response = _decide(client, application, outcome="reject", reasons="Betjeningsevnen holder ikke.")
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.REJECTED
    assert application.loan_granted is None


# --------------------------------------------------------------------------
# Status, follow-up
# --------------------------------------------------------------------------


def test_status_changes_are_kept_as_history(caseworker_client, caseworker_user, municipality):
    application = make_application(family(municipality), caseworker_user)
    url = reverse("startloan:application-status", args=[application.pk])
    caseworker_client.post(url, {"to_status": "in_review", "comment": ""})
    caseworker_client.post(url, {"to_status": "withdrawn", "comment": "Søker trakk søknaden."})
    application.refresh_from_db()
    assert application.status == ApplicationStatus.WITHDRAWN
    rows = list(application.status_changes.order_by("changed_at", "id"))
    assert [(r.from_status, r.to_status, r.changed_by) for r in rows] == [
        ("", "received", caseworker_user),
        ("received", "in_review", caseworker_user),
        ("in_review", "withdrawn", caseworker_user),
    ]
    assert rows[0].comment == "Registrert"
    assert rows[2].comment == "Søker trakk søknaden."
    # Granting goes through the decision, never the status form.
    with pytest.raises(services.DomainError, match="Bruk vedtaket"):
        services.change_status(application, "granted", by=caseworker_user)
    # Not every move is allowed.
    response = caseworker_client.post(url, {"to_status": "disbursed"}, follow=True)
    assert "Velg en status søknaden kan gå til." in response.content.decode()


def test_the_registration_row_names_who_registered_it(caseworker_client, caseworker_user, municipality):
    caseworker_user.last_name = "Saksbehandler"
    caseworker_user.save()
    household = family(municipality)
    response = caseworker_client.post(reverse("startloan:application-create"), form_data(household))
    application = StartLoanApplication.objects.get()
    row = application.status_changes.get()
    assert (row.from_status, row.to_status, row.changed_by, row.comment) == (
        "",
        ApplicationStatus.RECEIVED,
        caseworker_user,
        "Registrert",
    )
    assert row.is_registration
    html = caseworker_client.get(response["Location"]).content.decode()
    assert "<td>–</td><td>Mottatt</td><td>Kari Saksbehandler</td><td>Registrert</td>" in html


def test_an_older_application_shows_its_registration_from_the_audit_trail(
    caseworker_client, caseworker_user, municipality
):
    """Registered before the history had its first row: the actor comes from
    the audit trail, or is said to be unknown (the demo, an import)."""
    application = factories.StartLoanApplicationFactory(household__municipality=municipality)
    url = reverse("startloan:application-detail", args=[application.pk])
    html = caseworker_client.get(url).content.decode()
    assert "<td>–</td><td>Mottatt</td><td>Ukjent</td><td>Registrert</td>" in html

    from auditlog.models import LogEntry

    LogEntry.objects.get_for_object(application).update(actor=caseworker_user)
    html = caseworker_client.get(url).content.decode()
    assert f"<td>–</td><td>Mottatt</td><td>{caseworker_user}</td><td>Registrert</td>" in html


def test_follow_up_after_the_decision(caseworker_client, caseworker_user, second_caseworker, municipality):
    application = make_application(family(municipality), caseworker_user)
    services.recommend(application, by=caseworker_user, text="Innvilges.")
    services.decide(
        application,
        by=second_caseworker,
        grant=True,
        loan_granted=Decimal("2500000"),
        startskudd_case_number="2026/01234",
    )
    url = reverse("startloan:application-edit", args=[application.pk])
    page = caseworker_client.get(url).content.decode()
    assert "kan ikke endres" in page
    certificate = TODAY - datetime.timedelta(days=5)
    response = caseworker_client.post(
        url,
        {
            "startskudd_case_number": "2026/01234",
            "financing_certificate_on": certificate.isoformat(),
            "financing_certificate_price_cap": "2 475 000",
            "financing_certificate_expires_on": (certificate + datetime.timedelta(days=90)).isoformat(),
            "purchased_on": (certificate - datetime.timedelta(days=1)).isoformat(),
        },
    )
    assert "Kjøpsdatoen kan ikke være før finansieringsbeviset ble utstedt." in response.content.decode()
    response = caseworker_client.post(
        url,
        {
            "startskudd_case_number": "2026/01234",
            "financing_certificate_on": certificate.isoformat(),
            "financing_certificate_price_cap": "2 475 000",
            "financing_certificate_expires_on": (certificate + datetime.timedelta(days=90)).isoformat(),
            "purchased_on": TODAY.isoformat(),
        },
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.startskudd_case_number == "2026/01234"
    assert application.financing_certificate_on == certificate
    assert application.purchased_on == TODAY
    # The figures the decision was made on are kept.
    with pytest.raises(services.DomainError):
        services.update_application(application, {"monthly_net_income": Decimal("1")}, by=caseworker_user)


# --------------------------------------------------------------------------
# The list
# --------------------------------------------------------------------------


def _applications(municipality, n, recommender, decider):
    for i in range(n):
        app = factories.StartLoanApplicationFactory(household__municipality=municipality)
        if i % 2:
            # Granted, with a financing certificate running out soon: the
            # worklist lists it.
            StartLoanApplication.objects.filter(pk=app.pk).update(
                recommended_by=recommender,
                decided_by=decider,
                status="granted",
                financing_certificate_on=TODAY - datetime.timedelta(days=80),
                financing_certificate_expires_on=TODAY + datetime.timedelta(days=10),
                financing_certificate_price_cap=Decimal("2400000"),
            )


def test_the_list_runs_a_constant_number_of_queries(
    caseworker_client, caseworker_user, second_caseworker, municipality, django_assert_max_num_queries
):
    url = reverse("startloan:application-list")
    _applications(municipality, 2, caseworker_user, second_caseworker)
    with CaptureQueriesContext(connection) as small:
        assert caseworker_client.get(url).status_code == 200
    _applications(municipality, 20, caseworker_user, second_caseworker)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = caseworker_client.get(url)
    assert len(response.context["page"].object_list) == 22
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = caseworker_client.get(url, {"status": "granted"})
    assert len(response.context["page"].object_list) == 11
    assert 'aria-current="page"' in response.content.decode()


def test_the_list_names_the_applicants(caseworker_client, caseworker_user, municipality):
    application = make_application(family(municipality, reference="H-BRÆK"), caseworker_user)
    html = caseworker_client.get(reverse("startloan:application-list")).content.decode()
    assert "Åse Ødegård-Bræk og Per Bræk" in html
    assert application.household.reference in html


# --------------------------------------------------------------------------
# Another municipality's records
# --------------------------------------------------------------------------


def test_another_municipalitys_application_is_404_everywhere(
    client, other_caseworker, other_municipality, caseworker_client, municipality
):
    theirs = make_application(family(other_municipality), other_caseworker)
    pk = theirs.pk
    for name in ("application-detail", "application-edit", "application-recommend", "application-decide"):
        assert caseworker_client.get(reverse(f"startloan:{name}", args=[pk])).status_code == 404, name
    for name in ("application-status", "application-pdf", "application-recommend", "application-decide"):
        assert caseworker_client.post(reverse(f"startloan:{name}", args=[pk]), {}).status_code == 404, name
    assert caseworker_client.post(reverse("startloan:application-edit", args=[pk]), {}).status_code == 404
    assert (
        caseworker_client.get(
            reverse("startloan:application-create"), {"household": theirs.household_id}
        ).status_code
        == 404
    )
    preview = caseworker_client.post(reverse("startloan:assessment-preview"), form_data(theirs.household))
    assert preview.status_code == 404
    listed = caseworker_client.get(reverse("startloan:application-list"))
    assert list(listed.context["page"].object_list) == []
    theirs.refresh_from_db()
    assert theirs.recommended_by_id is None and theirs.status == ApplicationStatus.RECEIVED
    assert not Job.all_objects.exists()


# --------------------------------------------------------------------------
# Parameters
# --------------------------------------------------------------------------


def test_default_parameters_are_idempotent(municipality):
    first = services.ensure_default_parameters(municipality, 2024)
    again = services.ensure_default_parameters(municipality, 2024)
    assert first.pk == again.pk
    assert LoanParameters.all_objects.count() == 1
    assert LivingCostRate.all_objects.filter(parameters=first).count() == 13
    p = services.to_affordability(first)
    assert p.guideline.couple == Decimal("13100")
    assert p.standard.couple == Decimal("17634")
    assert p.stress_rate == Decimal("0.07")
    assert not p.reviewed


def _parameters_post(parameters, **overrides):
    data = {
        "year": parameters.year,
        "husbanken_rate": "4,64",
        "municipal_markup": "0,25",
        "policy_rate": "4,25",
        "stress_addition": "2,5",
        "term_fee": "35",
        "document_duty": "2,5",
        "cooperative_costs": "5000",
        "bank_rate": "5,5",
        "bank_term_years": "30",
        "bank_stress_addition": "3",
        "bank_stress_floor": "7",
        "bank_max_debt_to_income": "5",
        "bank_max_loan_to_value": "90",
        "reduce_from_member": "4",
        "reduction_percent": "20",
        # A fee on top of the markup only for documented costs (Husbanken).
        "fee_documented": "on",
        "living_cost_basis": "bailiff",
        "living_cost_basis_date": "2023-07-01",
        "guideline_date": "2024-01-01",
        "electricity_up_to_50": "1200",
        "electricity_up_to_90": "1700",
        "electricity_over_90": "2300",
        "electricity_source": "Kommunens anslag etter lokal nettleie",
        "electricity_valid_from": "2026-01-01",
    }
    for prefix in ("sifo_persons", "sifo_households"):
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": "0",
                f"{prefix}-INITIAL_FORMS": "0",
                f"{prefix}-MIN_NUM_FORMS": "0",
                f"{prefix}-MAX_NUM_FORMS": "1000",
            }
        )
    rates = list(LivingCostRate.all_objects.filter(parameters=parameters).order_by("pk"))
    data.update(
        {
            "rates-TOTAL_FORMS": str(len(rates)),
            "rates-INITIAL_FORMS": str(len(rates)),
            "rates-MIN_NUM_FORMS": "0",
            "rates-MAX_NUM_FORMS": "1000",
        }
    )
    for i, rate in enumerate(rates):
        data.update(
            {
                f"rates-{i}-id": rate.pk,
                f"rates-{i}-parameters": parameters.pk,
                f"rates-{i}-table": rate.table,
                f"rates-{i}-member": rate.member,
                f"rates-{i}-from_age": "" if rate.from_age is None else rate.from_age,
                f"rates-{i}-to_age": "" if rate.to_age is None else rate.to_age,
                f"rates-{i}-amount": str(rate.amount),
            }
        )
    data.update(overrides)
    return data


def test_only_the_leader_edits_parameters(caseworker_client, municipality):
    parameters = services.ensure_default_parameters(municipality, 2026)
    url = reverse("startloan:parameters-edit", args=[2026])
    assert caseworker_client.get(url).status_code == 403
    assert caseworker_client.post(url, _parameters_post(parameters)).status_code == 403
    assert caseworker_client.post(reverse("startloan:parameters-create"), {"year": 2027}).status_code == 403
    # Caseworkers may read them.
    assert caseworker_client.get(reverse("startloan:parameters-list")).status_code == 200
    parameters.refresh_from_db()
    assert parameters.updated_by is None


def test_the_leader_edits_parameters(leader_client, leader_user, municipality):
    parameters = services.ensure_default_parameters(municipality, 2026)
    url = reverse("startloan:parameters-edit", args=[2026])
    assert leader_client.get(url).status_code == 200
    response = leader_client.post(url, _parameters_post(parameters, **{"rates-0-amount": "8 000"}))
    assert response.status_code == 302, response.content.decode()[:3000]
    parameters.refresh_from_db()
    assert parameters.policy_rate == Decimal("4.25")
    assert parameters.term_fee == Decimal("35")
    assert parameters.updated_by == leader_user
    assert LivingCostRate.all_objects.order_by("pk").first().amount == Decimal("8000")


def test_markup_above_a_quarter_point_and_gaps_in_the_child_bands_are_refused(leader_client, municipality):
    parameters = services.ensure_default_parameters(municipality, 2026)
    url = reverse("startloan:parameters-edit", args=[2026])
    response = leader_client.post(url, _parameters_post(parameters, municipal_markup="0,3"))
    assert "Det kommunale påslaget kan være høyst 0,25 prosentpoeng." in response.content.decode()
    child = LivingCostRate.all_objects.filter(parameters=parameters, member="child").order_by("pk").first()
    rates = list(LivingCostRate.all_objects.filter(parameters=parameters).order_by("pk"))
    index = rates.index(child)
    response = leader_client.post(url, _parameters_post(parameters, **{f"rates-{index}-to_age": "4"}))
    assert "aldersgruppene for barn må henge sammen" in response.content.decode()
    parameters.refresh_from_db()
    assert parameters.updated_by is None


def test_new_year_copies_the_previous_year(leader_client, municipality):
    services.ensure_default_parameters(municipality, 2026)
    response = leader_client.post(reverse("startloan:parameters-create"), {"year": 2027})
    assert response.status_code == 302
    new = LoanParameters.all_objects.get(year=2027)
    assert LivingCostRate.all_objects.filter(parameters=new).count() == 13
    response = leader_client.post(reverse("startloan:parameters-create"), {"year": 2027}, follow=True)
    assert "Det finnes allerede satser for 2027." in response.content.decode()


def test_assessment_uses_the_years_parameters_and_says_when_unreviewed(
    caseworker_user, leader_user, municipality
):
    parameters = services.ensure_default_parameters(municipality, TODAY.year)
    application = make_application(family(municipality), caseworker_user)
    texts = [f["text"] for f in application.assessment["findings"]]
    assert "Satsene er standardverdier som leder ennå ikke har kontrollert for året." in texts
    LoanParameters.all_objects.filter(pk=parameters.pk).update(
        updated_by=leader_user, policy_rate=Decimal("3.5")
    )
    application = make_application(family(municipality, reference="H-2"), caseworker_user)
    assert Decimal(application.assessment["stress_rate"]) == Decimal("0.06")
    assert all("standardverdier" not in f["text"] for f in application.assessment["findings"])


# --------------------------------------------------------------------------
# The printable summary
# --------------------------------------------------------------------------


def test_the_pdf_job_renders_the_summary(
    caseworker_client, caseworker_user, municipality, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    household = family(municipality, reference="H-BJØRKÆSEN-1")
    application = make_application(household, caseworker_user, startskudd_case_number="2026/04711")
    with django_capture_on_commit_callbacks(execute=True):
        response = caseworker_client.post(reverse("startloan:application-pdf", args=[application.pk]))
    job = Job.all_objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("job-detail", args=[job.pk])
    assert job.state == JobState.DONE, job.error
    assert job.result_file.name.endswith(".pdf")
    path = tmp_path / job.result_file.name
    assert path.read_bytes().startswith(b"%PDF")
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
    ).stdout.decode()
    assert "H-BJØRKÆSEN-1" in text
    assert "Åse Ødegård-Bræk" in text
    assert "Vurdering av betjeningsevne" in text
    assert "Betjeningsevnen holder ved stresstest" in text
    assert "2026/04711" in text
    assert "01017012345" not in text and "012345" not in text
    assert "Skien kommune" in text

    # Running the same job again replaces its file: no duplicates.
    from startloan.tasks import render_assessment_pdf

    render_assessment_pdf.apply(args=(job.pk,))
    job.refresh_from_db()
    assert job.state == JobState.DONE
    files = list(tmp_path.rglob("*.pdf"))
    assert len(files) == 1
    assert files[0] == tmp_path / job.result_file.name


# --------------------------------------------------------------------------
# Figures for the reports
# --------------------------------------------------------------------------


def test_loan_figures_on_hand_built_data(municipality, other_municipality):
    F = factories.StartLoanApplicationFactory

    def app(**kw):
        return F(household__municipality=kw.pop("municipality", municipality), **kw)

    d = datetime.date
    # Received in 2025: four here (one in the other municipality does not count).
    app(received_on=d(2025, 1, 10))
    app(
        received_on=d(2025, 2, 10),
        status="granted",
        decided_on=d(2025, 3, 1),
        loan_granted=Decimal("1000000"),
        grant_granted=Decimal("100000"),
        financing_certificate_on=d(2025, 3, 1),
        purchased_on=d(2025, 6, 29),
    )  # 120 d
    app(
        received_on=d(2025, 4, 10),
        status="disbursed",
        decided_on=d(2025, 5, 1),
        loan_granted=Decimal("2000000"),
        financing_certificate_on=d(2025, 5, 1),
        purchased_on=d(2025, 8, 30),
    )  # 121 days: too late
    app(received_on=d(2025, 6, 10), status="rejected", decided_on=d(2025, 7, 1))
    # Received in 2024, granted in 2025, certificate without purchase.
    app(
        received_on=d(2024, 12, 1),
        status="granted",
        decided_on=d(2025, 1, 5),
        loan_granted=Decimal("500000"),
        financing_certificate_on=d(2025, 1, 5),
    )
    # Decided in 2024: counts for 2024 only; its certificate too.
    app(
        received_on=d(2024, 3, 1),
        status="granted",
        decided_on=d(2024, 4, 1),
        loan_granted=Decimal("700000"),
        financing_certificate_on=d(2024, 4, 1),
        purchased_on=d(2024, 5, 1),
    )
    app(
        municipality=other_municipality,
        received_on=d(2025, 1, 1),
        status="granted",
        decided_on=d(2025, 2, 1),
        loan_granted=Decimal("9999999"),
        financing_certificate_on=d(2025, 2, 1),
        purchased_on=d(2025, 2, 2),
    )

    with CaptureQueriesContext(connection) as queries:
        figures = loan_figures(municipality.pk, 2025)
    assert len(queries.captured_queries) == 1
    assert figures == {"loan_applications": 4, "loans_granted": 3, "loan_amount_granted": 3_500_000}
    assert loan_figures(municipality.pk, 2024) == {
        "loan_applications": 2,
        "loans_granted": 1,
        "loan_amount_granted": 700_000,
    }
    assert loan_figures(municipality.pk, 2023)["loan_applications"] == 0


def _rows(table, bands, adults=("single_adult", "couple", "other_adult")):
    rows = [{"table": table, "member": m, "from_age": None, "to_age": None} for m in adults]
    return rows + [{"table": table, "member": "child", "from_age": lo, "to_age": hi} for lo, hi in bands]


@pytest.mark.parametrize(
    ("bands", "adults", "fragment"),
    [
        ([(0, 5), (6, 17)], ("single_adult", "couple", "other_adult"), None),
        ([(0, None)], ("single_adult", "couple", "other_adult"), None),
        ([(0, 5), (7, 17)], ("single_adult", "couple", "other_adult"), "må henge sammen fra 0 år (se 6 år)"),
        ([(0, 5), (4, 17)], ("single_adult", "couple", "other_adult"), "må henge sammen"),
        ([(0, 5), (6, 10)], ("single_adult", "couple", "other_adult"), "til og med 17 år"),
        (
            [(0, None), (6, 10)],
            ("single_adult", "couple", "other_adult"),
            "uten øvre grense må være den siste",
        ),
        ([(0, 17)], ("single_adult", "couple"), "«Annen voksen i husstanden» må stå nøyaktig én gang"),
    ],
)
def test_rate_table_rules(bands, adults, fragment):
    rows = _rows("guideline", bands, adults) + _rows("standard", [(0, 17)])
    errors = services.rate_table_errors(rows)
    if fragment is None:
        assert errors == []
    else:
        assert any(fragment in e for e in errors), errors
