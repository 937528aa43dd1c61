"""The response schedule: policies copied onto incidents, deadlines planned and met by the
flows, and the escalation engine firing each step once, on time, even when a task is lost."""

import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connections
from django.utils import timezone

from communications.listening.mentions import services as mention_services
from config.errors import ApplicationError, Conflict, NotPermitted
from incidents.models import Status, TimelineEvent
from postmortems.flows import incident_transition
from teams import flows
from teams.models import (
    Deadline,
    DeadlineStep,
    EngineHealth,
    IncidentPlan,
    Notification,
    Reason,
    ResponsePolicy,
    Role,
    RosterMember,
)
from teams.schedule import engine, policies
from tests.communications.factories import InboundPostFactory
from tests.teams.factories import declared_for
from tests.teams.factories import manager as manager_factory
from tests.teams.factories import responder as responder_factory

pytestmark = pytest.mark.django_db
K = Deadline.Kind


def declare(actor, severity=1, **kwargs):
    return declared_for(actor, title="Contaminated batch", severity=severity, **kwargs)


def open_one(incident, kind) -> Deadline:
    return engine.open_deadlines().get(incident=incident, kind=kind)


def run_next(deadline: Deadline) -> bool:
    """What the queued task does when it arrives: run with the id the deadline expects."""
    deadline.refresh_from_db()
    return engine.deadline_step_run(deadline.pk, deadline.task_id)


def told(deadline: Deadline, position: int) -> set[str]:
    return set(
        Notification.objects.filter(subject=f"deadline:{deadline.pk}:{position}").values_list(
            "recipient__username", flat=True
        )
    )


# --- planning -----------------------------------------------------------------------------


def test_declaring_copies_the_policy_and_plans_acknowledge_and_first_statement(manager):
    before = timezone.now()
    incident = declare(manager, severity=1)
    plan = IncidentPlan.objects.get(incident=incident)
    assert plan.severity == 1
    assert plan.policy["acknowledge_minutes"] == 5
    acknowledge = open_one(incident, K.ACKNOWLEDGE)
    statement = open_one(incident, K.FIRST_STATEMENT)
    assert acknowledge.owner == manager  # the crisis lead
    assert (
        before + timedelta(minutes=5) <= acknowledge.due_at <= timezone.now() + timedelta(minutes=5)
    )
    assert statement.due_at - statement.anchor_at == timedelta(minutes=15)
    # The chain is on the row: the first step still to come is the reminder 2 min before.
    assert acknowledge.next_step == 0
    assert acknowledge.next_step_at == acknowledge.due_at - timedelta(minutes=2)
    assert acknowledge.task_id


def test_a_declarer_who_leads_has_acknowledged_so_nothing_escalates_to_them(manager):
    incident = flows.incident_declare(actor=manager, title="Contaminated batch", severity=1)
    assert incident.acknowledged_at is not None
    assert set(
        engine.open_deadlines().filter(incident=incident).values_list("kind", flat=True)
    ) == {K.FIRST_STATEMENT}
    assert not Deadline.objects.filter(incident=incident, kind=K.ACKNOWLEDGE).exists()


def test_a_watch_level_incident_plans_no_statement(manager):
    incident = declare(manager, severity=4)
    assert set(
        engine.open_deadlines().filter(incident=incident).values_list("kind", flat=True)
    ) == {K.ACKNOWLEDGE}
    assert open_one(incident, K.ACKNOWLEDGE).due_at - timezone.now() > timedelta(hours=3)


def test_acknowledging_meets_its_deadline_and_its_queued_step_then_does_nothing(manager):
    incident = declare(manager)
    deadline = open_one(incident, K.ACKNOWLEDGE)
    expected = deadline.task_id
    flows.incident_acknowledge(actor=manager, incident=incident)
    deadline.refresh_from_db()
    assert deadline.met_at is not None
    assert deadline.task_id == ""
    with time_machine.travel(deadline.due_at + timedelta(minutes=1), tick=False):
        assert engine.deadline_step_run(deadline.pk, expected) is False
    assert not Notification.objects.filter(subject__startswith=f"deadline:{deadline.pk}:")


def test_moving_out_of_detected_meets_the_acknowledge_deadline(manager):
    incident = declare(manager)
    incident_transition(actor=manager, incident=incident, to=Status.TRIAGED)
    assert not engine.open_deadlines().filter(incident=incident, kind=K.ACKNOWLEDGE).exists()


