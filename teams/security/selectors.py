"""Reads for the second step: a person's authenticator and recovery codes."""

from typing import Any

from django.db.models import QuerySet
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice


def authenticators(*, person: Any) -> QuerySet[TOTPDevice]:
    """The person's confirmed authenticator apps (one, once set up)."""
    return TOTPDevice.objects.filter(user=person, confirmed=True).order_by("created_at", "pk")


def has_authenticator(*, person: Any) -> bool:
    return authenticators(person=person).exists()


def recovery_device(*, person: Any) -> StaticDevice | None:
    return StaticDevice.objects.filter(user=person, confirmed=True).order_by("pk").first()


def recovery_codes_left(*, person: Any) -> int:
    device = recovery_device(person=person)
    return device.token_set.count() if device else 0
