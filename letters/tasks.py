"""Celery tasks for letters: rendering a batch in chunks, and its print file.

The wizard enqueues one task per batch, `render_summons_batch`. It asks for
helpers (`render_letter_chunks`) so that every free worker process takes a
share, and then works through the batch itself. Everyone claims the next
chunk of pending letters with `SELECT … FOR UPDATE SKIP LOCKED`, so no letter
is rendered twice, a killed helper's letters go back to the pool when its
transaction dies, and running the task again only renders what is missing.
When no pending letter is left, the batch task writes the combined print
file and closes the job.

The tasks keep the names they had when they lived in `tenants.tasks`: a job
row stores its task's name (`housing_office.jobs.enqueue`), and a waiting
job is sent again by that name.
"""

from __future__ import annotations

import io
import logging
import math
import time

from celery import shared_task
from celery.signals import worker_init
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from housing_office.files import sha256_hex
from housing_office.jobs import JOB_TASK_OPTIONS, TRANSIENT_ERRORS, job_result, job_run, set_progress
from housing_office.models import Job, JobState

from .delivery import dispatch_letters, letters_for_print
from .kinds import get_kind
from .models import Letter, LetterStatus, SummonsBatch
from .rendering import LetterPage, render_pdfs, render_text

logger = logging.getLogger(__name__)

# Letters claimed together: one transaction, one UPDATE and one progress
# update per chunk. Each letter is laid out on its own (letters.rendering):
# bench/letters.py measured a chunk laid out as one document at more CPU a
# letter than one document each, so the chunk is only there for the claims
# and the writes. A chunk of 1 costs a letter more in queries; a large chunk
# leaves one worker process rendering its last chunk while the other has
# nothing left, and progress moves in big steps. Ten letters is about a
# second of work.
CHUNK_SIZE = 10
# Helper tasks asked for per batch at most (one per spare worker process).
MAX_HELPERS = 3
# How long the batch task waits for letters another worker holds.
WAIT_POLL_SECONDS = 0.25
WAIT_LIMIT_SECONDS = 30 * 60


@worker_init.connect
def _import_weasyprint(**_kwargs: object) -> None:
    """Import WeasyPrint in the worker's main process, before it starts its
    pool: every pool process then has it from the start instead of spending
    a third of a second of CPU on the import in its first letter, while the
    batch waits for it. The web processes never import it until they render."""
    import weasyprint  # noqa: F401


@shared_task(name="tenants.tasks.render_summons_batch", **JOB_TASK_OPTIONS)
def render_summons_batch(self, job_id: int, batch_id: int) -> None:
    """Render every pending letter of the batch, then the print file."""
    with job_run(self, job_id):
        batch = SummonsBatch.all_objects.get(pk=batch_id)
        key = batch.batch_key
        done, total = update_progress(job_id, key)
        pending = total - done
        helpers = min(MAX_HELPERS, math.ceil(pending / CHUNK_SIZE) - 1)
        if helpers > 0 and not self.app.conf.task_always_eager:
            # Helpers go to the queue this task came from, where its workers are.
            queue = (getattr(self.request, "delivery_info", None) or {}).get("routing_key")
            for _i in range(helpers):
                render_letter_chunks.apply_async(
                    args=(job_id, batch_id), **({"queue": queue} if queue else {})
                )
        render_pending_letters(key, job_id=job_id, wait_for_others=True)
        finish_batch(batch, job_id)


@shared_task(name="tenants.tasks.render_letter_chunks", **JOB_TASK_OPTIONS)
def render_letter_chunks(self, job_id: int, batch_id: int) -> None:
    """A helper: render chunks of the batch until none is left to claim."""
    batch = SummonsBatch.all_objects.filter(pk=batch_id).first()
    if batch is None:
        return
    render_pending_letters(batch.batch_key, job_id=job_id, wait_for_others=False)


