"""Settings for the team dashboard.

Every value comes from the environment (django-environ). With no environment at all the
dashboard runs on a local SQLite file, a local-memory cache and the embedded sandbox upstream,
so a fresh machine needs nothing installed. Secrets that must stay stable across restarts
(``SECRET_KEY``, ``DASHBOARD_ENCRYPTION_KEYS``) are generated once into the ignored ``var/``
folder when the environment does not provide them, except with ``PRODUCTION=true``: there they
and ``UPSTREAM_BASE_URL`` must be set, and the process refuses to start without them.
"""

import os
import sys
from pathlib import Path

import environ
from django.contrib.messages import constants as message_constants
from django.core.exceptions import ImproperlyConfigured

from dashboard.localsecrets import local_secret

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("DASHBOARD_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)
PORT = env.int("PORT", default=8000)
# PRODUCTION=true turns on the secure defaults for serving behind a TLS-terminating proxy (see
# Security below) and makes the values every app server must share mandatory: a secret made up
# by one host would not be known to the others, so sessions and stored keys would break.
PRODUCTION = env.bool("PRODUCTION", default=False)
# Under test the sandbox is always there: the tests point UPSTREAM_BASE_URL at the live
# server's sandbox only once running, whatever the environment said at start-up.
TESTING = "pytest" in sys.modules or sys.argv[1:2] == ["test"]

REQUIRED_IN_PRODUCTION = {
    "SECRET_KEY": (
        "50 or more random characters, e.g. the output of "
        'python -c "import secrets; print(secrets.token_urlsafe(50))"'
    ),
    "DASHBOARD_ENCRYPTION_KEYS": (
        "Fernet keys, newest first, comma separated; a new one is the output of "
        'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
    ),
    "UPSTREAM_BASE_URL": "the upstream API's base URL, e.g. https://flow.seekr.com",
}
# The upstream's address was once named for SeekrFlow alone; that name is still read.
if not os.environ.get("UPSTREAM_BASE_URL", "").strip() and os.environ.get("SEEKR_BASE_URL"):
    os.environ["UPSTREAM_BASE_URL"] = os.environ["SEEKR_BASE_URL"]
_missing = [name for name in REQUIRED_IN_PRODUCTION if not env.str(name, default="").strip(", ")]
if PRODUCTION and _missing:
    raise ImproperlyConfigured(
        "PRODUCTION is on, so these variables must be set, to the same value on every app "
        "server:\n" + "\n".join(f"  {name}: {REQUIRED_IN_PRODUCTION[name]}" for name in _missing)
    )

SECRET_KEY = env.str("SECRET_KEY", default="").strip() or local_secret(
    VAR_DIR / "secret_key", "django"
)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
CSRF_FAILURE_VIEW = "dashboard.views.csrf_failure"  # the product's page, not Django's

# --- Upstream -------------------------------------------------------------------------------
# The shape of the upstream: its headers, error answers and kinds of resources (see
# dashboard/upstream/profiles/). "seekrflow" (the default) or "rungen".
UPSTREAM_PROFILE = env.str("UPSTREAM_PROFILE", default="seekrflow").strip().lower()
# Header names, when the upstream names them otherwise than its profile says (empty: the
# profile's). UPSTREAM_KEY_SCHEME is put before the key ("Bearer"); "-" for none.
UPSTREAM_KEY_HEADER = env.str("UPSTREAM_KEY_HEADER", default="").strip()
UPSTREAM_KEY_SCHEME = env.str("UPSTREAM_KEY_SCHEME", default="").strip()
UPSTREAM_TEAM_HEADER = env.str("UPSTREAM_TEAM_HEADER", default="").strip()
# Where the embedded sandbox answers; each profile's dialect under a path of its own.
LOCAL_SANDBOX_ROOT = f"http://127.0.0.1:{PORT}"
# Empty: the embedded sandbox, in the dialect of UPSTREAM_PROFILE.
UPSTREAM_BASE_URL = env.str("UPSTREAM_BASE_URL", default="").strip().rstrip("/")
# Serve the sandbox at /sandbox/ (see INSTALLED_APPS for its models).
SANDBOX_ENABLED = TESTING or env.bool(
    "SANDBOX_ENABLED",
    default=not UPSTREAM_BASE_URL or UPSTREAM_BASE_URL.startswith(LOCAL_SANDBOX_ROOT + "/"),
)
UPSTREAM_CONNECT_TIMEOUT = env.float("UPSTREAM_CONNECT_TIMEOUT", default=3.05)
UPSTREAM_READ_TIMEOUT = env.float("UPSTREAM_READ_TIMEOUT", default=20.0)
UPSTREAM_UPLOAD_TIMEOUT = env.float("UPSTREAM_UPLOAD_TIMEOUT", default=3600.0)
UPSTREAM_RETRY_AFTER_MAX = env.float("UPSTREAM_RETRY_AFTER_MAX", default=5.0)
UPSTREAM_RETRIES = env.int("UPSTREAM_RETRIES", default=2)
# Certificates to check the upstream's TLS certificate against (a PEM file); empty: certifi's.
UPSTREAM_CA_BUNDLE = env.str("UPSTREAM_CA_BUNDLE", default="").strip()
UPSTREAM_FANOUT_WORKERS = env.int("UPSTREAM_FANOUT_WORKERS", default=16)
# The most one page may make at once when it asks for more than the above: the audit asks for
# every (team, kind) pair at once, so that its calls go out in one wave.
UPSTREAM_PAGE_WORKERS = env.int("UPSTREAM_PAGE_WORKERS", default=100)
# Threads for upstream calls shared by every page of a process: room for one page's widest
# wave and other pages beside it.
UPSTREAM_POOL_SIZE = env.int("UPSTREAM_POOL_SIZE", default=128)
# Audits read ahead at once by one process, each in a thread of its own that works through the
# pool above; past it, an audit page's own request reads what it needs itself.
AUDIT_READ_AHEADS = env.int("AUDIT_READ_AHEADS", default=8)
# Every page's upstream calls together: none waits, nor is retried, past this many seconds.
UPSTREAM_PAGE_DEADLINE = env.float("UPSTREAM_PAGE_DEADLINE", default=15.0)
# How long a whole list read from the upstream is reused for searching, sorting and paging it
# again (0: never). A change the dashboard makes to a team drops its lists at once.
UPSTREAM_LIST_CACHE_SECONDS = env.int("UPSTREAM_LIST_CACHE_SECONDS", default=60)
# The longest JSON answer read (a list page of a thousand items is a few MiB): one said to be
# longer is not read at all, and one that runs on is cut there, so a page of many calls holds
# at most this much per call.
UPSTREAM_MAX_BODY_BYTES = env.int("UPSTREAM_MAX_BODY_BYTES", default=16 * 1024 * 1024)

# Keys used to encrypt stored upstream API keys, newest first (Fernet keys, comma separated).
# Each is checked at start-up by the dashboard.E001 system check (``manage.py check``).
DASHBOARD_ENCRYPTION_KEYS = [
    key.strip() for key in env.list("DASHBOARD_ENCRYPTION_KEYS", default=[]) if key.strip()
] or [local_secret(VAR_DIR / "encryption_key", "fernet")]

# --- Sandbox (the local SeekrFlow-compatible upstream) -----------------------------------
SANDBOX_STORAGE_DIR = Path(env.str("SANDBOX_STORAGE_DIR", default=str(VAR_DIR / "sandbox-files")))
SANDBOX_MAX_UPLOAD_BYTES = env.int("SANDBOX_MAX_UPLOAD_BYTES", default=4 * 1024**3)
SANDBOX_LATENCY_MS = env.int("SANDBOX_LATENCY_MS", default=0)
SANDBOX_FAULTS = env.str("SANDBOX_FAULTS", default="")
SANDBOX_FAULT_SLEEP_S = env.float("SANDBOX_FAULT_SLEEP_S", default=30)
SANDBOX_STREAM_DELAY_MS = env.int("SANDBOX_STREAM_DELAY_MS", default=30)
SANDBOX_JOB_STEP_SECONDS = env.float("SANDBOX_JOB_STEP_SECONDS", default=2.0)
# The headers the SeekrFlow dialect reads the API key ("Bearer " optional in Authorization only)
# and the team from; e.g. X-API-Key and X-Workspace-ID for HSL's shape. RunGen's are fixed.
SANDBOX_KEY_HEADER = env.str("SANDBOX_KEY_HEADER", default="Authorization")
SANDBOX_TEAM_HEADER = env.str("SANDBOX_TEAM_HEADER", default="x-team-id")

# --- Uploads --------------------------------------------------------------------------------
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=4 * 1024**3)
FILE_UPLOAD_TEMP_DIR = env.str("FILE_UPLOAD_TEMP_DIR", default=None)
DATA_UPLOAD_MAX_NUMBER_FILES = env.int("DATA_UPLOAD_MAX_NUMBER_FILES", default=20)
# Each upload holds a worker thread while its body arrives: at most this many per person at once
# (counted in the database, so across processes and app servers), and a body that sends nothing
# for this many seconds is given up.
UPLOAD_MAX_CONCURRENT_PER_USER = env.int("UPLOAD_MAX_CONCURRENT_PER_USER", default=3)
UPLOAD_IDLE_TIMEOUT = env.float("UPLOAD_IDLE_TIMEOUT", default=30.0)

