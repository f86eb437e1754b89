"""Login and session safety: failed logins are throttled, idle sessions end,
every page carries a content security policy, and `check --deploy` is
clean with production settings."""

from __future__ import annotations

import datetime
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from axes.models import AccessAttempt
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from housing_office.security import client_ip

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "test-passord-123"  # tests.factories.UserFactory's


def log_in(client, username: str, password: str, *, ip: str = "10.0.0.1"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


# Failed logins ---------------------------------------------------------------


def test_five_failures_lock_the_user_out_for_30_minutes(client, caseworker_user):
    assert settings.AXES_FAILURE_LIMIT == 5
    for attempt in range(4):
        response = log_in(client, "kari", "feil-passord")
        assert response.status_code == 200, attempt
        assert "Feil brukernavn eller passord" in response.content.decode()
    # The fifth failure locks the pair out.
    response = log_in(client, "kari", "feil-passord")
    assert response.status_code == 429
    # Now even the right password is refused, with a Norwegian page.
    response = log_in(client, "kari", PASSWORD)
    assert response.status_code == 429
    page = response.content.decode()
    assert "Innloggingen er midlertidig sperret" in page
    assert "30 minutter" in page and "«kari»" in page
    assert "_auth_user_id" not in client.session

    # Another address, or another user name from this one, is not locked.
    assert log_in(client, "kari", PASSWORD, ip="10.0.0.2").status_code == 302
    client.logout()

    # After the cool-off the user gets in again.
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=31), tick=False):
        response = log_in(client, "kari", PASSWORD)
        assert response.status_code == 302 and response["Location"] == reverse("home")


def test_another_user_name_from_the_same_address_is_not_locked(client, caseworker_user, leader_user):
    for _attempt in range(5):
        log_in(client, "kari", "feil-passord")
    assert log_in(client, "kari", PASSWORD).status_code == 429
    assert log_in(client, "leder", PASSWORD).status_code == 302


def test_a_successful_login_clears_the_failures(client, caseworker_user):
    for _attempt in range(4):
        log_in(client, "kari", "feil-passord")
    assert log_in(client, "kari", PASSWORD).status_code == 302
    client.logout()
    for _attempt in range(4):
        assert log_in(client, "kari", "feil-passord").status_code == 200
    assert log_in(client, "kari", PASSWORD).status_code == 302


def test_failures_are_recorded_with_the_client_address(client, caseworker_user):
    log_in(client, "kari", "feil-passord", ip="10.1.2.3")
    attempt = AccessAttempt.objects.get()
    assert (attempt.username, attempt.ip_address, attempt.failures_since_start) == ("kari", "10.1.2.3", 1)


def test_client_address_behind_a_proxy(rf, settings):
    request = rf.get("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 10.9.8.7", REMOTE_ADDR="127.0.0.1")
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request) == "127.0.0.1"
    # One proxy: the entry it appended; the forged one to its left is ignored.
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request) == "10.9.8.7"
    assert client_ip(rf.get("/", REMOTE_ADDR="127.0.0.1")) == "127.0.0.1"


# Sessions --------------------------------------------------------------------


def test_session_ends_after_30_minutes_without_a_request(client, caseworker_user):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assert log_in(client, "kari", PASSWORD).status_code == 302
        assert client.get(reverse("home")).status_code == 200
    # Activity moves the expiry on: 25 minutes, then 25 more, still logged in.
    with time_machine.travel(start + datetime.timedelta(minutes=25), tick=False):
        assert client.get(reverse("home")).status_code == 200
    with time_machine.travel(start + datetime.timedelta(minutes=50), tick=False):
        assert client.get(reverse("home")).status_code == 200
    # 31 idle minutes later the session is gone.
    with time_machine.travel(start + datetime.timedelta(minutes=81), tick=False):
        response = client.get(reverse("home"))
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_reading_pages_moves_the_session_on_at_most_once_a_minute(client, caseworker_user):
    def session_writes(url: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return sum('UPDATE "django_session"' in q["sql"] for q in queries.captured_queries)

    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assert log_in(client, "kari", PASSWORD).status_code == 302  # saves the session
        assert session_writes(reverse("home")) == 0
    with time_machine.travel(start + datetime.timedelta(seconds=59), tick=False):
        assert session_writes(reverse("home")) == 0
    with time_machine.travel(start + datetime.timedelta(seconds=61), tick=False):
        assert session_writes(reverse("home")) == 1
        assert session_writes(reverse("home")) == 0
    # An anonymous visitor gets no session from it.
    anonymous = client.__class__()
    assert anonymous.get(reverse("health")).status_code == 200 and not anonymous.cookies


def test_session_cookie_is_http_only_and_ends_with_the_browser(client, caseworker_user):
    response = log_in(client, "kari", PASSWORD)
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert not cookie["max-age"] and not cookie["expires"]


# Headers ---------------------------------------------------------------------


def test_pages_carry_a_content_security_policy(client, caseworker_client):
    anonymous = client.__class__()
    for c, url in ((anonymous, reverse("login")), (caseworker_client, reverse("home"))):
        response = c.get(url)
        assert response.status_code == 200
        policy = response["Content-Security-Policy"]
        directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())
        assert directives["default-src"] == "'self'"
        assert directives["script-src"].split()[0] == "'self'"
        assert "'unsafe-inline'" not in directives["script-src"]
        assert "'unsafe-eval'" not in directives["script-src"]
        assert directives["frame-ancestors"] == "'none'"
        assert directives["object-src"] == "'none'"
        assert directives["form-action"] == "'self'"
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"


def test_templates_have_no_inline_script_without_the_nonce():
    """The policy allows scripts from our static files, and inline ones only
    with the request's nonce; event-handler attributes never run."""
    offenders = []
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", text, flags=re.I):
            if "src=" not in tag and "nonce=" not in tag and "application/json" not in tag:
                offenders.append(f"{path.relative_to(ROOT)}: {tag}")
        for attr in re.findall(r"<[a-z][^>]*\s(on[a-z]+)\s*=", text, flags=re.I):
            offenders.append(f"{path.relative_to(ROOT)}: {attr}=")
        if re.search(r"href\s*=\s*[\"']javascript:", text, flags=re.I):
            offenders.append(f"{path.relative_to(ROOT)}: javascript: URL")
    assert offenders == []


# Production settings ---------------------------------------------------------


def production_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_SETTINGS_MODULE="housing_office.settings",
        DJANGO_SECURE="true",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="bolig.kommune.no",
        DJANGO_DEBUG="false",
    )
    return env


def test_check_deploy_is_clean_with_production_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_secure_the_cookies():
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_NAME, "
        "s.SECURE_HSTS_SECONDS, s.SECURE_SSL_REDIRECT, "
        "'upgrade-insecure-requests' in s.CONTENT_SECURITY_POLICY['DIRECTIVES']]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == '[true, true, "__Host-sessionid", 31536000, true, true]'


def test_an_inline_script_carries_the_nonce_of_its_response(caseworker_client):
    """The summons wizard's select-all script runs under the policy: the
    page's nonce is the one the header allows."""
    response = caseworker_client.get(reverse("letters:summons-new"))
    assert response.status_code == 200
    header = response["Content-Security-Policy"]
    nonces = re.findall(r"<script nonce=\"([^\"]+)\">", response.content.decode())
    assert nonces, "no inline script on the page"
    assert all(f"'nonce-{n}'" in header for n in nonces)
