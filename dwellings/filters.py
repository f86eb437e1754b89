"""Filters for the dwelling list and the vacancy list (django-filter)."""

from __future__ import annotations

import django_filters
from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from .models import DwellingCategory, DwellingStatus

YES_NO = [("ja", _("Ja")), ("nei", _("Nei"))]


class _DwellingFilterBase(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="search", label=_("Søk"), help_text=_("Referanse eller adresse, eller deler av dem.")
    )
    category = django_filters.ChoiceFilter(
        choices=DwellingCategory.choices, label=_("Kategori"), empty_label=_("Alle")
    )
    wheelchair = django_filters.ChoiceFilter(
        choices=YES_NO, method="filter_wheelchair", label=_("Rullestoltilgjengelig"), empty_label=_("Alle")
    )

    # Sort keys → ORDER BY; the primary key last keeps pages stable.
    SORTS: dict[str, tuple] = {}

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        words = value.split()
        for word in words:
            queryset = queryset.filter(
                Q(reference__icontains=word) | Q(address__icontains=word) | Q(postal_place__icontains=word)
            )
        return queryset

    def filter_wheelchair(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value in ("ja", "nei"):
            return queryset.filter(wheelchair_accessible=value == "ja")
        return queryset

    def sort(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.order_by(*self.SORTS.get(value, ()), "pk")

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        queryset = super().filter_queryset(queryset)
        # Without a chosen sort, apply the first one: pagination needs an order.
        if not self.form.cleaned_data.get("sort"):
            queryset = self.sort(queryset, "sort", next(iter(self.SORTS)))
        return queryset


class DwellingFilter(_DwellingFilterBase):
    SORTS = {
        "reference": ("reference",),
        "-reference": ("-reference",),
        "address": ("address",),
        "status": ("status", "reference"),
        "rooms": ("rooms", "reference"),
        "-rooms": ("-rooms", "reference"),
        "-area": ("-area_m2", "reference"),
    }

    status = django_filters.ChoiceFilter(
        choices=DwellingStatus.choices, label=_("Status"), empty_label=_("Alle"), method="filter_status"
    )
    sort = django_filters.ChoiceFilter(
        label=_("Sorter etter"),
        method="sort",
        empty_label=None,
        choices=[
            ("reference", _("Referanse (A–Å)")),
            ("-reference", _("Referanse (Å–A)")),
            ("address", _("Adresse")),
            ("status", _("Status")),
            ("rooms", _("Antall rom (færrest først)")),
            ("-rooms", _("Antall rom (flest først)")),
            ("-area", _("Areal (størst først)")),
        ],
    )

    def filter_status(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.having_status(value) if value else queryset


class VacancyFilter(_DwellingFilterBase):
    SORTS = {
        "longest": (F("vacant_since").asc(nulls_last=True), "reference"),
        "shortest": (F("vacant_since").desc(nulls_last=True), "reference"),
        "reference": ("reference",),
        "-rooms": ("-rooms", "reference"),
    }

    sort = django_filters.ChoiceFilter(
        label=_("Sorter etter"),
        method="sort",
        empty_label=None,
        choices=[
            ("longest", _("Lengst ledig først")),
            ("shortest", _("Kortest ledig først")),
            ("reference", _("Referanse")),
            ("-rooms", _("Antall rom (flest først)")),
        ],
    )
