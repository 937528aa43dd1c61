"""The escalation engine: deadlines planned, met, re-planned, and their steps fired once.

How a step is kept (the Grafana OnCall way): after the transaction commits, one Celery task is
queued with an ETA and its id is stored on the deadline. The task locks the row and acts only
if its id is still the expected one and the deadline is open; it records the step (once per
deadline and position: a duplicate delivery inserts nothing), notifies through the teams
notification service (once per person and step), and queues the next step the same way.

A sweeper re-drives any step overdue by more than a minute, so a lost task, a broker restart
or a worker killed mid-step delays a notification by at most a minute and a sweep, never
loses it. Deadlines, not queued tasks, are the truth.
"""

import logging
import time
import uuid
from datetime import datetime, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from celery import current_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from config.errors import ApplicationError, Conflict
from config.people import User
from config.permissions import ADMIN, MANAGER, WORK_DEADLINES, require
from config.queue import enqueue
from config.when import InZone, moment_in, site_zone
from incidents import services as incident_services
from incidents.models import ChecklistItem, Incident, Promise, TimelineEvent
from incidents.services import timeline_event_record

from ..models import Deadline, DeadlineStep, EngineHealth, Reason, Role
from ..models.schedule import (
    TARGET_CRISIS_LEAD,
    TARGET_EXECUTIVE_SPONSOR,
    TARGET_MANAGERS,
    TARGET_ON_CALL,
    TARGET_OWNER,
    DeadlineQuerySet,
)
from ..selectors import crisis_lead_of, on_call_now, role_holders
from ..services import notify
from .policies import incident_plan_copy, incident_policy

logger = logging.getLogger(__name__)
K = Deadline.Kind

# A step is due "now" within this much: a task that wakes a little early still fires it.
EARLY_TOLERANCE = timedelta(seconds=1)
SNOOZE_MINUTES = (5, 10, 15, 30, 60, 120, 240)


def open_deadlines() -> DeadlineQuerySet:
    return Deadline.objects.filter(met_at__isnull=True, cancelled_at__isnull=True)


# --- planning ------------------------------------------------------------------------------


def _arm(deadline: Deadline, now: datetime) -> None:
    """Point the deadline at its first step still to come. Planned already overdue, its first
    escalation fires at once, with every later level whose time has passed too (whoever should
    know by now is told, once); a reminder in the past is skipped: it would remind of nothing."""
    deadline.next_step = None
    deadline.next_step_at = None
    first_escalation = next(
        (p for p in range(deadline.step_count) if not deadline.step_is_reminder(p)), None
    )
    if (
        first_escalation is not None
        and deadline.due_at <= now
        and deadline.step_at(first_escalation) < now
    ):
        deadline.next_step, deadline.next_step_at = first_escalation, now
        return
    for position in range(deadline.step_count):
        at = deadline.step_at(position)
        if at >= now:
            deadline.next_step, deadline.next_step_at = position, at
            return


def _schedule(deadline: Deadline) -> None:
    """Queue the task for the deadline's next step after commit; its id becomes the one the
    deadline expects (an older task finds another id and exits).

    A step further away than SCHEDULE_QUEUE_HORIZON_SECONDS is not queued yet (an empty id):
    the sweeper queues it once it comes within the horizon. The broker then never holds an ETA
    longer than its visibility timeout, which Redis would deliver again and again.
    """
    deadline.task_id = ""
    if deadline.next_step is None or deadline.next_step_at is None:
        return
    if deadline.snoozed_until and deadline.next_step_at < deadline.snoozed_until:
        deadline.next_step_at = deadline.snoozed_until
    horizon = timedelta(seconds=settings.SCHEDULE_QUEUE_HORIZON_SECONDS)
    if deadline.next_step_at > timezone.now() + horizon:
        return
    task_id = uuid.uuid4().hex
    deadline.task_id = task_id
    transaction.on_commit(
        partial(
            enqueue,
            "teams.tasks.deadline_step",
            deadline.pk,
            task_id,
            eta=deadline.next_step_at,
            task_id=task_id,
        )
    )


