"""Writes for stakeholders, the communication plan, and keeping people informed.

Each service is atomic and checks the actor's permission. What concerns an incident lands on
its timeline: applying the plan adds checklist items, telling a group ticks its item, a staff
briefing notifies everyone it is addressed to (once per person).
"""

from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from config.errors import ApplicationError, Conflict
from config.people import User
from config.permissions import (
    BRIEF_STAFF,
    MANAGE_STAKEHOLDERS,
    RECORD_STAKEHOLDER_UPDATE,
    require,
)
from config.queue import enqueue
from incidents import services as incident_services
from incidents.models import ChecklistItem, Incident, Severity, TimelineEvent
from teams.models import (
    Channel,
    CommunicationPlanEntry,
    Department,
    Reason,
    StaffBriefing,
    StakeholderContact,
    StakeholderGroup,
    StakeholderUpdate,
    stakeholder_checklist_key,
)
from teams.schedule import engine as schedule
from teams.services import notify

from . import selectors

WITHIN_MINUTES_MAX = 7 * 24 * 60
SUMMARY_MAX_LENGTH = 5000
BRIEFING_MAX_LENGTH = 5000


def _text(value: str | None, *, field: str, max_length: int, required: str = "") -> str:
    """Strip the value; ``required`` is the message when it is empty."""
    value = (value or "").strip()
    if required and not value:
        raise ApplicationError(required, field=field)
    if len(value) > max_length:
        raise ApplicationError(
            _("Keep this within %(count)d characters.") % {"count": max_length}, field=field
        )
    return value


def _channel(value: str, field: str = "channel") -> str:
    if value not in Channel.values:
        raise ApplicationError(_("“%(value)s” is not a channel.") % {"value": value}, field=field)
    return value


# --- groups and contacts --------------------------------------------------------------------


@transaction.atomic
def stakeholder_group_save(
    *,
    actor: User,
    group: StakeholderGroup | None = None,
    name: str,
    kind: str,
    description: str = "",
) -> StakeholderGroup:
    """Add a stakeholder group, or change one."""
    require(actor, MANAGE_STAKEHOLDERS)
    name = _text(name, field="name", max_length=150, required=_("Name the group."))
    if kind not in StakeholderGroup.Kind.values:
        raise ApplicationError(
            _("“%(value)s” is not a kind of stakeholder.") % {"value": kind}, field="kind"
        )
    taken = StakeholderGroup.objects.filter(name__iexact=name)
    if group is not None:
        taken = taken.exclude(pk=group.pk)
    if taken.exists():
        raise Conflict(
            _("There is already a group called “%(name)s”.") % {"name": name}, field="name"
        )
    group = group or StakeholderGroup()
    group.name = name
    group.kind = kind
    group.description = (description or "").strip()
    try:
        with transaction.atomic():
            group.save()
    except IntegrityError:
        raise Conflict(
            _("There is already a group called “%(name)s”.") % {"name": name}, field="name"
        ) from None
    return group


@transaction.atomic
def stakeholder_contact_save(
    *,
    actor: User,
    contact: StakeholderContact | None = None,
    group: StakeholderGroup,
    name: str,
    organisation: str = "",
    email: str = "",
    phone: str = "",
    preferred_channel: str = Channel.EMAIL,
    notes: str = "",
) -> StakeholderContact:
    """Add a contact to a group, or change one (which may move it to another group)."""
    require(actor, MANAGE_STAKEHOLDERS)
    name = _text(name, field="name", max_length=150, required=_("Name the contact."))
    organisation = _text(organisation, field="organisation", max_length=150)
    email = _text(email, field="email", max_length=254)
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise ApplicationError(_("Enter a valid email address."), field="email") from None
    phone = _text(phone, field="phone", max_length=40)
    _channel(preferred_channel, "preferred_channel")
    contact = contact or StakeholderContact()
    contact.group = group
    contact.name = name
    contact.organisation = organisation
    contact.email = email
    contact.phone = phone
    contact.preferred_channel = preferred_channel
    contact.notes = (notes or "").strip()
    contact.save()
    return contact


