"""The summons wizard, the batch job, its page, retries and idempotency."""

from __future__ import annotations

import datetime
import io

import pikepdf
import pytest
from django.urls import reverse
from django.utils import timezone

from housing_office.files import sha256_hex
from housing_office.jobs import create_job
from housing_office.models import Job, PersonalDataAccess
from letters import letter_templates, rendering, tasks
from letters.models import Letter, LetterStatus, SummonsBatch
from letters.summons import assign_slots, create_summons_batch, plan_summons, retry_batch
from tenants.models import MeetingStatus, OutreachMeeting, PathwayStage, PathwayStageChange

from . import factories

pytestmark = pytest.mark.django_db

OSLO = timezone.get_default_timezone()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def a_monday(weeks_ahead: int = 2) -> datetime.date:
    day = timezone.localdate() + datetime.timedelta(weeks=weeks_ahead)
    day -= datetime.timedelta(days=day.weekday())
    # Keep clear of Easter, May holidays and Christmas so slots are predictable.
    while day.month in (4, 5, 12) or (day.month == 6 and day.day < 15) or (day.month == 3 and day.day > 15):
        day += datetime.timedelta(weeks=1)
    return day


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def households(municipality, n: int, **kwargs):
    made = []
    for _ in range(n):
        household = factories.HouseholdFactory(municipality=municipality, **kwargs)
        factories.PersonFactory(household=household)
        made.append(household)
    return made


def summon(municipality, user, chosen, capture, **kwargs) -> SummonsBatch:
    options = {
        "municipality": municipality,
        "by": user,
        "household_ids": [h.pk for h in chosen],
        "caseworkers": [user],
        "place": "Rådhuset, møterom 2",
        "first": at(a_monday(), 9),
        "minutes": 45,
    }
    options.update(kwargs)
    with capture(execute=True):
        return create_summons_batch(**options)


# --- Planning --------------------------------------------------------------------


def test_assign_slots_round_robin_runs_caseworkers_in_parallel(municipality):
    monday = a_monday()
    kari, ola = factories.caseworker(municipality), factories.caseworker(municipality)
    chosen = households(municipality, 5)
    slots = assign_slots(chosen, [kari, ola], first=at(monday, 14, 0), minutes=45)
    assert [(s.caseworker, timezone.localtime(s.starts_at).strftime("%a %H:%M")) for s in slots] == [
        (kari, "Mon 14:00"),
        (ola, "Mon 14:00"),
        (kari, "Mon 14:45"),
        (ola, "Mon 14:45"),
        (kari, "Tue 08:00"),
    ]
    assert [s.household for s in slots] == chosen


def test_assign_slots_skips_a_caseworkers_busy_time(municipality):
    monday = a_monday()
    kari = factories.caseworker(municipality)
    busy = {kari.pk: [(at(monday, 9, 30), at(monday, 10, 0))]}
    slots = assign_slots(households(municipality, 3), [kari], first=at(monday, 9), minutes=30, busy=busy)
    assert [timezone.localtime(s.starts_at).strftime("%H:%M") for s in slots] == ["09:00", "10:00", "10:30"]


def test_plan_leaves_out_and_explains(municipality, caseworker_user):
    good = households(municipality, 1)[0]
    no_address = households(municipality, 1, address="", postal_code="", postal_place="")[0]
    finished = households(municipality, 1, pathway_stage=PathwayStage.BOUGHT_HOME)[0]
    applying = households(municipality, 1, pathway_stage=PathwayStage.APPLYING_LOAN)[0]
    granted = households(municipality, 1, pathway_stage=PathwayStage.LOAN_GRANTED)[0]
    booked = households(municipality, 1)[0]
    factories.OutreachMeetingFactory(
        household=booked, caseworker=caseworker_user, starts_at=timezone.now() + datetime.timedelta(days=3)
    )
    plan = plan_summons(
        [good, no_address, finished, applying, granted, booked],
        [caseworker_user],
        first=at(a_monday(), 9),
        minutes=45,
    )
    assert [s.household for s in plan.slots] == [good]
    reasons = {item.household: item.reason for item in plan.left_out}
    assert reasons[no_address] == "Mangler postadresse"
    assert reasons[finished].startswith("Ferdig i løpet")
    # The same rule as the candidate list: past mapping is not invited to it.
    assert reasons[applying] == "Forbi kartleggingen (Søker startlån)"
    assert reasons[granted].startswith("Forbi kartleggingen")
    assert reasons[booked].startswith("Har allerede en planlagt samtale")


