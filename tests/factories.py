"""factory_boy factories shared by the whole suite."""

from __future__ import annotations

import datetime
from decimal import Decimal

import factory
from django.contrib.auth.models import Group

from dwellings.models import Dwelling, DwellingCategory, RentArrears, StockChange, Tenancy
from housing_office.models import Municipality, User
from housing_office.roles import CASEWORKER, LEADER
from letters.models import Letter, LetterTemplate
from startloan.models import StartLoanApplication
from tenants.models import Household, JournalNote, OutreachMeeting, Person, PersonRole


class MunicipalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Municipality
        django_get_or_create = ("number",)

    number = factory.Sequence(lambda n: f"{9000 + n:04d}")
    name = factory.Sequence(lambda n: f"Testkommune {n}")
    office_name = "Boligkontoret"
    address = "Postboks 1"
    postal_code = "3701"
    postal_place = "SKIEN"
    phone = "35 58 10 00"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"bruker{n}")
    first_name = "Kari"
    last_name = factory.Sequence(lambda n: f"Nordmann{n}")
    municipality = factory.SubFactory(MunicipalityFactory)
    password = factory.django.Password("test-passord-123")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(Group.objects.get(name=extracted))


def caseworker(municipality=None, **kwargs) -> User:
    kwargs.setdefault("role", CASEWORKER)
    if municipality is not None:
        kwargs["municipality"] = municipality
    return UserFactory(**kwargs)


def leader(municipality=None, **kwargs) -> User:
    kwargs.setdefault("role", LEADER)
    if municipality is not None:
        kwargs["municipality"] = municipality
    return UserFactory(**kwargs)


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household

    municipality = factory.SubFactory(MunicipalityFactory)
    reference = factory.Sequence(lambda n: f"H-{n:05d}")
    address = factory.Sequence(lambda n: f"Storgata {n + 1}")
    postal_code = "3715"
    postal_place = "SKIEN"


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    household = factory.SubFactory(HouseholdFactory)
    first_name = "Åse"
    last_name = factory.Sequence(lambda n: f"Ødegård{n}")
    role = PersonRole.MAIN
    date_of_birth = datetime.date(1985, 5, 17)


class DwellingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Dwelling

    municipality = factory.SubFactory(MunicipalityFactory)
    reference = factory.Sequence(lambda n: f"B-{n:05d}")
    address = factory.Sequence(lambda n: f"Kirkegata {n + 1}")
    postal_code = "3716"
    postal_place = "SKIEN"
    rooms = 3
    area_m2 = Decimal("62.5")
    category = DwellingCategory.GENERAL


class TenancyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tenancy

    municipality = factory.SelfAttribute("household.municipality")
    household = factory.SubFactory(HouseholdFactory)
    dwelling = factory.SubFactory(
        DwellingFactory, municipality=factory.SelfAttribute("..household.municipality")
    )
    start_date = datetime.date(2020, 1, 1)
    monthly_rent = Decimal("9500")


class RentArrearsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RentArrears

    tenancy = factory.SubFactory(TenancyFactory)
    municipality = factory.SelfAttribute("tenancy.municipality")
    amount = Decimal("9500")
    due_date = datetime.date(2024, 1, 1)


class ArrearsCaseFactory(factory.django.DjangoModelFactory):
    """An open arrears case (the record of unpaid rent), as the finance
    system's list of 10 January 2024 opened it."""

    class Meta:
        model = "arrears.ArrearsCase"

    tenancy = factory.SubFactory(TenancyFactory)
    municipality = factory.SelfAttribute("tenancy.municipality")
    amount = Decimal("9500")
    oldest_due_date = datetime.date(2024, 1, 1)
    as_of = datetime.date(2024, 1, 10)
    opened_on = datetime.date(2024, 1, 10)
    stage_on = factory.SelfAttribute("opened_on")


class StockChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StockChange

    dwelling = factory.SubFactory(DwellingFactory)
    municipality = factory.SelfAttribute("dwelling.municipality")
    kind = StockChange.Kind.ACQUIRED
    date = datetime.date(2024, 3, 1)


class JournalNoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = JournalNote

    household = factory.SubFactory(HouseholdFactory)
    municipality = factory.SelfAttribute("household.municipality")
    author = factory.SubFactory(UserFactory, municipality=factory.SelfAttribute("..household.municipality"))
    text = "Ringte og avtalte samtale."


class OutreachMeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OutreachMeeting

    household = factory.SubFactory(HouseholdFactory)
    municipality = factory.SelfAttribute("household.municipality")
    caseworker = factory.SubFactory(
        UserFactory, municipality=factory.SelfAttribute("..household.municipality")
    )
    starts_at = factory.LazyFunction(lambda: datetime.datetime(2030, 1, 7, 10, 0, tzinfo=datetime.UTC))
    place = "Rådhuset, møterom 2"


class LetterTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LetterTemplate

    municipality = factory.SubFactory(MunicipalityFactory)
    kind = "summons"
    language = "nb"
    version = 1
    subject = "Invitasjon til samtale om bolig"
    body = "<p>Hei {{ recipient_name }}</p>"


class LetterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Letter

    household = factory.SubFactory(HouseholdFactory)
    municipality = factory.SelfAttribute("household.municipality")
    template = factory.SubFactory(
        LetterTemplateFactory, municipality=factory.SelfAttribute("..household.municipality")
    )
    kind = "summons"


class StartLoanApplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StartLoanApplication

    household = factory.SubFactory(HouseholdFactory)
    municipality = factory.SelfAttribute("household.municipality")
    purchase_price = Decimal("3000000")
    purchase_costs = Decimal("75000")
    amount_applied = Decimal("2500000")
    monthly_net_income = Decimal("38000")
    annual_gross_income = Decimal("620000")
    # Eligibility documented as facts (forskrift om lån fra Husbanken § 5-2).
    bank_refusal_bank = "Sparebanken Sør"
    bank_refusal_on = datetime.date(2025, 10, 1)
    long_term_difficulty = True
    long_term_facts = "Varig lav inntekt som uføretrygdet."
    savings_facts = "Har spart 2 000 kr i måneden i to år."


def household_with_members(municipality, *, adults: int = 1, children: int = 0, **kwargs) -> Household:
    """A household with a named main person and anonymous further adults and children."""
    household = HouseholdFactory(municipality=municipality, **kwargs)
    PersonFactory(household=household, role=PersonRole.MAIN)
    for _ in range(adults - 1):
        PersonFactory(household=household, role=PersonRole.ADULT, first_name="", last_name="")
    for _ in range(children):
        PersonFactory(household=household, role=PersonRole.CHILD, first_name="", last_name="")
    return household


def tenancy_of(household, dwelling, start, end=None, reason="") -> Tenancy:
    return TenancyFactory(
        household=household,
        dwelling=dwelling,
        municipality=household.municipality,
        start_date=start,
        end_date=end,
        end_reason=reason,
    )


def housing_application(household, received, *, decided=None, outcome="", withdrawn=None, **kwargs):
    """An application for a municipal dwelling, stored as the app or the import stores it."""
    from applications.models import Application, ApplicationStatus

    status = ApplicationStatus.WITHDRAWN if withdrawn else (outcome or ApplicationStatus.RECEIVED)
    return Application.all_objects.create(
        municipality=household.municipality,
        household=household,
        reference=kwargs.pop("reference", f"S-{Application.all_objects.count() + 1:05d}"),
        received_on=received,
        decided_on=decided,
        outcome=outcome,
        withdrawn_on=withdrawn,
        status=kwargs.pop("status", status),
        **kwargs,
    )