def update_progress(job_id: int, batch_key: str) -> tuple[int, int]:
    """Progress is counted from the letters themselves, so a re-run or a
    retry never counts a letter twice."""
    counts = Letter.all_objects.filter(batch_key=batch_key).aggregate(
        total=Count("pk"), done=Count("pk", filter=~Q(status=LetterStatus.PENDING))
    )
    set_progress(job_id, counts["done"], total=counts["total"])
    return counts["done"], counts["total"]


def render_pending_letters(
    batch_key: str,
    *,
    job_id: int | None = None,
    chunk_size: int = CHUNK_SIZE,
    wait_for_others: bool = False,
) -> int:
    """Claim and render chunks of the batch's pending letters until there are
    none. With `wait_for_others`, also wait until letters other workers are
    holding are done. Returns how many letters this call rendered or failed."""
    handled = 0
    waited = 0.0
    while True:
        with transaction.atomic():
            claimed = list(
                Letter.all_objects.select_for_update(skip_locked=True, of=("self",))
                .filter(batch_key=batch_key, status=LetterStatus.PENDING)
                .select_related("template")
                .order_by("pk")[:chunk_size]
            )
            if claimed:
                render_and_store(claimed)
        if claimed:
            handled += len(claimed)
            waited = 0.0
            if job_id is not None:
                update_progress(job_id, batch_key)
            continue
        if not wait_for_others:
            return handled
        if not Letter.all_objects.filter(batch_key=batch_key, status=LetterStatus.PENDING).exists():
            return handled
        if waited > WAIT_LIMIT_SECONDS:
            raise RuntimeError(_("Andre arbeidsprosesser ble ikke ferdige med brevene sine."))
        time.sleep(WAIT_POLL_SECONDS)
        waited += WAIT_POLL_SECONDS


def render_now(letter_id: int) -> Letter:
    """Render one pending letter at once, for the person who opens it.

    A letter is its snapshot and its template version, so rendering it later
    gives the letter it was; a letter that was made but never rendered (the
    demo's older history, a batch whose worker has not reached it yet) is
    rendered when first opened instead of showing a PDF that is not there.
    The row lock waits for a worker that holds the letter, so no letter is
    rendered twice."""
    with transaction.atomic():
        letters = Letter.all_objects.select_for_update(of=("self",)).select_related("template")
        letter = letters.get(pk=letter_id)
        if letter.status == LetterStatus.PENDING:
            render_and_store([letter])
    return letter


def render_and_store(letters: list[Letter]) -> None:
    """Render `letters` (claimed, pending), store one PDF per letter and mark
    each rendered, or failed with the reason."""
    cache: dict = {}
    pages: list[LetterPage] = []
    outcome: dict[int, bytes | str] = {}
    for letter in letters:
        try:
            subject, body = render_text(letter.template, letter.context, cache=cache)
        except Exception as exc:  # noqa: BLE001 - the reason goes on the letter
            outcome[letter.pk] = _describe(exc)
            continue
        pages.append(
            LetterPage(
                key=str(letter.pk),
                language=letter.template.language,
                subject=subject,
                body=body,
                context=letter.context,
                template_key=letter.template_id,
                exempt_from_public_access=get_kind(letter.kind).exempt_from_public_access,
            )
        )
    try:
        for page, pdf in zip(pages, render_pdfs(pages), strict=True):
            outcome[int(page.key)] = pdf
    except TRANSIENT_ERRORS:
        raise
    except Exception:  # noqa: BLE001 - find the letter that breaks the chunk
        logger.warning("A chunk of letters failed; rendering them one by one", exc_info=True)
        for page in pages:
            try:
                outcome[int(page.key)] = render_pdfs([page])[0]
            except Exception as exc:  # noqa: BLE001 - the reason goes on the letter
                outcome[int(page.key)] = _describe(exc)

    now = timezone.now()
    for letter in letters:
        result = outcome[letter.pk]
        letter.updated_at = now
        if isinstance(result, bytes):
            try:
                name = f"{get_kind(letter.kind).file_stem}-{letter.pk}.pdf"
                letter.pdf.save(name, ContentFile(result), save=False)
            except OSError as exc:
                letter.status, letter.error = LetterStatus.FAILED, _describe(exc)
                continue
            letter.sha256 = sha256_hex(result)
            letter.status = LetterStatus.RENDERED
            letter.rendered_at = now
            letter.error = ""
        else:
            letter.status, letter.error = LetterStatus.FAILED, result
    # One UPDATE for the chunk. It bypasses Letter.save's archive guard, which
    # is right here: these letters were pending until this very statement.
    Letter.all_objects.bulk_update(letters, ["pdf", "sha256", "status", "rendered_at", "error", "updated_at"])
    # The dispatch step (letters.delivery): digital through SvarUt, or print.
    dispatch_letters([letter for letter in letters if letter.status == LetterStatus.RENDERED])


