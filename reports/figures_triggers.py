"""The database forgets a closed year's figures when a write reaches it.

`ClosedYearFigures` keeps closed years' throughput figures (and the
prevention and follow-up rows, `reports.yearly_rows`). Whatever
writes a row the figures read — a form, a job, the register import's bulk
statements, a queryset `update()` — a statement-level trigger on that table
works out, from the rows before and after the statement (transition
tables), the earliest day the write can change a figure of, and deletes the
municipality's kept figures from that day's year on. Triggers, not Django
signals, because most writes here are bulk writes that send none.

Each table lists which columns matter and which days they date: a change
of `end_date` on a tenancy dates from the old and new end dates (and the
start of the dwelling's next letting, whose "days vacant" it moves); a new
member of a household dates from the household's earliest tenancy, plan
or decision (persons moved out and persons assisted count members as they
are now). A statement that changes no listed column forgets nothing.

Races: figures counted while a write was under way must not be kept. Every
trigger takes a shared advisory lock on its municipality (held until the
writer's commit; writers never wait for each other) and advances a
sequence; `reports.figures_cache` keeps figures only if, both before
counting and when storing, no writer held the lock and the sequence had
not moved.

Today's status on the dashboard (`StatusFigures`) is simpler: any write to
dwellings, tenancies, stock changes or households forgets the status of the
municipalities it wrote to, with its own lock (per municipality) and
sequence.

PostgreSQL only (installed after every `migrate`, as the roles are); the
SQLite demo counts its figures every time instead of keeping them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings

# The advisory lock's first key: "RFIG"; the second is the municipality's id.
LOCK_CLASS = 0x52464947 & 0x7FFFFFFF
SEQUENCE = "reports_figures_writes"
# The rows before (o) and after (n) the statement, by event.
TRANSITION = {
    "INSERT": "NEW TABLE AS n",
    "UPDATE": "OLD TABLE AS o NEW TABLE AS n",
    "DELETE": "OLD TABLE AS o",
}
# Any year: a change whose effect cannot be dated cheaply forgets them all.
ALL_YEARS = "DATE '0001-01-01'"


def local_date(column: str) -> str:
    """A timestamp's calendar day in the office's time zone, as the figures count it."""
    return f"({column} AT TIME ZONE '{settings.TIME_ZONE}')::date"


@dataclass(frozen=True)
class Watch:
    """One table the figures read. `rules`: (columns, days) pairs — when
    any of the columns changes, the old and new rows' days (SQL over the
    alias `r`) bound what changed; `whole` are the days of a row inserted
    or deleted. `municipality` finds the row's municipality."""

    table: str
    rules: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]
    whole: tuple[str, ...]
    municipality: str = "r.municipality_id"
    events: tuple[str, ...] = ("INSERT", "UPDATE", "DELETE")


NEXT_LETTING = (
    "(SELECT min(l.start_date) FROM dwellings_tenancy l"
    " WHERE l.dwelling_id = r.dwelling_id AND l.start_date > r.start_date)"
)
DWELLING_DAYS = (
    "(SELECT least(d.acquired_on, d.disposed_on) FROM dwellings_dwelling d WHERE d.id = r.dwelling_id)"
)
FIRST_LETTING = "(SELECT min(t.start_date) FROM dwellings_tenancy t WHERE t.dwelling_id = r.id)"
CASE_CLOSED = "(SELECT c.closed_on FROM arrears_arrearscase c WHERE c.id = r.case_id)"

