"""The response schedule under load: deadlines falling due together, a worker killed among them,
and what one sweep costs with many deadlines open.

Starts Celery beat and a worker (critical and default queues) as separate processes on Redis
(its own database number, flushed first) and PostgreSQL (its own database, flushed first).
Beat runs on its own, as in production, so it keeps sending the sweep every 30 s while the
worker is dead.

a. On time: plans 1,000 deadlines through the engine (engine.deadline_plan, 100 per
   transaction), due evenly over one minute that starts 15 s later, each with a one-step chain
   (the owner, at the due time: the SEV4 policy edited to that), and waits for every step.
b. A worker killed: the same, with the worker's whole process group killed (SIGKILL) half-way
   through the minute and a fresh worker started 3 s later. The steps the dead worker held are
   re-driven by the sweeper once overdue by SCHEDULE_SWEEP_GRACE_SECONDS.
c. The sweeper: 10,000 open deadlines on the SEV2 chain (1% overdue, their tasks lost) written
   directly; engine.deadlines_sweep() timed in this process (median of 5 runs) with its query
   count: nothing overdue, the overdue ones re-driven (put back before each run), and nothing
   overdue on top of 100,000 fired steps of history.

Lateness is DeadlineStep.fired_at - DeadlineStep.due_at. A loss is a deadline whose step did
not fire before the sweeper's bound had long passed; a duplicate is a step that notified its
owner twice or wrote two timeline entries. The owners have no email address or chat webhook:
in-app notifications only, so the numbers are the engine's. Fails unless every step fired once.

Run with `make bench` or on its own:
    .venv/bin/python bench/schedule.py [--deadlines 1000] [--concurrency 4] [--open 10000]
`--tiny` (the tests' run): 10 deadlines due over 6 s, the worker killed 3 s in, a grace of 5 s,
200 open deadlines for the sweep; the same steps, in about a minute.
"""

import argparse
import logging
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
import warnings
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the models load after django.setup(), below
    from incidents.models import Incident

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.options import parse  # noqa: E402
from bench.processes import (  # noqa: E402
    HelperFailed,
    percentile,
    start_beat,
    start_worker,
    stop,
    stop_all,
    stop_helpers_on_sigterm,
    wait_for_worker,
    worker_env,
)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/crisis_desk_bench_schedule"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/8"
QUEUES = "critical,default"
BATCH = 100  # deadlines planned per transaction
RESTART_AFTER = 3.0
OWNERS = 20
GOAL_P99 = 5.0


@dataclass
class People:
    lead: Any
    admin: Any
    owners: list[Any]


@dataclass
class Burst:
    name: str
    planned: int
    planning_seconds: float
    late_planning: int  # deadlines planned after their due time (the planning was too slow)
    fired: int
    by_sweeper: int
    notifications: int
    notified_twice: int
    logged_twice: int
    lateness: list[float]
    swept_lateness: list[float]

    @property
    def lost(self) -> int:
        return self.planned - self.fired


