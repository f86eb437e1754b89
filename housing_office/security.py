"""Who is on the other end of a request: the client's address behind a
reverse proxy, used by the login throttle (django-axes) and the audit trail."""

from __future__ import annotations

from typing import Any

from auditlog.middleware import AuditlogMiddleware as BaseAuditlogMiddleware
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def client_ip(request: HttpRequest) -> str | None:
    """The client's address.

    Behind `TRUSTED_PROXY_COUNT` proxies that each append to X-Forwarded-For,
    the client is that many entries from the right; anything further left
    was written by the client and may be forged. Without proxies, REMOTE_ADDR.
    """
    count = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if count > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= count:
            return forwarded[-count]
    return request.META.get("REMOTE_ADDR") or None


class AuditlogMiddleware(BaseAuditlogMiddleware):
    """django-auditlog's middleware, with the client address taken the same
    way as for the login throttle (its own takes the left-most, forgeable,
    X-Forwarded-For entry)."""

    @staticmethod
    def _get_remote_addr(request: HttpRequest) -> Any:
        if settings.AUDITLOG_DISABLE_REMOTE_ADDR:
            return None
        return client_ip(request)


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict | None = None
) -> HttpResponse:
    """The page a locked-out login gets (django-axes): how long to wait and
    whom to ask, in Norwegian."""
    from axes.helpers import get_client_username, get_cool_off

    cool_off = get_cool_off(request)
    minutes = round(cool_off.total_seconds() / 60) if cool_off else None
    context = {
        "username": get_client_username(request, credentials) or "",
        "failure_limit": getattr(settings, "AXES_FAILURE_LIMIT", 5),
        "minutes": minutes,
    }
    return render(
        request,
        "registration/locked_out.html",
        context,
        status=getattr(settings, "AXES_HTTP_RESPONSE_CODE", 429),
    )
