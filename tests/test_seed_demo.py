"""`manage.py seed_demo`: the demo municipality."""

from __future__ import annotations

import datetime
import io
import statistics
from collections import defaultdict
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from arrears.models import ArrearsCase
from demo import casework
from demo.seed import seed_demo
from demo.summons import RENDERED_DAYS
from dwellings.models import Dwelling, DwellingCategory, EndReason, RentArrears, StockChange, Tenancy
from dwellings.services import vacancies
from followup.models import AgreedAction, FollowUpContact, FollowUpPlan, PostMoveCheckIn
from housing_office.models import Municipality, User
from housing_office.national_id import is_valid
from housing_office.roles import CASEWORKER, LEADER
from letters.models import Letter, LetterKind, LetterStatus, LetterTemplate
from reports.throughput import throughput_figures
from startloan.models import ApplicationStatus, ApplicationStatusChange, LoanParameters, StartLoanApplication
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
from tenants.services import search_text_for

pytestmark = pytest.mark.django_db

HOUSEHOLDS = 40
MODELS = (
    Municipality,
    User,
    Household,
    Person,
    PathwayStageChange,
    Dwelling,
    Tenancy,
    StockChange,
    RentArrears,
    OutreachMeeting,
    JournalNote,
    StartLoanApplication,
    ApplicationStatusChange,
    Letter,
    FollowUpPlan,
    FollowUpContact,
    AgreedAction,
    PostMoveCheckIn,
)


def seed(**options) -> str:
    options.setdefault("households", str(HOUSEHOLDS))
    out = io.StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


def can_log_in(client, username: str, password: str) -> bool:
    """Through the login page, as a person would."""
    response = client.post(reverse("login"), {"username": username, "password": password})
    logged_in = response.status_code == 302 and "_auth_user_id" in client.session
    client.logout()
    return logged_in


def counts() -> dict[str, int]:
    return {model.__name__: model._default_manager.count() for model in MODELS}


@pytest.fixture(autouse=True)
def _media(request, settings, tmp_path):
    # The demo renders the PDFs of its recent letters (the class's shared
    # seed keeps them in its own folder).
    if request.cls is None:
        settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def seeded(db) -> str:
    return seed()


@pytest.fixture
def skien(seeded) -> Municipality:
    return Municipality.objects.get(number="3807")


