"""Reads for people, the crisis team and notifications."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from config.people import AnyUser, User
from config.permissions import ASSIGN_ROLES, MANAGE_INCIDENT, MANAGE_PEOPLE, holds
from config.search import TurkishOrder, every_word
from incidents.models import Incident

from .models import (
    CHOOSABLE_REASONS,
    Notification,
    NotificationPreference,
    OnCallShift,
    Role,
    RoleAssignment,
    RosterMember,
)


def people(*, user: AnyUser) -> QuerySet[User]:
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .select_related("department")
        .prefetch_related("groups")
        .order_by(TurkishOrder("first_name"), TurkishOrder("last_name"), TurkishOrder("username"))
    )


def holders(permission: str) -> QuerySet[User]:
    """Everyone who holds the permission now: active, holding it directly, through a group or
    as a superuser (the rule Django's ModelBackend applies to one person, here in one query)."""
    app_label, codename = permission.split(".")
    granted = Permission.objects.filter(content_type__app_label=app_label, codename=codename)
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(
            Q(is_superuser=True)
            | Q(groups__permissions__in=granted)
            | Q(user_permissions__in=granted)
        )
        .distinct()
    )


def admins() -> QuerySet[User]:
    """The people who manage people and their rights (the admin site): told when something
    only they can mend is stuck, such as a message nobody left may approve."""
    return holders(MANAGE_PEOPLE)


def people_directory(*, user: AnyUser, query: str = "") -> QuerySet[User]:
    """Everyone active with department, groups and roster places; ``query`` narrows by name,
    username, title or department."""
    directory = people(user=user).prefetch_related(
        Prefetch("roster_places", queryset=RosterMember.objects.select_related("role"))
    )
    return directory.filter(
        every_word(
            query, "first_name", "last_name", "username", "title", "department__name", most=None
        )
    )


def person_get(*, user: AnyUser, pk: int) -> User:
    """One person, also one who can no longer log in (history still names them)."""
    return get_object_or_404(
        get_user_model().objects.select_related("department").prefetch_related("groups"), pk=pk
    )


def person_roster_places(*, person: User) -> QuerySet[RosterMember]:
    return RosterMember.objects.filter(person=person).select_related("role")


def person_active_roles(*, person: User) -> QuerySet[RoleAssignment]:
    """The roles the person holds now on incidents, newest first."""
    return (
        RoleAssignment.objects.filter(person=person, relieved_at__isnull=True)
        .select_related("role", "incident")
        .order_by("-assigned_at")
    )


def notification_preferences(*, person: User) -> dict[str, tuple[bool, bool]]:
    """Per reason: (email, chat) as the person chose; a reason never chosen is on for both."""
    chosen = {
        preference.reason: (preference.email, preference.webhook)
        for preference in NotificationPreference.objects.filter(person=person)
    }
    return {reason.value: chosen.get(reason, (True, True)) for reason in CHOOSABLE_REASONS}


@dataclass
class RosterRow:
    role: Role
    primary: list[Any] = field(default_factory=list)
    backup: list[Any] = field(default_factory=list)

    @property
    def active_primary(self) -> list[RosterMember]:
        return [member for member in self.primary if member.person.is_active]

    @property
    def active_backup(self) -> list[RosterMember]:
        return [member for member in self.backup if member.person.is_active]

    @property
    def gaps(self) -> list[str]:
        """What the role lacks; someone who can no longer log in fills no place."""
        missing = []
        if not self.active_primary:
            missing.append("primary")
        if not self.active_backup:
            missing.append("backup")
        return missing


def roster(*, user: AnyUser) -> list[RosterRow]:
    """Every role with its primary holders and backups; empty lists are the gaps."""
    members = RosterMember.objects.select_related("person", "person__department")
    rows = []
    for role in Role.objects.prefetch_related(Prefetch("roster", queryset=members)):
        row = RosterRow(role=role)
        for member in role.roster.all():
            (row.primary if member.kind == RosterMember.Kind.PRIMARY else row.backup).append(member)
        rows.append(row)
    return rows


def shifts(*, user: AnyUser, start: datetime, end: datetime) -> QuerySet[OnCallShift]:
    return (
        OnCallShift.objects.filter(ends_at__gt=start, starts_at__lt=end)
        .select_related("role", "person")
        .order_by("starts_at", "role__position")
    )


