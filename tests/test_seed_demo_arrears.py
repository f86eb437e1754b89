"""The demo's arrears history: a case at every stage, consistent with the
tenancies, following the deadline rules, and not made twice."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from arrears.models import ArrearsCase, ArrearsEvent, CloseReason, EventKind, PaymentAgreement, Stage
from arrears.services import next_deadline, notice_dates
from dwellings.models import EndReason
from housing_office.models import Municipality, User
from letters.models import Letter

pytestmark = pytest.mark.django_db


def seed(**options) -> None:
    options.setdefault("households", "40")
    call_command("seed_demo", stdout=io.StringIO(), **options)


class TestTheDemosArrears:
    """On the one seed the class shares (tests/conftest.py `shared_seed`)."""

    @pytest.fixture
    def skien(self, shared_seed, db) -> Municipality:
        return Municipality.objects.get(number="3807")

    def test_every_stage_is_in_the_history(self, skien):
        cases = ArrearsCase.all_objects.filter(municipality=skien)
        open_stages = set(cases.filter(closed_on__isnull=True).values_list("stage", flat=True))
        assert {
            Stage.OPENED,
            Stage.REMINDER,
            Stage.AGREEMENT,
            Stage.NOTICE_4_18,
            Stage.NAV_NOTICE,
            Stage.EVICTION_REQUESTED,
        } <= open_stages
        reasons = set(cases.exclude(closed_on=None).values_list("close_reason", flat=True))
        assert {CloseReason.AGREEMENT_KEPT, CloseReason.EVICTED, CloseReason.PAID} <= reasons
        assert PaymentAgreement.all_objects.filter(case__municipality=skien, missed_on__isnull=False).exists()
        assert ArrearsEvent.all_objects.filter(
            case__municipality=skien, kind=EventKind.INSTALMENT_MISSED
        ).exists()
        # The eviction avoided: a request for eviction, then closed other than by eviction.
        avoided = cases.filter(events__kind=EventKind.EVICTION_REQUESTED, close_reason=CloseReason.PAID)
        assert avoided.exists() and avoided.first().close_note

    def test_the_cases_fit_their_tenancies_and_the_deadline_rules(self, skien):
        from arrears import rules

        for case in ArrearsCase.all_objects.filter(municipality=skien).select_related("tenancy"):
            tenancy = case.tenancy
            assert tenancy.start_date <= case.oldest_due_date <= case.opened_on
            if case.closed_on is None or case.close_reason != CloseReason.EVICTED:
                assert tenancy.end_date is None
            else:
                # Carried out: the tenancy ended by eviction that day.
                assert (tenancy.end_date, tenancy.end_reason) == (case.closed_on, EndReason.EVICTION)
            sent, received = notice_dates(case)
            requested = case.events.filter(kind=EventKind.EVICTION_REQUESTED).first()
            if sent:
                assert rules.check_notice_4_18(sent_on=sent, oldest_due_date=case.oldest_due_date) is None
            if requested:
                nav = case.events.filter(kind=EventKind.NAV_NOTICE).first()
                assert (
                    rules.check_eviction_request(
                        requested_on=requested.date,
                        notice_sent_on=sent,
                        notice_received_on=received,
                        nav_notice_on=nav.date if nav else None,
                    )
                    is None
                )
            for event in case.events.exclude(kind__in=[EventKind.OPENED, EventKind.CLOSED]):
                if event.kind in (EventKind.CONTACT, EventKind.INSTALMENT_MISSED, EventKind.NOTICE_RECEIVED):
                    continue
                if event.kind == EventKind.EVICTED:
                    continue
                assert event.letter is not None and event.letter.household_id == tenancy.household_id
            label, deadline = next_deadline(case)
            assert (deadline is None) == (
                case.closed_on is not None or case.stage == Stage.EVICTION_REQUESTED
            )

    def test_the_nav_notice_goes_to_nav_with_a_copy_to_the_tenant(self, skien):
        notice = ArrearsEvent.all_objects.filter(case__municipality=skien, kind=EventKind.NAV_NOTICE).first()
        assert (
            notice.letter.kind == "arrears_nav_office"
            and notice.letter.context["recipient_name"] == "NAV Skien"
        )
        copy = notice.case.events.get(kind=EventKind.NAV_COPY, date=notice.date)
        assert copy.letter.kind == "arrears_nav_notice"
        assert copy.letter.context["recipient_name"] != "NAV Skien"

    def test_the_candidate_list_shows_an_open_case_as_its_caution(self, skien):
        """The candidate list's caution reads the open arrears cases (the one
        record of unpaid rent); the demo has one on a candidate."""
        from django.utils import timezone

        from housing_office.scoping import scope
        from tenants.candidates import candidate_for, candidate_queryset

        today = timezone.localdate()
        with scope(skien):
            candidates = [
                candidate_for(h, today) for h in candidate_queryset(today, skien.candidate_min_years)
            ]
        in_arrears = set(
            ArrearsCase.all_objects.filter(municipality=skien, closed_on__isnull=True).values_list(
                "tenancy__household_id", flat=True
            )
        )
        cautioned = {c.household.pk for c in candidates if "Husleierestanse" in c.cautions}
        assert cautioned and cautioned == {c.household.pk for c in candidates} & in_arrears

    def test_seeding_twice_makes_no_duplicates_and_the_tray_opens(self, skien, client):
        before = (
            ArrearsCase.all_objects.count(),
            ArrearsEvent.all_objects.count(),
            Letter.all_objects.count(),
        )
        seed()
        assert (
            ArrearsCase.all_objects.count(),
            ArrearsEvent.all_objects.count(),
            Letter.all_objects.count(),
        ) == before
        client.force_login(User.objects.get(username="saksbehandler"))
        tray = client.get(reverse("arrears:case-list"))
        assert tray.status_code == 200
        top = ArrearsCase.all_objects.filter(municipality=skien, stage=Stage.EVICTION_REQUESTED).first()
        assert client.get(reverse("arrears:case-detail", args=[top.pk])).status_code == 200