def _describe(exc: BaseException) -> str:
    return _("Kunne ikke lage brevet: %(error)s") % {"error": str(exc) or exc.__class__.__name__}


def finish_batch(batch: SummonsBatch, job_id: int) -> None:
    """Write the combined print file when every letter is rendered, and say
    how the job went."""
    key = batch.batch_key
    counts = Letter.all_objects.filter(batch_key=key).aggregate(
        total=Count("pk"),
        rendered=Count("pk", filter=Q(status=LetterStatus.RENDERED)),
        failed=Count("pk", filter=Q(status=LetterStatus.FAILED)),
    )
    if counts["failed"]:
        if batch.print_file:
            batch.print_file.delete(save=False)
        batch.print_sha256 = ""
        batch.finished_at = timezone.now()
        batch.save(update_fields=["print_file", "print_sha256", "finished_at", "updated_at"])
        Job.all_objects.filter(pk=job_id).update(
            state=JobState.FAILED,
            finished_at=timezone.now(),
            error=_(
                "%(failed)s av %(total)s brev kunne ikke lages. "
                "Se årsaken ved hvert brev, rett feilen og prøv igjen."
            )
            % counts,
        )
        job_result(job_id, letters=counts["total"], rendered=counts["rendered"], failed=counts["failed"])
        return
    write_print_file(batch)
    Job.all_objects.filter(pk=job_id).update(
        message=_("Alle %(total)s brevene er laget, og utskriftsfilen er klar.") % counts
    )
    job_result(job_id, letters=counts["total"], rendered=counts["rendered"], failed=0)


def write_print_file(batch: SummonsBatch) -> None:
    """One PDF with the batch's letters that go out on paper (all of them
    when nothing sends digitally, see letters.delivery), sorted by postal
    code for the post office's discount sorting. Re-running replaces the file."""
    letters = letters_for_print(
        Letter.all_objects.filter(batch_key=batch.batch_key, status=LetterStatus.RENDERED), batch
    )
    data = combine_pdfs(letters, title=f"Innkallingsbrev, utskrift {batch.pk}")
    if batch.print_file:
        batch.print_file.delete(save=False)
    batch.print_file.save(f"innkallinger-{batch.pk}.pdf", ContentFile(data), save=False)
    batch.print_sha256 = sha256_hex(data)
    batch.finished_at = timezone.now()
    batch.save(update_fields=["print_file", "print_sha256", "finished_at", "updated_at"])


def combine_pdfs(letters, *, title: str) -> bytes:
    """The letters' own PDFs as one, in postal-code order.

    They are joined with qpdf (through pikepdf), which costs a few
    milliseconds a letter; laying them out again would cost a render.
    """
    import pikepdf

    ordered = letters.order_by(
        "household__postal_code", "household__address", "household__reference", "pk"
    ).only("pdf")
    combined = pikepdf.Pdf.new()
    sources = []  # kept open until the combined file is written
    for letter in ordered:
        with letter.pdf.open("rb") as handle:
            source = pikepdf.Pdf.open(io.BytesIO(handle.read()))
        sources.append(source)
        combined.pages.extend(source.pages)
    combined.docinfo["/Title"] = title
    buffer = io.BytesIO()
    combined.save(buffer)
    for source in sources:
        source.close()
    return buffer.getvalue()
