"""The arrears cases as the one record of unpaid rent: opened from the list
or by hand, what the household and dwelling pages, the candidate list and
the dashboard read, the retired hand-registered rows carried over, every
opening of a case in the household's innsynslogg, and the eviction
prevention figures printed in the yearly report."""

from __future__ import annotations

import datetime
import importlib
import re
import subprocess
from decimal import Decimal

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from arrears import services
from arrears.importing import SourceFile, import_arrears
from arrears.models import ArrearsCase, ArrearsEvent, CloseReason, EventKind, PaymentAgreement, Stage
from housing_office.errors import DomainError
from housing_office.models import PersonalDataAccess

from . import factories

pytestmark = pytest.mark.django_db
D = datetime.date
DAY = datetime.timedelta(days=1)
HEADER = "dwelling_ref;household_ref;amount;oldest_due_date;as_of\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def tenancy(municipality):
    household = factories.household_with_members(municipality, reference="H-1", children=1)
    dwelling = factories.DwellingFactory(
        municipality=municipality, reference="B-1", acquired_on=D(2010, 1, 1)
    )
    return factories.tenancy_of(household, dwelling, D(2020, 1, 1))


# --- A case opened by hand ---------------------------------------------------------


def test_a_caseworker_opens_a_case_by_hand_from_the_dwelling(caseworker_client, caseworker_user, tenancy):
    today = timezone.localdate()
    page = caseworker_client.get(reverse("dwellings:dwelling-detail", args=[tenancy.dwelling_id]))
    url = reverse("arrears:case-open", args=[tenancy.pk])
    assert url in page.content.decode()
    assert caseworker_client.get(url).status_code == 200

    refused = caseworker_client.post(url, {"amount": "4750,00", "oldest_due_date": str(today + DAY)})
    assert refused.status_code == 400
    assert "Husleien har ikke forfalt ennå." in refused.content.decode()
    assert not ArrearsCase.all_objects.exists()

    response = caseworker_client.post(url, {"amount": "4750,00", "oldest_due_date": str(today - 5 * DAY)})
    case = ArrearsCase.all_objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "arrears:case-detail", args=[case.pk]
    )
    assert (case.amount, case.oldest_due_date, case.opened_on, case.stage, case.caseworker) == (
        Decimal("4750.00"),
        today - 5 * DAY,
        today,
        Stage.OPENED,
        caseworker_user,
    )
    [event] = case.events.all()
    assert (event.kind, event.recorded_by) == (EventKind.OPENED_BY_HAND, caseworker_user)

    again = caseworker_client.post(url, {"amount": "100", "oldest_due_date": str(today - 5 * DAY)})
    assert again.status_code == 400
    assert "Leieforholdet har allerede en åpen restansesak." in again.content.decode()


def test_a_case_opened_by_hand_follows_the_next_list(caseworker_user, tenancy):
    case = services.open_case(
        tenancy, by=caseworker_user, amount=Decimal("9500"), oldest_due_date=D(2025, 1, 1), on=D(2025, 1, 5)
    )
    # A list dated before the case was opened leaves it alone.
    import_arrears("3807", SourceFile("r1.csv", (HEADER + "B-1;H-1;9500;01.01.2025;03.01.2025\n").encode()))
    case.refresh_from_db()
    assert case.closed_on is None and case.as_of == D(2025, 1, 5)
    # The next list updates it; the one after, without it, closes it as paid.
    import_arrears("3807", SourceFile("r2.csv", (HEADER + "B-1;H-1;12000;01.01.2025;10.02.2025\n").encode()))
    case.refresh_from_db()
    assert (case.amount, case.as_of, case.closed_on) == (Decimal("12000.00"), D(2025, 2, 10), None)
    factories.tenancy_of(
        factories.household_with_members(tenancy.municipality, reference="H-2"),
        factories.DwellingFactory(municipality=tenancy.municipality, reference="B-2"),
        D(2020, 1, 1),
    )
    import_arrears("3807", SourceFile("r3.csv", (HEADER + "B-2;H-2;500;01.03.2025;10.03.2025\n").encode()))
    case.refresh_from_db()
    assert (case.closed_on, case.close_reason) == (D(2025, 3, 10), CloseReason.PAID)