WATCHED: tuple[Watch, ...] = (
    Watch(
        "dwellings_tenancy",
        rules=(
            # A tenancy's start dates it, its letting of the dwelling and its
            # household's way in (waiting list, housed); every later figure
            # of the tenancy (its end) comes after it.
            (("start_date", "dwelling_id", "household_id", "municipality_id"), ("r.start_date",)),
            # Ending it: exits by the end date, and the next letting's days vacant.
            (("end_date", "end_reason"), ("r.end_date", NEXT_LETTING)),
        ),
        whole=("r.start_date",),
    ),
    Watch(
        "dwellings_dwelling",
        rules=(
            # Care or not decides "freed" and "days vacant" of all its lettings.
            (("category", "municipality_id"), (FIRST_LETTING, "r.acquired_on", "r.disposed_on")),
            (("acquired_on",), ("r.acquired_on",)),
            # Sold on or before a tenancy's end: not freed.
            (("disposed_on",), ("r.disposed_on",)),
        ),
        whole=("r.acquired_on", "r.disposed_on"),
    ),
    Watch(
        "dwellings_stockchange",
        rules=(
            # A logged change replaces the dwelling's own date in the count.
            (
                ("date", "kind", "dwelling_id", "buyer_household_id", "municipality_id"),
                ("r.date", DWELLING_DAYS),
            ),
        ),
        whole=("r.date", DWELLING_DAYS),
    ),
    Watch(
        "tenants_household",
        rules=((("municipality_id",), (ALL_YEARS,)),),
        whole=(),
        events=("UPDATE",),
    ),
    Watch(
        "tenants_outreachmeeting",
        rules=((("starts_at", "status", "municipality_id"), (local_date("r.starts_at"),)),),
        whole=(local_date("r.starts_at"),),
    ),
    Watch(
        "tenants_letter",
        rules=((("created_at", "kind", "status", "municipality_id"), (local_date("r.created_at"),)),),
        whole=(local_date("r.created_at"),),
    ),
    Watch(
        "startloan_startloanapplication",
        rules=(
            (("received_on", "municipality_id"), ("r.received_on", "r.decided_on")),
            (("decided_on", "status", "loan_granted"), ("r.decided_on",)),
        ),
        whole=("r.received_on", "r.decided_on"),
    ),
    Watch(
        "applications_application",
        rules=(
            (
                ("received_on", "decided_on", "outcome", "withdrawn_on", "household_id", "municipality_id"),
                ("r.received_on", "r.decided_on", "r.withdrawn_on"),
            ),
        ),
        whole=("r.received_on", "r.decided_on", "r.withdrawn_on"),
    ),
    Watch(
        "arrears_arrearscase",
        rules=(
            (("opened_on", "closed_on", "municipality_id"), ("r.opened_on", "r.closed_on")),
            # How a case closed (the prevention rows' agreements kept and
            # evictions avoided) dates from its closing; whose tenancy it is
            # (the children affected) from its opening.
            (("close_reason",), ("r.closed_on",)),
            (("tenancy_id",), ("r.opened_on",)),
        ),
        whole=("r.opened_on", "r.closed_on"),
    ),
    Watch(
        "arrears_arrearsevent",
        # A request for eviction also makes its case's closing an eviction
        # avoided (the prevention rows), in the year the case closed.
        rules=((("date", "kind", "case_id", "municipality_id"), ("r.date", CASE_CLOSED)),),
        whole=("r.date", CASE_CLOSED),
    ),
    # Read by the prevention and follow-up rows only (`reports.yearly_rows`).
    Watch(
        "arrears_paymentagreement",
        rules=((("agreed_on", "municipality_id"), ("r.agreed_on",)),),
        whole=("r.agreed_on",),
    ),
    Watch(
        "followup_followupcontact",
        rules=((("date", "municipality_id"), ("r.date",)),),
        whole=("r.date",),
    ),
    Watch(
        "followup_postmovecheckin",
        rules=(
            (("done_on", "still_owner", "behind_on_loan", "needs_help", "municipality_id"), ("r.done_on",)),
        ),
        whole=("r.done_on",),
    ),
    Watch(
        "followup_followupplan",
        rules=(
            (("start_date", "household_id", "municipality_id"), ("r.start_date",)),
            (("end_date",), ("r.end_date",)),
        ),
        whole=("r.start_date",),
    ),
    Watch(
        "decisions_decision",
        rules=(
            (
                ("kind", "status", "outcome", "decided_at", "household_id", "municipality_id"),
                (local_date("r.decided_at"),),
            ),
        ),
        whole=(local_date("r.decided_at"),),
    ),
)


