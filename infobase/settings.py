"""Settings for Infobase, read from the environment.

A clean checkout runs on SQLite under ``var/``; PostgreSQL is one variable away
(``DATABASE_URL=postgres://postgres@127.0.0.1:5432/infobase``).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

from infobase.core.env import (
    env_bool,
    env_int,
    env_list,
    env_str,
    env_url,
    proxy_ssl_header,
    secret_key,
)

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(env_str("INFOBASE_VAR_DIR", str(BASE_DIR.parent / "var")))

SECRET_KEY = secret_key(VAR_DIR)
DEBUG = env_bool("DEBUG", default=False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# Infobase's apps come first: where a third-party app translates the same words (Django's
# admin and sessions, DRF, OTP: "Sessions", "History", "Search"), the words chosen for the
# Conference's readers win ("الدورات", "届会", not a web session), as do its templates.
INSTALLED_APPS = [
    "infobase.core",
    "infobase.accounts",
    "infobase.reference",
    "infobase.questionnaires",
    "infobase.needs",
    "infobase.activities",
    "infobase.funding",
    "infobase.reports",
    "infobase.meetings",
    "infobase.demo",
    "infobase.api",
    "infobase.home",
    "infobase.core.admin_apps.InfobaseAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rules",
    "simple_history",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "infobase.core.middleware.SessionIdleTimeoutMiddleware",
    "infobase.accounts.middleware.SecondFactorRequiredMiddleware",
    "infobase.core.middleware.LanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes requires: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "infobase.urls"
WSGI_APPLICATION = "infobase.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "infobase.core.context_processors.infobase",
                "infobase.demo.context_processors.demo",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'infobase.sqlite3'}"),
        conn_max_age=60,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server's threads and the background worker write the same file: a write-ahead log
    # and transactions that take the write lock up front, so that a reader turning writer waits
    # (up to ``timeout`` seconds) instead of failing at once with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        timeout=20, transaction_mode="IMMEDIATE", init_command="PRAGMA journal_mode=WAL;"
    )

# Figures over the whole information base kept while the data under them is unchanged
# (``core.figures.kept``): at most FIGURES_KEPT results in each process's memory (a matrix of
# who does what where at world scale is some 30 MB there), and in files under the var directory
# that the web server's processes share.
FIGURES_KEPT = env_int("FIGURES_KEPT", 16)
FIGURES_LOCK_DIR = VAR_DIR / "figures-locks"  # one process computes a result at a time
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "figures": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(VAR_DIR / "figures"),
        "TIMEOUT": None,
        "OPTIONS": {"MAX_ENTRIES": env_int("FIGURES_CACHE_ENTRIES", 200)},
    },
    # The API's rate limits (``api.throttling``), counted in files all the web server's
    # processes share: counted in each process's memory, a limit would be multiplied by the
    # number of processes and start again each time one is recycled.
    "throttles": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(VAR_DIR / "throttles"),
        "OPTIONS": {"MAX_ENTRIES": 5000},
    },
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses sign-in while an account is locked out after repeated failures.
    "axes.backends.AxesBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# ASVS level 2 (V2.1): at least 12 characters, no composition rules, refused when in the list of
# 20,000 passwords seen in breaches that Django ships (CommonPasswordValidator).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", 3600)

# The six official languages of the United Nations, in UN (English alphabetical) order.
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("ar", _("Arabic")),
    ("zh-hans", _("Chinese")),
    ("en", _("English")),
    ("fr", _("French")),
    ("ru", _("Russian")),
    ("es", _("Spanish")),
]
LANGUAGES_RTL = {"ar"}
# One date style per language, as in the reports (Arabic and English differ from Django's).
FORMAT_MODULE_PATH = ["infobase.core.formats"]
LANGUAGE_COOKIE_NAME = "infobase_language"
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"
LOCALE_PATHS: list[Path] = []

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"
# Uploads (infobase.core.uploads): a file is cut off while streaming past this size; each
# file field then applies its own, smaller or equal, cap and checks the type by content.
INFOBASE_UPLOAD_MAX_BYTES = env_int("INFOBASE_UPLOAD_MAX_BYTES", 50 * 1024 * 1024)
# What the files stored for one State (attachments of its answers, documents of its requests)
# may take together (infobase.core.quota).
INFOBASE_STATE_FILES_QUOTA_BYTES = env_int("INFOBASE_STATE_FILES_QUOTA_BYTES", 2 * 1024**3)
FILE_UPLOAD_HANDLERS = [
    "infobase.core.uploads.CappedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
# The address people reach Infobase at: links in e-mails and jobs are built from it (there is
# no request to take the host from in a background job).
SITE_URL = env_url("SITE_URL", "http://127.0.0.1:8000")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "infobase@localhost")

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", default=env_bool("SECURE_COOKIES"))
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", default=SESSION_COOKIE_SECURE)
# The interface language, for a year: over HTTPS only where the session is; no script reads it.
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
# Sessions end after SESSION_COOKIE_AGE (12 hours) and after SESSION_IDLE_TIMEOUT seconds without
# a request (30 minutes; infobase.core.middleware.SessionIdleTimeoutMiddleware), ASVS V3.3.
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 12 * 3600)
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_TIMEOUT", 30 * 60)
# HTTPS: off by default so that a laptop serves plain HTTP; production sets them (README).
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=False)
# Behind a TLS-terminating proxy: "HTTP_X_FORWARDED_PROTO,https" (only if the proxy sets it).
SECURE_PROXY_SSL_HEADER = proxy_ssl_header("SECURE_PROXY_SSL_HEADER")
# How many reverse proxies append to X-Forwarded-For; 0 trusts only the socket's address.
INFOBASE_TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
X_FRAME_OPTIONS = "DENY"
# No inline script or style anywhere: everything is served from /static/. The report pages that
# draw bar widths and colours as style attributes widen only style-src-attr (reports views).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Sign-in throttling (django-axes): the sixth failure in a row for a username, or from an
# address, locks it out for AXES_COOLOFF_MINUTES; a success resets the count.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 6)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "infobase.accounts.views.locked_out"
AXES_CLIENT_IP_CALLABLE = "infobase.accounts.selectors.client_ip"
AXES_HTTP_RESPONSE_CODE = 429
# Second factor (django-otp, TOTP and single-use recovery codes) for the secretariat and admins.
OTP_TOTP_ISSUER = "Infobase"
SECURE_CONTENT_TYPE_NOSNIFF = True

SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

# Background jobs (reports): Django's tasks framework (the django-tasks backport). Production and
# the demo queue jobs in the database and run `infobase db_worker`; tests run them in-process.
TASKS = {
    "default": {
        "BACKEND": env_str("INFOBASE_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}
# A running job whose worker sent no heartbeat for this long is taken for dead by
# `infobase jobs-sweep` (infobase.core.jobs); an IATI import run that saved no counts for
# IMPORT_RUN_LEASE_SECONDS likewise.
JOB_LEASE_SECONDS = env_int("JOB_LEASE_SECONDS", 120)
IMPORT_RUN_LEASE_SECONDS = env_int("IMPORT_RUN_LEASE_SECONDS", 600)
# A worker also touches a file per running job here, whatever the database lets it write: a
# handler's long transaction can keep its heartbeat from being written (SQLite has one writer).
JOB_BEATS_DIR = VAR_DIR / "job-beats"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}

# Serve the apps' static files directly too, so tests and a fresh checkout need no collectstatic.
WHITENOISE_USE_FINDERS = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)

# /healthz: a job waiting longer than this means no worker is taking jobs; below this much free
# space (MB) under MEDIA_ROOT uploads and reports would fail.
INFOBASE_HEALTH_MAX_QUEUE_WAIT = env_int("INFOBASE_HEALTH_MAX_QUEUE_WAIT", 300)
INFOBASE_HEALTH_MIN_FREE_MB = env_int("INFOBASE_HEALTH_MIN_FREE_MB", 500)

# The REST API under /api/v1/ (infobase.api): personal access tokens or the browser's session,
# problem details (RFC 9457) for errors, cursor pagination, rate limits per person and address.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "infobase.api.authentication.BearerTokenAuthentication",
        "infobase.api.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["infobase.api.permissions.ReadOnlyTokenPermission"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "infobase.api.pagination.Cursor",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_CLASSES": [
        "infobase.api.throttling.TokenRateThrottle",
        "infobase.api.throttling.AnonymousRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "token": env_str("API_RATE_TOKEN", "1200/hour"),
        "anonymous": env_str("API_RATE_ANONYMOUS", "300/hour"),
    },
    "EXCEPTION_HANDLER": "infobase.api.problems.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_VERSIONING_CLASS": None,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Infobase API",
    "DESCRIPTION": (
        "The technical-assistance information base of the Conference of the Parties to UNTOC "
        "(decision 2/6). Personal access tokens: `Authorization: Bearer ib_…` (created at "
        "/accounts/tokens/)."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "infobase.api.problems.add_problem_responses",
    ],
    # One name per choice set shared by several fields (drf-spectacular warns otherwise).
    "ENUM_NAME_OVERRIDES": {
        "RatingEnum": "infobase.needs.models.Rating",
        "AssistanceKindEnum": "infobase.reference.models.AssistanceKind",
        "UNLanguageEnum": "infobase.meetings.models.UN_LANGUAGES",
    },
}
