"""A drill's report, and finishing a drill.

The report measures what the team did during a drill against the response policy of the drill
incident: acknowledged in time, the first public statement in time, every high-reach mention
answered in time, no rumour repeated before it was verified, the update cadence kept. Each
target reads met, missed or not yet (still within its time, or nothing to measure yet: before
the incident is declared, every target reads not yet).

It is plain data (numbers, ISO times, lists), like the postmortem's facts: the page, the drill
run's panel and the stored copy of a finished drill read the same dictionary. Finishing keeps
that copy, writes the findings into the drill record, and stops the drill account.
"""

from datetime import datetime
from typing import Any, cast

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from communications.models import Alert, Approval, InboundPost, Message
from config.people import AnyUser, User
from config.permissions import MANAGE_DRILLS, require
from incidents.models import Claim, Incident, Status, TimelineEvent
from incidents.services import timeline_event_record
from postmortems.durations import duration_words as _duration_words
from postmortems.facts import update_cadence
from postmortems.flows import incident_transition
from postmortems.measures import UpdateCadence, iso, seconds_between
from teams.schedule.policies import incident_policy, mention_reply_minutes

from .measures import (
    CitedClaim,
    CitingMessage,
    DrillMention,
    DrillMoments,
    DrillReport,
    DrillRumours,
    DrillTarget,
)
from .models import Drill, DrillRun
from .selectors import drill_script_readable
from .services import drill_save, run_scenario

MET = "met"
MISSED = "missed"
NOT_YET = "not_yet"
REPLIED = "replied"
UNANSWERED = "unanswered"


def duration_words(seconds: float | None) -> str:
    """A measured time as a person says it, to the second: "3 min 10 s", "1 h 5 min"."""
    return _duration_words(seconds, to_the_second=True)


def _minutes_seconds(minutes: Any) -> float | None:
    return None if minutes in (None, "") else float(minutes) * 60


def _judged(measured: float | None, target: float | None, *, waited: float) -> str:
    """Done (measured) within the target: met; done late, or not done and the target has
    passed: missed; not done and still within the target: not yet."""
    if target is None:
        return NOT_YET
    if measured is not None:
        return MET if measured <= target else MISSED
    return MISSED if waited > target else NOT_YET


# Each target of a drill, in the report's order, as the report names it.
TARGETS = {
    "acknowledge": gettext_lazy("Acknowledged"),
    "first_statement": gettext_lazy("First public statement"),
    "mentions": gettext_lazy("High-reach mentions answered in time"),
    "rumours": gettext_lazy("Rumours verified before a message cites them"),
    "update_cadence": gettext_lazy("Update cadence kept"),
}


def _row(
    key: str,
    status: str,
    *,
    measured: float | None = None,
    target: float | None = None,
    note: str = "",
) -> DrillTarget:
    return {
        "key": key,
        "label": str(TARGETS[key]),
        "status": status,
        "measured_seconds": measured,
        "target_seconds": target,
        "note": note,
    }


# --- each target ----------------------------------------------------------------------------


def _acknowledge(incident: Incident, policy: dict[str, Any], now: datetime) -> DrillTarget:
    target = _minutes_seconds(policy.get("acknowledge_minutes"))
    measured = seconds_between(incident.detected_at, incident.acknowledged_at)
    status = _judged(measured, target, waited=(now - incident.detected_at).total_seconds())
    return _row(
        "acknowledge",
        status,
        measured=measured,
        target=target,
        note="" if measured is not None else _("nobody acknowledged the incident"),
    )


def _first_statement(
    incident: Incident, policy: dict[str, Any], now: datetime
) -> DrillTarget | None:
    """The first public statement approved and published (the postmortem's "first statement":
    the incident's first public response). None when the policy asks for none."""
    target = _minutes_seconds(policy.get("statement_minutes"))
    if target is None:
        return None
    measured = seconds_between(incident.detected_at, incident.first_response_at)
    status = _judged(measured, target, waited=(now - incident.detected_at).total_seconds())
    return _row(
        "first_statement",
        status,
        measured=measured,
        target=target,
        note="" if measured is not None else _("no statement published"),
    )


