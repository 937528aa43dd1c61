"""Reads for people, the crisis team and notifications."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from .models import (
    Drill,
    Notification,
    OnCallShift,
    Role,
    RoleAssignment,
    RosterMember,
)


def people(*, user: Any) -> QuerySet[Any]:
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .select_related("department")
        .prefetch_related("groups")
        .order_by("first_name", "last_name", "username")
    )


@dataclass
class RosterRow:
    role: Role
    primary: list[Any] = field(default_factory=list)
    backup: list[Any] = field(default_factory=list)

    @property
    def gaps(self) -> list[str]:
        missing = []
        if not self.primary:
            missing.append("primary")
        if not self.backup:
            missing.append("backup")
        return missing


def roster(*, user: Any) -> list[RosterRow]:
    """Every role with its primary holders and backups; empty lists are the gaps."""
    members = RosterMember.objects.select_related("person", "person__department")
    rows = []
    for role in Role.objects.prefetch_related(Prefetch("roster", queryset=members)):
        row = RosterRow(role=role)
        for member in role.roster.all():
            (row.primary if member.kind == RosterMember.Kind.PRIMARY else row.backup).append(member)
        rows.append(row)
    return rows


def shifts(*, user: Any, start: datetime, end: datetime) -> QuerySet[OnCallShift]:
    return (
        OnCallShift.objects.filter(ends_at__gt=start, starts_at__lt=end)
        .select_related("role", "person")
        .order_by("starts_at", "role__position")
    )


def on_call_now(*, role: Role | str, at: datetime | None = None) -> list[Any]:
    """Who holds the role now: people on shift; without a shift, the roster's primaries, then
    its backups. The escalation engine asks this to pick whom to page."""
    at = at or timezone.now()
    slug = role if isinstance(role, str) else role.slug
    on_shift = [
        shift.person
        for shift in OnCallShift.objects.filter(
            role_id=slug, starts_at__lte=at, ends_at__gt=at, person__is_active=True
        ).select_related("person")
    ]
    if on_shift:
        return on_shift
    for kind in (RosterMember.Kind.PRIMARY, RosterMember.Kind.BACKUP):
        members = [
            member.person
            for member in RosterMember.objects.filter(
                role_id=slug, kind=kind, person__is_active=True
            ).select_related("person")
        ]
        if members:
            return members
    return []


def on_call_board(*, user: Any, at: datetime | None = None) -> list[tuple[Role, list[Any], str]]:
    """For every role: who is on call now and where that answer comes from."""
    at = at or timezone.now()
    current: dict[str, list[Any]] = {}
    for shift in OnCallShift.objects.filter(starts_at__lte=at, ends_at__gt=at).select_related(
        "person"
    ):
        current.setdefault(shift.role_id, []).append(shift.person)
    board = []
    for row in roster(user=user):
        if row.role.slug in current:
            board.append((row.role, current[row.role.slug], "shift"))
        elif row.primary:
            board.append((row.role, [m.person for m in row.primary], "roster"))
        elif row.backup:
            board.append((row.role, [m.person for m in row.backup], "backup"))
        else:
            board.append((row.role, [], "nobody"))
    return board


def drills(*, user: Any) -> QuerySet[Drill]:
    return Drill.objects.select_related("created_by").prefetch_related("participants")


def incident_roles(*, incident: Any) -> QuerySet[RoleAssignment]:
    """All assignments of the incident, active first, with people and roles joined."""
    return (
        RoleAssignment.objects.filter(incident=incident)
        .select_related("role", "person", "assigned_by", "relieved_by")
        .order_by("relieved_at", "role__position", "assigned_at")
    )


def incident_active_roles(*, incident: Any) -> QuerySet[RoleAssignment]:
    return incident_roles(incident=incident).filter(relieved_at__isnull=True)


def crisis_lead_of(*, incident: Any) -> Any:
    assignment = (
        RoleAssignment.objects.filter(
            incident=incident, role_id=Role.CRISIS_LEAD, relieved_at__isnull=True
        )
        .select_related("person")
        .first()
    )
    return assignment.person if assignment else None


def is_crisis_lead(*, incident: Any, user: Any) -> bool:
    return RoleAssignment.objects.filter(
        incident=incident, role_id=Role.CRISIS_LEAD, person=user, relieved_at__isnull=True
    ).exists()


def notifications(*, user: Any) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).select_related("incident")


def unread_notification_count(*, user: Any) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
