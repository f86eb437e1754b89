"""The summons letters of the history, made from the municipality's own
template versions like the wizard's, and linked from the meetings they
called to.

Rendering a letter through the letter pipeline costs about a tenth of a
second, and a ten-year history holds some hundreds of them, so the demo
renders the PDFs of the letters sent in the last RENDERED_DAYS days only
(at most the newest MAX_RENDERED, for a big `--households`): those are the
ones of the households being followed now, and they download like any
letter the office sends. Older letters are kept with their full snapshot
(what the letter said) and rendered when someone first opens one
(`letters.tasks.render_now`), like any letter no worker has reached yet.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from letters.journal import journal_letters
from letters.kinds import get_kind
from letters.letter_templates import current_template, ensure_default_templates
from letters.models import Letter, LetterKind, LetterStatus
from letters.snapshot import letter_language
from letters.tasks import render_and_store

from .plan import Context, SummonsPlan

RENDERED_DAYS = 120
MAX_RENDERED = 80
RENDER_CHUNK = 25


def write_letters(ctx: Context) -> list[Letter]:
    """Insert one summons letter per plan (the households and their members
    are saved by now) and link the meetings to them; render the recent ones."""
    ensure_default_templates(ctx.office)
    spec = get_kind(LetterKind.SUMMONS)
    templates: dict[str, object] = {}
    letters = []
    plans = sorted(ctx.summonses, key=lambda p: (p.sent_at, p.household.row.reference))
    numbers: dict[int, int] = {}
    for plan in plans:
        h = plan.household
        assert h.row is not None
        language = letter_language(h.row, ctx.office)
        if language not in templates:
            templates[language] = current_template(ctx.office, LetterKind.SUMMONS, language)
        sent_on = timezone.localtime(plan.sent_at).date()
        year = sent_on.year
        numbers[year] = numbers.get(year, 0) + 1
        reference = f"{year}/{numbers[year]}"
        context = spec.build_context(
            household=h.row,
            municipality=ctx.office,
            caseworker=plan.caseworker,
            starts_at=plan.starts_at,
            duration_minutes=plan.duration_minutes,
            place=plan.place,
            letter_date=sent_on,
            archive_reference=reference,
            language=language,
        )
        context.update(_address_then(plan, sent_on))
        letter = Letter(
            municipality=ctx.office,
            kind=LetterKind.SUMMONS,
            household=h.row,
            template=templates[language],
            status=LetterStatus.PENDING,
            context=context,
            archive_reference=reference,
            created_by=plan.caseworker,
            created_at=plan.sent_at,
        )
        letters.append(letter)
        if plan.meeting is not None:
            plan.meeting.summons_letter = letter
    Letter.all_objects.bulk_create(letters)
    # Journaled as the wizard's letters are (letters.journal), each on the
    # day it was sent, before the recent ones are rendered: every letter is
    # in its household's case file and the journal of its year, and prints
    # the reference the journal gave it.
    journal_letters(letters)
    _render_recent(ctx, letters)
    return letters


def _address_then(plan: SummonsPlan, day: datetime.date) -> dict[str, str]:
    """The letter went to the dwelling the household rented that day."""
    for t in plan.household.tenancies:
        if t.start <= day and (t.end is None or day <= t.end):
            d = t.dwelling
            return {"recipient_address": d.address, "recipient_postal": f"{d.postal_code} {d.postal_place}"}
    return {}


def _render_recent(ctx: Context, letters: list[Letter]) -> None:
    since = ctx.today - datetime.timedelta(days=RENDERED_DAYS)
    recent = [letter for letter in letters if timezone.localtime(letter.created_at).date() >= since]
    recent = recent[-MAX_RENDERED:]
    for start in range(0, len(recent), RENDER_CHUNK):
        render_and_store(recent[start : start + RENDER_CHUNK])
    # Rendered when they were sent, not when the demo was made.
    done = [letter for letter in recent if letter.status == LetterStatus.RENDERED]
    for letter in done:
        letter.rendered_at = letter.created_at + datetime.timedelta(minutes=2)
        letter.updated_at = letter.rendered_at
    Letter.all_objects.bulk_update(done, ["rendered_at", "updated_at"])
