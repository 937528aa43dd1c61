"""Writing playbooks and using them.

A playbook is written as versions: saving one with anything changed writes version n + 1 and
leaves version n as it was, so an incident started from it keeps what it was given. Applying a
version to an incident (when declaring, or later) adds its checklist, the roles to staff and
the stakeholders to tell as checklist items, each keyed so that applying again, from a second
send or a second click, adds only what is missing.
"""

import hashlib
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.errors import ApplicationError
from config.people import User
from config.permissions import ADD_CHECKLIST_ITEM, MANAGE_PLAYBOOKS, require
from incidents import services as incident_services
from incidents.models import (
    Category,
    ChecklistItem,
    Incident,
    Promise,
    Severity,
    TimelineEvent,
)
from teams.models import (
    Channel,
    Playbook,
    PlaybookRun,
    PlaybookStakeholder,
    PlaybookVersion,
    Role,
    RoleAssignment,
    StakeholderGroup,
    stakeholder_checklist_key,
)
from teams.schedule import engine as schedule
from teams.selectors import on_call_now
from teams.stakeholders.services import stakeholder_item_title

from . import selectors

UNCHANGED: Any = object()

MAX_CHECKLIST_ITEMS = 50
MAX_DUE_MINUTES = 14 * 24 * 60  # two weeks
MAX_STAKEHOLDERS = 30
MAX_TEXT = 20_000


def playbook_item_key(playbook_id: int, title: str) -> str:
    """The checklist key of a playbook item: the same title in any version of the playbook is
    the same item, so a newer version applied later does not add it twice."""
    digest = hashlib.sha256(" ".join(title.lower().split()).encode()).hexdigest()[:16]
    return f"playbook:{playbook_id}:{digest}"


def playbook_role_key(role_slug: str) -> str:
    """The checklist key of "staff this role": one per role, whichever playbook asks."""
    return f"staff-role:{role_slug}"


# --- writing --------------------------------------------------------------------------------


def _minutes(value: Any, *, field: str, required: bool) -> int | None:
    if value in (None, "") and not required:
        return None
    if type(value) is not int or not 0 <= value <= MAX_DUE_MINUTES:
        raise ApplicationError(
            _("Give the minutes as a whole number from 0 to %(most)d (two weeks).")
            % {"most": MAX_DUE_MINUTES},
            field=field,
        )
    return value


def _checklist(items: Iterable[Any]) -> list[dict[str, Any]]:
    """Each item: its title, due minutes (or None), the role that owns it (a role's slug, or
    None: the crisis lead) and the incident's promise it does (a Promise, or None)."""
    roles = set(Role.objects.values_list("slug", flat=True))
    cleaned: list[dict[str, Any]] = []
    seen: set[str] = set()
    for item in items or []:
        if not isinstance(item, dict):
            raise ApplicationError(
                _("Each checklist item has a title and a due time in minutes."), field="checklist"
            )
        title = " ".join(str(item.get("title") or "").split())
        if not title:
            raise ApplicationError(_("Each checklist item needs a title."), field="checklist")
        if len(title) > 300:
            raise ApplicationError(
                _("Keep each checklist item within 300 characters."), field="checklist"
            )
        if title.lower() in seen:
            raise ApplicationError(
                _("“%(title)s” is on the checklist twice.") % {"title": title}, field="checklist"
            )
        seen.add(title.lower())
        due = _minutes(item.get("due_minutes"), field="checklist", required=False)
        role = item.get("role") or None
        if role is not None and role not in roles:
            raise ApplicationError(
                _("“%(title)s”: choose one of the roles (%(roles)s).")
                % {"title": title, "roles": ", ".join(sorted(roles))},
                field="checklist",
            )
        meets = item.get("meets") or None
        if meets is not None and meets not in Promise.values:
            raise ApplicationError(
                _("“%(title)s” can keep only %(promises)s.")
                % {"title": title, "promises": ", ".join(str(p.label) for p in Promise)},
                field="checklist",
            )
        # Role and promise only when set: a version written before they existed stays equal.
        cleaned.append(
            {"title": title, "due_minutes": due}
            | ({"role": role} if role else {})
            | ({"meets": meets} if meets else {})
        )
    if len(cleaned) > MAX_CHECKLIST_ITEMS:
        raise ApplicationError(
            _("At most %(count)d checklist items.") % {"count": MAX_CHECKLIST_ITEMS},
            field="checklist",
        )
    return cleaned


