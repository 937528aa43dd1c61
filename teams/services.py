"""Writes for people, the crisis team, roles on incidents, and notifications.

Each service is atomic and checks the actor's permission. Changes that concern an incident
land on its timeline; people concerned are notified through ``notify`` (one row per
recipient, reason and subject; email and chat go out from Celery after commit).
"""

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from config.errors import ApplicationError, NotPermitted
from config.languages import language_of, language_require
from config.outbound import DestinationRefused, public_url_check
from config.people import User, person_require_active
from config.permissions import (
    ASSIGN_ROLES,
    MANAGE_ONCALL,
    MANAGE_PEOPLE,
    MANAGE_ROSTER,
    require,
)
from config.when import InZone, zone_of
from incidents.models import Incident, TimelineEvent, WarRoomPart
from incidents.services import timeline_event_record

from .deliveries import deliveries_queue
from .models import (
    CHOOSABLE_REASONS,
    Delivery,
    Notification,
    NotificationPreference,
    OnCallShift,
    Reason,
    Role,
    RoleAssignment,
    RosterMember,
    validate_timezone,
)
from .selectors import may_staff, role_holders

# --- people ---------------------------------------------------------------------------------


@transaction.atomic
def person_update_profile(
    *,
    actor: User,
    person: User,
    department: Any = None,
    title: str = "",
    phone: str = "",
    timezone_name: str = "",
    webhook_url: str = "",
    language: str | None = None,
) -> User:
    """Everyone edits their own profile; admins edit anyone's. ``language`` None keeps it."""
    require(actor, MANAGE_PEOPLE, unless=actor.pk == person.pk)
    if language is not None:
        language_require(language, blank=True)
    timezone_name = timezone_name.strip()
    try:
        validate_timezone(timezone_name)
    except ValidationError as exc:
        raise ApplicationError(exc.messages[0], field="timezone") from exc
    webhook_url = webhook_url.strip()
    if webhook_url:
        try:
            public_url_check(webhook_url)
        except DestinationRefused as exc:
            raise ApplicationError(str(exc), field="webhook_url") from exc
    person = get_user_model().objects.select_for_update().get(pk=person.pk)
    person.department = department
    person.title = title.strip()
    person.phone = phone.strip()
    person.timezone = timezone_name
    person.webhook_url = webhook_url
    if language is not None:
        person.language = language
    person.save(
        update_fields=["department", "title", "phone", "timezone", "webhook_url", "language"]
    )
    return person


@transaction.atomic
def person_language_set(*, actor: User, person: User, language: str) -> User:
    """The language a person reads pages, emails and chat in ("" follows the browser)."""
    require(actor, MANAGE_PEOPLE, unless=actor.pk == person.pk)
    language_require(language, blank=True)
    person = get_user_model().objects.select_for_update().get(pk=person.pk)
    person.language = language
    person.save(update_fields=["language"])
    return person


@transaction.atomic
def notification_preferences_set(
    *, actor: User, person: User, choices: dict[str, tuple[bool, bool]]
) -> None:
    """Set, per reason, whether the person wants email and chat (in-app is always on)."""
    require(actor, MANAGE_PEOPLE, unless=actor.pk == person.pk)
    for reason, (email, webhook) in choices.items():
        if reason not in CHOOSABLE_REASONS:
            raise ApplicationError(
                _("“%(reason)s” is not a notification reason.") % {"reason": reason}
            )
        NotificationPreference.objects.update_or_create(
            person=person, reason=reason, defaults={"email": email, "webhook": webhook}
        )


# --- the standing team ----------------------------------------------------------------------