@transaction.atomic
def stakeholder_contact_remove(*, actor: User, contact: StakeholderContact) -> None:
    require(actor, MANAGE_STAKEHOLDERS)
    StakeholderContact.objects.filter(pk=contact.pk).delete()


# --- the communication plan -----------------------------------------------------------------


@transaction.atomic
def plan_entry_save(
    *,
    actor: User,
    entry: CommunicationPlanEntry | None = None,
    severity: int,
    group: StakeholderGroup,
    channel: str,
    within_minutes: int,
    notes: str = "",
) -> CommunicationPlanEntry:
    """Add an entry to the plan ("for SEV1, tell the regulators by email within 60 minutes"),
    or change one. Running incidents keep the checklist items they already have."""
    require(actor, MANAGE_STAKEHOLDERS)
    if severity not in Severity.values:
        raise ApplicationError(
            _("“%(value)s” is not a severity.") % {"value": severity}, field="severity"
        )
    _channel(channel)
    if (
        not isinstance(within_minutes, int)
        or isinstance(within_minutes, bool)
        or not 1 <= within_minutes <= WITHIN_MINUTES_MAX
    ):
        raise ApplicationError(
            _("Give a time between 1 minute and one week (%(max)d minutes).")
            % {"max": WITHIN_MINUTES_MAX},
            field="within_minutes",
        )
    notes = _text(notes, field="notes", max_length=300)
    clash = CommunicationPlanEntry.objects.filter(severity=severity, group=group, channel=channel)
    if entry is not None:
        clash = clash.exclude(pk=entry.pk)
    duplicate = Conflict(
        _("The plan already tells %(group)s via %(channel)s for %(severity)s; change that entry.")
        % {
            "group": group,
            "channel": Channel(channel).label,
            "severity": Severity(severity).short,
        },
        field="channel",
    )
    if clash.exists():
        raise duplicate
    entry = entry or CommunicationPlanEntry()
    entry.severity = severity
    entry.group = group
    entry.channel = channel
    entry.within_minutes = within_minutes
    entry.notes = notes
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError:
        raise duplicate from None
    return entry


@transaction.atomic
def plan_entry_remove(*, actor: User, entry: CommunicationPlanEntry) -> None:
    require(actor, MANAGE_STAKEHOLDERS)
    CommunicationPlanEntry.objects.filter(pk=entry.pk).delete()


def stakeholder_item_title(group: Any, channel_label: Any) -> str:
    """The checklist item that asks to tell a group through a channel (the plan's, a
    playbook's)."""
    return _("Tell %(group)s via %(channel)s") % {"group": group, "channel": channel_label}


def _plan_item_title(entry: CommunicationPlanEntry) -> str:
    title = stakeholder_item_title(entry.group, entry.get_channel_display())
    if entry.notes:
        title = f"{title}: {entry.notes}"
    return title[:300]


@transaction.atomic
def communication_plan_apply(*, actor: User, incident: Incident) -> list[ChecklistItem]:
    """Put the plan for the incident's current severity on its checklist.

    One item per plan entry, due within the entry's time from now, keyed so that applying
    again adds nothing. An open item that a more severe plan wants sooner is brought forward.
    Called by the incident services on behalf of their actor (who may add checklist items);
    a closed or declined incident is left alone.
    """
    if not incident.is_editable:
        return []
    now = timezone.now()
    items = []
    for entry in selectors.plan_entries_for(severity=incident.severity):
        due_at = now + timedelta(minutes=entry.within_minutes)
        item = incident_services.checklist_item_create(
            actor=actor,
            incident=incident,
            title=_plan_item_title(entry),
            due_at=due_at,
            key=entry.checklist_key,
        )
        if not item.is_done and item.due_at is not None and item.due_at > due_at:
            item = incident_services.checklist_item_set_due(actor=actor, item=item, due_at=due_at)
        schedule.checklist_item_sync(item=item)
        items.append(item)
    return items