def _mentions(run: DrillRun, policy: dict[str, Any], now: datetime) -> list[DrillMention]:
    """Each post of the drill whose author reaches at least the policy's smallest threshold,
    with its reply time (the schedule's rule, teams.schedule.policies)."""
    thresholds = [int(followers) for followers in policy.get("mention_reply_by_reach") or {}]
    if run.account_id is None or not thresholds:
        return []
    posts = (
        InboundPost.objects.filter(
            account_id=run.account_id,
            origin=InboundPost.Origin.DRILL,
            author_followers__gte=min(thresholds),
        )
        .order_by("posted_at", "id")
        .values("id", "author_handle", "author_followers", "posted_at", "triage", "triaged_at")
    )
    found: list[DrillMention] = []
    for post in posts:
        target = mention_reply_minutes(policy, post["author_followers"]) * 60.0
        replied = post["triage"] == InboundPost.Triage.REPLIED and post["triaged_at"] is not None
        measured = seconds_between(post["posted_at"], post["triaged_at"]) if replied else None
        found.append(
            {
                "id": post["id"],
                "author": post["author_handle"],
                "followers": post["author_followers"],
                "posted_at": iso(post["posted_at"]),
                "replied_at": iso(post["triaged_at"]) if replied else None,
                "outcome": REPLIED if replied else UNANSWERED,
                "status": _judged(
                    measured, target, waited=(now - post["posted_at"]).total_seconds()
                ),
                "measured_seconds": measured,
                "target_seconds": target,
            }
        )
    return found


def _mentions_row(mentions: list[DrillMention]) -> DrillTarget:
    counts = dict.fromkeys((MET, MISSED, NOT_YET), 0)
    for mention in mentions:
        counts[mention["status"]] += 1
    if counts[MISSED]:
        status = MISSED
    elif counts[MET] and not counts[NOT_YET]:
        status = MET
    else:
        status = NOT_YET
    return _row(
        "mentions",
        status,
        note=_("%(met)d of %(total)d answered in time")
        % {"met": counts[MET], "total": len(mentions)},
    )


def _rumours(run: DrillRun, incident: Incident | None) -> DrillRumours:
    """Every message of the incident that cites a claim and went for approval: was each claim
    it cites verified before it was submitted? And how many rumours the scenario planted, how
    many claims the team recorded."""
    planted = sum(1 for event in run_scenario(run).events if event.kind == "rumour")
    if incident is None:
        return {"planted": planted, "recorded": 0, "messages": []}
    citing = (
        Message.objects.filter(incident=incident, submitted_at__isnull=False)
        .filter(cited_claims__isnull=False)
        .distinct()
        .prefetch_related("cited_claims")
        .order_by("submitted_at", "id")
    )
    messages: list[CitingMessage] = []
    for message in citing:
        claims: list[CitedClaim] = [
            {
                "id": claim.pk,
                "statement": claim.statement,
                "verified_at": iso(claim.verified_at),
                "verified_before": claim.verified_at is not None
                and message.submitted_at is not None
                and claim.verified_at <= message.submitted_at,
            }
            for claim in sorted(message.cited_claims.all(), key=lambda claim: claim.pk)
        ]
        messages.append(
            {
                "id": message.pk,
                "body": message.body,
                "submitted_at": iso(message.submitted_at),
                "status": MET if all(c["verified_before"] for c in claims) else MISSED,
                "claims": claims,
            }
        )
    return {
        "planted": planted,
        "recorded": Claim.objects.filter(incident=incident).count(),
        "messages": messages,
    }


