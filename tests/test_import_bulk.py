"""The register import at size: all or nothing in a big file, a re-import
that writes nothing, updates of only the rows that changed, and a cost in
statements that does not grow with the rows (never times: see bench/import_bench.py)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from dwellings.models import Dwelling, Tenancy
from register_import import write as import_write
from register_import.parse import SourceFile
from register_import.services import import_register
from tenants.models import Household, Person
from tenants.services import search_text_from

pytestmark = pytest.mark.django_db

HEADERS = (
    "dwelling_ref;address;postal_code;postal_place;rooms;area_m2;category",
    "household_ref;first_name;last_name;adults;children",
    "household_ref;dwelling_ref;start_date;end_date;end_reason;monthly_rent",
)


def register_rows(n: int) -> tuple[list[str], list[str], list[str]]:
    dwellings, households, tenancies = [HEADERS[0]], [HEADERS[1]], [HEADERS[2]]
    for i in range(n):
        dwellings.append(f"B-{i};Gata {i};3716;SKIEN;3;60,5;{'care' if i % 7 == 0 else 'general'}")
        households.append(f"H-{i};Navn{i};Etternavn{i};{1 + i % 2};{i % 3}")
        end = "2020-06-30;bought_own_home" if i % 2 else ";"
        tenancies.append(f"H-{i};B-{i};2015-01-01;{end};9500,00")
    return dwellings, households, tenancies


def sources(dwellings: list[str], households: list[str], tenancies: list[str]) -> dict[str, SourceFile]:
    return {
        kind: SourceFile(name, ("\n".join(rows) + "\n").encode())
        for kind, name, rows in (
            ("dwellings", "boliger.csv", dwellings),
            ("households", "husstander.csv", households),
            ("tenancies", "leieforhold.csv", tenancies),
        )
    }


def register(n: int) -> dict[str, SourceFile]:
    return sources(*register_rows(n))


def state() -> tuple:
    return tuple(
        list(model.all_objects.order_by("pk").values()) for model in (Dwelling, Household, Person, Tenancy)
    )


def writes(captured: CaptureQueriesContext) -> list[str]:
    return [
        q["sql"]
        for q in captured.captured_queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE", "COPY"))
    ]


def test_a_bad_row_in_the_middle_of_a_big_file_writes_nothing(municipality):
    assert import_register("3807", **register(300)).ok
    before, entries = state(), LogEntry.objects.count()
    dwellings, households, tenancies = register_rows(3000)
    tenancies[1500] = tenancies[1500].replace("2015-01-01", "2015-02-30")  # line 1501
    report = import_register("3807", **sources(dwellings, households, tenancies))
    assert [str(e) for e in report.errors] == [
        "leieforhold.csv:1501: «start_date»: datoen «2015-02-30» finnes ikke"
    ]
    assert not report.written
    assert state() == before and LogEntry.objects.count() == entries


def test_a_failure_while_writing_leaves_nothing_behind(municipality, monkeypatch):
    """The dwellings and households are in by the time the tenancies fail:
    the transaction takes them back out."""
    before = state()

    def broken(self, *args):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(import_write.Writer, "tenancies", broken)
    with pytest.raises(RuntimeError):
        import_register("3807", **register(2000))
    assert state() == before


def test_reimport_writes_nothing(municipality):
    assert import_register("3807", **register(1000)).ok
    before, entries = state(), LogEntry.objects.count()
    with CaptureQueriesContext(connection) as captured:
        report = import_register("3807", **register(1000))
    assert {kind: c.as_dict() for kind, c in report.counts.items()} == {
        kind: {"created": 0, "updated": 0, "unchanged": 1000}
        for kind in ("dwellings", "households", "tenancies")
    }
    assert writes(captured) == []
    assert state() == before and LogEntry.objects.count() == entries


def test_only_the_rows_that_changed_are_updated(municipality):
    assert import_register("3807", **register(1000)).ok
    dwellings, households, tenancies = register_rows(1000)
    dwellings[11] = dwellings[11].replace("Gata 10;", "Nygata 10;")
    tenancies[21] = tenancies[21].replace("9500,00", "9600,00")  # a running one
    tenancies[22] = tenancies[22].replace("9500,00", "9700,00")  # an ended tenancy
    before = {model: dict(model.all_objects.values_list("pk", "updated_at")) for model in (Dwelling, Tenancy)}
    report = import_register("3807", **sources(dwellings, households, tenancies))
    assert report.counts["dwellings"].as_dict() == {"created": 0, "updated": 1, "unchanged": 999}
    assert report.counts["tenancies"].as_dict() == {"created": 0, "updated": 2, "unchanged": 998}
    assert report.counts["households"].as_dict() == {"created": 0, "updated": 0, "unchanged": 1000}
    moved = {
        model: {pk for pk, at in model.all_objects.values_list("pk", "updated_at") if at != before[model][pk]}
        for model in before
    }
    assert moved[Dwelling] == {Dwelling.all_objects.get(reference="B-10").pk}
    assert moved[Tenancy] == set(
        Tenancy.all_objects.filter(household__reference__in=["H-20", "H-21"]).values_list("pk", flat=True)
    )
    rents = dict(Tenancy.all_objects.values_list("household__reference", "monthly_rent"))
    assert (rents["H-20"], rents["H-21"], rents["H-22"]) == (
        Decimal("9600"),
        Decimal("9700"),
        Decimal("9500"),
    )
    assert Dwelling.all_objects.get(reference="B-10").address == "Nygata 10"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY and UPDATE … FROM are PostgreSQL's")
def test_statements_do_not_grow_with_the_rows_written(monkeypatch):
    """One COPY per table for new rows, one UPDATE per table for changed ones,
    whatever the batch size: the same statements for 300 rows as for 3,000."""
    monkeypatch.setattr(import_write, "BATCH_SIZE", 100)

    def queries(n: int, number: str) -> tuple[int, int]:
        with CaptureQueriesContext(connection) as first:
            assert import_register(number, **register(n)).ok
        dwellings, households, tenancies = register_rows(n)
        changed = [row.replace("9500,00", "9900,00") for row in tenancies[1:]]
        with CaptureQueriesContext(connection) as again:
            assert import_register(number, **sources(dwellings, households, [tenancies[0], *changed])).ok
        assert Tenancy.all_objects.filter(municipality__number=number, monthly_rent=9900).count() == n
        return len(first), len(again)

    # The first import in a process looks the audit log's content type up
    # once (Django keeps it): not a statement of the rows.
    assert import_register("0301", **register(10)).ok
    assert queries(300, "3807") == queries(3000, "4601")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SET CONSTRAINTS is PostgreSQL's")
def test_foreign_keys_are_deferred_again_after_the_import():
    """The writer checks keys as rows go in; the transaction it ran in
    defers them again afterwards, as Django expects."""
    with transaction.atomic():
        assert import_register("3807", **register(10)).ok
        # Would raise at once if the checks were still immediate.
        Person.all_objects.create(household_id=10**12, role="child")
        with pytest.raises(IntegrityError):
            connection.check_constraints()
        transaction.set_rollback(True)


@pytest.mark.parametrize(
    "parts",
    [
        ("H-1", "Øvre Slottsgate 2", "OSLO", "Åse", "Ødegård"),
        ("h-aa", "Aaseveien 1a", "aa", "a", "e"),  # «a» and «e» on either side of a space stay apart
        ("X", "", "", "", ""),
        ("X", " ", "\u00a0", "  ", "\u0301"),  # blanks and a lone combining accent
        ("Ref É", "Crème brûlée vei", "Tromsø", "Ærlig", "Straße"),
        ("R", "Oestre gate", "Aasen", "Hoel", "Haaland"),
    ],
)
def test_search_text_is_the_one_tenants_make(parts):
    reference, address, place, first, last = parts
    assert import_write._search_text_maker()(*parts) == search_text_from(
        reference, address, place, [(first, last)]
    )


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the register is read alongside on PostgreSQL only"
)
@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_register_is_read_while_the_files_are(monkeypatch):
    """The command's and the job's case: no transaction open, so the register
    is read on a connection of its own in a thread, and the comparison is
    the same as when read afterwards."""
    import threading

    from register_import import plan

    readers: list[str] = []
    load = plan.load_existing

    def recording(municipality):
        readers.append(threading.current_thread().name)
        return load(municipality)

    monkeypatch.setattr(plan, "load_existing", recording)
    assert import_register("3807", **register(200)).ok
    dwellings, households, tenancies = register_rows(200)
    tenancies[5] = tenancies[5].replace("9500,00", "9600,00")
    report = import_register("3807", **sources(dwellings, households, tenancies))
    # The first import made the municipality: it had no register to read.
    assert readers == ["MainThread", "register-import-load"]
    assert report.counts["tenancies"].as_dict() == {"created": 0, "updated": 1, "unchanged": 199}
    assert report.counts["households"].as_dict() == {"created": 0, "updated": 0, "unchanged": 200}


def test_a_renamed_main_person_and_more_children_are_written(municipality):
    assert import_register("3807", **register(50)).ok
    dwellings, households, tenancies = register_rows(50)
    households[8] = "H-7;Nytt;Navn;2;5"  # was Navn7;Etternavn7;2;1
    report = import_register("3807", **sources(dwellings, households, tenancies))
    assert report.counts["households"].as_dict() == {"created": 0, "updated": 1, "unchanged": 49}
    h7 = Household.all_objects.get(reference="H-7")
    assert h7.members.get(role="main").first_name == "Nytt"
    assert h7.members.filter(role="child").count() == 5
    assert "nytt navn" in h7.search_text
    assert (
        import_register("3807", **sources(dwellings, households, tenancies)).counts["households"].updated == 0
    )
