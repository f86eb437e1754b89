"""The demo municipality that `manage.py seed_demo` builds (DESIGN §5.1).

Everything is generated from `random.Random` streams seeded with `--seed`, so
the same seed gives the same households, names and references; dates are
laid out relative to "today", so the history always ends today.

The shape of the data, in the order it is built:

1. Dwellings of every category with addresses in the municipality's own
   postcodes. The office sells dwellings that no longer fit (half of them to
   the sitting tenant) and buys better ones, as DESIGN §1 describes: about a
   quarter of the dwellings were sold and a third bought in the last ten
   years; two or three are for sale now.
2. Per dwelling, a chain of tenancies walked backwards from today (or from
   the sale) without overlaps. The length of tenancies is tuned so that the
   number of households comes out at `--households`: one household per
   chain of tenancies, where a move to another municipal dwelling joins two
   tenancies into one household's history. A few households have no
   tenancy: start-loan applicants renting privately.
3. Households and their members, with a pathway history that fits how the
   tenancy ended (bought → `bought_home`, private rental →
   `private_rental`), meetings, journal notes, rent arrears and start-loan
   applications along that history.

The numbers cannot all be Skien's: with dwellings ≈ 0.85 × households and
most of them let today, only about four households in ten can be former
tenants. Sales spread those exits over the years, so the default demo shows
about eight purchases a year (Skien reported 10–17 from a far larger stock);
`--households 450` gives 10–17 a year.
"""

from __future__ import annotations

import bisect
import datetime
import importlib
import math
import random
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dwellings.models import (
    ContractType,
    Dwelling,
    DwellingCategory,
    EndReason,
    Ownership,
    RentArrears,
    StockChange,
    Tenancy,
)
from startloan.models import (
    ApplicationStatus,
    ApplicationStatusChange,
    LoanPurpose,
    OwnershipForm,
    RepaymentType,
    StartLoanApplication,
)
from tenants.models import (
    Household,
    JournalNote,
    MeetingStatus,
    OutreachMeeting,
    PathwayStage,
    PathwayStageChange,
    Person,
    PersonRole,
)

from .models import Municipality, User, WrittenLanguage
from .national_id import check_digits
from .roles import CASEWORKER, LEADER, ensure_roles
from .text import fold

DEFAULT_MUNICIPALITY = "3807"
DEFAULT_HOUSEHOLDS = 300
DEFAULT_SEED = 1
DEFAULT_PASSWORD = "boligkontor-demo"
MIN_HOUSEHOLDS = 20
MAX_HOUSEHOLDS = 5000
DEMO_URL = "http://127.0.0.1:8000"
HISTORY_YEARS = 10

DAY = datetime.timedelta(days=1)
GENERAL, CARE, EMERGENCY = (
    DwellingCategory.GENERAL.value,
    DwellingCategory.CARE.value,
    DwellingCategory.EMERGENCY.value,
)
R = EndReason
S = PathwayStage


class DemoError(ValueError):
    """Bad options; the message is Norwegian and meant for the user."""


# ---------------------------------------------------------------------------
# Municipalities the demo knows; any other number gets a plausible stand-in.


@dataclass(frozen=True)
class Profile:
    number: str
    name: str
    postal_place: str
    postal_codes: tuple[str, ...]
    address: str
    postal_code: str
    visiting_address: str
    phone: str
    domain: str
    streets: tuple[str, ...]
    # Typical purchase price of a start-loan home, in NOK.
    price_level: int

    @property
    def website(self) -> str:
        return f"https://www.{self.domain}"

    @property
    def email(self) -> str:
        return f"boligkontoret@{self.domain}"


def _codes(first: int, last: int) -> tuple[str, ...]:
    return tuple(f"{n:04d}" for n in range(first, last + 1))


COMMON_STREETS = (
    "Bjørkeveien",
    "Granåsen",
    "Kirkegata",
    "Storgata",
    "Skolegata",
    "Løkkeveien",
    "Solbakken",
    "Furulia",
    "Åsveien",
    "Høyåsen",
    "Rønningen",
    "Sjøgata",
    "Tårnveien",
    "Fjellveien",
    "Lerkeveien",
    "Grønlia",
    "Skogveien",
    "Bråtenveien",
    "Sætreveien",
    "Hagaløkka",
    "Myrveien",
    "Nordre gate",
    "Jernbanegata",
    "Bakkegata",
    "Løvåsveien",
    "Kløverveien",
    "Bekkeveien",
    "Åkerveien",
    "Prestegårdsveien",
    "Tømmerveien",
)

PROFILES: dict[str, Profile] = {
    p.number: p
    for p in (
        Profile(
            "3807",
            "Skien",
            "SKIEN",
            _codes(3716, 3739),
            "Postboks 3158",
            "3707",
            "Hollenderigata 5",
            "35 58 10 00",
            "skien.kommune.no",
            (
                "Bøleveien",
                "Ulefossvegen",
                "Kverndalsgata",
                "Telemarksgata",
                "Hesselberggata",
                "Prinsessegata",
                "Kjørbekkdalen",
                "Gulsetvegen",
                "Falkumveien",
                "Klyvevegen",
                "Moflatvegen",
                "Hoppestadvegen",
                "Snipetorpgata",
                "Skotfossvegen",
                "Håkons gate",
                "Åsgårdvegen",
            ),
            2_600_000,
        ),
        Profile(
            "1508",
            "Ålesund",
            "ÅLESUND",
            _codes(6002, 6030),
            "Postboks 1521",
            "6025",
            "Keiser Wilhelms gate 11",
            "70 16 20 00",
            "alesund.kommune.no",
            (
                "Kongens gate",
                "Apotekergata",
                "Løvenvoldgata",
                "Nørvegata",
                "Moaveien",
                "Borgundvegen",
                "Larsgårdsvegen",
                "Fjelltunvegen",
                "Hatlane",
                "Ålesundsgata",
                "Spjelkavikvegen",
                "Åsehaugen",
            ),
            3_100_000,
        ),
        Profile(
            "5001",
            "Trondheim",
            "TRONDHEIM",
            _codes(7010, 7099),
            "Postboks 2300 Torgarden",
            "7004",
            "Erling Skakkes gate 14",
            "72 54 00 00",
            "trondheim.kommune.no",
            (
                "Innherredsveien",
                "Byåsveien",
                "Lade allé",
                "Østre Rosten",
                "Saupstadringen",
                "Kolstadflata",
                "Heimdalsvegen",
                "Bromstadvegen",
                "Ranheimsvegen",
                "Jonsvannsveien",
                "Ørnevegen",
                "Fjordgata",
            ),
            3_700_000,
        ),
        Profile(
            "0301",
            "Oslo",
            "OSLO",
            _codes(550, 590) + _codes(650, 690) + _codes(950, 990),
            "Postboks 1175 Sentrum",
            "0107",
            "Rådhusplassen 1",
            "21 80 21 80",
            "oslo.kommune.no",
            (
                "Trondheimsveien",
                "Tøyengata",
                "Grønlandsleiret",
                "Kjølberggata",
                "Hasleveien",
                "Romsåsveien",
                "Fossumveien",
                "Haugerudveien",
                "Tvetenveien",
                "Lindebergåsen",
                "Furusetveien",
                "Mortensrudveien",
            ),
            4_400_000,
        ),
        Profile(
            "4601",
            "Bergen",
            "BERGEN",
            _codes(5031, 5099),
            "Postboks 7700",
            "5020",
            "Rådhusgaten 10",
            "55 56 55 56",
            "bergen.kommune.no",
            (
                "Kalfarveien",
                "Løvstakkveien",
                "Sandviksveien",
                "Damsgårdsveien",
                "Inndalsveien",
                "Fjøsangerveien",
                "Loddefjordveien",
                "Ådnavegen",
                "Åsaneveien",
                "Hesthaugveien",
                "Møllendalsveien",
                "Søreidåsen",
            ),
            3_600_000,
        ),
        Profile(
            "3301",
            "Drammen",
            "DRAMMEN",
            _codes(3012, 3048),
            "Postboks 7500",
            "3008",
            "Engene 1",
            "32 04 00 00",
            "drammen.kommune.no",
            (
                "Tollbugata",
                "Konnerudgata",
                "Austadveien",
                "Kobbervikdalen",
                "Rødsveien",
                "Åssidenveien",
                "Fjellsveien",
                "Strømsøgata",
                "Bjørnstjerne Bjørnsons gate",
                "Øvre Eikervei",
            ),
            3_300_000,
        ),
    )
}

# Where households who left the municipality went.
ELSEWHERE = (
    ("3921", "PORSGRUNN"),
    ("3611", "KONGSBERG"),
    ("0556", "OSLO"),
    ("5003", "BERGEN"),
    ("7011", "TRONDHEIM"),
    ("4306", "SANDNES"),
    ("9008", "TROMSØ"),
    ("2317", "HAMAR"),
    ("1607", "FREDRIKSTAD"),
    ("3050", "MJØNDALEN"),
    ("4614", "KRISTIANSAND S"),
    ("6413", "MOLDE"),
)


def profile_for(number: str) -> Profile:
    """The demo profile of a municipality number, made up when unknown."""
    if number in PROFILES:
        return PROFILES[number]
    n = int(number)
    base = 1000 + (n * 7919) % 8900
    name = f"Kommune {number}"
    return Profile(
        number,
        name,
        name.upper(),
        _codes(base, base + 19),
        "Postboks 1",
        f"{base:04d}",
        "Rådhusgata 1",
        "33 00 00 00",
        f"kommune{number}.no",
        (),
        2_800_000,
    )


# ---------------------------------------------------------------------------
# Names. Surnames are (man, married woman, daughter): the same for most
# origins, gendered for Polish and Lithuanian.


@dataclass(frozen=True)
class Origin:
    key: str
    weight: int
    male: tuple[str, ...]
    female: tuple[str, ...]
    surnames: tuple[tuple[str, str, str], ...]
    interpreter: str = ""
    d_number_share: float = 0.0


def _same(*names: str) -> tuple[tuple[str, str, str], ...]:
    return tuple((n, n, n) for n in names)