def _stakeholders(entries: Iterable[Any]) -> list[tuple[int, str, int]]:
    """(group id, channel, within minutes) of each entry, as ``_version_content`` has them."""
    cleaned: list[tuple[int, str, int]] = []
    seen: set[tuple[int, str]] = set()
    for entry in entries or []:
        group, channel = entry.get("group"), entry.get("channel")
        if not isinstance(group, StakeholderGroup):
            raise ApplicationError(_("Choose one of the stakeholder groups."), field="stakeholders")
        if channel not in Channel.values:
            raise ApplicationError(_("Choose one of the channels."), field="stakeholders")
        if (group.pk, channel) in seen:
            raise ApplicationError(
                _("%(group)s via this channel is listed twice.") % {"group": group},
                field="stakeholders",
            )
        seen.add((group.pk, channel))
        minutes = _minutes(entry.get("within_minutes"), field="stakeholders", required=True)
        cleaned.append((group.pk, channel, minutes or 0))
    if len(cleaned) > MAX_STAKEHOLDERS:
        raise ApplicationError(
            _("At most %(count)d stakeholder entries.") % {"count": MAX_STAKEHOLDERS},
            field="stakeholders",
        )
    return cleaned


def _version_content(version: PlaybookVersion | None) -> dict[str, Any]:
    """What a version says, in the shape ``playbook_save`` takes (to compare and to copy)."""
    if version is None:
        return {}
    return {
        "scenario": version.scenario,
        "severity_hint": version.severity_hint,
        "first_steps": version.first_steps,
        "checklist": version.checklist,
        "roles": sorted(role.pk for role in version.roles.all()),
        "stakeholders": [
            (entry.group_id, entry.channel, entry.within_minutes)
            for entry in version.stakeholders.all()
        ],
    }


