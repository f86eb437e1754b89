"""Rent arrears casework: the import of the finance system's list, the
deadline rules, the NAV reservation, scoping, the worktray and the figures."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from arrears import rules, services
from arrears.figures import arrears_figures, prevention_rows
from arrears.importing import SourceFile, import_arrears
from arrears.models import ArrearsCase, ArrearsEvent, ArrearsImport, CloseReason, EventKind, Stage
from housing_office.errors import DomainError

from . import factories

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def register(municipality):
    """Two running tenancies, one with two children."""
    h1 = factories.household_with_members(municipality, reference="H-1", children=2)
    h2 = factories.household_with_members(municipality, reference="H-2")
    d1 = factories.DwellingFactory(municipality=municipality, reference="B-1")
    d2 = factories.DwellingFactory(municipality=municipality, reference="B-2")
    t1 = factories.tenancy_of(h1, d1, D(2020, 1, 1))
    t2 = factories.tenancy_of(h2, d2, D(2021, 1, 1))
    return t1, t2


def src(text: str, name: str = "restanser.csv", bom: bool = False) -> SourceFile:
    data = text.encode("utf-8")
    return SourceFile(name, (b"\xef\xbb\xbf" if bom else b"") + data)


JAN = (
    "dwelling_ref,household_ref,amount,oldest_due_date,as_of\n"
    "B-1,H-1,9500.00,2025-01-01,2025-01-10\n"
    "B-2,H-2,4000,2025-01-01,2025-01-10\n"
)


def test_import_opens_cases_and_reimport_changes_nothing(municipality, register):
    report = import_arrears("3807", src(JAN))
    assert report.ok and report.opened == 2
    case = ArrearsCase.all_objects.get(tenancy=register[0])
    assert (case.opened_on, case.amount, case.stage) == (D(2025, 1, 10), Decimal("9500.00"), Stage.OPENED)
    before = list(ArrearsCase.all_objects.values())
    events = ArrearsEvent.all_objects.count()
    again = import_arrears("3807", src(JAN))
    assert again.ok and again.already_imported and (again.opened, again.updated) == (0, 0)
    assert list(ArrearsCase.all_objects.values()) == before
    assert ArrearsEvent.all_objects.count() == events
    assert ArrearsImport.all_objects.count() == 1


def test_a_case_closes_itself_as_paid_on_the_later_list_date(municipality, register):
    import_arrears("3807", src(JAN))
    feb = "dwelling_ref;household_ref;amount;oldest_due_date;as_of\nB-1;H-1;19 000,50;01.01.2025;10.02.2025\n"
    report = import_arrears("3807", src(feb, bom=True))
    assert report.ok and (report.updated, report.closed) == (1, 1)
    paid = ArrearsCase.all_objects.get(tenancy=register[1])
    assert (paid.closed_on, paid.close_reason, paid.stage) == (D(2025, 2, 10), CloseReason.PAID, Stage.CLOSED)
    open_case = ArrearsCase.all_objects.get(tenancy=register[0])
    assert open_case.amount == Decimal("19000.50") and open_case.as_of == D(2025, 2, 10)


def test_an_older_file_is_refused(municipality, register):
    import_arrears("3807", src(JAN.replace("2025-01-10", "2025-02-10")))
    report = import_arrears("3807", src(JAN, name="jan.csv"))
    assert not report.ok
    assert str(report.errors[0]).startswith("jan.csv:2: listen er per 10.01.2025")
    assert ArrearsImport.all_objects.count() == 1


def test_bad_rows_are_listed_with_file_and_line_and_nothing_is_written(municipality, register):
    text = (
        "as_of,amount,household_ref,dwelling_ref,oldest_due_date\n"
        "2025-01-10,0,H-1,B-1,2025-01-01\n"
        "2025-01-10,100,H-2,B-1,2025-01-01\n"
        "2025-01-11,100,H-2,B-2,2025-01-01\n"
        "2025-01-10,tusen,H-2,B-2,2025-01-01\n"
        "2025-01-10,100,H-9,B-2,2025-01-01\n"
    )
    out = import_arrears("3807", src(text, name="liste.csv"))
    lines = [str(e) for e in out.errors]
    assert lines[0] == "liste.csv:2: beløpet må være større enn null (0)."
    assert any(
        line.startswith("liste.csv:3: husstanden «H-2» har ikke et løpende leieforhold") for line in lines
    )
    assert any(line.startswith("liste.csv:4: per-datoen 11.01.2025") for line in lines)
    assert any(line.startswith("liste.csv:5: «tusen» er ikke et tall") for line in lines)
    assert any(line.startswith("liste.csv:6: husstanden «H-9» finnes ikke") for line in lines)
    assert ArrearsCase.all_objects.count() == 0


def test_the_command_exits_1_with_file_line_messages(municipality, register, tmp_path, capsys):
    path = tmp_path / "r.csv"
    path.write_text(
        "dwelling_ref,household_ref,amount,oldest_due_date,as_of\nB-1,H-1,-5,2025-01-01,2025-01-10\n"
    )
    with pytest.raises(SystemExit) as exit_info:
        call_command("import_arrears", "--municipality", "3807", "--file", str(path))
    assert exit_info.value.code == 1
    assert f"{path}:2: beløpet må være større enn null" in capsys.readouterr().err
    path.write_text(JAN)
    call_command("import_arrears", "--municipality", "3807", "--file", str(path), "--dry-run")
    assert ArrearsCase.all_objects.count() == 0
    call_command("import_arrears", "--municipality", "3807", "--file", str(path))
    assert ArrearsCase.all_objects.count() == 2


def test_a_missed_instalment_is_flagged_by_the_next_list(municipality, register, caseworker_user):
    import_arrears("3807", src(JAN))
    case = ArrearsCase.all_objects.get(tenancy=register[0])
    services.make_agreement(
        case, by=caseworker_user, on=D(2025, 1, 12), instalments=[(D(2025, 2, 1), Decimal("2000"))]
    )
    # 9500 - 2000 due = 7500 at most; the February list shows 8000.
    import_arrears(
        "3807",
        src("dwelling_ref,household_ref,amount,oldest_due_date,as_of\nB-1,H-1,8000,2025-01-01,2025-02-10\n"),
    )
    agreement = case.agreements.get()
    assert agreement.missed_on == D(2025, 2, 10)
    assert case.events.filter(kind=EventKind.INSTALMENT_MISSED).count() == 1


# --- The rules -------------------------------------------------------------------


def test_no_notice_4_18_before_the_rent_is_due():
    assert rules.check_notice_4_18(sent_on=D(2025, 1, 1), oldest_due_date=D(2025, 1, 1)) is not None
    assert rules.check_notice_4_18(sent_on=D(2025, 1, 2), oldest_due_date=D(2025, 1, 1)) is None
    refusal = rules.check_notice_4_18(sent_on=D(2024, 12, 20), oldest_due_date=D(2025, 1, 1))
    assert "før husleien har forfalt" in refusal.message and "02.01.2025" in refusal.message


def test_no_eviction_request_within_14_days_of_receipt():
    kw = {"notice_sent_on": D(2025, 2, 1), "notice_received_on": D(2025, 2, 3), "nav_notice_on": None}
    assert rules.check_eviction_request(requested_on=D(2025, 2, 17), **kw) is not None
    assert rules.check_eviction_request(requested_on=D(2025, 2, 18), **kw) is None


def test_without_recorded_receipt_the_days_of_post_count():
    kw = {"notice_sent_on": D(2025, 2, 1), "notice_received_on": None, "nav_notice_on": None}
    # Assumed received 8 February (seven days of post); 14 days from the day after.
    assert rules.check_eviction_request(requested_on=D(2025, 2, 22), **kw) is not None
    assert rules.check_eviction_request(requested_on=D(2025, 2, 23), **kw) is None


def test_no_eviction_request_within_two_weeks_of_a_nav_notice():
    kw = {
        "notice_sent_on": D(2025, 2, 1),
        "notice_received_on": D(2025, 2, 2),
        "nav_notice_on": D(2025, 2, 20),
    }
    refusal = rules.check_eviction_request(requested_on=D(2025, 3, 5), **kw)
    assert refusal is not None and "husleieloven § 9-11" in refusal.message
    assert rules.check_eviction_request(requested_on=D(2025, 3, 6), **kw) is None


def test_no_eviction_request_without_a_notice():
    refusal = rules.check_eviction_request(
        requested_on=D(2025, 3, 1), notice_sent_on=None, notice_received_on=None, nav_notice_on=None
    )
    assert "§ 4-18" in refusal.message


def test_the_services_enforce_the_deadlines(municipality, register, caseworker_user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    import_arrears("3807", src(JAN))
    case = ArrearsCase.all_objects.get(tenancy=register[0])
    with pytest.raises(DomainError, match="før husleien har forfalt"):
        services.send_notice_4_18(case, by=caseworker_user, on=D(2024, 12, 31))
    services.send_notice_4_18(case, by=caseworker_user, on=D(2025, 1, 15))
    services.record_notice_received(case, by=caseworker_user, received_on=D(2025, 1, 17))
    with pytest.raises(DomainError, match="tidligst begjæres 01.02.2025"):
        services.request_eviction(
            case, by=caseworker_user, bailiff="Namsfogden i Telemark", on=D(2025, 1, 31)
        )
    services.send_nav_notice(
        case,
        by=caseworker_user,
        nav_office="NAV Skien",
        nav_address="Postboks 2000",
        nav_postal="3702 Skien",
        on=D(2025, 1, 25),
    )
    with pytest.raises(DomainError, match="to uker"):
        services.request_eviction(case, by=caseworker_user, bailiff="Namsfogden i Telemark", on=D(2025, 2, 7))
    services.request_eviction(case, by=caseworker_user, bailiff="Namsfogden i Telemark", on=D(2025, 2, 8))
    case.refresh_from_db()
    assert case.stage == Stage.EVICTION_REQUESTED


def test_no_nav_notice_when_the_tenant_has_reserved(
    municipality, register, caseworker_user, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    import_arrears("3807", src(JAN))
    case = ArrearsCase.all_objects.get(tenancy=register[0])
    services.record_reservation(case, by=caseworker_user, received_on=D(2025, 1, 11))
    with pytest.raises(DomainError, match="reservert seg skriftlig"):
        services.send_nav_notice(
            case,
            by=caseworker_user,
            nav_office="NAV Skien",
            nav_address="Postboks 2000",
            nav_postal="3702 Skien",
            on=D(2025, 1, 20),
        )
    services.withdraw_reservation(case, by=caseworker_user, on=D(2025, 1, 21))
    services.send_nav_notice(
        case,
        by=caseworker_user,
        nav_office="NAV Skien",
        nav_address="Postboks 2000",
        nav_postal="3702 Skien",
        on=D(2025, 1, 22),
    )
    assert case.events.filter(kind=EventKind.NAV_NOTICE).count() == 1


# --- Pages -----------------------------------------------------------------------


def test_another_municipalitys_case_is_404(client, municipality, register, other_caseworker):
    import_arrears("3807", src(JAN))
    case = ArrearsCase.all_objects.first()
    client.force_login(other_caseworker)
    assert client.get(reverse("arrears:case-detail", args=[case.pk])).status_code == 404
    assert (
        client.post(reverse("arrears:case-step", args=[case.pk, "kontakt"]), {"note": "x"}).status_code == 404
    )
    assert client.get(reverse("arrears:case-list")).content.count(b"H-1") == 0


def test_case_page_and_a_refused_step(caseworker_client, municipality, register):
    import_arrears("3807", src(JAN))
    case = ArrearsCase.all_objects.get(tenancy=register[0])
    page = caseworker_client.get(reverse("arrears:case-detail", args=[case.pk]))
    assert page.status_code == 200 and "Fase i løpet mot eie" in page.content.decode()
    refused = caseworker_client.post(
        reverse("arrears:case-step", args=[case.pk, "begjaering"]),
        {"bailiff": "Namsfogden", "date": "2025-02-01"},
    )
    assert refused.status_code == 400 and "§ 4-18" in refused.content.decode()


def test_the_worktray_ranks_and_keeps_its_query_count(
    caseworker_client, municipality, register, django_assert_max_num_queries
):
    import_arrears("3807", src(JAN))
    url = reverse("arrears:case-list")
    with django_assert_max_num_queries(25) as few:
        first = caseworker_client.get(url)
    small = len(few.captured_queries)
    for n in range(3, 13):
        household = factories.household_with_members(municipality, reference=f"H-{n}", children=n % 3)
        dwelling = factories.DwellingFactory(municipality=municipality, reference=f"B-{n}")
        tenancy = factories.tenancy_of(household, dwelling, D(2022, 1, 1))
        factories.JournalNoteFactory(household=household)
        ArrearsCase.all_objects.create(
            municipality=municipality,
            tenancy=tenancy,
            opened_on=D(2025, 1, 10),
            amount=Decimal(n * 1000),
            oldest_due_date=D(2024, 12, 1),
            as_of=D(2025, 1, 10),
            stage_on=D(2025, 1, 10),
        )
    with django_assert_max_num_queries(small):
        caseworker_client.get(url)
    text = first.content.decode()
    # H-1 (9 500 kr, two children) ranks above H-2 (4 000 kr).
    assert text.index("H-1") < text.index("H-2")


# --- Figures ---------------------------------------------------------------------


def test_figures_match_hand_counts(municipality, register, caseworker_user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    import_arrears("3807", src(JAN))
    case = ArrearsCase.all_objects.get(tenancy=register[0])
    services.make_agreement(
        case, by=caseworker_user, on=D(2025, 1, 12), instalments=[(D(2025, 3, 1), Decimal("100"))]
    )
    services.send_notice_4_18(case, by=caseworker_user, on=D(2025, 1, 15))
    services.request_eviction(case, by=caseworker_user, bailiff="Namsfogden", on=D(2025, 2, 20))
    services.close_case(
        case, by=caseworker_user, on=D(2025, 3, 1), reason=CloseReason.PAID, note="Betalt etter begjæring"
    )
    # The February list names H-1 only (its case was open that day): H-2 paid.
    import_arrears(
        "3807",
        src("dwelling_ref,household_ref,amount,oldest_due_date,as_of\nB-1,H-1,9500,2025-01-01,2025-02-10\n"),
    )
    figures = arrears_figures(municipality.pk, 2025)
    assert figures == {
        "arrears_cases_opened": 2,
        "arrears_cases_closed": 2,
        "payment_agreements_made": 1,
        "payment_agreements_kept": 0,
        "notices_4_18": 1,
        "nav_notices": 0,
        "eviction_requests": 1,
        "evictions_carried_out": 0,
        "evictions_avoided": 1,
        "children_affected": 2,
    }
    assert arrears_figures(municipality.pk, 2024)["arrears_cases_opened"] == 0
    # The dashboard's and the yearly report's rows: the same figures for
    # any number of years in the same four queries.
    with CaptureQueriesContext(connection) as one_year:
        prevention_rows(municipality.pk, [2025])
    with CaptureQueriesContext(connection) as three_years:
        rows = prevention_rows(municipality.pk, [2024, 2025, 2026])
    assert len(one_year) == len(three_years) == 4
    by_key = {row["key"]: row["values"] for row in rows}
    assert by_key["evictions_avoided"] == [0, 1, 0]
    assert by_key["children_affected"] == [0, 2, 0]
    assert {key: values[1] for key, values in by_key.items()} == {
        key: value for key, value in figures.items() if key in by_key
    }


def test_the_throughput_report_carries_the_four_arrears_keys(municipality, register, caseworker_user):
    from reports.throughput import throughput_figures

    import_arrears("3807", src(JAN))
    case = ArrearsCase.all_objects.get(tenancy=register[0])
    services.send_notice_4_18(case, by=caseworker_user, on=D(2025, 1, 15))
    services.request_eviction(case, by=caseworker_user, bailiff="Namsfogden", on=D(2025, 2, 20))
    services.record_eviction(case, by=caseworker_user, on=D(2025, 4, 2))
    figures = throughput_figures(municipality, 2025)
    assert {k: figures[k] for k in figures if k.startswith(("arrears", "evict"))} == {
        "arrears_cases_opened": 2,
        "arrears_cases_closed": 1,
        "eviction_requests": 1,
        "evictions_carried_out": 1,
    }
