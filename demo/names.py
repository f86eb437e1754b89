"""Name data for the demo's households, by origin.

Surnames are (man, married woman, daughter): the same for most origins,
gendered for Polish and Lithuanian. `weight` is the origin's relative share of the
households; `interpreter` is the language a household may need an
interpreter in; `d_number_share` is the share of households whose adults
have a D number rather than a national identity number.
"""

from __future__ import annotations

from dataclasses import dataclass


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