@transaction.atomic
def playbook_save(
    *,
    actor: User,
    playbook: Playbook | None = None,
    name: str = UNCHANGED,
    category: str = UNCHANGED,
    scenario: str = UNCHANGED,
    severity_hint: int = UNCHANGED,
    first_steps: str = UNCHANGED,
    checklist: list[dict[str, Any]] = UNCHANGED,
    roles: Iterable[Role] = UNCHANGED,
    stakeholders: list[dict[str, Any]] = UNCHANGED,
    note: str = "",
    also_changed: bool = False,
) -> PlaybookVersion:
    """Write a new playbook (name, category and scenario needed) or a new version of one (only
    what is given changes; the rest is copied from the current version). Nothing changed:
    the current version is returned and no version is written. ``also_changed`` says that
    something kept outside teams changed (the templates), which needs a new version too."""
    require(actor, MANAGE_PLAYBOOKS)
    if playbook is None:
        for field, value in (("name", name), ("category", category), ("scenario", scenario)):
            if value is UNCHANGED:
                raise ApplicationError(_("This field is required."), field=field)
        current = None
    else:
        playbook = Playbook.objects.select_for_update().get(pk=playbook.pk)
        current = selectors.playbook_current(playbook)
    if name is not UNCHANGED:
        name = " ".join((name or "").split())
        if not name or len(name) > 150:
            raise ApplicationError(_("Name the playbook in up to 150 characters."), field="name")
        if Playbook.objects.filter(name__iexact=name).exclude(pk=getattr(playbook, "pk", 0)):
            raise ApplicationError(_("Another playbook has this name."), field="name")
    if category is not UNCHANGED and category not in Category.values:
        raise ApplicationError(_("Choose one of the categories."), field="category")
    content = _version_content(current)
    given: dict[str, Any] = {}
    if scenario is not UNCHANGED:
        scenario = (scenario or "").strip()
        if not scenario or len(scenario) > MAX_TEXT:
            raise ApplicationError(
                _("Describe the situation the playbook is for."), field="scenario"
            )
        given["scenario"] = scenario
    if severity_hint is not UNCHANGED:
        if severity_hint not in Severity.values:
            raise ApplicationError(_("Choose one of the severities."), field="severity_hint")
        given["severity_hint"] = severity_hint
    if first_steps is not UNCHANGED:
        first_steps = (first_steps or "").strip()
        if len(first_steps) > MAX_TEXT:
            raise ApplicationError(
                _("Keep the first steps within %(count)d characters.") % {"count": MAX_TEXT},
                field="first_steps",
            )
        given["first_steps"] = first_steps
    if checklist is not UNCHANGED:
        given["checklist"] = _checklist(checklist)
    if roles is not UNCHANGED:
        chosen = list(roles or [])
        if any(not isinstance(role, Role) for role in chosen):
            raise ApplicationError(_("Choose roles from the catalogue."), field="roles")
        given["roles"] = sorted({role.pk for role in chosen})
    if stakeholders is not UNCHANGED:
        given["stakeholders"] = _stakeholders(stakeholders)
    note = (note or "").strip()[:300]

    if playbook is None:
        playbook = Playbook.objects.create(name=name, category=category, created_by=actor)
    else:
        renamed = {
            field: value
            for field, value in (("name", name), ("category", category))
            if value is not UNCHANGED and getattr(playbook, field) != value
        }
        for field, value in renamed.items():
            setattr(playbook, field, value)
        if renamed:
            playbook.save(update_fields=list(renamed))
        unchanged = all(content.get(field) == value for field, value in given.items())
        if current is not None and not also_changed and unchanged:
            return current
    merged = {**content, **given}
    version = PlaybookVersion.objects.create(
        playbook=playbook,
        number=(current.number + 1) if current else 1,
        scenario=merged["scenario"],
        severity_hint=merged.get("severity_hint", Severity.SEV2),
        first_steps=merged.get("first_steps", ""),
        checklist=merged.get("checklist", []),
        note=note or (_("First version") if current is None else ""),
        created_by=actor,
    )
    version.roles.set(merged.get("roles", []))
    PlaybookStakeholder.objects.bulk_create(
        PlaybookStakeholder(version=version, group_id=group, channel=channel, within_minutes=m)
        for group, channel, m in merged.get("stakeholders", [])
    )
    return version


@transaction.atomic
def playbook_archive(*, actor: User, playbook: Playbook, archived: bool = True) -> Playbook:
    """An archived playbook is no longer offered when declaring; incidents keep theirs."""
    require(actor, MANAGE_PLAYBOOKS)
    playbook = Playbook.objects.select_for_update().get(pk=playbook.pk)
    playbook.archived_at = (playbook.archived_at or timezone.now()) if archived else None
    playbook.save(update_fields=["archived_at"])
    return playbook


# --- using ----------------------------------------------------------------------------------


def playbook_version_to_use(playbook: Playbook) -> PlaybookVersion:
    """The version an incident gets from this playbook now: its current one, unless the
    playbook is archived (or, never, has none)."""
    fresh = Playbook.objects.filter(pk=playbook.pk, archived_at__isnull=True).first()
    version = selectors.playbook_current(fresh) if fresh is not None else None
    if version is None:
        raise ApplicationError(
            _("The playbook “%(name)s” is archived.") % {"name": playbook.name},
            field="playbook",
        )
    return version


def _due(run: PlaybookRun, minutes: int | None) -> Any:
    return None if minutes is None else run.applied_at + timedelta(minutes=minutes)


def _role_item_title(role: Role) -> str:
    suggested = selectors.role_suggestions(role)
    if suggested:
        return (
            _("Staff the role %(role)s (from the roster: %(people)s)")
            % {"role": role, "people": ", ".join(str(person) for person in suggested)}
        )[:300]
    return _("Staff the role %(role)s (nobody on the roster holds it)") % {"role": role}