def test_plan_does_not_double_book_a_caseworker(municipality, caseworker_user):
    monday = a_monday()
    other = households(municipality, 1)[0]
    factories.OutreachMeetingFactory(
        household=other, caseworker=caseworker_user, starts_at=at(monday, 9), duration_minutes=45
    )
    plan = plan_summons(households(municipality, 1), [caseworker_user], first=at(monday, 9), minutes=45)
    assert timezone.localtime(plan.slots[0].starts_at).strftime("%H:%M") == "09:45"


# --- Creating a batch --------------------------------------------------------------


def test_confirmed_batch_makes_meetings_letters_stage_changes_and_a_finished_job(
    municipality, caseworker_user, django_capture_on_commit_callbacks
):
    chosen = households(municipality, 3)
    missing = households(municipality, 1, address="", postal_code="", postal_place="")[0]
    batch = summon(municipality, caseworker_user, [*chosen, missing], django_capture_on_commit_callbacks)

    assert batch.letter_count == 3
    assert batch.left_out == [
        {"id": missing.pk, "reference": missing.reference, "reason": "Mangler postadresse"}
    ]
    meetings = OutreachMeeting.all_objects.filter(summons_letter__batch_key=batch.batch_key)
    assert meetings.count() == 3
    assert {m.status for m in meetings} == {MeetingStatus.PLANNED}
    assert {m.household_id for m in meetings} == {h.pk for h in chosen}
    assert all(m.place == "Rådhuset, møterom 2" and m.duration_minutes == 45 for m in meetings)
    batch_letters = Letter.all_objects.filter(batch_key=batch.batch_key)
    assert {letter.status for letter in batch_letters} == {LetterStatus.RENDERED}
    assert not Letter.all_objects.filter(household=missing).exists()
    for household in chosen:
        household.refresh_from_db()
        assert household.pathway_stage == PathwayStage.SUMMONED
        change = PathwayStageChange.all_objects.get(household=household)
        assert (change.reason, change.changed_by) == ("Innkalt til kartleggingssamtale", caseworker_user)
    missing.refresh_from_db()
    assert missing.pathway_stage == PathwayStage.NOT_ASSESSED

    job = Job.all_objects.get(pk=batch.job_id)
    assert (job.state, job.progress_done, job.progress_total) == ("done", 3, 3)
    assert job.result == {"letters": 3, "rendered": 3, "failed": 0}
    batch.refresh_from_db()
    with batch.print_file.open("rb") as handle:
        data = handle.read()
    assert sha256_hex(data) == batch.print_sha256
    with pikepdf.Pdf.open(io.BytesIO(data)) as combined:
        assert len(combined.pages) == 6  # three two-page letters


def test_a_household_further_along_keeps_its_stage(
    municipality, caseworker_user, django_capture_on_commit_callbacks
):
    household = households(municipality, 1, pathway_stage=PathwayStage.GUIDANCE)[0]
    summon(municipality, caseworker_user, [household], django_capture_on_commit_callbacks)
    household.refresh_from_db()
    assert household.pathway_stage == PathwayStage.GUIDANCE


def test_the_same_form_submitted_twice_makes_one_batch(
    municipality, caseworker_user, django_capture_on_commit_callbacks
):
    import uuid

    token = uuid.uuid4()
    chosen = households(municipality, 2)
    first = summon(municipality, caseworker_user, chosen, django_capture_on_commit_callbacks, token=token)
    again = summon(municipality, caseworker_user, chosen, django_capture_on_commit_callbacks, token=token)
    assert first.pk == again.pk
    assert Letter.all_objects.count() == 2 and OutreachMeeting.all_objects.count() == 2


def test_running_the_job_again_makes_no_second_letter_or_meeting(
    municipality, caseworker_user, django_capture_on_commit_callbacks
):
    batch = summon(
        municipality, caseworker_user, households(municipality, 2), django_capture_on_commit_callbacks
    )
    before = {letter.pk: (letter.sha256, letter.pdf.name) for letter in Letter.all_objects.all()}
    tasks.render_summons_batch.apply(args=(batch.job_id, batch.pk))
    tasks.render_summons_batch.apply(args=(batch.job_id, batch.pk))
    tasks.render_letter_chunks.apply(args=(batch.job_id, batch.pk))
    after = {letter.pk: (letter.sha256, letter.pdf.name) for letter in Letter.all_objects.all()}
    assert after == before
    assert OutreachMeeting.all_objects.count() == 2
    job = Job.all_objects.get(pk=batch.job_id)
    assert (job.state, job.progress_done, job.progress_total, job.attempts) == ("done", 2, 2, 3)


