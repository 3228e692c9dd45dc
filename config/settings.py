"""Proficio settings, read from environment variables (see README.md, "Settings").

Development (`DEBUG=true`, which `make run` sets) needs nothing else: SQLite, tasks run in-process,
emails go to the console. Production (`DEBUG` unset or false) refuses to start without
`SECRET_KEY`, `ALLOWED_HOSTS` and `REDIS_URL`.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.beat import BeatLazyFunc
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from .env import (
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_str,
    env_timezone,
    env_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)


def _development_secret_key() -> str:
    """A random key kept in a git-ignored file, so sessions survive a restart of `make run`."""
    key_file = BASE_DIR / ".dev-secret-key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = env_str("SECRET_KEY")
REDIS_URL = env_url("REDIS_URL", {"redis", "rediss"})
# The address people reach Proficio at: every link in an email or a file starts with it.
SITE_URL = env_url("SITE_URL", {"http", "https"})
if not DEBUG:
    missing = [
        name
        for name, value in (
            ("SECRET_KEY", SECRET_KEY),
            ("REDIS_URL", REDIS_URL),
            ("ALLOWED_HOSTS", env_str("ALLOWED_HOSTS")),
            ("SITE_URL", SITE_URL),
        )
        if not value
    ]
    if missing:
        raise ImproperlyConfigured(
            f"Production mode (DEBUG is off) needs {', '.join(missing)}. "
            "For development set DEBUG=true, or use `make run`."
        )
elif not SECRET_KEY:
    SECRET_KEY = _development_secret_key()

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "whitenoise.runserver_nostatic",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "config.apps.ProficioStaticFilesConfig",  # django.contrib.staticfiles, collecting only what is used
    "django.contrib.humanize",
    "django.forms",  # the form renderer below finds Django's widget templates (and Proficio's select) here
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "simple_history",
    "bootstrap",
    "fontawesome",
    "django_htmx",
    "axes",
    "rest_framework", "drf_spectacular", "drf_spectacular_sidecar",  # the REST API (api/)
    "django_otp",  # two-factor sign-in: TOTP devices (accounts/views_security.py)
    "django_otp.plugins.otp_totp",
    # Proficio, in dependency order: each app may import only those above it.
    "core",
    "accounts",
    "documents",
    "signatures",
    "competency",
    "profiles",
    "assessments",
    "gaps",
    "training",
    "devplans",
    "awareness",
    "evidence",
    "api",
    "dashboard",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "accounts.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # A NUL character in a parameter or field is refused with a 400 before a view could pass it to PostgreSQL.
    "core.middleware.RefuseNulMiddleware",
    # Sessions idle too long (or signed in over SESSION_COOKIE_AGE ago) end; the others note when they were
    # last seen. Accounts required to set up two-factor sign-in reach nothing else.
    "accounts.middleware.SessionActivityMiddleware",
    "accounts.middleware.TwoFactorEnrolmentMiddleware",
    "accounts.middleware.ReadOnlyAuditorMiddleware",
    "evidence.middleware.AuditorAccessLogMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Axes must come last: it turns a lockout signal into the "too many attempts" page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "dashboard.context_processors.shell",
            ],
        },
    },
]

# Widgets render through the project's template engine, so templates/django/forms/ can speed them up.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# Database: PostgreSQL in production, an SQLite file by default.
DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=0 if DEBUG else 60,
        conn_health_checks=not DEBUG,
    )
}
if DATABASES["default"]["ENGINE"] not in {
    "django.db.backends.postgresql",
    "django.db.backends.sqlite3",
}:
    raise ImproperlyConfigured("DATABASE_URL must point to PostgreSQL (postgres://) or SQLite (sqlite://).")
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Querysets read with .iterator() (the choices of every select) would each take three round trips
    # through a server-side cursor; the lists are short. Also required behind PgBouncer's transaction pooling.
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Busy SQLite files wait rather than fail with "database is locked": writers take the lock when
    # their transaction begins (SQLite has no SELECT ... FOR UPDATE), and wait for it up to 20 s.
    DATABASES["default"].setdefault("OPTIONS", {}).update(timeout=20, transaction_mode="IMMEDIATE")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Accounts: email is the login.
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.AccessWindowBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "dashboard:home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24  # "forgot my password" links work for a day
INVITATION_TIMEOUT = 60 * 60 * 24 * 7  # links in invitations to new accounts work for a week
PASSWORD_RESETS_PER_HOUR = 3  # per address: more requests are answered as usual but send nothing
# Failed sign-ins from one address across all accounts (password spraying) before it is paused.
LOGIN_FAILURES_PER_ADDRESS = env_int("LOGIN_FAILURES_PER_ADDRESS", 30, minimum=1)

# Throttling of failed logins (django-axes): five failures for one account from one address lock
# that pair out for a quarter of an hour. Locking by account alone would let anyone lock a colleague out.
# Electronic signatures: with segregation of duties on, the author of a framework version, role
# profile or development plan cannot be the one who approves it.
SIGNATURE_SEGREGATION_OF_DUTIES = env_bool("SIGNATURE_SEGREGATION_OF_DUTIES", True)

AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
AXES_USERNAME_CALLABLE = "accounts.backends.login_identifier"
AXES_CLIENT_IP_CALLABLE = "accounts.backends.client_ip"
AXES_VERBOSE = False

# Internationalisation
LANGUAGE_CODE = "en-gb"
TIME_ZONE = env_timezone("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# Static files come from Python packages (Bootstrap, Font Awesome, htmx) and static/; WhiteNoise serves them.
STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
#: Uploaded evidence (certificates, qualifications): outside the web root, served only through the
#: permission layer (never by MEDIA_URL).
PRIVATE_MEDIA_ROOT = Path(env_str("PRIVATE_MEDIA_ROOT", str(BASE_DIR / "private-media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": PRIVATE_MEDIA_ROOT, "base_url": None}},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Uploads (imports) are read into memory up to this size; larger files are refused by the forms.
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
MAX_IMPORT_FILE_BYTES = env_int("MAX_IMPORT_FILE_BYTES", 10 * 1024 * 1024, minimum=1024)
# Certificates and other evidence: the largest file accepted, and how early expiry reminders go out.
MAX_EVIDENCE_FILE_BYTES = env_int("MAX_EVIDENCE_FILE_BYTES", 5 * 1024 * 1024, minimum=1024)
CERTIFICATE_REMINDER_DAYS = env_int("CERTIFICATE_REMINDER_DAYS", 30, minimum=1)
# Controlled statements and role profiles: days after publication before a leader is reminded to acknowledge.
ACK_REMINDER_DAYS = env_int("ACK_REMINDER_DAYS", 14, minimum=0)

# PDFs (core/pdf.py): DejaVu fonts from these local files (Debian fonts-dejavu-core); nothing is fetched over HTTP.
PDF_FONT_DIR = env_str("PDF_FONT_DIR", "/usr/share/fonts/truetype/dejavu")
# Evidence packs: signed (PAdES) with the organisation's certificate when these name its PEM files, else
# with a self-signed certificate Proficio creates in PRIVATE_MEDIA_ROOT; the largest file verify accepts.
EVIDENCE_SIGNING_CERT = env_str("EVIDENCE_SIGNING_CERT", "")
EVIDENCE_SIGNING_KEY = env_str("EVIDENCE_SIGNING_KEY", "")
EVIDENCE_SIGNING_KEY_PASSWORD = env_str("EVIDENCE_SIGNING_KEY_PASSWORD", "")
MAX_PACK_FILE_BYTES = env_int("MAX_PACK_FILE_BYTES", 200 * 1024 * 1024, minimum=1024)
# The organisation named in every PDF's header and as its author ("Proficio" when unset).
ORGANISATION_NAME = env_str("ORGANISATION_NAME", "")
# Two-factor sign-in: the name authenticator apps show beside the account.
OTP_TOTP_ISSUER = ORGANISATION_NAME or "Proficio"

# Email: the console unless an SMTP host is configured.
EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
if EMAIL_HOST:
    EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Proficio <proficio@localhost>")
SITE_URL = SITE_URL or "http://127.0.0.1:8000"
SERVER_EMAIL = DEFAULT_FROM_EMAIL



def _next_redis_database(url: str) -> str:
    """The same Redis server, the next database number: the cache never shares a database with the
    Celery queues, so clearing the cache cannot drop queued tasks."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    number = parts.path.strip("/") or "0"
    if not number.isdigit():
        raise ImproperlyConfigured("REDIS_URL must end with a database number, e.g. redis://127.0.0.1:6379/0.")
    if int(number) >= 15:  # Redis has databases 0 to 15 unless configured otherwise
        raise ImproperlyConfigured(f"REDIS_URL uses database {number}: set REDIS_CACHE_URL to another database "
                                   "for the cache (the cache never shares the queues' database).")
    return urlunsplit(parts._replace(path=f"/{int(number) + 1}"))