def _role_owner(role: str | None, holders: dict[str, User]) -> User | None:
    """Who owns a playbook item of this role: its holder in the incident, else the person on
    call for it, else nobody named (its deadline then goes to the crisis lead)."""
    if not role:
        return None
    if role in holders:
        return holders[role]
    on_call = on_call_now(role=role)
    return on_call[0] if on_call else None


@transaction.atomic
def playbook_apply(
    *, actor: User, incident: Incident, version: PlaybookVersion
) -> tuple[PlaybookRun, list[ChecklistItem]]:
    """Apply a version to a running incident: its checklist (due so many minutes after it is
    applied: when declaring, that is the declaration; each item owned by its role's holder in
    the incident, else the person on call for it, else the crisis lead; an item that does one
    of the incident's promises takes the promise's deadline, or is done when it is already
    kept), a "staff the role" item for each role nobody holds yet, naming who the roster
    suggests, and an item for each stakeholder group to tell. Each item is added once:
    applying again adds only what is missing, and returns the items added."""
    require(actor, ADD_CHECKLIST_ITEM)
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    incident_services.incident_require_editable(incident)
    run, created = PlaybookRun.objects.get_or_create(
        incident=incident, version=version, defaults={"applied_by": actor}
    )
    have = set(incident.checklist.exclude(key="").values_list("key", flat=True))
    holders = {
        assignment.role_id: assignment.person
        for assignment in RoleAssignment.objects.filter(
            incident=incident, relieved_at__isnull=True
        ).select_related("person")
    }
    # (key, title, due, owner, promise): a title is a callable when making it costs queries
    # (the roster's suggestions), so an item already on the checklist costs none.
    wanted: list[tuple[str, Any, Any, User | None, str]] = []
    # The incident's promises the version's items do, asked once each.
    promises = {
        kind: schedule.promise_deadline(incident=incident, kind=kind)
        for kind in {item.get("meets") for item in version.checklist}
        if kind
    }
    for item in version.checklist:
        key = playbook_item_key(version.playbook_id, item["title"])
        due_at = _due(run, item.get("due_minutes"))
        meets = item.get("meets") or ""
        if (promise := promises.get(meets)) is not None:
            due_at = promise.due_at  # one job, one time: the policy's promise
        owner = _role_owner(item.get("role"), holders) if key not in have else None
        wanted.append((key, item["title"], due_at, owner, meets))
    for role in version.roles.all():
        if role.pk not in holders:
            wanted.append(
                (
                    playbook_role_key(role.pk),
                    lambda role=role: _role_item_title(role),
                    None,
                    None,
                    "",
                )
            )
    for entry in version.stakeholders.select_related("group"):
        key = stakeholder_checklist_key(entry.group_id, entry.channel)
        title = stakeholder_item_title(entry.group, entry.get_channel_display())
        wanted.append((key, title, _due(run, entry.within_minutes), None, ""))
    added = []
    for key, title, due_at, owner, meets in wanted:
        if key in have:
            continue
        have.add(key)
        item = incident_services.checklist_item_create(
            actor=actor,
            incident=incident,
            title=title() if callable(title) else title,
            assignee=owner,
            due_at=due_at,
            key=key,
            meets=meets,
        )
        kept = promises.get(meets)
        if kept is not None and kept.met_at is not None:
            incident_services.checklist_promise_kept(
                incident=incident, promise=meets, by=actor, at=kept.met_at
            )
            item.refresh_from_db()
        schedule.checklist_item_sync(item=item)
        added.append(item)
    if created or added:
        incident_services.timeline_event_record(
            incident=incident,
            actor=actor,
            kind=TimelineEvent.Kind.NOTE,
            text=_("Playbook “%(name)s” (version %(number)d) applied: %(count)d items added.")
            % {"name": version.playbook.name, "number": version.number, "count": len(added)},
            data={"playbook": version.playbook_id, "version": version.number, "added": len(added)},
        )
    return run, added