NORWEGIAN = Origin(
    "no",
    55,
    (
        "Ola",
        "Per",
        "Pål",
        "Espen",
        "Bjørn",
        "Øyvind",
        "Håkon",
        "Jørgen",
        "Sindre",
        "Kjetil",
        "Terje",
        "Knut",
        "Geir",
        "Stian",
        "Tor",
        "Åsmund",
        "Ørjan",
        "Sigurd",
        "Magnus",
        "Jonas",
        "Henrik",
        "Lars",
        "Nils",
        "Arne",
        "Rune",
        "Svein",
        "Trond",
        "Eirik",
        "Gaute",
        "Børge",
        "Torbjørn",
        "Kåre",
        "Emil",
        "Aksel",
        "Oskar",
        "Isak",
        "Jens",
        "Odd",
    ),
    (
        "Åse",
        "Kari",
        "Ingrid",
        "Sølvi",
        "Bjørg",
        "Tone",
        "Marit",
        "Hege",
        "Silje",
        "Ida",
        "Nora",
        "Emma",
        "Sofie",
        "Thea",
        "Maja",
        "Ingeborg",
        "Astrid",
        "Gunnhild",
        "Randi",
        "Synnøve",
        "Solveig",
        "Liv",
        "Turid",
        "Kjersti",
        "Mari",
        "Camilla",
        "Ragnhild",
        "Jorunn",
        "Øydis",
        "Åshild",
        "Målfrid",
        "Tiril",
        "Frøya",
        "Ella",
        "Hanne",
        "Line",
    ),
    _same(
        "Ødegård",
        "Åsheim",
        "Bråten",
        "Kjærnes",
        "Haugland",
        "Hansen",
        "Johansen",
        "Olsen",
        "Larsen",
        "Andersen",
        "Pedersen",
        "Nilsen",
        "Kristiansen",
        "Jensen",
        "Berg",
        "Haugen",
        "Hagen",
        "Eriksen",
        "Bakken",
        "Solberg",
        "Strand",
        "Dahl",
        "Sæther",
        "Løken",
        "Grønli",
        "Myhre",
        "Sørensen",
        "Kvåle",
        "Tveit",
        "Røed",
        "Bø",
        "Moen",
        "Hølland",
        "Skår",
        "Næss",
        "Brøvig",
        "Tønnessen",
        "Øverland",
        "Ånestad",
        "Kåsa",
        "Fløgstad",
        "Bøe",
        "Holtan",
        "Lunde",
    ),
)

ORIGINS: tuple[Origin, ...] = (
    NORWEGIAN,
    Origin(
        "so",
        9,
        ("Abdi", "Mohamed", "Ahmed", "Hassan", "Abdirahman", "Yusuf", "Ali", "Omar", "Abdullahi", "Ismail"),
        ("Fadumo", "Amina", "Hodan", "Sahra", "Ayan", "Hibo", "Maryan", "Ifrah", "Nimco", "Asha"),
        _same("Ahmed", "Hussein", "Mohamed", "Ali", "Abdi", "Warsame", "Farah", "Jama", "Osman", "Nur"),
        "somali",
        0.3,
    ),
    Origin(
        "sy",
        8,
        ("Omar", "Khaled", "Mahmoud", "Ahmad", "Mohammad", "Rami", "Yaser", "Bashar", "Samer", "Ammar"),
        ("Rasha", "Hiba", "Lina", "Noor", "Fatima", "Rania", "Huda", "Maryam", "Reem", "Dima"),
        _same("Al-Hussein", "Alkhatib", "Haddad", "Khalil", "Ibrahim", "Darwish", "Hamdan", "Najjar"),
        "arabisk",
        0.4,
    ),
    Origin(
        "er",
        6,
        ("Yonas", "Tesfay", "Dawit", "Merhawi", "Samuel", "Filmon", "Habtom", "Kidane"),
        ("Helen", "Selam", "Senait", "Ruth", "Feven", "Luwam", "Saba", "Milena"),
        _same("Tesfamariam", "Gebremedhin", "Haile", "Tekle", "Ghebreyesus", "Berhane", "Woldemichael"),
        "tigrinja",
        0.3,
    ),
    Origin(
        "af",
        4,
        ("Ahmad", "Mohammad", "Ali", "Hamid", "Farid", "Jawad", "Mustafa", "Reza"),
        ("Zahra", "Fatima", "Maryam", "Parwana", "Shabnam", "Nargis", "Sakina", "Mina"),
        _same("Ahmadi", "Hosseini", "Rahimi", "Mohammadi", "Karimi", "Noori", "Sultani", "Haidari"),
        "dari",
        0.3,
    ),
    Origin(
        "pl",
        7,
        ("Piotr", "Krzysztof", "Tomasz", "Paweł", "Łukasz", "Michał", "Marcin", "Grzegorz"),
        ("Anna", "Katarzyna", "Małgorzata", "Agnieszka", "Joanna", "Magdalena", "Ewa", "Zofia"),
        (
            ("Kowalski", "Kowalska", "Kowalska"),
            ("Nowak", "Nowak", "Nowak"),
            ("Wiśniewski", "Wiśniewska", "Wiśniewska"),
            ("Wójcik", "Wójcik", "Wójcik"),
            ("Kamiński", "Kamińska", "Kamińska"),
            ("Lewandowski", "Lewandowska", "Lewandowska"),
            ("Zieliński", "Zielińska", "Zielińska"),
        ),
        "polsk",
        0.6,
    ),
    Origin(
        "lt",
        3,
        ("Tomas", "Mantas", "Darius", "Andrius", "Jonas", "Marius"),
        ("Rasa", "Jurgita", "Inga", "Asta", "Vilma", "Lina"),
        (
            ("Kazlauskas", "Kazlauskienė", "Kazlauskaitė"),
            ("Petrauskas", "Petrauskienė", "Petrauskaitė"),
            ("Jankauskas", "Jankauskienė", "Jankauskaitė"),
            ("Stankevičius", "Stankevičienė", "Stankevičiūtė"),
        ),
        "litauisk",
        0.6,
    ),
    Origin(
        "vn",
        3,
        ("Minh", "Tuan", "Duc", "Hung", "Long", "Quang"),
        ("Lan", "Huong", "Mai", "Thu", "Linh", "Ngoc"),
        _same("Nguyen", "Tran", "Pham", "Le", "Hoang", "Vu"),
        "vietnamesisk",
        0.1,
    ),
    Origin(
        "ua",
        5,
        ("Oleksandr", "Andrii", "Serhii", "Dmytro", "Mykola", "Yurii"),
        ("Olena", "Iryna", "Oksana", "Nataliia", "Tetiana", "Yuliia"),
        _same("Shevchenko", "Kovalenko", "Bondarenko", "Tkachenko", "Kravchenko", "Melnyk", "Boiko"),
        "ukrainsk",
        0.7,
    ),
)

# Names the second generation gets whatever the parents' origin.
SHARED_CHILD_NAMES = (
    ("Adam", "Noah", "Elias", "Ibrahim", "Adrian"),
    ("Sara", "Mia", "Yasmin", "Nora", "Lea"),
)

# ---------------------------------------------------------------------------
# Norwegian texts for the history.

STAGE_REASONS: dict[str, tuple[str, ...]] = {
    S.SUMMONED: (
        "Innkalt til kartleggingssamtale om boligsituasjonen.",
        "Sendt skriftlig innkalling til kartleggingssamtale.",
    ),
    S.MAPPED: ("Kartleggingssamtale gjennomført.", "Kartleggingssamtale gjennomført; referat i journalen."),
    S.GUIDANCE: (
        "Avtalt oppfølging med budsjett og økonomisk veiledning.",
        "Husstanden ønsker å eie på sikt; følges opp med veiledning.",
    ),
    S.APPLYING_LOAN: ("Søknad om startlån er mottatt.", "Har sendt søknad om startlån i Startskudd."),
    S.LOAN_GRANTED: ("Startlån innvilget; finansieringsbevis sendt.", "Vedtak om startlån er fattet."),
    S.BOUGHT_HOME: (
        "Husstanden har kjøpt egen bolig og sagt opp leiekontrakten.",
        "Kjøpt egen bolig; overtakelse avtalt.",
    ),
    S.PRIVATE_RENTAL: (
        "Husstanden har flyttet til privat leid bolig.",
        "Har fått privat leiekontrakt og sagt opp den kommunale boligen.",
    ),
}
SUMMONED_LONG_STAY = (
    "Botid over tre år; sendt skriftlig innkalling til kartleggingssamtale.",
    "Kandidat fra botidslisten; innkalling sendt.",
)
NOT_RELEVANT_REASONS = {
    "care": "Bor i omsorgsbolig; leie til eie er ikke aktuelt.",
    "emergency": "Midlertidig plassert i akuttbolig; vurderes når varig bolig er på plass.",
    "income": "Lav og usikker inntekt; kjøp er ikke aktuelt nå. Ny vurdering om ett år.",
    R.DECEASED: "Leieforholdet er avsluttet etter dødsfall.",
    R.CARE_INSTITUTION: "Leietaker har flyttet til institusjon.",
    R.EVICTION: "Leieforholdet er avsluttet ved utkastelse.",
    R.MOVED_AWAY: "Husstanden har flyttet fra kommunen.",
    R.OTHER: "Leieforholdet er avsluttet.",
}
HELD_NOTES: dict[str, tuple[tuple[str, str], ...]] = {
    "buy": (
        (
            "Gikk gjennom boligsituasjon, inntekt og gjeld. Husstanden har fast inntekt og ønsker å "
            "kjøpe egen bolig. Informert om startlån, etableringstilskudd og bostøtte.",
            "Husstanden henter lånetilsagn i banken; vi vurderer startlån som toppfinansiering.",
        ),
        (
            "Kartla økonomi og ønsker. Familien trives i området og vil eie på sikt. Gikk gjennom hva "
            "som trengs til en søknad om startlån.",
            "Sender oversikt over dokumentasjon: lønnsslipper, skattemelding og gjeldsoversikt.",
        ),
    ),
    "private": (
        (
            "Husstanden vil heller leie privat nær jobb og skole. Informert om depositumsgaranti fra NAV "
            "og bostøtte.",
            "Følger opp når de har funnet bolig; leieforholdet avsluttes etter avtale.",
        ),
    ),
    "guidance": (
        (
            "Kartla økonomien. Husstanden har betalingsanmerkning som må ryddes opp før en lånesøknad.",
            "Henvist til økonomisk rådgivning i NAV; ny samtale om tre måneder.",
        ),
        (
            "Husstanden ønsker å eie, men inntekten er ikke stabil ennå. Satte opp budsjett sammen.",
            "Ny samtale når arbeidskontrakten er forlenget.",
        ),
    ),
    "stay": (
        (
            "Husstanden har lav og usikker inntekt og ønsker å bli boende. Kjøp er ikke aktuelt nå.",
            "Ny vurdering om ett år.",
        ),
    ),
}
NO_SHOW_NOTE = ("Husstanden møtte ikke og svarte ikke på telefon.", "Sender ny innkalling.")
CANCELLED_NOTE = ("Avlyst etter ønske fra leietaker (sykdom).", "Ny tid avtales på telefon.")
JOURNAL_TEXTS = (
    "Ringte leietaker og avtalte tid for samtale.",
    "Mottatt lønnsslipper og skattemelding på e-post.",
    "Leietaker har fått fast jobb og vil se på muligheten for kjøp.",
    "Bestilt tolk til neste samtale.",
    "Snakket med NAV-veileder om bostøtte og økonomisk rådgivning.",
    "Leietaker ringte om vedlikehold på badet; sendt videre til eiendomsforvaltningen.",
    "Gikk gjennom budsjett for et mulig kjøp; husstanden sparer til egenkapital.",
    "Leietaker ønsker større bolig; står på liste for bytte.",
)
ARREARS_NOTE = "Purret på husleierestanse; avtalt nedbetalingsplan."

