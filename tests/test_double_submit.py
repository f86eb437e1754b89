"""A double submit (a double click, a resent POST) of the meeting and journal
note forms makes one row, as the summons wizard's token does for batches."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.urls import reverse

from tenants.models import JournalNote, OutreachMeeting
from tenants.services import DomainError, add_journal_note, plan_meeting

from .test_households import make_household

pytestmark = pytest.mark.django_db

MEETING = {"date": "2099-01-14", "time": "10:30", "duration_minutes": "45", "place": "Rådhuset"}


def _token(response, form: str) -> str:
    token = response.context[form]["token"].value()
    assert token, "the form carries a one-time token"
    assert f'name="token" value="{token}"' in response.content.decode()
    return str(token)


def test_the_same_meeting_form_twice_plans_one_meeting(caseworker_client, caseworker_user, municipality):
    household = make_household(municipality)
    url = reverse("tenants:meeting-create") + f"?household={household.pk}"
    token = _token(caseworker_client.get(url), "form")
    data = {**MEETING, "caseworker": str(caseworker_user.pk), "token": token}
    first = caseworker_client.post(url, data)
    second = caseworker_client.post(url, data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert OutreachMeeting.objects.count() == 1
    assert OutreachMeeting.objects.get().request_token == uuid.UUID(token)
    # The page after the second submit is the household's, not an error.
    assert caseworker_client.get(second["Location"]).status_code == 200


def test_a_new_meeting_form_plans_a_new_meeting(caseworker_client, caseworker_user, municipality):
    household = make_household(municipality)
    url = reverse("tenants:meeting-create") + f"?household={household.pk}"
    for _i in range(2):
        token = _token(caseworker_client.get(url), "form")
        data = {**MEETING, "caseworker": str(caseworker_user.pk), "token": token}
        assert caseworker_client.post(url, data).status_code == 302
    assert OutreachMeeting.objects.count() == 2


def test_the_same_note_form_twice_writes_one_note(caseworker_client, municipality):
    household = make_household(municipality)
    detail = caseworker_client.get(reverse("tenants:household-detail", args=[household.pk]))
    token = _token(detail, "note_form")
    url = reverse("tenants:journal-note-create", args=[household.pk])
    data = {"text": "Ringte, avtalte møte.", "token": token}
    first = caseworker_client.post(url, data)
    second = caseworker_client.post(url, data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert JournalNote.objects.count() == 1
    # With htmx the second submit gets the list with the one note and a fresh form.
    third = caseworker_client.post(url, data, headers={"HX-Request": "true"})
    assert third.status_code == 200
    assert third.content.decode().count("Ringte, avtalte møte.") == 1
    assert str(third.context["note_form"]["token"].value()) != token
    assert JournalNote.objects.count() == 1


def test_a_token_never_fetches_another_households_row(caseworker_user, municipality):
    one, two = make_household(municipality), make_household(municipality)
    token = uuid.uuid4()
    note = add_journal_note(one, author=caseworker_user, text="Første", token=token)
    assert add_journal_note(one, author=caseworker_user, text="Første", token=token) == note

    with pytest.raises(DomainError):
        add_journal_note(two, author=caseworker_user, text="Andre", token=token)
    assert list(JournalNote.objects.values_list("household_id", flat=True)) == [one.pk]


def test_services_without_a_token_write_every_time(caseworker_user, municipality):
    household = make_household(municipality)
    add_journal_note(household, author=caseworker_user, text="x")
    add_journal_note(household, author=caseworker_user, text="x")
    assert JournalNote.objects.count() == 2
    when = datetime.datetime(2099, 1, 14, 9, 0, tzinfo=datetime.UTC)
    for _i in range(2):
        plan_meeting(household, caseworker=caseworker_user, starts_at=when, place="Rådhuset")
    assert OutreachMeeting.objects.count() == 2