def _least(days: tuple[str, ...], alias: str) -> str:
    parts = [day.replace("r.", f"{alias}.") for day in days]
    return parts[0] if len(parts) == 1 else f"least({', '.join(parts)})"


def _update_bound(watch: Watch) -> str:
    cases = []
    for columns, days in watch.rules:
        old = ", ".join(f"o.{c}" for c in columns)
        new = ", ".join(f"n.{c}" for c in columns)
        changed = (
            f"o.{columns[0]} IS DISTINCT FROM n.{columns[0]}"
            if len(columns) == 1
            else (f"ROW({old}) IS DISTINCT FROM ROW({new})")
        )
        cases.append(f"CASE WHEN {changed} THEN least({_least(days, 'o')}, {_least(days, 'n')}) END")
    return cases[0] if len(cases) == 1 else f"least({', '.join(cases)})"


def _function(watch: Watch) -> str:
    old_m, new_m = watch.municipality.replace("r.", "o."), watch.municipality.replace("r.", "n.")
    bound = _update_bound(watch)
    body = ["IF TG_OP = 'UPDATE' THEN\n    PERFORM reports_forget_from(m, min(d)) FROM ("]
    body.append(f"      SELECT {old_m} AS m, {bound} AS d FROM o JOIN n ON n.id = o.id")
    body.append("      UNION ALL")
    body.append(
        f"      SELECT {new_m}, {bound} FROM o JOIN n ON n.id = o.id WHERE {new_m} IS DISTINCT FROM {old_m}"
    )
    body.append("    ) x WHERE d IS NOT NULL GROUP BY m;")
    if watch.whole:
        for op, alias in (("INSERT", "n"), ("DELETE", "o")):
            if op in watch.events:
                m = watch.municipality.replace("r.", f"{alias}.")
                body.append(f"  ELSIF TG_OP = '{op}' THEN")
                body.append(
                    f"    PERFORM reports_forget_from(m, min(d)) FROM (SELECT {m} AS m,"
                    f" {_least(watch.whole, alias)} AS d FROM {alias}) x WHERE d IS NOT NULL GROUP BY m;"
                )
    body.append("  END IF;")
    return (
        f"CREATE OR REPLACE FUNCTION reports_forget_{watch.table}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        "BEGIN\n  " + "\n".join(body) + "\n  RETURN NULL;\nEND $$;"
    )


def _triggers(watch: Watch) -> list[str]:
    statements = []
    for event in ("INSERT", "UPDATE", "DELETE"):
        name = f"reports_forget_{event.lower()}"
        statements.append(f"DROP TRIGGER IF EXISTS {name} ON {watch.table};")
        if event not in watch.events or (event != "UPDATE" and not watch.whole):
            continue
        tables = {
            "INSERT": "NEW TABLE AS n",
            "UPDATE": "OLD TABLE AS o NEW TABLE AS n",
            "DELETE": "OLD TABLE AS o",
        }
        statements.append(
            f"CREATE TRIGGER {name} AFTER {event} ON {watch.table} REFERENCING {tables[event]}"
            f" FOR EACH STATEMENT EXECUTE FUNCTION reports_forget_{watch.table}();"
        )
    return statements


