from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from config.permissions import matrix_markdown

TABLE_START = "| action | permission |"


class Command(BaseCommand):
    help = "Print the permission matrix as the Markdown table the README shows."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--update-readme", action="store_true", help="Replace the table in README.md."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        table = matrix_markdown()
        if not options["update_readme"]:
            self.stdout.write(table)
            return
        readme = Path(settings.BASE_DIR) / "README.md"
        text = readme.read_text()
        start = text.find(TABLE_START)
        if start < 0:
            raise CommandError("README.md has no permission table to replace.")
        end = text.find("\n\n", start)
        readme.write_text(text[:start] + table + (text[end:] if end >= 0 else "\n"))
        self.stdout.write("README.md updated.")
