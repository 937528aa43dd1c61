"""The facts of a postmortem, computed from the record, never typed: times to acknowledge and to
the first statement, the update cadence kept or missed, the mentions and how they were
answered, the messages and their approvals, escalations fired, the roles held, mention volume
over time and the image recovery after the crisis.

Everything returns plain data (numbers, ISO times, lists): the page, the exports and the
frozen copy of a published postmortem all read the same dictionary, ``PostmortemFacts``
(postmortems/measures.py).
"""

import statistics
from datetime import date, datetime, timedelta

from django.db.models import Count, Q
from django.db.models.functions import TruncDate, TruncHour
from django.utils import timezone

from communications.models import InboundPost, Message
from incidents.models import Incident
from incidents.rehearsals import is_rehearsal
from teams.models import Deadline, DeadlineStep, RoleAssignment

from .measures import (
    Escalations,
    HourVolume,
    ImageRecovery,
    MentionFacts,
    MessageFacts,
    MissedUpdate,
    Phase,
    PostmortemFacts,
    RecoveryDay,
    RoleHeld,
    UpdateCadence,
    iso,
    seconds_between,
)

T = InboundPost.Triage
M = Message.Status
BASELINE_DAYS = 14
# A day is back within the baseline when its volume is at most the 90th percentile of the
# days before detection.
BASELINE_SHARE = 0.9


def _percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def update_cadence(incident: Incident) -> UpdateCadence:
    """Each update that was due: kept (met by its due time) or missed (met late, or never)."""
    updates = Deadline.objects.filter(incident=incident, kind=Deadline.Kind.NEXT_UPDATE).exclude(
        cancel_reason="Re-planned"
    )
    kept = 0
    missed: list[MissedUpdate] = []
    for update in updates.order_by("due_at"):
        if update.met_at is not None and update.met_at <= update.due_at:
            kept += 1
        elif update.met_at is not None or update.due_at < (update.cancelled_at or timezone.now()):
            missed.append(
                {
                    "due_at": iso(update.due_at),
                    "met_at": iso(update.met_at),
                    "late_seconds": seconds_between(
                        update.due_at, update.met_at or update.cancelled_at
                    ),
                }
            )
    return {"due": kept + len(missed), "kept": kept, "missed": missed}


def mention_facts(incident: Incident) -> MentionFacts:
    mentions = list(
        InboundPost.objects.filter(incident=incident).values(
            "triage", "posted_at", "triaged_at", "reply_due_at"
        )
    )
    replied = [m for m in mentions if m["triage"] == T.REPLIED]
    reply_times = [
        s for m in replied if (s := seconds_between(m["posted_at"], m["triaged_at"])) is not None
    ]
    within = [
        m
        for m in replied
        if m["triaged_at"] and m["reply_due_at"] and m["triaged_at"] <= m["reply_due_at"]
    ]
    count = len(mentions)
    return {
        "count": count,
        "answered": len(replied),
        "answered_share": round(len(replied) / count, 3) if count else None,
        "reply_seconds_median": _median(reply_times),
        "reply_seconds_p90": _percentile(reply_times, 0.9),
        "within_deadline_share": round(len(within) / len(replied), 3) if replied else None,
    }


def message_facts(incident: Incident) -> MessageFacts:
    messages = Message.objects.filter(incident=incident)
    counts = messages.aggregate(
        drafted=Count("id"),
        approved=Count("id", filter=Q(approved_at__isnull=False) | Q(status=M.PUBLISHED)),
        rejected=Count("id", filter=Q(status=M.REJECTED)),
        published=Count("id", filter=Q(status=M.PUBLISHED)),
        failed=Count("id", filter=Q(status=M.FAILED)),
    )
    turnaround = [
        s
        for submitted, approved in messages.filter(
            submitted_at__isnull=False, approved_at__isnull=False
        ).values_list("submitted_at", "approved_at")
        if (s := seconds_between(submitted, approved)) is not None
    ]
    return {
        "drafted": counts["drafted"],
        "approved": counts["approved"],
        "rejected": counts["rejected"],
        "published": counts["published"],
        "failed": counts["failed"],
        "approval_seconds_median": _median(turnaround),
        "approval_seconds_max": max(turnaround) if turnaround else None,
    }


