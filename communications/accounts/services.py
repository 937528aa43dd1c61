"""Every write to social accounts: who may publish from them and their credentials,
encrypted at rest (communications.accounts.crypto), never shown back, never logged."""

import re
from collections.abc import Iterable
from datetime import datetime
from functools import partial
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from communications.accounts import crypto
from communications.accounts.models import SocialAccount
from communications.accounts.rotation import rotation_due_condition
from config.errors import ApplicationError
from config.people import User
from config.permissions import MANAGE_ACCOUNTS, require
from teams.models import Reason
from teams.services import notify

CREDENTIAL_FIELDS: dict[str, tuple[str, ...]] = {
    SocialAccount.AuthKind.OAUTH1: (
        "consumer_key",
        "consumer_secret",
        "access_token",
        "access_token_secret",
    ),
    SocialAccount.AuthKind.OAUTH2: ("access_token", "refresh_token", "client_id", "client_secret"),
}
# What must be given when credentials are saved: all four OAuth 1.0a keys; an OAuth 2.0 user
# token with what refreshes it (a confidential client also gives its secret).
REQUIRED: dict[str, tuple[str, ...]] = {
    SocialAccount.AuthKind.OAUTH1: CREDENTIAL_FIELDS[SocialAccount.AuthKind.OAUTH1],
    SocialAccount.AuthKind.OAUTH2: ("access_token", "refresh_token", "client_id"),
}


@transaction.atomic
def account_save(
    *,
    actor: User,
    account: SocialAccount | None = None,
    handle: str,
    display_name: str = "",
    external_user_id: str = "",
    two_factor_enabled: bool = False,
    publishers: Iterable[User] = (),
    auth_kind: str | None = None,
    credentials: dict[str, str] | None = None,
) -> SocialAccount:
    """Create or change an account. ``credentials`` replaces the stored ones (and counts as a
    rotation); None keeps them. They are encrypted before they touch the database."""
    require(actor, MANAGE_ACCOUNTS)
    handle = handle.strip().lstrip("@")
    if not re.fullmatch(r"[A-Za-z0-9_]{1,15}", handle):
        raise ApplicationError(
            _("An X handle has 1 to 15 letters, digits or underscores."), field="handle"
        )
    if external_user_id and not external_user_id.isdigit():
        raise ApplicationError(_("The user id is a number."), field="external_user_id")
    account = account or SocialAccount()
    account.handle = handle
    account.display_name = display_name.strip()
    account.external_user_id = external_user_id
    account.two_factor_enabled = two_factor_enabled
    if credentials is not None:
        kind = auth_kind or SocialAccount.AuthKind.OAUTH1
        if kind == SocialAccount.AuthKind.NONE:
            account.credentials_encrypted = ""
        else:
            if kind not in CREDENTIAL_FIELDS:
                raise ApplicationError(
                    _("Choose how the account signs in to X."), field="auth_kind"
                )
            needed = CREDENTIAL_FIELDS[kind]
            missing = [name for name in REQUIRED[kind] if not (credentials.get(name) or "").strip()]
            if missing:
                raise ApplicationError(
                    _("Give %(fields)s.") % {"fields": ", ".join(missing)}, field="credentials"
                )
            if not external_user_id:
                raise ApplicationError(
                    _("Publishing needs the account's user id on X."), field="external_user_id"
                )
            account.credentials_encrypted = crypto.encrypt(
                {k: v.strip() for k, v in credentials.items() if k in needed and (v or "").strip()}
            )
        account.auth_kind = kind
        account.credentials_rotated_at = timezone.now()
    account.save()
    account.publishers.set(list(publishers))
    return account


def account_credentials(account: SocialAccount) -> dict[str, str]:
    """The decrypted credentials, for the publisher only; never shown or logged."""
    if account.is_sandbox:
        return {}
    return crypto.decrypt(account.credentials_encrypted)


@transaction.atomic
def account_tokens_refreshed(
    *, account: SocialAccount, access_token: str, refresh_token: str
) -> dict[str, str]:
    """Store the OAuth 2.0 tokens X handed out on a refresh (the publisher calls this)."""
    locked = SocialAccount.objects.select_for_update().get(pk=account.pk)
    credentials = {
        **account_credentials(locked),
        "access_token": access_token,
        "refresh_token": refresh_token,
    }
    locked.credentials_encrypted = crypto.encrypt(credentials)
    locked.save(update_fields=["credentials_encrypted"])
    return credentials


def _rotation_body(zone: ZoneInfo, *, rotated: datetime | None) -> str:
    """When the credentials were last rotated, on the recipient's calendar."""
    return _("Last rotated: %(when)s. The policy asks for every %(days)d days.") % {
        "when": date_format(rotated.astimezone(zone), "SHORT_DATE_FORMAT")
        if rotated
        else _("never"),
        "days": settings.CREDENTIALS_ROTATION_DAYS,
    }


def _rotation_title(_zone: ZoneInfo, *, account: SocialAccount) -> str:
    return _("Rotate the credentials of %(account)s") % {"account": account}


def credentials_rotation_remind(*, now: datetime | None = None) -> int:
    """Notify everyone who manages accounts about each active account whose credentials are
    due (once per account and rotation date). Returns how many accounts are due."""
    due = list(SocialAccount.objects.filter(is_active=True).filter(rotation_due_condition(now=now)))
    if not due:
        return 0
    managers = [
        person
        for person in get_user_model().objects.filter(is_active=True)
        if person.has_perm(MANAGE_ACCOUNTS)
    ]
    for account in due:
        rotated = account.credentials_rotated_at
        notify(
            recipients=managers,
            reason=Reason.CREDENTIALS_STALE,
            subject=f"account:{account.pk}:rotation:{rotated.date() if rotated else 'never'}",
            title=partial(_rotation_title, account=account),
            body=partial(_rotation_body, rotated=rotated),
            url=reverse("communications:accounts"),
        )
    return len(due)
