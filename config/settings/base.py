"""Settings shared by every environment. Values come from the environment (django-environ)."""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="")
ALLOWED_HOSTS: list[str] = env.list("ALLOWED_HOSTS", default=[])

INSTALLED_APPS = [
    # The admin site, closed to staff who have not passed the second step (config/admin_site.py).
    "config.apps.CrisisDeskAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "teams",
    # After teams, whose drf_create_token (no token before two-factor is set up) replaces DRF's.
    "rest_framework.authtoken",
    "incidents",
    "communications",
    "postmortems",
    "drills",
    "desk",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Outside CommonMiddleware, so that it sees the 404 after the slash has been tried.
    "config.middleware.ApiNotFoundMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "config.headers.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The profile's language, before anything answers (the sign-in's second step too).
    "config.middleware.ViewerLanguageMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "config.two_factor.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "config.middleware.ViewerTimezoneMiddleware",
    "config.middleware.UnreadableInputMiddleware",
    # Last, as django-axes asks: turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# What a page may load: only our own scripts, styles, images and fonts (no inline script or
# style anywhere: templates use classes, JS lives in static files). Django's own CSP (6.0+,
# the successor of django-csp) sets the header; the browser tests fail on any violation.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
SECURE_REFERRER_POLICY = "same-origin"
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=(), browsing-topics=()"
)

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "teams.context_processors.unread_notifications",
            ],
            "libraries": {"moments": "config.moments", "said": "config.said"},
        },
    }
]

# Databases: SQLite under var/ unless DATABASE_URL names another (PostgreSQL in production).
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'crisis_desk.sqlite3'}")
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web process and the Celery worker write to the same file: wait for the lock
    # instead of failing, and take it at the start of each transaction.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "teams.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # Refuses a locked-out username and address before the password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Proxies in front of the app that append the client's address to X-Forwarded-For (0: none;
# the connection's peer is the client). The lockout, the API throttles and the password-reset
# limit count by this address.
TRUSTED_PROXIES = env.int("TRUSTED_PROXIES", default=0)
# Login lockout (django-axes; the login page and the admin's): after LOGIN_FAILURE_LIMIT
# failures a username is locked from that address (never for everyone) for
# LOGIN_COOLOFF_MINUTES after the last failure; admins unlock in the admin site.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "config.throttling.client_address"
AXES_LOCKOUT_CALLABLE = "teams.security.lockout.lockout_response"
# Two-factor sign-in (django-otp): who needs it is config.permissions.needs_two_factor.
OTP_LOGIN_URL = "security:verify"
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="Crisis Desk")
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# Password reset requests allowed per address and per email address ("3/hour").
PASSWORD_RESET_RATE_PER_ADDRESS = env("PASSWORD_RESET_RATE_PER_ADDRESS", default="10/hour")
PASSWORD_RESET_RATE_PER_EMAIL = env("PASSWORD_RESET_RATE_PER_EMAIL", default="3/hour")

LANGUAGES = [("en", _("English")), ("tr", _("Turkish"))]
# The site's language: pages for whoever neither chose one nor sends Accept-Language, and the
# words the workers write (escalations, the schedule's lines) and emails to people without one.
LANGUAGE_CODE = env("LANGUAGE_CODE", default="en")
if LANGUAGE_CODE not in dict(LANGUAGES):
    raise ImproperlyConfigured(
        f"LANGUAGE_CODE={LANGUAGE_CODE!r}: Crisis Desk speaks {', '.join(dict(LANGUAGES))}."
    )
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
# Third-party assets are installed from the npm registry (package.json) and served from
# node_modules; project CSS/JS lives in static/.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", BASE_DIR / "node_modules/bootstrap/dist"),
    ("vendor/bootstrap-icons", BASE_DIR / "node_modules/bootstrap-icons/font"),
    ("vendor/htmx", BASE_DIR / "node_modules/htmx.org/dist"),
    ("vendor/chartjs", BASE_DIR / "node_modules/chart.js/dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"


# Mail: printed to the console unless EMAIL_URL names an SMTP server
# (smtp+tls://user:password@host:587).
def mailers_from_url(url: str) -> dict[str, dict[str, object]]:
    if not url:
        return {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
    config = environ.Env.email_url_config(url)
    assert isinstance(config, dict)
    if config["EMAIL_BACKEND"] != "django.core.mail.backends.smtp.EmailBackend":
        # consolemail:// or dummymail:// (mail dropped: the benchmarks measure our own cost).
        return {"default": {"BACKEND": config["EMAIL_BACKEND"]}}
    return {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": config["EMAIL_HOST"],
                "port": config.get("EMAIL_PORT") or None,
                "username": config.get("EMAIL_HOST_USER", ""),
                "password": config.get("EMAIL_HOST_PASSWORD", ""),
                "use_tls": bool(config.get("EMAIL_USE_TLS")),
                "use_ssl": bool(config.get("EMAIL_USE_SSL")),
                "timeout": 10,
            },
        }
    }