@transaction.atomic
def deadline_plan(
    *,
    kind: str,
    subject: str,
    title: str,
    due_at: datetime,
    incident: Incident | None = None,
    owner: User | None = None,
    url: str = "",
    anchor_at: datetime | None = None,
) -> Deadline:
    """Plan a deadline (or re-plan the open one of this kind and subject when its due time or
    owner changed): its chain is the incident's policy's, copied onto the row."""
    now = timezone.now()
    existing = open_deadlines().select_for_update().filter(kind=kind, subject=subject).first()
    if existing is not None:
        same = (existing.due_at, existing.owner_id, existing.incident_id) == (
            due_at,
            getattr(owner, "pk", None),
            getattr(incident, "pk", None),
        )
        if same:
            return existing
        _close(existing, cancelled=True, reason=_("Re-planned"), now=now)
    policy = incident_policy(incident)
    deadline = Deadline(
        incident=incident,
        kind=kind,
        subject=subject,
        title=title[:300],
        url=url or (incident.get_absolute_url() if incident else ""),
        owner=owner,
        anchor_at=anchor_at or now,
        due_at=due_at,
        steps=policy["steps"],
        repeat_minutes=policy["repeat_minutes"],
        repeat_times=policy["repeat_times"],
        created_at=now,
    )
    _arm(deadline, now)
    deadline.save()
    _schedule(deadline)
    deadline.save(update_fields=["task_id", "next_step_at"])
    return deadline


def _close(deadline: Deadline, *, cancelled: bool, reason: str = "", now: datetime) -> None:
    if cancelled:
        deadline.cancelled_at = now
        deadline.cancel_reason = reason[:300]
    else:
        deadline.met_at = now
    deadline.next_step = None
    deadline.next_step_at = None
    deadline.task_id = ""  # a task already queued finds no id to match and exits
    deadline.save()


@transaction.atomic
def deadlines_meet(
    *, kind: str, subject: str | None = None, incident: Incident | None = None
) -> int:
    """Mark the open deadlines of a kind (for one subject, or all of an incident) met."""
    found = _select(kind=kind, subject=subject, incident=incident)
    now = timezone.now()
    for deadline in found:
        _close(deadline, cancelled=False, now=now)
    return len(found)


@transaction.atomic
def deadlines_cancel(
    *,
    reason: str,
    kind: str | None = None,
    subject: str | None = None,
    incident: Incident | None = None,
) -> int:
    """Cancel open deadlines (of a kind, a subject, or all of an incident) with the reason."""
    found = _select(kind=kind, subject=subject, incident=incident)
    now = timezone.now()
    for deadline in found:
        _close(deadline, cancelled=True, reason=reason, now=now)
    return len(found)


def _select(*, kind: str | None, subject: str | None, incident: Incident | None) -> list[Deadline]:
    found = open_deadlines().select_for_update()
    if kind is not None:
        found = found.filter(kind=kind)
    if subject is not None:
        found = found.filter(subject=subject)
    if incident is not None:
        found = found.filter(incident=incident)
    return list(found.order_by("pk"))


# --- what the flows call --------------------------------------------------------------------


def _subject(incident: Incident, kind: str) -> str:
    return f"incident:{incident.pk}:{kind}"


def _communications_owner(incident: Incident) -> User | None:
    holders = role_holders(role=Role.COMMUNICATIONS_LEAD, incident=incident)
    return holders[0] if holders else crisis_lead_of(incident=incident)


@transaction.atomic
def incident_schedule_start(*, incident: Incident) -> list[Deadline]:
    """A declared incident: copy its policy onto it, plan acknowledging it and its first public
    statement (when its severity plans one), and its checklist items with due times."""
    incident_plan_copy(incident=incident)
    return _plan_incident_promises(incident=incident, anchor_at=incident.created_at)