class TestTheSeededDemo:
    """What one seed of the demo holds. The demo is seeded once for the
    class (in a transaction rolled back after its last test); each test runs
    in a savepoint inside it, so what a test changes is gone for the next."""

    @pytest.fixture
    def seeded(self, shared_seed, db) -> str:
        return shared_seed

    def test_builds_the_municipality_and_prints_the_logins(self, seeded, skien):
        assert skien.name == "Skien"
        assert skien.office_name == "Boligkontoret"
        assert skien.address and skien.postal_code == "3707" and skien.postal_place == "SKIEN"
        assert skien.visiting_address.startswith("Hollenderigata 5")
        assert (
            skien.phone and skien.email.endswith("@skien.kommune.no") and skien.website.startswith("https://")
        )
        assert skien.written_language == "nb"
        assert "Demokommunen 3807 Skien er laget." in seeded
        assert "http://127.0.0.1:8000" in seeded
        assert "saksbehandler / boligkontor-demo" in seeded
        assert "leder / boligkontor-demo" in seeded

    def test_counts_scale_with_households(self, skien):
        assert Household.objects.filter(municipality=skien).count() == HOUSEHOLDS
        dwellings = Dwelling.objects.filter(municipality=skien)
        assert dwellings.count() == round(HOUSEHOLDS * 0.85)
        assert set(dwellings.values_list("category", flat=True)) == set(DwellingCategory.values)
        assert dwellings.filter(wheelchair_accessible=True).exists()
        assert dwellings.filter(wheelchair_accessible=False).exists()
        assert set(dwellings.values_list("ownership", flat=True)) == {"owned", "leased"}
        assert dwellings.filter(for_sale=True, disposed_on__isnull=True).exists()
        for d in dwellings:
            assert d.postal_place == "SKIEN" and "3716" <= d.postal_code <= "3739"
            assert 1 <= d.rooms <= 5 and d.area_m2 > 0
        persons = Person.objects.filter(household__municipality=skien)
        assert persons.count() > HOUSEHOLDS
        assert persons.filter(role=PersonRole.CHILD).exists()
        assert persons.filter(role=PersonRole.MAIN).count() == HOUSEHOLDS
        assert Tenancy.objects.filter(municipality=skien).count() >= HOUSEHOLDS * 0.9
        assert OutreachMeeting.objects.filter(municipality=skien).exists()
        assert JournalNote.objects.filter(municipality=skien).exists()
        # Unpaid rent is the arrears cases' (demo.arrears); the retired
        # hand-registered rows are no longer made.
        assert not RentArrears.objects.filter(municipality=skien).exists()
        assert ArrearsCase.objects.filter(municipality=skien, closed_on__isnull=True).exists()
        assert ArrearsCase.objects.filter(municipality=skien, closed_on__isnull=False).exists()

    def test_names_and_national_ids_look_norwegian(self, skien):
        persons = list(Person.objects.filter(household__municipality=skien))
        names = " ".join(p.full_name for p in persons)
        assert any(ch in names for ch in "æøåÆØÅ")
        ids = [p.national_id for p in persons if p.national_id]
        assert ids and all(is_valid(n) for n in ids)
        assert len(ids) == len(set(ids))
        mains = [p for p in persons if p.role == PersonRole.MAIN]
        assert any(p.national_id for p in mains) and any(not p.national_id for p in mains)
        today = timezone.localdate()
        for child in (p for p in persons if p.role == PersonRole.CHILD):
            assert child.date_of_birth <= today

    def test_every_end_reason_is_present(self, skien):
        reasons = set(
            Tenancy.objects.filter(municipality=skien, end_date__isnull=False).values_list(
                "end_reason", flat=True
            )
        )
        assert reasons == set(EndReason.values)

    def test_tenancies_never_overlap_and_end_within_ten_years(self, skien):
        today = timezone.localdate()
        ten_years_ago = today.replace(year=today.year - 10)
        tenancies = list(Tenancy.objects.filter(municipality=skien).order_by("start_date"))
        by_dwelling: dict[int, list[Tenancy]] = defaultdict(list)
        by_household: dict[int, list[Tenancy]] = defaultdict(list)
        for t in tenancies:
            by_dwelling[t.dwelling_id].append(t)
            by_household[t.household_id].append(t)
            assert 6000 <= t.monthly_rent <= 14000
            assert (t.end_date is None) == (t.end_reason == "")
            if t.end_date is not None:
                assert t.start_date <= t.end_date <= today
                assert t.end_date >= ten_years_ago
            if t.contract_type == "fixed_term":
                assert t.contract_end is not None
        for group in [*by_dwelling.values(), *by_household.values()]:
            for before, after in zip(group, group[1:], strict=False):
                assert before.end_date is not None and before.end_date < after.start_date
        running = Tenancy.objects.filter(municipality=skien, end_date__isnull=True)
        assert not running.values("household").annotate(n=Count("pk")).filter(n__gt=1).exists()
        assert not running.values("dwelling").annotate(n=Count("pk")).filter(n__gt=1).exists()
        # Most dwellings held today are let, some are vacant.
        in_stock = Dwelling.objects.filter(municipality=skien).in_stock(today).count()
        assert in_stock * 0.6 < running.count() < in_stock
        # Sold dwellings have no tenant after the sale.
        for d in Dwelling.objects.filter(municipality=skien, disposed_on__isnull=False):
            assert all(t.end_date and t.end_date <= d.disposed_on for t in by_dwelling[d.pk])

    def test_moves_between_municipal_dwellings_belong_to_one_household(self, skien):
        moved = Tenancy.objects.filter(municipality=skien, end_reason=EndReason.OTHER_MUNICIPAL_DWELLING)
        for t in moved:
            later = Tenancy.objects.filter(household=t.household, start_date__gt=t.end_date).exclude(
                dwelling=t.dwelling
            )
            assert later.exists()

    def test_addresses_follow_the_tenancies(self, skien):
        for t in Tenancy.objects.filter(municipality=skien, end_date__isnull=True).select_related(
            "household", "dwelling"
        ):
            h, d = t.household, t.dwelling
            assert (h.address, h.postal_code, h.postal_place) == (d.address, d.postal_code, d.postal_place)
        for h in Household.objects.filter(municipality=skien):
            assert h.search_text == search_text_for(h)

    def test_pathway_stages_fit_the_history(self, skien):
        households = Household.objects.filter(municipality=skien).prefetch_related(
            "tenancies", "stage_changes"
        )
        current_stages = set()
        for h in households:
            tenancies = sorted(h.tenancies.all(), key=lambda t: t.start_date)
            changes = sorted(h.stage_changes.all(), key=lambda c: (c.changed_at, c.pk))
            stage = PathwayStage.NOT_ASSESSED
            for c in changes:
                assert c.from_stage == stage
                assert c.reason.strip() and c.changed_by is not None
                assert c.changed_at <= timezone.now() + datetime.timedelta(days=1)
                stage = c.to_stage
            assert h.pathway_stage == stage
            if tenancies and tenancies[-1].end_reason == EndReason.BOUGHT_OWN_HOME:
                assert h.pathway_stage == PathwayStage.BOUGHT_HOME
            elif tenancies and tenancies[-1].end_reason == EndReason.PRIVATE_RENTAL:
                assert h.pathway_stage == PathwayStage.PRIVATE_RENTAL
            elif tenancies and tenancies[-1].end_date is None:
                current_stages.add(h.pathway_stage)
                assert h.pathway_stage not in (PathwayStage.BOUGHT_HOME, PathwayStage.PRIVATE_RENTAL)
        assert len(current_stages) >= 4
        assert (
            Household.objects.filter(municipality=skien, caseworker__isnull=False).count() > HOUSEHOLDS * 0.7
        )

    def test_meetings_are_in_office_hours_and_never_double_booked(self, skien):
        meetings = list(OutreachMeeting.objects.filter(municipality=skien))
        assert {m.status for m in meetings} >= {MeetingStatus.HELD, MeetingStatus.PLANNED}
        now = timezone.now()
        seen = set()
        for m in meetings:
            local = timezone.localtime(m.starts_at)
            assert local.weekday() < 5
            assert 8 <= local.hour and local + datetime.timedelta(
                minutes=m.duration_minutes
            ) <= local.replace(hour=16, minute=0)
            assert (m.caseworker_id, m.starts_at) not in seen
            seen.add((m.caseworker_id, m.starts_at))
            if m.status == MeetingStatus.PLANNED:
                assert now < m.starts_at < now + datetime.timedelta(days=30)
                assert m.place == f"Boligkontoret, {skien.visiting_address}"
            else:
                assert m.starts_at < now and m.outcome_notes
        mine = [
            m
            for m in meetings
            if m.caseworker.username == "saksbehandler" and m.status == MeetingStatus.PLANNED
        ]
        assert len(mine) >= 3

    def test_start_loan_decisions_have_two_different_people(self, skien):
        applications = StartLoanApplication.objects.filter(municipality=skien)
        assert applications.exists()
        decided = applications.filter(
            status__in=[ApplicationStatus.GRANTED, ApplicationStatus.DISBURSED, ApplicationStatus.REJECTED]
        )
        assert decided.exists()
        for a in decided:
            assert a.recommended_by_id and a.decided_by_id and a.recommended_by_id != a.decided_by_id
            assert a.decided_on and a.received_on <= a.decided_on
        for a in applications.filter(status__in=[ApplicationStatus.GRANTED, ApplicationStatus.DISBURSED]):
            assert a.loan_granted is not None and 0 < a.loan_granted <= a.amount_applied
            assert a.household.pathway_stage in (PathwayStage.LOAN_GRANTED, PathwayStage.BOUGHT_HOME)
        for a in applications.filter(status=ApplicationStatus.DISBURSED, purpose="purchase"):
            assert a.purchased_on and a.financing_certificate_on <= a.purchased_on
        # Refinancing or adapting one's own home buys nothing: no certificate.
        others = applications.exclude(purpose="purchase")
        assert not others.filter(financing_certificate_on__isnull=False).exists()
        assert not others.filter(purchased_on__isnull=False).exists()
        assert ApplicationStatusChange.objects.filter(application__municipality=skien).exists()
        # Every history starts as the app starts it: registered, by someone,
        # and assessed by the same person when it came in.
        registrations = ApplicationStatusChange.objects.filter(
            application__municipality=skien, from_status="", comment="Registrert"
        )
        assert registrations.count() == applications.count()
        assert not registrations.filter(changed_by__isnull=True).exists()
        for a in applications.prefetch_related("status_changes", "assessment_records"):
            first = min(a.status_changes.all(), key=lambda c: (c.changed_at, c.pk))
            assert first.is_registration and first.changed_at == a.created_at
            assert {r.made_by_id for r in a.assessment_records.all()} == {first.changed_by_id}

    def test_granted_demo_loans_pass_the_apps_own_assessment(self, skien):
        # Each granted or paid-out application, assessed afresh from its saved
        # figures with the year's parameters, is carried at the stress rate with
        # its debts, common debt and electricity, is not overfinanced, and a
        # bank part meets the bank's limits: a case a municipality would grant.
        from startloan import services
        from startloan.services import assess_application

        applications = StartLoanApplication.objects.filter(municipality=skien).select_related("household")
        granted = [
            a for a in applications if a.status in (ApplicationStatus.GRANTED, ApplicationStatus.DISBURSED)
        ]
        assert granted
        # (Checked on the same seed: the demo's economic guidance.)
        _guidance_budgets_show_progress_and_the_watch_flags_one(skien)
        # This year's parameters, which a fresh assessment of this year's
        # applications takes, are the ones the loans were assessed on (made
        # before the loans, with the leader's fixed rates), not a row added after.
        this_year = LoanParameters.objects.filter(municipality=skien).get(year=timezone.localdate().year)
        assert this_year.fixed_rate_10 is not None
        recent = [a for a in granted if a.received_on.year >= this_year.year]
        assert all(a.assessment["year"] == this_year.year for a in recent)
        # A fixed-rate loan among them, at Husbanken's fixed rate, still carried.
        fixed = [a for a in granted if a.fixed_rate_years]
        assert fixed and all(a.assessment["fixed_rate_years"] == a.fixed_rate_years for a in fixed)
        for a in granted:
            fresh = assess_application(a)
            assert fresh["passes_stress_test"], (a.pk, fresh["margin_stress"])
            assert fresh["overfinancing"] == "0"
            assert fresh["debt_limit_ok"] and fresh["loan_to_value_ok"] and fresh["bank_stress_ok"]
            # The stored snapshot is the same assessment, kept in the history
            # and marked as the one decided on.
            assert a.assessment["margin_stress"] == fresh["margin_stress"]
            assert a.assessment_records.get(decided=True).snapshot == a.assessment
            # Recommended on documented eligibility and received documents; the
            # decision from Startskudd with its terms.
            assert services.eligibility_problems(a) == []
            assert services.missing_documents(services.checklist(a)) == []
            assert a.startskudd_case_number and a.decided_term_years == a.term_years
            if a.financing_certificate_on:
                assert a.financing_certificate_expires_on > a.financing_certificate_on
                assert services.certificate_problems(a, a.__dict__) == []
        for a in applications:
            assert a.dwelling_area and a.assessment
            assert a.existing_debt == sum((Decimal(d["balance"]) for d in a.debts), Decimal(0))
            if a.purpose != "purchase":
                # No title changes hands: no document duty.
                assert a.purchase_costs == 0
            elif a.ownership_form == "cooperative":
                assert a.purchase_costs == 5000 and a.common_debt > 0 and a.monthly_common_costs > 0
            else:
                assert a.purchase_costs == a.purchase_price * Decimal("0.025") and a.common_debt == 0

    def test_stock_changes_match_the_dwellings(self, skien):
        for change in StockChange.objects.filter(municipality=skien).select_related("dwelling"):
            if change.kind == StockChange.Kind.ACQUIRED:
                assert change.date == change.dwelling.acquired_on
            else:
                assert change.date == change.dwelling.disposed_on and change.price > 0
        kinds = set(StockChange.objects.filter(municipality=skien).values_list("kind", flat=True))
        assert kinds == {StockChange.Kind.ACQUIRED, StockChange.Kind.DISPOSED}

    def test_demo_users_have_their_roles_and_can_log_in(self, seeded, skien, client):
        caseworker = User.objects.get(username="saksbehandler")
        leader = User.objects.get(username="leder")
        assert caseworker.municipality == skien and leader.municipality == skien
        assert list(caseworker.groups.values_list("name", flat=True)) == [CASEWORKER]
        assert list(leader.groups.values_list("name", flat=True)) == [LEADER]
        assert leader.is_staff and not caseworker.is_staff
        assert leader.has_perm("housing_office.lead_office")
        assert caseworker.first_name and caseworker.title and caseworker.phone
        assert User.objects.filter(username__startswith="saksbehandler", municipality=skien).count() == 3
        for username in ("saksbehandler", "leder"):
            assert can_log_in(client, username, "boligkontor-demo")
        # Several caseworkers share the caseload.
        assert Household.objects.filter(municipality=skien).values("caseworker").distinct().count() >= 3

    def test_running_twice_adds_nothing_and_resets_the_password(self, seeded, client):
        before = counts()
        output = seed(password="nytt-passord-123")
        assert counts() == before
        assert "har allerede husstander" in output
        assert can_log_in(client, "saksbehandler", "nytt-passord-123")
        assert not can_log_in(client, "saksbehandler", "boligkontor-demo")

    def test_unknown_municipality_gets_a_plausible_stand_in_and_its_own_users(self, seeded):
        output = seed(municipality="9999", households="20")
        other = Municipality.objects.get(number="9999")
        assert other.name == "Kommune 9999" and other.office_name == "Boligkontoret"
        assert Household.objects.filter(municipality=other).count() == 20
        # The demo users of Skien stay in Skien; this municipality gets its own.
        assert User.objects.get(username="saksbehandler").municipality.number == "3807"
        assert User.objects.get(username="saksbehandler-9999").municipality == other
        assert "saksbehandler-9999 / boligkontor-demo" in output
        codes = set(Dwelling.objects.filter(municipality=other).values_list("postal_code", flat=True))
        assert all(len(c) == 4 and c.isdigit() for c in codes)

    def test_letter_templates_and_loan_parameters_are_ready_even_when_nothing_is_added(self, seeded, skien):
        # The summons letter and the loan assessment work at once, without a
        # first visit to the letter or loan pages.
        assert LetterTemplate.objects.filter(municipality=skien).exists()
        assert LoanParameters.objects.filter(municipality=skien, year=timezone.localdate().year).exists()
        assert "Kjørte letters.letter_templates.ensure_default_templates." in seeded
        assert "Kjørte startloan.services.ensure_default_parameters." in seeded
        # The demo's letters were made from the templates; they go first, and the
        # decisions and complaints let go of theirs.
        from archive.models import RegistryEntry
        from arrears.models import ArrearsEvent
        from decisions.models import Complaint, Decision

        OutreachMeeting.all_objects.filter(municipality=skien).update(summons_letter=None)
        Complaint.all_objects.filter(decision__municipality=skien).update(forwarding_letter=None)
        Decision.all_objects.filter(municipality=skien).update(letter=None)
        ArrearsEvent.all_objects.filter(case__municipality=skien).update(letter=None)
        RegistryEntry.all_objects.filter(municipality=skien).delete()
        Letter.all_objects.filter(municipality=skien).delete()
        LetterTemplate.all_objects.filter(municipality=skien).delete()
        LoanParameters.all_objects.filter(municipality=skien).delete()
        output = seed()
        assert "har allerede husstander" in output
        assert LetterTemplate.objects.filter(municipality=skien).exists()
        assert LoanParameters.objects.filter(municipality=skien, year=timezone.localdate().year).exists()

    def test_every_summoned_household_has_its_summons_letter(self, skien):
        summoned = set(
            PathwayStageChange.objects.filter(
                household__municipality=skien, to_stage=PathwayStage.SUMMONED
            ).values_list("household", flat=True)
        )
        assert summoned
        with_letter = set(
            Letter.objects.filter(municipality=skien, kind=LetterKind.SUMMONS).values_list(
                "household", flat=True
            )
        )
        assert summoned <= with_letter
        assert not Household.objects.filter(
            municipality=skien, pathway_stage=PathwayStage.SUMMONED, letters__isnull=True
        ).exists()
        # The letter went out with the stage change, and is in the journal.
        for change in PathwayStageChange.objects.filter(
            household__in=summoned, to_stage=PathwayStage.SUMMONED
        ):
            assert Letter.objects.filter(household=change.household, created_at=change.changed_at).exists()

    def test_meetings_of_a_summons_have_their_letter_dated_before_them(self, skien):
        templates = set(LetterTemplate.objects.filter(municipality=skien).values_list("pk", flat=True))
        meetings = OutreachMeeting.objects.filter(municipality=skien).select_related(
            "summons_letter", "household"
        )
        from_summons = [m for m in meetings if m.summons_letter is not None]
        assert from_summons
        for m in from_summons:
            letter = m.summons_letter
            assert letter.kind == LetterKind.SUMMONS and letter.household_id == m.household_id
            assert letter.template_id in templates
            assert letter.created_at < m.starts_at
            assert (
                datetime.timedelta(days=7) <= m.starts_at - letter.created_at <= datetime.timedelta(days=45)
            )
            assert letter.context["meeting_time"] == timezone.localtime(m.starts_at).strftime("%H.%M")
            assert letter.context["recipient_name"] and letter.context["archive_reference"]
        # Every household's first mapping meeting held came from a summons
        # letter sent before it (a missed meeting's new time may be agreed by
        # telephone, so the meeting held itself may have none).
        first_held: dict[int, OutreachMeeting] = {}
        for m in sorted(meetings, key=lambda m: m.starts_at):
            if m.status == MeetingStatus.HELD:
                first_held.setdefault(m.household_id, m)
        for m in first_held.values():
            assert Letter.objects.filter(household=m.household, created_at__lt=m.starts_at).exists()
        # A household summoned lately has its meeting planned, from its letter.
        for h in Household.objects.filter(municipality=skien, pathway_stage=PathwayStage.SUMMONED):
            planned = h.meetings.filter(status=MeetingStatus.PLANNED, summons_letter__isnull=False)
            assert planned.exists(), h.reference

    def test_recent_letters_are_rendered_and_older_ones_when_first_opened(self, skien, client):
        letters = list(Letter.objects.filter(municipality=skien, kind="summons"))
        since = timezone.localdate() - datetime.timedelta(days=RENDERED_DAYS)
        recent = [x for x in letters if timezone.localtime(x.created_at).date() >= since]
        older = [x for x in letters if timezone.localtime(x.created_at).date() < since]
        assert recent and older
        for letter in recent:
            assert letter.status == LetterStatus.RENDERED and letter.pdf and letter.sha256
            assert letter.rendered_at and letter.rendered_at - letter.created_at < datetime.timedelta(hours=1)
        for letter in older:
            assert letter.status == LetterStatus.PENDING and not letter.pdf and not letter.error
        client.force_login(User.objects.get(username="saksbehandler"))
        shown = recent[0]
        page = client.get(reverse("tenants:household-detail", args=[shown.household_id])).content.decode()
        assert reverse("letters:letter-download", args=[shown.pk]) in page
        response = client.get(reverse("letters:letter-download", args=[shown.pk]))
        assert response.status_code == 200
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert body.startswith(b"%PDF")
        # An old letter of the history is rendered from its snapshot when opened,
        # and the page never says it is waiting to be printed.
        old = older[0]
        page = client.get(reverse("tenants:household-detail", args=[old.household_id])).content.decode()
        assert reverse("letters:letter-download", args=[old.pk]) in page
        assert "Venter på utskrift" not in page
        response = client.get(reverse("letters:letter-download", args=[old.pk]))
        assert response.status_code == 200
        old.refresh_from_db()
        assert old.status == LetterStatus.RENDERED

    def test_siblings_are_born_months_apart_unless_twins(self, skien):
        births: dict[int, list[datetime.date]] = defaultdict(list)
        for p in Person.objects.filter(household__municipality=skien, role=PersonRole.CHILD):
            births[p.household_id].append(p.date_of_birth)
        pairs = 0
        for days in births.values():
            days.sort()
            for older, younger in zip(days, days[1:], strict=False):
                gap = (younger - older).days
                assert gap == 0 or gap >= 270, (older, younger)
                pairs += 1
        assert pairs

    def test_vacancies_look_like_a_real_office(self, skien):
        today = timezone.localdate()
        empty = list(vacancies(today).filter(municipality=skien))
        in_stock = Dwelling.objects.filter(municipality=skien).in_stock(today).count()
        days = [d.vacant_for.days for d in empty]
        assert len(days) <= max(3, in_stock * 0.1)
        # None for years; at most a handful over 90 days.
        assert all(n <= 200 for n in days), days
        assert sum(n > 90 for n in days) <= 3
        for d in Dwelling.objects.filter(municipality=skien).in_stock(today):
            if not d.tenancies.exists():
                assert (today - d.acquired_on).days <= 200, d.reference
        assert 10 <= _median_reletting_days(skien) <= 42

    def test_held_meetings_have_coded_outcomes_that_the_dashboard_counts(self, skien):
        from tenants.barriers import barrier_counts

        held = OutreachMeeting.objects.filter(municipality=skien, status=MeetingStatus.HELD)
        from demo.casework import CODED_OUTCOMES

        # Every held meeting of the story's kinds carries its coded outcome.
        of_the_story = held.filter(outcome_notes__in=list(CODED_OUTCOMES))
        assert of_the_story.exists()
        assert not of_the_story.filter(household_goal="").exists()
        assert held.filter(barriers__name="Økonomi").exists()
        counts = {row.name: row for row in barrier_counts(skien.pk)}
        assert counts["Økonomi"].now > 0

    def test_follow_up_plans_and_check_ins_fit_the_tenancies(self, skien):
        """Open plans for the households working toward ownership, ended plans
        for the buyers (ending on the day they moved), contacts inside their
        plans, check-ins only after a purchase and not before they fell due;
        the worklist has something in it and the figures count it."""
        from followup.figures import followup_figures
        from followup.services import add_years
        from followup.worklist import actions_due, quiet_plans

        today = timezone.localdate()
        plans = FollowUpPlan.objects.filter(municipality=skien).select_related("household")
        running = set(Tenancy.objects.filter(end_date__isnull=True).values_list("household", flat=True))
        assert plans.filter(end_date__isnull=True).exists()
        assert {p.household_id for p in plans if p.end_date is None} <= running
        for plan in plans.filter(end_date__isnull=False):
            assert Tenancy.objects.filter(
                household=plan.household, end_reason=EndReason.BOUGHT_OWN_HOME, end_date=plan.end_date
            ).exists()
        for contact in FollowUpContact.objects.select_related("plan"):
            assert contact.plan.start_date <= contact.date <= (contact.plan.end_date or today)
        check_ins = PostMoveCheckIn.objects.select_related("tenancy")
        assert check_ins.exists()
        for check_in in check_ins:
            assert check_in.tenancy.end_reason == EndReason.BOUGHT_OWN_HOME
            assert add_years(check_in.tenancy.end_date, check_in.years_after) <= check_in.done_on <= today
        assert list(quiet_plans(today, 60)) and list(actions_due(today))
        assert followup_figures(skien.pk, today.year)["persons_assisted"] > 0


