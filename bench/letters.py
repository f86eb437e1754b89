"""Benchmark: how fast summons letters are made.

    How to run (PostgreSQL and Redis running, libharfbuzz-subset0 installed):

        DATABASE_URL=postgres://postgres@127.0.0.1:5432/bk_bench \\
            .venv/bin/python bench/letters.py

    Options: --letters 1000 (the Celery batch), --bare 40 (letters for the bare
    render), --per-letter 100 (letters through our code path), --workers 1 2
    (worker processes to try), --skip-celery, --broker-db 6, --no-logo.

    The database named in DATABASE_URL is dropped and made again (its name
    must contain "bench"), so it never holds anything else. PDFs go to a
    temporary MEDIA_ROOT that is removed at the end. Nothing is asserted: the
    script prints figures.

What it measures, for the same letter (the default bokmål summons, with the
municipality's logo, an 800×960 PNG as a coat of arms is often uploaded):

1. bare: WeasyPrint alone rendering the same HTML with its stylesheet inline,
   `HTML(string=…).write_pdf(pdf_variant=PDF_VARIANT)`, one document per
   letter, nothing kept between letters but the font configuration: the
   floor for this document.
2. plain flow: the same words in a plain-flow layout (no positioned
   letterhead, no tables, no page-margin footer, no logo), rendered the same
   bare way: what the text alone costs.
3. ours, in-process: `letters.tasks.render_pending_letters`, the code the
   worker runs: claim pending letters, render the template, lay out each
   letter, write one tagged PDF per letter, store it, update the rows. With
   the chunk we ship (`CHUNK_SIZE`), with chunks of 1, and with a chunk laid
   out as one document and cut apart (`render_pdfs(together=True)`).
4. the machine: the bare render in one process and in two at once, to show
   what two processes can get out of this machine at this moment.
5. Celery: a whole batch (letters, then the combined print file) through
   real `celery worker` processes (prefork, 1 and 2 processes), timed from
   the moment the task is sent until the job row says done.
"""

from __future__ import annotations

import argparse
import gc
import io
import multiprocessing
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--letters", type=int, default=1000)
    parser.add_argument("--bare", type=int, default=40)
    parser.add_argument("--per-letter", type=int, default=100)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--skip-celery", action="store_true")
    parser.add_argument("--broker-db", type=int, default=6)
    parser.add_argument("--no-logo", action="store_true")
    return parser.parse_args()


def recreate_database(url: str) -> None:
    from urllib.parse import urlparse

    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    if "bench" not in name:
        sys.exit(f"Refusing to drop {name!r}: the benchmark database's name must contain 'bench'.")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def setup_django(media_root: Path) -> None:
    os.environ["MEDIA_ROOT"] = str(media_root)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "housing_office.settings")
    os.environ.pop("CELERY_BROKER_URL", None)  # this process runs nothing eagerly by mistake
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def coat_of_arms() -> bytes:
    """An 800×960 RGBA PNG: a shield with a sun, as an uploaded logo may be."""
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (800, 960), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.polygon([(0, 0), (800, 0), (800, 560), (400, 960), (0, 560)], fill=(200, 20, 30, 255))
    draw.ellipse((240, 240, 560, 560), fill=(240, 200, 40, 255))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def make_register(n: int, *, logo: bool = True):
    """A municipality with `n` households, each with a named main person."""
    import datetime

    from django.core.files.base import ContentFile

    from housing_office.models import Municipality, User
    from tenants.models import Household, Person

    municipality = Municipality.objects.create(
        number="3807",
        name="Skien",
        office_name="Boligkontoret",
        address="Postboks 3000",
        postal_code="3707",
        postal_place="SKIEN",
        visiting_address="Rådhusplassen 1",
        phone="35 58 10 00",
        email="boligkontoret@skien.kommune.no",
        organisation_number="938583986",
    )
    if logo:
        municipality.logo.save("skien-vapen.png", ContentFile(coat_of_arms()), save=True)
    caseworkers = [
        User.objects.create(
            username=f"saksbehandler{i}",
            first_name=name,
            last_name="Bjørnstad",
            municipality=municipality,
            phone="35 58 22 3" + str(i),
            title="rådgiver",
        )
        for i, name in enumerate(["Kåre", "Åslaug"])
    ]
    households = Household.objects.bulk_create(
        [
            Household(
                municipality=municipality,
                reference=f"H-{i:05d}",
                address=f"Øvre Årsvei {i % 90 + 1}",
                postal_code=f"37{i % 30:02d}",
                postal_place="SKIEN",
            )
            for i in range(n)
        ]
    )
    Person.objects.bulk_create(
        [
            Person(
                household=h,
                first_name="Åse",
                last_name=f"Ødegård {h.reference}",
                role="main",
                date_of_birth=datetime.date(1980, 1, 1),
            )
            for h in households
        ]
    )
    return municipality, caseworkers, households