def test_a_failed_letter_is_reported_and_a_retry_renders_only_what_is_missing(
    municipality, caseworker_user, django_capture_on_commit_callbacks, monkeypatch
):
    chosen = households(municipality, 3)
    broken_household = chosen[1]
    real_render_text = rendering.render_text

    def failing(template, context, **kwargs):
        if context["household_reference"] == broken_household.reference:
            raise ValueError("malen mangler noe")
        return real_render_text(template, context, **kwargs)

    monkeypatch.setattr(tasks, "render_text", failing)
    batch = summon(municipality, caseworker_user, chosen, django_capture_on_commit_callbacks)
    broken = Letter.all_objects.get(batch_key=batch.batch_key, household=broken_household)
    assert broken.status == LetterStatus.FAILED
    assert "malen mangler noe" in broken.error
    job = Job.all_objects.get(pk=batch.job_id)
    assert job.state == "failed"
    assert "1 av 3 brev kunne ikke lages" in job.error
    batch.refresh_from_db()
    assert not batch.print_file
    done_before = dict(
        Letter.all_objects.filter(status=LetterStatus.RENDERED).values_list("pk", "rendered_at")
    )
    assert len(done_before) == 2

    monkeypatch.setattr(tasks, "render_text", real_render_text)
    with django_capture_on_commit_callbacks(execute=True):
        retry_batch(batch, by=caseworker_user)
    assert dict(Letter.all_objects.filter(pk__in=done_before).values_list("pk", "rendered_at")) == done_before
    broken.refresh_from_db()
    assert broken.status == LetterStatus.RENDERED and broken.error == ""
    job.refresh_from_db()
    assert (job.state, job.error, job.progress_done) == ("done", "", 3)
    batch.refresh_from_db()
    assert batch.print_file
    assert Letter.all_objects.count() == 3 and OutreachMeeting.all_objects.count() == 3


def test_a_chunk_that_fails_in_weasyprint_fails_only_the_bad_letter(
    municipality, caseworker_user, django_capture_on_commit_callbacks, monkeypatch
):
    chosen = households(municipality, 3)
    real_render_pdfs = rendering.render_pdfs

    def fragile(pages):
        if len(pages) > 1:
            raise RuntimeError("layout failed")
        if pages[0].context["household_reference"] == chosen[0].reference:
            raise RuntimeError("this one is broken")
        return real_render_pdfs(pages)

    monkeypatch.setattr(tasks, "render_pdfs", fragile)
    batch = summon(municipality, caseworker_user, chosen, django_capture_on_commit_callbacks)
    statuses = dict(
        Letter.all_objects.filter(batch_key=batch.batch_key).values_list("household_id", "status")
    )
    assert statuses == {chosen[0].pk: "failed", chosen[1].pk: "rendered", chosen[2].pk: "rendered"}


def test_retry_is_refused_while_the_job_runs(
    municipality, caseworker_user, django_capture_on_commit_callbacks
):
    from tenants.services import DomainError

    batch = summon(
        municipality, caseworker_user, households(municipality, 1), django_capture_on_commit_callbacks
    )
    Job.all_objects.filter(pk=batch.job_id).update(state="running")
    with pytest.raises(DomainError, match="kjører allerede"):
        retry_batch(batch)


# --- The wizard in the browser -----------------------------------------------------


def test_wizard_takes_the_candidate_lists_households(caseworker_client, municipality):
    chosen = households(municipality, 2)
    not_chosen = households(municipality, 1)[0]
    query = "&".join(f"household={h.pk}" for h in chosen)
    response = caseworker_client.get(f"{reverse('letters:summons-new')}?{query}")
    assert response.status_code == 200
    page = response.content.decode()
    for household in chosen:
        assert f'value="{household.pk}" id="hh-{household.pk}" checked' in page
    assert not_chosen.reference not in page
    assert "2 husstander er valgt fra listen" in page


