"""Production settings fail fast without their variables and pass Django's deploy check."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_ENV = {
    "SECRET_KEY": "a-long-random-production-secret-key-with-enough-entropy-1234567890",
    "ALLOWED_HOSTS": "crisis.example.com",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/crisis_desk",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "CREDENTIALS_KEYS": "8J2Wl0HvTj3e0qJx1k1XlH9U4x9xk6mQv6l1y4zS0kE=",
}


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in PRODUCTION_ENV}
    clean.pop("DJANGO_SETTINGS_MODULE", None)
    clean.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set for the browser tests only
    return subprocess.run(
        [sys.executable, "manage.py", *args, "--settings=config.settings.production"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_deploy_check_is_clean():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("missing", sorted(PRODUCTION_ENV))
def test_production_refuses_to_start_without(missing):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "Production settings need these environment variables" in result.stderr
    assert missing in result.stderr


def test_production_refuses_a_credentials_key_that_is_not_a_fernet_key():
    result = manage("check", env={**PRODUCTION_ENV, "CREDENTIALS_KEYS": "not-a-key"})
    assert result.returncode != 0
    assert "CREDENTIALS_KEYS: key 1 is not a Fernet key" in result.stderr
    assert "not-a-key" not in result.stderr


def test_libraries_that_log_credentials_never_log_below_warning():
    import logging

    from django.conf import settings

    for name in ("tweepy", "requests_oauthlib", "oauthlib"):
        assert settings.LOGGING["loggers"][name]["level"] == "WARNING"
        assert not logging.getLogger(name).isEnabledFor(logging.DEBUG)


def test_production_sessions_end_after_a_working_day():
    result = manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_AGE, s.SESSION_EXPIRE_AT_BROWSER_CLOSE, s.TRUSTED_PROXIES)",
        env=PRODUCTION_ENV,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["36000", "True", "1"]
    shorter = manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings as s; print(s.SESSION_COOKIE_AGE)",
        env={**PRODUCTION_ENV, "SESSION_COOKIE_AGE": "3600"},
    )
    assert shorter.stdout.split() == ["3600"]