@transaction.atomic
def roster_add(*, actor: User, role: Role, person: User, kind: str) -> RosterMember:
    require(actor, MANAGE_ROSTER)
    if kind not in RosterMember.Kind.values:
        raise ApplicationError(_("Choose primary or backup."), field="kind")
    person_require_active(person)
    try:
        with transaction.atomic():
            return RosterMember.objects.create(role=role, person=person, kind=kind)
    except IntegrityError:
        raise ApplicationError(
            _("%(person)s is already on the roster as %(role)s.")
            % {"person": person, "role": role},
            field="person",
        ) from None


@transaction.atomic
def roster_remove(*, actor: User, member: RosterMember) -> None:
    require(actor, MANAGE_ROSTER)
    RosterMember.objects.filter(pk=member.pk).delete()


@transaction.atomic
def shift_add(
    *, actor: User, role: Role, person: User, starts_at: datetime, ends_at: datetime
) -> OnCallShift:
    require(actor, MANAGE_ONCALL)
    person_require_active(person)
    if ends_at <= starts_at:
        raise ApplicationError(_("A shift ends after it starts."), field="ends_at")
    if ends_at - starts_at > timedelta(days=31):
        raise ApplicationError(_("Keep a shift within 31 days."), field="ends_at")
    return OnCallShift.objects.create(
        role=role, person=person, starts_at=starts_at, ends_at=ends_at, created_by=actor
    )


@transaction.atomic
def shift_remove(*, actor: User, shift: OnCallShift) -> None:
    """Take back a planned shift. One that has begun is the record of who was on call (and
    whom escalations reached): it stays."""
    require(actor, MANAGE_ONCALL)
    if shift.starts_at <= timezone.now():
        raise ApplicationError(
            _("This shift has begun: it is the record of who was on call and stays.")
        )
    OnCallShift.objects.filter(pk=shift.pk).delete()


# --- roles on an incident -------------------------------------------------------------------


def _require_may_staff(actor: User, incident: Incident) -> None:
    require(actor, ASSIGN_ROLES, unless=may_staff(user=actor, incident=incident))


def _record_role_event(*, incident: Incident, actor: User, text: str, data: dict[str, Any]) -> None:
    timeline_event_record(
        incident=incident, actor=actor, kind=TimelineEvent.Kind.ROLE, text=text, data=data
    )


def _relieve(assignment: RoleAssignment, actor: User, now: datetime) -> None:
    assignment.relieved_at = now
    assignment.relieved_by = actor
    assignment.save(update_fields=["relieved_at", "relieved_by"])
    notify(
        recipients=[assignment.person],
        reason=Reason.ROLE_RELIEVED,
        subject=f"role-assignment:{assignment.pk}",
        title=lambda _zone: (
            _("%(reference)s: you are no longer %(role)s")
            % {"reference": assignment.incident.reference, "role": assignment.role}
        ),
        body=lambda _zone: (
            _("%(actor)s relieved you of this role on “%(title)s”.")
            % {"actor": actor, "title": assignment.incident.title}
        ),
        url=assignment.incident.part_url(WarRoomPart.ROLES),
        incident=assignment.incident,
    )


def _assign(
    *, actor: User, incident: Incident, role: Role, person: User, now: datetime
) -> RoleAssignment:
    assignment = RoleAssignment.objects.create(
        incident=incident, role=role, person=person, assigned_at=now, assigned_by=actor
    )
    notify(
        recipients=[person],
        reason=Reason.ROLE_ASSIGNED,
        subject=f"role-assignment:{assignment.pk}",
        title=lambda _zone: (
            _("%(reference)s: you are %(role)s") % {"reference": incident.reference, "role": role}
        ),
        body=lambda _zone: (
            _("%(actor)s gave you this role on “%(title)s”. %(responsibilities)s")
            % {
                "actor": actor,
                "title": incident.title,
                "responsibilities": role.said_responsibilities,
            }
        ),
        url=incident.part_url(WarRoomPart.ROLES),
        incident=incident,
    )
    return assignment


