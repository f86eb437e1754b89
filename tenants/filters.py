"""Search, filters and sorting of the household list."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from housing_office.models import User
from housing_office.text import fold

from .models import Household, PathwayStage
from .queries import (
    has_children,
    open_arrears,
    stage_order_expression,
    with_botid_at_least,
)

YES_NO = [("yes", _("Ja")), ("no", _("Nei"))]

MINE = "mine"
NONE = "none"

# Sort keys as they appear in the address bar, and what they sort by. The
# botid sorts ("botid", "-botid") are `tenants.queries.by_botid`: a household
# without a running tenancy has no botid and sorts last both ways.
SORTS: dict[str, tuple[Any, ...]] = {
    "reference": ("reference",),
    "-reference": ("-reference",),
    "stage": ("stage_order", "reference"),
    "-stage": ("-stage_order", "reference"),
    "stage_changed": ("stage_changed_at", "reference"),
    "-stage_changed": ("-stage_changed_at", "reference"),
}
SORT_CHOICES = [
    ("reference", _("Referanse (A–Å)")),
    ("-reference", _("Referanse (Å–A)")),
    ("-botid", _("Lengst botid først")),
    ("botid", _("Kortest botid først")),
    ("stage", _("Fase, tidlig først")),
    ("-stage", _("Fase, sen først")),
    ("-stage_changed", _("Sist endret fase først")),
    ("stage_changed", _("Lengst siden faseendring først")),
]


def caseworker_choices(user: User) -> list[tuple[str, str]]:
    """ "Mine", "none" and every active user of the user's municipality."""
    choices: list[tuple[str, Any]] = [(MINE, _("Mine husstander")), (NONE, _("Uten saksbehandler"))]
    if user.municipality_id:
        # Users are not municipality-owned rows, so they are filtered here by hand.
        others = User.objects.filter(municipality_id=user.municipality_id, is_active=True).order_by(
            "first_name", "last_name", "username"
        )
        choices += [(str(u.pk), str(u)) for u in others]
    return choices


def search_words(query: str) -> list[str]:
    return fold(query).split()


def apply_search(queryset: QuerySet[Household], query: str) -> QuerySet[Household]:
    """Every word must occur in the folded name, reference or address."""
    for word in search_words(query):
        queryset = queryset.filter(search_text__contains=word)
    return queryset


class HouseholdFilter(django_filters.FilterSet):
    # Set by a botid sort: the view orders the filtered households itself.
    botid_sort: str | None = None

    q = django_filters.CharFilter(
        label=_("Søk"),
        method="filter_q",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Navn, referanse eller adresse")}),
    )
    stage = django_filters.ChoiceFilter(
        label=_("Fase"), field_name="pathway_stage", choices=PathwayStage.choices, empty_label=_("Alle")
    )
    caseworker = django_filters.ChoiceFilter(
        label=_("Saksbehandler"), method="filter_caseworker", empty_label=_("Alle")
    )
    min_years = django_filters.NumberFilter(
        label=_("Botid minst (år)"),
        method="filter_min_years",
        min_value=Decimal("0"),
        max_value=Decimal("100"),
        widget=forms.NumberInput(attrs={"step": "0.5", "min": "0", "inputmode": "decimal"}),
    )
    children = django_filters.ChoiceFilter(
        label=_("Barn i husstanden"), method="filter_children", choices=YES_NO, empty_label=_("Alle")
    )
    arrears = django_filters.ChoiceFilter(
        label=_("Husleierestanse"), method="filter_arrears", choices=YES_NO, empty_label=_("Alle")
    )
    sort = django_filters.ChoiceFilter(
        label=_("Sortering"), method="filter_sort", choices=SORT_CHOICES, empty_label=None
    )

    class Meta:
        model = Household
        fields: list[str] = []

    def __init__(self, *args: Any, today: datetime.date | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()
        user = getattr(self.request, "user", None)
        self.filters["caseworker"].extra["choices"] = caseworker_choices(user) if user else []

    def filter_q(self, queryset: QuerySet[Household], name: str, value: str) -> QuerySet[Household]:
        return apply_search(queryset, value)

    def filter_caseworker(self, queryset: QuerySet[Household], name: str, value: str) -> QuerySet[Household]:
        if value == MINE:
            return queryset.filter(caseworker=self.request.user)
        if value == NONE:
            return queryset.filter(caseworker__isnull=True)
        return queryset.filter(caseworker_id=int(value))

    def filter_min_years(
        self, queryset: QuerySet[Household], name: str, value: Decimal | None
    ) -> QuerySet[Household]:
        if value is None:
            return queryset
        return with_botid_at_least(queryset, self.today, value)

    def filter_children(self, queryset: QuerySet[Household], name: str, value: str) -> QuerySet[Household]:
        return queryset.filter(has_children() if value == "yes" else ~has_children())

    def filter_arrears(self, queryset: QuerySet[Household], name: str, value: str) -> QuerySet[Household]:
        return queryset.filter(open_arrears() if value == "yes" else ~open_arrears())

    def filter_sort(self, queryset: QuerySet[Household], name: str, value: str) -> QuerySet[Household]:
        # Only the sorts that need them join the running tenancy or compute
        # the stage's place: the default order comes from an index.
        if value in ("botid", "-botid"):
            # Ordered by the view through `tenants.queries.by_botid`, in two
            # parts; the filtered households are left unordered here.
            self.botid_sort = value
            return queryset
        if value in ("stage", "-stage"):
            queryset = queryset.annotate(stage_order=stage_order_expression())
        return queryset.order_by(*SORTS.get(value, SORTS["reference"]))
