"""Django settings for Publica, read from environment variables only (see .env.example)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import environ

from publica.core import logs

env = environ.Env()

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(env.str("PUBLICA_DATA_DIR", default="var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """The configured key, or one generated once and kept in the data directory (mode 0600)."""
    configured = env.str("PUBLICA_SECRET_KEY", default="")
    if configured:
        return configured
    path = DATA_DIR / "secret_key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env.bool("PUBLICA_DEBUG", default=False)
ALLOWED_HOSTS = env.list("PUBLICA_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "ninja",
    "publica.accounts",
    "publica.catalogue",
    "publica.cases",
    "publica.portal",
    "publica.api",
    "publica.open311",
    "publica.ledger",
    "publica.notify",
    "publica.alerts",
    "publica.sensors",
    "publica.assistant",
    "publica.opendata",
    "publica.spending",
    "publica.procurement",
    "publica.insights",
    "publica.exchange",
    "publica.privacy",
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    # First: request id, metrics and access log for every request; answers the probes.
    "publica.core.middleware.RequestObservationMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "publica.portal.staff_session.StaffSessionMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
    "django_ratelimit.middleware.RatelimitMiddleware",
]

ROOT_URLCONF = "publica.urls"
WSGI_APPLICATION = "publica.wsgi.application"

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
                "publica.portal.context.publica",
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'publica.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at BEGIN so a
    # transaction never fails half-way when it upgrades from reading to writing.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        ),
    }
    # Tests use a file too, not Django's shared-cache memory database: there a second thread
    # (an MQTT ingester, a live server) gets "table is locked" at once instead of waiting its
    # turn as it does in production.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}
# Each web worker keeps its connection between requests (opening one costs more than a whole
# case submission); a health check replaces one the database has dropped.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("PUBLICA_DB_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses sign-in while an account is locked out
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "portal:signin"
LOGIN_REDIRECT_URL = "portal:my-cases"
LOGOUT_REDIRECT_URL = "portal:home"

# Sign-in throttling: five failures for one username from one address lock it for an hour.
AXES_FAILURE_LIMIT = env.int("PUBLICA_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 1
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "portal/locked_out.html"
AXES_VERBOSE = False

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "publica_cache",
    },
    # API rate limits count every request, so they must not write to the database: per
    # process by default (a key's limit applies to each web worker), shared when a Redis
    # URL is given.
    "ratelimit": env.cache_url("PUBLICA_RATE_LIMIT_CACHE_URL", default="locmemcache://"),
    # API keys and services each request needs, kept briefly in each process (core.recent).
    "local": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "publica-recent",
    },
}
PUBLICA_LOCAL_CACHE_SECONDS = env.int("PUBLICA_LOCAL_CACHE_SECONDS", default=5)

# Where residents reach this site: the start of every link in an email or SMS.
PUBLICA_SITE_URL = env.str("PUBLICA_SITE_URL", default="http://127.0.0.1:8000")

# Background tasks (Django's tasks API) in the database: no broker to run.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Outbox delivery (publica.notify): retries back off from BASE to MAX_DELAY seconds, with
# jitter, until a message is MAX_AGE seconds old; a claimed batch is released after LEASE.
PUBLICA_DELIVERY_INTERVAL = env.float("PUBLICA_DELIVERY_INTERVAL", default=0.2)
PUBLICA_DELIVERY_BATCH = env.int("PUBLICA_DELIVERY_BATCH", default=100)
PUBLICA_DELIVERY_BASE_DELAY = env.float("PUBLICA_DELIVERY_BASE_DELAY", default=30)
PUBLICA_DELIVERY_MAX_DELAY = env.float("PUBLICA_DELIVERY_MAX_DELAY", default=3600)
PUBLICA_DELIVERY_MAX_AGE = env.float("PUBLICA_DELIVERY_MAX_AGE", default=3 * 86_400)
PUBLICA_DELIVERY_LEASE = env.float("PUBLICA_DELIVERY_LEASE", default=120)
PUBLICA_DELIVERY_TIMEOUT = env.float("PUBLICA_DELIVERY_TIMEOUT", default=10)
PUBLICA_WEBHOOK_CONCURRENCY = env.int("PUBLICA_WEBHOOK_CONCURRENCY", default=16)
PUBLICA_WEBHOOK_DISABLE_AFTER = env.float("PUBLICA_WEBHOOK_DISABLE_AFTER", default=5 * 86_400)
# Webhooks to loopback or private addresses are refused unless this is true (development).
PUBLICA_WEBHOOK_ALLOW_PRIVATE = env.bool("PUBLICA_WEBHOOK_ALLOW_PRIVATE", default=False)
# Text messages: "log" (development) or "notify" (GOV.UK Notify).
PUBLICA_SMS_PROVIDER = env.str("PUBLICA_SMS_PROVIDER", default="log")
PUBLICA_NOTIFY_API_KEY = env.str("PUBLICA_NOTIFY_API_KEY", default="")
PUBLICA_NOTIFY_BASE_URL = env.str(
    "PUBLICA_NOTIFY_BASE_URL", default="https://api.notifications.service.gov.uk"
)
PUBLICA_NOTIFY_SMS_TEMPLATE_ID = env.str("PUBLICA_NOTIFY_SMS_TEMPLATE_ID", default="")
PUBLICA_NOTIFY_CALLBACK_TOKEN = env.str("PUBLICA_NOTIFY_CALLBACK_TOKEN", default="")
# Area alerts (publica.alerts): messages a minute each channel may send; an alert's messages
# are spaced to keep to it (GOV.UK Notify allows 3,000 a minute).
PUBLICA_ALERT_RATE_PER_MINUTE = env.int("PUBLICA_ALERT_RATE_PER_MINUTE", default=3000)
# `publica serve` also runs a background worker in the embedded default.
PUBLICA_SERVE_WORKER = env.bool("PUBLICA_SERVE_WORKER", default=True)

# Sensors (publica.sensors): the MQTT broker to take observations from, e.g.
# mqtt://127.0.0.1:1883; `publica worker` subscribes when it is set.
PUBLICA_MQTT_URL = env.str("PUBLICA_MQTT_URL", default="")
PUBLICA_MQTT_CLIENT_ID = env.str("PUBLICA_MQTT_CLIENT_ID", default="publica-ingest")
# Ingester processes sharing the readings (an MQTT 5 shared subscription); each is one core.
PUBLICA_MQTT_INGESTERS = env.int("PUBLICA_MQTT_INGESTERS", default=1)

# The transparency ledger (publica.ledger).
PUBLICA_LEDGER_ORIGIN = env.str("PUBLICA_LEDGER_ORIGIN", default="localhost/ledger")
PUBLICA_LEDGER_KEY = env.str("PUBLICA_LEDGER_KEY", default="")
PUBLICA_LEDGER_INTEGRATE_ON_COMMIT = env.bool("PUBLICA_LEDGER_INTEGRATE_ON_COMMIT", default=True)
PUBLICA_LEDGER_INTERVAL = env.float("PUBLICA_LEDGER_INTERVAL", default=0.5)

# Field-level encryption of personal data (docs/encryption.md): "k2:<base64>,k1:<base64>",
# the first key current, each 32 bytes; and the base64 of the (32-byte) key for keyed-hash
# search. Empty: both are made on first use in PUBLICA_DATA_DIR/field-keys.json.
PUBLICA_FIELD_KEYS = env.str("PUBLICA_FIELD_KEYS", default="")
PUBLICA_SEARCH_KEY = env.str("PUBLICA_SEARCH_KEY", default="")

# Backups (`publica backup`, docs/recovery.md): base64 of the 32-byte key they are encrypted with.
PUBLICA_BACKUP_KEY = env.str("PUBLICA_BACKUP_KEY", default="")

# Help answers (publica.assistant): embeddings when the `assistant` extra is installed; below
# the confidence the assistant says it does not know; questions an address may ask a minute.
PUBLICA_ASSISTANT_EMBEDDINGS = env.bool("PUBLICA_ASSISTANT_EMBEDDINGS", default=True)
# Each web worker of `publica serve` builds the help index (and loads the model) as it
# starts, in the background, so the first resident to ask does not wait for it.
PUBLICA_ASSISTANT_WARM_UP = env.bool("PUBLICA_ASSISTANT_WARM_UP", default=True)
PUBLICA_ASSISTANT_MIN_CONFIDENCE = env.float("PUBLICA_ASSISTANT_MIN_CONFIDENCE", default=0.35)
PUBLICA_ASSISTANT_RATE_PER_MINUTE = env.int("PUBLICA_ASSISTANT_RATE_PER_MINUTE", default=120)
# Optional rephrasing by an OpenAI-compatible chat endpoint (empty URL: off).
PUBLICA_ASSISTANT_LLM_URL = env.str("PUBLICA_ASSISTANT_LLM_URL", default="")
PUBLICA_ASSISTANT_LLM_MODEL = env.str("PUBLICA_ASSISTANT_LLM_MODEL", default="")
PUBLICA_ASSISTANT_LLM_KEY = env.str("PUBLICA_ASSISTANT_LLM_KEY", default="")
PUBLICA_ASSISTANT_LLM_TIMEOUT = env.float("PUBLICA_ASSISTANT_LLM_TIMEOUT", default=5.0)

# Open data (docs/opendata.md).
PUBLICA_OPENDATA_LICENCE = env.str("PUBLICA_OPENDATA_LICENCE", default="CC-BY-4.0")
PUBLICA_OPENDATA_MIN_COUNT = env.int("PUBLICA_OPENDATA_MIN_COUNT", default=5)
PUBLICA_OPENDATA_GRID_DEGREES = env.float("PUBLICA_OPENDATA_GRID_DEGREES", default=0.01)
PUBLICA_OPENDATA_REFRESH_MINUTES = env.int("PUBLICA_OPENDATA_REFRESH_MINUTES", default=60)

# Insights (docs/insights.md)
PUBLICA_INSIGHTS_H3_RESOLUTION = env.int("PUBLICA_INSIGHTS_H3_RESOLUTION", default=8)
PUBLICA_INSIGHTS_MINUTES_PER_CASE = env.int("PUBLICA_INSIGHTS_MINUTES_PER_CASE", default=30)
PUBLICA_INSIGHTS_AT_RISK_DAYS = env.int("PUBLICA_INSIGHTS_AT_RISK_DAYS", default=2)
# Data exchange (docs/exchange.md).
PUBLICA_EXCHANGE_CONSENT_MONTHS = env.int("PUBLICA_EXCHANGE_CONSENT_MONTHS", default=12)
PUBLICA_EXCHANGE_KEY = env.str("PUBLICA_EXCHANGE_KEY", default="")
PUBLICA_EXCHANGE_KEY_ID = env.str("PUBLICA_EXCHANGE_KEY_ID", default="")
PUBLICA_EXCHANGE_TIMEOUT = env.float("PUBLICA_EXCHANGE_TIMEOUT", default=5.0)
PUBLICA_EXCHANGE_MAX_SKEW_SECONDS = env.int("PUBLICA_EXCHANGE_MAX_SKEW_SECONDS", default=300)
PUBLICA_EXCHANGE_SEAL_MINUTES = env.int("PUBLICA_EXCHANGE_SEAL_MINUTES", default=1)
# Privacy (docs/privacy.md): how long closed cases keep personal data when a service file
# says nothing, why (shown to residents who ask for erasure), and whom to ask about it.
PUBLICA_RETENTION_YEARS = env.int("PUBLICA_RETENTION_YEARS", default=6)
PUBLICA_RETENTION_REASON = env.str(
    "PUBLICA_RETENTION_REASON",
    default="The council keeps case records for six years after they close, as its records "
    "retention schedule requires.",
)
PUBLICA_PRIVACY_CONTACT = env.str("PUBLICA_PRIVACY_CONTACT", default="")
# The Open Contracting ID prefix of new procurement processes (docs/procurement.md).
PUBLICA_OCDS_PREFIX = env.str("PUBLICA_OCDS_PREFIX", default="ocds-pub001")
# Residents sign in with OpenID Connect (docs/identity.md); without an issuer it is off.
PUBLICA_OIDC_ISSUER = env.str("PUBLICA_OIDC_ISSUER", default="")
PUBLICA_OIDC_CLIENT_ID = env.str("PUBLICA_OIDC_CLIENT_ID", default="")
PUBLICA_OIDC_CLIENT_SECRET = env.str("PUBLICA_OIDC_CLIENT_SECRET", default="")
PUBLICA_OIDC_CLIENT_AUTH = env.str("PUBLICA_OIDC_CLIENT_AUTH", default="client_secret_basic")
PUBLICA_OIDC_CLIENT_KEY_FILE = env.str("PUBLICA_OIDC_CLIENT_KEY_FILE", default="")
PUBLICA_OIDC_SCOPES = env.str("PUBLICA_OIDC_SCOPES", default="openid email profile")
PUBLICA_OIDC_ACR_VALUES = env.str("PUBLICA_OIDC_ACR_VALUES", default="")
PUBLICA_OIDC_NAME = env.str("PUBLICA_OIDC_NAME", default="the national login")
PUBLICA_OIDC_PERSON_CLAIM = env.str("PUBLICA_OIDC_PERSON_CLAIM", default="")
PUBLICA_OIDC_PERSON_REQUIRED = env.bool("PUBLICA_OIDC_PERSON_REQUIRED", default=False)
PUBLICA_OIDC_LEVELS = env.dict(
    "PUBLICA_OIDC_LEVELS",
    default={
        "http://eidas.europa.eu/LoA/low": "low",
        "http://eidas.europa.eu/LoA/substantial": "substantial",
        "http://eidas.europa.eu/LoA/high": "high",
    },
)
PUBLICA_OIDC_TIMEOUT = env.float("PUBLICA_OIDC_TIMEOUT", default=5.0)

RATELIMIT_VIEW = "publica.portal.account.rate_limited"

# Behind HTTPS (every real deployment) cookies are Secure and browsers are told to stay on HTTPS.
HTTPS = env.bool("PUBLICA_HTTPS", default=False)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env.int("PUBLICA_SESSION_SECONDS", default=8 * 3600)
# Staff are signed out after this many minutes without a request; deciding, exporting and
# admin changes need a second factor from the last PUBLICA_REAUTH_MINUTES (docs/staff-security.md).
PUBLICA_STAFF_IDLE_MINUTES = env.int("PUBLICA_STAFF_IDLE_MINUTES", default=30)
PUBLICA_REAUTH_MINUTES = env.int("PUBLICA_REAUTH_MINUTES", default=10)
# Staff passkeys: the WebAuthn relying party id (a domain) and the site's origin; empty = taken
# from the host of each request.
PUBLICA_WEBAUTHN_RP_ID = env.str("PUBLICA_WEBAUTHN_RP_ID", default="")
PUBLICA_WEBAUTHN_ORIGIN = env.str("PUBLICA_WEBAUTHN_ORIGIN", default="")
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_SSL_REDIRECT = HTTPS and env.bool("PUBLICA_SSL_REDIRECT", default=False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

MAP_TILES_URL = env.str("PUBLICA_MAP_TILES_URL", default="")
MAP_ATTRIBUTION = env.str("PUBLICA_MAP_ATTRIBUTION", default="")
MAP_CENTRE = env.tuple("PUBLICA_MAP_CENTRE", cast=float, default=(52.0312, -0.9876))


def tile_origins(url: str) -> list[str]:
    """The origin map tiles load from, for the Content-Security-Policy's img-src."""
    parts = url.split("/")
    return [f"{parts[0]}//{parts[2]}".replace("{s}", "*")] if url.count("/") >= 2 else []


CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", *tile_origins(MAP_TILES_URL)],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# EMAIL_BACKEND, EMAIL_HOST, EMAIL_PORT, … from one URL (smtp://user:pass@host:587/?tls=True).
globals().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("PUBLICA_FROM_EMAIL", default="Publica <no-reply@localhost>")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = env.str("PUBLICA_LANGUAGE_CODE", default="en-gb")
LANGUAGES = [("en-gb", "English")]  # add a language here once its translations exist
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("PUBLICA_TIME_ZONE", default="Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns on every request when it is missing
WHITENOISE_MANIFEST_STRICT = False  # tests render pages without running collectstatic
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = DATA_DIR / "media"  # uploads; served only through permission-checked views
MAX_UPLOAD_BYTES = env.int("PUBLICA_MAX_UPLOAD_MB", default=10) * 1024 * 1024

# Logs (docs/operations.md): json (one object a line), plain, or auto (plain on a terminal,
# JSON otherwise); e-mail addresses, phone numbers and tokens are redacted from every line.
PUBLICA_LOG_FORMAT = env.str("PUBLICA_LOG_FORMAT", default="auto")
# The access log names the client's address only when this is true.
PUBLICA_LOG_CLIENT_IP = env.bool("PUBLICA_LOG_CLIENT_IP", default=False)
LOGGING = logs.logging_config(
    format=PUBLICA_LOG_FORMAT, level=env.str("PUBLICA_LOG_LEVEL", default="INFO")
)
# /metrics asks for this bearer token when it is set (docs/operations.md).
PUBLICA_METRICS_TOKEN = env.str("PUBLICA_METRICS_TOKEN", default="")

# Publica's own settings.
PUBLICA_HOLIDAYS_COUNTRY = env.str("PUBLICA_HOLIDAYS_COUNTRY", default="GB")
PUBLICA_HOLIDAYS_SUBDIVISION = env.str("PUBLICA_HOLIDAYS_SUBDIVISION", default="ENG")
PUBLICA_WORKER_INTERVAL = env.int("PUBLICA_WORKER_INTERVAL", default=60)
PUBLICA_SERVE_WORKERS = env.int("PUBLICA_SERVE_WORKERS", default=os.cpu_count() or 1)
PUBLICA_SERVE_THREADS = env.int("PUBLICA_SERVE_THREADS", default=1)
# Triage (publica.assistant): the classifier routes a report by itself only when it is at
# least this sure (0 to 1; above 1 never); it retrains after this many days, or sooner once
# this many new cases have been filed.
PUBLICA_TRIAGE_AUTO_ROUTE_CONFIDENCE = env.float(
    "PUBLICA_TRIAGE_AUTO_ROUTE_CONFIDENCE", default=0.7
)
PUBLICA_TRIAGE_RETRAIN_DAYS = env.int("PUBLICA_TRIAGE_RETRAIN_DAYS", default=7)
PUBLICA_TRIAGE_RETRAIN_CASES = env.int("PUBLICA_TRIAGE_RETRAIN_CASES", default=500)
