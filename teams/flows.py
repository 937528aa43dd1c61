"""What happens when people work an incident, from the record to the people it concerns.

Each flow is one function: it calls the incident core for the record (incidents.services),
then does what the team owes the change: name the crisis lead, put the communication plan on
the checklist, tell whoever was given work. Pages and the API call these, never the core
service a flow completes, so a newcomer reads everything that happens on "declare" here.
Moving an incident along its lifecycle depends on its postmortem, so that one flow lives in the
highest layer it touches (postmortems.flows.incident_transition), built from the pieces here
and below (incidents.services.incident_move, schedule.incident_moved).
"""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from config.errors import ApplicationError, NotPermitted
from config.partial import UNCHANGED
from config.people import User
from config.when import moment_for
from incidents import services as incident_services
from incidents.models import Category, ChecklistItem, Incident, Source, WarRoomPart

from .models import Playbook, Reason
from .playbooks.services import playbook_apply, playbook_version_to_use
from .schedule import engine as schedule
from .selectors import may_lower_severity
from .services import incident_staff_on_declare, notify
from .stakeholders.services import communication_plan_apply


@transaction.atomic
def incident_declare(
    *,
    actor: User,
    title: str,
    severity: int,
    summary: str = "",
    category: str = Category.OTHER,
    source: str = Source.OTHER,
    tags: Iterable[str] = (),
    detected_at: datetime | None = None,
    crisis_lead: User | None = None,
    playbook: Playbook | None = None,
    declare_key: str = "",
    is_drill: bool = False,
) -> Incident:
    """Declare an incident: the record, its crisis lead (the declarer unless ``crisis_lead``
    names someone else; a declarer who leads has acknowledged it), the communication plan of
    its severity on its checklist, its response schedule (the policy copied onto it; the
    lead's acknowledgement when someone else declared, the first statement and the
    checklist's due items planned) and, when declared from a playbook, the playbook's current
    version applied.

    With a ``declare_key``, sending the same declaration again (a double click, a retried API
    call) returns the incident the first send declared, with nothing added twice."""
    declare_key = incident_services.declare_key_clean(declare_key)
    version = playbook_version_to_use(playbook) if playbook is not None else None
    if declare_key and (
        existing := incident_services.incident_declared_with(actor=actor, key=declare_key)
    ):
        return _declared_again(actor=actor, incident=existing, version=version)
    try:
        with transaction.atomic():
            incident = incident_services.incident_create(
                actor=actor,
                title=title,
                severity=severity,
                summary=summary,
                category=category,
                source=source,
                tags=tags,
                detected_at=detected_at,
                declare_key=declare_key,
                is_drill=is_drill,
            )
    except IntegrityError:
        # The same key declared at this very moment by a second send: the first one won.
        existing = (
            incident_services.incident_declared_with(actor=actor, key=declare_key)
            if declare_key
            else None
        )
        if existing is None:
            raise
        return _declared_again(actor=actor, incident=existing, version=version)
    lead = crisis_lead or actor
    incident_staff_on_declare(actor=actor, incident=incident, crisis_lead=lead)
    if lead.pk == actor.pk:
        # Declaring is acknowledging: whoever declares and leads has seen it. A lead named by
        # someone else acknowledges for themselves (the acknowledge deadline is theirs).
        incident = incident_services.incident_acknowledge(actor=actor, incident=incident)
    communication_plan_apply(actor=actor, incident=incident)
    schedule.incident_schedule_start(incident=incident)
    if version is not None:
        playbook_apply(actor=actor, incident=incident, version=version)
    schedule.checklist_deadlines_sync(incident=incident)
    return incident


def _declared_again(*, actor: User, incident: Incident, version: Any) -> Incident:
    """A second send of a declaration: the first incident, with the playbook applied if the
    first send's was not (each item once)."""
    if version is not None and incident.is_editable:
        playbook_apply(actor=actor, incident=incident, version=version)
    return incident


@transaction.atomic
def incident_playbook_apply(*, actor: User, incident: Incident, playbook: Playbook) -> Any:
    """Apply a playbook's current version to a running incident: only what is missing is
    added. Returns the run and the items added."""
    version = playbook_version_to_use(playbook)
    return playbook_apply(actor=actor, incident=incident, version=version)


