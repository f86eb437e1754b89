"""Register import (the import contract in README.md): formats, all-or-nothing errors, re-import, bulk."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dwellings.models import Dwelling, DwellingCategory, EndReason, Ownership, Tenancy
from housing_office.models import Municipality
from register_import import parse
from register_import import write as import_write
from register_import.parse import SourceFile, parse_date, parse_decimal, sniff_separator
from register_import.services import import_register
from tenants.models import Household, Person, PersonRole
from tenants.services import search_text_for

from . import factories

pytestmark = pytest.mark.django_db

BOM = "\ufeff"
FNR = "01018012371"

NORWEGIAN_DWELLINGS = (
    BOM + "dwelling_ref;address;postal_code;postal_place;rooms;area_m2;category;"
    "wheelchair_accessible;acquired_on;disposed_on\n"
    "B-1;Kirkegata 1;3716;SKIEN;3;62,5;general;ja;01.02.2010;\n"
    "B-2;Øvre Storgate 2;0150;OSLO;2;45,25;care;nei;;\n"
    "B-3;Kongens gate 3;3717;SKIEN;4;101;emergency;Ja;2005-06-07;31.12.2024\n"
)
NORWEGIAN_HOUSEHOLDS = (
    BOM + "household_ref;first_name;last_name;national_id;adults;children;address;postal_code;"
    "postal_place;phone;email\n"
    f"H-1;Åse;Ødegård;{FNR};2;2;Kirkegata 1;3716;SKIEN;35 00 00 00;ase@example.no\n"
    "H-2;Per;Hansen;;1;0;;;;;\n"
)
NORWEGIAN_TENANCIES = (
    BOM + "household_ref;dwelling_ref;start_date;end_date;end_reason;monthly_rent\n"
    "H-1;B-1;15.01.2015;31.12.2020;bought_own_home;9 500,50\n"
    "H-2;B-1;01.01.2021;;;8500\n"
    "H-1;B-2;2021-02-01;;;7.250,00\n"
)


def files(dwellings: str, households: str, tenancies: str) -> dict[str, SourceFile]:
    return {
        "dwellings": SourceFile("boliger.csv", dwellings.encode("utf-8")),
        "households": SourceFile("husstander.csv", households.encode("utf-8")),
        "tenancies": SourceFile("leieforhold.csv", tenancies.encode("utf-8")),
    }


def norwegian() -> dict[str, SourceFile]:
    return files(NORWEGIAN_DWELLINGS, NORWEGIAN_HOUSEHOLDS, NORWEGIAN_TENANCIES)


def write(tmp_path, sources: dict[str, SourceFile]) -> list[str]:
    args = []
    for kind, source in sources.items():
        path = tmp_path / source.name
        path.write_bytes(source.data)
        args += [f"--{kind}", str(path)]
    return args


def run_command(tmp_path, sources, *extra: str, number: str = "4601") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    args = ["import_register", "--municipality", number, *write(tmp_path, sources), *extra]
    try:
        call_command(*args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue().replace(f"{tmp_path}/", "")


def state() -> tuple:
    """Everything an import may touch, to see that nothing changed."""
    return (
        list(Municipality.objects.values_list("number", flat=True)),
        list(Dwelling.all_objects.order_by("pk").values()),
        list(Household.all_objects.order_by("pk").values()),
        list(Person.all_objects.order_by("pk").values()),
        list(Tenancy.all_objects.order_by("pk").values()),
    )


# -- values -----------------------------------------------------------------


def test_value_parsers():
    assert parse_date("2020-01-31") == datetime.date(2020, 1, 31)
    assert parse_date("31.01.2020") == datetime.date(2020, 1, 31)
    assert parse_date("1.2.2020") == datetime.date(2020, 2, 1)
    assert parse_decimal("9 500,50") == Decimal("9500.50")
    assert parse_decimal("9.500,50") == Decimal("9500.50")
    assert parse_decimal("9500.5") == Decimal("9500.5")
    assert parse_decimal("kr 9\u00a0500") == Decimal("9500")
    assert sniff_separator("a;b;c") == ";"
    assert sniff_separator("a,b,c") == ","
    for bad in ("2020-02-30", "31/01/2020", "i går"):
        with pytest.raises(parse.CellError):
            parse_date(bad)
    assert parse.parse_postal_code("150") == "0150"
    # Arabic-Indic digits are digits to str.isdigit(), not to a post office.
    for bad in ("\u0663\u0667\u0661\u0667", "\u0661\u0665\u0660"):
        with pytest.raises(parse.CellError, match="fire siffer"):
            parse.parse_postal_code(bad)


# -- a Norwegian spreadsheet export ----------------------------------------


def test_norwegian_export_imports(tmp_path):
    code, out, err = run_command(tmp_path, norwegian(), "--name", "Kinn")
    assert (code, err) == (0, "")
    assert "Boliger: 3 nye, 0 endret, 0 uendret" in out
    assert "Husstander: 2 nye, 0 endret, 0 uendret" in out
    assert "Leieforhold: 3 nye, 0 endret, 0 uendret" in out
    municipality = Municipality.objects.get(number="4601")
    assert municipality.name == "Kinn"

    b1 = Dwelling.all_objects.get(reference="B-1")
    assert b1.municipality == municipality
    assert (b1.rooms, b1.area_m2, b1.wheelchair_accessible) == (3, Decimal("62.5"), True)
    assert b1.acquired_on == datetime.date(2010, 2, 1) and b1.disposed_on is None
    assert b1.category == DwellingCategory.GENERAL and b1.ownership == Ownership.OWNED
    b2 = Dwelling.all_objects.get(reference="B-2")
    assert (b2.postal_code, b2.area_m2, b2.category) == ("0150", Decimal("45.3"), DwellingCategory.CARE)
    assert Dwelling.all_objects.get(reference="B-3").disposed_on == datetime.date(2024, 12, 31)

    h1 = Household.all_objects.get(reference="H-1")
    assert (h1.phone, h1.email, h1.postal_place) == ("35 00 00 00", "ase@example.no", "SKIEN")
    members = list(h1.members.order_by("pk").values_list("role", "first_name", "last_name", "national_id"))
    assert members == [
        (PersonRole.MAIN, "Åse", "Ødegård", FNR),
        (PersonRole.ADULT, "", "", ""),
        (PersonRole.CHILD, "", "", ""),
        (PersonRole.CHILD, "", "", ""),
    ]
    assert h1.search_text == search_text_for(h1) == "h-1 kirkegata 1 skien ase odegard"
    h2 = Household.all_objects.get(reference="H-2")
    assert h2.members.count() == 1 and h2.search_text == search_text_for(h2)

    ended = Tenancy.all_objects.get(household=h1, dwelling=b1)
    assert ended.start_date == datetime.date(2015, 1, 15) and ended.end_date == datetime.date(2020, 12, 31)
    assert ended.end_reason == EndReason.BOUGHT_OWN_HOME and ended.monthly_rent == Decimal("9500.50")
    assert Tenancy.all_objects.get(household=h1, dwelling=b2).monthly_rent == Decimal("7250.00")
    assert Tenancy.all_objects.get(household=h2).end_date is None


def test_comma_separator_iso_dates_and_free_column_order(tmp_path):
    sources = files(
        "rooms,dwelling_ref,area_m2,postal_place,postal_code,address\n"
        '3,B-1,62.5,SKIEN,3716,"Gata 1, oppgang B"\n',
        "children,adults,last_name,first_name,household_ref\n0,1,Hansen,Per,H-1\n",
        "monthly_rent,start_date,dwelling_ref,household_ref,end_reason,end_date\n"
        "8500.00,2019-05-01,B-1,H-1,private_rental,2023-04-30\n",
    )
    code, _out, err = run_command(tmp_path, sources)
    assert (code, err) == (0, "")
    dwelling = Dwelling.all_objects.get()
    assert dwelling.address == "Gata 1, oppgang B" and dwelling.area_m2 == Decimal("62.5")
    tenancy = Tenancy.all_objects.get()
    assert tenancy.end_reason == EndReason.PRIVATE_RENTAL and tenancy.end_date == datetime.date(2023, 4, 30)


def test_existing_municipality_is_used(tmp_path, municipality):
    code, *_ = run_command(tmp_path, norwegian(), number="3807")
    assert code == 0
    assert Municipality.objects.count() == 1
    assert Dwelling.all_objects.filter(municipality=municipality).count() == 3


# -- errors: every bad row, nothing written ----------------------------------


def test_every_bad_row_is_reported_and_nothing_written(tmp_path, municipality):
    factories.DwellingFactory(municipality=municipality, reference="B-REG")
    before = state()
    sources = files(
        "dwelling_ref;address;postal_code;postal_place;rooms;area_m2;category;wheelchair_accessible\n"
        "B-1;Gata 1;3716;SKIEN;tre;62,5;general;ja\n"  # 2
        "B-2;Gata 2;37166;SKIEN;2;45;slott;kanskje\n"  # 3
        "b-1;Gata 3;3716;SKIEN;2;45;;\n"  # 4: the same reference in other case
        ";;;;;;;\n"  # 5: empty row, skipped
        'B-4;"Gata\n4";3716;SKIEN;2;0;;\n',  # 6–7: a quoted line break; area 0
        "household_ref;first_name;last_name;national_id;adults;children\n"
        "H-1;Åse;Ødegård;01018012372;0;-1\n"  # 2
        "H-2;;Hansen;;1;0\n",  # 3
        "household_ref;dwelling_ref;start_date;end_date;end_reason;monthly_rent\n"
        "H-1;B-1;31.02.2020;;;9500\n"  # 2
        "H-X;B-Y;2020-01-01;;;9500\n"  # 3
        "H-2;B-1;2020-01-01;2019-01-01;bought_own_home;9500\n"  # 4
        "H-2;B-1;2020-01-01;2021-01-01;;9500\n"  # 5
        "H-2;B-1;2022-01-01;;moved_away;9500\n"  # 6
        "H-2;B-1;2023-01-01;2024-01-01;solgt;-5\n",  # 7
    )
    code, out, err = run_command(tmp_path, sources, number="3807")
    assert code == 1
    assert out == ""
    lines = err.strip().splitlines()
    assert lines[-1] == f"Importen ble avbrutt: {len(lines) - 1} feil. Ingenting er lagret."
    assert lines[:-1] == [
        "boliger.csv:2: «rooms»: «tre» er ikke et tall",
        "boliger.csv:3: «postal_code»: postnummeret «37166» har ikke fire siffer",
        "boliger.csv:3: «category»: ukjent kategori «slott»; bruk en av: general, care, emergency",
        "boliger.csv:3: «wheelchair_accessible»: «kanskje» er verken ja eller nei "
        "(bruk ja/nei, yes/no, true/false eller 1/0)",
        "boliger.csv:4: boligen «b-1» står også på linje 2",
        "boliger.csv:6: «area_m2» må være mellom 1 og 99 999 m²",
        "husstander.csv:2: «national_id»: Kontrollsifrene stemmer ikke.",
        "husstander.csv:2: «adults» må være minst 1 (hovedpersonen)",
        "husstander.csv:2: «children» må være 0 eller mer",
        "husstander.csv:3: «first_name» mangler verdi",
        "leieforhold.csv:2: «start_date»: datoen «31.02.2020» finnes ikke",
        "leieforhold.csv:3: ukjent husstand «H-X»: den står verken i husstandsfilen eller i registeret",
        "leieforhold.csv:3: ukjent bolig «B-Y»: den står verken i boligfilen eller i registeret",
        "leieforhold.csv:4: sluttdatoen 01.01.2019 er før startdatoen 01.01.2020",
        "leieforhold.csv:5: «end_reason» må fylles ut når «end_date» er fylt ut",
        "leieforhold.csv:6: «end_reason» kan bare fylles ut når leieforholdet har en «end_date»",
        "leieforhold.csv:7: «end_reason»: ukjent sluttårsak «solgt»; bruk en av: bought_own_home, "
        "private_rental, other_municipal_dwelling, care_institution, eviction, deceased, moved_away, other",
        "leieforhold.csv:7: «monthly_rent» kan ikke være negativ",
    ]
    assert state() == before


def test_numbers_too_long_to_round_are_out_of_range(tmp_path):
    huge = "1" + "0" * 30
    sources = files(
        f"dwelling_ref;address;postal_code;postal_place;rooms;area_m2\nB-1;Gata 1;3716;SKIEN;3;{huge}\n",
        "household_ref;first_name;last_name;adults;children\nH-1;Per;Hansen;1;0\n",
        f"household_ref;dwelling_ref;start_date;monthly_rent\nH-1;B-1;2020-01-01;{huge}\n",
    )
    code, _out, err = run_command(tmp_path, sources)
    assert code == 1
    assert err.splitlines()[:-1] == [
        "boliger.csv:2: «area_m2» må være mellom 1 og 99 999 m²",
        "leieforhold.csv:2: «monthly_rent» kan ikke være negativ",
    ]


def test_header_problems(tmp_path):
    sources = files(
        "dwelling_ref;adresse;postal_code;postal_place;rooms;area_m2\nB-1;Gata 1;3716;SKIEN;3;60\n",
        "household_ref;first_name;last_name;adults\nH-1;Per;Hansen;1\n",
        "",
    )
    code, _out, err = run_command(tmp_path, sources)
    assert code == 1
    assert err.splitlines()[:-1] == [
        "boliger.csv:1: ukjent kolonne «adresse». Kolonnene som kan brukes er: dwelling_ref, address, "
        "postal_code, postal_place, rooms, area_m2, category, wheelchair_accessible, acquired_on, "
        "disposed_on, ownership.",
        "boliger.csv:1: mangler kolonnen «address».",
        "husstander.csv:1: mangler kolonnen «children».",
        "leieforhold.csv:1: filen er tom eller mangler overskriftsraden på første linje.",
    ]
    assert not Municipality.objects.exists()


def test_not_utf8_is_reported_with_its_line(tmp_path):
    sources = norwegian()
    sources["households"] = SourceFile(
        "husstander.csv",
        "household_ref;first_name;last_name;adults;children\nH-1;Åse;Ødegård;1;0\n".encode("cp1252"),
    )
    code, _out, err = run_command(tmp_path, sources)
    assert code == 1
    assert err.splitlines()[0] == (
        "husstander.csv:2: filen er ikke UTF-8. Lagre den som «CSV UTF-8» i regnearket og prøv igjen."
    )


def test_nul_is_rejected_by_the_check_with_its_line(tmp_path, municipality):
    """PostgreSQL cannot store NUL in text: the check must say so, not the write."""
    before = state()
    sources = norwegian()
    sources["households"] = SourceFile(
        "husstander.csv",
        NORWEGIAN_HOUSEHOLDS.replace(
            "H-2;Per;Hansen;;1;0;;;;;", "H-2;Per;Han\x00sen;;1;0;Gata\x00 2;;;;"
        ).encode("utf-8"),
    )
    for extra in (["--dry-run"], []):
        code, out, err = run_command(tmp_path, sources, *extra, number="3807")
        assert code == 1 and out == ""
        assert err.splitlines() == [
            "husstander.csv:3: «last_name» inneholder et nulltegn (NUL), som ikke kan lagres",
            "husstander.csv:3: «address» inneholder et nulltegn (NUL), som ikke kan lagres",
            "Importen ble avbrutt: 2 feil. Ingenting er lagret.",
        ]
        assert state() == before


def test_nul_in_the_header_is_rejected(tmp_path):
    sources = norwegian()
    sources["tenancies"] = SourceFile(
        "leieforhold.csv", NORWEGIAN_TENANCIES.replace("monthly_rent", "monthly\x00rent").encode("utf-8")
    )
    code, _out, err = run_command(tmp_path, sources)
    assert code == 1
    assert err.splitlines()[:-1] == [
        "leieforhold.csv:1: overskriftsraden inneholder et nulltegn (NUL), som ikke kan lagres",
    ]
    assert not Municipality.objects.exists()


def test_overlapping_and_running_tenancies(tmp_path, municipality):
    registered = factories.TenancyFactory(
        household__municipality=municipality,
        household__reference="H-REG",
        dwelling__reference="B-REG",
        start_date=datetime.date(2018, 1, 1),
    )
    sources = files(
        "dwelling_ref;address;postal_code;postal_place;rooms;area_m2\n"
        "B-1;Gata 1;3716;SKIEN;3;60\nB-2;Gata 2;3716;SKIEN;3;60\n",
        "household_ref;first_name;last_name;adults;children\n"
        "H-1;A;A;1;0\nH-2;B;B;1;0\nH-3;C;C;1;0\nH-4;D;D;1;0\n",
        "household_ref;dwelling_ref;start_date;end_date;end_reason;monthly_rent\n"
        "H-1;B-1;2010-01-01;2015-01-01;other;1\n"  # 2
        "H-2;B-1;2014-06-01;2016-01-01;other;1\n"  # 3: overlaps line 2 in B-1
        "H-3;B-2;2020-01-01;;;1\n"  # 4
        "H-4;B-2;2021-01-01;;;1\n"  # 5: a second running tenancy in B-2
        "H-1;B-2;2015-01-01;2019-12-31;other;1\n"  # 6: back to back with line 2 for H-1: fine
        "H-1;B-REG;2016-01-01;2019-01-01;other;1\n"  # 7: overlaps H-1's line 6 and the registered one
        "H-REG;B-1;2017-01-01;;;1\n",  # 8: H-REG already lives in B-REG
    )
    before = state()
    code, _out, err = run_command(tmp_path, sources, number="3807")
    assert code == 1
    assert err.splitlines()[:-1] == [
        "leieforhold.csv:3: leieforholdet overlapper i tid med et annet i boligen «B-1» (linje 2)",
        "leieforhold.csv:5: boligen «B-2» får mer enn ett løpende leieforhold (se også linje 4)",
        "leieforhold.csv:7: leieforholdet overlapper i tid med et annet i boligen «B-REG» "
        "(et registrert leieforhold fra 01.01.2018)",
        "leieforhold.csv:7: husstanden «H-1» har et annet leieforhold i samme tidsrom (linje 6)",
        "leieforhold.csv:8: husstanden «H-REG» får mer enn ett løpende leieforhold "
        "(se også et leieforhold som alt er registrert)",
    ]
    assert state() == before
    assert registered.end_date is None


# -- re-import and dry run ------------------------------------------------------


def test_reimport_changes_nothing(tmp_path):
    assert run_command(tmp_path, norwegian())[0] == 0
    before = state()
    code, out, err = run_command(tmp_path, norwegian())
    assert (code, err) == (0, "")
    assert "Boliger: 0 nye, 0 endret, 3 uendret" in out
    assert "Husstander: 0 nye, 0 endret, 2 uendret" in out
    assert "Leieforhold: 0 nye, 0 endret, 3 uendret" in out
    assert state() == before


def test_reimport_updates_only_what_changed(tmp_path):
    assert run_command(tmp_path, norwegian())[0] == 0
    h1 = Household.all_objects.get(reference="H-1")
    untouched = Dwelling.all_objects.get(reference="B-2").updated_at
    changed = files(
        NORWEGIAN_DWELLINGS.replace("B-1;Kirkegata 1;3716;SKIEN;3;62,5", "B-1;Kirkegata 1;3716;SKIEN;4;62,5"),
        # One more adult, one child fewer; the national id left out.
        NORWEGIAN_HOUSEHOLDS.replace(f"{FNR};2;2", ";3;1"),
        NORWEGIAN_TENANCIES.replace("H-2;B-1;01.01.2021;;;8500", "H-2;B-1;01.01.2021;;;8700"),
    )
    code, out, _err = run_command(tmp_path, changed)
    assert code == 0
    assert "Boliger: 0 nye, 1 endret, 2 uendret" in out
    assert "Husstander: 0 nye, 1 endret, 1 uendret" in out
    assert "Leieforhold: 0 nye, 1 endret, 2 uendret" in out
    assert Dwelling.all_objects.get(reference="B-1").rooms == 4
    assert Dwelling.all_objects.get(reference="B-2").updated_at == untouched
    roles = sorted(h1.members.values_list("role", flat=True))
    assert roles == ["adult", "adult", "child", "main"]
    # An empty cell never erases what is registered.
    assert h1.members.get(role=PersonRole.MAIN).national_id == FNR
    assert Tenancy.all_objects.get(household__reference="H-2").monthly_rent == Decimal("8700")
    # And once more: now nothing changes.
    code, out, _err = run_command(tmp_path, changed)
    assert "Husstander: 0 nye, 0 endret, 2 uendret" in out


def test_named_members_added_later_survive(tmp_path):
    assert run_command(tmp_path, norwegian())[0] == 0
    h1 = Household.all_objects.get(reference="H-1")
    # A caseworker names the other adult: the file's two adults are now both named.
    other = h1.members.get(role=PersonRole.ADULT)
    other.first_name, other.role = "Ola", PersonRole.CO_APPLICANT
    other.save()
    code, out, _err = run_command(tmp_path, norwegian())
    assert "Husstander: 0 nye, 0 endret, 2 uendret" in out
    assert h1.members.count() == 4 and h1.members.filter(first_name="Ola").exists()


def test_end_date_registered_later_survives(tmp_path):
    assert run_command(tmp_path, norwegian())[0] == 0
    running = Tenancy.all_objects.get(household__reference="H-2")
    running.end_date, running.end_reason = datetime.date(2024, 5, 1), EndReason.BOUGHT_OWN_HOME
    running.save()
    code, out, _err = run_command(tmp_path, norwegian())
    assert code == 0 and "Leieforhold: 0 nye, 0 endret, 3 uendret" in out
    running.refresh_from_db()
    assert running.end_date == datetime.date(2024, 5, 1)


def test_dry_run_writes_nothing(tmp_path):
    before = state()
    code, out, err = run_command(tmp_path, norwegian(), "--dry-run")
    assert (code, err) == (0, "")
    assert "Boliger: 3 nye, 0 endret, 0 uendret" in out
    assert "Prøvekjøring: ingenting er lagret." in out
    assert state() == before


def test_report_from_the_service():
    report = import_register("4601", dry_run=True, **norwegian())
    assert report.ok and not report.written
    assert report.as_dict()["counts"]["tenancies"] == {"created": 3, "updated": 0, "unchanged": 0}
    report = import_register("4601", **norwegian())
    assert report.ok and report.written and report.municipality_created


# -- bulk -------------------------------------------------------------------------


def big_register(n: int) -> dict[str, SourceFile]:
    dwellings = ["dwelling_ref;address;postal_code;postal_place;rooms;area_m2;category"]
    households = ["household_ref;first_name;last_name;adults;children"]
    tenancies = ["household_ref;dwelling_ref;start_date;end_date;end_reason;monthly_rent"]
    for i in range(n):
        dwellings.append(f"B-{i};Gata {i};3716;SKIEN;3;60,5;{'care' if i % 7 == 0 else 'general'}")
        households.append(f"H-{i};Navn{i};Etternavn{i};{1 + i % 2};{i % 3}")
        end = "2020-06-30;bought_own_home" if i % 2 else ";"
        tenancies.append(f"H-{i};B-{i};2015-01-01;{end};9500,00")
    return files(*("\n".join(rows) + "\n" for rows in (dwellings, households, tenancies)))


def count_queries(func) -> int:
    with CaptureQueriesContext(connection) as captured:
        func()
    return len(captured)


def test_bulk_import_costs_the_same_queries_for_500_and_1000_tenancies(municipality):
    small = count_queries(lambda: import_register("3807", **big_register(500)))
    assert Tenancy.all_objects.count() == 500
    Tenancy.all_objects.all().delete()
    Person.all_objects.all().delete()
    Household.all_objects.all().delete()
    Dwelling.all_objects.all().delete()
    big = count_queries(lambda: import_register("3807", **big_register(1000)))
    assert Tenancy.all_objects.count() == 1000
    assert Person.all_objects.count() == sum(1 + i % 2 + i % 3 for i in range(1000))
    if connection.vendor == "postgresql":
        assert big == small < 30
    else:
        # SQLite takes at most 999 parameters a statement, so Django splits
        # each batch further: still per batch, never per row.
        assert big < 2 * small < 100
    # Re-importing 1000 unchanged rows reads and writes nothing per row.
    assert count_queries(lambda: import_register("3807", **big_register(1000))) < 12


def test_queries_grow_per_batch_not_per_row(monkeypatch):
    monkeypatch.setattr(import_write, "BATCH_SIZE", 100)
    queries = count_queries(lambda: import_register("4601", **big_register(1000)))
    # Ten batches of each of dwellings, households (+ persons and search
    # text) and tenancies: tens of queries, not thousands.
    assert queries < (80 if connection.vendor == "postgresql" else 150)
    h = Household.all_objects.get(reference="H-5")
    assert h.search_text == search_text_for(h)


# -- in the browser ------------------------------------------------------------------


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def uploads(sources: dict[str, SourceFile]) -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {kind: SimpleUploadedFile(s.name, s.data, content_type="text/csv") for kind, s in sources.items()}


def test_import_page_is_for_the_leader(caseworker_client, municipality):
    assert caseworker_client.get(reverse("reports:import")).status_code == 403
    assert caseworker_client.post(reverse("reports:import"), uploads(norwegian())).status_code == 403


def test_upload_preview_confirm(leader_client, municipality, media, django_capture_on_commit_callbacks):
    from housing_office.models import Job, JobState

    assert leader_client.get(reverse("reports:import")).status_code == 200
    before = state()
    with django_capture_on_commit_callbacks(execute=True):
        response = leader_client.post(reverse("reports:import"), uploads(norwegian()))
    preview = Job.objects.get(kind="register_import_preview")
    assert response["Location"] == reverse("reports:import-detail", args=[preview.pk])
    assert preview.state == JobState.DONE, preview.error
    assert preview.params["names"] == {
        "dwellings": "boliger.csv",
        "households": "husstander.csv",
        "tenancies": "leieforhold.csv",
    }
    assert preview.result["counts"]["households"] == {"created": 2, "updated": 0, "unchanged": 0}
    assert preview.result["error_count"] == 0 and not preview.result["written"]
    assert state() == before  # a preview writes nothing

    page = leader_client.get(reverse("reports:import-detail", args=[preview.pk])).content.decode()
    assert reverse("reports:import-confirm", args=[preview.pk]) in page
    assert "Bekreft og importer" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = leader_client.post(reverse("reports:import-confirm", args=[preview.pk]))
    run = Job.objects.get(kind="register_import")
    assert response["Location"] == reverse("reports:import-detail", args=[run.pk])
    assert run.state == JobState.DONE, run.error
    assert run.result["written"] and run.result["counts"]["tenancies"]["created"] == 3
    assert Household.all_objects.filter(municipality=municipality).count() == 2
    assert Tenancy.all_objects.filter(municipality=municipality).count() == 3
    assert (
        "Dette ble gjort"
        in leader_client.get(reverse("reports:import-detail", args=[run.pk])).content.decode()
    )


def test_upload_with_errors_offers_the_error_list(leader_client, municipality, media,
                                                  django_capture_on_commit_callbacks):  # fmt: skip
    from housing_office.models import Job

    sources = norwegian()
    sources["tenancies"] = SourceFile(
        "leieforhold.csv",
        (
            NORWEGIAN_TENANCIES + "H-9;B-1;01.01.2030;;;100\nH-2;B-2;1.1.2031;;;100\nH-1;B-3;1.1.2000;;;-1\n"
        ).encode("utf-8"),
    )
    before = state()
    with django_capture_on_commit_callbacks(execute=True):
        leader_client.post(reverse("reports:import"), uploads(sources))
    preview = Job.objects.get(kind="register_import_preview")
    assert preview.result["error_count"] == 4
    page = leader_client.get(reverse("reports:import-detail", args=[preview.pk])).content.decode()
    assert "leieforhold.csv:5: ukjent husstand «H-9»" in page
    assert reverse("reports:import-confirm", args=[preview.pk]) not in page

    response = leader_client.get(reverse("reports:import-errors", args=[preview.pk]))
    assert response.status_code == 200
    lines = b"".join(response.streaming_content).decode("utf-8").splitlines()
    assert lines == [
        "leieforhold.csv:5: ukjent husstand «H-9»: den står verken i husstandsfilen eller i registeret",
        "leieforhold.csv:6: boligen «B-2» får mer enn ett løpende leieforhold (se også linje 4)",
        "leieforhold.csv:6: husstanden «H-2» får mer enn ett løpende leieforhold (se også linje 3)",
        "leieforhold.csv:7: «monthly_rent» kan ikke være negativ",
    ]
    # Confirming a preview with errors is refused; nothing is written.
    leader_client.post(reverse("reports:import-confirm", args=[preview.pk]))
    assert not Job.objects.filter(kind="register_import").exists()
    assert state() == before


def test_upload_with_nul_is_stopped_by_the_preview(leader_client, municipality, media,
                                                  django_capture_on_commit_callbacks):  # fmt: skip
    from housing_office.models import Job

    sources = norwegian()
    sources["dwellings"] = SourceFile(
        "boliger.csv", NORWEGIAN_DWELLINGS.replace("Kongens gate 3", "Kongens\x00gate 3").encode("utf-8")
    )
    sources["tenancies"] = SourceFile(
        "leieforhold.csv", NORWEGIAN_TENANCIES.replace("monthly_rent", "monthly\x00rent").encode("utf-8")
    )
    before = state()
    with django_capture_on_commit_callbacks(execute=True):
        leader_client.post(reverse("reports:import"), uploads(sources))
    preview = Job.objects.get(kind="register_import_preview")
    # The messages do not repeat the NUL: the job's result could not hold it either.
    assert preview.result["errors"] == [
        "boliger.csv:4: «address» inneholder et nulltegn (NUL), som ikke kan lagres",
        "leieforhold.csv:1: overskriftsraden inneholder et nulltegn (NUL), som ikke kan lagres",
    ]
    page = leader_client.get(reverse("reports:import-detail", args=[preview.pk])).content.decode()
    assert reverse("reports:import-confirm", args=[preview.pk]) not in page
    assert state() == before


def test_other_municipalitys_import_is_404(leader_client, other_municipality):
    from housing_office.jobs import create_job

    theirs = create_job(municipality=other_municipality, kind="register_import_preview", title="Kontroll")
    assert leader_client.get(reverse("reports:import-detail", args=[theirs.pk])).status_code == 404
    assert leader_client.post(reverse("reports:import-confirm", args=[theirs.pk])).status_code == 404
