"""housing_office.backends.OfficeBackend answers as Django's ModelBackend,
with fewer queries."""

from __future__ import annotations

import pytest
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from housing_office.backends import OfficeBackend
from housing_office.models import User

from . import factories

pytestmark = pytest.mark.django_db


def fresh(user: User) -> User:
    """The user as a new request loads it: nothing kept from before."""
    return User.objects.get(pk=user.pk)


def test_the_same_permissions_as_model_backend(municipality):
    direct = factories.caseworker(municipality)
    direct.user_permissions.add(Permission.objects.get(codename="lead_office"))
    inactive = factories.leader(municipality)
    inactive.is_active = False
    inactive.save()
    users = [
        factories.caseworker(municipality),
        factories.leader(municipality),
        direct,
        inactive,
        User.objects.create_superuser("rot", "rot@example.no", "x-passord-123"),
        factories.UserFactory(municipality=municipality),  # no role at all
    ]
    for user in users:
        ours = OfficeBackend().get_all_permissions(fresh(user))
        theirs = ModelBackend().get_all_permissions(fresh(user))
        assert ours == theirs, user.username
        for perm in ("housing_office.lead_office", "tenants.view_household", "tenants.delete_household"):
            assert OfficeBackend().has_perm(fresh(user), perm) == ModelBackend().has_perm(fresh(user), perm)
    assert "housing_office.lead_office" in OfficeBackend().get_all_permissions(fresh(direct))
    assert OfficeBackend().get_all_permissions(fresh(inactive)) == set()


def test_the_user_comes_with_its_municipality_and_permissions_in_one_query_each(municipality):
    leader = factories.leader(municipality)
    with CaptureQueriesContext(connection) as captured:
        user = OfficeBackend().get_user(leader.pk)
        assert user.municipality.name == municipality.name
        assert user.has_perm("housing_office.lead_office")
        assert not user.has_perm("tenants.delete_household")
    assert len(captured) == 2, [q["sql"] for q in captured.captured_queries]


def test_an_inactive_or_missing_user_is_no_one(municipality):
    gone = factories.caseworker(municipality, is_active=False)
    assert OfficeBackend().get_user(gone.pk) is None
    assert OfficeBackend().get_user(987654) is None


def test_a_session_begun_under_model_backend_stays_signed_in(client, municipality):
    caseworker = factories.caseworker(municipality)
    client.force_login(caseworker, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get("/husstander/").status_code == 200