@dataclass
class SweepCase:
    name: str
    median_ms: float
    runs_ms: list[float]
    queries: int
    slowest_ms: float
    slowest_sql: str


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deadlines", type=int, default=1000, help="falling due together")
    parser.add_argument(
        "--spread", type=float, default=60.0, help="seconds the due times spread over"
    )
    parser.add_argument(
        "--lead",
        type=float,
        default=15.0,
        help="seconds from planning to the first due time (planning 1,000 takes a few)",
    )
    parser.add_argument(
        "--kill-at", type=float, default=30.0, help="seconds into the spread the worker dies"
    )
    parser.add_argument(
        "--grace", type=int, help="SCHEDULE_SWEEP_GRACE_SECONDS for the run (else the settings')"
    )
    parser.add_argument("--concurrency", type=int, default=4, help="worker processes")
    parser.add_argument("--open", type=int, default=10_000, help="open deadlines for the sweep")
    parser.add_argument("--overdue", type=int, default=100, help="of those, overdue")
    parser.add_argument("--history", type=int, default=100_000, help="fired steps of history")
    parser.add_argument("--runs", type=int, default=5, help="sweeps timed per case")
    args = parse(
        parser,
        tiny={
            "deadlines": 10,
            "spread": 6.0,
            "lead": 3.0,
            "kill_at": 3.0,
            "grace": 5,
            "concurrency": 2,
            "open": 200,
            "overdue": 5,
            "history": 1000,
            "runs": 2,
        },
    )

    database_url = os.environ.get("BENCH_SCHEDULE_DATABASE_URL") or DEFAULT_DATABASE_URL
    redis_url = os.environ.get("BENCH_SCHEDULE_REDIS_URL") or DEFAULT_REDIS_URL
    env = worker_env(database_url, redis_url, "WARNING")
    if args.grace is not None:
        env["SCHEDULE_SWEEP_GRACE_SECONDS"] = str(args.grace)
    os.environ.update(env)
    warnings.filterwarnings("ignore", "pkg_resources is deprecated", UserWarning)
    stop_helpers_on_sigterm("schedule benchmark")

    from bench.run import database_create_if_missing

    database_create_if_missing(database_url)

    import django

    django.setup()
    import redis

    from config.celery_app import app

    broker = redis.Redis.from_url(redis_url)
    _slate_clean(broker)
    people = _people()
    grace = _grace()
    interval = float(app.conf.beat_schedule["sweep-deadlines"]["schedule"])

    helpers: list[subprocess.Popen] = []
    try:
        beat_schedule = Path(tempfile.mkdtemp(prefix="schedule-beat-")) / "beat-schedule"
        helpers.append(start_beat(env, schedule=beat_schedule))
        worker = _worker_start(env, helpers, name="schedule-a", concurrency=args.concurrency)
        # Every step fires by the sweeper's bound at the latest; a loss is one that did not by
        # a minute after it.
        settle_after = args.spread + grace + interval + 60
        on_time, worker = burst(
            env, helpers, worker, people, name="on time", args=args, settle_after=settle_after
        )
        killed, worker = burst(
            env,
            helpers,
            worker,
            people,
            name=f"worker killed at +{args.kill_at:.0f} s",
            args=args,
            settle_after=settle_after,
            kill=True,
        )
    finally:
        stop_all(helpers)
    bursts_report([on_time, killed], args=args, grace=grace, interval=interval)

    _slate_clean(broker)
    people = _people()
    sweeps = sweep_cost(
        people, open_count=args.open, overdue=args.overdue, history=args.history, runs=args.runs
    )
    broker.flushdb()  # the next steps the sweeps queued: no worker will ever run them

    sweeps_report(sweeps, runs=args.runs)
    failed = [b.name for b in (on_time, killed) if b.lost or b.notified_twice or b.logged_twice]
    if failed:
        raise SystemExit(f"schedule benchmark: steps lost or fired twice in: {', '.join(failed)}")


def _grace() -> float:
    from django.conf import settings

    return float(settings.SCHEDULE_SWEEP_GRACE_SECONDS)


def _slate_clean(broker: Any) -> None:
    """Nothing left over from an earlier run: no deadline to fire, no task queued."""
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    call_command("flush", interactive=False, verbosity=0)  # the policies come back as shipped
    broker.flushdb()


def _people() -> People:
    from django.contrib.auth.models import Group

    from config.permissions import ADMIN, MANAGER, RESPONDER
    from teams.models import ResponsePolicy, User
    from teams.schedule import policies

    def person(username: str, group: str) -> User:
        user, _created = User.objects.get_or_create(username=username)
        user.groups.add(Group.objects.get(name=group))
        return User.objects.get(pk=user.pk)

    admin = person("schedule-admin", ADMIN)
    people = People(
        lead=person("schedule-lead", MANAGER),
        admin=admin,
        owners=[person(f"schedule-owner-{n}", RESPONDER) for n in range(OWNERS)],
    )
    policies.policy_update(
        actor=admin,
        policy=ResponsePolicy.objects.get(severity=4),
        steps=[{"offset_minutes": 0, "targets": ["owner"]}],
        repeat_times=0,
    )
    return people


def _worker_start(
    env: dict[str, str], helpers: list[subprocess.Popen], *, name: str, concurrency: int
) -> subprocess.Popen:
    worker = start_worker(env, concurrency=concurrency, name=name, queues=QUEUES)
    helpers.append(worker)
    wait_for_worker(name)
    return worker


def _sleep_until(moment: datetime) -> None:
    from django.utils import timezone

    time.sleep(max(0.0, (moment - timezone.now()).total_seconds()))


