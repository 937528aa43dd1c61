"""The response schedule through a real Celery worker on Redis: a SEV1 incident's reminder and
first escalation reach the crisis lead on time.

The suite runs Celery eagerly; here the tasks are queued for real and a worker runs as its own
process, with the settings a deployment uses, on this test's database and the suite's Redis.
Real time (a clock moved in this process would not move the worker's), so the SEV1 policy is
cut to its shortest: acknowledge within 2 minutes, a reminder 1 minute before, the escalation
at the due time.
"""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from config.celery_app import app
from incidents.models import TimelineEvent
from teams.models import Deadline, DeadlineStep, Delivery, Notification, Reason, ResponsePolicy
from teams.schedule import policies
from tests.teams.factories import admin, declared_for, manager

ROOT = Path(__file__).resolve().parents[2]
# How late a step may fire and still be on time: the worker's timer is precise to milliseconds,
# the rest is a busy two-core CI machine.
ON_TIME = timedelta(seconds=5)
EARLY = timedelta(seconds=1)  # the engine fires a step this much early (EARLY_TOLERANCE)

pytestmark = pytest.mark.django_db(transaction=True)


class Worker:
    """A Celery worker process in a process group of its own; its output goes to ``log``."""

    def __init__(self, log: Path) -> None:
        self.name = f"schedule-test-{os.getpid()}"
        self.log = log
        database = connection.settings_dict
        credentials = quote(database["USER"] or "", safe="")
        if database["PASSWORD"]:
            credentials += ":" + quote(database["PASSWORD"], safe="")
        env = {
            **os.environ,
            # A deployment's settings (tasks queued, never run eagerly) on this test's database
            # (committed rows only: the test is transactional) and the suite's Redis.
            "DJANGO_SETTINGS_MODULE": "config.settings.local",
            "DJANGO_DEBUG": "false",
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "DATABASE_URL": (
                f"postgres://{credentials}@{database['HOST'] or 'localhost'}:"
                f"{database['PORT'] or 5432}/{database['NAME']}"
            ),
            "REDIS_URL": settings.CELERY_BROKER_URL,
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
        }
        command = [
            *(sys.executable, "-m", "celery", "-A", "config.celery_app", "worker"),
            *("--queues", "critical,default", "--concurrency", "2", "--loglevel", "WARNING"),
            *("--hostname", f"{self.name}@%h", "--without-gossip", "--without-mingle"),
        ]
        with log.open("w") as out:
            self.process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def output(self) -> str:
        return self.log.read_text()[-3000:]

    def wait_ready(self, timeout: float = 60) -> None:
        ends = time.monotonic() + timeout
        while time.monotonic() < ends:
            assert self.process.poll() is None, f"the worker exited:\n{self.output()}"
            answers = app.control.ping(timeout=1.0) or []
            if any(self.name in host for answer in answers for host in answer):
                return
        pytest.fail(f"the worker did not answer within {timeout:.0f} s:\n{self.output()}")

    def stop(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)
        except ProcessLookupError:
            return
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


@pytest.fixture
def worker(transactional_db, tmp_path) -> Iterator[Worker]:
    """Tasks queued on Redis (not run eagerly) and a worker consuming them; started here, ready
    when the test says so, stopped before the test's database is emptied."""
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    running = Worker(tmp_path / "worker.log")
    try:
        yield running
    finally:
        running.stop()
        app.conf.task_always_eager = eager


def wait_until(condition: Callable[[], bool], until: datetime, worker: Worker, what: str) -> None:
    while not condition():
        if timezone.now() > until:
            pytest.fail(f"{what} by {until:%H:%M:%S}; the worker said:\n{worker.output()}")
        time.sleep(0.25)


def test_a_sev1_reminder_and_escalation_arrive_on_time_through_a_real_worker(worker):
    policies.policy_update(
        actor=admin(username="policy-admin"),
        policy=ResponsePolicy.objects.get(severity=1),
        acknowledge_minutes=2,
        statement_minutes=None,
        update_minutes=None,
        repeat_times=0,
        steps=[
            {"offset_minutes": -1, "targets": ["owner"]},
            {"offset_minutes": 0, "targets": ["owner", "crisis_lead"]},
        ],
    )
    lead = manager(username="lead")

    # Declared by a colleague for the lead to lead: the lead's acknowledgement is due.
    incident = declared_for(lead, title="Checkout down for everyone", severity=1)
    worker.wait_ready()  # the steps wait in Redis meanwhile, as they do while a worker restarts

    deadline = Deadline.objects.get(incident=incident)
    assert deadline.kind == Deadline.Kind.ACKNOWLEDGE
    assert deadline.owner == lead
    reminder_at, escalation_at = deadline.step_at(0), deadline.step_at(1)
    assert escalation_at - reminder_at == timedelta(minutes=1)
    assert deadline.next_step == 0
    assert deadline.next_step_at == reminder_at

    def fired(position: int) -> bool:
        return DeadlineStep.objects.filter(deadline=deadline, position=position).exists()

    wait_until(lambda: fired(0), reminder_at + ON_TIME, worker, "the reminder was not on time")
    wait_until(lambda: fired(1), escalation_at + ON_TIME, worker, "the escalation was not on time")

    steps = {step.position: step for step in DeadlineStep.objects.filter(deadline=deadline)}
    assert sorted(steps) == [0, 1]
    for position, due_at in ((0, reminder_at), (1, escalation_at)):
        step = steps[position]
        assert step.due_at == due_at
        assert not step.by_sweeper  # the queued task fired it, not the sweeper
        assert due_at - EARLY <= step.fired_at <= due_at + ON_TIME
        assert step.recipients == 1

    reminder = Notification.objects.get(subject=f"deadline:{deadline.pk}:0")
    assert (reminder.recipient, reminder.reason) == (lead, Reason.DEADLINE_REMINDER)
    assert reminder_at - EARLY <= reminder.created_at <= reminder_at + ON_TIME
    # The owner and the crisis lead are the same person here: told once.
    escalation = Notification.objects.get(subject=f"deadline:{deadline.pk}:1")
    assert (escalation.recipient, escalation.reason) == (lead, Reason.DEADLINE_ESCALATED)
    assert escalation_at - EARLY <= escalation.created_at <= escalation_at + ON_TIME
    assert escalation.title.startswith("Overdue by 0 min:")
    assert (
        TimelineEvent.objects.filter(
            incident=incident,
            kind=TimelineEvent.Kind.SCHEDULE,
            data__deadline=deadline.pk,
            data__step=1,
        ).count()
        == 1
    )

    # The chain has ended: nothing is queued for this deadline any more.
    deadline.refresh_from_db()
    assert (deadline.next_step, deadline.next_step_at, deadline.task_id) == (None, None, "")
    # And the worker sent the escalation's email too.
    wait_until(
        lambda: Delivery.objects.filter(
            notification=escalation, channel=Delivery.Channel.EMAIL, status=Delivery.Status.SENT
        ).exists(),
        timezone.now() + timedelta(seconds=30),
        worker,
        "the escalation's email was not sent",
    )
