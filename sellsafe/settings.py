"""Sellsafe settings: one module, driven by environment variables.

Development defaults are safe and need nothing configured. `SELLSAFE_ENV=production` turns every strict
check on and refuses to start without a secret key, a master encryption key, allowed hosts and HTTPS.
"""

from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool) -> bool:
    raw = env(name)
    if not raw:
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}.")


def env_int(name: str, default: int) -> int:
    raw = env(name)
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}.") from exc


def env_list(name: str) -> list[str]:
    return [item.strip() for item in env(name).split(",") if item.strip()]


PACKAGE_DIR = Path(__file__).resolve().parent
BASE_DIR = PACKAGE_DIR.parent
DATA_DIR = Path(env("SELLSAFE_DATA_DIR") or BASE_DIR / "var")

SELLSAFE_ENV = env("SELLSAFE_ENV", "development")
if SELLSAFE_ENV not in {"development", "production", "test"}:
    raise ImproperlyConfigured("SELLSAFE_ENV must be development, production or test.")
PRODUCTION = SELLSAFE_ENV == "production"


def _dev_secret_file(name: str, make: Any) -> str:
    """Read or create a development-only secret under var/ with 0600 permissions.

    Several processes may start at once on a fresh checkout (web workers, the task worker): the
    secret is written to a private temporary file and linked into place, so exactly one value wins
    and nobody reads a half-written file.
    """
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    path = DATA_DIR / name
    if not path.exists():
        tmp = DATA_DIR / f".{name}.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(make())
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process was first: use its secret
        finally:
            tmp.unlink()
    return path.read_text().strip()


if PRODUCTION:
    _missing = [
        name
        for name in ("SELLSAFE_SECRET_KEY", "SELLSAFE_MASTER_KEY", "SELLSAFE_ALLOWED_HOSTS")
        if not env(name)
    ]
    if _missing:
        raise ImproperlyConfigured(
            "Production needs these environment variables: " + ", ".join(_missing) + "."
        )
    if not env_bool("SELLSAFE_HTTPS", True):
        raise ImproperlyConfigured("Production must be served over HTTPS (SELLSAFE_HTTPS=true).")
    SECRET_KEY = env("SELLSAFE_SECRET_KEY")
    SELLSAFE_MASTER_KEY = env("SELLSAFE_MASTER_KEY")
    ALLOWED_HOSTS = env_list("SELLSAFE_ALLOWED_HOSTS")
    DEBUG = False
else:
    SECRET_KEY = env("SELLSAFE_SECRET_KEY") or _dev_secret_file(
        "secret.key", lambda: secrets.token_urlsafe(50)
    )
    # The development master key lives in a file so data stays readable across restarts.
    SELLSAFE_MASTER_KEY = env("SELLSAFE_MASTER_KEY") or _dev_secret_file(
        "master.key", lambda: base64.b64encode(secrets.token_bytes(32)).decode()
    )
    ALLOWED_HOSTS = env_list("SELLSAFE_ALLOWED_HOSTS") or ["127.0.0.1", "localhost", "testserver"]
    DEBUG = env_bool("SELLSAFE_DEBUG", False)

HTTPS = PRODUCTION or env_bool("SELLSAFE_HTTPS", False)
# Absolute links in email (sent from the task worker, where there is no request to ask). In
# development this is localhost, not 127.0.0.1: passkeys need a domain name, not an IP address.
SELLSAFE_BASE_URL = env("SELLSAFE_BASE_URL") or (
    f"https://{ALLOWED_HOSTS[0]}" if PRODUCTION else f"http://localhost:{env('PORT', '8000')}"
)

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_tasks_db",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "sellsafe.core",
    "sellsafe.audit",
    "sellsafe.shops",
    "sellsafe.catalog",
    "sellsafe.inventory",
    "sellsafe.notifications",
    "sellsafe.customers",
    "sellsafe.orders",
    "sellsafe.accounts",
    "sellsafe.console",
    "sellsafe.storefront",
    "sellsafe.demo",
]
SELLSAFE_ADMIN_ENABLED = env_bool("SELLSAFE_ADMIN_ENABLED", False)
if SELLSAFE_ADMIN_ENABLED:
    INSTALLED_APPS.insert(0, "django.contrib.admin")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "sellsafe.core.middleware.RequestContextMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "sellsafe.accounts.middleware.ThrottledUserSessionsMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "sellsafe.accounts.middleware.SessionTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "sellsafe.accounts.middleware.RequireSecondFactorMiddleware",
    "sellsafe.core.middleware.NoStoreMiddleware",
]

ROOT_URLCONF = "sellsafe.urls"
WSGI_APPLICATION = "sellsafe.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "sellsafe.console.context_processors.console",
                "sellsafe.console.shop_context.shop_switcher",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------------------------------
