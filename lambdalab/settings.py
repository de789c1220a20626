"""LambdaLab settings: one module, driven by environment variables (see .env.example)."""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from dotenv import load_dotenv

from lambdalab.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
# A local .env (made from .env.example by `make`) fills in what the real environment leaves unset.
load_dotenv(BASE_DIR / ".env", override=False)
VAR_DIR = Path(env_str("LAMBDALAB_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is false.")
    SECRET_KEY = "django-insecure-lambdalab-development-key-do-not-use-in-production"  # noqa: S105
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "lambdalab.core",
    "lambdalab.accounts",
    "lambdalab.catalog",
    "lambdalab.submissions",
    "lambdalab.progress",
    "lambdalab.courses",
    "lambdalab.authoring",
    "lambdalab.cloud",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "lambdalab.urls"
WSGI_APPLICATION = "lambdalab.wsgi.application"

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
            ],
        },
    },
]

# Database: SQLite under var/ unless DATABASE_URL says otherwise.
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    # Connections live a minute (workers included, see celery.py) and are pinged before reuse, so
    # a restarted database costs no request or job.
    DATABASES = {
        "default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)
    }
    # Test runs may name their own database, so parallel runs on one server never collide.
    if env_str("TEST_DATABASE_NAME"):
        DATABASES["default"]["TEST"] = {"NAME": env_str("TEST_DATABASE_NAME")}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "lambdalab.sqlite3",
            # WAL and IMMEDIATE transactions keep the web and the worker from tripping over locks.
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL;",
                "timeout": 20,
            },
            # A file, not memory, so worker processes started by tests see the test database.
            "TEST": {"NAME": VAR_DIR / "test.sqlite3"},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Code may be up to 3 MB (the Lambda console's limit); a form post carries it with room to spare,
# so an oversize upload gets LambdaLab's own message rather than Django's 400.
DATA_UPLOAD_MAX_MEMORY_SIZE = 8 * 1024 * 1024

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "staticfiles")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# Email: printed to the console unless an SMTP server is configured.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "LambdaLab <noreply@lambdalab.local>")

# Production hardening, on unless DEBUG.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Celery: Redis when REDIS_URL is set, else a file-based broker under var/ that needs no server.
REDIS_URL = env_str("REDIS_URL")
BROKER_DIR = VAR_DIR / "broker"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env_int("BROKER_VISIBILITY_TIMEOUT", 600)
    }
else:
    CELERY_BROKER_URL = "safefs://localhost/"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "control_folder": str(BROKER_DIR / "control"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "store_processed": False,
        "polling_interval": 0.1,
    }
    for sub in ("queue", "control", "processed"):
        (BROKER_DIR / sub).mkdir(parents=True, exist_ok=True)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 960)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 1000)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Queues are named for what they carry, so a class-wide regrade never delays a Test click.
CELERY_TASK_DEFAULT_QUEUE = "interactive"
CELERY_TASK_QUEUES_NAMES = ["interactive", "graded", "batch", "deploy"]

CELERY_BEAT_SCHEDULE = {
    "reap-stuck-jobs": {
        "task": "submissions.reap_stuck_jobs",
        "schedule": float(env_int("JOBS_REAP_INTERVAL_SECONDS", 30)),
        "options": {"queue": "interactive", "expires": 60},
    },
}

# Jobs: fairness and back-pressure, and how the reaper decides that work is stuck.
JOBS_IN_FLIGHT_PER_LEARNER = env_int("JOBS_IN_FLIGHT_PER_LEARNER", 3)
SUBMISSIONS_PER_MINUTE = env_int("SUBMISSIONS_PER_MINUTE", 6)
JOBS_QUEUE_BOUND = env_int("JOBS_QUEUE_BOUND", 2000)
JOBS_QUEUED_STALE_SECONDS = env_int("JOBS_QUEUED_STALE_SECONDS", 120)
JOBS_RUNNING_GRACE_SECONDS = env_int("JOBS_RUNNING_GRACE_SECONDS", 60)
JOBS_MAX_DELIVERIES = env_int("JOBS_MAX_DELIVERIES", 4)

# Sandbox
SANDBOX_IDLE_EXPIRY_SECONDS = env_int("SANDBOX_IDLE_EXPIRY_SECONDS", 300)
SANDBOX_SLOTS = env_int("SANDBOX_SLOTS", 0)  # 0: one slot per CPU core

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Cloud: deploying learners' handlers to their own AWS sandbox accounts (lambdalab.cloud).
CLOUD_AWS_ACCESS_KEY_ID = env_str("CLOUD_AWS_ACCESS_KEY_ID")
CLOUD_AWS_SECRET_ACCESS_KEY = env_str("CLOUD_AWS_SECRET_ACCESS_KEY")
CLOUD_AWS_ENDPOINT_URL = env_str("CLOUD_AWS_ENDPOINT_URL")
CLOUD_TRUST_PRINCIPAL_ARN = env_str("CLOUD_TRUST_PRINCIPAL_ARN")
CLOUD_ENCRYPTION_KEY = env_str("CLOUD_ENCRYPTION_KEY")
CLOUD_REGIONS = env_list("CLOUD_REGIONS", "us-east-1,us-west-2,eu-west-1,eu-central-1")
CLOUD_MAX_MEMORY_MB = env_int("CLOUD_MAX_MEMORY_MB", 1024)
CLOUD_MAX_TIMEOUT_SECONDS = env_int("CLOUD_MAX_TIMEOUT_SECONDS", 30)
CLOUD_DEPLOYS_PER_HOUR = env_int("CLOUD_DEPLOYS_PER_HOUR", 20)
CLOUD_INVOKES_PER_MINUTE = env_int("CLOUD_INVOKES_PER_MINUTE", 10)
CLOUD_THROTTLE_RETRIES = env_int("CLOUD_THROTTLE_RETRIES", 5)
CLOUD_JOB_RUNNING_LIMIT_SECONDS = env_int("CLOUD_JOB_RUNNING_LIMIT_SECONDS", 900)
CELERY_BEAT_SCHEDULE["reap-stuck-cloud-jobs"] = {
    "task": "cloud.reap_stuck_jobs",
    "schedule": float(env_int("JOBS_REAP_INTERVAL_SECONDS", 30)),
    "options": {"queue": "deploy", "expires": 60},
}
CELERY_BEAT_SCHEDULE["reap-stuck-regrades"] = {
    "task": "courses.reap_stuck_regrades",
    "schedule": float(env_int("JOBS_REAP_INTERVAL_SECONDS", 30)),
    "options": {"queue": "batch", "expires": 60},
}
