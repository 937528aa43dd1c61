"""Writes for the second step: setting up an authenticator, checking a code, recovery codes,
resetting someone's second factor, and API tokens (only for people who finished setting it up).

A code is checked inside django-otp's own transaction (the device row locked, a wrong code
counted towards its growing wait); the refusal is raised after it, so the count is kept.
"""

import math
from typing import Any

import django_otp
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from config.errors import ApplicationError, NotPermitted
from config.permissions import MANAGE_PEOPLE, needs_two_factor, require

from .selectors import authenticators, has_authenticator

RECOVERY_CODE_COUNT = 10
AUTHENTICATOR_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"

User = Any  # an instance of the user model


def normalize_code(code: str) -> str:
    """What people type: spaces and dashes between groups, any case."""
    return "".join(code.split()).replace("-", "").lower()


def _wrong_code() -> ApplicationError:
    return ApplicationError(
        _(
            "That code is not right. Enter the current code from your authenticator app, or "
            "one of your recovery codes."
        ),
        field="code",
    )


def _wait_refusal(device: Device) -> ApplicationError | None:
    """The refusal while a device makes people wait after wrong codes, else None."""
    allowed, why = device.verify_is_allowed()
    if allowed:
        return None
    locked_until = (why or {}).get("locked_until")
    left = (locked_until - timezone.now()).total_seconds() if locked_until else 1
    seconds = max(1, math.ceil(left))
    return ApplicationError(
        ngettext(
            "Too many wrong codes. Wait %(seconds)d second, then try again.",
            "Too many wrong codes. Wait %(seconds)d seconds, then try again.",
            seconds,
        )
        % {"seconds": seconds},
        field="code",
    )


@transaction.atomic
def authenticator_begin(*, person: User) -> TOTPDevice:
    """The authenticator being set up: the one begun before (so a reload shows the same QR
    code) or a new one, unconfirmed until a code from it is entered."""
    begun = (
        TOTPDevice.objects.select_for_update()
        .filter(user=person, confirmed=False)
        .order_by("-pk")
        .first()
    )
    return begun or TOTPDevice.objects.create(user=person, name=AUTHENTICATOR_NAME, confirmed=False)


def authenticator_confirm(*, person: User, code: str, verified: bool) -> TOTPDevice:
    """Confirm the authenticator being set up with a code it shows; it replaces any earlier
    one. Replacing needs a session that passed the second step (``verified``): otherwise
    whoever knows the password could put their own phone in place of the owner's."""
    if has_authenticator(person=person) and not verified:
        raise NotPermitted(
            _("Enter a code from your current authenticator app before setting up a new one.")
        )
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user=person, confirmed=False)
            .order_by("-pk")
            .first()
        )
        if device is None:
            raise ApplicationError(
                _("This setup has expired. Scan the new QR code and try again."), field="code"
            )
        refusal = _wait_refusal(device)
        confirmed = refusal is None and device.verify_token(normalize_code(code))
        if confirmed:
            TOTPDevice.objects.filter(user=person).exclude(pk=device.pk).delete()
            device.confirmed = True
            device.save(update_fields=["confirmed"])
    if refusal is not None:
        raise refusal
    if not confirmed:
        raise ApplicationError(
            _(
                "That code is not right. Check that the time on your phone is set "
                "automatically, and enter the code the app shows now."
            ),
            field="code",
        )
    return device


def second_factor_check(*, person: User, code: str) -> Device:
    """The device that accepts the code: the authenticator for digits, else a recovery code
    (each works once). A wrong code is refused and makes the next try wait longer."""
    code = normalize_code(code)
    if not code:
        raise _wrong_code()
    if code.isdigit():
        devices: list[Device] = list(authenticators(person=person))
    else:
        devices = list(StaticDevice.objects.filter(user=person, confirmed=True))
    for device in devices:
        refusal = _wait_refusal(device)
        if refusal is not None:
            raise refusal
        accepted = django_otp.verify_token(person, device.persistent_id, code)
        if accepted is not None:
            return accepted
    raise _wrong_code()


@transaction.atomic
def recovery_codes_create(*, person: User) -> list[str]:
    """New recovery codes for the person, replacing any left; shown once, stored to be
    used once each. Only for someone whose authenticator is set up."""
    if not has_authenticator(person=person):
        raise ApplicationError(_("Set up your authenticator app first."))
    device, _created = StaticDevice.objects.get_or_create(
        user=person, name=RECOVERY_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@transaction.atomic
def two_factor_reset(*, actor: User, person: User) -> None:
    """Remove the person's authenticator and recovery codes (a lost phone): they set it up
    again at their next sign-in. Only a superuser may: an admin who could also change the
    person's email address would otherwise get into their account through a password reset."""
    if not (actor.is_active and actor.is_superuser):
        raise NotPermitted(_("Only a superuser may reset someone's two-factor sign-in."))
    TOTPDevice.objects.filter(user=person).delete()
    StaticDevice.objects.filter(user=person).delete()


@transaction.atomic
def api_token_create(*, person: User, reset: bool = False) -> Token:
    """A new API token for the person (replacing theirs with ``reset``; an existing key is never
    shown again). A token signs in without the second step, so someone who needs it gets one
    only once their authenticator is set up."""
    if needs_two_factor(person) and not has_authenticator(person=person):
        raise ApplicationError(
            _(
                "%(person)s must set up two-factor authentication (at their next sign-in) "
                "before an API token is created for them."
            )
            % {"person": person.get_username()}
        )
    if reset:
        Token.objects.filter(user=person).delete()
    elif Token.objects.filter(user=person).exists():
        raise ApplicationError(
            _(
                "%(person)s already has an API token, and its key is shown only when it is "
                "created. Replace it with --reset (the old key stops working)."
            )
            % {"person": person.get_username()}
        )
    return Token.objects.create(user=person)


@transaction.atomic
def api_token_revoke(*, actor: User, person: User) -> None:
    """The person's API token stops working. Only a superuser revokes a superuser's."""
    require(actor, MANAGE_PEOPLE)
    if person.is_superuser and not actor.is_superuser:
        raise NotPermitted(_("Only a superuser may revoke a superuser's API token."))
    Token.objects.filter(user=person).delete()
