"""Pages for letters: templates (leader), the summons wizard, batches and
their jobs, and downloading the archived PDFs (every download logged)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from housing_office.errors import DomainError, add_to_form, user_municipality
from housing_office.files import Action, file_response, serve_logged
from housing_office.permissions import leader_required
from housing_office.request_hygiene import parse_ids
from housing_office.text import fold
from tenants.models import Household, PathwayStage, Person
from tenants.pathway import CANDIDATE_STAGES

from .delivery import delivery_aggregates, delivery_summaries, with_delivery
from .engine import TemplateRefused
from .forms import LetterTemplateForm, SummonsForm, caseworker_choices
from .kinds import get_kind
from .letter_templates import (
    current_template,
    current_templates,
    editable_text,
    ensure_default_templates,
    save_template_version,
    subject_as_written,
)
from .models import Letter, LetterStatus, LetterTemplate, SummonsBatch, TemplateFormat
from .rendering import preview_pdf
from .summons import create_summons_batch, households_for_summons, plan_summons, retry_batch
from .tasks import render_now

LETTERS_PER_PAGE = 50
CHOOSER_LIMIT = 1000


# --- Templates (leader) --------------------------------------------------------


@leader_required
def template_list(request: HttpRequest) -> HttpResponse:
    municipality = user_municipality(request)
    ensure_default_templates(municipality)
    templates = list(current_templates(municipality))
    for template in templates:
        template.subject_as_written = subject_as_written(template)
    return render(request, "letters/template_list.html", {"templates": templates})


def _field_list(kind: str, text_format: str) -> list[dict[str, str]]:
    """The fields beside the editor: what to write, and what it holds."""
    spec = get_kind(kind)
    return [
        {
            "insert": f"[{name}]" if text_format == TemplateFormat.BREVTEKST else f"{{{{ {variable} }}}}",
            "description": spec.variables.get(variable, ""),
        }
        for variable, name in spec.field_names.items()
    ]


@leader_required
def template_edit(request: HttpRequest, pk: int) -> HttpResponse:
    template = get_object_or_404(LetterTemplate, pk=pk)
    municipality = user_municipality(request)
    form_options = {
        "municipality": municipality,
        "kind": template.kind,
        "language": template.language,
        "user": request.user,
    }
    if request.method == "POST":
        form = LetterTemplateForm(request.POST, **form_options)
        if form.is_valid():
            try:
                new = save_template_version(
                    municipality=municipality,
                    kind=template.kind,
                    language=template.language,
                    subject=form.cleaned_data["subject"],
                    body=form.cleaned_data["body"],
                    by=request.user,
                    text_format=form.cleaned_data["format"],
                )
            except TemplateRefused as exc:
                form.add_error("body", exc.messages[0])
            else:
                messages.success(
                    request,
                    _("Malen er lagret som versjon %(v)s. Brev som alt er laget, er uendret.")
                    % {"v": new.version},
                )
                return redirect("letters:template-edit", pk=new.pk)
        text_format = request.POST.get("format") or TemplateFormat.HTML
    else:
        subject, body, text_format = editable_text(template)
        form = LetterTemplateForm(
            initial={"subject": subject, "body": body, "format": text_format}, **form_options
        )
    versions = (
        LetterTemplate.objects.filter(kind=template.kind, language=template.language)
        .select_related("created_by")
        .annotate(letter_count=Count("letters"))
        .order_by("-version")
    )
    latest = current_template(municipality, template.kind, template.language)
    return render(
        request,
        "letters/template_edit.html",
        {
            "template": template,
            "latest": latest,
            "form": form,
            "versions": versions,
            "brevtekst": text_format == TemplateFormat.BREVTEKST,
            "fields": _field_list(template.kind, text_format),
        },
        status=400 if form.errors else 200,
    )


def _preview_caseworker(request: HttpRequest) -> Any:
    """The caseworker chosen in the preview form (of the leader's own
    office), else the leader: the preview's name, title, phone and e-mail
    are always one person's."""
    chosen = parse_ids([request.POST.get("caseworker", "") or request.GET.get("caseworker", "")])
    if chosen:
        found = caseworker_choices(request.user).filter(pk__in=chosen).first()
        if found is not None:
            return found
    return request.user