def burst(
    env: dict[str, str],
    helpers: list[subprocess.Popen],
    worker: subprocess.Popen,
    people: People,
    *,
    name: str,
    args: argparse.Namespace,
    settle_after: float,
    kill: bool = False,
) -> tuple[Burst, subprocess.Popen]:
    """Plan ``args.deadlines`` deadlines due within ``args.spread`` seconds and wait (at most
    ``settle_after`` seconds from the first due time) for their steps; with ``kill``, kill the
    worker ``args.kill_at`` seconds in and start a fresh one."""
    from django.db import transaction
    from django.utils import timezone

    from teams import flows
    from teams.models import Deadline
    from teams.schedule import engine

    incident = flows.incident_declare(
        actor=people.lead, title=f"Schedule benchmark: {name}", severity=4
    )
    count = args.deadlines
    start = timezone.now() + timedelta(seconds=args.lead)
    ids: list[int] = []
    late_planning = 0
    began = time.monotonic()
    for first in range(0, count, BATCH):
        with transaction.atomic():
            for n in range(first, min(count, first + BATCH)):
                due_at = start + timedelta(seconds=args.spread * n / count)
                deadline = engine.deadline_plan(
                    kind=Deadline.Kind.MENTION_REPLY,
                    subject=f"mention:{incident.pk}-{n}",
                    title=f"Reply to mention {n} ({name})",
                    due_at=due_at,
                    incident=incident,
                    owner=people.owners[n % len(people.owners)],
                )
                late_planning += deadline.created_at > due_at
                ids.append(deadline.pk)
    planning = time.monotonic() - began

    if kill:
        _sleep_until(start + timedelta(seconds=args.kill_at))
        stop(worker, kill=True)  # the whole process group, as kill -9 would
        time.sleep(RESTART_AFTER)
        worker = _worker_start(env, helpers, name="schedule-b", concurrency=args.concurrency)

    settle_by = start + timedelta(seconds=settle_after)
    while timezone.now() < settle_by and _fired(ids) < count:
        time.sleep(0.5)
    return _burst_measured(name, incident, ids, late_planning, planning), worker


def _fired(ids: list[int]) -> int:
    from teams.models import DeadlineStep

    return DeadlineStep.objects.filter(deadline_id__in=ids, position=0).count()


def _burst_measured(
    name: str, incident: "Incident", ids: list[int], late_planning: int, planning: float
) -> Burst:
    from django.db.models import Count

    from incidents.models import TimelineEvent
    from teams.models import DeadlineStep, Notification

    steps = list(
        DeadlineStep.objects.filter(deadline_id__in=ids, position=0).values_list(
            "fired_at", "due_at", "by_sweeper"
        )
    )
    lateness = [(fired - due).total_seconds() for fired, due, _swept in steps]
    swept = [(fired - due).total_seconds() for fired, due, swept in steps if swept]
    notifications = Notification.objects.filter(subject__in=[f"deadline:{pk}:0" for pk in ids])
    notified_twice = (
        notifications.values("subject").annotate(times=Count("id")).filter(times__gt=1).count()
    )
    logged = Counter(
        (data.get("deadline"), data.get("step"))
        for data in TimelineEvent.objects.filter(
            incident=incident, kind=TimelineEvent.Kind.SCHEDULE, data__has_key="step"
        ).values_list("data", flat=True)
    )
    return Burst(
        name=name,
        planned=len(ids),
        planning_seconds=planning,
        late_planning=late_planning,
        fired=len(steps),
        by_sweeper=len(swept),
        notifications=notifications.count(),
        notified_twice=notified_twice,
        logged_twice=sum(1 for times in logged.values() if times > 1),
        lateness=lateness,
        swept_lateness=swept,
    )


# --- c. the sweeper ---------------------------------------------------------------------------


