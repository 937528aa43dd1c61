"""Reads for incidents: querysets with the joins their pages and endpoints need.

Every logged-in person may read every incident; ``user`` is taken so the scope can narrow
(e.g. restricted incidents) without touching the callers.
"""

from collections.abc import Iterable

from django.db.models import Count, Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from config.people import AnyUser

from .models import (
    OPEN_STATUSES,
    ChecklistItem,
    Claim,
    Incident,
    IncidentQuerySet,
    Tag,
    TimelineEvent,
)


def incident_list(*, user: AnyUser) -> IncidentQuerySet:
    return Incident.objects.select_related("declared_by").prefetch_related(
        Prefetch("tags", queryset=Tag.objects.order_by("name"))
    )


def incident_get(*, user: AnyUser, reference: str | None = None, pk: int | None = None) -> Incident:
    queryset = incident_list(user=user)
    if reference is not None:
        return get_object_or_404(queryset, reference=reference)
    return get_object_or_404(queryset, pk=pk)


def incident_timeline(*, incident: Incident) -> QuerySet[TimelineEvent]:
    return incident.events.select_related("actor")


# Events of one kind by one person written within this many seconds of the first are one run.
RUN_SECONDS = 2
RUN_LEAST = 3  # fewer than this show one by one


def timeline_runs(events: Iterable[TimelineEvent]) -> list[list[TimelineEvent]]:
    """A page of the timeline in runs: events of one kind by one person written together (a
    playbook's twelve checklist items) are one run, shown as one line that opens; any other
    event is a run of its own. The order is kept."""
    runs: list[list[TimelineEvent]] = []
    for event in events:
        last = runs[-1] if runs else None
        if (
            last is not None
            and last[0].kind == event.kind
            and last[0].actor_id == event.actor_id
            and abs((last[0].recorded_at - event.recorded_at).total_seconds()) <= RUN_SECONDS
        ):
            last.append(event)
        else:
            runs.append([event])
    shown: list[list[TimelineEvent]] = []
    for run in runs:
        if len(run) >= RUN_LEAST:
            shown.append(run)
        else:
            shown.extend([event] for event in run)
    return shown


def incident_claims(*, incident: Incident) -> QuerySet[Claim]:
    return incident.claims.select_related("created_by", "verified_by")


def incident_checklist(*, incident: Incident) -> QuerySet[ChecklistItem]:
    return incident.checklist.select_related("assignee", "done_by", "created_by")


def _open(*, user: AnyUser, drills: bool) -> QuerySet[Incident]:
    # The dashboard's lists show no tags: one query each.
    found = incident_list(user=user).prefetch_related(None).filter(status__in=OPEN_STATUSES)
    return (found.rehearsals() if drills else found.real()).order_by(
        "severity", "-detected_at", "-id"
    )


def open_incidents(*, user: AnyUser) -> QuerySet[Incident]:
    """The real incidents still open, most severe first: a drill is a rehearsal, not a crisis."""
    return _open(user=user, drills=False)


def open_drills(*, user: AnyUser) -> QuerySet[Incident]:
    """The drills still being played, most severe first."""
    return _open(user=user, drills=True)


def open_incident_counts_by_severity(*, user: AnyUser) -> dict[int, int]:
    """How many real incidents are open at each severity (drills left out)."""
    rows = (
        Incident.objects.real()
        .filter(status__in=OPEN_STATUSES)
        .values("severity")
        .annotate(n=Count("id"))
    )
    return {row["severity"]: row["n"] for row in rows}


def latest_activity(*, user: AnyUser, limit: int = 15) -> QuerySet[TimelineEvent]:
    """What was recorded most recently, across incidents (a back-dated note counts now);
    drills' events included, their incident telling them apart."""
    return TimelineEvent.objects.select_related("actor", "incident").order_by(
        "-recorded_at", "-id"
    )[:limit]
