"""Every benchmark script, run as `make bench` runs it but at its tiny scale (``--tiny``), exits 0
and prints its figures: a script that no longer works (a page that redirects, a seed that
misses a new column, a worker that does not come back) fails here the day it breaks.

Each script gets a database of its own, named after this test database (so two test
processes never share one) and copied from it, already migrated; the ones that start Celery
workers get a Redis database of their own, which they empty: the one after the suite's,
counting from the test process's number under pytest-xdist. Deselect with ``-m "not bench"``.
"""

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg
import pytest
from django.conf import settings
from django.db import connection, connections
from psycopg import errors, sql

ROOT = Path(__file__).resolve().parents[2]
# Generous for a busy two-core machine, where the slowest take a minute or two.
TIME_LIMIT = 300
REDIS_DATABASES = 16  # Redis's default number of databases

# The test database is where the scripts' databases are copied from.
pytestmark = [pytest.mark.bench, pytest.mark.django_db]


@dataclass(frozen=True)
class Script:
    name: str
    database_variable: str
    redis_variable: str | None
    prints: tuple[str, ...]

    def __str__(self) -> str:
        return self.name


SCRIPTS = [
    Script(
        "run",
        "BENCH_DATABASE_URL",
        None,
        (
            "Crisis Desk benchmark, PostgreSQL",
            "Rows: 2,000 incidents, 20,000 timeline events",
            "server p50",
            "/incidents/ default",
            "/incidents/ page 40-60",
            "/api/v1/incidents/ search ?q=",
            "war room, random incident",
            "war room, 1000+ events, old page",
            "One indexed read, the mean of 20:",
            "ORM, its 25 newest events",
            "bare cursor, one incident",
        ),
    ),
    Script(
        "publish",
        "BENCH_PUBLISH_DATABASE_URL",
        "BENCH_REDIS_URL",
        (
            "Approval → published on the fake X API, real Celery worker on Redis",
            "published 5, other 0",
            "latency ms: p50",
            "throughput:",
        ),
    ),
    Script(
        "crash",
        "BENCH_CRASH_DATABASE_URL",
        "BENCH_CRASH_REDIS_URL",
        (
            "Crash run 1: 6 approved posts, the worker's process group killed after",
            "published 6   failed 0   lost 0",
            "posts made 6   distinct texts 6   posted twice 0",
            "recovery: last message published",
        ),
    ),
    Script(
        "schedule",
        "BENCH_SCHEDULE_DATABASE_URL",
        "BENCH_SCHEDULE_REDIS_URL",
        (
            "Response schedule, PostgreSQL",
            "grace 5 s",
            "a/b. 10 deadlines due evenly over 6 s",
            "on time  ",
            "worker killed at +3 s",
            "c. engine.deadlines_sweep() in this process",
            "nothing overdue, 1,000 fired steps of history",
        ),
    ),
    Script(
        "postmortem_export",
        "BENCH_EXPORT_DATABASE_URL",
        None,
        (
            "Postmortem export, ",
            "20 messages, 100 mentions",
            "| format | seconds | size | traced peak | RSS peak (growth) |",
            "| md | ",
            "| json | ",
            "| pdf | ",
            "| pdf-job | ",
            "progress updates written on the job",
        ),
    ),
    Script(
        "listening",
        "BENCH_LISTENING_DATABASE_URL",
        None,
        (
            "Listening: 3 accounts, 3,000 mentions over 30 days",
            "a. volume for a 30-day range",
            "b. spike evaluation",
            "c. the charts' series",
            "d. the alerts' evaluation",
            "e. a risk's series",
        ),
    ),
    Script(
        "live",
        "BENCH_LIVE_DATABASE_URL",
        None,
        (
            "Live pages: 3 viewers on one war room, 2 incidents open",
            "a. idle ask (304): p50",
            "3 idle viewers: 3 asks/s",
            "b. ask after a change (204)",
            "delivery to all 3 viewers on 2 web processes",
        ),
    ),
    Script(
        "statement_page",
        "BENCH_PAGE_DATABASE_URL",
        "BENCH_PAGE_REDIS_URL",
        (
            "Statement page, PostgreSQL: 1 incident on the page, 2 updates per language",
            "a. 5 clients for 2 s on 2 web processes",
            "requests/s   p50",
            "errors: 0",
            "database queries per request:",
            "b. second approval → on the page (1 updates, Celery worker on Redis): p50",
            "c. one update to 20 email subscribers (Celery worker, 1 process): published in",
            "not sent: 0",
        ),
    ),
]