HELD_AT_HOME_SHARE = 0.1
# A meeting takes one of these slots (local time), so a caseworker's day
# never holds two meetings at once.
MEETING_SLOTS = ((8, 30), (9, 30), (10, 30), (12, 30), (13, 30), (14, 30))


# ---------------------------------------------------------------------------
# Options and result


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    full_name: str


@dataclass
class DemoResult:
    municipality: Municipality
    created: bool
    logins: list[DemoLogin]
    password: str
    hooks: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    ended_by_reason: dict[str, int] = field(default_factory=dict)
    bought_per_year: dict[int, int] = field(default_factory=dict)


def parse_options(
    municipality: object, households: object, seed: object, password: object
) -> tuple[str, int, int, str]:
    """Check the command's options; raise DemoError with a Norwegian message."""
    number = str(municipality or "").strip()
    if len(number) != 4 or not number.isdigit():
        raise DemoError(
            _("Kommunenummeret må ha fire siffer, for eksempel 3807 (fikk «%(value)s»).")
            % {"value": municipality}
        )
    try:
        count = int(str(households).strip())
    except ValueError:
        count = None
    if count is None or not MIN_HOUSEHOLDS <= count <= MAX_HOUSEHOLDS:
        raise DemoError(
            _("Antall husstander må være et helt tall fra %(min)s til %(max)s (fikk «%(value)s»).")
            % {"min": MIN_HOUSEHOLDS, "max": MAX_HOUSEHOLDS, "value": households}
        )
    try:
        seed_value = int(str(seed).strip())
    except ValueError:
        raise DemoError(_("--seed må være et helt tall (fikk «%(value)s»).") % {"value": seed}) from None
    pw = str(password or "")
    if len(pw) < 8:
        raise DemoError(_("Passordet må ha minst 8 tegn."))
    return number, count, seed_value, pw


def seed_demo(
    municipality: str = DEFAULT_MUNICIPALITY,
    households: int | str = DEFAULT_HOUSEHOLDS,
    seed: int | str = DEFAULT_SEED,
    password: str = DEFAULT_PASSWORD,
    today: datetime.date | None = None,
) -> DemoResult:
    """Build the demo municipality, all or nothing.

    When the municipality already has households nothing is generated; only
    the demo users and their password are ensured.
    """
    number, count, seed_value, pw = parse_options(municipality, households, seed, password)
    today = today or timezone.localdate()
    profile = profile_for(number)
    with transaction.atomic():
        ensure_roles()
        office = _ensure_municipality(profile)
        staff, logins = _ensure_users(office, profile, pw)
        result = DemoResult(office, created=False, logins=logins, password=pw)
        if not Household.all_objects.filter(municipality=office).exists():
            _Generator(office, profile, staff, count, seed_value, today).run(result)
            result.created = True
        result.hooks = _run_hooks(office)
    return result


def _ensure_municipality(profile: Profile) -> Municipality:
    office, _created = Municipality.objects.get_or_create(
        number=profile.number, defaults={"name": profile.name}
    )
    # Fill what is blank, never overwrite what someone has set.
    wanted = {
        "office_name": "Boligkontoret",
        "address": profile.address,
        "postal_code": profile.postal_code,
        "postal_place": profile.postal_place,
        "visiting_address": f"{profile.visiting_address}, {profile.postal_place.title()}",
        "phone": profile.phone,
        "email": profile.email,
        "website": profile.website,
    }
    changed = [name for name, value in wanted.items() if not getattr(office, name)]
    for name in changed:
        setattr(office, name, wanted[name])
    if changed:
        office.save(update_fields=changed)
    return office


@dataclass(frozen=True)
class _StaffSpec:
    username: str
    group: str
    first_name: str
    last_name: str
    title: str


STAFF = (
    _StaffSpec("saksbehandler", CASEWORKER, "Silje", "Haugen", "Rådgiver, boveileder"),
    _StaffSpec("saksbehandler2", CASEWORKER, "Amir", "Rahimi", "Rådgiver, startlån"),
    _StaffSpec("saksbehandler3", CASEWORKER, "Marte", "Sæther", "Boveileder"),
    _StaffSpec("leder", LEADER, "Tor Erik", "Ødegaard", "Leder, Boligkontoret"),
)


@dataclass(frozen=True)
class _Staff:
    caseworkers: list[User]
    leader: User


def _demo_username(base: str, office: Municipality) -> str:
    """`base`, unless another municipality's demo already holds that name."""
    taken = User.objects.filter(username=base).first()
    if taken is None or (taken.municipality_id in (None, office.pk) and not taken.is_superuser):
        return base
    return f"{base}-{office.number}"


def _ensure_users(office: Municipality, profile: Profile, password: str) -> tuple[_Staff, list[DemoLogin]]:
    # One hash for all demo users: they share the password by design, and
    # each hash costs a noticeable fraction of a second.
    hashed = make_password(password)
    groups = {g.name: g for g in Group.objects.filter(name__in=[CASEWORKER, LEADER])}
    users: list[User] = []
    logins: list[DemoLogin] = []
    for i, spec in enumerate(STAFF):
        username = _demo_username(spec.username, office)
        user, _created = User.objects.get_or_create(username=username)
        for name, value in (
            ("first_name", spec.first_name),
            ("last_name", spec.last_name),
            ("title", spec.title),
            ("phone", f"{profile.phone[:6]}{41 + i:02d} {12 + 11 * i:02d}"),
            ("email", f"{fold(spec.first_name).replace(' ', '.')}.{fold(spec.last_name)}@{profile.domain}"),
        ):
            if not getattr(user, name):
                setattr(user, name, value)
        user.municipality = office
        user.is_active = True
        if spec.group == LEADER:
            user.is_staff = True
        user.password = hashed
        user.save()
        user.groups.add(groups[spec.group])
        users.append(user)
        role = _("leder") if spec.group == LEADER else _("saksbehandler")
        logins.append(DemoLogin(username, str(role), user.get_full_name()))
    return _Staff(caseworkers=users[:3], leader=users[3]), logins


HOOKS = (
    ("tenants.letters", "ensure_default_templates"),
    ("startloan.services", "ensure_default_parameters"),
)


def _run_hooks(office: Municipality) -> list[str]:
    """Call the other modules' "ensure defaults" functions where they exist."""
    ran = []
    for module_name, function_name in HOOKS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue
            raise
        function: Callable[[Municipality], object] | None = getattr(module, function_name, None)
        if function is not None:
            function(office)
            ran.append(f"{module_name}.{function_name}")
    return ran


# ---------------------------------------------------------------------------
# The plan: plain objects first, model rows in bulk at the end.


@dataclass(eq=False)
class _Dwelling:
    index: int
    reference: str
    address: str
    postal_code: str
    postal_place: str
    rooms: int
    area: Decimal
    category: str
    wheelchair: bool
    ownership: str
    acquired_on: datetime.date
    rent_level: int
    acquired_in_window: bool = False
    disposed_on: datetime.date | None = None
    sold_to_tenant: bool = False
    for_sale: bool = False
    let_now: bool = False
    row: Dwelling | None = None


@dataclass(eq=False)
class _Tenancy:
    dwelling: _Dwelling
    start: datetime.date
    end: datetime.date | None
    reason: str = ""
    forced: bool = False
    prev: _Tenancy | None = None
    next: _Tenancy | None = None
    row: Tenancy | None = None


@dataclass(eq=False)
class _Member:
    first_name: str
    last_name: str
    born: datetime.date
    role: str
    national_id: str = ""


@dataclass(eq=False)
class _Household:
    tenancies: list[_Tenancy]
    registered: datetime.date
    fate: str  # "current", "applicant" or the end reason of the last tenancy
    members: list[_Member] = field(default_factory=list)
    origin: Origin = NORWEGIAN
    row: Household | None = None

    @property
    def current(self) -> _Tenancy | None:
        last = self.tenancies[-1] if self.tenancies else None
        return last if last is not None and last.end is None else None

    @property
    def exit_date(self) -> datetime.date | None:
        return self.tenancies[-1].end if self.tenancies else None

    @property
    def first_category(self) -> str | None:
        return self.tenancies[0].dwelling.category if self.tenancies else None


def _years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _add_months(day: datetime.date, months: int) -> datetime.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return datetime.date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _weekday_before(day: datetime.date) -> datetime.date:
    while day.weekday() >= 5:
        day -= DAY
    return day


def _workday_near(rng: random.Random, day: datetime.date, latest: datetime.date) -> datetime.date:
    """A weekday close to `day`, not after `latest`: Saturdays move back,
    Sundays forward, so that Fridays do not collect the weekends' work."""
    if day.weekday() == 5:
        day -= rng.choice((1, 2)) * DAY
    elif day.weekday() == 6:
        day += rng.choice((1, 2)) * DAY
    return day if day <= latest else _weekday_before(latest)


