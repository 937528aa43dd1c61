"""Re-encrypt every social account's credentials with the first key of CREDENTIALS_KEYS.

Rotating the key: put a new key first in CREDENTIALS_KEYS and keep the old ones after it (they
still decrypt), deploy, run this command, then remove the old keys. All or nothing: when any
account's credentials cannot be decrypted, nothing is written and the accounts are named.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from communications.accounts import crypto
from communications.models import SocialAccount


class Command(BaseCommand):
    help = "Re-encrypt every social account's credentials with the first key of CREDENTIALS_KEYS."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--from-secret-key",
            action="store_true",
            help=(
                "Also decrypt with the key derived from SECRET_KEY, which encrypted credentials "
                "saved while CREDENTIALS_KEYS was not set."
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not crypto.configured_keys():
            raise CommandError("Set CREDENTIALS_KEYS first: its first key encrypts.")
        with transaction.atomic():
            accounts = list(
                SocialAccount.objects.select_for_update()
                .exclude(credentials_encrypted="")
                .order_by("pk")
            )
            unreadable = []
            for account in accounts:
                try:
                    account.credentials_encrypted = crypto.reencrypt(
                        account.credentials_encrypted,
                        also_secret_key_derived=options["from_secret_key"],
                    )
                except ValueError:
                    unreadable.append(f"{account} (id {account.pk})")
            if unreadable:
                raise CommandError(
                    "No key of CREDENTIALS_KEYS decrypts the credentials of "
                    + ", ".join(unreadable)
                    + ". Nothing was re-encrypted. Add the key they were encrypted with to "
                    "CREDENTIALS_KEYS (or pass --from-secret-key if they were saved before "
                    "CREDENTIALS_KEYS was set), or save those accounts' credentials again."
                )
            SocialAccount.objects.bulk_update(accounts, ["credentials_encrypted"])
        self.stdout.write(
            f"Re-encrypted the credentials of {len(accounts)} account(s) with the first key "
            "of CREDENTIALS_KEYS."
        )