def _rumours_row(rumours: DrillRumours) -> DrillTarget:
    messages = rumours["messages"]
    unverified = sum(1 for message in messages if message["status"] == MISSED)
    status = MISSED if unverified else (MET if messages else NOT_YET)
    counts = {"planted": rumours["planted"], "recorded": rumours["recorded"]}
    if messages:
        said = _("%(bad)d of %(total)d messages citing a claim went for approval unverified") % {
            "bad": unverified,
            "total": len(messages),
        }
    else:
        said = _("no message sent for approval cites a claim yet")
    return _row(
        "rumours",
        status,
        note=_(
            "%(said)s; rumours planted by the scenario: %(planted)d, claims the team "
            "recorded: %(recorded)d"
        )
        % {"said": said, **counts},
    )


def _cadence_row(cadence: UpdateCadence, policy: dict[str, Any]) -> DrillTarget | None:
    target = _minutes_seconds(policy.get("update_minutes"))
    if target is None:
        return None
    status = MISSED if cadence["missed"] else (MET if cadence["due"] else NOT_YET)
    return _row(
        "update_cadence",
        status,
        target=target,
        note=_("%(kept)d of %(due)d updates on time") % cadence
        if cadence["due"]
        else _("no update due yet"),
    )


def _moments(run: DrillRun, incident: Incident | None) -> DrillMoments:
    """When the spike alert was raised and the incident declared, from the drill's start."""
    alert_at = (
        Alert.objects.filter(account_id=run.account_id)
        .order_by("raised_at")
        .values_list("raised_at", flat=True)
        .first()
        if run.account_id is not None
        else None
    )
    declared_at = incident.created_at if incident is not None else None
    return {
        "started_at": iso(run.started_at),
        "spike_alert_at": iso(alert_at),
        "spike_alert_after_seconds": seconds_between(run.started_at, alert_at),
        "declared_at": iso(declared_at),
        "declared_after_seconds": seconds_between(run.started_at, declared_at),
    }


def _not_yet_rows() -> list[DrillTarget]:
    return [_row(key, NOT_YET, note=_("no incident declared yet")) for key in TARGETS]


# --- the report -----------------------------------------------------------------------------


def drill_report(run: DrillRun, *, now: datetime | None = None) -> DrillReport:
    """The drill measured against the response policy of its incident, as it stands at
    ``now``.

    ``targets``: one row per target (key, label, status met / missed / not_yet, measured and
    target seconds, a note); ``mentions``: each high-reach mention with its reply; ``rumours``:
    each message citing a claim, whether its claims were verified first, rumours planted and
    claims recorded; ``update_cadence``: the postmortem's fact; ``moments``: the spike alert
    and the declaring, from the start; ``summary``: how many targets are met, missed, not yet.
    """
    now = now or timezone.now()
    incident = run.incident
    moments = _moments(run, incident)
    rumours = _rumours(run, incident)
    if incident is None:
        targets = _not_yet_rows()
        mentions: list[DrillMention] = []
        cadence = None
        policy: dict[str, Any] | None = None
    else:
        policy = incident_policy(incident)
        mentions = _mentions(run, policy, now)
        cadence = update_cadence(incident)
        candidates = [
            _acknowledge(incident, policy, now),
            _first_statement(incident, policy, now),
            _mentions_row(mentions),
            _rumours_row(rumours),
            _cadence_row(cadence, policy),
        ]
        targets = [row for row in candidates if row is not None]
    return {
        "computed_at": now.isoformat(),
        "run": {
            "id": run.pk,
            "status": run.status,
            "started_at": iso(run.started_at),
            "finished_at": iso(run.finished_at),
        },
        "incident": None
        if incident is None
        else {
            "reference": incident.reference,
            "title": incident.title,
            "severity": incident.severity,
            "detected_at": iso(incident.detected_at),
            "acknowledged_at": iso(incident.acknowledged_at),
            "first_response_at": iso(incident.first_response_at),
        },
        "policy": None
        if policy is None
        else {
            "acknowledge_minutes": policy.get("acknowledge_minutes"),
            "statement_minutes": policy.get("statement_minutes"),
            "update_minutes": policy.get("update_minutes"),
            "mention_reply_by_reach": dict(policy.get("mention_reply_by_reach") or {}),
        },
        "moments": moments,
        "targets": targets,
        "mentions": mentions,
        "rumours": rumours,
        "update_cadence": cadence,
        "summary": {
            "met": sum(1 for row in targets if row["status"] == MET),
            "missed": sum(1 for row in targets if row["status"] == MISSED),
            "not_yet": sum(1 for row in targets if row["status"] == NOT_YET),
        },
    }