def _weekday_after(day: datetime.date) -> datetime.date:
    while day.weekday() >= 5:
        day += DAY
    return day


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def _between(rng: random.Random, first: datetime.date, last: datetime.date) -> datetime.date:
    if last <= first:
        return first
    return first + datetime.timedelta(days=rng.randint(0, (last - first).days))


def _weighted(rng: random.Random, pairs: Iterable[tuple[str, float]]) -> str:
    items = list(pairs)
    return rng.choices([k for k, _w in items], weights=[w for _k, w in items])[0]


def _round(value: float, step: int) -> int:
    return int(round(value / step) * step)


def _phone(rng: random.Random) -> str:
    return f"{rng.choice('49')}{rng.randint(0, 99):02d} {rng.randint(0, 99):02d} {rng.randint(0, 999):03d}"


# Tenancy lengths: log-normal around these medians (years), before tuning.
MEDIAN_YEARS = {GENERAL: 4.5, CARE: 5.0, EMERGENCY: 0.8}
SIGMA = {GENERAL: 0.6, CARE: 0.7, EMERGENCY: 0.6}
GAP_DAYS = {GENERAL: (10, 75), CARE: (7, 45), EMERGENCY: (3, 30)}
LET_SHARE = {GENERAL: 0.85, CARE: 0.95, EMERGENCY: 0.7}
# The office sells dwellings that no longer fit (often to the tenant) and
# buys better ones (DESIGN §1). Sales also spread the exits over the years:
# a sold dwelling needs no new tenant, so its last tenant's exit costs no
# vacancy today.
SOLD_SHARE = 0.25
ACQUIRED_SHARE = 0.3
MAX_YEARS = 35
REASON_WEIGHTS: dict[str, tuple[tuple[str, float], ...]] = {
    GENERAL: (
        (R.BOUGHT_OWN_HOME, 62),
        (R.PRIVATE_RENTAL, 21),
        (R.MOVED_AWAY, 6),
        (R.EVICTION, 3),
        (R.DECEASED, 2),
        (R.CARE_INSTITUTION, 2),
        (R.OTHER, 4),
    ),
    CARE: ((R.DECEASED, 55), (R.CARE_INSTITUTION, 35), (R.MOVED_AWAY, 4), (R.OTHER, 6)),
    EMERGENCY: (
        (R.PRIVATE_RENTAL, 40),
        (R.MOVED_AWAY, 20),
        (R.OTHER, 25),
        (R.EVICTION, 10),
        (R.BOUGHT_OWN_HOME, 5),
    ),
}
MOVE_SHARE = 0.07
APPLICANT_SHARE = 0.02