class _Rollback(Exception):
    pass


def _snapshot(seed_value: int) -> list[tuple]:
    """What a seed makes, rolled back afterwards so the next run starts clean."""
    rows: list[tuple] = []
    try:
        with transaction.atomic():
            # The smallest demo: the same seed must give the same rows at any size.
            seed(seed=str(seed_value), households="20")
            rows += Household.objects.order_by("reference").values_list(
                "reference", "address", "pathway_stage"
            )
            rows += Person.objects.order_by("household__reference", "role", "first_name").values_list(
                "household__reference", "first_name", "last_name", "date_of_birth", "national_id"
            )
            rows += Tenancy.objects.order_by("household__reference", "start_date").values_list(
                "household__reference", "dwelling__reference", "start_date", "end_date", "end_reason"
            )
            rows += Letter.objects.order_by("created_at", "archive_reference").values_list(
                "household__reference", "created_at", "archive_reference", "status", "meeting__starts_at"
            )
            raise _Rollback
    except _Rollback:
        pass
    return rows


def test_same_seed_gives_the_same_data():
    first = _snapshot(7)
    assert first
    assert Household.objects.count() == 0
    assert _snapshot(7) == first
    assert _snapshot(8) != first


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"municipality": "12"}, "fire siffer"),
        ({"municipality": "38O7"}, "fire siffer"),
        ({"households": "0"}, "Antall husstander"),
        ({"households": "mange"}, "Antall husstander"),
        ({"households": "100000"}, "Antall husstander"),
        ({"seed": "x"}, "--seed"),
        ({"password": "kort"}, "Passordet"),
    ],
)
def test_bad_arguments_are_refused_and_nothing_is_written(db, options, message):
    with pytest.raises(CommandError, match=message):
        seed(**options)
    assert Municipality.objects.count() == 0
    assert Household.objects.count() == 0