def drill_report_shown(run: DrillRun) -> DrillReport:
    """What a finished drill kept when it was finished; a running drill measured now."""
    if run.status == DrillRun.Status.FINISHED and run.report:
        # Kept as the report was written when the drill finished.
        return cast(DrillReport, dict(run.report))
    return drill_report(run)


def drill_report_seen_by(*, user: AnyUser, run: DrillRun) -> DrillReport:
    """The report as this person may read it (the page and the API): while the drill runs,
    how many rumours the scenario planted is kept from the players (``planted`` is None),
    told to whoever may read the script (selectors.drill_script_readable)."""
    shown = drill_report_shown(run)
    if not drill_script_readable(user=user, run=run):
        shown["rumours"] = {**shown["rumours"], "planted": None}
    return shown


# --- the findings ---------------------------------------------------------------------------


def _said(status: str) -> str:
    # The findings are written when the drill is finished: what was not yet done by then was
    # not reached (the drill ended before it was done, or before its time ran out).
    return {MET: _("Met"), MISSED: _("Missed")}.get(status, _("Not reached"))


def _line(status: str, what: str, target: float | None = None) -> str:
    if target is None:
        return _("%(status)s: %(what)s") % {"status": _said(status), "what": what}
    return _("%(status)s: %(what)s (target %(target)s)") % {
        "status": _said(status),
        "what": what,
        "target": duration_words(target),
    }


def _target_line(row: DrillTarget) -> str:
    measured = row["measured_seconds"]
    if row["key"] == "acknowledge" and measured is not None:
        what = _("acknowledged in %(time)s") % {"time": duration_words(measured)}
    elif row["key"] == "first_statement" and measured is not None:
        what = _("first public statement in %(time)s") % {"time": duration_words(measured)}
    elif row["note"]:
        what = _("%(label)s — %(note)s") % {"label": row["label"], "note": row["note"]}
    else:
        what = row["label"]
    return _line(row["status"], what, row["target_seconds"])


def _mention_line(mention: DrillMention) -> str:
    who = _("@%(author)s (%(followers)s followers)") % {
        "author": mention["author"],
        "followers": f"{mention['followers']:,}",
    }
    if mention["outcome"] == REPLIED:
        what = _("%(who)s answered after %(time)s") % {
            "who": who,
            "time": duration_words(mention["measured_seconds"]),
        }
    else:
        what = _("%(who)s not answered") % {"who": who}
    return _line(mention["status"], what, mention["target_seconds"])


def findings_text(report: DrillReport) -> str:
    """The report as findings a person reads: one line per target, one per high-reach mention
    that was not answered in time, and when the alert came and the incident was declared."""
    computed = timezone.localtime(datetime.fromisoformat(report["computed_at"]))
    lines = [_("Drill report (%(at)s):") % {"at": computed.strftime("%Y-%m-%d %H:%M %Z")}]
    lines += [_target_line(row) for row in report["targets"]]
    lines += [_mention_line(m) for m in report["mentions"] if m["status"] == MISSED]
    moments = report["moments"]
    if moments["spike_alert_after_seconds"] is not None:
        lines.append(
            _("Spike alert raised %(time)s after the start.")
            % {"time": duration_words(moments["spike_alert_after_seconds"])}
        )
    if moments["declared_after_seconds"] is not None:
        lines.append(
            _("Incident declared %(time)s after the start.")
            % {"time": duration_words(moments["declared_after_seconds"])}
        )
    return "\n".join(lines)


