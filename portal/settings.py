"""Settings of the portal, read from the environment (see README, "Configuration").

One module for every place the portal runs; tests only override what they must in
portal/settings_test.py. A bad value stops the process with a message naming the variable.
"""

import base64
import hashlib
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from portal.env import (
    database_config,
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_parsed,
    env_path,
    env_str,
    parse_master_keys,
)

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = env_str("DJANGO_SECRET_KEY", "insecure-development-key-only-for-debug" if DEBUG else None)
if SECRET_KEY is None:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off.")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else None)
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

# Where the portal keeps what is not in the database: the embedded database of the demo,
# uploaded documents (never under the web root), the server-less broker's folders.
DATA_DIR = env_path("PORTAL_DATA_DIR", BASE_DIR / "var")
PROTECTED_MEDIA_ROOT = DATA_DIR / "protected"
DATA_DIR.mkdir(parents=True, exist_ok=True)
# Encrypted backup sets (seed 004 第19条 分散保管; docs/backup.md): another disk or a mount of another
# server, never inside DATA_DIR (the backup command refuses that).
PORTAL_BACKUP_DIR = env_path("PORTAL_BACKUP_DIR", BASE_DIR / "backups")
# Days a backup set is kept; `prune_backups` deletes older sets, and the 消去証明 names the day by which
# copies of disposed data are gone from the backups (seed 004 第10条・第19条; docs/backup.md).
PORTAL_BACKUP_RETENTION_DAYS = env_int("PORTAL_BACKUP_RETENTION_DAYS", 90, minimum=1)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "guardian",
    "simple_history",
    "django_filters",
    "portal",
    "portal.accounts",
    "portal.audit",
    "portal.disposal",
    "files_registry",
    "proposals",
    "contracts",
    "portal.compliance",
    "anonymizer",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "portal.audit.middleware.RequestContextMiddleware",  # who changed what from where (第12条)
    "portal.audit.middleware.AccessRefusalMiddleware",
    "portal.audit.middleware.SuperuserActionMiddleware",  # seed 004 第14条: every superuser request recorded
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "portal.urls"
# Form widgets and fields render from templates/ first (templates/django/forms/field.html).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"
WSGI_APPLICATION = "portal.wsgi.application"

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
                "django.template.context_processors.csp",
                "portal.context_processors.agency",
            ],
        },
    },
]