def _plan_incident_promises(
    *, incident: Incident, anchor_at: datetime, statement_only: bool = False
) -> list[Deadline]:
    policy = incident_policy(incident)
    planned = []
    lead = crisis_lead_of(incident=incident)
    if incident.acknowledged_at is None and not statement_only:
        planned.append(
            deadline_plan(
                kind=K.ACKNOWLEDGE,
                subject=_subject(incident, K.ACKNOWLEDGE),
                title=_("%(reference)s: acknowledge the incident")
                % {"reference": incident.reference},
                due_at=anchor_at + timedelta(minutes=policy["acknowledge_minutes"]),
                incident=incident,
                owner=lead,
                anchor_at=anchor_at,
            )
        )
    if incident.first_response_at is None and policy["statement_minutes"]:
        planned.append(
            deadline_plan(
                kind=K.FIRST_STATEMENT,
                subject=_subject(incident, K.FIRST_STATEMENT),
                title=_("%(reference)s: first public statement")
                % {"reference": incident.reference},
                due_at=anchor_at + timedelta(minutes=policy["statement_minutes"]),
                incident=incident,
                owner=_communications_owner(incident),
                anchor_at=anchor_at,
            )
        )
    return planned


def incident_acknowledged(*, incident: Incident) -> None:
    deadlines_meet(kind=K.ACKNOWLEDGE, incident=incident)


@transaction.atomic
def incident_moved(*, incident: Incident, source: str, to: str) -> None:
    """The incident moved along its lifecycle: what that ends, and what it starts."""
    if incident.acknowledged_at is not None:
        deadlines_meet(kind=K.ACKNOWLEDGE, incident=incident)
    if to in ("closed", "declined"):
        deadlines_cancel(
            incident=incident,
            reason=_("The incident was %(status)s.") % {"status": incident.get_status_display()},
        )
        return
    if to == "resolved":
        for kind in (K.FIRST_STATEMENT, K.NEXT_UPDATE):
            deadlines_cancel(kind=kind, incident=incident, reason=_("The incident was resolved."))
        return
    if to in ("responding", "monitoring") and incident.first_response_at is not None:
        _plan_next_update(incident=incident, after=timezone.now(), keep_open=True)


def _plan_next_update(*, incident: Incident, after: datetime, keep_open: bool) -> Deadline | None:
    policy = incident_policy(incident)
    if not policy["update_minutes"] or incident.status not in ("responding", "monitoring"):
        return None
    subject = _subject(incident, K.NEXT_UPDATE)
    if keep_open and open_deadlines().filter(kind=K.NEXT_UPDATE, subject=subject).exists():
        return None
    return deadline_plan(
        kind=K.NEXT_UPDATE,
        subject=subject,
        title=_("%(reference)s: next public update") % {"reference": incident.reference},
        due_at=after + timedelta(minutes=policy["update_minutes"]),
        incident=incident,
        owner=_communications_owner(incident),
        anchor_at=after,
    )


@transaction.atomic
def public_update_published(*, incident: Incident, at: datetime, by: User) -> None:
    """A public message of the incident went out (``by`` its author): the first statement is
    met, and so is the checklist item that does it (a playbook's "publish the holding
    statement"), so is the update that was due, and the next update is due one cadence from
    now."""
    deadlines_meet(kind=K.FIRST_STATEMENT, incident=incident)
    incident_services.checklist_promise_kept(
        incident=incident, promise=Promise.FIRST_STATEMENT, by=by, at=at
    )
    deadlines_meet(kind=K.NEXT_UPDATE, incident=incident)
    incident.refresh_from_db(fields=["status", "severity", "first_response_at"])
    _plan_next_update(incident=incident, after=at, keep_open=False)