# --- the chain, step by step ---------------------------------------------------------------


def test_every_step_of_the_chain_fires_on_time_to_the_right_people(manager):
    lead = manager
    manager_factory(username="boss")
    sponsor = responder_factory(username="sponsor")
    comms = responder_factory(username="comms")
    RosterMember.objects.create(role_id=Role.EXECUTIVE_SPONSOR, person=sponsor)
    RosterMember.objects.create(role_id=Role.COMMUNICATIONS_LEAD, person=comms)
    incident = declare(lead)
    deadline = open_one(incident, K.ACKNOWLEDGE)
    due = deadline.due_at

    # Too early: a task that wakes before its step fires nothing.
    with time_machine.travel(due - timedelta(minutes=3), tick=False):
        assert run_next(deadline) is False

    with time_machine.travel(due - timedelta(minutes=2), tick=False):
        assert run_next(deadline) is True
    assert told(deadline, 0) == {lead.username}
    reminder = Notification.objects.get(subject=f"deadline:{deadline.pk}:0")
    assert reminder.reason == Reason.DEADLINE_REMINDER
    assert reminder.url == deadline.get_absolute_url()

    with time_machine.travel(due, tick=False):
        assert run_next(deadline) is True
    assert told(deadline, 1) == {lead.username}  # owner and crisis lead are one person
    assert Notification.objects.get(subject=f"deadline:{deadline.pk}:1").reason == (
        Reason.DEADLINE_ESCALATED
    )
    assert TimelineEvent.objects.filter(incident=incident, kind=TimelineEvent.Kind.SCHEDULE)

    with time_machine.travel(due + timedelta(minutes=5), tick=False):
        assert run_next(deadline) is True
    assert told(deadline, 2) == {lead.username, "comms", "boss"}

    with time_machine.travel(due + timedelta(minutes=10), tick=False):
        assert run_next(deadline) is True
    assert told(deadline, 3) == {lead.username, "boss", "sponsor"}

    # Repeats of the last step: every 10 minutes, 3 times, then the chain ends.
    for repeat in range(1, 4):
        with time_machine.travel(due + timedelta(minutes=10 + 10 * repeat), tick=False):
            assert run_next(deadline) is True
        assert told(deadline, 3 + repeat) == {lead.username, "boss", "sponsor"}
    deadline.refresh_from_db()
    assert deadline.next_step is None
    assert deadline.task_id == ""
    assert deadline.is_open  # escalation ended; the promise is still unmet
    assert DeadlineStep.objects.filter(deadline=deadline).count() == 7


def test_a_deadline_planned_already_overdue_escalates_at_once(manager):
    incident = declare(manager)
    item = flows.checklist_item_add(
        actor=manager,
        incident=incident,
        title="Call the regulator",
        due_at=timezone.now() - timedelta(minutes=30),
    )
    deadline = engine.open_deadlines().get(
        kind=K.CHECKLIST_ITEM, subject=f"checklist-item:{item.pk}"
    )
    assert not deadline.step_is_reminder(deadline.next_step)
    assert run_next(deadline) is True
    assert Notification.objects.get(subject=f"deadline:{deadline.pk}:{deadline.next_step}")


# --- never twice ---------------------------------------------------------------------------


def test_the_same_step_delivered_twice_notifies_once(manager):
    incident = declare(manager)
    deadline = open_one(incident, K.ACKNOWLEDGE)
    task_id = deadline.task_id
    with time_machine.travel(deadline.next_step_at, tick=False):
        assert engine.deadline_step_run(deadline.pk, task_id) is True
        # The broker delivers the same task again (a redelivery after a visibility timeout).
        assert engine.deadline_step_run(deadline.pk, task_id) is False
    assert Notification.objects.filter(subject__startswith=f"deadline:{deadline.pk}:").count() == 1
    assert DeadlineStep.objects.filter(deadline=deadline).count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_same_step_from_two_workers_at_once_notifies_once():
    lead = manager_factory(username="lead")
    incident = declare(lead)
    deadline = open_one(incident, K.ACKNOWLEDGE)
    results: list[bool] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def worker() -> None:
        try:
            barrier.wait()
            results.append(engine.deadline_step_run(deadline.pk, deadline.task_id))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    with time_machine.travel(deadline.next_step_at, tick=False):
        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
    assert sorted(results) == [False, True]
    assert Notification.objects.filter(subject__startswith=f"deadline:{deadline.pk}:").count() == 1


