"""A laptop: SQLite and a folder broker unless DATABASE_URL / REDIS_URL say otherwise."""

from config.settings.base import *  # noqa: F403
from config.settings.base import VAR_DIR, env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env("SECRET_KEY", default="local-development-only-not-secret")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])

for folder in ("celery/broker", "celery/control", "cache"):
    (VAR_DIR / folder).mkdir(parents=True, exist_ok=True)
