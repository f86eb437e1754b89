"""The one mechanism that keeps each municipality to its own records."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dwellings.models import Dwelling, Tenancy
from housing_office.scoping import scope, unscoped
from tenants.models import Household, Person

from . import factories

pytestmark = pytest.mark.django_db


def test_scope_filters_every_owned_model(municipality, other_municipality):
    mine = factories.TenancyFactory(household__municipality=municipality)
    factories.PersonFactory(household=mine.household)
    theirs = factories.TenancyFactory(household__municipality=other_municipality)
    factories.PersonFactory(household=theirs.household)

    with scope(municipality):
        assert list(Household.objects.all()) == [mine.household]
        assert list(Dwelling.objects.all()) == [mine.dwelling]
        assert list(Tenancy.objects.all()) == [mine]
        assert [p.household_id for p in Person.objects.all()] == [mine.household_id]
        # Reverse relations go through the default manager too.
        assert list(theirs.household.tenancies.all()) == []
    with unscoped():
        assert Household.objects.count() == 2


def test_no_municipality_means_nothing(municipality):
    factories.HouseholdFactory(municipality=municipality)
    with scope(None):
        assert Household.objects.count() == 0


def test_request_scope_follows_the_user(client, municipality, other_municipality):
    factories.HouseholdFactory(municipality=municipality, reference="H-SKIEN")
    factories.HouseholdFactory(municipality=other_municipality, reference="H-ALESUND")
    user = factories.caseworker(municipality)
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert response.context["caseload"].households == 1


def test_other_municipalitys_job_is_404(client, municipality, other_municipality):
    from housing_office.jobs import create_job

    job = create_job(municipality=other_municipality, kind="summons_letters", title="Innkallinger")
    client.force_login(factories.caseworker(municipality))
    assert client.get(reverse("job-detail", args=[job.pk])).status_code == 404
    own = create_job(municipality=municipality, kind="summons_letters", title="Innkallinger")
    assert client.get(reverse("job-detail", args=[own.pk])).status_code == 200


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_user_without_municipality_sees_nothing(client, municipality):
    factories.HouseholdFactory(municipality=municipality)
    user = factories.UserFactory(municipality=None)
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.context["caseload"].households == 0


def test_job_file_download_is_scoped_and_logged(client, municipality, other_municipality, settings, tmp_path):
    from django.core.files.base import ContentFile

    from housing_office.jobs import create_job
    from housing_office.models import PersonalDataAccess

    settings.MEDIA_ROOT = tmp_path
    job = create_job(municipality=municipality, kind="yearly_report", title="Årsrapport 2025")
    job.result_file.save("rapport.pdf", ContentFile(b"%PDF-1.7 test"), save=True)
    theirs = create_job(municipality=other_municipality, kind="summons_letters", title="Innkallinger")
    theirs.result_file.save("rapport.pdf", ContentFile(b"%PDF-1.7 test"), save=True)
    user = factories.leader(municipality)
    client.force_login(user)

    response = client.get(reverse("job-download", args=[job.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.7 test"
    assert PersonalDataAccess.all_objects.filter(user=user, action="download_report").count() == 1
    assert client.get(reverse("job-download", args=[theirs.pk])).status_code == 404