@transaction.atomic
def incident_severity_changed(*, actor: User, incident: Incident, before: int) -> list[Deadline]:
    """The severity changed: the policy of the new severity is copied onto the incident and
    its open promises are re-planned from when each started; the timeline says so."""
    incident_plan_copy(incident=incident)
    policy = incident_policy(incident)
    minutes: dict[str, int | None] = {
        K.ACKNOWLEDGE: policy["acknowledge_minutes"],
        K.FIRST_STATEMENT: policy["statement_minutes"],
        K.NEXT_UPDATE: policy["update_minutes"],
    }
    replanned: list[Deadline] = []
    for deadline in _select(kind=None, subject=None, incident=incident):
        if deadline.kind in minutes:
            if not minutes[deadline.kind]:
                _close(
                    deadline,
                    cancelled=True,
                    reason=_("SEV%(severity)d plans none.") % {"severity": incident.severity},
                    now=timezone.now(),
                )
                continue
            due_at = deadline.anchor_at + timedelta(minutes=minutes[deadline.kind] or 0)
        else:
            due_at = deadline.due_at  # its own due time (a checklist item, a mention's reach)
        replanned.append(_replan_chain(deadline, due_at=due_at))
    if (
        incident.first_response_at is None
        and policy["statement_minutes"]
        and not any(d.kind == K.FIRST_STATEMENT for d in replanned)
    ):
        # Grown into a severity that plans a statement: due as if planned when it started.
        replanned.extend(
            _plan_incident_promises(
                incident=incident, anchor_at=incident.created_at, statement_only=True
            )
        )
    if replanned:
        timeline_event_record(
            incident=incident,
            actor=actor,
            kind=TimelineEvent.Kind.SCHEDULE,
            text=_("Deadlines re-planned for SEV%(severity)d: %(list)s")
            % {
                "severity": incident.severity,
                "list": "; ".join(
                    f"{d.get_kind_display()} {moment_in(d.due_at, site_zone())}" for d in replanned
                ),
            },
            data={
                "before": before,
                "after": incident.severity,
                "deadlines": [d.pk for d in replanned],
            },
        )
    return replanned


def _replan_chain(deadline: Deadline, *, due_at: datetime) -> Deadline:
    """The same promise on the new policy's chain: a fresh row (the fired steps of the old
    one stay its history)."""
    _close(deadline, cancelled=True, reason=_("Re-planned"), now=timezone.now())
    return deadline_plan(
        kind=deadline.kind,
        subject=deadline.subject,
        title=deadline.title,
        due_at=due_at,
        incident=deadline.incident,
        owner=deadline.owner,
        url=deadline.url,
        anchor_at=deadline.anchor_at,
    )


def checklist_item_sync(*, item: ChecklistItem) -> Deadline | None:
    """A checklist item's deadline follows the item: due time set (re-planned when it
    changes), met when done, cancelled when its due time is cleared."""
    subject = f"checklist-item:{item.pk}"
    if item.done_at is not None:
        deadlines_meet(kind=K.CHECKLIST_ITEM, subject=subject)
        return None
    if item.meets and promise_deadline(incident=item.incident, kind=item.meets) is not None:
        # One job, one deadline: the promise's deadline is this item's.
        deadlines_cancel(
            kind=K.CHECKLIST_ITEM, subject=subject, reason=_("The promise's deadline is its own.")
        )
        return None
    if item.due_at is None:
        deadlines_cancel(kind=K.CHECKLIST_ITEM, subject=subject, reason=_("No due time any more."))
        return None
    return deadline_plan(
        kind=K.CHECKLIST_ITEM,
        subject=subject,
        title=_("%(reference)s: %(title)s")
        % {"reference": item.incident.reference, "title": item.title},
        due_at=item.due_at,
        incident=item.incident,
        owner=item.assignee or crisis_lead_of(incident=item.incident),
    )


def promise_deadline(*, incident: Incident, kind: str) -> Deadline | None:
    """The incident's deadline for one of its promises (open or met, not cancelled): what a
    checklist item doing the same job follows instead of a deadline of its own."""
    return (
        Deadline.objects.filter(
            incident=incident, kind=kind, subject=_subject(incident, kind), cancelled_at=None
        )
        .order_by("-id")
        .first()
    )


def checklist_deadlines_sync(*, incident: Incident) -> None:
    for item in incident.checklist.filter(done_at__isnull=True, due_at__isnull=False):
        checklist_item_sync(item=item)


# --- escalation: the step ------------------------------------------------------------------


def _recipients(deadline: Deadline, position: int) -> list[User]:
    people: list[User | None] = []
    incident = deadline.incident
    for target in deadline.step_targets(position):
        if target == TARGET_OWNER:
            owner = deadline.owner or (crisis_lead_of(incident=incident) if incident else None)
            people.append(owner)
        elif target == TARGET_CRISIS_LEAD and incident is not None:
            people.append(crisis_lead_of(incident=incident))
        elif target == TARGET_MANAGERS:
            people.extend(
                get_user_model()
                .objects.filter(is_active=True)
                .filter(Q(groups__name__in=(MANAGER, ADMIN)) | Q(is_superuser=True))
                .distinct()
            )
        elif target == TARGET_EXECUTIVE_SPONSOR:
            people.extend(role_holders(role=Role.EXECUTIVE_SPONSOR, incident=incident))
        elif target.startswith(TARGET_ON_CALL):
            people.extend(on_call_now(role=target.removeprefix(TARGET_ON_CALL)))
    return [person for person in people if person is not None]


