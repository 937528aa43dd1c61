"""The test suite: PostgreSQL and Redis on localhost, as in CI."""

import os

from config.settings.base import *  # noqa: F403
from config.settings.base import BASE_DIR, REDIS_URL, REST_FRAMEWORK, env

SECRET_KEY = "test-only-not-secret"  # noqa: S105
DEBUG = False
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]

DATABASES = {
    "default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/crisis_desk")
}
_redis = REDIS_URL or "redis://127.0.0.1:6379/0"
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": _redis,
        # One prefix per test process: each has a database of its own, whose ids the other's
        # repeat (live pages key their versions by incident id).
        "KEY_PREFIX": "crisis-desk-test-" + os.environ.get("PYTEST_XDIST_WORKER", "main"),
    }
}
CELERY_BROKER_URL = _redis
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
STATIC_ROOT = BASE_DIR / "var" / "test-static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# Generous limits, so that the suite's many requests from one address are never throttled; the
# tests of the limits set their own.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {"user": "100000/minute", "anon": "100000/minute"},
}
PASSWORD_RESET_RATE_PER_ADDRESS = "100000/hour"  # noqa: S105 (a rate, not a password)
PASSWORD_RESET_RATE_PER_EMAIL = "100000/hour"  # noqa: S105
SUBSCRIBE_RATE_PER_ADDRESS = "100000/hour"
SUBSCRIBE_RATE_PER_EMAIL = "100000/hour"
