"""The demo's decisions are dated as a real office's would be: drafted
before decided, decided while the case was open, each with its letter of
that day; it carries § 6 help decisions appealed to the Statsforvalteren.
(The demo's parts on a small register: a whole seed takes seconds.)"""

from __future__ import annotations

import datetime
import random

import pytest
from django.utils import timezone

from applications.models import Outcome
from decisions.kinds import HOUSING_HELP
from decisions.models import Decision, DecisionStatus
from demo.applications import _decide, _help_decisions
from demo.plan import Staff
from dwellings.models import Tenancy
from housing_office.scoping import scope
from letters.models import LetterStatus

from . import factories
from .factories import housing_application

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


def test_help_and_allocation_decisions_are_dated_consistently(municipality, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    today = timezone.localdate()
    staff = Staff(caseworkers=[factories.caseworker(municipality)], leader=factories.leader(municipality))
    tenants = []
    for start in (today - 400 * DAY, today - 300 * DAY):
        household = factories.household_with_members(municipality)
        factories.tenancy_of(household, factories.DwellingFactory(municipality=municipality), start)
        tenants.append((household.pk, start))
    applicant = factories.household_with_members(municipality)
    application = housing_application(applicant, today - 60 * DAY)
    with scope(municipality):
        assert _help_decisions(tenants, staff, today, random.Random(1)) == 2
        _decide([(application, Outcome.REFUSED, today - 39 * DAY)], staff, today)

    decisions = list(Decision.all_objects.select_related("letter"))
    assert len(decisions) == 3
    for decision in decisions:
        assert decision.drafted_at < decision.decided_at <= timezone.now(), decision
        assert decision.letter.created_at.date() == timezone.localdate(decision.decided_at)
        assert decision.letter.status == LetterStatus.RENDERED
    help_decisions = [d for d in decisions if d.kind == HOUSING_HELP]
    assert {d.outcome for d in help_decisions} == {"granted", "refused"}
    for decision in help_decisions:
        assert decision.status == DecisionStatus.DECIDED
        assert decision.appeal_body == "Statsforvalteren"
        decided_on = timezone.localdate(decision.decided_at)
        # For a tenant, while the tenancy ran.
        assert Tenancy.all_objects.filter(household=decision.household_id).running(on=decided_on).exists()
    [allocation] = [d for d in decisions if d.kind == "allocation"]
    assert timezone.localdate(allocation.drafted_at) >= application.received_on
