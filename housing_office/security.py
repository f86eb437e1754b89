"""Who is on the other end of a request: the client's address behind a
reverse proxy, used by the login throttle (django-axes) and the audit trail."""

from __future__ import annotations

import time
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


# How often a signed-in user's requests move the session's expiry on.
SESSION_TOUCH_SECONDS = 60
_TOUCHED = "_touched"


class SessionKeepAliveMiddleware:
    """Moves a signed-in session's expiry on at most once a minute.

    Sessions end after `SESSION_COOKIE_AGE` without a request. Saving the
    session on every request (SESSION_SAVE_EVERY_REQUEST) kept that exact,
    at the price of a database write and two transactions per page; a save
    at most every `SESSION_TOUCH_SECONDS` keeps it to within a minute and
    leaves reading pages free of writes. Placed right after Django's
    SessionMiddleware, which saves a session marked modified."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        user = getattr(request, "user", None)
        if session is not None and user is not None and user.is_authenticated:
            now = int(time.time())
            if now - session.get(_TOUCHED, 0) >= SESSION_TOUCH_SECONDS:
                session[_TOUCHED] = now
        return response


def session_touched_at_login(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    """Logging in saves the session with a fresh expiry: it counts as the
    first touch, so the pages right after it write nothing."""
    if request is not None and hasattr(request, "session"):
        request.session[_TOUCHED] = int(time.time())