DATABASES = {
    "default": env_parsed("DATABASE_URL", database_config, f"sqlite:///{DATA_DIR / 'portal.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "mypage:dashboard"
PASSWORD_RESET_TIMEOUT = 60 * 60  # a reset link works for one hour
GUARDIAN_RAISE_403 = False
ANONYMOUS_USER_NAME = None  # guardian: no anonymous object permissions
# Change history is read-only: a change goes through the change form and its services (their rules and
# records), never by reverting to an old version from the history page.
SIMPLE_HISTORY_REVERT_DISABLED = True

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", "日本語")]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
# Japanese for the libraries that ship none (django-simple-history's history pages, django-axes): locale/ja.
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_TZ = True

STATIC_URL = "static/"
# The image collects static files at build time into a folder of its own (Dockerfile), outside the
# data volume, which would otherwise hide them behind the files of an older image.
STATIC_ROOT = env_path("PORTAL_STATIC_ROOT", DATA_DIR / "static")
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = PROTECTED_MEDIA_ROOT  # nothing uploaded is ever served by the web server directly
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# Larger uploads are spooled to a plaintext temporary file (seed 004 第17条): in a private folder of the
# data dir rather than the system's /tmp, removed after the request, and swept at web and worker start of
# files older than the longest an upload may take (portal/upload_temp.py).
FILE_UPLOAD_TEMP_DIR = str(DATA_DIR / "tmp" / "uploads")
Path(FILE_UPLOAD_TEMP_DIR).mkdir(mode=0o700, parents=True, exist_ok=True)
UPLOAD_TEMP_MAX_AGE_SECONDS = env_int("UPLOAD_TEMP_MAX_AGE_SECONDS", 6 * 60 * 60, minimum=60)
# Master keys that wrap each file's data key (seed 004 第18条; portal/crypto.py): "id:base64,id:base64",
# the first one current; older ones stay until `rotate_master_key` has re-wrapped every data key and the
# backup sets they wrapped have expired (retiring a key crypto-erases those sets; docs/backup.md).
_DEBUG_MASTER_KEYS = "debug:" + base64.b64encode(hashlib.sha256(b"debug-only-master-key").digest()).decode()
PORTAL_MASTER_KEYS = (
    env_parsed("PORTAL_MASTER_KEYS", parse_master_keys, _DEBUG_MASTER_KEYS)
    if DEBUG
    else env_parsed("PORTAL_MASTER_KEYS", parse_master_keys)
)

# The register import reads whole files; anything larger is refused with a message.
REGISTER_IMPORT_MAX_BYTES = env_int("REGISTER_IMPORT_MAX_BYTES", 10 * 1024 * 1024, minimum=1024)
# Source files of register entries (files_registry/sources.py) are streamed, encrypted; larger ones are refused.
SOURCE_FILE_MAX_BYTES = env_int("SOURCE_FILE_MAX_BYTES", 2 * 1024 * 1024 * 1024, minimum=1024)

# --- Security (seed 004 第21条; the secure defaults are off only for a DEBUG run on http) ---
HTTPS = env_bool("PORTAL_HTTPS", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 60 * 60, minimum=60)
if HTTPS:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 63072000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # The __Host- prefix pins a cookie to this host, path / and https.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

# --- E-mail (each message is a template; the mailer is configured here) ---
_SMTP = "django.core.mail.backends.smtp.EmailBackend"
_EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend" if DEBUG else _SMTP)
_EMAIL_OPTIONS: dict = {}
if _EMAIL_BACKEND == _SMTP:
    _EMAIL_OPTIONS = {
        "host": env_str("EMAIL_HOST", "localhost"),
        "port": env_int("EMAIL_PORT", 25, minimum=1),
        "username": env_str("EMAIL_HOST_USER", ""),
        "password": env_str("EMAIL_HOST_PASSWORD", ""),
        "use_tls": env_bool("EMAIL_USE_TLS", False),
    }
MAILERS = {"default": {"BACKEND": _EMAIL_BACKEND, "OPTIONS": _EMAIL_OPTIONS}}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "noreply@example.go.jp")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery: Redis in production; a server-less broker on the local disk otherwise ---
# (The host part means nothing to the file-system transport; without one kombu warns at every connection.)
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL or "filesystem://localhost/")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = DATA_DIR / "broker"
    for _folder in ("queue", "processed", "control"):
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # kombu's default control folder is ./control, i.e. wherever the worker was started
        "control_folder": str(_broker_dir / "control"),
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
    }
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", REDIS_URL or f"file://{DATA_DIR / 'results'}")
if CELERY_RESULT_BACKEND.startswith("file://"):
    Path(CELERY_RESULT_BACKEND.removeprefix("file://")).mkdir(parents=True, exist_ok=True)
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
# A request that queues a job after commit must not wait on a broker that is down: fail fast,
# the outbox keeps the job (portal/notifications.py) and the relay publishes it later.
CELERY_TASK_PUBLISH_RETRY = False
# max_retries etc. govern a publisher's connection attempts only (workers reconnect under
# broker_connection_retry): one quick retry, then the outbox takes over.
REDIS_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 1,
    "socket_timeout": 5,
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    CELERY_BROKER_TRANSPORT_OPTIONS = REDIS_BROKER_TRANSPORT_OPTIONS
CELERY_BEAT_SCHEDULE: dict = {
    "portal.outbox_relay": {"task": "portal.outbox_relay", "schedule": 60.0},
    # Contracts past their period of use end (法115 contracts; idempotent).
    "contracts.expire_contracts": {"task": "contracts.expire_contracts", "schedule": 24 * 60 * 60.0},
}

# --- The anonymizer's jobs (anonymizer/services.py; docs/anonymizer.md) ---
# Plaintext copies of a source file exist only here while a job runs (seed 004 第17条): a private folder
# per attempt, removed when it ends and swept at worker start. Keep it on encrypted local disk.
ANONYMIZER_WORK_DIR = env_path("ANONYMIZER_WORK_DIR", DATA_DIR / "work")
# A running attempt renews its lease every ANONYMIZER_HEARTBEAT_SECONDS; when a worker dies its lease
# runs out and the job is started again (beat: anonymizer.resume_dataset_jobs).
ANONYMIZER_JOB_LEASE_SECONDS = env_int("ANONYMIZER_JOB_LEASE_SECONDS", 300, minimum=2)
ANONYMIZER_HEARTBEAT_SECONDS = env_int("ANONYMIZER_HEARTBEAT_SECONDS", 5, minimum=0)
if ANONYMIZER_HEARTBEAT_SECONDS * 3 > ANONYMIZER_JOB_LEASE_SECONDS:
    raise ImproperlyConfigured("ANONYMIZER_JOB_LEASE_SECONDS must be at least 3 × ANONYMIZER_HEARTBEAT_SECONDS.")
