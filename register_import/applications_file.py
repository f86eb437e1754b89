"""The optional applications file of `import_register` (DESIGN §5.2):

    application_ref, household_ref, received, decided, outcome

`outcome` is `granted`, `refused`, `withdrawn` (also innvilget, avslått,
trukket) or empty (not yet decided); `decided` is the date of that outcome
and is empty exactly when `outcome` is; `household_ref` names a household
in the households file or already in the municipality; `decided` is not
before `received`. The same promises as the other files: all or nothing,
`FILE:LINE: message`, both separators, BOM, both date formats.

Matching is by `application_ref` (any case). An application the office has
since housed stays housed when the file says granted; an empty outcome never
erases a decision already registered, so re-importing an old export changes
nothing.
"""

from __future__ import annotations

import datetime
from collections.abc import Container, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from applications.models import Application, ApplicationStatus, Outcome
from housing_office.models import Municipality

from .check import _Lengths, _RowReader
from .parse import CellError, RowError, SourceFile, parse_date, read_rows

APPLICATION_COLUMNS = {
    "required": ("application_ref", "household_ref", "received"),
    "optional": ("decided", "outcome"),
}
WITHDRAWN = "withdrawn"
OUTCOMES = {
    "granted": Outcome.GRANTED.value,
    "innvilget": Outcome.GRANTED.value,
    "refused": Outcome.REFUSED.value,
    "avslått": Outcome.REFUSED.value,
    "avslag": Outcome.REFUSED.value,
    "withdrawn": WITHDRAWN,
    "trukket": WITHDRAWN,
}
FIELDS = ("household_id", "received_on", "status", "outcome", "decided_on", "withdrawn_on")


def parse_outcome(value: str) -> str:
    try:
        return OUTCOMES[value.strip().lower()]
    except KeyError:
        raise CellError(
            _("ukjent utfall «%(v)s»; bruk granted, refused, withdrawn eller la feltet stå tomt")
            % {"v": value}
        ) from None


@dataclass
class ApplicationIn:
    line: int
    reference: str
    household_ref: str
    received: datetime.date
    decided: datetime.date | None
    outcome: str  # "", granted, refused or withdrawn


def read_applications(
    source: SourceFile,
    errors: list[RowError],
    *,
    file_households: Container[str],
    registered_households: Container[str],
) -> list[ApplicationIn]:
    """The good rows; every problem goes to `errors`."""
    out: list[ApplicationIn] = []
    refs: dict[str, int] = {}
    lengths = _Lengths(Application, application_ref="reference")
    duplicate_label = _("søknaden «%(r)s»")
    for row in read_rows(source, APPLICATION_COLUMNS, errors):
        r = _RowReader(source, row, errors)
        reference = r.text("application_ref", required=True, max_length=lengths["application_ref"])
        r.unique(reference, refs, duplicate_label)
        household_ref = r.text("household_ref", required=True)
        hh = household_ref.lower()
        if household_ref and hh not in file_households and hh not in registered_households:
            r.error(
                _("ukjent husstand «%(r)s»: den står verken i husstandsfilen eller i registeret")
                % {"r": household_ref}
            )
        received = r.parsed("received", parse_date, required=True)
        decided = r.parsed("decided", parse_date)
        outcome = r.parsed("outcome", parse_outcome) or ""
        if outcome and not row.get("decided"):
            r.error(_("«decided» må fylles ut når «outcome» er fylt ut"))
        if row.get("decided") and not row.get("outcome"):
            r.error(_("«decided» skal være tom når søknaden ikke er avgjort («outcome» er tom)"))
        if received and decided and decided < received:
            r.error(
                _("«decided» %(d)s er før «received» %(r)s")
                % {"d": f"{decided:%d.%m.%Y}", "r": f"{received:%d.%m.%Y}"}
            )
        if not r.failed:
            out.append(ApplicationIn(row.line, reference, household_ref, received, decided, outcome))
    return out


def load_registered(municipality: Municipality | None) -> dict[str, dict[str, Any]]:
    if municipality is None:
        return {}
    rows = Application.all_objects.filter(municipality_id=municipality.pk).values("pk", "reference", *FIELDS)
    return {row["reference"].lower(): row for row in rows}


def wanted_values(
    a: ApplicationIn, household_id: int | None, current: Mapping[str, Any] | None
) -> dict[str, Any]:
    """The stored fields the row asks for, given what is registered."""
    values: dict[str, Any] = {"household_id": household_id, "received_on": a.received}
    if a.outcome == WITHDRAWN:
        values.update(status=ApplicationStatus.WITHDRAWN.value, withdrawn_on=a.decided)
        if current is None:
            values.update(outcome="", decided_on=None)
    elif a.outcome:
        keep_housed = current is not None and current["status"] == ApplicationStatus.HOUSED
        status = ApplicationStatus.HOUSED.value if keep_housed else a.outcome
        if a.outcome == Outcome.REFUSED:
            status = ApplicationStatus.REFUSED.value
        values.update(status=status, outcome=a.outcome, decided_on=a.decided, withdrawn_on=None)
    elif current is None:
        values.update(status=ApplicationStatus.RECEIVED.value, outcome="", decided_on=None, withdrawn_on=None)
    return values


@dataclass
class ApplicationPlan:
    new: list[ApplicationIn] = field(default_factory=list)
    changed: list[tuple[int, ApplicationIn]] = field(default_factory=list)
    unchanged: int = 0


def plan_applications(
    rows: list[ApplicationIn],
    registered: Mapping[str, Mapping[str, Any]],
    registered_households: Mapping[str, Mapping[str, Any]],
) -> ApplicationPlan:
    plan = ApplicationPlan()
    for a in rows:
        current = registered.get(a.reference.lower())
        if current is None:
            plan.new.append(a)
            continue
        household = registered_households.get(a.household_ref.lower())
        wanted = wanted_values(a, household["pk"] if household else None, current)
        if any(current.get(name) != value for name, value in wanted.items()):
            plan.changed.append((current["pk"], a))
        else:
            plan.unchanged += 1
    return plan


def write_applications(
    municipality: Municipality, plan: ApplicationPlan, households: Mapping[str, int]
) -> None:
    """Write the plan: a fixed number of queries per thousand rows. The
    caller holds the transaction."""
    new = []
    for a in plan.new:
        values = wanted_values(a, households[a.household_ref.lower()], None)
        new.append(Application(municipality=municipality, reference=a.reference, **values))
    Application.all_objects.bulk_create(new, batch_size=1000)
    if plan.changed:
        current = {
            row["pk"]: row
            for row in Application.all_objects.filter(pk__in=[pk for pk, _a in plan.changed]).values(
                "pk", *FIELDS
            )
        }
        objs = []
        for pk, a in plan.changed:
            values = {name: current[pk][name] for name in FIELDS}
            values.update(wanted_values(a, households[a.household_ref.lower()], current[pk]))
            objs.append(Application(pk=pk, municipality=municipality, **values))
        Application.all_objects.bulk_update(objs, list(FIELDS), batch_size=1000)
