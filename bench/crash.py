"""A worker killed in the middle of a burst: every message published exactly once, and soon.

Starts the fake X API (answering 0.25 s after it made a post, as a real network does) and a
Celery worker with beat on Redis. Approves 300 submitted messages one after another; half-way
through the approvals it kills the worker's whole process group (SIGKILL, as `kill -9` would),
and starts a fresh worker with beat 3 s later. Then it waits until every message is settled
and prints what an operator would want to know: published, failed, lost (never settled),
POSTs X received, posts X made, distinct texts, texts posted twice, and the recovery time
(from the fresh worker's start to the last message published).

Run with `make bench` or on its own:
    .venv/bin/python bench/crash.py [--messages 300] [--concurrency 4] [--runs 1] [--tiny]
"""

import argparse
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.options import parse  # noqa: E402
from bench.processes import (  # noqa: E402
    HelperFailed,
    fake_x_stats,
    start_fake_x,
    start_worker,
    stop,
    stop_helpers_on_sigterm,
    wait_for_worker,
    worker_env,
)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/crisis_desk_bench_crash"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/7"
ANSWER_DELAY = 0.25
RESTART_AFTER = 3.0
SETTLE_TIMEOUT = 600.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=4, help="worker processes")
    parser.add_argument("--runs", type=int, default=1)
    args = parse(parser, tiny={"messages": 6, "concurrency": 2})

    database_url = os.environ.get("BENCH_CRASH_DATABASE_URL") or DEFAULT_DATABASE_URL
    redis_url = os.environ.get("BENCH_CRASH_REDIS_URL") or DEFAULT_REDIS_URL
    env = worker_env(database_url, redis_url, "ERROR")
    stop_helpers_on_sigterm("crash benchmark")
    warnings.filterwarnings("ignore", "pkg_resources is deprecated", UserWarning)
    from bench.run import database_create_if_missing

    database_create_if_missing(database_url)
    failures = 0
    for run in range(1, args.runs + 1):
        failures += crash_run(env, run=run, count=args.messages, concurrency=args.concurrency)
    if failures:
        raise SystemExit(f"{failures} of {args.runs} runs did not publish every message once")


def crash_run(base_env: dict[str, str], *, run: int, count: int, concurrency: int) -> int:
    fake, x_url = start_fake_x(base_env, answer_delay=ANSWER_DELAY)
    env = {**base_env, "X_API_BASE_URL": x_url}
    os.environ.update(env)
    workers: list = []
    try:
        import django

        django.setup()
        import redis
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0)
        # A clean slate: nothing left over from an earlier run may be published to this fake.
        call_command("flush", interactive=False, verbosity=0)
        redis.Redis.from_url(env["REDIS_URL"]).flushdb()

        schedule = Path(tempfile.mkdtemp(prefix="crash-beat-")) / "beat-schedule"
        workers.append(
            start_worker(
                env, concurrency=concurrency, name=f"crash-{run}-a", beat_schedule=schedule
            )
        )
        wait_for_worker(f"crash-{run}-a")
        return measure(env, workers, schedule, run=run, count=count, concurrency=concurrency)
    finally:
        for worker in workers:
            stop(worker)
        fake.terminate()
        fake.wait(timeout=10)


def measure(
    env: dict[str, str],
    workers: list,
    schedule: Path,
    *,
    run: int,
    count: int,
    concurrency: int,
) -> int:
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from communications.accounts import services as accounts
    from communications.messaging.services import approvals
    from communications.messaging.services import messages as message_services
    from communications.models import Message, SocialAccount
    from teams import flows
    from teams.models import User

    def person(username: str, group: str) -> User:
        user, _created = User.objects.get_or_create(username=username)
        user.groups.add(Group.objects.get(name=group))
        return User.objects.get(pk=user.pk)

    author = person("crash-author", "Responder")
    approver = person("crash-approver", "Manager")
    admin = person("crash-admin", "Admin")
    account = accounts.account_save(
        actor=admin,
        account=SocialAccount.objects.filter(handle="crash_brand").first(),
        handle="crash_brand",
        external_user_id="1500000000000000001",
        auth_kind=SocialAccount.AuthKind.OAUTH1,
        credentials={
            "consumer_key": "ck",
            "consumer_secret": "cs",
            "access_token": "at",
            "access_token_secret": "ats",
        },
    )
    incident = flows.incident_declare(actor=author, title=f"Crash run {run}", severity=3)
    stamp = timezone.now().strftime("%H%M%S")
    submitted = []
    for n in range(count):
        message = message_services.message_create(
            actor=author,
            incident=incident,
            account=account,
            body=f"Crash run {run}.{stamp}, update {n}: we are on it & will report back.",
        )
        submitted.append(message_services.message_submit(actor=author, message=message))

    restarted_at = 0.0
    for n, message in enumerate(submitted):
        if n == count // 2:
            stop(workers[0], kill=True)  # the whole process group, as kill -9 would
            time.sleep(RESTART_AFTER)
            restarted_at = time.time()
            workers.append(
                start_worker(
                    env, concurrency=concurrency, name=f"crash-{run}-b", beat_schedule=schedule
                )
            )
        approvals.message_approve(actor=approver, message=message)

    ids = [m.pk for m in submitted]
    deadline = time.monotonic() + SETTLE_TIMEOUT
    while time.monotonic() < deadline:
        settled = Message.objects.filter(pk__in=ids, status__in=["published", "failed"]).count()
        if settled == count:
            break
        time.sleep(0.5)
    rows = Message.objects.filter(pk__in=ids)
    published = rows.filter(status="published").count()
    failed = rows.filter(status="failed").count()
    last = max(
        (m.published_at for m in rows.filter(status="published") if m.published_at), default=None
    )
    stats = fake_x_stats(env["X_API_BASE_URL"])
    recovery = last.timestamp() - restarted_at if last else float("nan")
    # The attempts the killed worker held: claimed before the restart, settled after it.
    held = [
        m.published_at.timestamp() - restarted_at
        for m in rows.filter(status="published", publishing_started_at__lt=last)
        if m.published_at
        and m.publishing_started_at
        and m.publishing_started_at.timestamp() < restarted_at
        and m.published_at.timestamp() > restarted_at
    ]
    twice = len(stats["texts_posted_twice"])
    lost = count - published - failed
    print()
    print(f"Crash run {run}: {count} approved posts, the worker's process group killed after")
    print(f"{count // 2} approvals, a fresh worker with beat started {RESTART_AFTER:.0f} s later")
    print(f"  published {published}   failed {failed}   lost {lost}")
    print(
        f"  POSTs received {stats['create_requests']}   posts made {stats['posts']}   "
        f"distinct texts {stats['distinct_texts']}   posted twice {twice}"
    )
    print(
        f"  the killed worker's {len(held)} unfinished attempts settled at most "
        f"{max(held, default=0):.1f} s after the fresh worker started"
    )
    print(f"  recovery: last message published {recovery:.1f} s after the fresh worker started")
    exact = published == count and twice == 0 and stats["posts"] == count
    return 0 if exact else 1


if __name__ == "__main__":
    try:
        main()
    except HelperFailed as exc:
        raise SystemExit(f"crash benchmark: {exc}") from None
