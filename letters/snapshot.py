"""The letter context snapshot: the parts every kind of letter shares.

A letter is made in two steps. When it is created, its kind's
`build_context` takes a snapshot of everything the letter says (names,
address, letterhead, and the kind's own facts) into `Letter.context`.
Rendering is then a pure function of the template version and that
snapshot, so the archive copy can be explained and re-made long after the
household's records have changed.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from housing_office.errors import DomainError
from housing_office.models import Municipality, WrittenLanguage
from tenants.models import Household, PersonRole
from tenants.services import households_with_address_left_behind

# The variables of the letterhead, the recipient and the letter itself, which
# every kind's snapshot holds.
COMMON_VARIABLES: dict[str, str] = {
    "recipient_name": "Navnet på mottakeren (hovedpersonen i husstanden)",
    "recipient_address": "Mottakerens gateadresse",
    "recipient_postal": "Mottakerens postnummer og poststed",
    "household_reference": "Husstandens referanse hos boligkontoret",
    "office_name": "Kontorets navn, for eksempel «Boligkontoret»",
    "municipality_name": "Kommunens navn",
    "office_address": "Kontorets postadresse",
    "office_postal": "Kontorets postnummer og poststed",
    "office_visiting_address": "Kontorets besøksadresse (kan være tom)",
    "office_phone": "Kontorets telefon",
    "office_email": "Kontorets e-post (kan være tom)",
    "office_website": "Kommunens nettsted (kan være tom)",
    "organisation_number": "Kommunens organisasjonsnummer (kan være tomt)",
    "letter_date": "Brevets dato, for eksempel «6. januar 2031»",
    "archive_reference": "Brevets arkivreferanse",
    "interpreter_language": "Språket husstanden trenger tolk på (tom hvis ingen)",
    "several_recipients": "Sant når brevet går til flere (hovedperson og medsøker)",
    "du": "«du», eller «dere» når brevet går til flere (nynorsk: «de»)",
    "deg": "«deg», eller «dere» når brevet går til flere (nynorsk: «dykk»)",
    "din": "«din», eller «deres» når brevet går til flere (nynorsk: «dykkar»)",
    "ditt": "«ditt», eller «deres» når brevet går til flere (nynorsk: «dykkar»)",
    "dine": "«dine», eller «deres» når brevet går til flere (nynorsk: «dykkar»)",
}

# The names a leader writes each variable by in brevtekst (letters.markup):
# «[mottakers navn]». Bokmål, like the rest of the staff's user interface.
COMMON_FIELD_NAMES: dict[str, str] = {
    "recipient_name": "mottakers navn",
    "recipient_address": "mottakers adresse",
    "recipient_postal": "mottakers postnummer og sted",
    "household_reference": "husstandens referanse",
    "office_name": "kontorets navn",
    "municipality_name": "kommunens navn",
    "office_address": "kontorets postadresse",
    "office_postal": "kontorets postnummer og sted",
    "office_visiting_address": "kontorets besøksadresse",
    "office_phone": "kontorets telefon",
    "office_email": "kontorets e-post",
    "office_website": "kommunens nettsted",
    "organisation_number": "organisasjonsnummer",
    "letter_date": "brevets dato",
    "archive_reference": "arkivreferanse",
    "interpreter_language": "tolkespråk",
    "several_recipients": "flere mottakere",
    "du": "du",
    "deg": "deg",
    "din": "din",
    "ditt": "ditt",
    "dine": "dine",
}

# How the letter addresses its reader: one person, or several (the main
# person and a co-applicant). Nynorsk's plural is «de/dykk/dykkar».
ADDRESS_FORMS: dict[str, dict[str, tuple[str, str]]] = {
    WrittenLanguage.BOKMAL: {
        "du": ("du", "dere"),
        "deg": ("deg", "dere"),
        "din": ("din", "deres"),
        "ditt": ("ditt", "deres"),
        "dine": ("dine", "deres"),
    },
    WrittenLanguage.NYNORSK: {
        "du": ("du", "de"),
        "deg": ("deg", "dykk"),
        "din": ("din", "dykkar"),
        "ditt": ("ditt", "dykkar"),
        "dine": ("dine", "dykkar"),
    },
}

# Snapshot values a sparse sample leaves empty, so a template check renders
# the branches of `{% if %}` that a full sample skips.
OPTIONAL_COMMON_KEYS = (
    "interpreter_language",
    "office_visiting_address",
    "office_email",
    "office_website",
    "organisation_number",
    "logo",
)

# Person roles in the order they are named in the address field.
_NAMED_ROLES = {PersonRole.MAIN: 0, PersonRole.CO_APPLICANT: 1, PersonRole.ADULT: 2}


def letter_language(household: Household, municipality: Municipality) -> str:
    """The household's own choice of målform, else the municipality's."""
    return household.letter_language or municipality.written_language or WrittenLanguage.BOKMAL


def recipient_names(household: Household) -> list[str]:
    """The main person (and a co-applicant) by name; never an identity number.
    Empty when nobody in the household has a name.

    Reads `household.members.all()`, so prefetch the members for many."""
    members = list(household.members.all())
    named = sorted(
        (m for m in members if m.full_name and m.role in _NAMED_ROLES),
        key=lambda m: (_NAMED_ROLES[m.role], m.pk or 0),
    )
    if not named:
        return []
    names = [named[0].full_name]
    if len(named) > 1 and named[1].role == PersonRole.CO_APPLICANT:
        names.append(named[1].full_name)
    return names


def recipient_name(household: Household) -> str:
    return " og ".join(recipient_names(household)) or _("Husstanden")


def address_context(language: str, *, several: bool) -> dict[str, Any]:
    """`several_recipients` and the forms of «du» the letter uses: «du/deg/din»
    to one reader, «dere/dere/deres» (nynorsk «de/dykk/dykkar») to several."""
    forms = ADDRESS_FORMS.get(language, ADDRESS_FORMS[WrittenLanguage.BOKMAL])
    return {"several_recipients": several, **{key: pair[several] for key, pair in forms.items()}}


def format_date(day: datetime.date, language: str, *, weekday: bool = False) -> str:
    with translation.override(language):
        return formats.date_format(day, "l j. F Y" if weekday else "j. F Y")


def format_time(moment: datetime.datetime) -> str:
    # Språkrådet's recommended form: 10.00, not 10:00.
    return timezone.localtime(moment).strftime("%H.%M")


def office_context(municipality: Municipality) -> dict[str, str]:
    return {
        "office_name": municipality.office_name or "Boligkontoret",
        "municipality_name": municipality.name,
        "office_address": municipality.address,
        "office_postal": f"{municipality.postal_code} {municipality.postal_place}".strip(),
        "office_visiting_address": municipality.visiting_address,
        "office_phone": municipality.phone,
        "office_email": municipality.email,
        "office_website": municipality.website,
        "organisation_number": municipality.organisation_number,
        "logo": municipality.logo.name if municipality.logo else "",
    }


def common_context(
    *,
    household: Household,
    municipality: Municipality,
    letter_date: datetime.date,
    archive_reference: str,
    language: str,
    subject: str = "",
    address_checked: bool = False,
) -> dict[str, Any]:
    """The letterhead, recipient and letter values of a real household's
    letter; a kind's `build_context` adds its own.

    A letter is never addressed to a dwelling the household has left, nor to
    an address it has moved from without leaving a new one
    (`tenants.services.address_left_behind`): that raises DomainError asking
    for the new address. `address_checked` is for callers that have already
    left such households out in one query for many (the summons plan)."""
    if not address_checked and household.pk and households_with_address_left_behind([household.pk]):
        raise DomainError(
            _(
                "Husstanden %(reference)s har flyttet fra adressen brevet ville gått til. "
                "Registrer den nye adressen på husstanden før brevet lages."
            )
            % {"reference": household.reference}
        )
    names = recipient_names(household)
    return {
        **office_context(municipality),
        **address_context(language, several=len(names) > 1),
        "language": language,
        "subject": subject,
        "recipient_name": " og ".join(names) or _("Husstanden"),
        "recipient_address": household.address.strip(),
        "recipient_postal": f"{household.postal_code} {household.postal_place.strip()}".strip(),
        "household_reference": household.reference,
        "letter_date": format_date(letter_date, language),
        "archive_reference": archive_reference,
        "interpreter_language": household.interpreter_language,
    }


def sample_common_context(
    municipality: Municipality, language: str, *, sparse: bool = False
) -> dict[str, Any]:
    """The same values for a made-up household: no real person's data ever
    goes into a preview or a template check. The full sample has two
    recipients («dere»), the sparse one a single one («du»)."""
    context = {
        **office_context(municipality),
        **address_context(language, several=not sparse),
        "language": language,
        "subject": "",
        "recipient_name": "Kari Nordmann" if sparse else "Kari Nordmann og Åsmund Ødegård",
        "recipient_address": "Eksempelveien 12 B",
        "recipient_postal": "3715 SKIEN",
        "household_reference": "H-00042",
        "letter_date": format_date(datetime.date(2031, 1, 2), language),
        "archive_reference": "2031/17-42",
        "interpreter_language": "arabisk",
    }
    if sparse:
        context.update(dict.fromkeys(OPTIONAL_COMMON_KEYS, ""))
    return context
