"""Reads of the response schedule: the deadlines a page shows, with the joins it needs, and
what they add up to (who is told next, how long the brand has been silent).

Every logged-in person may read the schedule; ``user`` is taken so the scope can narrow
without touching the callers.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from config.people import AnyUser, User
from incidents.models import Incident, Severity, Status

from ..models import Deadline, DeadlineStep, ResponsePolicy
from ..models.schedule import TARGET_OWNER
from .engine import open_deadlines
from .policies import target_choices, target_label

# The public-silence clock runs for the severe incidents whose public is waiting for word.
SILENCE_SEVERITIES = (Severity.SEV1, Severity.SEV2)
# Every open status: the public waits from the moment the incident is detected.
SILENCE_STATUSES = (Status.DETECTED, Status.TRIAGED, Status.RESPONDING, Status.MONITORING)


def deadline_get(*, user: AnyUser, pk: int) -> Deadline:
    """One deadline with its incident, people and fired steps."""
    return get_object_or_404(
        Deadline.objects.select_related("incident", "owner", "acknowledged_by").prefetch_related(
            Prefetch("fired", queryset=DeadlineStep.objects.order_by("position"))
        ),
        pk=pk,
    )


def deadlines_for_incident(*, incident: Incident) -> list[Deadline]:
    """The incident's open deadlines, soonest due first."""
    return list(open_deadlines().filter(incident=incident).select_related("owner"))


def deadlines_of(*, person: User) -> QuerySet[Deadline]:
    """The person's open deadlines by due time: the overdue ones, being the earliest, first."""
    return open_deadlines().filter(owner=person).select_related("incident").order_by("due_at", "id")


def overdue(*, user: AnyUser, incident: Incident | None = None) -> QuerySet[Deadline]:
    """Every open deadline past its due time (of one incident, when given), longest overdue
    first."""
    found = open_deadlines().filter(due_at__lt=timezone.now())
    if incident is not None:
        found = found.filter(incident=incident)
    return found.select_related("incident", "owner").order_by("due_at", "id")


def overdue_count(*, user: AnyUser) -> int:
    """How many deadlines are overdue (the dashboard's figure): a drill's are left out, as a
    rehearsal is no real promise kept or broken."""
    return open_deadlines().real().filter(due_at__lt=timezone.now()).count()


def incidents_with_overdue(*, user: AnyUser) -> QuerySet[Incident]:
    """The incidents that have an overdue deadline (the overview's filter)."""
    return Incident.objects.filter(
        pk__in=open_deadlines().filter(due_at__lt=timezone.now()).values("incident_id")
    ).order_by("severity", "-detected_at")


def next_due_by_incident(*, incident_ids: Iterable[int]) -> dict[int, Deadline]:
    """Each incident's soonest open deadline, in one query whatever the number of incidents."""
    ids = list(incident_ids)
    if not ids:
        return {}
    soonest = (
        open_deadlines()
        .filter(incident_id=OuterRef("incident_id"))
        .order_by("due_at", "id")
        .values("pk")[:1]
    )
    found = open_deadlines().filter(incident_id__in=ids, pk=Subquery(soonest))
    return {deadline.incident_id: deadline for deadline in found if deadline.incident_id}


def policies(*, user: AnyUser) -> QuerySet[ResponsePolicy]:
    return ResponsePolicy.objects.select_related("updated_by").prefetch_related("steps")


def policy_get(*, user: AnyUser, severity: int) -> ResponsePolicy:
    return get_object_or_404(policies(user=user), severity=severity)


def target_labels() -> dict[str, str]:
    """Whom each step target names, in words: one query for the whole page."""
    return dict(target_choices())


def label_targets(targets: Iterable[str], labels: dict[str, str]) -> list[str]:
    return [labels.get(target) or target_label(target) for target in targets]


# --- what a deadline adds up to -------------------------------------------------------------


@dataclass(frozen=True)
class NextStep:
    """The chain's next step: when it fires and whom it tells."""

    at: datetime
    position: int
    reminder: bool
    whom: list[str]


def next_notification(deadline: Deadline, labels: dict[str, str]) -> NextStep | None:
    """Who will be notified next and when; None once the chain has ended or stopped."""
    if not deadline.is_open or deadline.next_step is None or deadline.next_step_at is None:
        return None
    position = deadline.next_step
    return NextStep(
        at=deadline.next_step_at,
        position=position,
        reminder=deadline.step_is_reminder(position),
        whom=_whom(deadline, deadline.step_targets(position), labels),
    )