# --- Background jobs ------------------------------------------------------------------------
# Long work (copies between teams, bulk deletes, handovers) runs on django-tasks, in worker
# processes (``manage.py jobs_worker``) that take tasks from the database, so any number of them,
# on any number of hosts, share DATABASE_URL's queue.
TASKS = {
    "default": {
        "BACKEND": env.str("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}
# A running job whose worker has written no heartbeat for this many seconds is interrupted
# (its worker stopped); the worker writes one every quarter of it (at most every 5 s).
JOBS_HEARTBEAT_TIMEOUT = env.float("JOBS_HEARTBEAT_TIMEOUT", default=30.0)

# --- Django ---------------------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "axes",
    "dashboard.accounts",
    "dashboard.teams",
    "dashboard.resources",
    "dashboard.uploads",
    "dashboard.threads",
    "dashboard.audit",
    "dashboard.people",
    "dashboard.ownership",
    "django_tasks",
    "django_tasks_db",
    "dashboard.jobs",
    "dashboard.copying",
]
# In production the sandbox's models (and so its tables) exist only where it is served.
# Elsewhere they stay installed even when another process serves the sandbox, so a script can
# seed it over the shared database.
if SANDBOX_ENABLED or not PRODUCTION:
    INSTALLED_APPS += ["dashboard.sandbox", "dashboard.demo"]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "dashboard.sandbox.middleware.SandboxApiMiddleware",  # not used unless SANDBOX_ENABLED
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "dashboard.middleware.PageMiddleware",
    "axes.middleware.AxesMiddleware",
    "dashboard.teams.middleware.WorkspaceMiddleware",
    "dashboard.middleware.UpstreamErrorMiddleware",
]

ROOT_URLCONF = "dashboard.urls"
WSGI_APPLICATION = "dashboard.wsgi.application"

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
                "dashboard.teams.context_processors.workspace",
                "dashboard.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several threads of one process (the dashboard and the sandbox it calls) share the file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file (not memory) so the live server's threads share it; one per test process.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-db-{os.getpid()}.sqlite3")}
else:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# A thread keeps its connection from one request to the next (gunicorn's threads live on):
# opening one (for SQLite, its pragmas and functions) would cost each request more than its
# queries do.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://dashboard")}
# Whole upstream lists, reused for UPSTREAM_LIST_CACHE_SECONDS (see upstream/listcache.py): the
# lists themselves in "lists", and in "list-changes" the marks that drop them when the dashboard
# changes a team. Every process that changes the upstream (the web servers and the job worker)
# must share "list-changes": the shared cache when there is one, else small files under var/
# (one folder per test process, as with the test database).
CHANGES_FOLDER = VAR_DIR / "cache" / (f"changes-test-{os.getpid()}" if TESTING else "changes")
SHARED_CACHE_URL = env.str("CACHE_URL", default="")
CACHES["lists"] = env.cache("LIST_CACHE_URL", default=SHARED_CACHE_URL or "locmemcache://lists")
CACHES["list-changes"] = env.cache(
    "LIST_CHANGES_CACHE_URL", default=SHARED_CACHE_URL or f"filecache://{CHANGES_FOLDER}"
)
CACHES["list-changes"].setdefault("KEY_PREFIX", "list-changes")
if CACHES["list-changes"]["BACKEND"].endswith("FileBasedCache"):
    # One small file per team changed lately: never culled at Django's default of 300.
    CACHES["list-changes"].setdefault("OPTIONS", {}).setdefault("MAX_ENTRIES", 100_000)
CACHES["lists"].setdefault("KEY_PREFIX", "lists")
SESSION_ENGINE = env.str(
    "SESSION_ENGINE",
    default=(
        "django.contrib.sessions.backends.cache"
        if CACHES["default"]["BACKEND"].endswith("RedisCache")
        else "dashboard.accounts.sessions"  # Django's database sessions, read more cheaply
    ),
)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, each request's user read more cheaply; Django's own after it only
    # for sessions signed in before it (see accounts/backends.py).
    "dashboard.accounts.backends.ModelBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
MEDIA_URL = "media/"  # nothing is served from it; set so no other path is ever read as a file
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise expects it, even before collectstatic
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_BACKEND",
            default="django.contrib.staticfiles.storage.StaticFilesStorage",
        )
    },
}
WHITENOISE_USE_FINDERS = env.bool("WHITENOISE_USE_FINDERS", default=True)

MESSAGE_TAGS = {message_constants.ERROR: "error"}

# --- Security -------------------------------------------------------------------------------
# PRODUCTION=true turns on the secure defaults for serving behind a TLS-terminating proxy;
# each can still be set on its own.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=PRODUCTION)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=PRODUCTION)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=PRODUCTION)
if env.bool("BEHIND_PROXY", default=PRODUCTION):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = env.bool("USE_X_FORWARDED_HOST", default=False)
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The client address axes counts failures against comes from django-ipware. Behind N proxies
# that each append the address they were reached from to X-Forwarded-For (nginx's
# $proxy_add_x_forwarded_for), the client is the Nth address from the right of that header;
# whatever the client wrote further left is its own invention. ipware counts only the proxies
# listed after the client in the header, one fewer than those in front, and non-strict mode
# lets it ignore a client's extra or malformed entries instead of rejecting the whole header.
# Without a proxy the header is not looked at: any client could write any address in it.
PROXY_COUNT = env.int("AXES_PROXY_COUNT", default=1 if PRODUCTION else 0)
if PROXY_COUNT > 0:
    AXES_IPWARE_PROXY_COUNT = PROXY_COUNT - 1
    # Not REMOTE_ADDR: behind the proxy that is the proxy's address, shared by every client.
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR"]
else:
    AXES_IPWARE_PROXY_COUNT = None
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]
AXES_IPWARE_PROXY_ORDER = "left-most"
IPWARE_STRICT = False
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.server": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}