# Rows read at a time (0: the whole file at once); bounds memory for files larger than it.
ANONYMIZER_CHUNK_ROWS = env_int("ANONYMIZER_CHUNK_ROWS", 1_000_000, minimum=0)
# Raw values a chunked run keeps in memory between its two passes; beyond this they wait on disk in the
# attempt's work folder (issue 5: files larger than memory).
ANONYMIZER_HOLD_MB = env_int("ANONYMIZER_HOLD_MB", 1024, minimum=0)
# 法118: how long the register invites proposals on a created dataset (from its creation).
ANONYMIZER_PROPOSAL_PERIOD_DAYS = env_int("ANONYMIZER_PROPOSAL_PERIOD_DAYS", 365, minimum=30)
# Delivery links on /mypage/ stay valid this long (seconds).
ANONYMIZER_DELIVERY_LINK_SECONDS = env_int("ANONYMIZER_DELIVERY_LINK_SECONDS", 600, minimum=30)
CELERY_BEAT_SCHEDULE["anonymizer.resume_dataset_jobs"] = {"task": "anonymizer.resume_dataset_jobs", "schedule": 60.0}
CELERY_BEAT_SCHEDULE["anonymizer.sweep_work"] = {"task": "anonymizer.sweep_work", "schedule": 24 * 60 * 60.0}

# --- The agency that runs this portal (shown on every page and on official documents) ---
AGENCY_NAME = env_str("PORTAL_AGENCY_NAME", "デジタル行政推進省")
AGENCY_HEAD_TITLE = env_str("PORTAL_AGENCY_HEAD_TITLE", "デジタル行政推進大臣")
PORTAL_TITLE = env_str("PORTAL_TITLE", "行政機関等匿名加工情報 提案ポータル")