def test_default_size_looks_like_a_municipality(db):
    result = seed_demo()
    skien = result.municipality
    assert Household.objects.filter(municipality=skien).count() == 300
    assert Dwelling.objects.filter(municipality=skien).count() == 255
    care = Dwelling.objects.filter(municipality=skien, category=DwellingCategory.CARE).count()
    assert 30 <= care <= 45
    today = timezone.localdate()
    # A leader reads the yearly figures: Skien's office saw 10-17 households
    # a year buy their own home, summons letters went out every year that
    # meetings were held, and the dwellings were re-let within weeks.
    full_years = range(today.year - 9, today.year)
    figures = {y: throughput_figures(skien, y) for y in full_years}
    bought = {y: f["moved_to_ownership"] for y, f in figures.items()}
    assert all(7 <= n <= 18 for n in bought.values()), bought
    assert 10 <= statistics.mean(bought.values()) <= 17, bought
    for year, f in figures.items():
        assert f["meetings_held"] > 0, year
        assert f["summons_letters"] > 0, (year, f)
    assert _median_reletting_days(skien) <= 42
    assert Tenancy.objects.filter(municipality=skien, end_reason=EndReason.PRIVATE_RENTAL).count() >= 10
    assert Household.objects.filter(municipality=skien).filter(~Q(interpreter_language="")).exists()
    assert Household.objects.filter(municipality=skien, letter_language="nn").exists()
    statuses = set(StartLoanApplication.objects.filter(municipality=skien).values_list("status", flat=True))
    assert statuses == set(ApplicationStatus.values)