def first_slot():
    import datetime

    from django.utils import timezone

    day = timezone.localdate() + datetime.timedelta(weeks=2)
    day -= datetime.timedelta(days=day.weekday())
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(8, 0)))


def new_batch(municipality, caseworkers, households):
    """A batch with pending letters; the render job is not started."""
    from letters.summons import create_summons_batch
    from tenants.models import MeetingStatus, OutreachMeeting

    # Earlier batches' meetings would leave these households out.
    OutreachMeeting.all_objects.update(status=MeetingStatus.CANCELLED)
    with mock.patch("letters.summons.enqueue"):
        return create_summons_batch(
            municipality=municipality,
            by=caseworkers[0],
            household_ids=[h.pk for h in households],
            caseworkers=caseworkers,
            place="Rådhuset, møterom Ibsen",
            first=first_slot(),
            minutes=45,
        )


def bare_letter_html(batch) -> tuple[str, set[str]]:
    """One letter's HTML with its stylesheet inline, and the URLs it may load
    (the logo), as ours has."""
    from letters.models import Letter
    from letters.rendering import LetterPage, layout_html, layout_resources, render_text

    letter = Letter.all_objects.filter(batch_key=batch.batch_key).select_related("template").first()
    subject, body = render_text(letter.template, letter.context)
    page = LetterPage(
        key=str(letter.pk),
        language="nb",
        subject=subject,
        body=body,
        context=letter.context,
        expected_pages=2,
    )
    return layout_html([page], inline_style=True), layout_resources([page])


PLAIN_CSS = """@page { size: A4; margin: 15mm 20mm 24mm 22mm; }
html { font-family: "DejaVu Sans"; font-size: 9.5pt; line-height: 1.4; }
h1 { font-size: 13pt; } h2 { font-size: 10.5pt; } p, ul { margin: 0 0 2.2mm; }"""


def plain_flow_html(html: str) -> str:
    """The same words in plain flow: the stylesheet above instead of the
    letter's, every table cell a paragraph, no logo, no positioned boxes, no
    page-margin footer."""
    html = re.sub(r"<style>.*?</style>", f"<style>{PLAIN_CSS}</style>", html, flags=re.S)
    html = re.sub(r'<img [^>]*>|\sstyle="[^"]*"|\sclass="[^"]*"', "", html)
    html = re.sub(r"</?(table|tr|thead|tbody)[^>]*>", "", html)
    html = re.sub(r"<(th|td)[^>]*>", "<p>", html)
    return re.sub(r"</(th|td)>", "</p>", html)


def timed(fn) -> tuple[float, float, object]:
    """Wall-clock and CPU seconds of `fn()`, and its result. CPU time is this
    process's alone, so it is less disturbed by other work on the machine.
    The garbage the measurements before left is collected first, so that
    `fn` does not pay for it."""
    gc.collect()
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def bare_renderer(html: str, resources: set[str]):
    from weasyprint import HTML

    from housing_office.pdf import PDF_VARIANT, font_config, make_url_fetcher
    from letters.kinds import DEFAULT_LETTERS_DIR

    fetcher = make_url_fetcher(resources)

    def one() -> bytes:
        return HTML(string=html, url_fetcher=fetcher, base_url=str(DEFAULT_LETTERS_DIR)).write_pdf(
            pdf_variant=PDF_VARIANT, font_config=font_config()
        )

    for _ in range(3):
        one()  # warm up fonts and caches
    return one