def test_wizard_filters_households_by_stage_and_search(caseworker_client, municipality):
    from tenants.services import refresh_search_text

    waiting = households(municipality, 1, address="Ørneveien 3")[0]
    refresh_search_text(waiting)
    summoned = households(municipality, 1, pathway_stage=PathwayStage.SUMMONED)[0]
    page = caseworker_client.get(reverse("letters:summons-new")).content.decode()
    assert waiting.reference in page and summoned.reference not in page
    page = caseworker_client.get(
        reverse("letters:summons-new"), {"filter": 1, "stage": "summoned"}
    ).content.decode()
    assert summoned.reference in page and waiting.reference not in page
    page = caseworker_client.get(
        reverse("letters:summons-new"), {"filter": 1, "stage": "open", "q": "orneveien"}
    )
    assert waiting.reference in page.content.decode()


def wizard_data(households_, caseworker, **overrides):
    monday = a_monday()
    data = {
        "token": "6f1c9a2e-8f5e-4d4b-9a43-3a1d2f1c0b7e",
        "households": [h.pk for h in households_],
        "place": "Rådhuset, møterom 2",
        "first_date": monday.isoformat(),
        "first_time": "14:00",
        "slot_minutes": "45",
        "caseworkers": [caseworker.pk],
        "day_starts": "08:00",
        "day_ends": "15:30",
        "letter_date": timezone.localdate().isoformat(),
    }
    data.update(overrides)
    return data


def test_wizard_shows_the_plan_and_reports_left_out_before_anything_is_saved(
    caseworker_client, caseworker_user, municipality
):
    chosen = households(municipality, 3)
    missing = households(municipality, 1, address="", postal_code="", postal_place="")[0]
    response = caseworker_client.post(
        reverse("letters:summons-new"), wizard_data([*chosen, missing], caseworker_user)
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Bekreft innkallingene" in page
    # Caseworkers know households by name; the reference follows it.
    missing_name = missing.members.get().full_name
    assert f"<strong>{missing_name}</strong> ({missing.reference}): Mangler postadresse" in page
    for household in chosen:
        assert household.members.get().full_name in page
    # 14.00 and 14.45 on Monday, 08.00 on Tuesday.
    assert "14.00" in page and "14.45" in page and "08.00" in page
    assert 'name="confirm"' in page and "Innkall og lag 3 brev" in page
    assert not SummonsBatch.all_objects.exists() and not Letter.all_objects.exists()
    assert not OutreachMeeting.all_objects.exists()


def test_wizard_confirm_creates_the_batch_and_goes_to_its_page(
    caseworker_client, caseworker_user, municipality, django_capture_on_commit_callbacks
):
    chosen = households(municipality, 2)
    data = wizard_data(chosen, caseworker_user, confirm="1")
    with django_capture_on_commit_callbacks(execute=True):
        response = caseworker_client.post(reverse("letters:summons-new"), data)
    batch = SummonsBatch.all_objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "letters:batch-detail", args=[batch.pk]
    )
    assert batch.created_by == caseworker_user and list(batch.caseworkers.all()) == [caseworker_user]
    assert Letter.all_objects.filter(batch_key=batch.batch_key, status="rendered").count() == 2
    # The same form again (back button, double click) makes nothing new.
    with django_capture_on_commit_callbacks(execute=True):
        again = caseworker_client.post(reverse("letters:summons-new"), data)
    assert again["Location"] == response["Location"]
    assert SummonsBatch.all_objects.count() == 1 and Letter.all_objects.count() == 2

    page = caseworker_client.get(response["Location"]).content.decode()
    assert "Ferdig" in page and "2 av 2 brev er behandlet" in page
    assert reverse("letters:batch-print", args=[batch.pk]) in page
    for letter in Letter.all_objects.all():
        assert reverse("letters:letter-download", args=[letter.pk]) in page


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"households": []}, "households", "Velg minst én husstand."),
        ({"caseworkers": []}, "caseworkers", "Velg minst én saksbehandler."),
        ({"first_date": "2020-01-06"}, "first_date", "Første samtale kan ikke være tilbake i tid."),
        ({"day_ends": "08:00"}, "day_ends", "Siste samtale må slutte etter at den første begynner."),
        ({"slot_minutes": "10"}, "slot_minutes", None),
        ({"place": ""}, "place", None),
    ],
)
def test_wizard_bad_input_gets_a_norwegian_message_and_writes_nothing(
    caseworker_client, caseworker_user, municipality, overrides, field, message
):
    data = wizard_data(households(municipality, 1), caseworker_user, confirm="1", **overrides)
    response = caseworker_client.post(reverse("letters:summons-new"), data)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors
    if message:
        assert message in errors[field]
    assert not SummonsBatch.all_objects.exists() and not Letter.all_objects.exists()