@transaction.atomic
def incident_acknowledge(*, actor: User, incident: Incident) -> Incident:
    """Acknowledge the incident: the record, and its acknowledge deadline met."""
    incident = incident_services.incident_acknowledge(actor=actor, incident=incident)
    schedule.incident_acknowledged(incident=incident)
    return incident


def _less_severe(severity: Any, *, than: int) -> bool:
    """SEV1 is the most severe: a higher number is less severe. A value that is no severity
    at all is left to the record's own check (incidents.services.incident_change)."""
    try:
        return int(severity) > than
    except (TypeError, ValueError):
        return False


@transaction.atomic
def incident_update(
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
    """Change the incident's details (only those given). Grown more severe, it gets the plan
    of its new severity too: the stakeholders named there are told as well. Made less severe
    (a lower bar for approvals, a slower schedule), it is the decision of a manager or its
    crisis lead (selectors.may_lower_severity), with a reason on the timeline. A new severity
    re-plans its open deadlines on that severity's policy."""
    severity_before = (
        Incident.objects.select_for_update().values_list("severity", flat=True).get(pk=incident.pk)
    )
    if severity is not None and _less_severe(severity, than=severity_before):
        if not may_lower_severity(user=actor, incident=incident):
            raise NotPermitted(
                _(
                    "Only the crisis lead or a manager may make %(reference)s less severe: it "
                    "lowers the bar for approvals and slows the schedule."
                )
                % {"reference": incident.reference}
            )
        if not (reason or "").strip():
            raise ApplicationError(
                _("Say why the incident is less severe than it was."), field="reason"
            )
    incident = incident_services.incident_change(
        actor=actor,
        incident=incident,
        title=title,
        summary=summary,
        severity=severity,
        category=category,
        source=source,
        tags=tags,
        reason=reason,
        language=language,
    )
    if incident.severity < severity_before:
        communication_plan_apply(actor=actor, incident=incident)
        schedule.checklist_deadlines_sync(incident=incident)
    if incident.severity != severity_before:
        schedule.incident_severity_changed(actor=actor, incident=incident, before=severity_before)
    return incident


def _tell_assignee(*, actor: User, item: ChecklistItem) -> None:
    """Tell the new assignee, unless they assigned the item to themselves."""
    if item.assignee is None or item.assignee.pk == actor.pk:
        return
    notify(
        recipients=[item.assignee],
        reason=Reason.CHECKLIST_ASSIGNED,
        subject=f"checklist-item:{item.pk}:{item.assignee.pk}",
        title=lambda _zone: (
            _("%(reference)s: to do for you: %(title)s")
            % {"reference": item.incident.reference, "title": item.title}
        ),
        body=lambda _zone: (
            _("%(actor)s assigned it to you.") % {"actor": actor}
            + (
                " " + _("Due %(at)s.") % {"at": moment_for(item.assignee, item.due_at)}
                if item.due_at
                else ""
            )
        ),
        url=item.incident.part_url(WarRoomPart.CHECKLIST),
        incident=item.incident,
    )


@transaction.atomic
def checklist_item_add(
    *,
    actor: User,
    incident: Incident,
    title: str,
    assignee: User | None = None,
    due_at: datetime | None = None,
) -> ChecklistItem:
    """Add an item to the incident's checklist and tell its assignee."""
    item = incident_services.checklist_item_create(
        actor=actor, incident=incident, title=title, assignee=assignee, due_at=due_at
    )
    _tell_assignee(actor=actor, item=item)
    schedule.checklist_item_sync(item=item)
    return item


@transaction.atomic
def checklist_item_update(
    *,
    actor: User,
    item: ChecklistItem,
    assignee: User | None = UNCHANGED,
    due_at: datetime | None = UNCHANGED,
    done: bool = UNCHANGED,
) -> ChecklistItem:
    """Assign, set the due time, tick done or open again: only what is given changes, all or
    nothing. A new assignee is told."""
    if assignee is not UNCHANGED:
        item = incident_services.checklist_item_assign(actor=actor, item=item, assignee=assignee)
        _tell_assignee(actor=actor, item=item)  # once per assignee: a repeat notifies nobody
    if due_at is not UNCHANGED:
        item = incident_services.checklist_item_set_due(actor=actor, item=item, due_at=due_at)
    if done is not UNCHANGED:
        item = incident_services.checklist_item_set_done(actor=actor, item=item, done=done)
    schedule.checklist_item_sync(item=item)
    return item
