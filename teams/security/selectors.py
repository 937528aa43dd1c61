"""Reads for signing in safely: a person's authenticator and recovery codes, and what their
account holds (who they are, what they may do)."""

from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import Any

from django.contrib.auth.models import Group, Permission
from django.db.models import QuerySet
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from config.people import User
from config.permissions import beyond_responder


def authenticators(*, person: User) -> QuerySet[TOTPDevice]:
    """The person's confirmed authenticator apps (one, once set up)."""
    return TOTPDevice.objects.filter(user=person, confirmed=True).order_by("created_at", "pk")


def has_authenticator(*, person: User) -> bool:
    return authenticators(person=person).exists()


def recovery_device(*, person: User) -> StaticDevice | None:
    return StaticDevice.objects.filter(user=person, confirmed=True).order_by("pk").first()


def recovery_codes_left(*, person: User) -> int:
    device = recovery_device(person=person)
    return device.token_set.count() if device else 0


@dataclass(frozen=True)
class Account:
    """What decides who a person is and what they may do: where their password reset goes, how
    they sign in, their groups and single permissions. The names are the admin form's."""

    username: str
    email: str
    is_active: bool
    is_staff: bool
    is_superuser: bool
    groups: frozenset[str]
    user_permissions: frozenset[str]

    @classmethod
    def nothing(cls) -> "Account":
        """What a person holds before they are added."""
        return cls("", "", False, False, False, frozenset(), frozenset())

    def changes(self, after: "Account") -> dict[str, tuple[Any, Any]]:
        """Each field whose value differs in ``after``: (before, after)."""
        return {
            field.name: (getattr(self, field.name), getattr(after, field.name))
            for field in fields(self)
            if getattr(self, field.name) != getattr(after, field.name)
        }


def account_of(person: User) -> Account:
    """The person's account as the database holds it now (two queries)."""
    return Account(
        username=person.username,
        email=person.email,
        is_active=person.is_active,
        is_staff=person.is_staff,
        is_superuser=person.is_superuser,
        groups=frozenset(Group.objects.filter(user=person).values_list("name", flat=True)),
        user_permissions=frozenset(
            f"{app_label}.{codename}"
            for app_label, codename in Permission.objects.filter(user=person).values_list(
                "content_type__app_label", "codename"
            )
        ),
    )


def groups_beyond_responder(*, names: Iterable[str]) -> list[str]:
    """Of these groups, those that carry a right a responder does not hold, by name (as they
    are now in the database, whatever they are called)."""
    held: dict[str, set[str]] = {}
    for name, app_label, codename in Permission.objects.filter(
        group__name__in=list(names)
    ).values_list("group__name", "content_type__app_label", "codename"):
        held.setdefault(name, set()).add(f"{app_label}.{codename}")
    return sorted(name for name, permissions in held.items() if beyond_responder(permissions))


def holds_beyond_responder(account: Account) -> bool:
    """Whether the account's groups or single permissions give more than a responder's rights."""
    return bool(
        account.is_superuser
        or beyond_responder(account.user_permissions)
        or groups_beyond_responder(names=account.groups)
    )