def test_wizard_refuses_another_municipalitys_household_and_caseworker(
    caseworker_client, caseworker_user, municipality, other_municipality, other_caseworker
):
    theirs = households(other_municipality, 1)
    response = caseworker_client.post(
        reverse("letters:summons-new"), wizard_data(theirs, caseworker_user, confirm="1")
    )
    assert response.status_code == 400 and "households" in response.context["form"].errors
    mine = households(municipality, 1)
    response = caseworker_client.post(
        reverse("letters:summons-new"), wizard_data(mine, other_caseworker, confirm="1")
    )
    assert response.status_code == 400 and "caseworkers" in response.context["form"].errors
    assert not Letter.all_objects.exists()


def test_wizard_with_only_unaddressed_households_says_so(caseworker_client, caseworker_user, municipality):
    missing = households(municipality, 1, address="", postal_code="", postal_place="")
    response = caseworker_client.post(
        reverse("letters:summons-new"), wizard_data(missing, caseworker_user, confirm="1")
    )
    assert response.status_code == 400
    assert "Ingen av husstandene kan innkalles" in response.content.decode()
    assert not SummonsBatch.all_objects.exists()


# --- The batch page ----------------------------------------------------------------


def test_batch_page_polls_while_the_job_runs_and_stops_after(
    caseworker_client, caseworker_user, municipality, django_capture_on_commit_callbacks
):
    batch = summon(
        municipality, caseworker_user, households(municipality, 1), django_capture_on_commit_callbacks
    )
    url = reverse("letters:batch-detail", args=[batch.pk])
    Job.all_objects.filter(pk=batch.job_id).update(state="running", progress_done=0)
    partial = caseworker_client.get(url, headers={"HX-Request": "true"})
    body = partial.content.decode()
    assert "hx-trigger" in body and "<html" not in body
    assert "0 av 1 brev er behandlet" in body
    Job.all_objects.filter(pk=batch.job_id).update(state="done", progress_done=1)
    body = caseworker_client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in body and "1 av 1 brev er behandlet" in body


def test_batch_page_shows_failures_with_reason_and_a_retry_button(
    caseworker_client, caseworker_user, municipality, django_capture_on_commit_callbacks, monkeypatch
):
    def broken(template, context, **kwargs):
        raise ValueError("ødelagt mal")

    monkeypatch.setattr(tasks, "render_text", broken)
    batch = summon(
        municipality, caseworker_user, households(municipality, 2), django_capture_on_commit_callbacks
    )
    url = reverse("letters:batch-detail", args=[batch.pk])
    page = caseworker_client.get(url).content.decode()
    assert "ødelagt mal" in page
    assert "2 av 2 brev kunne ikke lages" in page
    assert reverse("letters:batch-retry", args=[batch.pk]) in page
    failed_only = caseworker_client.get(url, {"status": "failed"}).content.decode()
    assert failed_only.count("ødelagt mal") == 2

    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        response = caseworker_client.post(reverse("letters:batch-retry", args=[batch.pk]))
    assert response.status_code == 302
    assert Letter.all_objects.filter(batch_key=batch.batch_key, status="rendered").count() == 2


def test_batch_pages_of_another_municipality_are_404(
    client, caseworker_user, other_caseworker, municipality, django_capture_on_commit_callbacks
):
    batch = summon(
        municipality, caseworker_user, households(municipality, 1), django_capture_on_commit_callbacks
    )
    client.force_login(other_caseworker)
    assert client.get(reverse("letters:batch-detail", args=[batch.pk])).status_code == 404
    assert client.post(reverse("letters:batch-retry", args=[batch.pk])).status_code == 404
    assert client.get(reverse("letters:batch-print", args=[batch.pk])).status_code == 404
    assert (
        client.get(reverse("letters:batch-list"))
        .content.decode()
        .count(reverse("letters:batch-detail", args=[batch.pk]))
        == 0
    )