def _server_url(name: str) -> str:
    """The address of database ``name`` on the test database's server."""
    database = connection.settings_dict
    credentials = quote(database["USER"] or "", safe="")
    if database["PASSWORD"]:
        credentials += ":" + quote(database["PASSWORD"], safe="")
    return (
        f"postgres://{credentials}@{database['HOST'] or 'localhost'}:"
        f"{database['PORT'] or 5432}/{name}"
    )


def _create(name: str, *, template: str) -> None:
    with psycopg.connect(_server_url("postgres"), autocommit=True) as server:
        server.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        server.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(template)
            )
        )


def _drop(name: str) -> None:
    with psycopg.connect(_server_url("postgres"), autocommit=True) as server:
        server.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@pytest.fixture(scope="session")
def migrated(django_db_setup, django_db_blocker) -> Iterator[str]:
    """A copy of the test database (migrated) that the scripts' databases are copied from: a
    database is copied only while nobody is connected to it, and nobody connects to this one."""
    test_database = connection.settings_dict["NAME"]
    name = f"{test_database}_bench"
    with django_db_blocker.unblock():
        connections.close_all()
    try:
        _create(name, template=test_database)
    except errors.ObjectInUse:
        # Someone still holds the test database open: an empty one, which each script
        # migrates itself (slower, same result).
        _create(name, template="template0")
    yield name
    _drop(name)


@pytest.fixture
def database(script, migrated) -> Iterator[str]:
    """The script's own database, migrated; dropped afterwards."""
    name = f"{migrated}_{script}"
    _create(name, template=migrated)
    yield _server_url(name)
    _drop(name)


@pytest.fixture
def redis_url() -> str:
    """A Redis database of this test process's own, after the suite's (which it never is)."""
    suite = urlsplit(settings.CELERY_BROKER_URL)
    number = int(suite.path.strip("/") or 0)
    worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))
    own = (number + 1 + worker) % REDIS_DATABASES
    return urlunsplit(suite._replace(path=f"/{own}"))


def _run(script: Script, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run the script at its tiny scale; past the time limit it is stopped as an operator
    would (SIGTERM, which stops the workers it started) and the test fails with its output."""
    process = subprocess.Popen(
        [sys.executable, f"bench/{script.name}.py", "--tiny"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        output, _ = process.communicate(timeout=TIME_LIMIT)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGTERM)
        try:
            output, _ = process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
        pytest.fail(f"bench/{script}.py --tiny ran over {TIME_LIMIT} s:\n{output[-4000:]}")
    return subprocess.CompletedProcess(process.args, process.returncode, output)


@pytest.mark.timeout(TIME_LIMIT + 120)  # the script's own limit decides, with its output
@pytest.mark.parametrize("script", SCRIPTS, ids=str)
def test_a_tiny_run_of_the_benchmark_exits_0_and_prints_its_figures(script, database, redis_url):
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in ("DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_URL")
    }
    env[script.database_variable] = database
    env["REDIS_URL"] = redis_url
    if script.redis_variable:
        env[script.redis_variable] = redis_url

    finished = _run(script, env)

    output = finished.stdout
    assert finished.returncode == 0, f"bench/{script}.py --tiny failed:\n{output[-4000:]}"
    missing = [heading for heading in script.prints if heading not in output]
    assert not missing, f"bench/{script}.py --tiny did not print {missing}:\n{output[-4000:]}"
