"""A letter's page (how it went out and where it is) and the fallback
print files. Scoped like every page: another municipality's letter is 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from housing_office.errors import DomainError
from housing_office.files import Action, serve_logged
from letters.models import Letter, LetterStatus

from . import services
from .models import Channel, PrintFile, SendState, Shipment, ShipmentStatus
from .svarut import config


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    """How the municipality's letters went out, and the print files of
    letters that went on paper outside a summons batch's own file."""
    files = Paginator(PrintFile.objects.order_by("-created_at", "-id"), 25).get_page(request.GET.get("side"))
    return render(
        request,
        "dispatch/overview.html",
        {
            "counts": services.overview_counts(Shipment.objects.all()),
            "files": files,
            "configured": config() is not None,
        },
    )


@login_required
@permission_required("letters.add_letter", raise_exception=True)
@require_POST
def poll_now(request: HttpRequest) -> HttpResponse:
    from .tasks import poll_shipment_statuses

    if config() is None:
        messages.error(request, _("SvarUt er ikke satt opp; alle brev sendes på papir."))
    else:
        poll_shipment_statuses.delay()
        messages.success(request, _("Statusene hentes fra SvarUt."))
    return redirect("dispatch:overview")


@login_required
def letter_page(request: HttpRequest, pk: int) -> HttpResponse:
    letter = get_object_or_404(
        Letter.objects.select_related("household", "shipment", "shipment__print_file"), pk=pk
    )
    shipment = getattr(letter, "shipment", None)
    history = list(ShipmentStatus.objects.filter(shipment=shipment)) if shipment else []
    return render(
        request,
        "dispatch/letter.html",
        {
            "letter": letter,
            "shipment": shipment,
            "summary": services.describe(shipment, letter),
            "history": history,
            "batch": services.batch_of(letter),
            "configured": config() is not None,
            "rendered": letter.status == LetterStatus.RENDERED,
            "digital": Channel.DIGITAL,
            "can_choose_print": shipment is not None
            and shipment.channel == Channel.DIGITAL
            and shipment.send_state == SendState.QUEUED,
        },
    )


@login_required
@permission_required("letters.add_letter", raise_exception=True)
@require_POST
def choose_print(request: HttpRequest, pk: int) -> HttpResponse:
    letter = get_object_or_404(Letter, pk=pk)
    try:
        services.choose_print(letter)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Brevet sendes på papir i stedet."))
    return redirect("dispatch:letter", pk=letter.pk)


@login_required
def print_file_download(request: HttpRequest, pk: int) -> HttpResponse:
    printed = get_object_or_404(PrintFile, pk=pk)
    return serve_logged(
        printed.file,
        user=request.user,
        municipality_id=printed.municipality_id,
        action=Action.DOWNLOAD_LETTER,
        object_repr=_("Utskriftsfil for papirpost (%(n)s brev)") % {"n": printed.letter_count},
        filename=f"papirpost-{printed.pk}.pdf",
        sha256=printed.sha256,
    )