class _Generator:
    def __init__(
        self,
        office: Municipality,
        profile: Profile,
        staff: _Staff,
        households: int,
        seed: int,
        today: datetime.date,
    ) -> None:
        self.office = office
        self.profile = profile
        self.staff = staff
        self.n_households = households
        self.seed = seed
        self.today = today
        self.window_start = _years_before(today, HISTORY_YEARS)
        self.streets = profile.streets + COMMON_STREETS
        self.place = profile.postal_place
        street_rng = self._rng("streets")
        self.street_codes = {street: street_rng.choice(profile.postal_codes) for street in self.streets}
        self.used_addresses: set[str] = set()
        self.national_ids: set[str] = set()
        self.busy: dict[tuple[int, datetime.date], set[tuple[int, int]]] = defaultdict(set)
        self.slot_rng = self._rng("slots")
        self.visiting = office.visiting_address or profile.visiting_address
        # Rows to insert.
        self.stage_changes: list[PathwayStageChange] = []
        self.meetings: list[OutreachMeeting] = []
        self.notes: list[JournalNote] = []
        self.arrears: list[RentArrears] = []
        self.loans: list[tuple[StartLoanApplication, list[ApplicationStatusChange]]] = []

    def _rng(self, stream: str) -> random.Random:
        return random.Random(f"{self.seed}:{stream}")

    # -- dwellings ---------------------------------------------------------

    def _address(
        self, rng: random.Random, flat_share: float, streets: tuple[str, ...] | None = None
    ) -> tuple[str, str]:
        """A fresh street address in the municipality, and its postcode."""
        streets = streets or self.streets
        while True:
            street = rng.choice(streets)
            number = rng.randint(1, 90)
            text = f"{street} {number}"
            if rng.random() < 0.15:
                text += rng.choice("ABC")
            if rng.random() < flat_share:
                text += f" H0{rng.randint(1, 4)}0{rng.randint(1, 4)}"
            if text not in self.used_addresses:
                self.used_addresses.add(text)
                return text, self.street_codes[street]

    def plan_dwellings(self) -> list[_Dwelling]:
        rng = self._rng("dwellings")
        count = max(10, round(self.n_households * 0.85))
        n_care = round(count * 0.15)
        n_emergency = max(1, round(count * 0.05))
        categories = [CARE] * n_care + [EMERGENCY] * n_emergency + [GENERAL] * (count - n_care - n_emergency)
        rng.shuffle(categories)
        old_start = datetime.date(1978, 1, 1)
        dwellings: list[_Dwelling] = []
        for i, category in enumerate(categories):
            if category == CARE:
                rooms = rng.choice((1, 2, 2))
                area = rng.uniform(38, 62)
                wheelchair = rng.random() < 0.9
                ownership = Ownership.OWNED
            elif category == EMERGENCY:
                rooms = rng.choice((1, 1, 2))
                area = 18 + rooms * rng.uniform(12, 20)
                wheelchair = rng.random() < 0.2
                ownership = Ownership.LEASED if rng.random() < 0.5 else Ownership.OWNED
            else:
                rooms = int(_weighted(rng, (("1", 14), ("2", 30), ("3", 31), ("4", 18), ("5", 7))))
                area = 22 + rooms * rng.uniform(13, 20)
                wheelchair = rng.random() < 0.33
                ownership = Ownership.LEASED if rng.random() < 0.18 else Ownership.OWNED
            address, code = self._address(rng, 0.9 if category == CARE else 0.4)
            in_window = category != EMERGENCY and rng.random() < ACQUIRED_SHARE
            if in_window:
                acquired = _between(rng, self.window_start + 30 * DAY, self.today - 60 * DAY)
            elif ownership == Ownership.LEASED:
                acquired = _between(rng, _years_before(self.window_start, 12), self.window_start - DAY)
            else:
                acquired = _between(rng, old_start, self.window_start - DAY)
            if category == CARE:
                rent = rng.uniform(7000, 10000)
            elif category == EMERGENCY:
                rent = rng.uniform(6000, 8000)
            else:
                rent = 4800 + rooms * 1450 + rng.uniform(-600, 900)
            dwellings.append(
                _Dwelling(
                    index=i,
                    reference=f"B-{i + 1:04d}",
                    address=address,
                    postal_code=code,
                    postal_place=self.place,
                    rooms=rooms,
                    area=Decimal(f"{area:.1f}"),
                    category=category,
                    wheelchair=wheelchair,
                    ownership=ownership,
                    acquired_on=acquired,
                    rent_level=min(14000, max(6000, _round(rent, 50))),
                    acquired_in_window=in_window,
                )
            )
        # Sales: old, owned, general dwellings; half of them to the tenant.
        sellable = [
            d
            for d in dwellings
            if d.category == GENERAL and d.ownership == Ownership.OWNED and not d.acquired_in_window
        ]
        n_sold = max(1, round(count * SOLD_SHARE))
        n_for_sale = max(1, round(count * 0.01))
        picked = rng.sample(sellable, min(len(sellable), n_sold + n_for_sale))
        for j, d in enumerate(picked):
            if j < n_sold:
                d.disposed_on = _between(rng, self.window_start + 120 * DAY, self.today - 45 * DAY)
                d.sold_to_tenant = j % 2 == 0
            else:
                d.for_sale = True
        for d in dwellings:
            d.let_now = d.disposed_on is None and not d.for_sale and rng.random() < LET_SHARE[d.category]
        return dwellings

    # -- tenancies ---------------------------------------------------------

    def _duration(self, rng: random.Random, category: str, scale: float) -> int:
        years = rng.lognormvariate(math.log(MEDIAN_YEARS[category] * scale), SIGMA[category])
        return int(min(max(years * 365.25, 45), MAX_YEARS * 365.25))

    def _chain(self, d: _Dwelling, scale: float) -> list[_Tenancy]:
        """The dwelling's tenancies, walked backwards from today or the sale."""
        rng = self._rng(f"chain:{d.index}")
        floor = d.acquired_on
        out: list[_Tenancy] = []
        forced = False
        if d.disposed_on is not None:
            forced = d.sold_to_tenant
            end = d.disposed_on if forced else d.disposed_on - rng.randint(30, 180) * DAY
        elif d.let_now:
            age = max(1, int(self._duration(rng, d.category, scale) * rng.random()))
            start = max(self.today - age * DAY, floor + rng.randint(7, 45) * DAY)
            start = min(start, self.today)
            out.append(_Tenancy(d, start, None))
            end = start - rng.randint(*GAP_DAYS[d.category]) * DAY
        else:
            # A vacancy that began recently forces a recent exit; spread them
            # over the last year and a half (refurbishing, waiting for sale) so
            # that the last year does not stand out in the yearly figures.
            end = self.today - rng.randint(90 if d.for_sale else 30, 700 if d.for_sale else 540) * DAY
        while end >= self.window_start and (end - floor).days > 60:
            start = max(end - self._duration(rng, d.category, scale) * DAY, floor + rng.randint(0, 30) * DAY)
            t = _Tenancy(d, start, end)
            if forced:
                t.reason, t.forced, forced = R.BOUGHT_OWN_HOME, True, False
            out.append(t)
            end = start - rng.randint(*GAP_DAYS[d.category]) * DAY
        out.reverse()
        return out

    def _link_moves(self, tenancies: list[_Tenancy]) -> int:
        """Join some ended tenancies to a later one in another dwelling: the
        household moved (from an emergency dwelling, mostly)."""
        rng = self._rng("moves")
        ended = [t for t in tenancies if t.end is not None and not t.forced]
        target = max(1, round(MOVE_SHARE * len(ended)))
        by_start = sorted(tenancies, key=lambda t: (t.start, t.dwelling.index))
        starts = [t.start for t in by_start]
        candidates = sorted(
            (t for t in ended if t.dwelling.category != CARE),
            key=lambda t: (t.dwelling.category != EMERGENCY, rng.random()),
        )
        links = 0
        # Moves happen within weeks; a wide window only as a last resort so
        # that even a small demo has one.
        for window in (60, 3 * 365):
            for a in candidates:
                if links >= target:
                    break
                if a.next is not None or a.end is None:
                    continue
                j = bisect.bisect_right(starts, a.end)
                while j < len(by_start) and by_start[j].start <= a.end + window * DAY:
                    b = by_start[j]
                    if b.prev is None and b.dwelling is not a.dwelling and b.dwelling.category == GENERAL:
                        a.next, b.prev, a.reason = b, a, R.OTHER_MUNICIPAL_DWELLING
                        links += 1
                        break
                    j += 1
            if links:
                break
        return links

    def plan_tenancies(self, dwellings: list[_Dwelling]) -> list[_Tenancy]:
        """Tune tenancy lengths so the chains make `--households` households."""
        target = self.n_households - round(self.n_households * APPLICANT_SHARE)

        def build(scale: float) -> tuple[list[_Tenancy], int]:
            tenancies = [t for d in dwellings for t in self._chain(d, scale)]
            return tenancies, len(tenancies) - self._link_moves(tenancies)

        lo, hi = math.log(0.15), math.log(10.0)
        best: tuple[list[_Tenancy], int] | None = None
        fewest: tuple[list[_Tenancy], int] | None = None
        for _step in range(22):
            mid = (lo + hi) / 2
            tenancies, made = build(math.exp(mid))
            if made <= target:
                if best is None or made > best[1]:
                    best = (tenancies, made)
                hi = mid
            else:
                if fewest is None or made < fewest[1]:
                    fewest = (tenancies, made)
                lo = mid
            if best is not None and best[1] == target:
                break
        chosen = best or fewest
        assert chosen is not None
        tenancies, made = chosen
        self._trim(tenancies, made - target)
        return tenancies

    def _trim(self, tenancies: list[_Tenancy], excess: int) -> None:
        """Drop the first tenancy of some dwellings' histories when even the
        longest tenancies make too many households."""
        rng = self._rng("trim")
        while excess > 0:
            first: dict[int, _Tenancy] = {}
            for t in tenancies:
                known = first.get(t.dwelling.index)
                if known is None or t.start < known.start:
                    first[t.dwelling.index] = t
            candidates = [
                t
                for t in first.values()
                if t.end is not None and not t.forced and t.prev is None and t.next is None
            ]
            if not candidates:
                return
            tenancies.remove(rng.choice(candidates))
            excess -= 1

    def assign_reasons(self, tenancies: list[_Tenancy]) -> None:
        rng = self._rng("reasons")
        ended = sorted((t for t in tenancies if t.end is not None), key=lambda t: (t.end, t.dwelling.index))
        for t in ended:
            if not t.reason:
                t.reason = _weighted(rng, REASON_WEIGHTS[t.dwelling.category])
        # Every end reason shows up, even in a small demo: take from the
        # most common reason.
        counts = Counter(t.reason for t in ended)
        for reason in R.values:
            if counts[reason] or reason == R.OTHER_MUNICIPAL_DWELLING:
                continue
            donors = [
                t
                for t in ended
                if not t.forced and t.next is None and t.dwelling.category == GENERAL and counts[t.reason] > 1
            ]
            if not donors:
                continue
            donor = max(donors, key=lambda t: counts[t.reason])
            counts[donor.reason] -= 1
            donor.reason = reason
            counts[reason] += 1

    def plan_households(self, tenancies: list[_Tenancy]) -> list[_Household]:
        rng = self._rng("households")
        careers: list[list[_Tenancy]] = []
        for t in sorted(tenancies, key=lambda t: (t.start, t.dwelling.index)):
            if t.prev is None:
                career = [t]
                while career[-1].next is not None:
                    career.append(career[-1].next)
                careers.append(career)
        households = []
        for career in careers:
            last = career[-1]
            fate = "current" if last.end is None else last.reason
            households.append(_Household(career, career[0].start - rng.randint(10, 200) * DAY, fate))
        for _i in range(max(0, self.n_households - len(households))):
            households.append(_Household([], self.today - rng.randint(20, 700) * DAY, "applicant"))
        households.sort(key=lambda h: (h.registered, h.tenancies[0].dwelling.index if h.tenancies else -1))
        return households[: self.n_households]

    # -- people ------------------------------------------------------------

    def _national_id(self, rng: random.Random, born: datetime.date, d_number: bool) -> str:
        day = born.day + (40 if d_number else 0)
        low, high = (0, 499) if born.year < 2000 else (500, 999)
        for _attempt in range(40):
            nine = f"{day:02d}{born.month:02d}{born.year % 100:02d}{rng.randint(low, high):03d}"
            digits = check_digits(nine)
            if digits is not None and nine + digits not in self.national_ids:
                self.national_ids.add(nine + digits)
                return nine + digits
        return ""

    def plan_people(self, households: list[_Household]) -> None:
        rng = self._rng("people")
        origin_weights = [(o.key, o.weight) for o in ORIGINS]
        by_key = {o.key: o for o in ORIGINS}
        for h in households:
            category = h.first_category
            if category == CARE:
                origin = NORWEGIAN if rng.random() < 0.85 else by_key[_weighted(rng, origin_weights)]
            else:
                origin = by_key[_weighted(rng, origin_weights)]
            h.origin = origin
            rooms = max((t.dwelling.rooms for t in h.tenancies), default=3)
            composition = self._composition(rng, category, rooms)
            start = h.tenancies[0].start if h.tenancies else h.registered
            reference_day = h.exit_date or self.today
            years_in = int((reference_day - start).days / 365.25)
            if category == CARE:
                main_born = _years_before(reference_day, rng.randint(72, 97)) - rng.randint(0, 364) * DAY
            else:
                main_age = rng.randint(19, 45) if category == EMERGENCY else rng.randint(21, 55)
                # Nobody buys their first home at 84: keep the age when the
                # household left (or today) believable.
                oldest = 66 if h.fate in (R.BOUGHT_OWN_HOME, R.PRIVATE_RENTAL, "current", "applicant") else 85
                main_age = min(main_age, max(19, oldest - years_in))
                main_born = _years_before(start, main_age) - rng.randint(0, 364) * DAY
            used: set[str] = set()

            def first_name(names: tuple[str, ...], used: set[str] = used) -> str:
                # Two children called Jonas in one household would look like a bug.
                name = rng.choice([n for n in names if n not in used] or list(names))
                used.add(name)
                return name

            # Single parents are mostly mothers.
            main_male = rng.random() < (0.2 if composition[2] and not composition[0] else 0.55)
            surname = rng.choice(origin.surnames)
            d_number = rng.random() < origin.d_number_share
            main = _Member(
                first_name(origin.male if main_male else origin.female),
                surname[0] if main_male else surname[1],
                main_born,
                PersonRole.MAIN,
            )
            if rng.random() < 0.65:
                main.national_id = self._national_id(rng, main_born, d_number)
            members = [main]
            partner, extra_adults, children = composition
            if partner:
                spouse_male = not main_male if rng.random() < 0.97 else main_male
                if origin is NORWEGIAN and rng.random() < 0.4:
                    spouse_surname = rng.choice(origin.surnames)
                else:
                    spouse_surname = surname
                born = main_born + rng.randint(-6 * 365, 4 * 365) * DAY
                spouse = _Member(
                    first_name(origin.male if spouse_male else origin.female),
                    spouse_surname[0] if spouse_male else spouse_surname[1],
                    born,
                    PersonRole.CO_APPLICANT,
                )
                if rng.random() < 0.4:
                    spouse.national_id = self._national_id(rng, born, d_number)
                members.append(spouse)
            main_age_then = (reference_day - main_born).days // 365
            for _k in range(extra_adults):
                male = rng.random() < 0.5
                age = rng.randint(18, max(18, min(30, main_age_then - 18)))
                members.append(
                    _Member(
                        first_name(origin.male if male else origin.female),
                        surname[0] if male else surname[2],
                        _years_before(reference_day, age) - rng.randint(0, 364) * DAY,
                        PersonRole.ADULT,
                    )
                )
            oldest_child = max(0, min(17, main_age_then - 18))
            for _k in range(children):
                male = rng.random() < 0.5
                age = rng.randint(0, oldest_child)
                if origin is not NORWEGIAN and rng.random() < 0.25:
                    first = first_name(SHARED_CHILD_NAMES[0 if male else 1])
                else:
                    first = first_name(origin.male if male else origin.female)
                born = min(reference_day, _years_before(reference_day, age)) - rng.randint(0, 300) * DAY
                members.append(_Member(first, surname[0] if male else surname[2], born, PersonRole.CHILD))
            h.members = members

    def _composition(self, rng: random.Random, category: str | None, rooms: int) -> tuple[bool, int, int]:
        """(has a partner, further adults, children)."""
        if category == CARE:
            return (rng.random() < 0.2, 0, 0)
        if category == EMERGENCY:
            return (False, 0, rng.choice((1, 2))) if rng.random() < 0.3 else (False, 0, 0)
        kinds: tuple[tuple[tuple[bool, int, int], float], ...]
        if rooms == 1:
            kinds = (((False, 0, 0), 88), ((True, 0, 0), 12))
        elif rooms == 2:
            kinds = (((False, 0, 0), 45), ((True, 0, 0), 20), ((False, 0, 1), 35))
        elif rooms == 3:
            kinds = (
                ((False, 0, 2), 30),
                ((True, 0, 1), 20),
                ((True, 0, 2), 20),
                ((True, 0, 0), 10),
                ((False, 0, 0), 10),
                ((False, 1, 0), 10),
            )
        else:
            kinds = (
                ((True, 0, 2), 25),
                ((True, 0, 3), 25),
                ((True, 0, 4), 10),
                ((False, 0, 3), 20),
                ((False, 0, 2), 10),
                ((True, 1, 1), 10),
            )
        return rng.choices([k for k, _w in kinds], weights=[w for _k, w in kinds])[0]

    # -- history -----------------------------------------------------------

    def _stage_path(self, rng: random.Random, h: _Household) -> list[str]:
        fate = h.fate
        if fate == R.BOUGHT_OWN_HOME:
            loan = [S.APPLYING_LOAN, S.LOAN_GRANTED] if rng.random() < 0.75 else []
            return [S.SUMMONED, S.MAPPED, S.GUIDANCE, *loan, S.BOUGHT_HOME]
        if fate == R.PRIVATE_RENTAL:
            return [S.SUMMONED, S.MAPPED] + ([S.GUIDANCE] if rng.random() < 0.5 else []) + [S.PRIVATE_RENTAL]
        if fate == "applicant":
            return [S.GUIDANCE, S.APPLYING_LOAN] + ([S.LOAN_GRANTED] if rng.random() < 0.4 else [])
        if fate != "current":
            before = rng.choice(([], [], [S.SUMMONED], [S.SUMMONED, S.MAPPED]))
            return [*before, S.NOT_RELEVANT]
        current = h.current
        assert current is not None
        category = current.dwelling.category
        if category == CARE:
            return [S.NOT_RELEVANT] if rng.random() < 0.8 else []
        if category == EMERGENCY:
            return [S.NOT_RELEVANT] if rng.random() < 0.4 else []
        years = (self.today - h.tenancies[0].start).days / 365.25
        if years < 0.25:
            return []
        if years < 1:
            weights = ((S.NOT_ASSESSED, 70), (S.SUMMONED, 15), (S.MAPPED, 15))
        elif years < 3:
            weights = (
                (S.NOT_ASSESSED, 35),
                (S.SUMMONED, 20),
                (S.MAPPED, 20),
                (S.GUIDANCE, 15),
                (S.NOT_RELEVANT, 10),
            )
        else:
            weights = (
                (S.NOT_ASSESSED, 12),
                (S.SUMMONED, 15),
                (S.MAPPED, 15),
                (S.GUIDANCE, 20),
                (S.APPLYING_LOAN, 12),
                (S.LOAN_GRANTED, 8),
                (S.NOT_RELEVANT, 18),
            )
        goal = _weighted(rng, weights)
        line = [S.SUMMONED, S.MAPPED, S.GUIDANCE, S.APPLYING_LOAN, S.LOAN_GRANTED]
        if goal == S.NOT_ASSESSED:
            return []
        if goal == S.NOT_RELEVANT:
            return [S.SUMMONED, S.MAPPED, S.NOT_RELEVANT]
        return line[: line.index(goal) + 1]

    def _stage_days(self, rng: random.Random, h: _Household, path: list[str]) -> list[datetime.date]:
        """One date per change, in order, inside the household's history."""
        if not path:
            return []
        begin = h.tenancies[0].start + 30 * DAY if h.tenancies else h.registered
        if h.fate == "current" or h.fate == "applicant":
            last = self.today - (rng.randint(3, 30) if path[-1] == S.SUMMONED else rng.randint(2, 120)) * DAY
            first = max(begin, self.today - rng.randint(200, 900) * DAY)
        else:
            assert h.exit_date is not None
            last = min(h.exit_date, self.today)
            first = max(begin, last - rng.randint(300, 1100) * DAY)
        first = min(first, last)
        if len(path) == 1:
            return [last]
        span = (last - first).days
        days = sorted(
            first + datetime.timedelta(days=int(span * k / (len(path) - 1))) for k in range(len(path))
        )
        return days

    def _free_slot(self, user: User, day: datetime.date, forward: bool) -> tuple[datetime.date, int, int]:
        step = DAY if forward else -DAY
        if not forward:
            day = _workday_near(self.slot_rng, day, self.today)
        for _attempt in range(60):
            day = _weekday_after(day) if forward else _weekday_before(day)
            taken = self.busy[(user.pk, day)]
            free = [slot for slot in MEETING_SLOTS if slot not in taken]
            if free:
                slot = self.slot_rng.choice(free)
                taken.add(slot)
                return day, slot[0], slot[1]
            day += step
        return day, 15, 0

    def _meeting(
        self,
        rng: random.Random,
        h: _Household,
        user: User,
        day: datetime.date,
        status: str,
        notes: tuple[str, str] = ("", ""),
        forward: bool = False,
    ) -> datetime.datetime:
        day, hour, minute = self._free_slot(user, day, forward)
        starts = _at(day, hour, minute)
        current = h.current
        place = f"Boligkontoret, {self.visiting}"
        if status == MeetingStatus.HELD and current is not None and rng.random() < HELD_AT_HOME_SHARE:
            place = f"Hjemmebesøk, {current.dwelling.address}"
        assert h.row is not None
        self.meetings.append(
            OutreachMeeting(
                municipality=self.office,
                household=h.row,
                caseworker=user,
                starts_at=starts,
                duration_minutes=rng.choice((45, 45, 60)),
                place=place,
                status=status,
                outcome_notes=notes[0],
                next_steps=notes[1],
                created_at=min(starts - rng.randint(7, 21) * DAY, timezone.now()),
            )
        )
        return starts

    def _note(self, h: _Household, user: User, when: datetime.datetime, text: str) -> None:
        assert h.row is not None
        self.notes.append(
            JournalNote(municipality=self.office, household=h.row, author=user, text=text, created_at=when)
        )

    def plan_history(self, households: list[_Household]) -> None:
        rng = self._rng("history")
        caseworkers = self.staff.caseworkers
        for h in households:
            assert h.row is not None
            user = h.row.caseworker or caseworkers[0]
            path = self._stage_path(rng, h)
            days = self._stage_days(rng, h, path)
            stage = S.NOT_ASSESSED.value
            stamp: datetime.datetime | None = None
            summoned_at: datetime.datetime | None = None
            loan_days: dict[str, datetime.date] = {}
            for to_stage, day in zip(path, days, strict=True):
                if to_stage == S.MAPPED:
                    if summoned_at is not None and rng.random() < 0.25:
                        status, note = (
                            (MeetingStatus.NO_SHOW, NO_SHOW_NOTE)
                            if rng.random() < 0.7
                            else (MeetingStatus.CANCELLED, CANCELLED_NOTE)
                        )
                        missed = summoned_at.date() + rng.randint(7, 14) * DAY
                        if missed < day:
                            self._meeting(rng, h, user, missed, status, note)
                    kind = {
                        R.BOUGHT_OWN_HOME: "buy",
                        R.PRIVATE_RENTAL: "private",
                    }.get(h.fate, "stay" if S.NOT_RELEVANT in path else "guidance")
                    if S.APPLYING_LOAN in path:
                        kind = "buy"
                    starts = self._meeting(
                        rng, h, user, day, MeetingStatus.HELD, rng.choice(HELD_NOTES[kind])
                    )
                    when = starts + 75 * datetime.timedelta(minutes=1)
                else:
                    when = _at(
                        _workday_near(rng, day, self.today), rng.randint(8, 15), rng.choice((0, 15, 30, 45))
                    )
                if stamp is not None and when <= stamp:
                    when = stamp + datetime.timedelta(hours=1)
                if to_stage == S.NOT_RELEVANT:
                    if h.fate in NOT_RELEVANT_REASONS:
                        reason = NOT_RELEVANT_REASONS[h.fate]
                    elif h.current is not None and h.current.dwelling.category in (CARE, EMERGENCY):
                        reason = NOT_RELEVANT_REASONS[h.current.dwelling.category]
                    else:
                        reason = NOT_RELEVANT_REASONS["income"]
                elif to_stage == S.SUMMONED and h.tenancies and (day - h.tenancies[0].start).days >= 3 * 365:
                    reason = rng.choice(SUMMONED_LONG_STAY)
                elif to_stage == S.MAPPED and h.row.interpreter_language:
                    reason = f"Kartleggingssamtale gjennomført med tolk ({h.row.interpreter_language})."
                else:
                    reason = rng.choice(STAGE_REASONS[to_stage])
                self.stage_changes.append(
                    PathwayStageChange(
                        household=h.row,
                        from_stage=stage,
                        to_stage=to_stage,
                        changed_at=when,
                        changed_by=user,
                        reason=reason,
                    )
                )
                if to_stage == S.SUMMONED:
                    summoned_at = when
                    self._note(h, user, when, "Sendt skriftlig innkalling til kartleggingssamtale.")
                loan_days[to_stage] = when.date()
                stage, stamp = to_stage, when
            h.row.pathway_stage = stage
            h.row.stage_changed_at = stamp or _at(h.tenancies[0].start if h.tenancies else h.registered, 9)
            self._upcoming(rng, h, user, stage)
            self._loans(rng, h, user, path, loan_days)
            self._journal(rng, h, user)
            for t in h.tenancies:
                self._arrears(rng, t, h, user)

    def _upcoming(self, rng: random.Random, h: _Household, user: User, stage: str) -> None:
        if h.fate != "current":
            return
        if stage == S.SUMMONED or (stage in (S.GUIDANCE, S.APPLYING_LOAN) and rng.random() < 0.3):
            self._meeting(
                rng, h, user, self.today + rng.randint(1, 21) * DAY, MeetingStatus.PLANNED, forward=True
            )

    def ensure_upcoming_for(self, user: User, households: list[_Household], least: int = 3) -> None:
        """The demo user opens a calendar with meetings in it."""
        rng = self._rng("upcoming")
        planned = sum(1 for m in self.meetings if m.caseworker == user and m.status == MeetingStatus.PLANNED)
        mine = [
            h
            for h in households
            if h.fate == "current"
            and h.row is not None
            and h.row.caseworker == user
            and h.first_category == GENERAL
        ]
        for h in mine:
            if planned >= least:
                break
            if any(m.household is h.row and m.status == MeetingStatus.PLANNED for m in self.meetings):
                continue
            self._meeting(
                rng, h, user, self.today + rng.randint(1, 14) * DAY, MeetingStatus.PLANNED, forward=True
            )
            planned += 1

    def _journal(self, rng: random.Random, h: _Household, user: User) -> None:
        begin = h.tenancies[0].start if h.tenancies else h.registered
        end = min(h.exit_date or self.today, self.today)
        for _k in range(rng.choice((0, 1, 1, 2, 3))):
            day = _workday_near(rng, _between(rng, begin, end), self.today)
            self._note(
                h, user, _at(day, rng.randint(8, 15), rng.choice((5, 20, 35, 50))), rng.choice(JOURNAL_TEXTS)
            )

    def _arrears(self, rng: random.Random, t: _Tenancy, h: _Household, user: User) -> None:
        assert t.row is not None
        last_day = min(t.end or self.today, self.today)
        first_due = _add_months(t.start.replace(day=1), 2)
        if last_day - first_due < 31 * DAY:
            return
        rent = t.row.monthly_rent

        def add(due: datetime.date, months: float, settled: datetime.date | None) -> None:
            amount = (rent * Decimal(str(months))).quantize(Decimal("0.01"))
            self.arrears.append(
                RentArrears(
                    municipality=self.office,
                    tenancy=t.row,
                    amount=amount,
                    due_date=due,
                    settled_on=settled,
                    created_at=_at(due + 14 * DAY, 9),
                )
            )

        def random_due(latest: datetime.date) -> datetime.date:
            return _between(rng, first_due, latest).replace(day=1)

        if t.reason == R.EVICTION:
            base = _add_months(t.end.replace(day=1), -5) if t.end else first_due
            for k in range(3):
                due = max(first_due, _add_months(base, k))
                add(due, 1, None if k else min(due + 40 * DAY, self.today))
            self._note(h, user, _at(_weekday_before(base + 20 * DAY), 10), ARREARS_NOTE)
            return
        if rng.random() < 0.16:
            due = random_due(last_day - 30 * DAY)
            settled = min(due + rng.randint(5, 120) * DAY, self.today)
            add(due, rng.choice((0.5, 1, 1, 2)), settled)
            if rng.random() < 0.4:
                self._note(h, user, _at(_weekday_before(due + 20 * DAY), 11), ARREARS_NOTE)
        if t.end is None and rng.random() < 0.09:
            due = _add_months(self.today.replace(day=1), -rng.randint(0, 2))
            if due >= first_due:
                add(due, rng.choice((0.4, 1, 1, 2)), None)

    # -- start-loan applications ------------------------------------------

    def _loans(
        self, rng: random.Random, h: _Household, user: User, path: list[str], days: dict[str, datetime.date]
    ) -> None:
        leader = self.staff.leader
        if S.APPLYING_LOAN in path:
            received = days[S.APPLYING_LOAN]
            if S.LOAN_GRANTED in path:
                decided = days[S.LOAN_GRANTED]
                if h.fate == R.BOUGHT_OWN_HOME:
                    status = ApplicationStatus.DISBURSED
                else:
                    status = ApplicationStatus.GRANTED
            else:
                decided = None
                status = ApplicationStatus.IN_REVIEW if rng.random() < 0.6 else ApplicationStatus.RECEIVED
            self._loan(rng, h, user, leader, received, decided, status)
        # Earlier applications that did not lead anywhere.
        tried = S.GUIDANCE in path or (S.MAPPED in path and S.NOT_RELEVANT in path)
        if h.fate in (R.PRIVATE_RENTAL, "current") and tried and rng.random() < 0.3:
            status = ApplicationStatus.REJECTED if rng.random() < 0.6 else ApplicationStatus.WITHDRAWN
            self._failed_application(
                rng, h, user, days.get(S.GUIDANCE, days.get(S.MAPPED, self.today)), status
            )

    def _failed_application(
        self, rng: random.Random, h: _Household, user: User, before: datetime.date, status: str
    ) -> bool:
        received = before - rng.randint(60, 400) * DAY
        begin = h.tenancies[0].start if h.tenancies else h.registered
        if received <= begin:
            return False
        decided = received + rng.randint(20, 50) * DAY if status == ApplicationStatus.REJECTED else None
        self._loan(rng, h, user, self.staff.leader, received, decided, status)
        return True

    def ensure_loan_statuses(self, households: list[_Household]) -> None:
        """Every application status shows up in the demo, so each list
        filter and each badge has something to show."""
        rng = self._rng("loan-statuses")
        present = Counter(loan.status for loan, _changes in self.loans)
        owner = {id(h.row): h for h in households}
        pending = (ApplicationStatus.RECEIVED, ApplicationStatus.IN_REVIEW)
        for missing, other in (pending, pending[::-1]):
            if present[missing] or present[other] < 2:
                continue
            index = next(i for i, (loan, _c) in enumerate(self.loans) if loan.status == other)
            loan, _changes = self.loans.pop(index)
            h = owner[id(loan.household)]
            self._loan(
                rng,
                h,
                loan.recommended_by or self._user_of(h),
                self.staff.leader,
                loan.received_on,
                None,
                missing,
            )
            present[missing] += 1
        with_loans = {id(loan.household) for loan, _changes in self.loans}
        for status in (ApplicationStatus.REJECTED, ApplicationStatus.WITHDRAWN):
            candidates = [
                h
                for h in households
                if not present[status]
                and h.fate == "current"
                and id(h.row) not in with_loans
                and h.row is not None
                and h.row.pathway_stage in (S.MAPPED, S.GUIDANCE, S.NOT_RELEVANT)
            ]
            for h in candidates:
                assert h.row is not None
                if self._failed_application(rng, h, self._user_of(h), h.row.stage_changed_at.date(), status):
                    present[status] += 1
                    break

    def _user_of(self, h: _Household) -> User:
        assert h.row is not None
        return h.row.caseworker or self.staff.caseworkers[0]

    def _loan(
        self,
        rng: random.Random,
        h: _Household,
        user: User,
        leader: User,
        received: datetime.date,
        decided: datetime.date | None,
        status: str,
    ) -> None:
        assert h.row is not None
        level = self.profile.price_level * (0.85 + 0.05 * len(h.members))
        price = _round(level * rng.lognormvariate(0, 0.18), 10_000)
        cooperative = rng.random() < 0.45
        costs = 5_000 if cooperative else _round(price * 0.025 + 3_000, 100)
        equity = _round(rng.uniform(0, 0.05) * price, 1_000)
        bank = _round(price * rng.uniform(0.5, 0.85), 10_000) if rng.random() < 0.55 else 0
        grant = _round(rng.uniform(50_000, 300_000), 10_000) if rng.random() < 0.2 else 0
        applied = max(0, price + costs - equity - bank - grant)
        net = _round(rng.uniform(24_000, 52_000), 500)
        long_term = rng.random() < 0.2
        purpose = LoanPurpose.PURCHASE
        owns = False
        if h.fate == "applicant" and rng.random() < 0.3:
            purpose = rng.choice((LoanPurpose.REFINANCE, LoanPurpose.ADAPTATION))
            owns = True
        loan = StartLoanApplication(
            municipality=self.office,
            household=h.row,
            received_on=received,
            startskudd_case_number=f"{received.year}/{rng.randint(100, 9999):05d}",
            purpose=purpose,
            ownership_form=OwnershipForm.COOPERATIVE if cooperative else OwnershipForm.FREEHOLD,
            purchase_price=Decimal(price),
            purchase_costs=Decimal(costs),
            equity=Decimal(equity),
            bank_loan=Decimal(bank),
            amount_applied=Decimal(applied),
            grant_applied=Decimal(grant),
            existing_debt=Decimal(_round(rng.uniform(0, 80_000), 1_000) if rng.random() < 0.4 else 0),
            monthly_net_income=Decimal(net),
            annual_gross_income=Decimal(_round(net * 12 * 1.38, 1_000)),
            monthly_fixed_costs=Decimal(_round(rng.uniform(0, 5_000), 100)),
            monthly_housing_costs=Decimal(_round(rng.uniform(2_500, 6_500), 100)),
            term_years=rng.choice((40, 50)) if long_term else 30,
            long_term_conditions_documented=long_term,
            interest_only_years=rng.choice((1, 2, 3)) if rng.random() < 0.15 else 0,
            repayment_type=RepaymentType.SERIAL if rng.random() < 0.1 else RepaymentType.ANNUITY,
            fixed_rate_years=rng.choice((3, 5, 10)) if rng.random() < 0.25 else None,
            owns_home=owns,
            status=status,
            created_at=_at(received, 9),
        )
        changes: list[ApplicationStatusChange] = []

        def change(frm: str, to: str, when: datetime.datetime, by: User, comment: str = "") -> None:
            changes.append(
                ApplicationStatusChange(
                    from_status=frm, to_status=to, changed_at=when, changed_by=by, comment=comment
                )
            )

        if status != ApplicationStatus.RECEIVED:
            review = _at(_weekday_after(received + rng.randint(1, 7) * DAY), 10)
            if decided is not None and review.date() >= decided:
                review = _at(received, 14)
            change(ApplicationStatus.RECEIVED, ApplicationStatus.IN_REVIEW, review, user)
        if status in (ApplicationStatus.GRANTED, ApplicationStatus.DISBURSED, ApplicationStatus.REJECTED):
            assert decided is not None
            recommended = _at(max(received, decided - rng.randint(1, 5) * DAY), 13)
            loan.recommended_by = user
            loan.recommended_at = recommended
            loan.decided_by = leader if leader != user else self.staff.caseworkers[1]
            loan.decided_on = decided
            if status == ApplicationStatus.REJECTED:
                loan.recommendation = "Innstiller på avslag: husstanden har ikke betjeningsevne for lånet."
                loan.decision_reasons = rng.choice(
                    (
                        "Søknaden er avslått fordi husstanden ikke har betjeningsevne for et lån av denne "
                        "størrelsen etter Husbankens beregning.",
                        "Søknaden er avslått fordi søkeren kan få tilstrekkelig lån i ordinær bank.",
                    )
                )
                change(ApplicationStatus.IN_REVIEW, status, _at(decided, 14), loan.decided_by)
            else:
                granted = applied if rng.random() < 0.85 else _round(applied * 0.9, 10_000)
                loan.loan_granted = Decimal(granted)
                loan.grant_granted = Decimal(grant) if grant else None
                loan.recommendation = (
                    "Innstiller på innvilgelse. Husstanden har betjeningsevne med stresstest."
                )
                loan.decision_reasons = (
                    "Søknaden er innvilget. Husstanden har langvarige problemer med å finansiere egen bolig "
                    "og har betjeningsevne for lånet."
                )
                change(
                    ApplicationStatus.IN_REVIEW, ApplicationStatus.GRANTED, _at(decided, 14), loan.decided_by
                )
                certificate = min(decided + rng.randint(0, 3) * DAY, self.today)
                if status == ApplicationStatus.DISBURSED:
                    exit_day = h.exit_date or self.today
                    loan.purchased_on = max(decided, exit_day - rng.randint(14, 75) * DAY)
                    loan.financing_certificate_on = min(certificate, loan.purchased_on)
                    change(ApplicationStatus.GRANTED, status, _at(exit_day, 10), user)
                elif rng.random() < 0.8:
                    loan.financing_certificate_on = certificate
        elif status == ApplicationStatus.WITHDRAWN:
            when = _at(received + rng.randint(10, 40) * DAY, 11)
            change(ApplicationStatus.IN_REVIEW, status, when, user, "Søkeren trakk søknaden.")
        self.loans.append((loan, changes))

    # -- rows --------------------------------------------------------------

    def _rent(self, d: _Dwelling, until: datetime.date) -> Decimal:
        """The rent as last adjusted: rents follow the price index each year."""
        years_ago = (self.today - until).days / 365.25
        rent = d.rent_level / (1.028**years_ago)
        return Decimal(min(14000, max(6000, _round(rent, 50))))

    def _contract(self, rng: random.Random, t: _Tenancy) -> tuple[str, datetime.date | None]:
        category = t.dwelling.category
        if category == CARE or (category == GENERAL and rng.random() < 0.15):
            return ContractType.INDEFINITE, None
        months = 3 if category == EMERGENCY else rng.choice((36, 36, 60))
        until = t.end or self.today
        contract_end = _add_months(t.start, months)
        while contract_end < until:
            contract_end = _add_months(contract_end, months)
        return ContractType.FIXED_TERM, contract_end

    def _postal_address(self, rng: random.Random, h: _Household) -> tuple[str, str, str]:
        current = h.current
        if current is not None:
            d = current.dwelling
            return d.address, d.postal_code, d.postal_place
        if h.fate == R.DECEASED:
            return "", "", ""
        if h.fate == R.MOVED_AWAY:
            elsewhere = [pair for pair in ELSEWHERE if pair[1] != self.place]
            code, place = rng.choice(elsewhere)
            return f"{rng.choice(COMMON_STREETS)} {rng.randint(1, 60)}", code, place
        address, code = self._address(rng, 0.3)
        return address, code, self.place

    def run(self, result: DemoResult) -> None:
        dwellings = self.plan_dwellings()
        tenancies = self.plan_tenancies(dwellings)
        self.assign_reasons(tenancies)
        households = self.plan_households(tenancies)
        self.plan_people(households)

        leader = self.staff.leader
        rows = Dwelling.all_objects.bulk_create(
            [
                Dwelling(
                    municipality=self.office,
                    reference=d.reference,
                    address=d.address,
                    postal_code=d.postal_code,
                    postal_place=d.postal_place,
                    rooms=d.rooms,
                    area_m2=d.area,
                    category=d.category,
                    wheelchair_accessible=d.wheelchair,
                    ownership=d.ownership,
                    acquired_on=d.acquired_on,
                    disposed_on=d.disposed_on,
                    for_sale=d.for_sale,
                    created_at=_at(max(d.acquired_on, self.window_start), 9),
                )
                for d in dwellings
            ]
        )
        for d, row in zip(dwellings, rows, strict=True):
            d.row = row
        self._stock_changes(dwellings, leader)

        rng = self._rng("household-rows")
        weights = ((0, 40), (1, 30), (2, 30))
        household_rows = []
        for i, h in enumerate(households):
            address, code, place = self._postal_address(rng, h)
            origin = h.origin
            caseworker = self.staff.caseworkers[int(_weighted(rng, ((str(k), w) for k, w in weights)))]
            assigned = rng.random() < (0.95 if h.fate != "current" else 0.88)
            reference = f"H-{i + 1:05d}"
            main = h.members[0]
            email = ""
            if rng.random() < 0.45:
                local = f"{fold(main.first_name)}.{fold(main.last_name)}".replace(" ", "")
                email = (
                    f"{local}{rng.randint(1, 99)}@{rng.choice(('example.com', 'example.net', 'example.org'))}"
                )
            members = sorted(h.members, key=lambda m: (m.role, m.born))
            search = [reference, address, place] + [f"{m.first_name} {m.last_name}" for m in members]
            row = Household(
                municipality=self.office,
                reference=reference,
                address=address,
                postal_code=code,
                postal_place=place,
                phone=_phone(rng) if rng.random() < 0.88 else "",
                email=email,
                letter_language=WrittenLanguage.NYNORSK if rng.random() < 0.03 else "",
                interpreter_language=origin.interpreter
                if origin.interpreter and rng.random() < (0.3 if origin.key in ("pl", "ua", "lt") else 0.45)
                else "",
                caseworker=caseworker if assigned else None,
                search_text=fold(" ".join(p for p in search if p)),
                created_at=_at(h.registered, 10),
            )
            h.row = row
            household_rows.append(row)

        contract_rng = self._rng("contracts")
        tenancy_rows = []
        for h in households:
            for t in h.tenancies:
                contract_type, contract_end = self._contract(contract_rng, t)
                assert t.dwelling.row is not None
                t.row = Tenancy(
                    municipality=self.office,
                    household=h.row,
                    dwelling=t.dwelling.row,
                    start_date=t.start,
                    end_date=t.end,
                    monthly_rent=self._rent(t.dwelling, t.end or self.today),
                    contract_type=contract_type,
                    contract_end=contract_end,
                    end_reason=t.reason if t.end else "",
                    created_at=_at(t.start, 9),
                )
                tenancy_rows.append(t.row)

        # The history sets each household's stage, so the households are
        # written after it, in one insert; the rows that point at them pick
        # up their keys then (bulk_create returns keys on PostgreSQL and on
        # SQLite ≥ 3.35).
        self.plan_history(households)
        self.ensure_upcoming_for(self.staff.caseworkers[0], households)
        self.ensure_loan_statuses(households)
        Household.all_objects.bulk_create(household_rows)
        Person.all_objects.bulk_create(
            Person(
                household=h.row,
                first_name=m.first_name,
                last_name=m.last_name,
                date_of_birth=m.born,
                national_id=m.national_id,
                role=m.role,
            )
            for h in households
            for m in h.members
        )
        Tenancy.all_objects.bulk_create(tenancy_rows)
        PathwayStageChange.all_objects.bulk_create(self.stage_changes)
        OutreachMeeting.all_objects.bulk_create(self.meetings)
        JournalNote.all_objects.bulk_create(self.notes)
        RentArrears.all_objects.bulk_create(self.arrears)
        StartLoanApplication.all_objects.bulk_create([loan for loan, _changes in self.loans])
        status_changes = []
        for loan, changes in self.loans:
            for c in changes:
                c.application = loan
                status_changes.append(c)
        ApplicationStatusChange.all_objects.bulk_create(status_changes)

        self._summarise(result, dwellings, households, tenancy_rows)

    def _stock_changes(self, dwellings: list[_Dwelling], leader: User) -> None:
        rng = self._rng("stock")
        rows = []
        for d in dwellings:
            assert d.row is not None
            base = self.profile.price_level * (0.6 + 0.15 * d.rooms)
            if d.acquired_in_window:
                owned = d.ownership == Ownership.OWNED
                rows.append(
                    StockChange(
                        municipality=self.office,
                        dwelling=d.row,
                        kind=StockChange.Kind.ACQUIRED,
                        date=d.acquired_on,
                        price=Decimal(_round(base * rng.uniform(0.85, 1.2), 10_000)) if owned else None,
                        note=rng.choice(("Kjøpt i det ordinære markedet.", "Kjøpt fra utbygger (nybygg)."))
                        if owned
                        else "Innleid fra privat utleier.",
                        recorded_by=leader,
                    )
                )
            if d.disposed_on is not None:
                rows.append(
                    StockChange(
                        municipality=self.office,
                        dwelling=d.row,
                        kind=StockChange.Kind.DISPOSED,
                        date=d.disposed_on,
                        price=Decimal(_round(base * rng.uniform(0.8, 1.1), 10_000)),
                        note="Solgt til leietakeren."
                        if d.sold_to_tenant
                        else "Solgt i det åpne markedet; midlene reinvesteres i nye boliger.",
                        recorded_by=leader,
                    )
                )
        StockChange.all_objects.bulk_create(rows)

    def _summarise(
        self,
        result: DemoResult,
        dwellings: list[_Dwelling],
        households: list[_Household],
        tenancies: list[Tenancy],
    ) -> None:
        members = [m for h in households for m in h.members]
        ended = [t for t in tenancies if t.end_date is not None]
        result.counts = {
            "dwellings": len(dwellings),
            "care": sum(d.category == CARE for d in dwellings),
            "emergency": sum(d.category == EMERGENCY for d in dwellings),
            "let": sum(1 for t in tenancies if t.end_date is None),
            "sold": sum(d.disposed_on is not None for d in dwellings),
            "acquired": sum(d.acquired_in_window for d in dwellings),
            "households": len(households),
            "persons": len(members),
            "children": sum(m.role == PersonRole.CHILD for m in members),
            "tenancies": len(tenancies),
            "ended": len(ended),
            "stage_changes": len(self.stage_changes),
            "meetings": len(self.meetings),
            "planned": sum(m.status == MeetingStatus.PLANNED for m in self.meetings),
            "notes": len(self.notes),
            "arrears": len(self.arrears),
            "open_arrears": sum(a.settled_on is None for a in self.arrears),
            "loans": len(self.loans),
        }
        result.ended_by_reason = dict(Counter(t.end_reason for t in ended))
        bought = Counter(t.end_date.year for t in ended if t.end_reason == R.BOUGHT_OWN_HOME)
        # The last ten calendar years, this one included.
        result.bought_per_year = {
            year: bought[year] for year in range(self.today.year - 9, self.today.year + 1)
        }
