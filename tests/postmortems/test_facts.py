"""Every fact of a postmortem against an incident with known times (time travel)."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from communications.messaging import publishing
from communications.messaging.services import approvals
from communications.messaging.services import messages as message_services
from communications.models import InboundPost, Message
from incidents.models import Status
from postmortems import facts, flows
from teams import flows as team_flows
from teams.models import Deadline, DeadlineStep
from teams.schedule import engine
from tests.communications.factories import InboundPostFactory, SocialAccountFactory
from tests.teams.factories import declared_for

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_an_incident_with_nothing_said_has_empty_facts_not_errors(manager):
    with time_machine.travel(T0, tick=False):
        incident = declared_for(manager, title="Quiet", severity=3)
    found = facts.compute(incident)
    assert found["time_to_acknowledge_seconds"] is None
    assert found["time_to_first_statement_seconds"] is None
    assert found["mentions"] == {
        "count": 0,
        "answered": 0,
        "answered_share": None,
        "reply_seconds_median": None,
        "reply_seconds_p90": None,
        "within_deadline_share": None,
    }
    assert found["messages"]["drafted"] == 0
    assert found["messages"]["approval_seconds_median"] is None
    assert found["update_cadence"] == {"due": 0, "kept": 0, "missed": []}
    assert found["roles"][0]["person"] == str(manager)


def test_times_cadence_mentions_and_a_reopened_incident(manager):
    account = SocialAccountFactory()
    with time_machine.travel(T0, tick=False):
        incident = declared_for(manager, title="Recall rumour", severity=1, detected_at=T0)
    with time_machine.travel(at(3), tick=False):
        team_flows.incident_acknowledge(actor=manager, incident=incident)
        flows.incident_transition(actor=manager, incident=incident, to=Status.RESPONDING)
    with time_machine.travel(at(12), tick=False):
        incident.first_response_at = at(12)
        incident.save(update_fields=["first_response_at"])
        # Next due at 42.
        engine.public_update_published(incident=incident, at=at(12), by=incident.declared_by)
    with time_machine.travel(at(40), tick=False):
        # Kept; next due at 70.
        engine.public_update_published(incident=incident, at=at(40), by=incident.declared_by)
    with time_machine.travel(at(85), tick=False):
        # Missed by 15 min.
        engine.public_update_published(incident=incident, at=at(85), by=incident.declared_by)
    # Mentions: two replied (one late), one still waiting.
    for posted, replied, due in ((5, 15, 20), (6, 46, 21), (7, None, 22)):
        InboundPostFactory(
            account=account,
            incident=incident,
            posted_at=at(posted),
            reply_due_at=at(due),
            triage=InboundPost.Triage.REPLIED if replied else InboundPost.Triage.NEEDS_REPLY,
            triaged_at=at(replied) if replied else None,
        )
    with time_machine.travel(at(90), tick=False):
        flows.incident_transition(actor=manager, incident=incident, to=Status.RESOLVED)
        flows.incident_transition(actor=manager, incident=incident, to=Status.RESPONDING)
    with time_machine.travel(at(100), tick=False):
        incident = flows.incident_transition(actor=manager, incident=incident, to=Status.RESOLVED)
        found = facts.compute(incident)
    assert found["time_to_acknowledge_seconds"] == 180
    assert found["time_to_first_statement_seconds"] == 12 * 60
    cadence = found["update_cadence"]
    assert cadence["kept"] == 1
    assert [m["late_seconds"] for m in cadence["missed"]] == [15 * 60]
    mentions = found["mentions"]
    assert (mentions["count"], mentions["answered"]) == (3, 2)
    assert mentions["answered_share"] == pytest.approx(0.667)
    assert mentions["reply_seconds_median"] == (10 * 60 + 40 * 60) / 2
    assert mentions["reply_seconds_p90"] == 40 * 60
    assert mentions["within_deadline_share"] == 0.5
    assert sum(bucket["count"] for bucket in found["mention_volume"]) == 3
    assert found["resolved_at"] == at(100).isoformat()  # the reopening cleared the first


def test_image_recovery_finds_the_day_volume_came_back(manager):
    account = SocialAccountFactory()
    with time_machine.travel(T0, tick=False):
        incident = team_flows.incident_declare(
            actor=manager, title="Viral video", severity=2, detected_at=T0
        )
    # 14 quiet days before (2 a day), a storm on the day, 2 days loud after, then quiet.
    for day in range(-14, 0):
        for _ in range(2):
            InboundPostFactory(account=account, posted_at=T0 + timedelta(days=day, hours=1))
    for _ in range(40):
        InboundPostFactory(account=account, incident=incident, posted_at=T0 + timedelta(hours=2))
    with time_machine.travel(T0 + timedelta(hours=5), tick=False):
        flows.incident_transition(actor=manager, incident=incident, to=Status.RESPONDING)
        incident = flows.incident_transition(actor=manager, incident=incident, to=Status.RESOLVED)
    for day, count in ((1, 9), (2, 5), (3, 2), (4, 1)):
        for _ in range(count):
            InboundPostFactory(account=account, posted_at=T0 + timedelta(days=day, hours=3))
    recovery = facts.image_recovery(incident, today=(T0 + timedelta(days=5)).date())
    assert recovery["baseline"] == 2
    phases = {d["day"]: (d["phase"], d["count"]) for d in recovery["days"]}
    assert phases[T0.date().isoformat()] == ("during", 40)
    assert phases[(T0 - timedelta(days=3)).date().isoformat()] == ("before", 2)
    assert recovery["back_within_baseline"] == (T0 + timedelta(days=3)).date().isoformat()
    early = facts.image_recovery(incident, today=(T0 + timedelta(days=2)).date())
    assert early["back_within_baseline"] is None  # not yet


def test_messages_their_approvals_escalations_and_roles(
    fake_x, manager, responder, django_capture_on_commit_callbacks
):
    """Drafted, approved, rejected, published and failed messages, the approval turnaround
    (median and max), escalations fired after a due time apart from reminders before it, and
    every role held with its holder."""
    account = SocialAccountFactory(handle="brand")
    with time_machine.travel(T0, tick=False):
        incident = declared_for(manager, title="Recall rumour", severity=3, detected_at=T0)

    def submitted(minutes: float, body: str) -> Message:
        with time_machine.travel(at(minutes), tick=False):
            message = message_services.message_create(
                actor=responder, incident=incident, account=account, body=body
            )
            return message_services.message_submit(actor=responder, message=message)

    published, failed, rejected = (
        submitted(5, "We are aware of the reports."),
        submitted(6, "An update on the reports."),
        submitted(7, "Nothing to see."),
    )
    submitted(8, "Still with the author.")  # submitted, never decided
    with time_machine.travel(at(8), tick=False):
        message_services.message_create(
            actor=responder, incident=incident, account=account, body="A draft."
        )
    with time_machine.travel(at(9), tick=False):
        approvals.message_approve(actor=manager, message=published)  # 4 min
        approvals.message_reject(actor=manager, message=rejected, comment="Too flippant.")
    with time_machine.travel(at(16), tick=False):
        approvals.message_approve(actor=manager, message=failed)  # 10 min
    with django_capture_on_commit_callbacks(), time_machine.travel(at(17), tick=False):
        assert publishing.publish(published.pk) == "published"
        fake_x.script("create", status=403)
        assert publishing.publish(failed.pk) == "failed"

    # The acknowledge deadline: its reminder before the due time, two escalations after.
    deadline = engine.open_deadlines().get(incident=incident, kind=Deadline.Kind.ACKNOWLEDGE)
    for moment in (deadline.next_step_at, deadline.due_at, deadline.due_at + timedelta(hours=1)):
        with time_machine.travel(moment, tick=False):
            deadline.refresh_from_db()
            engine.deadline_step_run(deadline.pk, deadline.task_id)
    fired = list(DeadlineStep.objects.filter(deadline=deadline).order_by("position"))
    before = sum(step.fired_at < deadline.due_at for step in fired)
    assert before >= 1  # the policy's reminder
    assert len(fired) - before >= 1  # and its escalations

    with time_machine.travel(at(120), tick=False):
        found = facts.compute(incident)
    assert found["messages"] == {
        "drafted": 5,
        "approved": 2,
        "rejected": 1,
        "published": 1,
        "failed": 1,
        "approval_seconds_median": 7 * 60,
        "approval_seconds_max": 10 * 60,
    }
    assert found["escalations"] == {"fired": len(fired) - before, "reminders": before}
    [lead] = found["roles"]
    assert (lead["role"], lead["person"], lead["from"], lead["to"]) == (
        "Crisis lead",
        str(manager),
        T0.isoformat(),
        None,
    )


def test_facts_count_only_their_own_incident(manager, responder):
    """Mentions and messages of another incident never leak into this one's figures."""
    account = SocialAccountFactory()
    with time_machine.travel(T0, tick=False):
        mine = team_flows.incident_declare(actor=manager, title="Mine", severity=3)
        other = team_flows.incident_declare(actor=manager, title="Other", severity=3)
    InboundPostFactory(account=account, incident=other, posted_at=at(5))
    message_services.message_create(
        actor=responder, incident=other, account=account, body="Not about mine."
    )
    found = facts.compute(mine)
    assert found["mentions"]["count"] == 0
    assert found["messages"]["drafted"] == 0
    assert found["mention_volume"] == []
