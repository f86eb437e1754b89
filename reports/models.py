"""Reports keep their files on the shared Job row (housing_office.Job); the
leader's own words for a yearly report live here."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from housing_office.models import Municipality, MunicipalityOwned

# The report's sections a comment can follow, in the report's order.
REPORT_SECTIONS: dict[str, Any] = {
    "key_figures": _("Hovedtall"),
    "trends": _("Utvikling"),
    "stock": _("Boligmassen"),
    "follow_up": _("Oppfølging og startlån"),
}
# The most a text may hold: a page of plain paragraphs.
TEXT_MAX_LENGTH = 4000


class YearlyReportText(MunicipalityOwned):
    """The office leader's introduction and per-section comments for one
    year's report: plain paragraphs (blank line between them), never HTML.

    The draft is edited here; ordering a report copies the text into the
    job's params, so a published PDF keeps the words it was made with.
    """

    year = models.PositiveSmallIntegerField(_("år"))
    intro = models.TextField(_("innledning"), blank=True, max_length=TEXT_MAX_LENGTH)
    comment_key_figures = models.TextField(
        _("kommentar til hovedtallene"), blank=True, max_length=TEXT_MAX_LENGTH
    )
    comment_trends = models.TextField(_("kommentar til utviklingen"), blank=True, max_length=TEXT_MAX_LENGTH)
    comment_stock = models.TextField(_("kommentar til boligmassen"), blank=True, max_length=TEXT_MAX_LENGTH)
    comment_follow_up = models.TextField(
        _("kommentar til oppfølging og startlån"), blank=True, max_length=TEXT_MAX_LENGTH
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sist endret av"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    TEXT_FIELDS = ("intro", *(f"comment_{key}" for key in REPORT_SECTIONS))

    class Meta:
        verbose_name = _("tekst til årsrapport")
        verbose_name_plural = _("tekster til årsrapporter")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "year"],
                name="yearly_report_text_one_per_year",
                violation_error_message=_("Det finnes allerede en tekst til årsrapporten for dette året."),
            )
        ]

    def __str__(self) -> str:
        return str(_("Tekst til årsrapport %(year)s") % {"year": self.year})

    def snapshot(self) -> dict[str, str]:
        """The text as the job keeps it: {"intro": …, "key_figures": …, …}."""
        return {
            "intro": self.intro,
            **{key: getattr(self, f"comment_{key}") for key in REPORT_SECTIONS},
        }


class ClosedYearFigures(models.Model):
    """A closed calendar year's throughput figures (`reports.throughput`),
    kept so the dashboard's ten years and the yearly report's five are read,
    not counted again on every page. The running year from 1 January
    through today is kept the same way under today's date
    (`reports.figures_cache.keepable`).

    A closed year's figures change only when a record dated in it (or
    before it) is written. The database says so itself: triggers on every
    table the figures read (`reports.figures_triggers`) delete a
    municipality's rows from the earliest year a write can touch, whatever
    wrote it — a form, a job, the import or a bulk update. Only PostgreSQL
    keeps them; elsewhere (the SQLite demo) the figures are always counted.
    """

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    # The contract's object without "municipality" and "year" (filled in when
    # read, so a renumbered municipality is never shown with its old number).
    figures = models.JSONField()
    # "" for the whole year; "MM-DD" for 1 January to that day (the
    # dashboard's "same period last year").
    through = models.CharField(max_length=5, blank=True, default="")
    # Which figures: "" the contract's; "rows" the prevention and follow-up
    # rows of the dashboard and the yearly report (`reports.yearly_rows`).
    kind = models.CharField(max_length=8, blank=True, default="")
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "year", "through", "kind"], name="closed_year_figures_once_per_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.municipality_id}/{self.year}"


class StatusFigures(models.Model):
    """The dashboard's picture of the stock on one day — the dwellings
    nobody rents (the vacancies), the stock's counts, the households in
    each stage — kept until a write to the municipality's dwellings,
    tenancies, stock changes or households (a trigger deletes its row:
    `reports.figures_triggers`) or until the day changes. PostgreSQL only,
    as `ClosedYearFigures`."""

    municipality = models.OneToOneField(
        Municipality, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    day = models.DateField()
    figures = models.JSONField()

    def __str__(self) -> str:
        return f"{self.municipality_id}: {self.day}"