# Cache: Redis when configured (shared by all processes, in its own database), memory otherwise.
REDIS_CACHE_URL = env_url("REDIS_CACHE_URL", {"redis", "rediss"}) or (_next_redis_database(REDIS_URL) if REDIS_URL else None)
if REDIS_URL and REDIS_CACHE_URL == REDIS_URL:
    raise ImproperlyConfigured("REDIS_CACHE_URL must name another Redis database than REDIS_URL (the Celery queues).")
if REDIS_CACHE_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_CACHE_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery: Redis as broker and result store; with no REDIS_URL tasks run in-process (eager).
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = REDIS_URL is None
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
CELERY_RESULT_EXPIRES = timedelta(days=1)
# Tasks are written to be idempotent, so a task whose worker died is run again rather than lost.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # A task taken by a worker that died (killed, machine lost) goes back to the queue after this many seconds,
    # when a worker next starts or polls: longer than the longest task (CELERY_TASK_TIME_LIMIT), or a task
    # still running would be run a second time beside it.
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 60 * 60, minimum=1),
    # A process sending a task to a Redis that is down gives up at once rather than after seconds of retries
    # in the middle of a web request: the outbox (core/outbox.py) keeps the task and sends it later.
    "max_retries": 1, "interval_start": 0, "socket_connect_timeout": 5,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_DEFAULT_QUEUE = "proficio"
