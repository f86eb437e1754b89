"""The application page's decision part: draft the allocation decision, and
decide it (another person than the drafter when the two-person rule is on)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from housing_office.errors import DomainError, add_to_form

from . import allocation, views
from .forms import AllocationDraftForm
from .models import Application


def _application(pk: int) -> Application:
    return get_object_or_404(
        Application.objects.select_related("household", "municipality", "decision"), pk=pk
    )


@login_required
@permission_required("decisions.add_decision", raise_exception=True)
@require_POST
def draft(request: HttpRequest, pk: int) -> HttpResponse:
    application = _application(pk)
    form = AllocationDraftForm(request.POST)
    if form.is_valid():
        try:
            allocation.draft_allocation(application, by=request.user, **form.cleaned_data)
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, _("Vedtaksutkastet er lagret. En annen saksbehandler fatter vedtaket."))
            return redirect("applications:detail", pk)
    context = views._detail_context(request, application)
    context.update(views.decision_context(application, form))
    return views.render(request, "applications/application_detail.html", context, status=400)


@login_required
@permission_required("decisions.change_decision", raise_exception=True)
@require_POST
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    application = _application(pk)
    try:
        decision = allocation.decide_allocation(application, by=request.user)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("Vedtaket er fattet (%(o)s), og vedtaksbrevet er laget.")
            % {"o": decision.get_outcome_display()},
        )
    return redirect("applications:detail", pk)