# --- the sweeper ----------------------------------------------------------------------------


def test_a_lost_task_is_re_driven_by_the_sweeper_within_its_interval(manager):
    incident = declare(manager)
    deadline = open_one(incident, K.ACKNOWLEDGE)
    lost = deadline.task_id  # the broker lost it: nobody runs it
    step_at = deadline.next_step_at
    with time_machine.travel(step_at + timedelta(seconds=30), tick=False):
        assert engine.deadlines_sweep().redriven == 0  # within the grace: its task may come
    with time_machine.travel(step_at + timedelta(seconds=61), tick=False):
        health = engine.deadlines_sweep()
    assert health.redriven == 1
    assert health.backlog == 1
    assert health.worst_lateness_seconds >= 61
    assert DeadlineStep.objects.get(deadline=deadline, position=0).by_sweeper
    assert told(deadline, 0) == {manager.username}
    # Should the lost task turn up after all, it finds another id and does nothing.
    assert engine.deadline_step_run(deadline.pk, lost) is False
    assert Notification.objects.filter(subject__startswith=f"deadline:{deadline.pk}:").count() == 1
    # The next step is scheduled again, the normal way.
    deadline.refresh_from_db()
    assert deadline.next_step == 1
    assert deadline.task_id
    assert deadline.task_id != lost


def test_the_sweeper_records_a_quiet_engine_as_healthy(manager):
    declare(manager)
    health = engine.deadlines_sweep()
    assert health.backlog == 0
    assert health.redriven == 0
    assert EngineHealth.objects.count() == 1
    state = engine.engine_health()
    assert state["healthy"] is True
    assert state["open_deadlines"] == 2
    with time_machine.travel(timezone.now() + timedelta(minutes=10), tick=False):
        assert engine.engine_health()["healthy"] is False  # no sweep for 10 minutes


def test_a_sweep_sends_nothing_twice_when_a_worker_already_fired_the_step(manager):
    incident = declare(manager)
    deadline = open_one(incident, K.ACKNOWLEDGE)
    with time_machine.travel(deadline.next_step_at + timedelta(seconds=90), tick=False):
        assert run_next(deadline) is True
        engine.deadlines_sweep()
    assert Notification.objects.filter(subject__startswith=f"deadline:{deadline.pk}:").count() == 1


# --- people acting on an escalation ---------------------------------------------------------


def test_acknowledging_an_escalation_stops_the_chain_and_says_why(manager, responder):
    incident = declare(manager)
    deadline = open_one(incident, K.ACKNOWLEDGE)
    expected = deadline.task_id
    with pytest.raises(ApplicationError) as error:
        engine.deadline_acknowledge(actor=responder, deadline=deadline, reason=" ")
    assert error.value.field == "reason"
    engine.deadline_acknowledge(
        actor=responder, deadline=deadline, reason="On the phone with legal"
    )
    deadline.refresh_from_db()
    assert deadline.acknowledged_by == responder
    assert deadline.next_step is None
    with time_machine.travel(deadline.due_at + timedelta(minutes=30), tick=False):
        assert engine.deadline_step_run(deadline.pk, expected) is False
        engine.deadlines_sweep()  # (the first statement, overdue too, is re-driven: not this)
    assert not Notification.objects.filter(subject__startswith=f"deadline:{deadline.pk}:")
    assert TimelineEvent.objects.filter(
        incident=incident, text__contains="On the phone with legal"
    ).exists()


def test_a_reader_cannot_acknowledge_or_snooze(manager, reader):
    deadline = open_one(declare(manager), K.ACKNOWLEDGE)
    with pytest.raises(NotPermitted):
        engine.deadline_acknowledge(actor=reader, deadline=deadline, reason="x")
    with pytest.raises(NotPermitted):
        engine.deadline_snooze(actor=reader, deadline=deadline, minutes=15, reason="x")


def test_snoozing_holds_the_next_step_until_the_snooze_ends(manager, responder):
    incident = declare(manager)
    deadline = open_one(incident, K.ACKNOWLEDGE)
    with pytest.raises(ApplicationError) as error:
        engine.deadline_snooze(actor=responder, deadline=deadline, minutes=7, reason="busy")
    assert error.value.field == "minutes"
    engine.deadline_snooze(actor=responder, deadline=deadline, minutes=30, reason="In a call")
    deadline.refresh_from_db()
    assert deadline.next_step_at >= deadline.snoozed_until
    with time_machine.travel(deadline.due_at, tick=False):
        assert run_next(deadline) is False  # still snoozed
    with time_machine.travel(deadline.snoozed_until, tick=False):
        assert run_next(deadline) is True
    assert TimelineEvent.objects.filter(incident=incident, text__contains="snoozed 30 min")


