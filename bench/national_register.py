"""Generate import files the size of all Norway's municipal housing.

Usage:

    .venv/bin/python bench/national_register.py --out /tmp/register [--dwellings 115000] [--seed 1]

Writes `boliger.csv`, `husstander.csv` and `leieforhold.csv` in the format of
the README's import contract as a Norwegian spreadsheet exports it: UTF-8 with BOM, `;` as
separator, decimal comma, dates as DD.MM.YYYY. About 115,000 dwellings (SSB
counted 115,583 in 2023, 46 % wheelchair-accessible) with ten years of
tenancies (2015–2024, plus the ones running then): roughly 300,000 tenancies
and as many households. The same seed gives the same files.

Import them with

    .venv/bin/python manage.py import_register --municipality 9999 \\
        --dwellings /tmp/register/boliger.csv --households /tmp/register/husstander.csv \\
        --tenancies /tmp/register/leieforhold.csv
"""

from __future__ import annotations

import argparse
import datetime
import random
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from housing_office.national_id import check_digits  # noqa: E402

FIRST_YEAR, LAST_YEAR = 2015, 2024
END = datetime.date(2025, 6, 30)  # the day the register was exported

# Why tenancies end, weighted roughly as the seed municipalities report.
END_REASONS = (
    ("bought_own_home", 14),
    ("private_rental", 24),
    ("other_municipal_dwelling", 15),
    ("care_institution", 8),
    ("eviction", 3),
    ("deceased", 10),
    ("moved_away", 16),
    ("other", 10),
)
FIRST_NAMES = (
    "Åse",
    "Ola",
    "Kari",
    "Per",
    "Ingrid",
    "Mohammed",
    "Fatima",
    "Jonas",
    "Nora",
    "Ali",
    "Sigrid",
    "Øyvind",
)
LAST_NAMES = (
    "Hansen",
    "Johansen",
    "Olsen",
    "Ødegård",
    "Larsen",
    "Ahmed",
    "Berg",
    "Haugen",
    "Aasen",
    "Nilsen",
)
PLACES = (("3716", "SKIEN"), ("0150", "OSLO"), ("5003", "BERGEN"), ("7010", "TRONDHEIM"), ("6002", "ÅLESUND"))
STREETS = ("Kirkegata", "Storgata", "Øvre Slottsgate", "Kongens gate", "Skolevegen", "Bjørkelia")


@dataclass(frozen=True)
class Generated:
    dwellings: int
    households: int
    tenancies: int
    paths: dict[str, Path]


def _date(day: datetime.date) -> str:
    return f"{day:%d.%m.%Y}"


def _money(value: float) -> str:
    return f"{value:,.2f}".replace(",", " ").replace(".", ",")


def _national_id(rng: random.Random, born: datetime.date) -> str:
    while True:
        first_nine = f"{born:%d%m%y}{rng.randint(0, 499):03d}"
        digits = check_digits(first_nine)
        if digits:
            return first_nine + digits


def generate(out: Path, dwellings: int = 115_000, seed: int = 1) -> Generated:
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    paths = {name: out / f"{name}.csv" for name in ("boliger", "husstander", "leieforhold")}
    reasons, weights = zip(*END_REASONS, strict=True)
    households = tenancies = 0
    with (
        paths["boliger"].open("w", encoding="utf-8-sig", newline="") as d_file,
        paths["husstander"].open("w", encoding="utf-8-sig", newline="") as h_file,
        paths["leieforhold"].open("w", encoding="utf-8-sig", newline="") as t_file,
    ):
        d_file.write(
            "dwelling_ref;address;postal_code;postal_place;rooms;area_m2;category;"
            "wheelchair_accessible;acquired_on;disposed_on;ownership\r\n"
        )
        h_file.write(
            "household_ref;first_name;last_name;national_id;adults;children;address;"
            "postal_code;postal_place;phone;email\r\n"
        )
        t_file.write("household_ref;dwelling_ref;start_date;end_date;end_reason;monthly_rent\r\n")
        for n in range(1, dwellings + 1):
            ref = f"B{n:06d}"
            postal_code, place = PLACES[n % len(PLACES)]
            address = f"{STREETS[n % len(STREETS)]} {1 + n % 180}"
            rooms = rng.choice((1, 2, 2, 3, 3, 4, 5))
            category = rng.choices(("general", "care", "emergency"), (70, 25, 5))[0]
            acquired = datetime.date(rng.randint(1970, 2014), rng.randint(1, 12), rng.randint(1, 28))
            if rng.random() < 0.03:
                acquired = datetime.date(rng.randint(FIRST_YEAR, LAST_YEAR), rng.randint(1, 12), 1)
            disposed = None
            if rng.random() < 0.03:
                disposed = datetime.date(rng.randint(FIRST_YEAR, LAST_YEAR), rng.randint(1, 12), 15)
                disposed = max(disposed, acquired + datetime.timedelta(days=365))
            area = _money(18 + rooms * 14 + rng.random() * 10)[:-1]  # one decimal
            d_file.write(
                f"{ref};{address};{postal_code};{place};{rooms};{area};"
                f"{category};{'ja' if rng.random() < 0.46 else 'nei'};{_date(acquired)};"
                f"{_date(disposed) if disposed else ''};{'innleid' if rng.random() < 0.15 else 'eid'}\r\n"
            )
            # A chain of tenancies through the ten years; the first may have
            # started long before them.
            start = max(
                acquired, datetime.date(FIRST_YEAR, 1, 1) - datetime.timedelta(days=rng.randint(0, 1500))
            )
            last_day = min(END, disposed or END)
            while start < last_day:
                years = rng.expovariate(1 / 5.0) + 0.2
                end = start + datetime.timedelta(days=int(years * 365.25))
                running = end >= last_day
                if running and disposed:
                    end, running = disposed, False
                households += 1
                tenancies += 1
                href = f"H{households:07d}"
                adults = rng.choice((1, 1, 1, 2, 2))
                children = rng.choice((0, 0, 0, 1, 2, 3))
                first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
                born = datetime.date(rng.randint(1950, 2000), rng.randint(1, 12), rng.randint(1, 28))
                national_id = _national_id(rng, born) if rng.random() < 0.5 else ""
                h_file.write(
                    f"{href};{first};{last};{national_id};{adults};{children};{address};{postal_code};{place};"
                    f"{'9' + str(rng.randint(1000000, 9999999)) if rng.random() < 0.7 else ''};\r\n"
                )
                rent = _money(4000 + rooms * 1800 + rng.randint(0, 2000))
                if running:
                    t_file.write(f"{href};{ref};{_date(start)};;;{rent}\r\n")
                    break
                reason = rng.choices(reasons, weights)[0]
                t_file.write(f"{href};{ref};{_date(start)};{_date(end)};{reason};{rent}\r\n")
                start = end + datetime.timedelta(days=rng.randint(0, 90))
    return Generated(dwellings, households, tenancies, paths)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="Folder for the three CSV files.")
    parser.add_argument("--dwellings", type=int, default=115_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    generated = generate(args.out, args.dwellings, args.seed)
    print(
        f"{generated.dwellings} boliger, {generated.households} husstander, "
        f"{generated.tenancies} leieforhold i {args.out}"
    )


if __name__ == "__main__":
    main()