MAILERS = mailers_from_url(env("EMAIL_URL", default=""))
# The address people reach Crisis Desk at: links in emails and chat messages start with it.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
# The public statement page (no sign-in): the brand's name on it, the address the public reads
# it at (a CDN or another host in front of /status/; its feed's links start with it), and how
# long a browser or a CDN may keep a copy before asking again (it answers 304 while unchanged).
BRAND_NAME = env("BRAND_NAME", default="")
STATEMENT_PAGE_URL = env("STATEMENT_PAGE_URL", default=f"{SITE_URL}/status").rstrip("/")
STATEMENT_PAGE_MAX_AGE = env.int("STATEMENT_PAGE_MAX_AGE", default=30)
# Email subscribers of the statement page: asks to subscribe allowed per client address and per
# email address, and how long an unconfirmed address is kept before it is deleted.
SUBSCRIBE_RATE_PER_ADDRESS = env("SUBSCRIBE_RATE_PER_ADDRESS", default="10/hour")
SUBSCRIBE_RATE_PER_EMAIL = env("SUBSCRIBE_RATE_PER_EMAIL", default="3/day")
SUBSCRIBER_CONFIRM_HOURS = env.int("SUBSCRIBER_CONFIRM_HOURS", default=48)
# Chat webhooks: seconds to wait for the receiver, and how many times a failed send is retried.
WEBHOOK_TIMEOUT = env.float("WEBHOOK_TIMEOUT", default=5.0)
DELIVERY_MAX_RETRIES = env.int("DELIVERY_MAX_RETRIES", default=5)
# Seconds an attempt holds an email or chat delivery: longer than a task may run (its hard time
# limit is 90 s), so a hold that runs out means its worker is gone and another attempt may send.
DELIVERY_LEASE_SECONDS = env.int("DELIVERY_LEASE_SECONDS", default=120)
# A pending delivery (or a staff briefing's next chunk) whose task has not come this many seconds
# after it was queued, or after its next attempt was due, is queued again by the sweeper.
DELIVERY_REQUEUE_SECONDS = env.int("DELIVERY_REQUEUE_SECONDS", default=120)
# People a staff briefing notifies per task (one chunk, then the next is queued).
STAFF_BRIEFING_CHUNK = env.int("STAFF_BRIEFING_CHUNK", default=250)
# Communications.
# Approvals an outgoing message needs, by incident severity ("1=2,2=1,3=1,4=1").
APPROVALS_REQUIRED = {
    int(severity): int(count)
    for severity, count in env.dict(
        "APPROVALS_REQUIRED", default={"1": "2", "2": "1", "3": "1", "4": "1"}
    ).items()
}
# Fernet keys for social-account credentials; the first encrypts (comma-separated).
CREDENTIALS_KEYS: list[str] = env.list("CREDENTIALS_KEYS", default=[])
CREDENTIALS_ROTATION_DAYS = env.int("CREDENTIALS_ROTATION_DAYS", default=90)
# The X API: where it is (tests and benchmarks point this at a fake), how long to wait.
X_API_BASE_URL = env("X_API_BASE_URL", default="https://api.twitter.com").rstrip("/")
X_API_TIMEOUT = env.float("X_API_TIMEOUT", default=10.0)
PUBLISH_MAX_ATTEMPTS = env.int("PUBLISH_MAX_ATTEMPTS", default=5)
# Seconds an attempt holds a message between two posts: longer than one call to X may take.
# A worker that dies leaves an attempt whose hold runs out; it is then checked against X.
PUBLISH_LEASE_SECONDS = env.float("PUBLISH_LEASE_SECONDS", default=X_API_TIMEOUT + 2)
# Times X is asked whether an attempt's posts exist, when it cannot answer, before failing.
PUBLISH_MAX_CHECKS = env.int("PUBLISH_MAX_CHECKS", default=8)
# Listening: a spike is LISTENING_WINDOW_MINUTES of posts on an account that reach at least
# LISTENING_MIN_POSTS, LISTENING_MIN_RATIO times the usual for that time, and the usual plus
# LISTENING_THRESHOLD robust deviations (communications/listening/rules.py; the README says how).
LISTENING_WINDOW_MINUTES = env.int("LISTENING_WINDOW_MINUTES", default=30)
LISTENING_MIN_POSTS = env.int("LISTENING_MIN_POSTS", default=20)
LISTENING_MIN_RATIO = env.float("LISTENING_MIN_RATIO", default=3.0)
LISTENING_THRESHOLD = env.float("LISTENING_THRESHOLD", default=4.0)
LISTENING_BASELINE_DAYS = env.int("LISTENING_BASELINE_DAYS", default=28)
# An alert names the window's authors with more followers than this, and its top posts.
LISTENING_WIDE_REACH = env.int("LISTENING_WIDE_REACH", default=100_000)
LISTENING_TOP_POSTS = env.int("LISTENING_TOP_POSTS", default=5)
# The most posts a drill's scenario may hold in all (its spikes' counts and one per other
# event): each is a mention stored and shown to the team.
DRILL_MAX_POSTS = env.int("DRILL_MAX_POSTS", default=20_000)
# Inbound mentions (polled every minute). Minutes to reply to a new mention, counted from when
# it was posted; authors with at least this many followers get a sooner deadline
# ("10000=15,1000=30": 15 min from 10k followers, 30 min from 1k, else MENTION_REPLY_MINUTES).
MENTION_REPLY_MINUTES = env.int("MENTION_REPLY_MINUTES", default=60)
MENTION_REPLY_MINUTES_BY_REACH = {
    int(followers): int(minutes)
    for followers, minutes in env.dict(
        "MENTION_REPLY_MINUTES_BY_REACH", default={"10000": "15", "1000": "30"}
    ).items()
}
# Pages (of 100 posts) read per endpoint in one poll; a longer backlog continues next poll.
MENTION_POLL_MAX_PAGES = env.int("MENTION_POLL_MAX_PAGES", default=5)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Crisis Desk <crisis-desk@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Redis serves the cache and the Celery broker when REDIS_URL is set. Without it (a laptop),
# the cache lives in var/ and Celery uses a broker made of folders in var/.
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "crisis-desk",
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

