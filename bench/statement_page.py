"""The public statement page under the crowd a crisis brings, and how soon an approved update
reaches it.

A real web server (gunicorn, WEB_PROCESSES worker processes with THREADS threads each, the
product's settings with DEBUG off) and a Celery worker, on a database and a Redis of their own.
Seeded: a SEV1 incident on the page with --updates published page updates in each language.

a. Load: --clients concurrent clients (httpx, asyncio, in this process, on the same machine as
   the server) ask for --seconds: nine in ten ask /status/en/, one in ten its Atom feed; half of
   them revalidate with the ETag they last had (what a browser or a CDN does: a 304). Printed:
   requests/s, p50/p95 of the answer time, errors (anything but 200 and 304), and the database
   queries per request: the transactions the server's database committed during the run
   (pg_stat_database; in autocommit each query is one) over the requests answered.
b. Approval → page: --changes times, a page update is drafted and approved once in this process
   (SEV1: two approvals), then the second approval is given, committed, and a client asks the
   page every 50 ms until the update's words are on it (the Celery worker publishes it, the
   page's version changes, the next ask renders it once): p50 and max of that latency.
c. Subscribers: --subscribers confirmed email subscribers of the English page; one more update
   is approved and the time is taken until its email is sent to every one of them (the worker
   publishes it, the publishing transaction creates one delivery per subscriber, the worker
   sends them from the low queue through teams.deliveries; mail is dropped (dummymail://),
   so this is the machinery's own cost, not a mail server's): the publish, the time to all
   emails sent, emails/s, and any not sent.

Its own database, BENCH_PAGE_DATABASE_URL (default crisis_desk_bench_page, created when missing),
and Redis, BENCH_PAGE_REDIS_URL (default db 12, emptied). Run with `make bench` or on its own:
    .venv/bin/python bench/statement_page.py [--clients 200] [--seconds 60] [--changes 5]
`--tiny` (the tests' run): 5 clients, 2 s, 1 change, 20 subscribers.
"""

