"""Production settings fail fast without their variables and pass Django's deploy check; every
production process runs on them."""

import os
import re
import shlex
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


# --- which settings each process runs on -----------------------------------------------------

PRINT_SETTINGS = "from django.conf import settings; print(settings.SETTINGS_MODULE)"


def settings_module(probe: list[str], assigned: dict[str, str]) -> str:
    """The settings module Python ends up on when run with ``probe`` in a deployment's
    environment that names none, plus what the command itself assigns."""
    deployment = {k: v for k, v in os.environ.items() if k not in PRODUCTION_ENV}
    deployment.pop("DJANGO_SETTINGS_MODULE", None)
    deployment.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    result = subprocess.run(
        [sys.executable, *probe],
        cwd=ROOT,
        env={**deployment, **PRODUCTION_ENV, **assigned},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def _option(words: list[str], *names: str) -> str:
    for number, word in enumerate(words):
        if word in names:
            return words[number + 1]
        for name in names:
            if word.startswith(f"{name}="):
                return word.partition("=")[2]
    raise AssertionError(f"no {names[0]} in {shlex.join(words)}")


def command_settings_module(command: str) -> str:
    """The settings module a Procfile command runs on: its Python entry point (manage.py, the
    Celery app, the WSGI module) is imported as the command would, with the command's own
    environment assignments."""
    words = shlex.split(command)
    assigned: dict[str, str] = {}
    while words and re.fullmatch(r"[A-Za-z_]\w*=.*", words[0]):
        name, _, value = words.pop(0).partition("=")
        assigned[name] = value
    program = Path(words[0]).name
    if program.startswith("python") and words[1:2] == ["manage.py"]:
        settings_options = [word for word in words if word.startswith("--settings")]
        probe = ["manage.py", "shell", "--no-imports", *settings_options, "-c", PRINT_SETTINGS]
    elif program == "celery":
        probe = ["-c", f"import {_option(words, '-A', '--app')}; {PRINT_SETTINGS}"]
    elif program == "gunicorn":
        application = next(word for word in words if re.fullmatch(r"[\w.]+:\w+", word))
        probe = ["-c", f"import {application.partition(':')[0]}; {PRINT_SETTINGS}"]
    else:
        raise AssertionError(f"which settings does {program} run on? Teach this test.")
    return settings_module(probe, assigned)


def procfile(name: str) -> list[object]:
    """Each process's command, named by the process."""
    lines = (ROOT / name).read_text().splitlines()
    entries = [line.partition(":") for line in lines if line.strip() and not line.startswith("#")]
    return [pytest.param(command.strip(), id=process.strip()) for process, _, command in entries]


@pytest.mark.parametrize("command", procfile("Procfile"))
def test_every_production_process_runs_on_the_production_settings(command):
    assert command_settings_module(command) == "config.settings.production"


@pytest.mark.parametrize("command", procfile("Procfile.dev"))
def test_make_run_runs_on_the_local_settings(command):
    assert command_settings_module(command) == "config.settings.local"


def test_manage_py_on_a_developers_checkout_runs_on_the_local_settings():
    """No production variable at all: a developer's checkout (makemigrations, a shell)."""
    deployment = {
        name: value
        for name, value in os.environ.items()
        if name not in {"DJANGO_SETTINGS_MODULE", "SECRET_KEY", "ALLOWED_HOSTS", "CREDENTIALS_KEYS"}
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", PRINT_SETTINGS],
        cwd=ROOT,
        env=deployment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "config.settings.local"


def test_manage_py_on_a_half_configured_server_refuses_naming_what_is_missing():
    deployment = {
        name: value
        for name, value in os.environ.items()
        if name not in {"DJANGO_SETTINGS_MODULE", "ALLOWED_HOSTS", "CREDENTIALS_KEYS"}
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={**deployment, "SECRET_KEY": "x" * 50},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr


@pytest.mark.parametrize(
    "probe",
    [
        ["manage.py", "shell", "--no-imports", "-c", PRINT_SETTINGS],
        ["-c", f"import config.celery_app; {PRINT_SETTINGS}"],
        ["-c", f"import config.wsgi; {PRINT_SETTINGS}"],
        ["-c", f"import config.asgi; {PRINT_SETTINGS}"],
    ],
    ids=["manage.py", "celery", "wsgi", "asgi"],
)
def test_every_entry_point_defaults_to_the_production_settings(probe):
    """A command typed on a server (a key rotation, a one-off task) runs on production too."""
    assert settings_module(probe, {}) == "config.settings.production"
