"""Live pages: what idle viewers cost, and how soon a change reaches all of them.

Seeds 20 open incidents and 200 people, each signed in (a session of their own), all watching
one incident's war room. Then, in this process, with the page's own requests:

a. Idle: every viewer asks /live/ with the ETag it holds (what static/js/live.js does every
   second): p50/p95 of the server time of one ask, its SQL and queries; what 200 viewers cost
   a second (asks/s, server CPU seconds per second, queries/s), and 20 incidents' viewers the
   same per viewer.
b. A change: a note added to the watched incident. Every viewer's next ask answers 204 and
   the page fetches its war room again: p50/p95 of that ask and of the war room, and the
   delivery latency p50/p95 to each viewer (its wait for the next ask, up to one second,
   drawn at random, plus the ask, plus the war room, queued on WEB_PROCESSES processes
   rendering the 200 refreshes at once).

Its own database, BENCH_LIVE_DATABASE_URL (default crisis_desk_bench_live, created when
missing). Run with `make bench` or on its own:
    .venv/bin/python bench/live.py [--viewers 200] [--incidents 20]
`--tiny` (the tests' run): 3 viewers, 2 incidents.
"""

import argparse
import os
import random
import statistics
import sys
import time
import warnings
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.options import parse  # noqa: E402
from bench.processes import percentile  # noqa: E402
from bench.timing import SqlTimer  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/crisis_desk_bench_live"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/13"
POLL_SECONDS = 1.0  # static/js/live.js: FAST
WEB_PROCESSES = 2


def _setup() -> None:
    url = os.environ.get("BENCH_LIVE_DATABASE_URL") or DEFAULT_DATABASE_URL
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("REDIS_URL", DEFAULT_REDIS_URL)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    warnings.filterwarnings("ignore", "pkg_resources is deprecated", UserWarning)
    from bench.run import database_create_if_missing

    database_create_if_missing(url)
    import django

    django.setup()


def _seed(viewers: int, incidents: int) -> tuple[list[Any], list[Any]]:
    from django.core.management import call_command

    from config.permissions import RESPONDER
    from incidents.models import Incident
    from teams import flows
    from teams.models import User

    call_command("migrate", interactive=False, verbosity=0)
    from django.contrib.auth.models import Group

    responders = Group.objects.get(name=RESPONDER)
    people = []
    for n in range(viewers):
        person, made = User.objects.get_or_create(username=f"bench_live_{n:03d}")
        if made:
            person.groups.add(responders)
        people.append(person)
    found = list(Incident.objects.filter(title__startswith="Bench live ").order_by("pk"))
    for n in range(len(found), incidents):
        found.append(
            flows.incident_declare(actor=people[0], title=f"Bench live {n:02d}", severity=2)
        )
    return people, found[:incidents]


def _ms(values: list[float]) -> str:
    p50, p95 = statistics.median(values), percentile(values, 0.95)
    return f"p50 {1000 * p50:.1f} ms, p95 {1000 * p95:.1f} ms"


def _timed(client: Any, url: str, **headers: str) -> tuple[Any, float, SqlTimer]:
    from django.db import connection

    timer = SqlTimer()
    with connection.execute_wrapper(timer):
        started = time.perf_counter()
        response = client.get(url, **headers)
        took = time.perf_counter() - started
    return response, took, timer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--viewers", type=int, default=200)
    parser.add_argument("--incidents", type=int, default=20)
    options = parse(parser, {"viewers": 3, "incidents": 2})
    _setup()
    from django.test import Client

    from incidents import live, services

    people, incidents = _seed(options.viewers, options.incidents)
    watched = incidents[0]
    on = live.incident_key(watched.pk)
    ask_url = f"/live/?on={on}"
    page_url = watched.get_absolute_url()
    clients = []
    for person in people:
        client = Client()
        client.force_login(person)
        clients.append(client)
    print(
        f"Live pages: {len(people)} viewers on one war room, {len(incidents)} incidents open; "
        f"each page asks every {POLL_SECONDS:.0f} s"
    )

    # a. idle
    etags = [client.get(ask_url)["ETag"] for client in clients]
    asks, sql, queries = [], [], []
    for _round in range(3):
        for client, etag in zip(clients, etags, strict=True):
            response, took, timer = _timed(client, ask_url, HTTP_IF_NONE_MATCH=etag)
            assert response.status_code == 304, response.status_code
            asks.append(took)
            sql.append(timer.seconds)
            queries.append(timer.count)
    per_second = len(people) / POLL_SECONDS
    cpu = per_second * statistics.median(asks)
    print(f"a. idle ask (304): {_ms(asks)}; SQL {_ms(sql)}; queries {max(queries)}")
    print(
        f"   {len(people)} idle viewers: {per_second:.0f} asks/s, "
        f"{cpu:.2f} CPU s/s of server time, {per_second * max(queries):.0f} queries/s"
    )

    # b. a change
    services.incident_note_add(actor=people[0], incident=watched, text="Bench: a change.")
    rng = random.Random(20261206)
    changed, pages, latencies = [], [], []
    renders = []
    for client, etag in zip(clients, etags, strict=True):
        response, took, _timer = _timed(client, ask_url, HTTP_IF_NONE_MATCH=etag)
        assert response.status_code == 204, response.status_code
        changed.append(took)
        page, rendered, _sql = _timed(client, page_url)
        assert page.status_code == 200, page.status_code
        assert b"Bench: a change." in page.content
        pages.append(rendered)
        renders.append((rng.random() * POLL_SECONDS + took, rendered))
    # The refreshes reach the server when each page next asks, and WEB_PROCESSES render them
    # one after another each: a viewer waits for its place in that queue.
    free = [0.0] * WEB_PROCESSES
    for arrives, rendered in sorted(renders):
        process = min(range(WEB_PROCESSES), key=lambda n: free[n])
        starts = max(arrives, free[process])
        free[process] = starts + rendered
        latencies.append(free[process])
    print(f"b. ask after a change (204): {_ms(changed)}; the war room again: {_ms(pages)}")
    print(
        f"   delivery to all {len(people)} viewers on {WEB_PROCESSES} web processes: "
        f"{_ms(latencies)}, last {1000 * max(latencies):.0f} ms"
    )


if __name__ == "__main__":
    main()