def bench_per_letter(args, municipality, caseworkers, households) -> dict[str, tuple[float, float]]:
    """Seconds per letter (wall, CPU) for the bare render, the plain flow and
    our code path, measured in alternating rounds so that a busy moment hits
    all alike."""
    from functools import partial

    from letters import rendering, tasks
    from letters.tasks import CHUNK_SIZE, render_pending_letters, write_print_file

    rounds = 4
    per_round = max(1, args.per_letter // rounds)
    bare_per_round = max(1, args.bare // rounds)
    keys = ["bare", "plain", "ours", "ours_one", "ours_together", "print"]
    samples: dict[str, list[tuple[float, float]]] = {key: [] for key in keys}
    bare = plain = None
    used = 0

    def next_households():
        nonlocal used
        used += per_round
        return households[used - per_round : used]

    for _r in range(rounds):
        batch = new_batch(municipality, caseworkers, next_households())
        if bare is None:
            html, resources = bare_letter_html(batch)
            bare, plain = bare_renderer(html, resources), bare_renderer(plain_flow_html(html), set())
        for key, render in (("bare", bare), ("plain", plain)):
            wall, cpu, _ = timed(lambda f=render: [f() for _ in range(bare_per_round)])
            samples[key].append((wall / bare_per_round, cpu / bare_per_round))
        wall, cpu, n = timed(lambda b=batch: render_pending_letters(b.batch_key, chunk_size=CHUNK_SIZE))
        samples["ours"].append((wall / n, cpu / n))
        wall, cpu, _ = timed(lambda b=batch: write_print_file(b))
        samples["print"].append((wall / n, cpu / n))
        batch_one = new_batch(municipality, caseworkers, next_households())
        wall, cpu, n = timed(lambda b=batch_one: render_pending_letters(b.batch_key, chunk_size=1))
        samples["ours_one"].append((wall / n, cpu / n))
        batch_together = new_batch(municipality, caseworkers, next_households())
        with mock.patch.object(tasks, "render_pdfs", partial(rendering.render_pdfs, together=True)):
            wall, cpu, n = timed(lambda b=batch_together: render_pending_letters(b.batch_key, chunk_size=25))
        samples["ours_together"].append((wall / n, cpu / n))
    return {
        key: (statistics.median(w for w, _ in values), statistics.median(c for _, c in values))
        for key, values in samples.items()
    }


def _bare_in_a_process(html: str, resources: set[str], n: int, barrier, results) -> None:
    import django

    django.setup()
    render = bare_renderer(html, resources)
    barrier.wait()  # the processes render at the same time
    start = time.perf_counter()
    for _ in range(n):
        render()
    results.put(time.perf_counter() - start)


def bench_machine(html: str, resources: set[str], n: int = 30) -> tuple[float, float]:
    """Bare renders a second in one process, and in two processes at once.
    The processes are spawned, not forked: this process has threads (the
    Celery client's) whose locks a forked child would inherit held."""
    context = multiprocessing.get_context("spawn")

    def rate(processes: int) -> float:
        barrier, results = context.Barrier(processes), context.Queue()
        started = [
            context.Process(target=_bare_in_a_process, args=(html, resources, n, barrier, results))
            for _ in range(processes)
        ]
        for process in started:
            process.start()
        seconds = [results.get() for _ in started]
        for process in started:
            process.join()
        return processes * n / max(seconds)

    return rate(1), rate(2)


def start_worker(broker_url: str, concurrency: int) -> subprocess.Popen:
    env = {**os.environ, "CELERY_BROKER_URL": broker_url}
    cmd = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "housing_office",
        "worker",
        "--loglevel=WARNING",
        "--pool=prefork",
        f"--concurrency={concurrency}",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        f"--hostname=bench-{os.getpid()}-{concurrency}@%h",
    ]
    log = open(Path(tempfile.gettempdir()) / f"bench-worker-{concurrency}.log", "w")  # noqa: SIM115
    return subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )


