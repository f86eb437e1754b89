"""The caseworker's pathway pages: the candidate list and the pathway board.

Every lookup goes through the scoping managers, so another municipality's
household, person or meeting is a 404 here without any filter by hand.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import reswap, retarget

from housing_office.errors import add_to_form, local_url
from housing_office.paging import count_to_cap
from housing_office.permissions import is_leader

from .candidates import candidate_for, candidate_page
from .filters import MINE, NONE, caseworker_choices
from .forms import (
    CandidateSettingsForm,
    StageChangeForm,
)
from .models import (
    CLOSED_STAGES,
    Household,
    PathwayStage,
    PersonRole,
)
from .pathway import duration_in_words
from .queries import main_person_name
from .services import (
    DomainError,
    change_stage,
)
from .views import _render_stage_page, _stage_message

CANDIDATES_PER_PAGE = 100
# Each column shows the households longest in the stage, and a link to the
# whole column in the household list. A household just moved is shown too.
CARDS_PER_COLUMN = 10


# Candidates -----------------------------------------------------------------


@login_required
@permission_required("tenants.view_household", raise_exception=True)
@require_http_methods(["GET", "POST"])
def candidate_list(request: HttpRequest) -> HttpResponse:
    municipality = request.user.municipality
    settings_form = None
    if is_leader(request.user) and municipality is not None:
        settings_form = CandidateSettingsForm(request.POST or None, instance=municipality, prefix="settings")
    if request.method == "POST":
        if settings_form is None:
            raise PermissionDenied(_("Bare lederen kan endre kommunens standard."))
        if settings_form.is_valid():
            settings_form.save()
            messages.success(
                request,
                _("Kandidatlisten bruker nå minst %(n)s års botid.")
                % {"n": settings_form.cleaned_data["candidate_min_years"]},
            )
            return redirect("tenants:candidate-list")

    default_years = municipality.candidate_min_years if municipality else settings.CANDIDATE_MIN_YEARS_DEFAULT
    years, years_error = default_years, ""
    raw_years = request.GET.get("years", "").strip()
    if raw_years:
        try:
            years = int(raw_years)
            if not 1 <= years <= 50:
                raise ValueError
        except ValueError:
            years = default_years
            years_error = _("Botid må være et helt antall år mellom 1 og 50.")

    today = timezone.localdate()
    page = candidate_page(today, years, CANDIDATES_PER_PAGE, request.GET.get("page"))
    candidates = [candidate_for(household, today) for household in page]
    return render(
        request,
        "tenants/candidate_list.html",
        {
            "page": page,
            "candidates": candidates,
            "years": years,
            "raw_years": raw_years,
            "years_error": years_error,
            "default_years": default_years,
            "settings_form": settings_form,
        },
    )


# Pathway board --------------------------------------------------------------


def stage_options(selected: str) -> str:
    """The <option>s of a stage select with `selected` chosen, rendered once
    per board column rather than once per card."""
    return render_to_string(
        "tenants/_stage_options.html", {"choices": PathwayStage.choices, "selected": selected}
    )


def _board_caseworker(request: HttpRequest, value: str, choices: list[tuple[str, str]]) -> tuple[str, Any]:
    """The board's caseworker filter: its value and the filter to apply."""
    if value not in {v for v, _label in choices}:
        value = ""
    if value == MINE:
        return value, {"caseworker": request.user}
    if value == NONE:
        return value, {"caseworker__isnull": True}
    if value:
        return value, {"caseworker_id": int(value)}
    return value, {}


def _card_facts(household: Household, today) -> None:
    """What a card says about the time in the stage, in words."""
    since = timezone.localdate(household.stage_changed_at)
    household.days_in_stage = (today - since).days
    household.time_in_stage = duration_in_words(since, today)