class OnCall(NamedTuple):
    """Who answers for a role at a moment, and where that answer comes from: "shift",
    "roster" (its primaries, nobody on shift), "backup" (no shift, no active primary) or
    "nobody"."""

    role: Role
    people: list[Any]
    source: str


def on_call(*, at: datetime | None = None, role: Role | str | None = None) -> list[OnCall]:
    """Who is on call for every role (or the one ``role``): the people on shift; without a
    shift, the roster's primaries, then its backups. People who can no longer log in are never
    on call. The board, the API, the people a role reaches and the escalation engine all ask
    this one function; it costs three queries whatever the number of roles."""
    at = at or timezone.now()
    roles = Role.objects.all()
    shifts = OnCallShift.objects.filter(
        starts_at__lte=at, ends_at__gt=at, person__is_active=True
    ).select_related("person")
    members = RosterMember.objects.filter(person__is_active=True).select_related("person")
    if role is not None:
        slug = role if isinstance(role, str) else role.slug
        roles, shifts, members = (
            roles.filter(slug=slug),
            shifts.filter(role_id=slug),
            members.filter(role_id=slug),
        )
    found: dict[tuple[str, str], list[Any]] = {}
    for shift in shifts:
        found.setdefault((shift.role_id, "shift"), []).append(shift.person)
    for member in members:
        source = "roster" if member.kind == RosterMember.Kind.PRIMARY else "backup"
        found.setdefault((member.role_id, source), []).append(member.person)
    answers = []
    for each in roles:
        source = next(
            (s for s in ("shift", "roster", "backup") if (each.slug, s) in found), "nobody"
        )
        answers.append(OnCall(role=each, people=found.get((each.slug, source), []), source=source))
    return answers


def on_call_now(*, role: Role | str, at: datetime | None = None) -> list[User]:
    """The people on call for one role now (see on_call)."""
    answers = on_call(at=at, role=role)
    return answers[0].people if answers else []


def role_holders(*, role: Role | str, incident: Incident | None = None) -> list[User]:
    """Who answers for a role: its holders on the incident when it has any, otherwise whoever
    is on call for it now (shift, then roster, then backups)."""
    slug = role if isinstance(role, str) else role.slug
    if incident is not None:
        holders = [
            assignment.person
            for assignment in RoleAssignment.objects.filter(
                incident=incident, role_id=slug, relieved_at__isnull=True
            ).select_related("person")
        ]
        if holders:
            return holders
    return on_call_now(role=slug)


def incident_roles(*, incident: Incident) -> QuerySet[RoleAssignment]:
    """All assignments of the incident, active first, with people and roles joined."""
    return (
        RoleAssignment.objects.filter(incident=incident)
        .select_related("role", "person", "assigned_by", "relieved_by")
        .order_by("relieved_at", "role__position", "assigned_at")
    )


def crisis_lead_of(*, incident: Incident) -> User | None:
    assignment = (
        RoleAssignment.objects.filter(
            incident=incident, role_id=Role.CRISIS_LEAD, relieved_at__isnull=True
        )
        .select_related("person")
        .first()
    )
    return assignment.person if assignment else None


def is_crisis_lead(*, incident: Incident, user: User) -> bool:
    return RoleAssignment.objects.filter(
        incident=incident, role_id=Role.CRISIS_LEAD, person=user, relieved_at__isnull=True
    ).exists()


def may_staff(*, user: User, incident: Incident) -> bool:
    """Who may assign, relieve and hand over roles on an incident: whoever may staff any
    incident, and the incident's own crisis lead."""
    return holds(user, ASSIGN_ROLES) or is_crisis_lead(incident=incident, user=user)


def may_lower_severity(*, user: User, incident: Incident) -> bool:
    """Who may make an incident less severe (a lower bar for approvals, a slower schedule):
    a manager (who may manage incidents) or the incident's own crisis lead. Anyone who may
    edit it may make it more severe."""
    return holds(user, MANAGE_INCIDENT) or is_crisis_lead(incident=incident, user=user)


def notifications(*, user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).select_related("incident")


def notification_get(*, user: User, pk: int) -> Notification:
    """One of the user's own notifications; anyone else's is not found."""
    return get_object_or_404(notifications(user=user), pk=pk)


def unread_notification_count(*, user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