import argparse
import asyncio
import os
import random
import socket
import subprocess
import sys
import time
import urllib.request
import warnings
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.options import parse  # noqa: E402
from bench.processes import (  # noqa: E402
    HelperFailed,
    percentile,
    start_worker,
    stop,
    stop_helpers_on_sigterm,
    wait_for_worker,
    worker_env,
)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/crisis_desk_bench_page"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/12"
WEB_PROCESSES = 2
THREADS = 8
GUNICORN = str(Path(sys.executable).parent / "gunicorn")
FEED_SHARE = 0.1
POLL_SECONDS = 0.05


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_web(env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    web = subprocess.Popen(
        [
            GUNICORN,
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(WEB_PROCESSES),
            "--worker-class",
            "gthread",
            "--threads",
            str(THREADS),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2):  # noqa: S310
                return web, url
        except OSError:
            time.sleep(0.2)
    stop(web)
    raise HelperFailed(f"the web server on {url} did not answer within 60 s")


def _people() -> tuple[Any, Any, Any]:
    from django.contrib.auth.models import Group

    from teams.models import User

    made = []
    for username, group in (
        ("bench-writer", "Responder"),
        ("bench-manager-a", "Manager"),
        ("bench-manager-b", "Manager"),
    ):
        person, _created = User.objects.get_or_create(
            username=username, defaults={"first_name": "Bench", "last_name": username[-1]}
        )
        person.groups.add(Group.objects.get(name=group))
        made.append(User.objects.get(pk=person.pk))
    return made[0], made[1], made[2]


def _update(writer: Any, incident: Any, body: str, language: str) -> Any:
    from communications.messaging.services import messages as message_services

    message = message_services.message_create(
        actor=writer,
        incident=incident,
        account=None,
        kind="page_update",
        language=language,
        body=body,
    )
    return message_services.message_submit(actor=writer, message=message)


def seed(updates: int) -> tuple[Any, tuple[Any, Any, Any]]:
    """A SEV1 on the page with ``updates`` published updates per language (published here,
    as the worker would: the load run measures the page, not the queue)."""
    from communications.messaging import publishing
    from communications.messaging.services import approvals
    from communications.messaging.services.pages import page_switch_on
    from teams import flows

    writer, first, second = _people()
    incident = flows.incident_declare(actor=writer, title="Statement page benchmark", severity=1)
    page_switch_on(actor=first, incident=incident, headline="Batch 24-117 of our mango juice")
    for n in range(updates):
        for language, words in (("en", "Update"), ("tr", "Güncelleme")):
            message = _update(
                writer,
                incident,
                f"{words} {n + 1}: what happened, what to do, what we do, the next update. " * 4,
                language,
            )
            approvals.message_approve(actor=first, message=message)
            approvals.message_approve(actor=second, message=message)
            publishing.publish(message.pk)  # the worker may have done it already: then a no-op
    return incident, (writer, first, second)


def _transactions(database: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = %s",
            [database],
        )
        row = cursor.fetchone()
    return int(row[0]) if row else 0


async def _client(
    url: str, deadline: float, times: list[float], statuses: dict[int, int], revalidate: bool
) -> None:
    import httpx

    etags: dict[str, str] = {}
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        while time.monotonic() < deadline:
            path = "/status/en/feed.atom" if random.random() < FEED_SHARE else "/status/en/"
            headers = {"If-None-Match": etags[path]} if revalidate and path in etags else {}
            started = time.perf_counter()
            try:
                answer = await client.get(path, headers=headers)
            except httpx.HTTPError:
                statuses[0] = statuses.get(0, 0) + 1
                continue
            times.append(time.perf_counter() - started)
            statuses[answer.status_code] = statuses.get(answer.status_code, 0) + 1
            if "etag" in answer.headers:
                etags[path] = answer.headers["etag"]


async def _load(url: str, clients: int, seconds: float) -> tuple[list[float], dict[int, int]]:
    times: list[float] = []
    statuses: dict[int, int] = {}
    deadline = time.monotonic() + seconds
    await asyncio.gather(
        *(_client(url, deadline, times, statuses, n % 2 == 0) for n in range(clients))
    )
    return times, statuses


def load(url: str, database: str, clients: int, seconds: float) -> None:
    urllib.request.urlopen(f"{url}/status/en/", timeout=10).read()  # noqa: S310 (rendered once)
    urllib.request.urlopen(f"{url}/status/en/feed.atom", timeout=10).read()  # noqa: S310
    time.sleep(1.5)  # the statistics of the warm-up reach pg_stat_database
    before = _transactions(database)
    started = time.monotonic()
    times, statuses = asyncio.run(_load(url, clients, seconds))
    elapsed = time.monotonic() - started
    time.sleep(1.5)
    committed = _transactions(database) - before
    answered = len(times)
    errors = sum(count for status, count in statuses.items() if status not in (200, 304))
    print(
        f"a. {clients} clients for {seconds:.0f} s on {WEB_PROCESSES} web processes × {THREADS} "
        f"threads (the clients on the same machine)"
    )
    print(
        f"   {answered / elapsed:,.0f} requests/s   p50 {percentile(times, 0.5) * 1000:.1f} ms   "
        f"p95 {percentile(times, 0.95) * 1000:.1f} ms   200: {statuses.get(200, 0):,}   "
        f"304: {statuses.get(304, 0):,}   errors: {errors}"
    )
    print(
        f"   database queries per request: {committed / max(answered, 1):.3f} "
        f"({committed} transactions for {answered:,} requests)"
    )


def latency(url: str, incident: Any, people: tuple[Any, Any, Any], changes: int) -> None:
    from communications.messaging.services import approvals

    writer, first, second = people
    waits = []
    for n in range(changes):
        words = f"Latency check {n + 1} at {time.time():.0f}: the next update comes by 18:00."
        message = _update(writer, incident, words, "en")
        approvals.message_approve(actor=first, message=message)
        started = time.monotonic()
        approvals.message_approve(actor=second, message=message)  # committed: publishing queued
        while True:
            with urllib.request.urlopen(f"{url}/status/en/", timeout=10) as answer:  # noqa: S310
                if words.encode() in answer.read():
                    break
            if time.monotonic() - started > 30:
                raise SystemExit("statement page benchmark: an update did not show within 30 s")
            time.sleep(POLL_SECONDS)
        waits.append(time.monotonic() - started)
    print(
        f"b. second approval → on the page ({changes} updates, Celery worker on Redis): "
        f"p50 {percentile(waits, 0.5) * 1000:.0f} ms   max {max(waits) * 1000:.0f} ms"
    )


def subscribers(incident: Any, people: tuple[Any, Any, Any], count: int) -> None:
    import secrets

    from django.utils import timezone

    from communications.messaging.services import approvals
    from communications.models import Message, PageDelivery, PageSubscriber

    now = timezone.now()
    PageSubscriber.objects.bulk_create(
        [
            PageSubscriber(
                email=f"reader{n}@example.org",
                language="en",
                key=secrets.token_urlsafe(32),
                confirmed_at=now,
            )
            for n in range(count)
        ],
        batch_size=2000,
    )
    writer, first, second = people
    message = _update(writer, incident, "Subscribers check: the next update comes by 18:00.", "en")
    approvals.message_approve(actor=first, message=message)
    started = time.monotonic()
    approvals.message_approve(actor=second, message=message)
    published = None
    while True:
        if published is None and Message.objects.filter(pk=message.pk, status="published").exists():
            published = time.monotonic() - started
        sent = PageDelivery.objects.filter(message=message, status="sent").count()
        if sent == count:
            break
        if time.monotonic() - started > 600:
            break
        time.sleep(0.2)
    took = time.monotonic() - started
    unsent = PageDelivery.objects.filter(message=message).exclude(status="sent").count()
    created = PageDelivery.objects.filter(message=message).count()
    print(
        f"c. one update to {count} email subscribers (Celery worker, 1 process): published in "
        f"{(published or took) * 1000:.0f} ms (its {created} emails created in that "
        f"transaction); all sent in {took:.1f} s ({sent / took:.0f} emails/s); "
        f"not sent: {unsent + count - created}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--updates", type=int, default=10, help="published updates per language")
    parser.add_argument("--changes", type=int, default=5)
    parser.add_argument("--subscribers", type=int, default=5000)
    args = parse(
        parser, tiny={"clients": 5, "seconds": 2, "updates": 2, "changes": 1, "subscribers": 20}
    )

    database_url = os.environ.get("BENCH_PAGE_DATABASE_URL") or DEFAULT_DATABASE_URL
    redis_url = os.environ.get("BENCH_PAGE_REDIS_URL") or DEFAULT_REDIS_URL
    env = worker_env(database_url, redis_url, "WARNING")
    env["EMAIL_URL"] = "dummymail://"  # the subscribers' emails: our cost, not a mail server's
    stop_helpers_on_sigterm("statement page benchmark")
    warnings.filterwarnings("ignore", "pkg_resources is deprecated", UserWarning)

    from bench.run import database_create_if_missing

    database_create_if_missing(database_url)
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", interactive=False, verbosity=0)
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    name = f"bench-page-{os.getpid()}"
    worker = start_worker(env, concurrency=1, name=name)
    web = None
    try:
        wait_for_worker(name)
        incident, people = seed(args.updates)
        web, url = start_web(env)
        print(
            f"Statement page, PostgreSQL: 1 incident on the page, {args.updates} updates per "
            "language"
        )
        load(url, connection.settings_dict["NAME"], args.clients, args.seconds)
        latency(url, incident, people, args.changes)
        subscribers(incident, people, args.subscribers)
    finally:
        if web is not None:
            stop(web)
        stop(worker)


if __name__ == "__main__":
    main()
