"""Municipalities the demo knows; any other number gets a plausible stand-in."""

from __future__ import annotations

from dataclasses import dataclass


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