def test_acting_on_a_met_deadline_is_a_conflict(manager, responder):
    incident = declare(manager)
    deadline = open_one(incident, K.ACKNOWLEDGE)
    flows.incident_acknowledge(actor=manager, incident=incident)
    with pytest.raises(Conflict):
        engine.deadline_acknowledge(actor=responder, deadline=deadline, reason="late")


# --- the plan is frozen, and re-planned on purpose -------------------------------------------


def test_editing_a_policy_never_changes_a_running_incident(manager, admin_user):
    incident = declare(manager, severity=1)
    deadline = open_one(incident, K.ACKNOWLEDGE)
    policy = ResponsePolicy.objects.get(severity=1)
    policies.policy_update(
        actor=admin_user,
        policy=policy,
        steps=[{"offset_minutes": 0, "targets": ["managers"]}],
        acknowledge_minutes=60,
        approvals_required=3,
    )
    incident.refresh_from_db()
    assert policies.incident_policy(incident)["acknowledge_minutes"] == 5
    assert policies.approvals_required(incident) == 2
    assert open_one(incident, K.ACKNOWLEDGE).pk == deadline.pk
    later = declare(manager, severity=1)
    assert open_one(later, K.ACKNOWLEDGE).due_at - open_one(later, K.ACKNOWLEDGE).anchor_at == (
        timedelta(minutes=60)
    )
    assert policies.approvals_required(later) == 3


def test_raising_the_severity_re_plans_the_open_deadlines_and_says_so(manager):
    incident = declare(manager, severity=3)
    acknowledge = open_one(incident, K.ACKNOWLEDGE)
    assert acknowledge.due_at - acknowledge.anchor_at == timedelta(minutes=60)
    assert not engine.open_deadlines().filter(incident=incident, kind=K.FIRST_STATEMENT).exists()
    flows.incident_update(actor=manager, incident=incident, severity=1)
    replanned = open_one(incident, K.ACKNOWLEDGE)
    assert replanned.pk != acknowledge.pk
    assert replanned.due_at == acknowledge.anchor_at + timedelta(minutes=5)
    acknowledge.refresh_from_db()
    assert acknowledge.cancel_reason == "Re-planned"
    statement = open_one(incident, K.FIRST_STATEMENT)
    assert statement.due_at == incident.created_at + timedelta(minutes=15)
    assert IncidentPlan.objects.get(incident=incident).severity == 1
    event = TimelineEvent.objects.filter(
        incident=incident, kind=TimelineEvent.Kind.SCHEDULE
    ).latest("id")
    assert "re-planned for SEV1" in event.text


def test_lowering_to_a_level_without_a_statement_cancels_it(manager):
    incident = declare(manager, severity=2)
    flows.incident_update(actor=manager, incident=incident, severity=4, reason="Contained")
    assert not engine.open_deadlines().filter(incident=incident, kind=K.FIRST_STATEMENT).exists()
    assert Deadline.objects.get(incident=incident, kind=K.FIRST_STATEMENT).cancel_reason == (
        "SEV4 plans none."
    )


# --- the lifecycle ----------------------------------------------------------------------------


def test_declining_or_closing_cancels_every_open_deadline(manager):
    incident = declare(manager)
    incident_transition(actor=manager, incident=incident, to=Status.DECLINED, reason="Fake")
    assert not engine.open_deadlines().filter(incident=incident).exists()
    # Leaving "detected" acknowledges the incident; what remained is cancelled with the reason.
    assert Deadline.objects.get(incident=incident, kind=K.ACKNOWLEDGE).met_at is not None
    statement = Deadline.objects.get(incident=incident, kind=K.FIRST_STATEMENT)
    assert "Declined" in statement.cancel_reason


