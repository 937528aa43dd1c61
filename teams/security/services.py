"""Writes for signing in safely: setting up an authenticator, checking a code, recovery codes,
resetting someone's second factor, API tokens (only for people who finished setting it up),
and who may change whose account, each change recorded and told to the person.

A code is checked inside django-otp's own transaction (the device row locked, a wrong code
counted towards its growing wait); the refusal is raised after it, so the count is kept.
"""

import math
from dataclasses import replace
from functools import partial
from typing import Any

import django_otp
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from config.errors import ApplicationError, NotPermitted
from config.people import User
from config.permissions import MANAGE_PEOPLE, needs_two_factor, require
from config.queue import enqueue
from teams.models import Delivery, Notification, PersonChange, Reason

from .selectors import (
    Account,
    account_of,
    authenticators,
    groups_beyond_responder,
    has_authenticator,
    holds_beyond_responder,
)

RECOVERY_CODE_COUNT = 10
AUTHENTICATOR_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"


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
    _record(actor=actor, person=person, what=_("two-factor sign-in reset"), fields={})


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


# --- who may change whose account -----------------------------------------------------------

ACCOUNT_LABELS = {
    "username": gettext_lazy("username"),
    "email": gettext_lazy("email address"),
    "is_active": gettext_lazy("active status"),
    "is_staff": gettext_lazy("staff status"),
    "is_superuser": gettext_lazy("superuser status"),
    "groups": gettext_lazy("groups"),
    "user_permissions": gettext_lazy("single permissions"),
}
# Only a superuser changes these, on anyone: the email address is where a password reset goes,
# the username is how one signs in, staff status opens the admin site, and single permissions
# are rights outside the groups.
SUPERUSER_ONLY = ("username", "email", "is_staff", "is_superuser", "user_permissions")
# Nobody changes what they themselves may do, nor switches themselves off or on.
NOT_ONES_OWN = ("groups", "user_permissions", "is_superuser", "is_staff", "is_active")


def account_change_check(
    *, actor: User, person: User, before: Account | None, after: Account
) -> None:
    """Whether the actor may turn the person's account from ``before`` into ``after`` (``before``
    None: the person is being added); refused with NotPermitted on the field concerned.

    Only a superuser changes a superuser. Nobody changes their own groups, permissions, staff,
    superuser or active status. Only a superuser changes a username, an email address, staff
    or superuser status or single permissions; gives or takes a group that carries more than a
    responder's rights; or switches back on someone who holds more. An admin who could would
    get into the person's account (a password reset to the new address, then the first
    sign-in's authenticator set-up), or make a second approver of their own and meet a SEV1's
    two-person rule alone. Switching someone off stays with every admin: a leaver is locked out
    at any hour.
    """
    if before is None:
        # Naming a newcomer is every admin's; what they may do is judged as for anyone.
        before = replace(
            Account.nothing(), username=after.username, email=after.email, is_active=after.is_active
        )
    changed = before.changes(after)
    if not changed:
        return
    require(actor, MANAGE_PEOPLE)
    if before.is_superuser and not actor.is_superuser:
        raise NotPermitted(_("Only a superuser may change a superuser."))
    if actor.pk == person.pk:
        for name in NOT_ONES_OWN:
            if name in changed:
                raise NotPermitted(
                    _("Nobody changes their own %(what)s: ask another admin.")
                    % {"what": ACCOUNT_LABELS[name]},
                    field=name,
                )
    if actor.is_superuser:
        return
    for name in SUPERUSER_ONLY:
        if name in changed:
            raise NotPermitted(
                _("Only a superuser may change someone's %(what)s.")
                % {"what": ACCOUNT_LABELS[name]},
                field=name,
            )
    powerful = groups_beyond_responder(names=before.groups ^ after.groups)
    if powerful:
        raise NotPermitted(
            _(
                "Only a superuser may give or take %(groups)s: it carries more than a "
                "responder's rights."
            )
            % {"groups": ", ".join(powerful)},
            field="groups",
        )
    if after.is_active and not before.is_active and holds_beyond_responder(after):
        raise NotPermitted(
            _(
                "Only a superuser may switch back on someone who holds more than a responder's "
                "rights."
            ),
            field="is_active",
        )


@transaction.atomic
def account_change_record(
    *, actor: User, person: User, before: Account | None
) -> PersonChange | None:
    """After a person was saved (``before`` None: added): the rule asked again on what the
    database now holds, inside the saving transaction, so a refusal undoes the save; then the
    change recorded and the person told (by email to the old address when that changed)."""
    person = get_user_model().objects.select_for_update().get(pk=person.pk)
    after = account_of(person)
    account_change_check(actor=actor, person=person, before=before, after=after)
    if before is None:
        return _record(
            actor=actor,
            person=person,
            what=_("added"),
            fields=_as_json(Account.nothing().changes(after)),
            tell=False,
        )
    changed = before.changes(after)
    if not changed:
        return None
    return _record(
        actor=actor,
        person=person,
        what=_("%(fields)s changed")
        % {"fields": ", ".join(str(ACCOUNT_LABELS[n]) for n in changed)},
        fields=_as_json(changed),
        old_email=before.email if "email" in changed else "",
    )


@transaction.atomic
def password_set_record(*, actor: User, person: User) -> PersonChange | None:
    """Someone set another person's password (only a superuser may): recorded, and they are
    told. One's own password change is nobody else's business."""
    if actor.pk == person.pk:
        return None
    return _record(actor=actor, person=person, what=_("password set"), fields={})


def _as_json(changed: dict[str, tuple[Any, Any]]) -> dict[str, list[Any]]:
    return {
        name: [sorted(value) if isinstance(value, frozenset) else value for value in pair]
        for name, pair in changed.items()
    }


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(value) or _("none")
    return str(value) or _("none")


def _record(
    *,
    actor: User,
    person: User,
    what: str,
    fields: dict[str, list[Any]],
    old_email: str = "",
    tell: bool = True,
) -> PersonChange:
    """The change kept for good, and, unless told not to, the person told, whatever
    notifications they chose (a change they did not expect is how they learn someone may be
    getting into their account): in the app, and by email to their address, or, when that is
    what changed, to the one it replaced (the new one may be whoever asked for the change)."""
    change = PersonChange.objects.create(person=person, actor=actor, what=what, fields=fields)
    if not tell:
        return change
    lines = [
        f"{ACCOUNT_LABELS[name]}: {_shown(before)} → {_shown(after)}"
        for name, (before, after) in fields.items()
    ]
    lines.append(
        _(
            "If you did not expect this, tell a superuser at once: someone may be trying to get "
            "into your account."
        )
    )
    notification = Notification.objects.create(
        recipient=person,
        reason=Reason.ACCOUNT_CHANGED,
        subject=f"account-change:{change.pk}",
        title=_("Your account: %(what)s by %(actor)s") % {"what": what, "actor": actor},
        body="\n".join(lines),
        url=reverse("teams:profile"),
    )
    address = old_email or person.email
    if address:
        delivery = Delivery.objects.create(
            notification=notification, channel=Delivery.Channel.EMAIL, target=address
        )
        transaction.on_commit(partial(enqueue, "teams.tasks.deliver", delivery.pk))
    return change