def escalations(incident: Incident) -> Escalations:
    fired = DeadlineStep.objects.filter(deadline__incident=incident).select_related("deadline")
    escalated = [step for step in fired if step.fired_at >= step.deadline.due_at]
    return {"fired": len(escalated), "reminders": len(fired) - len(escalated)}


def roles(incident: Incident) -> list[RoleHeld]:
    return [
        {
            "role": assignment.role.said_name,
            "person": str(assignment.person),
            "from": iso(assignment.assigned_at),
            "to": iso(assignment.relieved_at),
        }
        for assignment in RoleAssignment.objects.filter(incident=incident)
        .select_related("role", "person")
        .order_by("role__position", "assigned_at")
    ]


def mention_volume(incident: Incident) -> list[HourVolume]:
    """Mentions linked to the incident, per hour."""
    rows = (
        InboundPost.objects.filter(incident=incident)
        .annotate(hour=TruncHour("posted_at"))
        .values("hour")
        .annotate(count=Count("id"))
        .order_by("hour")
    )
    return [{"at": iso(row["hour"]), "count": row["count"]} for row in rows]


def image_recovery(incident: Incident, *, today: date | None = None) -> ImageRecovery:
    """Mention volume per day on the accounts the incident was about: the 14 days before
    detection (the baseline), the incident, and the days since it was resolved; the first day
    after resolution back within the baseline, or None ("not yet")."""
    today = today or timezone.localdate()
    accounts = list(
        InboundPost.objects.filter(incident=incident)
        .values_list("account_id", flat=True)
        .distinct()
    ) or list(
        Message.objects.filter(incident=incident, account__isnull=False)
        .values_list("account_id", flat=True)
        .distinct()
    )
    detected = timezone.localdate(incident.detected_at)
    start = detected - timedelta(days=BASELINE_DAYS)
    resolved = timezone.localdate(incident.resolved_at) if incident.resolved_at else None
    posts = InboundPost.objects.filter(
        account_id__in=accounts,
        posted_at__gte=datetime.combine(
            start, datetime.min.time(), tzinfo=timezone.get_current_timezone()
        ),
    )
    if not is_rehearsal(incident):
        # A rehearsed storm is no part of what the public said about the brand.
        posts = posts.real()
    counts = {
        row["day"]: row["count"]
        for row in posts.annotate(day=TruncDate("posted_at"))
        .values("day")
        .annotate(count=Count("id"))
    }
    days: list[RecoveryDay] = []
    day = start
    while day <= today:
        phase: Phase = (
            "before"
            if day < detected
            else ("during" if resolved is None or day <= resolved else "after")
        )
        days.append({"day": day.isoformat(), "count": counts.get(day, 0), "phase": phase})
        day += timedelta(days=1)
    before = [d["count"] for d in days if d["phase"] == "before"]
    baseline = _percentile([float(c) for c in before], BASELINE_SHARE) or 0.0
    back = next((d["day"] for d in days if d["phase"] == "after" and d["count"] <= baseline), None)
    return {"days": days, "baseline": baseline, "back_within_baseline": back}


def compute(incident: Incident) -> PostmortemFacts:
    """Every fact of the postmortem, from the record as it is now."""
    return {
        "computed_at": timezone.now().isoformat(),
        "detected_at": iso(incident.detected_at),
        "acknowledged_at": iso(incident.acknowledged_at),
        "first_response_at": iso(incident.first_response_at),
        "resolved_at": iso(incident.resolved_at),
        "closed_at": iso(incident.closed_at),
        "time_to_acknowledge_seconds": seconds_between(
            incident.detected_at, incident.acknowledged_at
        ),
        "time_to_first_statement_seconds": seconds_between(
            incident.detected_at, incident.first_response_at
        ),
        "update_cadence": update_cadence(incident),
        "mentions": mention_facts(incident),
        "messages": message_facts(incident),
        "escalations": escalations(incident),
        "roles": roles(incident),
        "mention_volume": mention_volume(incident),
        "image_recovery": image_recovery(incident),
    }
