"""Production: every secret and address from the environment; refuses to start without them."""

from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from config.settings.base import *  # noqa: F403
from config.settings.base import env, mailers_from_url

_REQUIRED = ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL", "CREDENTIALS_KEYS")
_missing = [name for name in _REQUIRED if not env(name, default="")]
if _missing:
    raise ImproperlyConfigured(
        "Production settings need these environment variables: "
        + ", ".join(_missing)
        + " (manage.py and Celery use the production settings unless DJANGO_SETTINGS_MODULE says"
        " otherwise; on a developer's machine set DJANGO_SETTINGS_MODULE=config.settings.local)"
    )

DEBUG = False
SECRET_KEY = env("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Social-account credentials are encrypted with these keys, never with one derived from
# SECRET_KEY; rotate with `manage.py rotate_credentials_key` (README, Running in production).
CREDENTIALS_KEYS = [key.strip() for key in env.list("CREDENTIALS_KEYS") if key.strip()]
if not CREDENTIALS_KEYS:
    raise ImproperlyConfigured("CREDENTIALS_KEYS holds no key.")
for _number, _key in enumerate(CREDENTIALS_KEYS, start=1):
    try:
        Fernet(_key.encode())
    except ValueError:
        raise ImproperlyConfigured(
            f"CREDENTIALS_KEYS: key {_number} is not a Fernet key (32 url-safe base64-encoded "
            'bytes); generate one with: python -c "from cryptography.fernet import Fernet; '
            'print(Fernet.generate_key().decode())"'
        ) from None
# Chat webhooks go only to public https addresses: no host is exempt in production.
WEBHOOK_ALLOWED_HOSTS_FOR_TESTS: list[str] = []

# Mail goes to EMAIL_URL, or to the host's own mail relay on localhost:25.
MAILERS = mailers_from_url(env("EMAIL_URL", default="smtp://localhost:25"))

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Behind a TLS-terminating proxy that sets X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# A session ends after a working day (and when the browser closes): a laptop left open at
# night is not a way in the next morning.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=10 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = env.bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", default=True)
# Behind the one TLS-terminating proxy above: the lockout and the throttles count by the
# address it saw.
TRUSTED_PROXIES = env.int("TRUSTED_PROXIES", default=1)