def test_no_case_by_hand_for_an_ended_tenancy_or_before_it_began(caseworker_user, tenancy):
    with pytest.raises(DomainError, match="før leieforholdet startet"):
        services.open_case(
            tenancy, by=caseworker_user, amount=Decimal("1"), oldest_due_date=D(2019, 12, 1), on=D(2025, 1, 5)
        )
    tenancy.end_date, tenancy.end_reason = D(2024, 12, 31), "other"
    tenancy.save()
    with pytest.raises(DomainError, match="Leieforholdet er avsluttet"):
        services.open_case(
            tenancy, by=caseworker_user, amount=Decimal("1"), oldest_due_date=D(2024, 12, 1), on=D(2025, 1, 5)
        )


# --- What reads the cases --------------------------------------------------------------


def test_the_household_page_shows_its_cases_and_the_open_sum(caseworker_client, tenancy):
    open_case = factories.ArrearsCaseFactory(tenancy=tenancy, amount=Decimal("4500"))
    factories.RentArrearsFactory(tenancy=tenancy, amount=Decimal("777"))  # retired: not shown
    response = caseworker_client.get(reverse("tenants:household-detail", args=[tenancy.household_id]))
    html = response.content.decode()
    assert reverse("arrears:case-detail", args=[open_case.pk]) in html
    assert response.context["open_arrears_total"] == Decimal("4500")
    assert "777" not in html


def test_the_household_list_filter_reads_open_cases(caseworker_client, tenancy):
    url = reverse("tenants:household-list")
    assert caseworker_client.get(url, {"arrears": "yes"}).context["page"].object_list == []
    case = factories.ArrearsCaseFactory(tenancy=tenancy)
    listed = [h.reference for h in caseworker_client.get(url, {"arrears": "yes"}).context["page"].object_list]
    assert listed == ["H-1"]
    ArrearsCase.all_objects.filter(pk=case.pk).update(
        closed_on=D(2024, 2, 10), close_reason=CloseReason.PAID, stage=Stage.CLOSED
    )
    assert caseworker_client.get(url, {"arrears": "yes"}).context["page"].object_list == []


def test_unsettled_rent_arrears_are_carried_over_into_open_cases(municipality, tenancy):
    """Arrears migration 0003: the retired rows' unpaid rent becomes one open
    case per running tenancy, so nothing the office knew of is lost."""
    factories.RentArrearsFactory(tenancy=tenancy, amount=Decimal("1000"), due_date=D(2024, 3, 1))
    factories.RentArrearsFactory(tenancy=tenancy, amount=Decimal("500"), due_date=D(2024, 2, 1))
    factories.RentArrearsFactory(
        tenancy=tenancy, amount=Decimal("9"), due_date=D(2023, 2, 1), settled_on=D(2023, 3, 1)
    )
    ended = factories.TenancyFactory(
        household__municipality=municipality,
        start_date=D(2015, 1, 1),
        end_date=D(2019, 1, 1),
        end_reason="other",
    )
    factories.RentArrearsFactory(tenancy=ended, amount=Decimal("300"), due_date=D(2018, 1, 1))
    already = factories.TenancyFactory(household__municipality=municipality)
    factories.RentArrearsFactory(tenancy=already, amount=Decimal("200"))
    factories.ArrearsCaseFactory(tenancy=already, amount=Decimal("4000"))

    migration = importlib.import_module("arrears.migrations.0003_open_by_hand_and_carry_over_rent_arrears")
    migration.carry_over_rent_arrears(apps, None)

    case = ArrearsCase.all_objects.get(tenancy=tenancy)
    assert (case.amount, case.oldest_due_date, case.closed_on, case.stage) == (
        Decimal("1500.00"),
        D(2024, 2, 1),
        None,
        Stage.OPENED,
    )
    assert case.events.get().kind == EventKind.OPENED_BY_HAND
    assert not ArrearsCase.all_objects.filter(tenancy=ended).exists()
    assert ArrearsCase.all_objects.get(tenancy=already).amount == Decimal("4000")


# --- The innsynslogg ----------------------------------------------------------------


def test_opening_a_case_is_in_the_households_innsynslogg(
    caseworker_client, caseworker_user, leader_user, tenancy
):
    case = factories.ArrearsCaseFactory(tenancy=tenancy)
    assert caseworker_client.get(reverse("arrears:case-detail", args=[case.pk])).status_code == 200
    [access] = PersonalDataAccess.objects.all()
    assert (access.user, access.action, access.household_id) == (
        caseworker_user,
        PersonalDataAccess.Action.VIEW_ARREARS_CASE,
        tenancy.household_id,
    )
    assert "H-1" in access.object_repr
    leader = Client()
    leader.force_login(leader_user)
    csv = leader.get(reverse("tenants:household-access-log", args=[tenancy.household_id]))
    assert "Åpnet restansesak" in csv.content.decode("utf-8-sig")