def _running_eagerly() -> bool:
    request = getattr(current_task, "request", None)
    return bool(getattr(request, "is_eager", False))


def deadline_step_run(deadline_id: int, task_id: str, *, by_sweeper: bool = False) -> bool:
    """Fire the deadline's next step if ``task_id`` is the one it expects; True if a step was
    fired. Safe to run twice and from two workers at once: one of them fires, once."""
    with transaction.atomic():
        deadline = (
            Deadline.objects.select_for_update(of=("self",))
            .select_related("incident", "owner")
            .filter(pk=deadline_id)
            .first()
        )
        if (
            deadline is None
            or not deadline.is_open
            or not task_id
            or deadline.task_id != task_id
            or deadline.next_step is None
            or deadline.next_step_at is None
        ):
            return False
        now = timezone.now()
        if deadline.next_step_at - now > EARLY_TOLERANCE:
            # Woken early (a snooze moved the step): queue it again for its time. Run
            # eagerly (tests), the sweeper or a later task fires it instead.
            if not by_sweeper and not _running_eagerly():
                _schedule(deadline)
                deadline.save(update_fields=["task_id", "next_step_at"])
            return False
        fired = False
        for position, at in _due_steps(deadline, now):
            fired = _fire(deadline, position, at=at, now=now, by_sweeper=by_sweeper) or fired
        _schedule(deadline)
        deadline.save(update_fields=["next_step", "next_step_at", "task_id"])
        return fired


def _due_steps(deadline: Deadline, now: datetime) -> list[tuple[int, datetime]]:
    """The steps due by now, and the deadline moved on to the first one still to come.

    Normally that is one step. After an outage several may be due: every escalation level
    that was due is told (no wait is skipped), a reminder for a time already past is not sent
    (it would remind of nothing), and of the repeats of the last step only the latest goes.
    """
    assert deadline.next_step is not None
    assert deadline.next_step_at is not None
    # The first is due when the deadline said (its step time, a snooze's end, or the moment
    # it was planned already overdue); the others at their own step times.
    due: list[tuple[int, datetime]] = [(deadline.next_step, deadline.next_step_at)]
    position = deadline.next_step + 1
    while position < deadline.step_count and deadline.step_at(position) <= now + EARLY_TOLERANCE:
        due.append((position, deadline.step_at(position)))
        position += 1
    if position < deadline.step_count:
        deadline.next_step, deadline.next_step_at = position, deadline.step_at(position)
    else:
        deadline.next_step, deadline.next_step_at = None, None
    if len(due) > 1 and now >= deadline.due_at:
        due = [(p, at) for p, at in due if not deadline.step_is_reminder(p)] or due[-1:]
    repeats = [item for item in due if item[0] >= len(deadline.steps)]
    if len(repeats) > 1:
        due = [item for item in due if item[0] < len(deadline.steps)] + repeats[-1:]
    return due


def _due_at_title(zone: ZoneInfo, *, deadline: Deadline, now: datetime) -> str:
    return _("Due at %(when)s: %(title)s") % {
        "when": moment_in(deadline.due_at, zone, now=now),
        "title": deadline.title,
    }


def _overdue_title(_zone: ZoneInfo, *, deadline: Deadline, minutes: int) -> str:
    return _("Overdue by %(minutes)d min: %(title)s") % {
        "minutes": minutes,
        "title": deadline.title,
    }


