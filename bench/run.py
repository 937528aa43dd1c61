"""Seed the benchmark database (once) and time the incident pages and endpoints.

Run with `make bench`; BENCH_DATABASE_URL names the database (created when missing).
`--explain` also prints EXPLAIN ANALYZE of each scenario's slowest query; `--tiny` seeds 2,000
incidents and makes 3 requests per scenario (the tests' run). See bench/README.md.
"""

import argparse
import os
import random
import sys
import time
import warnings
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/crisis_desk_bench"


def database_create_if_missing(url: str) -> None:
    name = conninfo_to_dict(url).get("dbname")
    if not name:
        raise SystemExit(f"BENCH_DATABASE_URL names no database: {url}")
    with psycopg.connect(make_conninfo(url, dbname="postgres"), autocommit=True) as server:
        exists = server.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            server.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(str(name))))
            print(f"Created database {name}.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--explain", action="store_true", help="EXPLAIN ANALYZE each scenario's slowest query"
    )
    parser.add_argument(
        "--only", default="", help="run only the scenarios whose name contains this text"
    )
    parser.add_argument(
        "--tiny",
        action="store_true",
        help="seed 2,000 incidents and 20,000 events, 3 requests per scenario (the tests' run)",
    )
    args = parser.parse_args()

    url = os.environ.get("BENCH_DATABASE_URL") or DEFAULT_DATABASE_URL
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    sys.path.insert(0, str(ROOT))
    warnings.filterwarnings("ignore", "pkg_resources is deprecated", UserWarning)
    database_create_if_missing(url)

    import django

    django.setup()

    from django.core.management import call_command
    from django.db import connection

    from bench import measure, seed

    call_command("migrate", interactive=False, verbosity=0)
    seed.seed_if_needed(seed.TINY if args.tiny else seed.FULL)

    pace = measure.TINY if args.tiny else measure.FULL
    client = measure.signed_in_client(seed.benchmark_manager())
    try:
        chosen = [s for s in measure.scenarios(random.Random(7), pace) if args.only in s.name]
        started = time.perf_counter()
        results = [measure.run(client, scenario, pace) for scenario in chosen]
    except measure.RequestFailed as exc:
        raise SystemExit(f"page benchmark: {exc}") from None
    elapsed = time.perf_counter() - started

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        (server_version,) = cursor.fetchone() or ("?",)
    counts = ", ".join(f"{n:,} {name}" for name, n in seed.row_counts().items())
    print()
    print(f"Crisis Desk benchmark, PostgreSQL {server_version}, Django {django.get_version()}")
    print(f"Rows: {counts}")
    print(
        f"Each scenario: {pace.requests} requests after {pace.warmup} warm-up, in-process "
        f"django.test.Client as {seed.MANAGER_USERNAME} (Manager). Times in ms; "
        f"server/SQL = total server time / total SQL time. Ran in {elapsed:.0f} s."
    )
    print()
    print(measure.table(results))
    if any("war room" in result.name for result in results):
        # The floor under the war room's server/SQL: a page of indexed reads through the ORM
        # is at this ratio before a template or a middleware adds anything.
        rounds = pace.requests * 10
        print()
        print(measure.floor_table(measure.floor(rounds), rounds))
    if args.explain:
        for result in results:
            slowest = result.slowest
            print(f"\n== {result.name}: slowest query {slowest.seconds * 1000:.1f} ms")
            print(slowest.sql)
            print(measure.explain(slowest))


if __name__ == "__main__":
    main()