# Persons have no municipality of their own, and the import adds hundreds of
# thousands at once: a large statement forgets all years of the
# municipalities it touched (one join) instead of dating each household.
FEW_HOUSEHOLDS = 20
PERSON_FUNCTION = f"""
CREATE OR REPLACE FUNCTION reports_household_since(hid bigint) RETURNS date LANGUAGE sql STABLE AS $$
  SELECT least(
    (SELECT min(t.start_date) FROM dwellings_tenancy t WHERE t.household_id = hid),
    (SELECT min(p.start_date) FROM followup_followupplan p WHERE p.household_id = hid),
    (SELECT min({local_date("d.decided_at")}) FROM decisions_decision d WHERE d.household_id = hid))
$$;
CREATE OR REPLACE FUNCTION reports_forget_households(households bigint[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  -- A few households (a form): from each one's earliest record. Many (the
  -- import): every year of their municipalities, without dating each.
  IF cardinality(households) > {FEW_HOUSEHOLDS} THEN
    PERFORM reports_forget_from(h.municipality_id, {ALL_YEARS})
      FROM tenants_household h JOIN unnest(households) AS x(id) ON x.id = h.id GROUP BY h.municipality_id;
  ELSE
    PERFORM reports_forget_from(h.municipality_id, min(reports_household_since(h.id)))
      FROM tenants_household h JOIN unnest(households) AS x(id) ON x.id = h.id GROUP BY h.municipality_id;
  END IF;
END $$;
CREATE OR REPLACE FUNCTION reports_forget_tenants_person() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  households bigint[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(h) INTO households FROM (SELECT DISTINCT household_id AS h FROM n) x;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(h) INTO households FROM (SELECT DISTINCT household_id AS h FROM o) x;
  ELSE
    SELECT array_agg(DISTINCT h) INTO households FROM (
      SELECT o.household_id AS h FROM o JOIN n ON n.id = o.id
        WHERE ROW(o.household_id, o.role) IS DISTINCT FROM ROW(n.household_id, n.role)
      UNION ALL
      SELECT n.household_id FROM o JOIN n ON n.id = o.id WHERE o.household_id IS DISTINCT FROM n.household_id
    ) x;
  END IF;
  IF households IS NOT NULL THEN
    PERFORM reports_forget_households(households);
  END IF;
  RETURN NULL;
END $$;
"""

FORGET_FUNCTION = f"""
CREATE SEQUENCE IF NOT EXISTS {SEQUENCE};
CREATE OR REPLACE FUNCTION reports_forget_from(mid bigint, since date) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF mid IS NULL OR since IS NULL THEN
    RETURN;
  END IF;
  -- Shared: writers never wait for each other, only for a moment's store.
  PERFORM pg_advisory_xact_lock_shared({LOCK_CLASS}, mid::integer);
  PERFORM nextval('{SEQUENCE}');
  DELETE FROM reports_closedyearfigures WHERE municipality_id = mid AND year >= extract(year FROM since);
END $$;
"""


# TRUNCATE (the benchmarks empty their registers so) says nothing of which
# rows went: every municipality's kept figures go with them.
FORGET_ALL_FUNCTION = f"""
CREATE OR REPLACE FUNCTION reports_forget_all() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock_shared({LOCK_CLASS}, id::integer) FROM housing_office_municipality;
  PERFORM nextval('{SEQUENCE}');
  DELETE FROM reports_closedyearfigures;
  RETURN NULL;
END $$;
"""


# Today's status (`StatusFigures`: the stock, the vacancies, the stages)
# changes with any write to these tables, whatever its date: the written
# rows' municipalities lose theirs (all of them on TRUNCATE).
STATUS_TABLES = ("dwellings_dwelling", "dwellings_tenancy", "dwellings_stockchange", "tenants_household")
STATUS_SEQUENCE = "reports_status_writes"
# The status lock's first key: "RSTA"; the second is the municipality's id,
# so that a leader's recount, which holds it until its request ends, keeps
# only its own municipality's writers waiting.
STATUS_LOCK_CLASS = 0x52535441 & 0x7FFFFFFF
FORGET_STATUS_FUNCTION = f"""
CREATE SEQUENCE IF NOT EXISTS {STATUS_SEQUENCE};
CREATE OR REPLACE FUNCTION reports_forget_status() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  mids bigint[];
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    SELECT array_agg(id) INTO mids FROM housing_office_municipality;
  ELSIF TG_OP = 'INSERT' THEN
    SELECT array_agg(DISTINCT municipality_id) INTO mids FROM n;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(DISTINCT municipality_id) INTO mids FROM o;
  ELSE
    SELECT array_agg(DISTINCT m) INTO mids FROM (
      SELECT municipality_id AS m FROM o UNION SELECT municipality_id FROM n
    ) x;
  END IF;
  IF mids IS NULL THEN
    RETURN NULL;
  END IF;
  -- Shared: writers never wait for each other, only for a moment's store.
  PERFORM pg_advisory_xact_lock_shared({STATUS_LOCK_CLASS}, m::integer) FROM unnest(mids) AS m;
  PERFORM nextval('{STATUS_SEQUENCE}');
  DELETE FROM reports_statusfigures WHERE municipality_id = ANY(mids);
  RETURN NULL;
END $$;
"""