def _median_reletting_days(municipality: Municipality) -> float:
    """Days between one tenancy of a dwelling ending and the next starting."""
    by_dwelling: dict[int, list[Tenancy]] = defaultdict(list)
    for t in Tenancy.objects.filter(municipality=municipality).order_by("start_date"):
        by_dwelling[t.dwelling_id].append(t)
    gaps = [
        (after.start_date - before.end_date).days
        for group in by_dwelling.values()
        for before, after in zip(group, group[1:], strict=False)
    ]
    assert gaps
    return statistics.median(gaps)


def test_a_failure_half_way_leaves_nothing_behind(db, monkeypatch):
    def explode(ctx, households):
        raise RuntimeError("boom")

    monkeypatch.setattr(casework, "plan_history", explode)
    with pytest.raises(RuntimeError):
        seed()
    assert all(n == 0 for n in counts().values()), counts()


def test_help_is_in_norwegian():
    from demo.management.commands.seed_demo import Command

    text = Command().create_parser("manage.py", "seed_demo").format_help()
    assert "Kommunenummer med fire siffer" in text and "Antall husstander" in text


def _guidance_budgets_show_progress_and_the_watch_flags_one(skien):
    # A few households in guidance have budget versions consistent with
    # their data (today's rent is their tenancy's), their savings growing;
    # the watch has run and flagged the one saved up to its home.
    from dwellings.models import Tenancy
    from startloan.models import HouseholdBudget, ReadinessStatus

    budgets = list(HouseholdBudget.objects.filter(municipality=skien).order_by("household_id", "made_on"))
    households = {b.household_id for b in budgets}
    assert 1 <= len(households) <= 5 and len(budgets) >= 2 * len(households)
    for b in budgets:
        assert b.household.pathway_stage == "guidance" and not b.household.loan_applications.exists()
        tenancy = Tenancy.objects.filter(household=b.household, end_date__isnull=True).first()
        if tenancy:
            assert b.monthly_rent == tenancy.monthly_rent
        assert b.figures["left"] and b.target_price
    first, *rest = [b for b in budgets if b.household_id == budgets[0].household_id]
    assert rest[-1].savings_now > first.savings_now
    assert ReadinessStatus.objects.filter(municipality=skien, affordable=True).exists()