# --- during an incident ---------------------------------------------------------------------


def _told_at(value: datetime | None, incident: Incident, now: datetime) -> datetime:
    if value is None:
        return now
    if timezone.is_naive(value):
        raise ApplicationError(_("Give the time with its timezone."), field="told_at")
    if value > now:
        raise ApplicationError(_("This time lies in the future."), field="told_at")
    if value < incident.detected_at:
        raise ApplicationError(
            _("This time lies before the incident was detected."), field="told_at"
        )
    return value


@transaction.atomic
def stakeholder_update_record(
    *,
    actor: User,
    incident: Incident,
    group: StakeholderGroup,
    channel: str,
    told_at: datetime | None = None,
    summary: str = "",
) -> StakeholderUpdate:
    """Record that a group was told something (``told_at`` back-dates it). The plan's open
    checklist item for that group and channel is ticked."""
    require(actor, RECORD_STAKEHOLDER_UPDATE)
    incident_services.incident_require_editable(incident)
    _channel(channel)
    summary = _text(summary, field="summary", max_length=SUMMARY_MAX_LENGTH)
    now = timezone.now()
    told_at = _told_at(told_at, incident, now)

    update = StakeholderUpdate.objects.create(
        incident=incident,
        group=group,
        channel=channel,
        told_at=told_at,
        summary=summary,
        recorded_by=actor,
    )
    item = ChecklistItem.objects.filter(
        incident=incident,
        key=stakeholder_checklist_key(group.pk, channel),
        done_at__isnull=True,
    ).first()
    if item is not None:
        item = incident_services.checklist_item_set_done(actor=actor, item=item, done=True)
        schedule.checklist_item_sync(item=item)
    told = {"group": group, "channel": Channel(channel).label}
    incident_services.timeline_event_record(
        incident=incident,
        actor=actor,
        kind=TimelineEvent.Kind.STAKEHOLDERS,
        text=(
            _("Told %(group)s via %(channel)s: %(summary)s") % {**told, "summary": summary}
            if summary
            else _("Told %(group)s via %(channel)s") % told
        ),
        data={
            "update": update.pk,
            "group": group.pk,
            "channel": channel,
            "item": item.pk if item else None,
        },
        at=told_at,
    )
    return update


def _briefing_audience(departments: list[Department]) -> Any:
    """Everyone who can log in, or the people of these departments."""
    people = get_user_model().objects.filter(is_active=True).order_by("pk")
    return people.filter(department__in=departments) if departments else people


def staff_briefing_audience_count(
    departments: Iterable[Department], *, field: str = "departments"
) -> int:
    """How many people a briefing to these departments (none: everyone) reaches; a refusal
    when it would reach nobody who can log in."""
    count = _briefing_audience(list(departments)).count()
    if not count:
        raise Conflict(_("Nobody who can log in works in the chosen departments."), field=field)
    return count


BRIEF_TASK = "teams.tasks.brief_staff"


def _queue_chunk(briefing: StaffBriefing) -> None:
    """After commit, queue the task for the briefing's next chunk (the people after the one it
    reached). The row says when (queued_at): should the task be lost, the sweeper queues it
    again."""
    transaction.on_commit(
        partial(enqueue, BRIEF_TASK, briefing.pk, briefing.reached_through), robust=True
    )


