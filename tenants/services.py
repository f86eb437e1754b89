"""Domain logic for households: the rent-to-own pathway and journal notes."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from housing_office.text import fold

from .models import Household, JournalNote, PathwayStage, PathwayStageChange


class DomainError(ValueError):
    """A rule of the office was broken; the message is for the user."""


@transaction.atomic
def change_stage(household: Household, to_stage: str, *, by, reason: str) -> PathwayStageChange | None:
    """Move `household` to `to_stage` and record who, when and why.

    Returns the history row, or None when the household already is there.
    """
    if to_stage not in PathwayStage.values:
        raise DomainError(_("Ukjent fase: %(stage)s") % {"stage": to_stage})
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Skriv en begrunnelse for faseendringen."))
    # Lock the row so two caseworkers moving the same household at once
    # cannot write two histories from the same starting stage.
    locked = Household.objects.select_for_update().get(pk=household.pk)
    if locked.pathway_stage == to_stage:
        return None
    now = timezone.now()
    change = PathwayStageChange.objects.create(
        household=locked,
        from_stage=locked.pathway_stage,
        to_stage=to_stage,
        changed_by=by,
        changed_at=now,
        reason=reason,
    )
    locked.pathway_stage = to_stage
    locked.stage_changed_at = now
    locked.save(update_fields=["pathway_stage", "stage_changed_at", "updated_at"])
    household.pathway_stage, household.stage_changed_at = to_stage, now
    return change


def add_journal_note(household: Household, *, author, text: str) -> JournalNote:
    text = (text or "").strip()
    if not text:
        raise DomainError(_("Notatet er tomt."))
    return JournalNote.objects.create(
        municipality_id=household.municipality_id, household=household, author=author, text=text
    )


def search_text_for(household: Household) -> str:
    names = household.members.values_list("first_name", "last_name")
    parts = [household.reference, household.address, household.postal_place]
    parts += [f"{first} {last}" for first, last in names]
    return fold(" ".join(p for p in parts if p))


def refresh_search_text(household: Household) -> None:
    """Call after a household's reference, address or members change."""
    household.search_text = search_text_for(household)
    Household.objects.filter(pk=household.pk).update(search_text=household.search_text)