def sweep_cost(
    people: People, *, open_count: int, overdue: int, history: int, runs: int
) -> list[SweepCase]:
    from django.db.models import F
    from django.utils import timezone

    from teams import flows
    from teams.models import Deadline, DeadlineStep, Notification
    from teams.schedule import policies

    # The re-driven steps log a warning each sweep: expected here, not news.
    logging.getLogger("teams.schedule.engine").setLevel(logging.ERROR)
    incident = flows.incident_declare(
        actor=people.lead, title="Schedule benchmark: the sweeper", severity=2
    )
    chain = policies.policy_for_severity(2)
    rng = random.Random(7)
    now = timezone.now()
    rows = []
    for n in range(open_count):
        if n < overdue:
            # Its escalation (at the due time) was due minutes ago and its task is lost.
            due_at = now - timedelta(seconds=rng.uniform(120, 600))
            next_step, next_step_at = 1, due_at
        else:
            due_at = now + timedelta(seconds=rng.uniform(600, 24 * 3600))
            next_step, next_step_at = 0, due_at - timedelta(minutes=5)
        rows.append(
            Deadline(
                incident=incident,
                kind=Deadline.Kind.MENTION_REPLY,
                subject=f"mention:sweep-{n}",
                title=f"Reply to mention {n} (sweeper)",
                url=incident.get_absolute_url(),
                owner=people.owners[n % len(people.owners)],
                anchor_at=due_at - timedelta(minutes=60),
                due_at=due_at,
                steps=chain["steps"],
                repeat_minutes=chain["repeat_minutes"],
                repeat_times=chain["repeat_times"],
                next_step=next_step,
                next_step_at=next_step_at,
                task_id=uuid.uuid4().hex,
                created_at=now,
            )
        )
    created = Deadline.objects.bulk_create(rows, batch_size=2000)
    overdue_ids = [d.pk for d in created[:overdue]]
    _analyze()

    def overdue_again() -> None:
        DeadlineStep.objects.filter(deadline_id__in=overdue_ids).delete()
        Notification.objects.filter(subject__in=[f"deadline:{pk}:1" for pk in overdue_ids]).delete()
        Deadline.objects.filter(pk__in=overdue_ids).update(
            next_step=1, next_step_at=F("due_at"), task_id="lost"
        )

    cases = [_sweeps_timed(f"{overdue} overdue, all re-driven", runs, before=overdue_again)]
    cases.append(_sweeps_timed("nothing overdue", runs))
    _history_add(people, incident, chain, count=history, rng=rng)
    _analyze()
    cases.append(_sweeps_timed(f"nothing overdue, {history:,} fired steps of history", runs))
    open_now = Deadline.objects.filter(met_at__isnull=True, cancelled_at__isnull=True).count()
    for case in cases:
        case.name = f"{open_now:,} open, {case.name}"
    return cases