@transaction.atomic
def role_assign(
    *,
    actor: User,
    incident: Incident,
    role: Role,
    person: User,
    hand_over: bool | None = None,
) -> RoleAssignment:
    """Give a person a role on the incident.

    With ``hand_over`` (always for the crisis lead, who is one person) the current holders are
    relieved in the same transaction; otherwise the person joins them.
    """
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    _require_may_staff(actor, incident)
    if not incident.is_editable:
        raise ApplicationError(
            _("%(reference)s is %(status)s; its roles are part of the record.")
            % {"reference": incident.reference, "status": incident.get_status_display()}
        )
    person_require_active(person)
    if hand_over is None:
        hand_over = role.slug == Role.CRISIS_LEAD
    if role.slug == Role.CRISIS_LEAD and not hand_over:
        raise ApplicationError(
            _("An incident has one crisis lead: hand the role over instead."), field="role"
        )
    current = list(
        RoleAssignment.objects.select_for_update()
        .select_related("person", "role", "incident")
        .filter(incident=incident, role=role, relieved_at__isnull=True)
    )
    holding = next((a for a in current if a.person_id == person.pk), None)
    if holding is not None and (not hand_over or len(current) == 1):
        raise ApplicationError(
            _("%(person)s already holds this role.") % {"person": person}, field="person"
        )
    now = timezone.now()
    relieved = []
    if hand_over:
        for other in current:
            if other.person_id != person.pk:
                _relieve(other, actor, now)
                relieved.append(other.person)
    assignment = holding or _assign(
        actor=actor, incident=incident, role=role, person=person, now=now
    )
    if relieved:
        text = _("%(role)s handed over from %(old)s to %(new)s") % {
            "role": role,
            "old": ", ".join(str(p) for p in relieved),
            "new": person,
        }
    else:
        text = _("%(person)s is now %(role)s") % {"person": person, "role": role}
    _record_role_event(
        incident=incident,
        actor=actor,
        text=text,
        data={
            "role": role.slug,
            "assigned": person.pk,
            "relieved": [p.pk for p in relieved],
            "assignment": assignment.pk,
        },
    )
    return assignment


@transaction.atomic
def role_relieve(*, actor: User, assignment: RoleAssignment) -> RoleAssignment:
    """Relieve a holder of a role. The crisis lead of an open incident is handed over instead."""
    assignment = (
        RoleAssignment.objects.select_for_update()
        .select_related("incident", "role", "person")
        .get(pk=assignment.pk)
    )
    incident = assignment.incident
    _require_may_staff(actor, incident)
    if assignment.relieved_at is not None:
        return assignment
    if assignment.role_id == Role.CRISIS_LEAD and incident.is_open:
        raise ApplicationError(
            _("An open incident always has a crisis lead: hand the role over instead."),
            field="role",
        )
    _relieve(assignment, actor, timezone.now())
    _record_role_event(
        incident=incident,
        actor=actor,
        text=_("%(person)s relieved as %(role)s")
        % {"person": assignment.person, "role": assignment.role},
        data={"role": assignment.role_id, "relieved": [assignment.person_id]},
    )
    return assignment


def incident_staff_on_declare(*, actor: User, incident: Incident, crisis_lead: User) -> None:
    """Part of declaring (teams.flows.incident_declare): the declarer, or the person named,
    leads the new incident."""
    person_require_active(crisis_lead, field="crisis_lead")
    role = Role.objects.get(slug=Role.CRISIS_LEAD)
    assignment = _assign(
        actor=actor, incident=incident, role=role, person=crisis_lead, now=timezone.now()
    )
    _record_role_event(
        incident=incident,
        actor=actor,
        text=_("%(person)s is now %(role)s") % {"person": crisis_lead, "role": role},
        data={"role": role.slug, "assigned": crisis_lead.pk, "assignment": assignment.pk},
    )


# --- notifications --------------------------------------------------------------------------