def test_another_municipalitys_case_is_neither_shown_nor_logged(client, other_caseworker, tenancy):
    case = factories.ArrearsCaseFactory(tenancy=tenancy)
    client.force_login(other_caseworker)
    assert client.get(reverse("arrears:case-detail", args=[case.pk])).status_code == 404
    assert client.get(reverse("arrears:case-open", args=[tenancy.pk])).status_code == 404
    assert not PersonalDataAccess.objects.exists()


# --- The yearly report prints the eviction prevention figures -------------------------


def _row(text: str, label: str) -> list[str]:
    for line in text.splitlines():
        if line.strip().startswith(label):
            return re.findall(r"–|\d+", line.strip()[len(label) :])
    raise AssertionError(f"{label!r} not in the report")


def test_the_yearly_report_pdf_prints_the_prevention_figures(
    municipality, caseworker_user, tenancy, tmp_path
):
    from reports.yearly_report import render_yearly_report

    case = factories.ArrearsCaseFactory(
        tenancy=tenancy, opened_on=D(2025, 1, 10), as_of=D(2025, 1, 10), oldest_due_date=D(2025, 1, 1)
    )
    PaymentAgreement.all_objects.create(
        municipality=municipality, case=case, agreed_on=D(2025, 1, 12), amount_at_start=case.amount
    )
    for kind, day in (
        (EventKind.NOTICE_4_18, D(2025, 2, 1)),
        (EventKind.NAV_NOTICE, D(2025, 2, 2)),
        (EventKind.EVICTION_REQUESTED, D(2025, 3, 1)),
    ):
        ArrearsEvent.all_objects.create(municipality=municipality, case=case, kind=kind, date=day)
    # NAV paid the arrears after the request: an eviction avoided.
    ArrearsCase.all_objects.filter(pk=case.pk).update(
        closed_on=D(2025, 3, 20), close_reason=CloseReason.PAID, stage=Stage.CLOSED
    )

    path = tmp_path / "r.pdf"
    path.write_bytes(render_yearly_report(municipality, 2025))
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert "Husleierestanser, varsler og utkastelser" in text
    expected = {
        "Restansesaker åpnet": "1",
        "Betalingsavtaler inngått": "1",
        "Betalingsavtaler overholdt": "0",
        "Varsler til NAV (husleieloven § 9-11)": "1",
        "Begjæringer om fravikelse": "1",
        "Utkastelser gjennomført": "0",
        "Utkastelser unngått etter begjæring": "1",
        "Barn i husstander med restansesak": "1",
    }
    for label, value in expected.items():
        assert _row(text, label)[-1] == value, label
    assert _row(text, "Varsler etter tvangsfullbyrdelsesloven § 4-18")[-1] == "1"


# --- The case page shows the household around the arrears ---------------------------


def test_the_case_page_shows_pathway_start_loan_and_journal(caseworker_client, tenancy):
    household = tenancy.household
    household.pathway_stage = "guidance"
    household.save(update_fields=["pathway_stage"])
    factories.StartLoanApplicationFactory(household=household, status="in_review")
    factories.JournalNoteFactory(household=household, text="Ringte om husleien; lovet å betale fredag.")
    case = factories.ArrearsCaseFactory(tenancy=tenancy)
    html = caseworker_client.get(reverse("arrears:case-detail", args=[case.pk])).content.decode()
    assert 'Fase i løpet mot eie</dt><dd class="col-sm-7">Veiledning</dd>' in html
    assert "Under behandling" in html
    assert "Ringte om husleien; lovet å betale fredag." in html


# --- The worktray: a broken agreement comes up, list events are no contact ----------


