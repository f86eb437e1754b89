"""The leader's view of a household's audit trail and access log."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from housing_office.permissions import leader_required

from . import audit_trail
from .models import Household

ENTRIES_PER_PAGE = 100
# The page shows the latest accesses; the file has them all.
ACCESSES_SHOWN = 200


@leader_required
def household_audit(request: HttpRequest, pk: int) -> HttpResponse:
    household = get_object_or_404(Household, pk=pk)
    page = Paginator(audit_trail.household_log_entries(household), ENTRIES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    accesses = list(audit_trail.household_access_log(household)[: ACCESSES_SHOWN + 1])
    context = {
        "household": household,
        "page": page,
        "entries": audit_trail.describe_entries(list(page)),
        "accesses": accesses[:ACCESSES_SHOWN],
        "more_accesses": len(accesses) > ACCESSES_SHOWN,
        "accesses_shown": ACCESSES_SHOWN,
    }
    return render(request, "tenants/household_audit.html", context)


@leader_required
def household_access_log(request: HttpRequest, pk: int) -> HttpResponse:
    """The innsynslogg as a CSV file, for a citizen who asks who looked at
    their data."""
    household = get_object_or_404(Household, pk=pk)
    response = HttpResponse(audit_trail.access_log_csv(household), content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    safe_reference = "".join(
        c if (c.isascii() and c.isalnum()) or c in "-_" else "_" for c in household.reference
    )
    response["Content-Disposition"] = f'attachment; filename="innsynslogg-{safe_reference}-{stamp}.csv"'
    return response