def test_public_updates_keep_the_cadence_while_responding(manager):
    incident = declare(manager, severity=1)
    incident_transition(actor=manager, incident=incident, to=Status.RESPONDING)
    assert not engine.open_deadlines().filter(incident=incident, kind=K.NEXT_UPDATE).exists()
    published = timezone.now()
    engine.public_update_published(incident=incident, at=published, by=incident.declared_by)
    assert not engine.open_deadlines().filter(incident=incident, kind=K.FIRST_STATEMENT).exists()
    first = open_one(incident, K.NEXT_UPDATE)
    assert first.due_at == published + timedelta(minutes=30)
    later = published + timedelta(minutes=20)
    engine.public_update_published(incident=incident, at=later, by=incident.declared_by)
    first.refresh_from_db()
    assert first.met_at is not None
    assert open_one(incident, K.NEXT_UPDATE).due_at == later + timedelta(minutes=30)
    incident_transition(actor=manager, incident=incident, to=Status.RESOLVED)
    assert not engine.open_deadlines().filter(incident=incident, kind=K.NEXT_UPDATE).exists()


def test_a_missed_update_escalates_like_any_deadline(manager):
    incident = declare(manager, severity=1)
    incident_transition(actor=manager, incident=incident, to=Status.RESPONDING)
    engine.public_update_published(incident=incident, at=timezone.now(), by=incident.declared_by)
    update = open_one(incident, K.NEXT_UPDATE)
    with time_machine.travel(update.due_at + timedelta(minutes=2), tick=False):
        engine.deadlines_sweep()  # its tasks were lost: the sweeper fires the first escalation
    # The reminder's time had passed with the due time: only the escalation went.
    assert list(
        Notification.objects.filter(subject__startswith=f"deadline:{update.pk}:").values_list(
            "reason", flat=True
        )
    ) == [Reason.DEADLINE_ESCALATED]
    update.refresh_from_db()
    assert update.next_step == 2
    assert update.next_step_at == update.due_at + timedelta(minutes=5)


def test_after_an_outage_every_level_that_was_due_is_told_once(manager):
    manager_factory(username="boss")
    incident = declare(manager, severity=1)
    deadline = open_one(incident, K.ACKNOWLEDGE)
    with time_machine.travel(deadline.due_at + timedelta(minutes=45), tick=False):
        engine.deadlines_sweep()
    fired = list(DeadlineStep.objects.filter(deadline=deadline).values_list("position", flat=True))
    # No reminder after the fact; the three levels; of the three repeats only the last.
    assert fired == [1, 2, 3, 6]
    deadline.refresh_from_db()
    assert deadline.next_step is None


# --- checklist items --------------------------------------------------------------------------


def test_a_checklist_item_with_a_due_time_is_a_deadline_that_follows_it(manager, responder):
    incident = declare(manager)
    due = timezone.now() + timedelta(hours=1)
    item = flows.checklist_item_add(
        actor=manager, incident=incident, title="Brief legal", assignee=responder, due_at=due
    )
    subject = f"checklist-item:{item.pk}"
    deadline = engine.open_deadlines().get(kind=K.CHECKLIST_ITEM, subject=subject)
    assert (deadline.owner, deadline.due_at) == (responder, due)
    later = due + timedelta(hours=1)
    flows.checklist_item_update(actor=manager, item=item, due_at=later)
    assert engine.open_deadlines().get(kind=K.CHECKLIST_ITEM, subject=subject).due_at == later
    flows.checklist_item_update(actor=responder, item=item, done=True)
    assert not engine.open_deadlines().filter(kind=K.CHECKLIST_ITEM, subject=subject).exists()
    assert Deadline.objects.filter(subject=subject, met_at__isnull=False).count() == 1


# --- policies ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("steps", "fields", "field"),
    [
        ([{"offset_minutes": -5, "targets": ["owner"]}], {}, "steps"),  # reminders only
        (
            [
                {"offset_minutes": 5, "targets": ["owner"]},
                {"offset_minutes": 5, "targets": ["managers"]},
            ],
            {},
            "steps",
        ),
        ([{"offset_minutes": 0, "targets": []}], {}, "steps"),
        ([{"offset_minutes": 0, "targets": ["the_press"]}], {}, "steps"),
        ([], {}, "steps"),
        (
            [{"offset_minutes": 0, "targets": ["owner"]}],
            {"acknowledge_minutes": 0},
            "acknowledge_minutes",
        ),
        ([{"offset_minutes": 0, "targets": ["owner"]}], {"update_minutes": -30}, "update_minutes"),
        ([{"offset_minutes": 0, "targets": ["owner"]}], {"repeat_times": 99}, "repeat_times"),
        (
            [{"offset_minutes": 0, "targets": ["owner"]}],
            {"approvals_required": 0},
            "approvals_required",
        ),
        (
            [{"offset_minutes": 0, "targets": ["owner"]}],
            {"mention_reply_by_reach": {"many": 5}},
            "mention_reply_by_reach",
        ),
    ],
)
def test_a_policy_is_validated_and_saved_all_or_nothing(admin_user, steps, fields, field):
    policy = ResponsePolicy.objects.get(severity=2)
    before = policies.policy_snapshot(policy)
    with pytest.raises(ApplicationError) as error:
        policies.policy_update(actor=admin_user, policy=policy, steps=steps, **fields)
    assert error.value.field == field
    assert policies.policy_snapshot(ResponsePolicy.objects.get(severity=2)) == before