def notify(
    *,
    recipients: Iterable[User | None],
    reason: str,
    subject: str,
    title: str | InZone,
    body: str | InZone = "",
    url: str = "",
    incident: Incident | None = None,
) -> list[Notification]:
    """Notify people once per (recipient, reason, subject): a repeat inserts nothing.

    In-app the row is the notification; email and chat follow the person's preferences: a
    delivery row each, sent by Celery after the surrounding transaction commits (and found by
    the sweeper should its task be lost, teams.deliveries). The title is one line (an
    email subject cannot hold a line break): line breaks in it become spaces.

    A title or body is given as a function of the zone (config.when.InZone): it is written
    once per zone and language among the recipients, each reading it in their own zone
    (config.when.zone_of) and language (config.languages.language_of); a plain string is
    the same for everyone. The subject is the same for every reader, so the once-only rule
    is too.
    """
    written: dict[tuple[str, str], tuple[str, str]] = {}

    def wording(zone: ZoneInfo, language: str) -> tuple[str, str]:
        if (zone.key, language) not in written:
            with timezone.override(zone), translation.override(language):
                said = title if isinstance(title, str) else title(zone)
                written[zone.key, language] = (
                    " ".join(line.strip() for line in said.splitlines() if line.strip())[:300],
                    body if isinstance(body, str) else body(zone),
                )
        return written[zone.key, language]

    people: dict[int, User] = {}
    for person in recipients:
        if person is not None and person.is_active:
            people.setdefault(person.pk, person)
    # One query for everyone's choices, not one per person.
    preferences = {
        preference.person_id: preference
        for preference in NotificationPreference.objects.filter(
            person_id__in=list(people), reason=reason
        )
    }
    created: list[Notification] = []
    for person in people.values():
        person_title, person_body = wording(zone_of(person), language_of(person))
        try:
            with transaction.atomic():
                notification = Notification.objects.create(
                    recipient=person,
                    reason=reason,
                    subject=subject,
                    incident=incident,
                    title=person_title,
                    body=person_body,
                    url=url,
                )
        except IntegrityError:
            continue  # already notified for this reason and subject
        created.append(notification)
        deliveries_queue(_deliveries_for(notification, person, preferences.get(person.pk)))
    return created


def notify_role(
    *,
    role: Role | str,
    reason: str,
    subject: str,
    title: str | InZone,
    body: str | InZone = "",
    url: str = "",
    incident: Incident | None = None,
) -> list[Notification]:
    """Notify whoever holds a role: its holders on the incident when it has any, otherwise
    whoever is on call for it now (shift, then roster, then backups)."""
    return notify(
        recipients=role_holders(role=role, incident=incident),
        reason=reason,
        subject=subject,
        title=title,
        body=body,
        url=url,
        incident=incident,
    )


def _deliveries_for(
    notification: Notification, person: User, preference: NotificationPreference | None
) -> list[Delivery]:
    """Email and chat as the person chose for this reason (both, when they never chose)."""
    wants_email = preference.email if preference else True
    wants_webhook = preference.webhook if preference else True
    now = timezone.now()
    deliveries = []
    if wants_email and person.email:
        deliveries.append(
            Delivery(
                notification=notification,
                channel=Delivery.Channel.EMAIL,
                target=person.email,
                queued_at=now,
            )
        )
    if wants_webhook and person.webhook_url:
        deliveries.append(
            Delivery(
                notification=notification,
                channel=Delivery.Channel.WEBHOOK,
                target=person.webhook_url,
                queued_at=now,
            )
        )
    return Delivery.objects.bulk_create(deliveries)


@transaction.atomic
def notification_mark_read(*, actor: User, notification: Notification) -> Notification:
    if notification.recipient_id != actor.pk:
        raise NotPermitted(_("This notification is someone else's."))
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


@transaction.atomic
def notifications_mark_all_read(*, actor: User) -> int:
    return Notification.objects.filter(recipient=actor, read_at__isnull=True).update(
        read_at=timezone.now()
    )