@leader_required
def template_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The template (saved, or the unsaved text posted from the editor) as a
    PDF, filled in with a made-up household."""
    template = get_object_or_404(LetterTemplate, pk=pk)
    subject, body, text_format = template.subject, template.body, TemplateFormat.HTML
    if request.method == "POST":
        subject, body = request.POST.get("subject", ""), request.POST.get("body", "")
        text_format = request.POST.get("format") or TemplateFormat.HTML
        if text_format not in TemplateFormat.values:
            text_format = TemplateFormat.HTML
    try:
        data = preview_pdf(
            kind=template.kind,
            subject=subject,
            body=body,
            municipality=user_municipality(request),
            language=template.language,
            caseworker=_preview_caseworker(request),
            text_format=text_format,
        )
    except TemplateRefused as exc:
        return render(
            request,
            "letters/template_preview_error.html",
            {"template": template, "error": exc.messages[0]},
            status=400,
        )
    return file_response(data, f"forhandsvisning-{template.kind}-{template.language}.pdf")


# --- The summons wizard ----------------------------------------------------------


def _chooser_households(request: HttpRequest, selected: set[int]) -> tuple[list[Household], bool]:
    """Households to tick in step 1: the ones already chosen, else the ones
    the filter finds (default: not yet assessed)."""
    members = Prefetch("members", queryset=Person.objects.order_by("pk"))
    queryset = Household.objects.prefetch_related(members).order_by("reference")
    if selected and not request.GET.get("filter"):
        households = list(queryset.filter(pk__in=selected)[: CHOOSER_LIMIT + 1])
    else:
        # Only households that may be invited to a mapping meeting are
        # offered: one rule with the candidate list (tenants.pathway).
        stage = request.GET.get("stage", PathwayStage.NOT_ASSESSED)
        if stage in CANDIDATE_STAGES:
            queryset = queryset.filter(pathway_stage=stage)
        else:
            queryset = queryset.filter(pathway_stage__in=CANDIDATE_STAGES)
        query = fold(request.GET.get("q", "").strip())
        if query:
            queryset = queryset.filter(search_text__contains=query)
        households = list(queryset[: CHOOSER_LIMIT + 1])
    return households[:CHOOSER_LIMIT], len(households) > CHOOSER_LIMIT


def _selected_ids(values: list[str]) -> set[int]:
    return parse_ids(values)


@login_required
@permission_required("letters.add_letter", raise_exception=True)
def summons_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        form = SummonsForm(request.POST, user=user)
        if "back" not in request.POST and form.is_valid():
            data = form.cleaned_data
            ids = [h.pk for h in data["households"]]
            caseworkers = list(data["caseworkers"])
            options = {
                "first": data["first"],
                "minutes": data["slot_minutes"],
                "opens": data["day_starts"],
                "closes": data["day_ends"],
            }
            if "confirm" in request.POST:
                try:
                    batch = create_summons_batch(
                        municipality=user.municipality,
                        by=user,
                        household_ids=ids,
                        caseworkers=caseworkers,
                        place=data["place"],
                        letter_date=data["letter_date"],
                        token=data["token"],
                        print_only=data.get("print_only", False),
                        **options,
                    )
                except DomainError as exc:
                    add_to_form(form, exc)
                else:
                    # Said the same whether the worker has finished yet or
                    # not: the status below follows the job's real state.
                    messages.success(
                        request,
                        ngettext(
                            "%(n)s husstand er innkalt. Under ser du hvor langt brevet er kommet.",
                            "%(n)s husstander er innkalt. Under ser du hvor langt brevene er kommet.",
                            batch.letter_count,
                        )
                        % {"n": batch.letter_count},
                    )
                    return redirect("letters:batch-detail", pk=batch.pk)
            else:
                plan = plan_summons(households_for_summons(ids, user.municipality), caseworkers, **options)
                return render(request, "letters/summons_confirm.html", {"form": form, "plan": plan})
        selected = _selected_ids(request.POST.getlist("households"))
    else:
        selected = _selected_ids(request.GET.getlist("household"))
        form = SummonsForm(user=user, initial={"households": sorted(selected)})
    households, truncated = _chooser_households(request, selected)
    return render(
        request,
        "letters/summons_new.html",
        {
            "form": form,
            "households": households,
            "selected": selected,
            "truncated": truncated,
            "limit": CHOOSER_LIMIT,
            "stages": [(value, label) for value, label in PathwayStage.choices if value in CANDIDATE_STAGES],
            "stage": request.GET.get("stage", PathwayStage.NOT_ASSESSED),
            "q": request.GET.get("q", ""),
            "from_list": bool(request.GET.getlist("household")) and not request.GET.get("filter"),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


# --- Batches and their jobs ----------------------------------------------------


@login_required
def batch_list(request: HttpRequest) -> HttpResponse:
    batches = SummonsBatch.objects.select_related("job", "created_by").order_by("-created_at", "-id")
    page = Paginator(batches, 25).get_page(request.GET.get("side"))
    return render(request, "letters/batch_list.html", {"page": page})


@login_required
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(
        SummonsBatch.objects.select_related("job", "created_by").prefetch_related("caseworkers"), pk=pk
    )
    # How the letters went out (letters.delivery) is counted in the same query.
    more = delivery_aggregates(batch)
    counts = batch.letter_counts(**more)
    status = request.GET.get("status", "")
    shown = with_delivery(
        Letter.objects.filter(batch_key=batch.batch_key).select_related("household", "meeting").order_by("pk")
    )
    if status in LetterStatus.values:
        shown = shown.filter(status=status)
    else:
        status = ""
    page = Paginator(shown, LETTERS_PER_PAGE).get_page(request.GET.get("side"))
    summaries = delivery_summaries(page.object_list)
    for letter in page.object_list:
        letter.delivery = summaries.get(letter.pk)
    context = {
        "batch": batch,
        "delivery": {name: counts[name] for name in more} or None,
        "job": batch.job,
        "counts": counts,
        "page": page,
        "status": status,
        "can_retry": batch.retry_refusal(counts) is None,
        "poll_url": f"{reverse('letters:batch-detail', args=[batch.pk])}?{request.GET.urlencode()}",
    }
    template = (
        "letters/_batch_status.html" if request.headers.get("HX-Request") else "letters/batch_detail.html"
    )
    return render(request, template, context)


@login_required
@permission_required("letters.add_letter", raise_exception=True)
@require_POST
def batch_retry(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(SummonsBatch, pk=pk)
    try:
        retry = retry_batch(batch, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if retry.letters:
            text = ngettext(
                "Jobben er startet igjen. Bare brevet som mangler, blir laget.",
                "Jobben er startet igjen. Bare de %(n)s brevene som mangler, blir laget.",
                retry.letters,
            ) % {"n": retry.letters}
        else:
            text = _("Jobben er startet igjen. Alle brevene er laget; nå lages utskriftsfilen.")
        messages.success(request, text)
    return redirect("letters:batch-detail", pk=batch.pk)


@login_required
def batch_print(request: HttpRequest, pk: int) -> HttpResponse:
    """The combined print file; logged like a letter download, since it holds
    every letter of the batch."""
    batch = get_object_or_404(SummonsBatch, pk=pk)
    return serve_logged(
        batch.print_file,
        user=request.user,
        municipality_id=batch.municipality_id,
        action=Action.DOWNLOAD_LETTER,
        object_repr=_("Utskriftsfil for innkallinger (%(n)s brev)") % {"n": batch.letter_count},
        filename=f"innkallinger-{batch.pk}.pdf",
        sha256=batch.print_sha256,
    )


@login_required
def letter_download(request: HttpRequest, pk: int) -> HttpResponse:
    """Stream the archived PDF after checking it is unchanged, and log who
    downloaded it."""
    letter = get_object_or_404(Letter.objects.select_related("household"), pk=pk)
    if letter.status == LetterStatus.PENDING:
        letter = render_now(letter.pk)
    if letter.status != LetterStatus.RENDERED:
        raise Http404
    # An archive copy altered on disk is never handed out as the original.
    return serve_logged(
        letter.pdf,
        user=request.user,
        municipality_id=letter.municipality_id,
        action=Action.DOWNLOAD_LETTER,
        object_repr=str(letter),
        filename=f"brev-{letter.household.reference}-{letter.pk}.pdf",
        household_id=letter.household_id,
        sha256=letter.sha256,
    )