def test_print_file_download_is_logged(
    caseworker_client, caseworker_user, municipality, django_capture_on_commit_callbacks
):
    batch = summon(
        municipality, caseworker_user, households(municipality, 1), django_capture_on_commit_callbacks
    )
    response = caseworker_client.get(reverse("letters:batch-print", args=[batch.pk]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    log = PersonalDataAccess.all_objects.get()
    assert (log.user, log.action) == (caseworker_user, "download_letter")


def make_batch_rows(municipality, user, n: int) -> SummonsBatch:
    """A batch with n rendered-looking letters, without rendering PDFs."""
    letter_templates.ensure_default_templates(municipality)
    template = letter_templates.current_template(municipality, "summons", "nb")
    job = create_job(municipality=municipality, kind="summons_letters", title="Innkalling", total=n)
    batch = SummonsBatch.all_objects.create(
        municipality=municipality,
        place="Rådhuset",
        first_slot=at(a_monday(), 9),
        slot_minutes=45,
        letter_date=timezone.localdate(),
        job=job,
        letter_count=n,
        created_by=user,
    )
    batch.caseworkers.set([user])
    for i, household in enumerate(households(municipality, n)):
        letter = Letter.all_objects.create(
            municipality=municipality,
            kind="summons",
            household=household,
            template=template,
            batch_key=batch.batch_key,
            status="rendered",
            pdf=f"letters/x{i}.pdf",
            sha256="a" * 64,
            context={"recipient_name": f"Person {i}"},
        )
        OutreachMeeting.all_objects.create(
            municipality=municipality,
            household=household,
            caseworker=user,
            starts_at=at(a_monday(), 9),
            place="Rådhuset",
            summons_letter=letter,
        )
    return batch


def count_queries(client, url, **kwargs) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, **kwargs).status_code == 200
    return len(queries)


def test_batch_pages_run_a_constant_number_of_queries(caseworker_client, caseworker_user, municipality):
    small = make_batch_rows(municipality, caseworker_user, 2)
    big = make_batch_rows(municipality, caseworker_user, 12)
    list_url = reverse("letters:batch-list")
    caseworker_client.get(list_url)  # warm the session
    few_batches = count_queries(caseworker_client, list_url)
    for _ in range(8):
        make_batch_rows(municipality, caseworker_user, 1)
    assert count_queries(caseworker_client, list_url) == few_batches <= 12
    assert caseworker_client.get(list_url).content.decode().count("/brev/innkallinger/") >= 10

    counts = {
        (batch.pk, htmx): count_queries(
            caseworker_client,
            reverse("letters:batch-detail", args=[batch.pk]),
            **({"headers": {"HX-Request": "true"}} if htmx else {}),
        )
        for batch in (small, big)
        for htmx in (False, True)
    }
    assert counts[(small.pk, False)] == counts[(big.pk, False)] <= 15
    assert counts[(small.pk, True)] == counts[(big.pk, True)] <= 15


def test_summons_rows_reach_the_audit_trail(
    municipality, caseworker_user, django_capture_on_commit_callbacks
):
    """The wizard writes its letters and meetings in bulk; they are audited all the same."""
    from auditlog.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    [household] = households(municipality, 1)
    summon(municipality, caseworker_user, [household], django_capture_on_commit_callbacks)
    letter = Letter.all_objects.get(household=household)
    meeting = OutreachMeeting.all_objects.get(household=household)
    for obj in (letter, meeting):
        entry = LogEntry.objects.get(
            content_type=ContentType.objects.get_for_model(obj),
            object_pk=str(obj.pk),
            action=LogEntry.Action.CREATE,
        )
        assert entry.actor == caseworker_user


def test_the_wizard_offers_only_households_that_may_be_invited(caseworker_client, municipality):
    mapped = households(municipality, 1, pathway_stage=PathwayStage.MAPPED)[0]
    applying = households(municipality, 1, pathway_stage=PathwayStage.APPLYING_LOAN)[0]
    page = caseworker_client.get(reverse("letters:summons-new"), {"stage": "open", "filter": "1"})
    html = page.content.decode()
    assert mapped.reference in html and applying.reference not in html
    # Asking for a stage past mapping by its name finds only candidates too.
    html = caseworker_client.get(
        reverse("letters:summons-new"), {"stage": PathwayStage.APPLYING_LOAN, "filter": "1"}
    ).content.decode()
    assert applying.reference not in html
    assert f'value="{PathwayStage.APPLYING_LOAN}"' not in html