LOG_LEVEL = env_choice("LOG_LEVEL", ("DEBUG", "INFO", "WARNING", "ERROR"), "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# --- Access records (portal.audit) ---
# Seed 004 第12条 (recorded, kept, analysed, protected) and 第13条 (large downloads); docs/access-records.md.
# Proxies in front of the portal that append to X-Forwarded-For; 0: the client is REMOTE_ADDR.
AUDIT_TRUSTED_PROXY_COUNT = env_int("AUDIT_TRUSTED_PROXY_COUNT", 0, minimum=0)
# The chain head is appended here (production: an append-only or WORM mount) and, if set, sent to
# syslog ("/dev/log" or "host:514", UDP, facility authpriv).
AUDIT_HEAD_EXPORT_DIR = env_path("AUDIT_HEAD_EXPORT_DIR", DATA_DIR / "audit" / "heads")
AUDIT_HEAD_SYSLOG_ADDRESS = env_str("AUDIT_HEAD_SYSLOG_ADDRESS", "")
if AUDIT_HEAD_SYSLOG_ADDRESS and not AUDIT_HEAD_SYSLOG_ADDRESS.startswith("/"):
    _host, _, _port = AUDIT_HEAD_SYSLOG_ADDRESS.rpartition(":")
    if not (_host and _port.isdigit() and 0 < int(_port) < 65536):
        raise ImproperlyConfigured("AUDIT_HEAD_SYSLOG_ADDRESS must be a socket path or host:port.")
AUDIT_HEAD_EXPORT_MINUTES = env_int("AUDIT_HEAD_EXPORT_MINUTES", 10, minimum=1)
# 第12条 leaves the period to the agency: 5 years by default (see the docs); never less than one year.
AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", 1827, minimum=366)
AUDIT_ARCHIVE_DIR = env_path("AUDIT_ARCHIVE_DIR", DATA_DIR / "audit" / "archive")
# Analysis: business hours in Japan time [start, end), and "more than N" thresholds.
AUDIT_BUSINESS_HOURS_START = env_int("AUDIT_BUSINESS_HOURS_START", 8, minimum=0)
AUDIT_BUSINESS_HOURS_END = env_int("AUDIT_BUSINESS_HOURS_END", 20, minimum=1)
if not AUDIT_BUSINESS_HOURS_START < AUDIT_BUSINESS_HOURS_END <= 24:
    raise ImproperlyConfigured("AUDIT_BUSINESS_HOURS_START must be before AUDIT_BUSINESS_HOURS_END (at most 24).")
AUDIT_ALERT_BULK_PER_HOUR = env_int("AUDIT_ALERT_BULK_PER_HOUR", 300, minimum=1)
AUDIT_ALERT_REFUSALS_PER_DAY = env_int("AUDIT_ALERT_REFUSALS_PER_DAY", 5, minimum=1)
AUDIT_ALERT_FAILED_SIGN_INS_PER_DAY = env_int("AUDIT_ALERT_FAILED_SIGN_INS_PER_DAY", 5, minimum=1)
# 第13条: a user's downloads per Japan-time day above these raise one alert; 0 switches a measure off.
AUDIT_DOWNLOAD_ALERT_ROWS = env_int("AUDIT_DOWNLOAD_ALERT_ROWS", 100_000, minimum=0)
AUDIT_DOWNLOAD_ALERT_BYTES = env_int("AUDIT_DOWNLOAD_ALERT_BYTES", 500 * 1024 * 1024, minimum=0)
if not (AUDIT_DOWNLOAD_ALERT_ROWS or AUDIT_DOWNLOAD_ALERT_BYTES):
    raise ImproperlyConfigured("AUDIT_DOWNLOAD_ALERT_ROWS and AUDIT_DOWNLOAD_ALERT_BYTES cannot both be 0 (第13条).")
CELERY_BEAT_SCHEDULE["audit.export_chain_head"] = {
    "task": "audit.export_chain_head",
    "schedule": AUDIT_HEAD_EXPORT_MINUTES * 60.0,
}
CELERY_BEAT_SCHEDULE["audit.analyse_access_records"] = {"task": "audit.analyse_access_records", "schedule": 3600.0}
CELERY_BEAT_SCHEDULE["audit.verify_access_records"] = {"task": "audit.verify_access_records", "schedule": 86400.0}
# The archive purges records, which only the archiver database role may do: its task goes to a queue of its
# own, consumed by a worker connected as that role (docker-compose.yml `archiver`; docs/access-records.md).
AUDIT_ARCHIVE_QUEUE = "audit_archive"
CELERY_TASK_ROUTES = {"audit.archive_access_records": {"queue": AUDIT_ARCHIVE_QUEUE}}
CELERY_BEAT_SCHEDULE["audit.archive_access_records"] = {"task": "audit.archive_access_records", "schedule": 86400.0}

# --- Authentication and sessions (portal.security) ---
# Seed 004 第11条 (認証機能: TOTP second factor for staff, lockout, password rules), 第14条 (the admin's
# privileges need the second factor) and 第21条 (timeouts, sign-out ends every session); docs/security.md.
INSTALLED_APPS[INSTALLED_APPS.index("django.contrib.admin")] = "portal.security.apps.SecureAdminConfig"
INSTALLED_APPS += [
    "django_otp",
    "django_otp.plugins.otp_totp",
    "portal.security.apps.AxesConfig",
    "portal.security.apps.SecurityConfig",
]
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "django_otp.middleware.OTPMiddleware",
)
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.messages.middleware.MessageMiddleware") + 1,
    "portal.security.middleware.SessionTimeoutMiddleware",
)
MIDDLEWARE.insert(
    MIDDLEWARE.index("portal.security.middleware.SessionTimeoutMiddleware") + 1,
    "portal.security.middleware.NoStoreMiddleware",
)
MIDDLEWARE.append("axes.middleware.AxesMiddleware")  # turns a lockout into the Japanese locked page
# AxesStandaloneBackend first: it refuses a locked-out account or address before any password check.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", *AUTHENTICATION_BACKENDS]
# Lockout (django-axes): N failures lock the user name and, separately, the address for the cool-off.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_MINUTES = env_int("AXES_COOLOFF_MINUTES", 30, minimum=1)
AXES_COOLOFF_TIME = AXES_COOLOFF_MINUTES / 60  # hours
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "security/locked.html"
AXES_CLIENT_IP_CALLABLE = "portal.security.axes.axes_client_ip"
AXES_DISABLE_ACCESS_LOG = True  # sign-ins are already access records (portal.audit)
AXES_VERBOSE = False
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "password", "otp_token"]
# Passwords: a breached-password mirror where operations provide one (portal/security/passwords.py).
PASSWORD_BREACHED_HASHES_DIR = env_str("PASSWORD_BREACHED_HASHES_DIR", "")
if PASSWORD_BREACHED_HASHES_DIR:
    AUTH_PASSWORD_VALIDATORS.append(
        {
            "NAME": "portal.security.passwords.BreachedPasswordValidator",
            "OPTIONS": {"hashes_dir": PASSWORD_BREACHED_HASHES_DIR},
        }
    )
# Sessions: idle timeouts (staff shorter) and an absolute one counted from sign-in, in seconds.
SECURITY_STAFF_IDLE_TIMEOUT = env_int("SECURITY_STAFF_IDLE_TIMEOUT", 30 * 60, minimum=60)
SECURITY_IDLE_TIMEOUT = env_int("SECURITY_IDLE_TIMEOUT", 2 * 60 * 60, minimum=60)
SECURITY_ABSOLUTE_TIMEOUT = env_int("SECURITY_ABSOLUTE_TIMEOUT", SESSION_COOKIE_AGE, minimum=60)
SESSION_COOKIE_AGE = max(SESSION_COOKIE_AGE, SECURITY_ABSOLUTE_TIMEOUT)
SECURITY_NO_STORE_PREFIXES = ["/admin/", "/mypage/", "/accounts/", "/security/"]
# django-otp: the issuer shown in the authenticator app; codes may be one step (30 s) late.
OTP_TOTP_ISSUER = PORTAL_TITLE
OTP_TOTP_TOLERANCE = 1
LOGGING["loggers"]["axes"] = {"level": "WARNING"}  # each sign-in is an access record already