# PDFs render in a queue of their own, on workers recycled every few tasks (Procfile `pdf:`):
# WeasyPrint's memory grows with each render.
PDF_QUEUE = "pdf"
CELERY_TASK_ROUTES = {"documents.tasks.*": {"queue": PDF_QUEUE}}


def beat_today() -> str:
    """The day beat fires on, by beat's own clock in CELERY_TIMEZONE (YYYY-MM-DD): the scheduled management
    review is the period due on that day, even when a worker takes the task after midnight."""
    from celery import current_app

    return current_app.now().date().isoformat()


CELERY_BEAT_SCHEDULE = {
    "purge-stale-imports": {"task": "competency.tasks.purge_stale_imports", "schedule": timedelta(hours=6)},
    "purge-people-imports": {"task": "profiles.tasks.purge_people_imports", "schedule": timedelta(hours=6)},
    # Closes cycles past their close day, then sends the day's 360° reminders (07:00 in TIME_ZONE).
    "send-assessment-reminders": {"task": "assessments.tasks.send_due_reminders",
                                  "schedule": crontab(hour=7, minute=0)},
    # Reminds people (and their managers) of certificates that expire within CERTIFICATE_REMINDER_DAYS.
    "send-certificate-reminders": {"task": "training.tasks_evidence.send_expiry_reminders",
                                   "schedule": crontab(hour=7, minute=15)},
    # Emails the management review of each ended week, month or quarter to its subscribers (once per period).
    "send-management-reviews": {"task": "awareness.tasks_review.send_management_reviews",
                                "schedule": crontab(hour=6, minute=30), "kwargs": {"today": BeatLazyFunc(beat_today)}},
    # Reminds leaders of statements and role profile revisions not acknowledged after ACK_REMINDER_DAYS.
    "send-ack-reminders": {"task": "awareness.tasks.send_ack_reminders", "schedule": crontab(hour=7, minute=30)},
    # Sends the tasks the outbox kept while Redis was down (core/outbox.py), once Redis is back.
    "send-outbox": {"task": "core.tasks.send_outbox", "schedule": timedelta(minutes=1)},
}

# Forms
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Security. Production defaults pass `manage.py check --deploy` with no warning.
BEHIND_TLS_PROXY = env_bool("BEHIND_TLS_PROXY", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Every session ends 12 hours after sign-in however active it is (ASVS 3.3.2; checked against the sign-in
# time the session keeps, as the cookie's expiry moves on whenever the session is saved). The sign-out
# after inactivity is HR's choice on the security policy (30 minutes unless changed).
SESSION_COOKIE_AGE = 12 * 60 * 60
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    if BEHIND_TLS_PROXY:
        # Only behind a proxy that sets X-Forwarded-Proto itself and strips it from clients.
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # Load balancers probe the health check over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

LOG_LEVEL = env_choice("LOG_LEVEL", "INFO", {"DEBUG", "INFO", "WARNING", "ERROR"}, normalise=str.upper)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"client_errors_without_traceback": {"()": "core.logging.ClientErrorsWithoutTraceback"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "axes": {"level": "WARNING"},
        # On the logger itself, so that every handler gets the record without the traceback.
        "django.request": {"filters": ["client_errors_without_traceback"]},
        "django.security": {"filters": ["client_errors_without_traceback"]},
    },
}

# The audit history is read in the admin, never "reverted" from it: that would write around the services.
SIMPLE_HISTORY_REVERT_DISABLED = True

# The REST API (api/): token authentication only (HR's token pages), the token's scope and its role's rules,
# requests per token (API_RATE, e.g. "600/minute"), cursor pagination, JSON only; OpenAPI 3 from drf-spectacular.
API_RATE = env_str("API_RATE", "600/minute")  # checked at start-up by api.apps
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.BearerTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["api.access.TokenScope"],
    "DEFAULT_THROTTLE_CLASSES": ["api.access.TokenRateThrottle"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.IdCursorPagination",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.access.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Proficio API", "DESCRIPTION": "Competence records for HR systems (ISO 9001 7.2).", "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False, "SCHEMA_PATH_PREFIX": "/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR", "SWAGGER_UI_FAVICON_HREF": "SIDECAR", "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "api.schema.add_error_responses"],
    "ENUM_NAME_OVERRIDES": {"VersionStatusEnum": "competency.models.VersionStatus",
                            "ProfileStatusEnum": "profiles.models.ProfileStatus",
                            "CycleStatusEnum": "assessments.models.CycleStatus",
                            "AnalysisStatusEnum": "gaps.models.AnalysisStatus", "GapStatusEnum": "gaps.models.GapStatus"},
}
