from typing import Any

from django.core.management.base import BaseCommand

from teams.permissions import matrix_markdown


class Command(BaseCommand):
    help = "Print the permission matrix as the Markdown table the README shows."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(matrix_markdown())