@transaction.atomic
def staff_briefing_send(
    *,
    actor: User,
    incident: Incident,
    text: str,
    departments: Iterable[Department] = (),
) -> StaffBriefing:
    """Brief everyone who can log in, or the people of the chosen departments: what an
    approved staff-briefing message does when it goes out (communications.messaging.publishing, in
    the name of the approver who completed its approval). Each person is notified once
    (in-app, and by email or chat as they chose), by Celery in chunks after commit: the
    briefing is to be delivered to its recipients, and says how far it has got.
    """
    require(actor, BRIEF_STAFF, unless=selectors.may_brief_staff(user=actor, incident=incident))
    incident_services.incident_require_editable(incident)
    text = _text(
        text,
        field="text",
        max_length=BRIEFING_MAX_LENGTH,
        required=_("Write the briefing first."),
    )
    chosen = sorted(set(departments), key=lambda department: department.name)
    count = staff_briefing_audience_count(chosen)

    now = timezone.now()
    briefing = StaffBriefing.objects.create(
        incident=incident,
        text=text,
        author=actor,
        sent_at=now,
        recipient_count=count,
        queued_at=now,
    )
    briefing.departments.set(chosen)
    _queue_chunk(briefing)

    audience = ", ".join(department.name for department in chosen) if chosen else _("all staff")
    incident_services.timeline_event_record(
        incident=incident,
        actor=actor,
        kind=TimelineEvent.Kind.BRIEFING,
        text=ngettext(
            "Staff briefing to %(audience)s, to be delivered to %(count)d person: %(text)s",
            "Staff briefing to %(audience)s, to be delivered to %(count)d people: %(text)s",
            briefing.recipient_count,
        )
        % {"audience": audience, "count": briefing.recipient_count, "text": text},
        data={
            "briefing": briefing.pk,
            "departments": [department.pk for department in chosen],
            "recipients": briefing.recipient_count,
        },
    )
    return briefing


def staff_briefing_fan_out(*, briefing_id: int, after: int) -> int:
    """Notify the next STAFF_BRIEFING_CHUNK people of the briefing, those whose id follows
    ``after``, and queue the chunk after them (run by Celery). A task whose ``after`` is not
    where the briefing stands (delivered twice, or replaced by the sweeper's) notifies nobody;
    a person is notified once anyway. Returns how many were notified by this run."""
    with transaction.atomic():
        briefing = (
            StaffBriefing.objects.select_for_update(of=("self",))
            .select_related("incident")
            .filter(pk=briefing_id)
            .first()
        )
        if briefing is None or briefing.notified_at is not None:
            return 0
        if briefing.reached_through != after:
            return 0
        size = settings.STAFF_BRIEFING_CHUNK
        people = list(
            _briefing_audience(list(briefing.departments.all())).filter(pk__gt=after)[: size + 1]
        )
        chunk = people[:size]
        incident = briefing.incident
        notified = notify(
            recipients=chunk,
            reason=Reason.STAFF_BRIEFING,
            subject=briefing.notification_subject,
            incident=incident,
            url=incident.get_absolute_url(),
            title=lambda _zone: (
                _("%(reference)s: staff briefing") % {"reference": incident.reference}
            ),
            body=briefing.text,
        )
        now = timezone.now()
        briefing.notified_count += len(notified)
        if chunk:
            briefing.reached_through = chunk[-1].pk
        if len(people) > size:
            briefing.queued_at = now
            _queue_chunk(briefing)
        else:
            briefing.notified_at = now
            briefing.queued_at = None
        briefing.save(
            update_fields=["notified_count", "reached_through", "notified_at", "queued_at"]
        )
    return len(notified)


def staff_briefings_sweep(*, now: datetime | None = None) -> int:
    """Queue again the next chunk of each briefing still going out whose task was lost (beat,
    every 15 s): not come DELIVERY_REQUEUE_SECONDS after it was queued. Returns how many."""
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.DELIVERY_REQUEUE_SECONDS)
    with transaction.atomic():
        lost = list(
            StaffBriefing.objects.select_for_update(skip_locked=True)
            .filter(notified_at__isnull=True)
            .filter(Q(queued_at__isnull=True) | Q(queued_at__lte=stale))
            .values_list("pk", "reached_through")
        )
        StaffBriefing.objects.filter(pk__in=[pk for pk, _after in lost]).update(queued_at=now)
    for pk, after in lost:
        enqueue(BRIEF_TASK, pk, after)
    return len(lost)
