"""Every write to an incident, its timeline, claims and checklist: the record itself.

Each service is atomic, checks the actor's permission, and writes the timeline event that
records what changed (old and new values) in the same transaction. What the team does about a
change (naming the crisis lead, applying the communication plan, telling an assignee) belongs
to the layers above, whose flows call these services: pages and the API call the flows (see
teams.flows), never a service of the core that a flow completes.
"""

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from config.errors import ApplicationError, Conflict
from config.languages import language_of, language_require
from config.people import User, person_require_active
from config.permissions import (
    ADD_CHECKLIST_ITEM,
    ADD_CLAIM,
    ADD_NOTE,
    DECLARE_INCIDENT,
    EDIT_INCIDENT,
    MANAGE_INCIDENT,
    VERIFY_CLAIM,
    WORK_CHECKLIST_ITEM,
    require,
)

from .lifecycle import is_reopen, needs_postmortem_to_close, permission_for
from .models import (
    VERDICTS,
    Category,
    ChecklistItem,
    Claim,
    ClaimStatus,
    Incident,
    Promise,
    ReferenceCounter,
    Severity,
    Source,
    Status,
    Tag,
    TimelineEvent,
)

NOTE_MAX_LENGTH = 10_000
TAG_MAX_COUNT = 20
CHECKLIST_KEY_MAX_LENGTH = 100


class TransitionNotAllowed(Conflict):
    """The lifecycle table has no such move from the incident's current status."""


# --- timeline -------------------------------------------------------------------------------


