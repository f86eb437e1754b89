from __future__ import annotations

import pytest
from django.conf import settings

from . import factories


def pytest_configure(config):
    # Hashing passwords properly costs a tenth of a second each; the tests
    # make many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def municipality(db):
    return factories.MunicipalityFactory(number="3807", name="Skien")


@pytest.fixture
def other_municipality(db):
    return factories.MunicipalityFactory(number="1508", name="Ålesund")


@pytest.fixture
def caseworker_user(municipality):
    return factories.caseworker(municipality, username="kari", first_name="Kari")


@pytest.fixture
def leader_user(municipality):
    return factories.leader(municipality, username="leder", first_name="Lise")


@pytest.fixture
def other_caseworker(other_municipality):
    return factories.caseworker(other_municipality, username="ola", first_name="Ola")


@pytest.fixture
def caseworker_client(client, caseworker_user):
    client.force_login(caseworker_user)
    return client


@pytest.fixture
def leader_client(client, leader_user):
    client.force_login(leader_user)
    return client
