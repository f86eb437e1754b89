"""Settings for Boligkontoret: one module, driven by environment variables.

Every variable is listed in `.env.example` and in README.md. Nothing here
reads a second settings file: production, CI and the demo differ only in
their environment.
"""

from __future__ import annotations

import datetime
import warnings
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env(
    DJANGO_DEBUG=(bool, False),
    DJANGO_ALLOWED_HOSTS=(list, ["127.0.0.1", "localhost"]),
    DJANGO_SECURE=(bool, False),
)
# A local `.env` is a convenience for developers; the real environment wins.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env("DJANGO_DEBUG")
# Public in the repository: good for the demo only.
DEMO_SECRET_KEY = "insecure-demo-key-only-for-local-use-change-me-in-production-0123456789"
SECRET_KEY = env("DJANGO_SECRET_KEY", default=DEMO_SECRET_KEY)
if env("DJANGO_SECURE") and (
    SECRET_KEY == DEMO_SECRET_KEY or len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5
):
    # The key signs sessions, password-reset links and CSRF tokens; the demo
    # key is public. Same bar as Django's own check (security.W009): at least
    # 50 characters, at least 5 distinct ones. `check --deploy` cannot catch
    # the demo key, since it does not start with "django-insecure-".
    from django.core.exceptions import ImproperlyConfigured

    # Said to whoever starts the server, before translations can be loaded.
    raise ImproperlyConfigured(
        "DJANGO_SECURE er slått på, men DJANGO_SECRET_KEY mangler, er den offentlige demonøkkelen "
        "eller er for svak. Sett den til en lang tilfeldig streng (minst 50 tegn), for eksempel "
        "python -c 'import secrets; print(secrets.token_urlsafe(50))'."
    )
ALLOWED_HOSTS = env("DJANGO_ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "housing_office",
    "tenants",
    "letters",
    "archive",
    "decisions",
    "dispatch",
    "dwellings",
    "startloan",
    "applications",
    "reports",
    "register_import",
    "arrears",
    "followup",
    "demo",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "django_filters",
    "axes",
    "auditlog",
    "csp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "housing_office.request_hygiene.RequestHygieneMiddleware",  # 400 for a NUL, before the session reads
    "django.contrib.sessions.middleware.SessionMiddleware",
    "housing_office.security.SessionKeepAliveMiddleware",  # after the session's: it saves what this marks
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The audit trail's "who": every change made in a request is logged with its user.
    "housing_office.security.AuditlogMiddleware",
    "housing_office.scoping.MunicipalityScopeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "housing_office.urls"
WSGI_APPLICATION = "housing_office.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "housing_office.context_processors.office",
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Keep connections between requests, but check them first so that a
    # restarted PostgreSQL costs one failed request at most, not a restart.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # PostgreSQL's JIT compiler is off for the app's own connections: it pays
    # off for long analytical queries, but our pages run many short queries
    # whose estimated cost crosses jit_above_cost on a large register, and
    # then compiling takes longer than running (measured on the national-size
    # register: the candidate list 3.9 s with JIT, 0.6 s without; the pathway
    # board at 12,000 dwellings 1.1 s, 0.2 s without). PostgreSQL's own advice
    # is the same for OLTP work: https://www.postgresql.org/docs/15/jit-decision.html.
    # DATABASE_JIT=on gives it back (e.g. for a reporting replica).
    if not env.bool("DATABASE_JIT", default=False):
        options = DATABASES["default"].setdefault("OPTIONS", {})
        options["options"] = f"{options.get('options', '')} -c jit=off".strip()
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The demo: several people clicking at once must wait for each other, not
    # get "database is locked". WAL lets readers run beside the one writer;
    # BEGIN IMMEDIATE takes the write lock when a transaction (every request,
    # ATOMIC_REQUESTS) starts, so that the busy timeout applies; a deferred
    # transaction that reads and then writes fails at once instead. See
    # https://docs.djangoproject.com/en/5.2/ref/databases/#database-is-locked-errors
    # and https://www.sqlite.org/wal.html.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            # Seconds a connection waits for the write lock (the busy timeout).
            "timeout": 20,
        }
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "housing_office.User"

# django-axes first: it refuses to check a password while the login is locked out.
# OfficeBackend is ModelBackend with fewer queries a request; ModelBackend
# stays listed so that sessions begun under it stay signed in.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "housing_office.backends.OfficeBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Norwegian bokmål is the language of the office; nynorsk is offered for letters.
LANGUAGE_CODE = "nb"
LANGUAGES = [("nb", _("Norsk bokmål")), ("nn", _("Norsk nynorsk"))]
TIME_ZONE = "Europe/Oslo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # The manifest storage needs `collectstatic`; the demo and the tests
        # serve straight from STATICFILES_DIRS.
        "BACKEND": env(
            "DJANGO_STATICFILES_STORAGE",
            default="django.contrib.staticfiles.storage.StaticFilesStorage",
        )
    },
}
WHITENOISE_USE_FINDERS = True
# Without `collectstatic` (demo, tests) WhiteNoise serves from the finders and
# the missing STATIC_ROOT is expected.
warnings.filterwarnings("ignore", message="No directory at", module="whitenoise.base")

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Celery. With no broker the demo runs every job eagerly in-process; with
# `redis://…` a real worker picks them up.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 60 * 60
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A task taken by a worker that dies unacknowledged goes back to the queue
# after this many seconds (Redis). Longer than the longest job, so a slow
# job is never run twice at once.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=60 * 60 * 2)
}
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE

# KS Fiks SvarUt (dispatch): letters go digitally to the main person's
# digital mailbox, with the print file as the fallback. All of the account,
# the integration and a Maskinporten token (scope ks:fiks) must be set;
# otherwise every letter is printed. See README.md, "Configuration".
SVARUT_BASE_URL = env("SVARUT_BASE_URL", default="")
SVARUT_ACCOUNT_ID = env("SVARUT_ACCOUNT_ID", default="")
SVARUT_INTEGRATION_ID = env("SVARUT_INTEGRATION_ID", default="")
SVARUT_INTEGRATION_PASSWORD = env("SVARUT_INTEGRATION_PASSWORD", default="")
SVARUT_MASKINPORTEN_TOKEN_FILE = env("SVARUT_MASKINPORTEN_TOKEN_FILE", default="")
SVARUT_MASKINPORTEN_TOKEN = env("SVARUT_MASKINPORTEN_TOKEN", default="")
# SvarUt gives up on a call after 15 minutes; wait a little longer.
SVARUT_TIMEOUT_SECONDS = env.float("SVARUT_TIMEOUT_SECONDS", default=16 * 60)
SVARUT_POLL_SECONDS = env.int("SVARUT_POLL_SECONDS", default=5 * 60)
# The published OpenAPI files, for the stand-in SvarUt (tests, demo).
# SvarUt's OpenAPI files (MIT), shipped in dispatch/specs/ (see its README).
SVARUT_SPEC_DIR = env("SVARUT_SPEC_DIR", default=str(BASE_DIR / "dispatch" / "specs"))
CELERY_BEAT_SCHEDULE = {
    "poll-svarut-statuses": {
        "task": "dispatch.tasks.poll_shipment_statuses",
        "schedule": float(SVARUT_POLL_SECONDS),
    },
    # The ownership-readiness watch re-assesses households in guidance each
    # year, once the new year's parameters are in (startloan.readiness).
    "yearly-readiness-watch": {
        "task": "startloan.tasks.yearly_readiness_watch",
        "schedule": crontab(minute=0, hour=6, day_of_month=15, month_of_year=1),
    },
}

# Security. The production switch turns on what `check --deploy` asks for.
SECURE = env("DJANGO_SECURE")
# Sessions end after this many seconds without a request (default 30 minutes):
# a signed-in user's requests move the expiry on, at most once a minute
# (housing_office.security.SessionKeepAliveMiddleware), and closing the
# browser ends it too.
SESSION_COOKIE_AGE = env.int("DJANGO_SESSION_AGE", default=30 * 60)
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# htmx reads the token from the page (base.html), not from the cookie.
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if SECURE:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # The __Host- prefix makes the browser refuse the cookie unless it is
    # secure, for this host only and for the whole site.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Content security policy, always on: scripts only from our own static files
# (an inline script needs the request's nonce), no framing, no plugins.
# Inline styles are allowed because templates set `style="width: …"` on
# progress bars and htmx adds its indicator style.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        **({"upgrade-insecure-requests": True} if SECURE else {}),
    },
}

# Failed logins (django-axes): after DJANGO_LOGIN_FAILURE_LIMIT failures for
# one user name from one address, that pair is locked out for
# DJANGO_LOGIN_LOCKOUT_MINUTES. A successful login clears the count.
AXES_FAILURE_LIMIT = env.int("DJANGO_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("DJANGO_LOGIN_LOCKOUT_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "housing_office.security.lockout_response"
AXES_CLIENT_IP_CALLABLE = "housing_office.security.client_ip"
# Behind a reverse proxy that appends to X-Forwarded-For: how many proxies
# there are, so the client's own address is found (0: none, use REMOTE_ADDR).
TRUSTED_PROXY_COUNT = env.int("DJANGO_TRUSTED_PROXY_COUNT", default=1 if SECURE else 0)

# Audit trail (django-auditlog): the models are registered in housing_office/audit.py.
AUDITLOG_DISABLE_REMOTE_ADDR = False
# Compare with the unscoped manager: a change made by a command or a task
# must be diffed against the stored row whatever the current scope.
AUDITLOG_USE_BASE_MANAGER = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {
        "weasyprint": {"level": "ERROR"},
        "fontTools": {"level": "ERROR"},
        # Failed logins and lockouts are warnings; axes's start-up banner is not.
        "axes": {"level": "WARNING"},
    },
}

# Product settings.
# The candidate list's default botid threshold in years; each municipality can
# set its own on its record.
CANDIDATE_MIN_YEARS_DEFAULT = 3
