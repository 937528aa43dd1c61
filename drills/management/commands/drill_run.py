"""Start a drill from a scenario and play it here, post by post, until its last event.

    python manage.py drill_run product_safety_en --speed 10
    python manage.py drill_run path/to/scenario.yaml --account juicebrand --as maria

SCENARIO is a shipped scenario's name (``--list`` names them) or a file. The drill's posts go
to a drill account of its own (standing in for ``--account``), never to X. With ``--detach``
the command only starts the drill and the worker plays it.
"""

import time
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from communications.models import SocialAccount
from config.errors import ApplicationError
from config.people import User
from config.permissions import MANAGE_DRILLS, holds
from drills import services
from drills.models import DrillRun

# How long the command sleeps at most between two looks at the drill.
TICK_SECONDS = 5.0


class Command(BaseCommand):
    help = "Start a drill from a scenario (a shipped name or a file) and play it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("scenario", nargs="?", help="A shipped scenario's name, or a file.")
        parser.add_argument(
            "--speed", type=int, default=1, help="Times real speed, 1 to 100 (default 1)."
        )
        parser.add_argument("--account", default="", help="The brand account it rehearses for.")
        parser.add_argument(
            "--as",
            dest="username",
            default="",
            help="Who starts it (default: the first person who may start drills).",
        )
        parser.add_argument(
            "--detach", action="store_true", help="Start it and let the worker play it."
        )
        parser.add_argument("--list", action="store_true", help="Name the shipped scenarios.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["list"]:
            for name, scenario in services.scenarios_shipped().items():
                self.stdout.write(f"{name}: {scenario.title} ({scenario.language})")
            return
        if not options["scenario"]:
            raise CommandError("Name a scenario (--list shows the shipped ones) or a file.")
        actor = self._actor(options["username"])
        based_on = self._account(options["account"])
        name, text = self._scenario(options["scenario"])
        try:
            run = services.drill_start(
                actor=actor, scenario=name, text=text, speed=options["speed"], based_on=based_on
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        assert run.account is not None
        total = services.run_scenario(run).posts
        self.stdout.write(
            f"Drill {run.pk} started: “{run.drill.title}”, {total} posts at {run.speed}× "
            f"into @{run.account.handle} (a drill account: nothing reaches X)."
        )
        if options["detach"]:
            self.stdout.write("The worker plays it; follow it on the drills page.")
            return
        self._play(run, total)

    def _play(self, run: DrillRun, total: int) -> None:
        played = -1
        while True:
            wait = services.drill_advance(run.pk)
            run.refresh_from_db(fields=["posts_played", "status"])
            if run.posts_played != played:
                played = run.posts_played
                self.stdout.write(f"{played}/{total} posts played")
            if wait is None:
                break
            time.sleep(min(max(wait, 0.2), TICK_SECONDS))
        self.stdout.write(
            self.style.SUCCESS(
                "Every event is out. The team answers in the app; finish the drill on its "
                "page for the report."
            )
        )

    def _actor(self, username: str) -> User:
        users = get_user_model().objects.filter(is_active=True).order_by("-is_superuser", "pk")
        if username:
            actor = users.filter(username=username).first()
            if actor is None:
                raise CommandError(f"No active user “{username}”.")
            return actor
        actor = next((user for user in users.iterator() if holds(user, MANAGE_DRILLS)), None)
        if actor is None:
            raise CommandError("Nobody may start drills yet: name who runs it with --as.")
        return actor

    def _account(self, handle: str) -> SocialAccount | None:
        if not handle:
            return SocialAccount.objects.real().filter(is_active=True).first()
        account = SocialAccount.objects.real().filter(handle=handle.lstrip("@")).first()
        if account is None:
            raise CommandError(f"No brand account @{handle.lstrip('@')}.")
        return account

    def _scenario(self, given: str) -> tuple[str, str | bytes | None]:
        if given in services.scenarios_shipped():
            return given, None
        path = Path(given)
        if not path.is_file():
            names = ", ".join(services.scenarios_shipped())
            raise CommandError(f"“{given}” is neither a shipped scenario ({names}) nor a file.")
        return path.name, path.read_bytes()
