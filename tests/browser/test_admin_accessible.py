"""The admin's forms are for the office's administrators and leaders, and
the accessibility law covers them as much as the caseworkers' pages: axe
finds no serious or critical violation on the forms that once had a date
and time split in two boxes under one label, or member and rate rows with
no label at all."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from startloan.models import LoanParameters

from .. import factories
from .conftest import log_in
from .test_accessibility import serious_violations

pytestmark = pytest.mark.browser


def test_admin_forms_with_dates_times_and_rows_are_accessible(page, municipality):
    # The office's administrator: every admin form is open to them.
    leader = factories.leader(municipality, username="lise", is_staff=True, is_superuser=True)
    household = factories.household_with_members(municipality, reference="H-1", children=1)
    meeting = factories.OutreachMeetingFactory(household=household, caseworker=leader)
    from startloan import services

    services.ensure_default_parameters(municipality, datetime.date.today().year)
    parameters = LoanParameters.objects.filter(municipality=municipality).first()
    log_in(page, "lise")
    found = {}
    for url in (
        reverse("admin:tenants_outreachmeeting_change", args=[meeting.pk]),
        reverse("admin:tenants_outreachmeeting_add"),
        reverse("admin:tenants_household_change", args=[household.pk]),
        reverse("admin:startloan_loanparameters_change", args=[parameters.pk]),
        reverse("admin:housing_office_user_change", args=[leader.pk]),
    ):
        page.goto(url)
        assert page.locator("#content form").count() == 1, (url, page.title(), page.url)
        if violations := serious_violations(page):
            found[url] = violations
    assert found == {}