def _analyze() -> None:
    """What autovacuum would have done by the time a real table held these rows."""
    from django.db import connection

    from teams.models import Deadline, DeadlineStep

    with connection.cursor() as cursor:
        for model in (Deadline, DeadlineStep):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def _history_add(
    people: People, incident: "Incident", chain: dict, *, count: int, rng: Any
) -> None:
    """Fired steps of deadlines met over the past 30 days, five per deadline."""
    from django.utils import timezone

    from teams.models import Deadline, DeadlineStep

    now = timezone.now()
    per = 5
    for first in range(0, count // per, 2000):
        met = []
        for n in range(first, min(count // per, first + 2000)):
            due_at = now - timedelta(seconds=rng.uniform(3600, 30 * 24 * 3600))
            met.append(
                Deadline(
                    incident=incident,
                    kind=Deadline.Kind.MENTION_REPLY,
                    subject=f"mention:history-{n}",
                    title=f"Reply to mention {n} (history)",
                    owner=people.owners[n % len(people.owners)],
                    anchor_at=due_at - timedelta(minutes=60),
                    due_at=due_at,
                    steps=chain["steps"],
                    repeat_minutes=chain["repeat_minutes"],
                    repeat_times=chain["repeat_times"],
                    met_at=due_at + timedelta(minutes=50),
                    created_at=due_at - timedelta(minutes=60),
                )
            )
        Deadline.objects.bulk_create(met)
        DeadlineStep.objects.bulk_create(
            DeadlineStep(
                deadline=deadline,
                position=position,
                due_at=deadline.due_at + timedelta(minutes=offset),
                fired_at=deadline.due_at + timedelta(minutes=offset, seconds=rng.uniform(0, 2)),
                recipients=1,
            )
            for deadline in met
            for position, offset in enumerate((-5, 0, 15, 30, 45))
        )


def _sweeps_timed(name: str, runs: int, before: Any = None) -> SweepCase:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from teams.schedule import engine

    timings = []
    for _run in range(runs):
        if before is not None:
            before()
        started = time.perf_counter()
        engine.deadlines_sweep()
        timings.append((time.perf_counter() - started) * 1000)
    if before is not None:
        before()
    with CaptureQueriesContext(connection) as captured:
        engine.deadlines_sweep()
    slowest = max(captured.captured_queries, key=lambda q: float(q["time"]))
    return SweepCase(
        name=name,
        median_ms=statistics.median(timings),
        runs_ms=timings,
        queries=len(captured.captured_queries),
        slowest_ms=float(slowest["time"]) * 1000,
        slowest_sql=" ".join(slowest["sql"].split())[:90],
    )


# --- the report -------------------------------------------------------------------------------


def bursts_report(bursts: list[Burst], *, args: Any, grace: float, interval: float) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        (server_version,) = cursor.fetchone() or ("?",)
    print()
    print(
        f"Response schedule, PostgreSQL {server_version}; a Celery worker ({args.concurrency} "
        f"processes, queues {QUEUES}) and beat as its own process (sweep every "
        f"{interval:.0f} s, grace {grace:.0f} s) on Redis"
    )
    print(
        f"a/b. {args.deadlines:,} deadlines due evenly over {args.spread:.0f} s, one step each "
        f"(the owner, at the due time), planned through engine.deadline_plan, {BATCH} per "
        "transaction; lateness = fired_at - due_at of the step, in seconds"
    )
    header = (
        f"{'run':<24}{'planned':>8}{'fired':>7}{'by sweeper':>11}{'lost':>6}"
        f"{'notified 2x':>12}{'logged 2x':>10}{'p50':>8}{'p99':>8}{'max':>8}"
    )
    print(header)
    print("-" * len(header))
    for b in bursts:
        p50, p99, worst = (
            (statistics.median(b.lateness), percentile(b.lateness, 0.99), max(b.lateness))
            if b.lateness
            else (float("nan"),) * 3
        )
        print(
            f"{b.name:<24}{b.planned:>8}{b.fired:>7}{b.by_sweeper:>11}{b.lost:>6}"
            f"{b.notified_twice:>12}{b.logged_twice:>10}{p50:>8.2f}{p99:>8.2f}{worst:>8.2f}"
        )
    for b in bursts:
        rate = b.planned / b.planning_seconds if b.planning_seconds else 0
        print(
            f"  {b.name}: planned in {b.planning_seconds:.1f} s ({rate:.0f}/s, "
            f"{b.late_planning} after their due time); {b.notifications} notifications"
        )
        on_time = [lateness for lateness in b.lateness if lateness < grace]
        if b.swept_lateness:
            print(
                f"    {b.by_sweeper} steps the killed worker held were re-driven by the sweeper "
                f"{min(b.swept_lateness):.1f}-{max(b.swept_lateness):.1f} s late (bound: grace + "
                f"interval = {grace + interval:.0f} s); the other {len(on_time)} p99 "
                f"{percentile(on_time, 0.99) if on_time else float('nan'):.2f} s"
            )
    goal = bursts[0].lateness and percentile(bursts[0].lateness, 0.99) <= GOAL_P99
    print(f"  goal p99 <= {GOAL_P99:.0f} s on time: {'met' if goal else 'MISSED'}")


def sweeps_report(sweeps: list[SweepCase], *, runs: int) -> None:
    print()
    print(
        f"c. engine.deadlines_sweep() in this process, median of {runs} runs; queries of one more"
    )
    header = f"{'case':<62}{'median ms':>10}{'queries':>9}{'slowest query ms':>18}"
    print(header)
    print("-" * len(header))
    for case in sweeps:
        print(f"{case.name:<62}{case.median_ms:>10.1f}{case.queries:>9}{case.slowest_ms:>18.1f}")
    for case in sweeps:
        timings = ", ".join(f"{ms:.0f}" for ms in case.runs_ms)
        print(f"  {case.name}: runs {timings} ms; slowest query: {case.slowest_sql}")


if __name__ == "__main__":
    try:
        main()
    except HelperFailed as exc:
        raise SystemExit(f"schedule benchmark: {exc}") from None