def _whom(deadline: Deadline, targets: list[str], labels: dict[str, str]) -> list[str]:
    words = label_targets(targets, labels)
    if TARGET_OWNER in targets:
        at = targets.index(TARGET_OWNER)
        # Without an owner the engine tells the crisis lead in the owner's place.
        who = str(deadline.owner) if deadline.owner is not None else _("no owner: the crisis lead")
        words[at] = f"{words[at]} ({who})"
    return words


@dataclass(frozen=True)
class ChainRow:
    """One step of a deadline's chain as its page shows it."""

    position: int
    at: datetime
    reminder: bool
    repeat: int  # 0: a step of the policy; n: its last step's n-th repeat
    whom: list[str]
    fired: DeadlineStep | None
    state: str  # fired, next, planned, skipped, stopped


def deadline_chain(deadline: Deadline, labels: dict[str, str]) -> list[ChainRow]:
    """Every step of the chain (repeats counted): when, whom, and whether it fired, is next,
    is still to come, was skipped (planned already past it) or will not fire (stopped)."""
    fired = {step.position: step for step in deadline.fired.all()}
    # Steps before this one that did not fire never will: planned already past them.
    reached = deadline.next_step if deadline.next_step is not None else max(fired, default=-1)
    going_on = deadline.is_open and deadline.acknowledged_at is None
    rows = []
    for position in range(deadline.step_count):
        step = fired.get(position)
        if step is not None:
            state = "fired"
        elif going_on and position == deadline.next_step:
            state = "next"
        elif position < reached:
            state = "skipped"
        elif going_on and deadline.next_step is not None:
            state = "planned"
        else:
            state = "stopped"
        at = deadline.step_at(position)
        if state == "next" and deadline.next_step_at is not None:
            at = deadline.next_step_at  # a snooze may have moved it
        rows.append(
            ChainRow(
                position=position,
                at=at,
                reminder=deadline.step_is_reminder(position),
                repeat=max(0, position - len(deadline.steps) + 1),
                whom=_whom(deadline, deadline.step_targets(position), labels),
                fired=step,
                state=state,
            )
        )
    return rows


@dataclass(frozen=True)
class SilenceClock:
    """How long the brand has said nothing in public on a severe incident, and when it must
    speak next."""

    incident: Incident
    last_public_at: datetime | None  # None: no public statement yet
    silent_since: datetime
    next_due: Deadline | None

    @property
    def overdue(self) -> bool:
        return self.next_due is not None and self.next_due.is_overdue()


def silence_clock(incident: Incident, deadlines: Iterable[Deadline]) -> SilenceClock | None:
    """The clock of one incident from its open deadlines (no query): the last publication is
    when the open next-update deadline started counting, else the first public response."""
    if incident.severity not in SILENCE_SEVERITIES or incident.status not in SILENCE_STATUSES:
        return None
    by_kind = {d.kind: d for d in deadlines if d.incident_id == incident.pk}
    update = by_kind.get(Deadline.Kind.NEXT_UPDATE)
    last = update.anchor_at if update is not None else incident.first_response_at
    return SilenceClock(
        incident=incident,
        last_public_at=last,
        silent_since=last or incident.detected_at,
        next_due=update or by_kind.get(Deadline.Kind.FIRST_STATEMENT),
    )


def silence_clocks(*, user: AnyUser) -> list[SilenceClock]:
    """The clock of every severe incident the public is waiting on, longest silent first:
    two queries. A drill has no public waiting: it has no clock here."""
    incidents = list(
        Incident.objects.real()
        .filter(severity__in=SILENCE_SEVERITIES, status__in=SILENCE_STATUSES)
        .order_by("severity", "detected_at")
    )
    deadlines = list(
        open_deadlines().filter(
            incident__in=incidents,
            kind__in=(Deadline.Kind.NEXT_UPDATE, Deadline.Kind.FIRST_STATEMENT),
        )
    )
    clocks = [silence_clock(incident, deadlines) for incident in incidents]
    return sorted((c for c in clocks if c is not None), key=lambda c: c.silent_since)