def timeline_event_record(
    *,
    incident: Incident,
    actor: User | None,
    kind: str,
    text: str = "",
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> TimelineEvent:
    """Append one event to the incident's timeline (other apps call this for their events)."""
    now = timezone.now()
    return TimelineEvent.objects.create(
        incident=incident,
        actor=actor,
        kind=kind,
        text=text,
        data=data or {},
        at=at or now,
        recorded_at=now,
    )


# --- incidents ------------------------------------------------------------------------------


DRILL_PREFIX = "DRILL-"


def _next_reference(year: int, *, drill: bool = False) -> str:
    """Hand out the next number of the year; the counter's row lock makes it race-free.
    Drills have numbers of their own (DRILL-2026-0001), counted under the same lock, so a
    rehearsal never takes a number from the real incidents."""
    ReferenceCounter.objects.get_or_create(year=year)
    if drill:
        ReferenceCounter.objects.select_for_update().get(year=year)
        prefix = f"{DRILL_PREFIX}{year}-"
        taken = Incident.objects.filter(reference__startswith=prefix).values_list(
            "reference", flat=True
        )
        number = max((int(ref.removeprefix(prefix)) for ref in taken), default=0) + 1
        return f"{prefix}{number:04d}"
    ReferenceCounter.objects.filter(year=year).update(last_number=F("last_number") + 1)
    number = ReferenceCounter.objects.values_list("last_number", flat=True).get(year=year)
    return f"INC-{year}-{number:04d}"


def _clean_title(title: str) -> str:
    title = (title or "").strip()
    if not title:
        raise ApplicationError(_("Give the incident a title."), field="title")
    if len(title) > 200:
        raise ApplicationError(_("Keep the title within 200 characters."), field="title")
    return title


def _clean_choice(value: Any, choices: Any, field: str) -> Any:
    if value not in choices.values:
        raise ApplicationError(
            _("“%(value)s” is not a valid %(field)s.") % {"value": value, "field": field},
            field=field,
        )
    return value


def _clean_tags(tags: Iterable[str]) -> list[str]:
    names = sorted({t.strip().lower() for t in tags if t and t.strip()})
    if len(names) > TAG_MAX_COUNT:
        raise ApplicationError(
            _("Use at most %(count)d tags.") % {"count": TAG_MAX_COUNT}, field="tags"
        )
    for name in names:
        if len(name) > 50:
            raise ApplicationError(_("Keep each tag within 50 characters."), field="tags")
    return names


def _not_in_future(value: datetime, field: str) -> datetime:
    if timezone.is_naive(value):
        raise ApplicationError(_("Give the time with its timezone."), field=field)
    if value > timezone.now():
        raise ApplicationError(_("This time lies in the future."), field=field)
    return value


def incident_require_editable(incident: Incident) -> None:
    """Closed and declined incidents are part of the record: refuse to change them."""
    if not incident.is_editable:
        raise ApplicationError(
            _("%(reference)s is %(status)s; it is part of the record and cannot be changed.")
            % {"reference": incident.reference, "status": incident.get_status_display()}
        )


def _set_tags(incident: Incident, names: list[str]) -> None:
    existing = {tag.name: tag for tag in Tag.objects.filter(name__in=names)}
    missing = [Tag(name=name) for name in names if name not in existing]
    Tag.objects.bulk_create(missing, ignore_conflicts=True)
    incident.tags.set(Tag.objects.filter(name__in=names))


# A declare key: up to 64 letters, digits, dashes and underscores (a UUID fits). The declare
# form and the API check it with this pattern too.
DECLARE_KEY_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"


def declare_key_clean(key: str | None) -> str:
    key = (key or "").strip()
    if key and not re.fullmatch(DECLARE_KEY_PATTERN, key):
        raise ApplicationError(
            _("The declare key is up to 64 letters, digits, dashes and underscores."),
            field="declare_key",
        )
    return key


def incident_declared_with(*, actor: User, key: str) -> Incident | None:
    """The incident this person already declared with this key. Someone else's key is
    refused rather than handing them another person's declaration."""
    incident = Incident.objects.filter(declare_key=key).first()
    if incident is not None and incident.declared_by_id != actor.pk:
        raise Conflict(_("This declare key was used by someone else."), field="declare_key")
    return incident


@transaction.atomic
def incident_create(
    *,
    actor: User,
    title: str,
    severity: int,
    summary: str = "",
    category: str = Category.OTHER,
    source: str = Source.OTHER,
    tags: Iterable[str] = (),
    detected_at: datetime | None = None,
    declare_key: str = "",
    is_drill: bool = False,
    language: str = "",
) -> Incident:
    """The record of a new incident: its reference and the first timeline event. Declaring
    (teams.flows.incident_declare) also names its crisis lead and applies the plan.

    ``declare_key`` (sent by the declare form and API clients) is unique: the declare flow
    looks it up first (``incident_declared_with``), and a second send racing the first fails
    on the constraint instead of declaring twice."""
    require(actor, DECLARE_INCIDENT)
    declare_key = declare_key_clean(declare_key)
    title = _clean_title(title)
    _clean_choice(severity, Severity, "severity")
    _clean_choice(category, Category, "category")
    _clean_choice(source, Source, "source")
    tag_names = _clean_tags(tags)
    # The public speaks the declarer's language unless told otherwise; it can be changed.
    language = language_require(language) if language else language_of(actor)
    now = timezone.now()
    detected_at = _not_in_future(detected_at, "detected_at") if detected_at else now

    incident = Incident.objects.create(
        reference=_next_reference(now.year, drill=is_drill),
        title=title,
        summary=(summary or "").strip(),
        severity=severity,
        category=category,
        source=source,
        declared_by=actor,
        detected_at=detected_at,
        declare_key=declare_key or None,
        is_drill=is_drill,
        language=language,
    )
    if tag_names:
        _set_tags(incident, tag_names)
    timeline_event_record(
        incident=incident,
        actor=actor,
        kind=TimelineEvent.Kind.DECLARED,
        text=(
            _("Declared a drill, %(severity)s: %(title)s")
            if is_drill
            else _("Declared %(severity)s: %(title)s")
        )
        % {"severity": Severity(severity).short, "title": title},
        data={"severity": severity, "status": incident.status, "category": category}
        | ({"drill": True} if is_drill else {}),
    )
    return incident


@transaction.atomic
def incident_change(
    *,
    actor: User,
    incident: Incident,
    title: str | None = None,
    summary: str | None = None,
    severity: int | None = None,
    category: str | None = None,
    source: str | None = None,
    tags: Iterable[str] | None = None,
    reason: str = "",
    language: str | None = None,
) -> Incident:
    """Change the incident's details; only the fields given are touched; ``reason`` goes on
    the timeline with a new severity. Updating it (teams.flows.incident_update) also decides
    who may make it less severe and re-applies the plan when it grows more severe."""
    require(actor, EDIT_INCIDENT)
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    incident_require_editable(incident)

    wanted: dict[str, Any] = {}
    if title is not None:
        wanted["title"] = _clean_title(title)
    if summary is not None:
        wanted["summary"] = summary.strip()
    if severity is not None:
        wanted["severity"] = _clean_choice(severity, Severity, "severity")
    if category is not None:
        wanted["category"] = _clean_choice(category, Category, "category")
    if source is not None:
        wanted["source"] = _clean_choice(source, Source, "source")
    if language is not None:
        wanted["language"] = language_require(language)
    changes = {
        field: {"from": getattr(incident, field), "to": value}
        for field, value in wanted.items()
        if getattr(incident, field) != value
    }
    if tags is not None:
        new_tags = _clean_tags(tags)
        old_tags = sorted(incident.tags.values_list("name", flat=True))
        if new_tags != old_tags:
            _set_tags(incident, new_tags)
            changes["tags"] = {"from": old_tags, "to": new_tags}
    if not changes:
        return incident

    for field, change in changes.items():
        if field != "tags":
            setattr(incident, field, change["to"])
    incident.save()

    severity_change = changes.pop("severity", None)
    if severity_change:
        timeline_event_record(
            incident=incident,
            actor=actor,
            kind=TimelineEvent.Kind.SEVERITY,
            text=_("Severity %(old)s → %(new)s")
            % {
                "old": Severity(severity_change["from"]).short,
                "new": Severity(severity_change["to"]).short,
            }
            + (f" — {reason.strip()}" if reason.strip() else ""),
            data={**severity_change, **({"reason": reason.strip()} if reason.strip() else {})},
        )
    if changes:
        timeline_event_record(
            incident=incident,
            actor=actor,
            kind=TimelineEvent.Kind.UPDATED,
            text=_("Updated %(fields)s") % {"fields": ", ".join(sorted(changes))},
            data=changes,
        )
    return incident


def incident_lock(*, incident_id: int) -> Incident:
    """The incident, its row locked until the transaction ends (FOR NO KEY UPDATE: rows that
    point at it may still be added). Whatever decides on the incident and something of a higher
    layer (its postmortem, say) takes this lock first, then the other, so two such decisions
    wait on each other in the same order and never deadlock."""
    return Incident.objects.select_for_update(no_key=True).get(pk=incident_id)


@transaction.atomic
def incident_move(
    *,
    actor: User,
    incident: Incident,
    to: str,
    postmortem_published: bool,
    reason: str = "",
    waiver: str = "",
) -> Incident:
    """Move the incident along its lifecycle, stamping and clearing the timestamps: the record
    only. ``incident`` is the one locked by the caller (incident_lock) in this transaction, and
    ``postmortem_published`` was read under that lock; the one flow that moves an incident
    (postmortems.flows.incident_transition) does both.

    The same status is a no-op. Declining needs a reason; closing a SEV1/SEV2 needs its
    postmortem published or a waiver text from someone who may manage incidents.
    """
    source = incident.status
    if to == source:
        return incident
    if to not in Status.values:
        raise TransitionNotAllowed(
            _("“%(status)s” is not a status an incident can have.") % {"status": to},
            field="to",
        )
    permission = permission_for(source, to)
    if permission is None:
        raise TransitionNotAllowed(
            _("An incident cannot move from %(from)s to %(to)s.")
            % {"from": Status(source).label, "to": Status(to).label},
            field="to",
        )
    require(actor, permission)
    reason = (reason or "").strip()
    waiver = (waiver or "").strip()
    if to == Status.DECLINED and not reason:
        raise ApplicationError(
            _("Say why this is a false alarm before declining it."), field="reason"
        )
    if to == Status.CLOSED and needs_postmortem_to_close(incident) and not postmortem_published:
        if not waiver:
            raise ApplicationError(
                _(
                    "A %(severity)s incident needs a published postmortem before it is "
                    "closed; a manager may record a waiver instead."
                )
                % {"severity": incident.severity_enum.short},
                field="waiver",
            )
        require(actor, MANAGE_INCIDENT)

    now = timezone.now()
    if source == Status.DETECTED and incident.acknowledged_at is None:
        incident.acknowledged_at = now
    if to == Status.RESOLVED:
        incident.resolved_at = now
    if is_reopen(source, to):
        incident.resolved_at = None
    if to in (Status.CLOSED, Status.DECLINED):
        incident.closed_at = now
    incident.status = to
    incident.save()

    if to == Status.CLOSED and waiver:
        timeline_event_record(
            incident=incident,
            actor=actor,
            kind=TimelineEvent.Kind.WAIVER,
            text=waiver,
            data={"severity": incident.severity},
        )
    timeline_event_record(
        incident=incident,
        actor=actor,
        kind=TimelineEvent.Kind.STATUS,
        text=(
            _("Reopened: %(from)s → %(to)s")
            if is_reopen(source, to)
            else _("Status %(from)s → %(to)s")
        )
        % {"from": Status(source).label, "to": Status(to).label}
        + (f" — {reason}" if reason else ""),
        data={"from": source, "to": to, "reason": reason},
    )
    return incident


@transaction.atomic
def incident_first_response_record(*, incident: Incident, at: datetime) -> Incident:
    """The first public statement went out (called when a message is published)."""
    updated = Incident.objects.filter(pk=incident.pk, first_response_at__isnull=True).update(
        first_response_at=max(at, incident.detected_at)
    )
    if updated:
        incident.refresh_from_db(fields=["first_response_at"])
    return incident


@transaction.atomic
def incident_acknowledge(*, actor: User, incident: Incident) -> Incident:
    """Record that a person has seen the incident; acknowledging twice changes nothing."""
    require(actor, EDIT_INCIDENT)
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    if incident.acknowledged_at is not None:
        return incident
    incident_require_editable(incident)
    incident.acknowledged_at = timezone.now()
    incident.save(update_fields=["acknowledged_at", "updated_at"])
    timeline_event_record(
        incident=incident,
        actor=actor,
        kind=TimelineEvent.Kind.ACKNOWLEDGED,
        text=_("Acknowledged"),
    )
    return incident


@transaction.atomic
def incident_note_add(
    *, actor: User, incident: Incident, text: str, at: datetime | None = None
) -> TimelineEvent:
    """A note on the timeline. ``at`` back-dates it to when the thing happened."""
    require(actor, ADD_NOTE)
    text = (text or "").strip()
    if not text:
        raise ApplicationError(_("Write the note first."), field="text")
    if len(text) > NOTE_MAX_LENGTH:
        raise ApplicationError(
            _("Keep a note within %(count)d characters.") % {"count": NOTE_MAX_LENGTH},
            field="text",
        )
    if at is not None:
        _not_in_future(at, "at")
    return timeline_event_record(
        incident=incident, actor=actor, kind=TimelineEvent.Kind.NOTE, text=text, at=at
    )


# --- claims (the rumour register) -----------------------------------------------------------


@transaction.atomic
def claim_add(
    *,
    actor: User,
    incident: Incident,
    statement: str,
    seen_at_location: str = "",
    first_seen_at: datetime | None = None,
) -> Claim:
    require(actor, ADD_CLAIM)
    incident_require_editable(incident)
    statement = (statement or "").strip()
    if not statement:
        raise ApplicationError(_("Write down what is being claimed."), field="statement")
    if first_seen_at is not None:
        _not_in_future(first_seen_at, "first_seen_at")
    claim = Claim.objects.create(
        incident=incident,
        statement=statement,
        seen_at_location=(seen_at_location or "").strip()[:500],
        first_seen_at=first_seen_at or timezone.now(),
        created_by=actor,
    )
    timeline_event_record(
        incident=incident,
        actor=actor,
        kind=TimelineEvent.Kind.CLAIM,
        text=_("Claim recorded: %(claim)s") % {"claim": statement},
        data={"claim": claim.pk, "status": claim.status},
    )
    return claim


@transaction.atomic
def claim_set_status(
    *, actor: User, claim: Claim, status: str | None = None, evidence: str = ""
) -> Claim:
    """Move a claim to a new status (None: the one it has, e.g. to add evidence to a verdict).
    A verdict (confirmed, false, partly true) needs evidence."""
    require(actor, VERIFY_CLAIM)
    claim = Claim.objects.select_for_update().select_related("incident").get(pk=claim.pk)
    incident_require_editable(claim.incident)
    status = claim.status if status is None else status
    _clean_choice(status, ClaimStatus, "status")
    evidence = (evidence or "").strip()
    if status == claim.status and (not evidence or evidence == claim.evidence):
        return claim
    if status in VERDICTS and not (evidence or claim.evidence):
        raise ApplicationError(
            _("Record the evidence that supports this verdict."), field="evidence"
        )
    old_status = claim.status
    claim.status = status
    if evidence:
        claim.evidence = evidence
    if status in VERDICTS:
        claim.verified_by = actor
        claim.verified_at = timezone.now()
    else:
        claim.verified_by = None
        claim.verified_at = None
    claim.save()
    timeline_event_record(
        incident=claim.incident,
        actor=actor,
        kind=TimelineEvent.Kind.CLAIM,
        text=_("Claim %(old)s → %(new)s: %(claim)s")
        % {
            "old": ClaimStatus(old_status).label,
            "new": ClaimStatus(status).label,
            "claim": claim.statement,
        },
        data={"claim": claim.pk, "from": old_status, "to": status, "evidence": evidence},
    )
    return claim


# --- checklist ------------------------------------------------------------------------------


def _clean_assignee(assignee: User | None) -> User | None:
    return None if assignee is None else person_require_active(assignee, field="assignee")


@transaction.atomic
def checklist_item_create(
    *,
    actor: User,
    incident: Incident,
    title: str,
    assignee: User | None = None,
    due_at: datetime | None = None,
    key: str = "",
    meets: str = "",
) -> ChecklistItem:
    """Add an item. An item with a ``key`` (one from a plan) is added once: when the incident
    already has it, that item is returned as it is and the timeline stays untouched. Adding
    one from a page (teams.flows.checklist_item_add) also tells its assignee. ``meets``: the
    incident's promise the item does (a Promise), kept by ``checklist_promise_kept``."""
    require(actor, ADD_CHECKLIST_ITEM)
    if meets:
        _clean_choice(meets, Promise, "meets")
    incident_require_editable(incident)
    title = (title or "").strip()
    if not title:
        raise ApplicationError(_("Say what needs doing."), field="title")
    if len(title) > 300:
        raise ApplicationError(_("Keep the item within 300 characters."), field="title")
    if len(key) > CHECKLIST_KEY_MAX_LENGTH:
        raise ApplicationError(
            _("Keep the key within %(count)d characters.") % {"count": CHECKLIST_KEY_MAX_LENGTH},
            field="key",
        )
    if key and (existing := ChecklistItem.objects.filter(incident=incident, key=key).first()):
        return existing
    try:
        # A savepoint: a concurrent add of the same key hits the partial unique constraint.
        with transaction.atomic():
            item = ChecklistItem.objects.create(
                incident=incident,
                title=title,
                key=key,
                assignee=_clean_assignee(assignee),
                due_at=due_at,
                meets=meets,
                created_by=actor,
            )
    except IntegrityError:
        if not key:
            raise
        return ChecklistItem.objects.get(incident=incident, key=key)
    timeline_event_record(
        incident=incident,
        actor=actor,
        kind=TimelineEvent.Kind.CHECKLIST,
        text=_("Checklist item added: %(title)s") % {"title": title},
        data={
            "item": item.pk,
            "assignee": assignee.pk if assignee else None,
            "due_at": due_at.isoformat() if due_at else None,
            **({"key": key} if key else {}),
        },
    )
    return item


def _locked_item(item: ChecklistItem) -> ChecklistItem:
    locked = ChecklistItem.objects.select_for_update().select_related("incident").get(pk=item.pk)
    incident_require_editable(locked.incident)
    return locked


@transaction.atomic
def checklist_item_assign(
    *, actor: User, item: ChecklistItem, assignee: User | None
) -> ChecklistItem:
    require(actor, WORK_CHECKLIST_ITEM)
    item = _locked_item(item)
    if item.assignee_id == (assignee.pk if assignee else None):
        return item
    old = item.assignee
    item.assignee = _clean_assignee(assignee)
    item.save(update_fields=["assignee"])
    timeline_event_record(
        incident=item.incident,
        actor=actor,
        kind=TimelineEvent.Kind.CHECKLIST,
        text=_("“%(title)s” assigned to %(person)s")
        % {"title": item.title, "person": assignee or _("nobody")},
        data={
            "item": item.pk,
            "assignee": {
                "from": old.pk if old else None,
                "to": assignee.pk if assignee else None,
            },
        },
    )
    return item


@transaction.atomic
def checklist_item_set_due(
    *, actor: User, item: ChecklistItem, due_at: datetime | None
) -> ChecklistItem:
    require(actor, WORK_CHECKLIST_ITEM)
    item = _locked_item(item)
    if item.due_at == due_at:
        return item
    old = item.due_at
    item.due_at = due_at
    item.save(update_fields=["due_at"])
    timeline_event_record(
        incident=item.incident,
        actor=actor,
        kind=TimelineEvent.Kind.CHECKLIST,
        text=_("“%(title)s” due time changed") % {"title": item.title},
        data={
            "item": item.pk,
            "due_at": {
                "from": old.isoformat() if old else None,
                "to": due_at.isoformat() if due_at else None,
            },
        },
    )
    return item


@transaction.atomic
def checklist_item_set_done(*, actor: User, item: ChecklistItem, done: bool) -> ChecklistItem:
    """Tick the item done, or open it again."""
    require(actor, WORK_CHECKLIST_ITEM)
    item = _locked_item(item)
    if item.is_done == done:
        return item
    item.done_at = timezone.now() if done else None
    item.done_by = actor if done else None
    item.save(update_fields=["done_at", "done_by"])
    timeline_event_record(
        incident=item.incident,
        actor=actor,
        kind=TimelineEvent.Kind.CHECKLIST,
        text=(_("Done: %(title)s") if done else _("Reopened: %(title)s")) % {"title": item.title},
        data={"item": item.pk, "done": done},
    )
    return item


@transaction.atomic
def checklist_promise_kept(
    *, incident: Incident, promise: str, by: User, at: datetime
) -> list[ChecklistItem]:
    """The incident kept a promise (its first public statement went out): every open item
    that does that promise is done, by whoever kept it (the statement's author), each on the
    timeline. Called by the schedule when it meets the promise's deadline."""
    _clean_choice(promise, Promise, "meets")
    items = list(
        ChecklistItem.objects.select_for_update().filter(
            incident=incident, meets=promise, done_at__isnull=True
        )
    )
    for item in items:
        item.done_at = at
        item.done_by = by
        item.save(update_fields=["done_at", "done_by"])
        timeline_event_record(
            incident=incident,
            actor=by,
            kind=TimelineEvent.Kind.CHECKLIST,
            text=_("Done: %(title)s (%(promise)s was published)")
            % {"title": item.title, "promise": Promise(promise).label},
            data={"item": item.pk, "done": True, "meets": promise},
        )
    return items