def wait_until_ready(app, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if app.control.ping(timeout=0.5):
            return
        time.sleep(0.2)
    raise RuntimeError("The worker did not start")


def stop_worker(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def bench_celery(batch, broker_url: str, concurrency: int) -> tuple[float, float, float]:
    """Seconds for the whole batch through real workers, until the last
    letter, and the CPU seconds the worker processes used."""
    import redis
    from django.db.models import Max

    from housing_office.celery import app
    from housing_office.models import Job
    from letters.models import Letter
    from letters.tasks import render_summons_batch

    redis.Redis.from_url(broker_url).flushdb()
    app.conf.broker_url, app.conf.task_always_eager = broker_url, False
    job = batch.job
    children_before = os.times()
    proc = start_worker(broker_url, concurrency)
    try:
        wait_until_ready(app)
        from django.utils import timezone

        sent = timezone.now()
        render_summons_batch.apply_async(args=(job.pk, batch.pk))
        while True:
            job = Job.all_objects.get(pk=job.pk)
            if job.state in ("done", "failed"):
                break
            time.sleep(0.2)
        if job.state != "done":
            raise RuntimeError(f"The job failed: {job.error}")
        last_letter = Letter.all_objects.filter(batch_key=batch.batch_key).aggregate(t=Max("rendered_at"))[
            "t"
        ]
    finally:
        stop_worker(proc)
    # The worker and its pool processes have been waited for, so their CPU
    # time (start-up included) is in this process's children's times.
    after = os.times()
    cpu = (after.children_user - children_before.children_user) + (
        after.children_system - children_before.children_system
    )
    return (job.finished_at - sent).total_seconds(), (last_letter - sent).total_seconds(), cpu


def main() -> None:
    args = parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit(
            "Set DATABASE_URL=postgres://…/bk_bench (a database of its own; it is dropped and made again)."
        )
    media = Path(tempfile.mkdtemp(prefix="bench-letters-"))
    try:
        recreate_database(url)
        setup_django(media)
        need = max(args.letters, args.per_letter * 3 + 8)
        print(f"Setting up {need} households …", flush=True)
        municipality, caseworkers, households = make_register(need, logo=not args.no_logo)
        figures = bench_per_letter(args, municipality, caseworkers, households)
        from letters.tasks import CHUNK_SIZE

        bare = figures["bare"]
        rows = [
            ("WeasyPrint bare render, same HTML (the floor)", "bare"),
            ("Plain flow, same words, bare render", "plain"),
            (f"Ours, chunks of {CHUNK_SIZE} (what ships)", "ours"),
            ("Ours, chunks of 1", "ours_one"),
            ("Ours, chunk of 25 laid out as one document", "ours_together"),
            ("  + combined print file, per letter", "print"),
        ]
        print()
        print(
            f"{'per letter (median of 4 alternating rounds)':<50} {'wall ms':>8} {'letters/s':>10} "
            f"{'× bare':>7} {'CPU ms':>7} {'× bare':>7} {'× plain':>8}"
        )
        for label, key in rows:
            wall, cpu = figures[key]
            print(
                f"{label:<50} {wall * 1000:8.1f} {1 / wall:10.1f} {wall / bare[0]:7.2f} "
                f"{cpu * 1000:7.1f} {cpu / bare[1]:7.2f} {cpu / figures['plain'][1]:8.2f}"
            )
        ours_cpu = figures["ours"][1] * 1000
        logo = "without" if args.no_logo else "with"
        print(
            f"Goal: one letter ≤ 100 ms CPU ({logo} the logo, tagged PDF/A-2a, fonts embedded): "
            f"{ours_cpu:.1f} ms, {'met' if ours_cpu <= 100 else 'NOT met'}."
        )

        if not args.skip_celery:
            broker_url = f"redis://127.0.0.1:6379/{args.broker_db}"
            html, resources = bare_letter_html(new_batch(municipality, caseworkers, households[:1]))
            one, two = bench_machine(html, resources)
            print()
            print(
                f"The machine now: bare renders, 1 process {one:.1f}/s, 2 processes at once {two:.1f}/s "
                f"({two / one:.2f}×: what two processes can get here)",
                flush=True,
            )
            print()
            print(
                f"{'Celery batch of ' + str(args.letters) + ' letters':<34} {'total s':>8} {'letters/s':>10} "
                f"{'× 1 process':>12} {'letters only s':>15} {'worker CPU ms/letter':>21}"
            )
            rates: dict[int, float] = {}
            for concurrency in args.workers:
                big = new_batch(municipality, caseworkers, households[: args.letters])
                total, letters_done, cpu = bench_celery(big, broker_url, concurrency)
                rates[concurrency] = args.letters / total
                first = rates[args.workers[0]]
                print(
                    f"{f'{concurrency} worker process(es)':<34} {total:8.1f} {rates[concurrency]:10.1f} "
                    f"{rates[concurrency] / first:12.2f} {letters_done:15.1f} "
                    f"{cpu / args.letters * 1000:21.1f}",
                    flush=True,
                )
            if 1 in rates and 2 in rates:
                one_after, two_after = bench_machine(html, resources)
                ceiling = (two / one + two_after / one_after) / 2
                ratio = rates[2] / rates[1]
                print(
                    f"The machine after: {one_after:.1f}/s and {two_after:.1f}/s "
                    f"({two_after / one_after:.2f}×)."
                )
                print(
                    f"Goal: 2 processes ≥ 1.8× one: {ratio:.2f}×, "
                    f"{'met' if ratio >= 1.8 else 'NOT met'}; the machine allowed {ceiling:.2f}× "
                    f"(the batch got {ratio / ceiling:.0%} of it)."
                )
        print()
        print(f"Machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the end.")
    finally:
        shutil.rmtree(media, ignore_errors=True)


if __name__ == "__main__":
    main()
