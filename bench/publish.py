"""Approval → published: 500 messages through a real Celery worker, Redis and the fake X API.

Starts the fake X API and a Celery worker (critical, default and low queues) as separate
processes, approves 500 submitted messages one after another, and waits until every one is
published. Prints p50/p95/worst of published_at - approved_at and the throughput.

Run with `make bench` (after the page benchmark) or on its own:
    BENCH_PUBLISH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/crisis_desk_bench_publish \\
        .venv/bin/python bench/publish.py [--messages 500] [--concurrency 4] [--tiny]
"""

import argparse
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.options import parse  # noqa: E402
from bench.processes import (  # noqa: E402
    percentile,
    start_fake_x,
    start_worker,
    stop,
    stop_helpers_on_sigterm,
    wait_for_worker,
    worker_env,
)

# Its own database: the page benchmark's data must stay exactly as seeded.
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/crisis_desk_bench_publish"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/6"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=4, help="worker processes")
    args = parse(parser, tiny={"messages": 5, "concurrency": 2})

    database_url = os.environ.get("BENCH_PUBLISH_DATABASE_URL") or DEFAULT_DATABASE_URL
    redis_url = os.environ.get("BENCH_REDIS_URL") or DEFAULT_REDIS_URL
    env = worker_env(database_url, redis_url, "WARNING")
    stop_helpers_on_sigterm("publishing benchmark")
    warnings.filterwarnings("ignore", "pkg_resources is deprecated", UserWarning)

    from bench.run import database_create_if_missing

    database_create_if_missing(database_url)
    fake, x_url = start_fake_x(env)
    try:
        env["X_API_BASE_URL"] = x_url
        os.environ.update(env)

        import django

        django.setup()

        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0)

        import redis

        redis.Redis.from_url(redis_url).flushdb()

        name = f"bench-{os.getpid()}"
        worker = start_worker(env, concurrency=args.concurrency, name=name)
        try:
            wait_for_worker(name)
            published = report(args.messages, args.concurrency)
        finally:
            stop(worker)
    finally:
        fake.terminate()
        fake.wait(timeout=10)
    if published < args.messages:
        raise SystemExit(
            f"publishing benchmark: {args.messages - published} of {args.messages} approved "
            "messages were not published"
        )


def report(count: int, concurrency: int) -> int:
    """Approve ``count`` messages, wait for them and print the figures; the number published."""
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from communications.accounts import services as accounts
    from communications.messaging.services import approvals
    from communications.messaging.services import messages as message_services
    from communications.models import Message, SocialAccount
    from teams import flows
    from teams.models import User

    author, _created = User.objects.get_or_create(
        username="bench-author", defaults={"first_name": "Bench", "last_name": "Author"}
    )
    approver, _created = User.objects.get_or_create(
        username="bench-approver", defaults={"first_name": "Bench", "last_name": "Approver"}
    )
    author.groups.add(Group.objects.get(name="Responder"))
    approver.groups.add(Group.objects.get(name="Manager"))
    admin, _created = User.objects.get_or_create(username="bench-admin")
    admin.groups.add(Group.objects.get(name="Admin"))
    author, approver, admin = (User.objects.get(pk=u.pk) for u in (author, approver, admin))

    account = SocialAccount.objects.filter(handle="bench_brand").first()
    account = accounts.account_save(
        actor=admin,
        account=account,
        handle="bench_brand",
        external_user_id="1500000000000000001",
        auth_kind=SocialAccount.AuthKind.OAUTH1,
        credentials={
            "consumer_key": "ck",
            "consumer_secret": "cs",
            "access_token": "at",
            "access_token_secret": "ats",
        },
    )
    incident = flows.incident_declare(actor=author, title="Publishing benchmark", severity=3)
    run = timezone.now().strftime("%H%M%S")
    messages = []
    for n in range(count):
        message = message_services.message_create(
            actor=author,
            incident=incident,
            account=account,
            body=f"Benchmark update {run}-{n}: we are looking into it.",
        )
        messages.append(message_services.message_submit(actor=author, message=message))

    started = time.perf_counter()
    for message in messages:
        approvals.message_approve(actor=approver, message=message)
    approving = time.perf_counter() - started

    ids = [m.pk for m in messages]
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        done = Message.objects.filter(pk__in=ids, status__in=["published", "failed"]).count()
        if done == count:
            break
        time.sleep(0.2)
    total = time.perf_counter() - started

    rows = list(Message.objects.filter(pk__in=ids).values("status", "approved_at", "published_at"))
    published = [r for r in rows if r["status"] == "published"]
    latency = [
        (r["published_at"] - r["approved_at"]).total_seconds() * 1000
        for r in published
        if r["published_at"] and r["approved_at"]
    ]
    print()
    print("Approval → published on the fake X API, real Celery worker on Redis")
    print(
        f"{count} messages approved one after another ({count / approving:.0f}/s, "
        f"{approving:.1f} s), worker concurrency {concurrency}; all settled {total:.1f} s "
        "after the first approval"
    )
    print(f"published {len(published)}, other {count - len(published)}")
    if latency:
        print(
            f"latency ms: p50 {statistics.median(latency):.0f}  p95 "
            f"{percentile(latency, 0.95):.0f}  worst {max(latency):.0f}  mean "
            f"{statistics.fmean(latency):.0f}"
        )
        print(f"throughput: {len(published) / total:.1f} messages/s")
    return len(published)


if __name__ == "__main__":
    main()