CELERY_BROKER_URL = REDIS_URL or "filesystem://"
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {}
if not REDIS_URL:
    _broker_dir = str(VAR_DIR / "celery" / "broker")
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": _broker_dir,
        "data_folder_out": _broker_dir,
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "store_processed": False,
    }
else:
    # A task with a long ETA must not be redelivered to a second worker while the first holds
    # it; the deadline sweeper re-drives whatever is lost beyond this.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 6 * 60 * 60}
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
# A large postmortem PDF takes the better part of a gigabyte; the child that wrote it is replaced
# once its task is done, not kept at that size (KiB).
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env.int("CELERY_WORKER_MAX_MEMORY_PER_CHILD", default=600_000)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celery" / "beat-schedule")
# The response schedule: a step overdue by more than this is re-driven by the sweeper (every
# 30 s on beat); /readyz reports the engine unhealthy when no sweep ran for the second one.
SCHEDULE_SWEEP_GRACE_SECONDS = env.int("SCHEDULE_SWEEP_GRACE_SECONDS", default=60)
SCHEDULE_SWEEP_MAX_AGE_SECONDS = env.int("SCHEDULE_SWEEP_MAX_AGE_SECONDS", default=120)
# Steps further away are queued by the sweeper when they come this close (below the broker's
# visibility timeout, 6 h on Redis, so a long ETA is never delivered twice by the broker).
SCHEDULE_QUEUE_HORIZON_SECONDS = env.int("SCHEDULE_QUEUE_HORIZON_SECONDS", default=3600)
# Postmortem reports: a PDF of an incident with more timeline events than this is written by a
# worker (progress on the page, a download when ready); a person has at most MAX_IN_FLIGHT being
# written; a job silent for STALE_SECONDS failed with its worker; files are kept KEEP_HOURS.
POSTMORTEM_EXPORT_INLINE_EVENTS = env.int("POSTMORTEM_EXPORT_INLINE_EVENTS", default=1000)
POSTMORTEM_EXPORT_MAX_IN_FLIGHT = env.int("POSTMORTEM_EXPORT_MAX_IN_FLIGHT", default=3)
POSTMORTEM_EXPORT_MAX_ATTEMPTS = env.int("POSTMORTEM_EXPORT_MAX_ATTEMPTS", default=2)
POSTMORTEM_EXPORT_STALE_SECONDS = env.int("POSTMORTEM_EXPORT_STALE_SECONDS", default=600)
POSTMORTEM_EXPORT_KEEP_HOURS = env.int("POSTMORTEM_EXPORT_KEEP_HOURS", default=24)
# Seconds after which /readyz reports the worker as down when no heartbeat arrived.
WORKER_HEARTBEAT_MAX_AGE = env.int("WORKER_HEARTBEAT_MAX_AGE", default=90)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so that a request without credentials is told 401 + WWW-Authenticate.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 25,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # DRF's own, but a JSON body nested too deep for Python's stack is a 400, not a 500.
    "DEFAULT_PARSER_CLASSES": [
        "config.rest.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.errors.api_exception_handler",
    # Requests per person (token or session) and per address without credentials; over the
    # rate, 429 with Retry-After.
    "DEFAULT_THROTTLE_CLASSES": [
        "config.throttling.UserThrottle",
        "config.throttling.AnonThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "user": env("API_THROTTLE_USER", default="120/minute"),
        "anon": env("API_THROTTLE_ANON", default="20/minute"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Crisis Desk API",
    "DESCRIPTION": (
        "Incidents, their timeline, rumour register and checklist. Authenticate with a session "
        "or `Authorization: Token <key>` (`manage.py drf_create_token USER`)."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # The bodies the API documents are JSON (a form encoding cannot say null).
    "PARSER_WHITELIST": ["rest_framework.parsers.JSONParser"],
    # Every operation's errors (401, 403, 404, 409, 429, 400), each with its body.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.rest.document_errors",
    ],
    "ENUM_NAME_OVERRIDES": {
        "IncidentStatusEnum": "incidents.models.Status",
        "SeverityEnum": "incidents.models.Severity",
        "ClaimStatusEnum": "incidents.models.ClaimStatus",
        "IncidentSourceEnum": "incidents.models.Source",
        "OnCallSourceEnum": "teams.serializers.ON_CALL_SOURCES",
        "MessageKindEnum": "communications.models.Message.Kind",
        "MessageStatusEnum": "communications.models.Message.Status",
        "ApprovalDecisionEnum": "communications.models.Approval.Decision",
        "TemplateKindEnum": "communications.models.Template.Kind",
        "WordingRuleKindEnum": "communications.models.WordingRule.Kind",
        "WordingRuleShapeEnum": "communications.models.WordingRule.Shape",
        "WordingRuleChangeActionEnum": "communications.models.WordingRuleChange.Action",
        "PreflightCheckEnum": "communications.serializers.PREFLIGHT_CHECKS",
        "StakeholderChannelEnum": "teams.models.Channel",
        "StakeholderKindEnum": "teams.models.StakeholderGroup.Kind",
        "MentionOriginEnum": "communications.models.InboundPost.Origin",
        "MentionTriageEnum": "communications.models.InboundPost.Triage",
        "MentionDecisionEnum": "communications.listening.mentions.services.DECISIONS",
        "SnoozeMinutesEnum": "teams.schedule.serializers.SNOOZE_CHOICES",
        "RiskStatusEnum": "teams.models.Risk.Status",
        "MitigationStatusEnum": "teams.models.Mitigation.Status",
        "DeadlineKindEnum": "teams.models.Deadline.Kind",
        "IncidentCategoryEnum": "incidents.models.Category",
        "PostmortemStatusEnum": "postmortems.models.Postmortem.Status",
        "ActionItemStatusEnum": "postmortems.models.ActionItem.Status",
        "ActionItemKindEnum": "postmortems.models.ActionItem.Kind",
        "ActionItemPriorityEnum": "postmortems.models.ActionItem.Priority",
        "DrillRunStatusEnum": "drills.models.DrillRun.Status",
        "DrillTargetStatusEnum": "drills.serializers.TARGET_STATUSES",
        "DrillMentionOutcomeEnum": "drills.serializers.MENTION_OUTCOMES",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # These log request headers (tokens, signatures) at DEBUG: never below WARNING.
        "tweepy": {"level": "WARNING"},
        "requests_oauthlib": {"level": "WARNING"},
        "oauthlib": {"level": "WARNING"},
        "urllib3": {"level": "WARNING"},
        # WeasyPrint narrates every step of every PDF at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