def test_only_admins_edit_policies(manager, admin_user):
    policy = ResponsePolicy.objects.get(severity=2)
    chain = [{"offset_minutes": 0, "targets": ["owner", "on_call:communications_lead"]}]
    with pytest.raises(NotPermitted):
        policies.policy_update(actor=manager, policy=policy, steps=chain)
    policies.policy_update(actor=admin_user, policy=policy, steps=chain, statement_minutes="")
    policy.refresh_from_db()
    assert policy.statement_minutes is None
    assert [s.targets for s in policy.steps.all()] == [["owner", "on_call:communications_lead"]]


def test_a_step_beyond_the_horizon_is_queued_by_the_sweeper_when_it_comes_close(manager):
    incident = declare(manager, severity=4)  # acknowledge within 4 h: its reminder at 3.5 h
    deadline = open_one(incident, K.ACKNOWLEDGE)
    assert deadline.task_id == ""  # not handed to the broker yet
    with time_machine.travel(deadline.next_step_at - timedelta(minutes=61), tick=False):
        engine.deadlines_sweep()
    deadline.refresh_from_db()
    assert deadline.task_id == ""
    with time_machine.travel(deadline.next_step_at - timedelta(minutes=59), tick=False):
        engine.deadlines_sweep()
    deadline.refresh_from_db()
    assert deadline.task_id
    with time_machine.travel(deadline.next_step_at, tick=False):
        assert run_next(deadline) is True


def _first_statement(manager):
    return open_one(declare(manager), K.FIRST_STATEMENT)


def _next_update(manager):
    incident = declare(manager)
    incident_transition(actor=manager, incident=incident, to=Status.RESPONDING)
    engine.public_update_published(incident=incident, at=timezone.now(), by=incident.declared_by)
    return open_one(incident, K.NEXT_UPDATE)


def _mention_reply(manager):
    mention = InboundPostFactory(author_followers=20_000, posted_at=timezone.now())
    mention_services.mention_triage(actor=manager, mention=mention, status="needs_reply")
    mention_services.mention_assign(actor=manager, mention=mention, assignee=manager)
    return engine.open_deadlines().get(kind=K.MENTION_REPLY)


def _checklist_item(manager):
    incident = declare(manager)
    flows.checklist_item_add(
        actor=manager,
        incident=incident,
        title="Call the regulator",
        due_at=timezone.now() + timedelta(minutes=45),
    )
    return engine.open_deadlines().get(kind=K.CHECKLIST_ITEM)


@pytest.mark.parametrize(
    "plan",
    [_first_statement, _next_update, _mention_reply, _checklist_item],
    ids=lambda f: f.__name__,
)
def test_every_kind_reminds_before_and_escalates_after_its_due_time(manager, plan):
    deadline = plan(manager)
    fired = []
    for position in range(deadline.next_step, deadline.step_count):
        # A step hours away is handed to the broker by the sweeper within the hour before it.
        with time_machine.travel(deadline.step_at(position) - timedelta(minutes=30), tick=False):
            engine.deadlines_sweep()
        with time_machine.travel(deadline.step_at(position), tick=False):
            assert run_next(deadline) is True
        reason = Notification.objects.get(
            recipient=manager, subject=f"deadline:{deadline.pk}:{position}"
        ).reason
        expected = (
            Reason.DEADLINE_REMINDER
            if deadline.step_is_reminder(position)
            else Reason.DEADLINE_ESCALATED
        )
        assert reason == expected
        fired.append(reason)
    assert Reason.DEADLINE_ESCALATED in fired
    deadline.refresh_from_db()
    assert deadline.next_step is None