def _board_context(
    request: HttpRequest, caseworker: str, *, moved: int | None = None, **extra: Any
) -> dict[str, Any]:
    """The board's columns. `moved` is a household just moved: it is shown at
    the top of its new column, marked, wherever it would otherwise rank."""
    today = timezone.localdate()
    choices = caseworker_choices(request.user)
    caseworker, condition = _board_caseworker(request, caseworker, choices)
    households = Household.objects.filter(**condition)
    # Each column counted to the lists' cap from the board's index (a count
    # of every household reads the whole register); past it, "over".
    capped = {
        stage.value: count_to_cap(households.filter(pathway_stage=stage.value)) for stage in PathwayStage
    }
    counts = {stage: count for stage, (count, _over) in capped.items() if count}
    over = {stage for stage, (_count, more) in capped.items() if more}
    # One small query per column, each the first few by the index on
    # (municipality, stage, time in stage): the page costs the same however
    # many households the municipality has. (Numbering every household with
    # ROW_NUMBER to keep fifteen per stage sorted the whole register.)
    cards_of = households.select_related("caseworker").annotate(main_name=main_person_name())
    order = ("stage_changed_at", "pk")
    cards = [
        household
        for stage in PathwayStage
        if counts.get(stage.value)
        for household in cards_of.filter(pathway_stage=stage.value).order_by(*order)[:CARDS_PER_COLUMN]
    ]
    if moved is not None and moved not in {h.pk for h in cards}:
        cards += list(cards_of.filter(pk=moved))
    by_stage: dict[str, list[Household]] = {stage.value: [] for stage in PathwayStage}
    moved_card = None
    for household in cards:
        _card_facts(household, today)
        household.just_moved = household.pk == moved
        if household.just_moved:
            moved_card = household
        else:
            by_stage.setdefault(household.pathway_stage, []).append(household)
    if moved_card is not None:
        by_stage.setdefault(moved_card.pathway_stage, []).insert(0, moved_card)
    list_url = reverse("tenants:household-list")
    columns = []
    for stage in PathwayStage:
        count = counts.get(stage.value, 0)
        query = f"?stage={stage.value}&sort=stage_changed" + (
            f"&caseworker={caseworker}" if caseworker else ""
        )
        columns.append(
            {
                "stage": stage,
                "count": count,
                "over": stage.value in over,
                "cards": by_stage[stage.value],
                "hidden": max(0, count - len(by_stage[stage.value])),
                "list_url": list_url + query,
                "closed": stage in CLOSED_STAGES,
                # Every card in a column has the same stage selected, so the
                # options are rendered once per column rather than per card.
                "options": stage_options(stage.value),
            }
        )
    board_url = reverse("tenants:pathway-board") + (f"?caseworker={caseworker}" if caseworker else "")
    context = {
        "can_move": request.user.has_perm("tenants.change_household"),
        "columns": columns,
        "caseworker": caseworker,
        "caseworker_choices": choices,
        "board_url": board_url,
        "total": sum(counts.values()),
        "total_over": bool(over),
        "cards_per_column": CARDS_PER_COLUMN,
        "moved_card": moved_card,
    }
    context.update(extra)
    return context


def _moved_param(request: HttpRequest) -> int | None:
    try:
        return int(request.GET.get("moved", ""))
    except ValueError:
        return None


@login_required
@permission_required("tenants.view_household", raise_exception=True)
def pathway_board(request: HttpRequest) -> HttpResponse:
    moved = _moved_param(request)
    context = _board_context(request, request.GET.get("caseworker", ""), moved=moved)
    if moved is not None and context["moved_card"] is None:
        # Not on this board (another caseworker's, or gone): say where it is.
        household = Household.objects.filter(pk=moved).first()
        if household is not None:
            context["moved_elsewhere"] = household
    return render(request, "tenants/pathway_board.html", context)


@login_required
@permission_required("tenants.change_household", raise_exception=True)
@require_POST
def pathway_board_move(request: HttpRequest, pk: int) -> HttpResponse:
    """Move a household from a card on the board. With htmx the board is
    swapped in place; without, the browser goes back to the board."""
    household = get_object_or_404(Household.objects.select_related("caseworker"), pk=pk)
    caseworker = request.POST.get("caseworker", "")
    form = StageChangeForm(request.POST, household=household)
    change = None
    if form.is_valid():
        try:
            change = change_stage(
                household, form.cleaned_data["to_stage"], by=request.user, reason=form.cleaned_data["reason"]
            )
        except DomainError as exc:
            add_to_form(form, exc)
    if form.is_valid():
        if request.htmx:
            if change is None:
                status = _("%(ref)s er allerede i fasen «%(stage)s».")
            else:
                status = _("%(ref)s er flyttet til «%(stage)s».")
            status = status % {"ref": household.reference, "stage": household.get_pathway_stage_display()}
            context = _board_context(request, caseworker, moved=household.pk, board_status=status)
            context["moved_elsewhere"] = household if context["moved_card"] is None else None
            response = render(request, "tenants/_board.html", context)
            return reswap(retarget(response, "#board"), "outerHTML")
        _stage_message(request, household, change)
        target = local_url(request, form.cleaned_data.get("next")) or reverse("tenants:pathway-board")
        parts = urlsplit(target)
        if parts.path == reverse("tenants:pathway-board"):
            # Back on the board, the household just moved is shown and marked.
            query = [(k, v) for k, v in parse_qsl(parts.query) if k != "moved"] + [("moved", household.pk)]
            target = urlunsplit(parts._replace(query=urlencode(query), fragment=f"card-{household.pk}"))
        return HttpResponseRedirect(target)
    if request.htmx:
        # Only the card comes back, with the errors next to its fields.
        household.main_name = _main_name_of(household)
        _card_facts(household, timezone.localdate())
        context = {
            "household": household,
            "form": form,
            "caseworker": caseworker,
            "can_move": True,
            "options": stage_options(form["to_stage"].value() or household.pathway_stage),
            "board_url": local_url(request, request.POST.get("next")) or reverse("tenants:pathway-board"),
        }
        return render(request, "tenants/_board_card.html", context)
    # Without JavaScript the errors get the stage page; `next` in the form
    # brings the user back to the board once it is right.
    return _render_stage_page(request, household, form)


def _main_name_of(household: Household) -> str:
    names = household.members.filter(role=PersonRole.MAIN).values_list("first_name", "last_name").first()
    return " ".join(n for n in names if n) if names else ""