def test_a_broken_agreement_rises_in_the_tray_and_the_list_is_no_contact(
    municipality, caseworker_user, tenancy
):
    from arrears.worktray import BROKEN_AGREEMENT_POINTS, score, worktray
    from housing_office.scoping import scope

    other = factories.tenancy_of(
        factories.household_with_members(municipality, reference="H-2", children=1),
        factories.DwellingFactory(municipality=municipality, reference="B-2"),
        D(2020, 1, 1),
    )
    jan = HEADER + "B-1;H-1;9500;01.01.2025;10.01.2025\nB-2;H-2;9500;01.01.2025;10.01.2025\n"
    import_arrears("3807", SourceFile("jan.csv", jan.encode()))
    case = ArrearsCase.all_objects.get(tenancy=other)
    services.make_agreement(case, by=caseworker_user, on=D(2025, 1, 12), instalments=[(D(2025, 2, 1), 5000)])
    feb = jan.replace("10.01.2025", "10.02.2025")
    import_arrears("3807", SourceFile("feb.csv", feb.encode()))

    with scope(municipality):
        first, second = worktray(D(2025, 2, 12))
    assert (first.case.tenancy, first.broken, second.broken) == (other, True, False)
    # The agreement is the last contact; the list's flag of 10.02 is not one.
    assert first.last_contact == D(2025, 1, 12)
    assert second.last_contact is None
    assert (
        score(first.case, 2, 1, 31, None, True) - score(first.case, 2, 1, 31, None) == BROKEN_AGREEMENT_POINTS
    )


def test_the_dashboard_export_carries_the_prevention_figures(leader_client, municipality, tenancy):
    import csv
    import io

    today = timezone.localdate()
    case = factories.ArrearsCaseFactory(
        tenancy=tenancy, opened_on=today, as_of=today, oldest_due_date=today - 20 * DAY, stage_on=today
    )
    ArrearsEvent.all_objects.create(
        municipality=municipality, case=case, kind=EventKind.NAV_NOTICE, date=today
    )
    response = leader_client.get(reverse("reports:dashboard-export", args=["csv"]))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8").lstrip("\ufeff")), delimiter=";"))
    assert ["Tall", "Nøkkel", str(today.year), str(today.year - 1)] in rows
    assert ["Varsler til NAV (husleieloven § 9-11)", "nav_notices", "1", "0"] in rows
    assert ["Restansesaker åpnet", "arrears_cases_opened", "1", "0"] in rows
    assert ["Åpne husleierestanser", "1"] in rows


def test_while_an_agreement_is_kept_its_next_instalment_is_the_deadline(
    municipality, caseworker_user, tenancy
):
    jan = HEADER + "B-1;H-1;9500;01.01.2025;10.01.2025\n"
    import_arrears("3807", SourceFile("jan.csv", jan.encode()))
    case = ArrearsCase.all_objects.get(tenancy=tenancy)
    services.make_agreement(
        case,
        by=caseworker_user,
        on=D(2025, 1, 12),
        instalments=[(D(2025, 2, 1), 3000), (D(2025, 3, 1), 3000)],
    )
    case.refresh_from_db()
    assert services.next_deadline(case, today=D(2025, 1, 20)) == ("Neste avdrag forfaller", D(2025, 2, 1))
    assert services.next_deadline(case, today=D(2025, 2, 2)) == ("Neste avdrag forfaller", D(2025, 3, 1))
    # The February list shows the first instalment unpaid: now the § 4-18 notice may come.
    import_arrears("3807", SourceFile("feb.csv", jan.replace("10.01.2025", "10.02.2025").encode()))
    case.refresh_from_db()
    assert services.next_deadline(case, today=D(2025, 2, 12)) == (
        "Varsel etter § 4-18 tidligst",
        D(2025, 1, 2),
    )


def test_the_history_writes_amounts_the_norwegian_way(municipality, caseworker_user, tenancy):
    jan = HEADER + "B-1;H-1;22050;01.01.2025;10.01.2025\n"
    import_arrears("3807", SourceFile("jan.csv", jan.encode()))
    case = ArrearsCase.all_objects.get(tenancy=tenancy)
    assert case.events.get(kind=EventKind.OPENED).note == "22\u00a0050,00 kr, eldste forfall 01.01.2025"
    services.make_agreement(case, by=caseworker_user, on=D(2025, 1, 12), instalments=[(D(2025, 2, 1), 5000)])
    import_arrears("3807", SourceFile("feb.csv", jan.replace("10.01.2025", "10.02.2025").encode()))
    missed = case.events.get(kind=EventKind.INSTALMENT_MISSED).note
    assert missed == "Restanse 22\u00a0050,00 kr, skulle vært høyst 17\u00a0050,00 kr"