def _fire(
    deadline: Deadline, position: int, *, at: datetime, now: datetime, by_sweeper: bool
) -> bool:
    try:
        with transaction.atomic():
            step = DeadlineStep.objects.create(
                deadline=deadline,
                position=position,
                due_at=at,
                fired_at=now,
                by_sweeper=by_sweeper,
            )
    except IntegrityError:
        return False  # fired before (a duplicate delivery): nobody is told twice
    reminder = deadline.step_is_reminder(position)
    incident = deadline.incident
    title: str | InZone
    if reminder:
        title = partial(_due_at_title, deadline=deadline, now=now)
    else:
        minutes = max(0, int((now - deadline.due_at).total_seconds() // 60))
        title = partial(_overdue_title, deadline=deadline, minutes=minutes)
    recipients = _recipients(deadline, position)
    sent = notify(
        recipients=recipients,
        reason=Reason.DEADLINE_REMINDER if reminder else Reason.DEADLINE_ESCALATED,
        subject=f"deadline:{deadline.pk}:{position}",
        title=title,
        body=lambda _zone: _("Open it to acknowledge or snooze."),
        url=deadline.get_absolute_url(),
        incident=incident,
    )
    step.recipients = len(sent)
    step.save(update_fields=["recipients"])
    if not reminder and incident is not None:
        timeline_event_record(
            incident=incident,
            actor=None,
            kind=TimelineEvent.Kind.SCHEDULE,
            text=_("Escalated (%(title)s) to %(people)s")
            % {
                "title": deadline.get_kind_display(),
                "people": ", ".join(sorted({str(p) for p in recipients})) or _("nobody on call"),
            },
            data={"deadline": deadline.pk, "step": position},
        )
    return True


# --- people acting on an escalation ---------------------------------------------------------


def _locked_open(deadline: Deadline) -> Deadline:
    deadline = (
        Deadline.objects.select_for_update(of=("self",))
        .select_related("incident")
        .get(pk=deadline.pk)
    )
    if not deadline.is_open:
        raise Conflict(_("This deadline is no longer open."))
    return deadline


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("Say why, for the timeline."), field="reason")
    if len(reason) > 300:
        raise ApplicationError(_("Keep the reason under 300 characters."), field="reason")
    return reason


@transaction.atomic
def deadline_acknowledge(*, actor: User, deadline: Deadline, reason: str) -> Deadline:
    """Someone has it in hand: the chain stops (no further step notifies anyone); the deadline
    stays open until it is met."""
    require(actor, WORK_DEADLINES)
    reason = _reason(reason)
    deadline = _locked_open(deadline)
    if deadline.acknowledged_at is not None:
        return deadline
    deadline.acknowledged_at = timezone.now()
    deadline.acknowledged_by = actor
    deadline.next_step = None
    deadline.next_step_at = None
    deadline.task_id = ""
    deadline.save()
    _record(deadline, actor, _("Escalation acknowledged (%(title)s): %(reason)s"), reason)
    return deadline


@transaction.atomic
def deadline_snooze(*, actor: User, deadline: Deadline, minutes: int, reason: str) -> Deadline:
    """Hold the chain for a while: its next step waits until the snooze ends."""
    require(actor, WORK_DEADLINES)
    reason = _reason(reason)
    try:
        minutes = int(minutes)
    except (TypeError, ValueError):
        minutes = 0
    if minutes not in SNOOZE_MINUTES:
        raise ApplicationError(
            _("Snooze for one of %(choices)s minutes.")
            % {"choices": ", ".join(str(m) for m in SNOOZE_MINUTES)},
            field="minutes",
        )
    deadline = _locked_open(deadline)
    if deadline.acknowledged_at is not None:
        raise Conflict(_("This escalation is acknowledged: there is nothing to snooze."))
    now = timezone.now()
    deadline.snoozed_until = now + timedelta(minutes=minutes)
    if deadline.next_step is None:
        _arm(deadline, deadline.snoozed_until)
    if deadline.next_step is not None:
        deadline.next_step_at = max(deadline.step_at(deadline.next_step), deadline.snoozed_until)
    _schedule(deadline)
    deadline.save()
    _record(
        deadline,
        actor,
        _("Escalation snoozed %(minutes)d min (%%(title)s): %%(reason)s") % {"minutes": minutes},
        reason,
    )
    return deadline


def _record(deadline: Deadline, actor: User, template: str, reason: str) -> None:
    if deadline.incident is None:
        return
    timeline_event_record(
        incident=deadline.incident,
        actor=actor,
        kind=TimelineEvent.Kind.SCHEDULE,
        text=template % {"title": deadline.title, "reason": reason},
        data={"deadline": deadline.pk},
    )


# --- the sweeper ----------------------------------------------------------------------------


def deadlines_sweep(*, limit: int = 500) -> EngineHealth:
    """Re-drive every step overdue by more than a minute (the task that should have fired it
    was lost) and record what the sweep saw: backlog, worst lateness, how long it took."""
    started = time.monotonic()
    now = timezone.now()
    grace = timedelta(seconds=settings.SCHEDULE_SWEEP_GRACE_SECONDS)
    health, _created = EngineHealth.objects.get_or_create(pk=1)
    since = health.last_sweep_at or now - timedelta(minutes=5)
    overdue = open_deadlines().filter(next_step__isnull=False, next_step_at__lt=now - grace)
    backlog = overdue.count()
    worst = (
        DeadlineStep.objects.filter(fired_at__gte=since).aggregate(
            worst=Max(F("fired_at") - F("due_at"))
        )["worst"]
        or timedelta(0)
    ).total_seconds()
    oldest = overdue.order_by("next_step_at").values_list("next_step_at", flat=True).first()
    if oldest is not None:
        worst = max(worst, (now - oldest).total_seconds())
    _queue_what_came_within_the_horizon(now, limit)
    redriven = 0
    for deadline_id, task_id in overdue.order_by("next_step_at").values_list("pk", "task_id")[
        :limit
    ]:
        # The sweeper takes the task's place: a new id, so the lost task (should it ever
        # arrive) finds another id and exits.
        with transaction.atomic():
            row = (
                open_deadlines()
                .select_for_update(skip_locked=True)
                .filter(pk=deadline_id, task_id=task_id)
                .first()
            )
            if row is None:
                continue  # a worker holds it or already moved it on
            row.task_id = uuid.uuid4().hex
            row.save(update_fields=["task_id"])
            if deadline_step_run(row.pk, row.task_id, by_sweeper=True):
                redriven += 1
    EngineHealth.objects.filter(pk=health.pk).update(
        last_sweep_at=now,
        last_sweep_seconds=time.monotonic() - started,
        worst_lateness_seconds=worst,
        backlog=backlog,
        redriven=redriven,
        redriven_total=F("redriven_total") + redriven,
    )
    if redriven:
        logger.warning("schedule sweep re-drove %d overdue steps (worst %.1f s)", redriven, worst)
    health.refresh_from_db()
    return health


def _queue_what_came_within_the_horizon(now: datetime, limit: int) -> int:
    """Queue the steps not queued yet (planned beyond the horizon) that are now within it."""
    horizon = timedelta(seconds=settings.SCHEDULE_QUEUE_HORIZON_SECONDS)
    queued = 0
    waiting = open_deadlines().filter(
        next_step__isnull=False, task_id="", next_step_at__lte=now + horizon
    )
    for deadline_id in waiting.order_by("next_step_at").values_list("pk", flat=True)[:limit]:
        with transaction.atomic():
            row = (
                open_deadlines()
                .select_for_update(skip_locked=True)
                .filter(pk=deadline_id, task_id="", next_step__isnull=False)
                .first()
            )
            if row is None:
                continue
            _schedule(row)
            row.save(update_fields=["task_id", "next_step_at"])
            queued += 1
    return queued


def engine_health() -> dict[str, Any]:
    """For /readyz and the admin page: when the sweeper last ran and what it saw."""
    health = EngineHealth.objects.first()
    now = timezone.now()
    grace = timedelta(seconds=settings.SCHEDULE_SWEEP_GRACE_SECONDS)
    backlog = open_deadlines().filter(next_step__isnull=False, next_step_at__lt=now - grace).count()
    last = health.last_sweep_at if health else None
    return {
        "last_sweep_at": last.isoformat() if last else None,
        "seconds_since_sweep": (now - last).total_seconds() if last else None,
        "worst_lateness_seconds": round(health.worst_lateness_seconds, 3) if health else 0,
        "backlog": backlog,
        "open_deadlines": open_deadlines().count(),
        "redriven_total": health.redriven_total if health else 0,
        "healthy": bool(
            last
            and (now - last).total_seconds() < settings.SCHEDULE_SWEEP_MAX_AGE_SECONDS
            and backlog == 0
        ),
    }