DATABASE_URL = env("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # The hot paths' statements (core.statements) are prepared after 5 runs on a connection;
        # off for a pooler that cannot keep them (PgBouncer in transaction mode before 1.21).
        DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = (
            5 if env_bool("SELLSAFE_DB_PREPARED_STATEMENTS", True) else None
        )
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "sellsafe.sqlite3"),
            # IMMEDIATE + busy timeout: writers queue instead of failing (PERFORMANCE-NOTES.md).
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, rate limits and tasks --------------------------------------------------------------------
REDIS_URL = env("REDIS_URL")
# RQ settings always exist so `sellsafe rqworker` and the backend tests work; used when REDIS_URL is set.
RQ_QUEUES = {"default": {"URL": REDIS_URL or "redis://127.0.0.1:6379/0", "DEFAULT_TIMEOUT": 300}}
INSTALLED_APPS += ["django_rq"]
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("SELLSAFE_CACHE_PREFIX", "sellsafe"),
        }
    }
    TASKS = {"default": {"BACKEND": "sellsafe.core.task_queue.RQBackend", "QUEUES": ["default"]}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "sellsafe_cache",
        }
    }
    TASKS = {"default": {"BACKEND": "sellsafe.core.task_queue.DatabaseBackend"}}

if SELLSAFE_ENV == "test":
    # Tasks run in-process so a test sees their effect; tests of the worker backends (database
    # and RQ) switch TASKS back explicitly.
    TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}

# --- Authentication -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "sellsafe.accounts.hashers.SellsafeArgon2PasswordHasher",
    # Kept only so that old PBKDF2 hashes can be verified once and upgraded to Argon2id.
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# Argon2id cost (see accounts/hashers.py and docs/security.md). The test profile uses the lowest
# cost Argon2 accepts so the suite stays fast; it still exercises the real hasher.
SELLSAFE_ARGON2_TIME_COST = env_int("SELLSAFE_ARGON2_TIME_COST", 1)
SELLSAFE_ARGON2_MEMORY_KIB = env_int(
    "SELLSAFE_ARGON2_MEMORY_KIB", 1024 if SELLSAFE_ENV == "test" else 47104
)
SELLSAFE_ARGON2_PARALLELISM = env_int("SELLSAFE_ARGON2_PARALLELISM", 1)
SELLSAFE_PASSWORD_MIN_LENGTH = 15
SELLSAFE_PASSWORD_MAX_LENGTH = 256
SELLSAFE_BREACHED_PASSWORDS_FILE = env("SELLSAFE_BREACHED_PASSWORDS_FILE")
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "sellsafe.accounts.passwords.LengthValidator"},
    {"NAME": "sellsafe.accounts.passwords.BlocklistValidator"},
    {"NAME": "sellsafe.accounts.passwords.ContextWordsValidator"},
    {"NAME": "sellsafe.accounts.passwords.StrengthValidator"},
    {"NAME": "sellsafe.accounts.passwords.BreachedPasswordValidator"},
]

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "console:home"
ACCOUNT_ADAPTER = "sellsafe.accounts.adapters.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
# Codes rather than links: the code is typed into the session that asked for it, and allauth only
# lets an account with a second factor change its email when verification is by code.
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = True
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_PASSWORD_INPUT_RENDER_VALUE = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Sellsafe] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if HTTPS else "http"
ACCOUNT_SIGNUP_FORM_CLASS = "sellsafe.accounts.forms.SignupForm"
# Cool-off rather than permanent lockout: at most 5 failures per account per 5 minutes, so even a
# patient attacker gets at most ~1,440 guesses a day and the owner is never locked out for good.
_RESET_RATE = "10/m/ip,3/m/key"
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "10/m/ip",
    "reset_password": _RESET_RATE,
    "reauthenticate": "10/m/user",
}
MFA_ADAPTER = "sellsafe.accounts.adapters.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = not HTTPS
MFA_TOTP_ISSUER = env("SELLSAFE_TOTP_ISSUER", "Sellsafe")
MFA_RECOVERY_CODES_SHOW_ONCE = True
MFA_RATE_LIMITS = {"authenticate": "5/m/user,20/m/ip", "reauthenticate": "10/m/user"}
USERSESSIONS_TRACK_ACTIVITY = True
USERSESSIONS_ADAPTER = "sellsafe.accounts.adapters.UserSessionsAdapter"
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("SELLSAFE_TRUSTED_PROXY_COUNT", 0)

# Every account must have a second factor before it can use the console. Only a developer working
# locally may switch this off; production ignores the variable.
SELLSAFE_REQUIRE_MFA = True if PRODUCTION else env_bool("SELLSAFE_REQUIRE_MFA", True)

