#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys
from pathlib import Path

import environ

# Any one of these says the machine is a deployment (config/settings/production.py needs them
# all and names the missing ones).
DEPLOYMENT_VARIABLES = ("SECRET_KEY", "ALLOWED_HOSTS", "CREDENTIALS_KEYS")


def _deployed() -> bool:
    """Whether a production variable is set, in the environment or in the project's .env file
    (read as the settings read it: django-environ, the environment winning)."""
    dotenv = Path(__file__).resolve().parent / ".env"
    if dotenv.is_file():
        environ.Env.read_env(dotenv, overwrite=False)
    return any(os.environ.get(name) for name in DEPLOYMENT_VARIABLES)


def main() -> None:
    # On a server (any production variable set) production unless told otherwise: a command run
    # there (the release's migrate, a key rotation) never falls back to the laptop's settings,
    # and refuses while a variable is missing. A checkout with none of them is a developer's:
    # local settings, as make and Procfile.dev choose.
    os.environ.setdefault(
        "DJANGO_SETTINGS_MODULE",
        "config.settings.production" if _deployed() else "config.settings.local",
    )
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
