"""`import_arrears`: the finance system's monthly arrears list, read, checked
and written all or nothing (README.md, "Contracts").

Reading reuses the register import's reader (`register_import.parse`: the
separators, the BOM, decimal comma, both date formats and `FILE:LINE:
message`); arrears sits above register_import in the floor plan.
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from dwellings.models import Dwelling, EndReason, Tenancy
from housing_office.models import Municipality
from register_import.parse import (
    NUL,
    CellError,
    RowError,
    SourceFile,
    nul_message,
    parse_date,
    parse_decimal,
    read_rows,
)
from tenants.models import Household

from .letter_kinds import format_amount
from .models import (
    ArrearsCase,
    ArrearsEvent,
    ArrearsImport,
    CloseReason,
    EventKind,
    PaymentAgreement,
    Stage,
)
from .rules import instalments_missed

ARREARS_COLUMNS = {
    "required": ("dwelling_ref", "household_ref", "amount", "oldest_due_date", "as_of"),
    "optional": (),
}


@dataclass(frozen=True)
class ListedArrears:
    line: int
    tenancy_id: int
    amount: Decimal
    oldest_due_date: datetime.date


@dataclass
class ArrearsReport:
    file: str
    errors: list[RowError] = field(default_factory=list)
    as_of: datetime.date | None = None
    rows: int = 0
    opened: int = 0
    updated: int = 0
    unchanged: int = 0
    closed: int = 0
    missed_agreements: int = 0
    dry_run: bool = False
    already_imported: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> list[str]:
        return [
            f"Restanseliste per {self.as_of:%d.%m.%Y}: {self.rows} rader" if self.as_of else "",
            f"Saker: {self.opened} nye, {self.updated} endret, {self.unchanged} uendret, "
            f"{self.closed} avsluttet",
            f"Betalingsavtaler med avdrag som ikke er betalt: {self.missed_agreements}",
        ]


def read_list(
    source: SourceFile, municipality: Municipality, errors: list[RowError]
) -> tuple[datetime.date | None, list[ListedArrears]]:
    """The file's rows checked against the register: each names a running
    tenancy on `as_of`, once, with a positive amount."""
    rows = read_rows(source, ARREARS_COLUMNS, errors)
    if errors:
        return None, []
    if not rows:
        errors.append(RowError(source.name, 1, _("filen har ingen rader; per-datoen kan ikke leses.")))
        return None, []

    def error(line: int, message: str) -> None:
        errors.append(RowError(source.name, line, message))

    parsed: list[tuple[int, str, str, Decimal, datetime.date, datetime.date]] = []
    for row in rows:
        values: dict[str, Any] = {}
        bad = False
        for column in ARREARS_COLUMNS["required"]:
            text = row.get(column)
            if NUL in text:
                error(row.line, nul_message(f"«{column}»"))
                bad = True
            elif not text:
                error(row.line, _("«%(c)s» mangler.") % {"c": column})
                bad = True
            else:
                values[column] = text
        if bad:
            continue
        try:
            amount = parse_decimal(values["amount"])
            due = parse_date(values["oldest_due_date"])
            as_of = parse_date(values["as_of"])
        except CellError as exc:
            error(row.line, str(exc))
            continue
        if amount <= 0:
            error(row.line, _("beløpet må være større enn null (%(v)s).") % {"v": values["amount"]})
            continue
        if amount != amount.quantize(Decimal("0.01")) or amount >= Decimal("1e10"):
            error(
                row.line, _("beløpet «%(v)s» kan ikke lagres (høyst to desimaler).") % {"v": values["amount"]}
            )
            continue
        if due > as_of:
            error(
                row.line,
                _("eldste forfall %(d)s er etter per-datoen %(a)s.")
                % {"d": f"{due:%d.%m.%Y}", "a": f"{as_of:%d.%m.%Y}"},
            )
            continue
        parsed.append((row.line, values["dwelling_ref"], values["household_ref"], amount, due, as_of))
    if not parsed:
        return None, []

    as_of = parsed[0][5]
    for line, *_rest, day in parsed[1:]:
        if day != as_of:
            error(
                line,
                _("per-datoen %(d)s er ikke den samme som på første rad (%(a)s); én liste har én dato.")
                % {"d": f"{day:%d.%m.%Y}", "a": f"{as_of:%d.%m.%Y}"},
            )

    dwellings = {
        ref.lower(): pk
        for pk, ref in Dwelling.all_objects.filter(municipality=municipality).values_list("pk", "reference")
    }
    households = {
        ref.lower(): pk
        for pk, ref in Household.all_objects.filter(municipality=municipality).values_list("pk", "reference")
    }
    running = {
        (h, d): pk
        for pk, h, d in Tenancy.all_objects.filter(municipality=municipality)
        .running(on=as_of)
        .values_list("pk", "household_id", "dwelling_id")
    }
    listed: list[ListedArrears] = []
    seen: dict[int, int] = {}
    for line, dwelling_ref, household_ref, amount, due, _day in parsed:
        dwelling_id = dwellings.get(dwelling_ref.lower())
        household_id = households.get(household_ref.lower())
        if dwelling_id is None:
            error(line, _("boligen «%(r)s» finnes ikke i registeret.") % {"r": dwelling_ref})
            continue
        if household_id is None:
            error(line, _("husstanden «%(r)s» finnes ikke i registeret.") % {"r": household_ref})
            continue
        tenancy_id = running.get((household_id, dwelling_id))
        if tenancy_id is None:
            error(
                line,
                _("husstanden «%(h)s» har ikke et løpende leieforhold i boligen «%(d)s» per %(a)s.")
                % {"h": household_ref, "d": dwelling_ref, "a": f"{as_of:%d.%m.%Y}"},
            )
            continue
        if tenancy_id in seen:
            error(
                line,
                _("leieforholdet står allerede på linje %(n)s; én rad per leieforhold.")
                % {"n": seen[tenancy_id]},
            )
            continue
        seen[tenancy_id] = line
        listed.append(ListedArrears(line, tenancy_id, amount, due))
    return as_of, listed


def import_arrears(
    number: str, source: SourceFile, *, dry_run: bool = False, by: Any = None
) -> ArrearsReport:
    """Check the list and, when every row is good, bring the cases up to it
    in one transaction. Nothing is written on any error, nor on `dry_run`."""
    report = ArrearsReport(file=source.name, dry_run=dry_run)
    municipality = Municipality.objects.filter(number=number).first()
    if municipality is None:
        report.errors.append(RowError(source.name, 1, _("kommunen %(n)s finnes ikke.") % {"n": number}))
        return report
    with transaction.atomic():
        # One import per municipality at a time: the newest list decides.
        Municipality.objects.select_for_update().filter(pk=municipality.pk).first()
        as_of, listed = read_list(source, municipality, report.errors)
        if report.errors or as_of is None:
            return report
        report.as_of, report.rows = as_of, len(listed)
        latest = ArrearsImport.all_objects.filter(municipality=municipality).order_by("-as_of").first()
        if latest is not None and as_of < latest.as_of:
            report.errors.append(
                RowError(
                    source.name,
                    listed[0].line if listed else 2,
                    _(
                        "listen er per %(a)s, men en nyere liste per %(l)s er allerede importert; "
                        "en eldre liste kan ikke importeres."
                    )
                    % {"a": f"{as_of:%d.%m.%Y}", "l": f"{latest.as_of:%d.%m.%Y}"},
                )
            )
            return report
        sha = hashlib.sha256(source.data).hexdigest()
        report.already_imported = ArrearsImport.all_objects.filter(
            municipality=municipality, as_of=as_of, sha256=sha
        ).exists()
        apply_list(municipality, as_of, listed, report, by=by)
        if dry_run:
            transaction.set_rollback(True)
            return report
        if not report.already_imported:
            ArrearsImport.all_objects.create(
                municipality=municipality,
                as_of=as_of,
                file_name=source.name[-255:],
                sha256=sha,
                rows=report.rows,
                opened=report.opened,
                updated=report.updated,
                closed=report.closed,
                imported_by=by,
            )
    return report


def apply_list(
    municipality: Municipality,
    as_of: datetime.date,
    listed: list[ListedArrears],
    report: ArrearsReport,
    *,
    by: Any = None,
) -> None:
    """Open, update and close cases so that they match the list of `as_of`.
    Running it twice with the same list changes nothing the second time."""
    open_cases = {
        case.tenancy_id: case
        for case in ArrearsCase.all_objects.select_for_update()
        .filter(municipality=municipality, closed_on__isnull=True)
        .select_related("tenancy")
    }
    # A tenancy whose case was open on `as_of` (closed later by hand) is not opened again.
    covered = set(
        ArrearsCase.all_objects.filter(
            municipality=municipality, opened_on__lte=as_of, closed_on__gt=as_of
        ).values_list("tenancy_id", flat=True)
    )
    listed_ids = set()
    for entry in listed:
        listed_ids.add(entry.tenancy_id)
        case = open_cases.get(entry.tenancy_id)
        if case is None:
            if entry.tenancy_id in covered:
                report.unchanged += 1
                continue
            case = ArrearsCase.all_objects.create(
                municipality=municipality,
                tenancy_id=entry.tenancy_id,
                opened_on=as_of,
                amount=entry.amount,
                oldest_due_date=entry.oldest_due_date,
                as_of=as_of,
                stage=Stage.OPENED,
                stage_on=as_of,
            )
            ArrearsEvent.all_objects.create(
                municipality=municipality,
                case=case,
                kind=EventKind.OPENED,
                date=as_of,
                recorded_by=by,
                note=f"{format_amount(entry.amount)}, eldste forfall {entry.oldest_due_date:%d.%m.%Y}",
            )
            report.opened += 1
            continue
        if case.as_of > as_of:
            report.unchanged += 1
            continue
        changed = (case.amount, case.oldest_due_date, case.as_of) != (
            entry.amount,
            entry.oldest_due_date,
            as_of,
        )
        if changed:
            case.amount, case.oldest_due_date, case.as_of = entry.amount, entry.oldest_due_date, as_of
            case.save(update_fields=["amount", "oldest_due_date", "as_of", "updated_at"])
            report.updated += 1
        else:
            report.unchanged += 1
        if flag_missed_instalments(case, as_of, by=by):
            report.missed_agreements += 1

    for tenancy_id, case in open_cases.items():
        if tenancy_id in listed_ids or case.opened_on > as_of:
            continue
        close_from_list(case, as_of, by=by)
        report.closed += 1


def close_from_list(case: ArrearsCase, as_of: datetime.date, *, by: Any = None) -> None:
    """A case the list no longer names. The contract closes it as paid on the
    list's date; we say more where we know more: `agreement_kept` when a
    payment agreement was running and no instalment was missed, and
    `moved_out` / `evicted` when the tenancy had ended by then."""
    tenancy = case.tenancy
    if tenancy.end_date is not None and tenancy.end_date <= as_of:
        reason = CloseReason.EVICTED if tenancy.end_reason == EndReason.EVICTION else CloseReason.MOVED_OUT
    else:
        agreement = case.agreements.order_by("-agreed_on", "-id").first()
        kept = agreement is not None and agreement.missed_on is None
        reason = CloseReason.AGREEMENT_KEPT if kept else CloseReason.PAID
    case.closed_on, case.close_reason, case.stage, case.stage_on = as_of, reason, Stage.CLOSED, as_of
    case.save(update_fields=["closed_on", "close_reason", "stage", "stage_on", "updated_at"])
    ArrearsEvent.all_objects.create(
        municipality_id=case.municipality_id,
        case=case,
        kind=EventKind.CLOSED,
        date=as_of,
        note=str(CloseReason(reason).label),
        recorded_by=by,
    )


def flag_missed_instalments(case: ArrearsCase, as_of: datetime.date, *, by: Any = None) -> bool:
    """Flag the running agreement when the list of `as_of` shows arrears not
    reduced by the instalments due by then. Flags once."""
    agreement = (
        PaymentAgreement.all_objects.filter(case=case, missed_on__isnull=True, agreed_on__lt=as_of)
        .order_by("-agreed_on", "-id")
        .first()
    )
    if agreement is None:
        return False
    due = agreement.instalments.filter(due_date__lte=as_of).aggregate(s=Sum("amount"))["s"]
    if not due:
        return False
    if not instalments_missed(
        amount_at_start=agreement.amount_at_start, instalments_due=due, amount_now=case.amount
    ):
        return False
    agreement.missed_on = as_of
    agreement.save(update_fields=["missed_on", "updated_at"])
    ArrearsEvent.all_objects.create(
        municipality_id=case.municipality_id,
        case=case,
        kind=EventKind.INSTALMENT_MISSED,
        date=as_of,
        note=(
            f"Restanse {format_amount(case.amount)}, skulle vært høyst "
            f"{format_amount(agreement.amount_at_start - due)}"
        ),
        recorded_by=by,
    )
    return True


__all__ = ["ArrearsReport", "SourceFile", "import_arrears"]