def install_sql() -> list[str]:
    """Every statement that (re)installs the functions and triggers."""
    statements = [FORGET_FUNCTION, PERSON_FUNCTION, FORGET_ALL_FUNCTION, FORGET_STATUS_FUNCTION]
    for table in STATUS_TABLES:
        # One trigger for every event was installed before the status was
        # forgotten per municipality.
        statements.append(f"DROP TRIGGER IF EXISTS reports_forget_status ON {table};")
        for event, rows in (*TRANSITION.items(), ("TRUNCATE", "")):
            name = f"reports_forget_status_{event.lower()}"
            statements.append(f"DROP TRIGGER IF EXISTS {name} ON {table};")
            statements.append(
                f"CREATE TRIGGER {name} AFTER {event} ON {table}"
                + (f" REFERENCING {rows}" if rows else "")
                + " FOR EACH STATEMENT EXECUTE FUNCTION reports_forget_status();"
            )
    for table in (*(watch.table for watch in WATCHED), "tenants_person"):
        statements.append(f"DROP TRIGGER IF EXISTS reports_forget_truncate ON {table};")
        statements.append(
            f"CREATE TRIGGER reports_forget_truncate AFTER TRUNCATE ON {table}"
            " FOR EACH STATEMENT EXECUTE FUNCTION reports_forget_all();"
        )
    for watch in WATCHED:
        statements.append(_function(watch))
        statements.extend(_triggers(watch))
    for event, rows in TRANSITION.items():
        name = f"reports_forget_{event.lower()}"
        statements.append(f"DROP TRIGGER IF EXISTS {name} ON tenants_person;")
        statements.append(
            f"CREATE TRIGGER {name} AFTER {event} ON tenants_person REFERENCING {rows}"
            " FOR EACH STATEMENT EXECUTE FUNCTION reports_forget_tenants_person();"
        )
    return statements


def install_triggers(using: str = "default", **_kwargs) -> None:
    """post_migrate: (re)install the triggers on PostgreSQL; idempotent."""
    from django.db import connections

    conn = connections[using]
    if conn.vendor != "postgresql":
        return
    tables = set(conn.introspection.table_names())
    needed = {watch.table for watch in WATCHED} | {"tenants_person", "reports_closedyearfigures"}
    needed.add("reports_statusfigures")
    if not needed <= tables:
        # Part of the chain (migrate to an older state): the tables are not all there.
        return
    statements = install_sql()
    # What is installed is marked with a fingerprint of its statements, so
    # that a migrate (and a test database's flush, after every transactional
    # test) that changes none of them runs one query instead of some ninety
    # statements, each taking its table's lock. The triggers are counted too:
    # a table dropped and made again by a migration has lost its own.
    fingerprint = hashlib.sha256("\n".join(statements).encode()).hexdigest()
    triggers = sum(statement.startswith("CREATE TRIGGER") for statement in statements)
    with conn.cursor() as cursor:
        cursor.execute(
            "SELECT obj_description(to_regproc('reports_forget_from'), 'pg_proc'),"
            " (SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'reports\\_forget\\_%' AND NOT tgisinternal)"
        )
        if cursor.fetchone() == (fingerprint, triggers):
            return
        for statement in statements:
            cursor.execute(statement)
        cursor.execute(f"COMMENT ON FUNCTION reports_forget_from(bigint, date) IS '{fingerprint}'")
