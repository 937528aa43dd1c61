"""``manage.py drf_create_token USERNAME [--reset]``: DRF's command, with the rule that someone
whose role needs two-factor authentication gets a token only once it is set up. The key is
printed once, here; the admin never shows it. (teams is listed before rest_framework.authtoken
in INSTALLED_APPS, so this command replaces DRF's.)"""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from config.errors import ApplicationError
from teams.security.services import api_token_create


class Command(BaseCommand):
    help = "Create (or with --reset, replace) a person's API token and print its key once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", type=str)
        parser.add_argument(
            "-r",
            "--reset",
            action="store_true",
            dest="reset_token",
            help="Replace the person's token with a new one.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        username = options["username"]
        User = get_user_model()
        try:
            person = User._default_manager.get_by_natural_key(username)
        except User.DoesNotExist:
            raise CommandError(f"Cannot create the token: user {username} does not exist") from None
        try:
            token = api_token_create(person=person, reset=options["reset_token"])
        except ApplicationError as exc:
            raise CommandError(f"Cannot create the token: {exc.message}") from exc
        self.stdout.write(f"Generated token {token.key} for user {username}")