# --- Audit log ---------------------------------------------------------------------------------------
# Events older than this are removed by `sellsafe audit prune` (a signed checkpoint keeps the chain
# verifiable). Two years by default: long enough for most disputes and tax questions.
SELLSAFE_AUDIT_RETENTION_DAYS = env_int("SELLSAFE_AUDIT_RETENTION_DAYS", 730)

# --- Sessions -------------------------------------------------------------------------------------
SESSION_ENGINE = "sellsafe.core.sessions"
SELLSAFE_SESSION_IDLE_SECONDS = env_int("SELLSAFE_SESSION_IDLE_MINUTES", 30) * 60
SELLSAFE_SESSION_ABSOLUTE_SECONDS = env_int("SELLSAFE_SESSION_ABSOLUTE_HOURS", 12) * 3600
SESSION_COOKIE_AGE = SELLSAFE_SESSION_ABSOLUTE_SECONDS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
if HTTPS:
    # __Host- cookies must be Secure, host-only and path=/: no subdomain can set or read them.
    SESSION_COOKIE_NAME = "__Host-sellsafe_session"
    CSRF_COOKIE_NAME = "__Host-sellsafe_csrf"
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SELLSAFE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SELLSAFE_HSTS_SECONDS", 63072000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SELLSAFE_HSTS_PRELOAD", False)
    if not SECURE_HSTS_PRELOAD:
        # Preloading commits the domain and every subdomain to HTTPS for months: the operator's call.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
    SECURE_PROXY_SSL_HEADER = (
        ("HTTP_X_FORWARDED_PROTO", "https") if ALLAUTH_TRUSTED_PROXY_COUNT else None
    )
    SELLSAFE_DEVICE_COOKIE = "__Host-sellsafe_device"
    # The storefront's per-shop cookie (storefront.state) has a path, which __Host- forbids.
    SELLSAFE_STORE_COOKIE = "__Secure-sellsafe_store"
else:
    SESSION_COOKIE_NAME = "sellsafe_session"
    CSRF_COOKIE_NAME = "sellsafe_csrf"
    SELLSAFE_DEVICE_COOKIE = "sellsafe_device"
    SELLSAFE_STORE_COOKIE = "sellsafe_store"
CSRF_TRUSTED_ORIGINS = env_list("SELLSAFE_CSRF_TRUSTED_ORIGINS")

# --- Security headers -----------------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# --- Email -------------------------------------------------------------------------------------------
DEFAULT_FROM_EMAIL = env("SELLSAFE_FROM_EMAIL", "Sellsafe <no-reply@sellsafe.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
SELLSAFE_MAIL_DIR = DATA_DIR / "mail"
if env("SELLSAFE_SMTP_HOST"):
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": env("SELLSAFE_SMTP_HOST"),
                "port": env_int("SELLSAFE_SMTP_PORT", 587),
                "username": env("SELLSAFE_SMTP_USER"),
                "password": env("SELLSAFE_SMTP_PASSWORD"),
                "use_tls": env_bool("SELLSAFE_SMTP_STARTTLS", True),
                "use_ssl": env_bool("SELLSAFE_SMTP_SSL", False),
                "timeout": 20,
            },
        }
    }
elif PRODUCTION:
    raise ImproperlyConfigured("Production needs SELLSAFE_SMTP_HOST to send security emails.")
else:
    # Development: mail is written to files and readable at /dev/mailbox/.
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(SELLSAFE_MAIL_DIR)},
        }
    }
SELLSAFE_DEV_MAILBOX = not PRODUCTION

# --- Static files, i18n ---------------------------------------------------------------------------
# Uploaded product images. Served only through the console's checked views, never as a public
# directory: there is deliberately no MEDIA_URL route.
MEDIA_ROOT = DATA_DIR / "media"
SELLSAFE_IMAGE_MAX_BYTES = env_int("SELLSAFE_IMAGE_MAX_MB", 10) * 1024 * 1024
SELLSAFE_IMAGE_MAX_PIXELS = 40_000_000
FILE_UPLOAD_PERMISSIONS = 0o640
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o750
DATA_UPLOAD_MAX_NUMBER_FILES = 5
# DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) covers form fields only; the image size limit is enforced by
# the upload view and its upload handler. Cap the request body at the proxy too (docs/deploy.md).
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise expects it; files come from finders
LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Logging: never secrets, never personal data ----------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "sellsafe.core.logging.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env("SELLSAFE_LOG_LEVEL", "INFO")},
    "loggers": {
        # Django logs the full request on 4xx/5xx; the request id is enough to find it.
        "django.request": {"level": "ERROR"},
        "django.security.DisallowedHost": {"level": "ERROR"},
    },
}