# --- finishing ------------------------------------------------------------------------------


def _who_acted(incident: Incident) -> set[int]:
    """Everyone who acted on the drill incident: its declarer, whoever is on its timeline
    (acknowledging, moving it, recording claims…), message authors and approvers."""
    people = {incident.declared_by_id}
    people.update(
        TimelineEvent.objects.filter(incident=incident, actor__isnull=False).values_list(
            "actor_id", flat=True
        )
    )
    people.update(Message.objects.filter(incident=incident).values_list("author_id", flat=True))
    people.update(
        Approval.objects.filter(message__incident=incident).values_list("approver_id", flat=True)
    )
    return {pk for pk in people if pk is not None}


# The moves that take an open drill incident to closed, from where it stands.
TO_CLOSED: dict[str, tuple[str, ...]] = {
    Status.DETECTED: (Status.RESPONDING, Status.RESOLVED, Status.CLOSED),
    Status.TRIAGED: (Status.RESPONDING, Status.RESOLVED, Status.CLOSED),
    Status.RESPONDING: (Status.RESOLVED, Status.CLOSED),
    Status.MONITORING: (Status.RESOLVED, Status.CLOSED),
    Status.RESOLVED: (Status.CLOSED,),
}


def _close(actor: User, incident: Incident) -> None:
    """The drill is over, so is its incident: closed (its deadlines cancelled, nobody paged
    for a rehearsal that has ended), each move on its timeline. It needs no postmortem: its
    report and findings are the drill record."""
    incident.refresh_from_db()
    for to in TO_CLOSED.get(incident.status, ()):
        incident = incident_transition(
            actor=actor, incident=incident, to=to, reason=_("The drill was finished.")
        )


@transaction.atomic
def drill_finish(*, actor: User, run: DrillRun) -> DrillRun:
    """Finish a drill: keep its report, write the findings into the drill record (below what a
    person already wrote there), add whoever acted on the drill incident to its participants,
    stop the drill account, close the drill incident and note it on its timeline. Finishing a
    finished drill changes nothing."""
    require(actor, MANAGE_DRILLS)
    run = (
        DrillRun.objects.select_for_update(of=("self",))
        .select_related("incident", "account")
        .get(pk=run.pk)
    )
    if run.status == DrillRun.Status.FINISHED:
        return run
    now = timezone.now()
    report = drill_report(run, now=now)
    report["run"]["status"] = DrillRun.Status.FINISHED
    report["run"]["finished_at"] = iso(now)
    run.report = report
    run.status = DrillRun.Status.FINISHED
    run.finished_at = now
    run.finished_by = actor
    run.save(update_fields=["report", "status", "finished_at", "finished_by"])

    drill = Drill.objects.select_for_update().get(pk=run.drill_id)
    participants = set(drill.participants.values_list("pk", flat=True))
    if run.incident is not None:
        participants |= _who_acted(run.incident)
    typed = drill.findings.strip()
    drill_save(
        actor=actor,
        drill=drill,
        participants=sorted(participants),  # the people's ids
        findings=f"{typed}\n\n{findings_text(report)}" if typed else findings_text(report),
    )
    run.drill = drill

    if run.account is not None and run.account.is_drill:
        # The account was made for this drill alone: stopping it is part of finishing the
        # drill (so the listening no longer measures it), not managing the brand's accounts.
        run.account.is_active = False
        run.account.save(update_fields=["is_active"])

    if run.incident is not None:
        _close(actor, run.incident)
        summary = report["summary"]
        timeline_event_record(
            incident=run.incident,
            actor=actor,
            kind=TimelineEvent.Kind.NOTE,
            text=_(
                "Drill finished: %(met)d targets met, %(missed)d missed, %(not_yet)d not reached."
            )
            % summary,
            data={
                "drill_run": run.pk,
                "url": reverse("drills:report", kwargs={"pk": run.pk}),
                "summary": summary,
            },
        )
    return run
