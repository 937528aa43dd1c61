"""Listening at scale: reading a volume range, and measuring every series each poll.

Seeds (once; later runs reuse it) 200 accounts with 2,000,000 mentions over the last 30 days
(10,000 each on a daily rhythm: busy afternoons, quiet nights), loaded with PostgreSQL COPY,
then counts them into the 5-minute rollup with volume_rollup (timed: the cost of building the
series from scratch). Then:

a. Volume for a 30-day range: communications.listening.selectors.volume for one account, in
   5-minute buckets (8,640 of them) and in hours (720), 200 reads each over random accounts:
   p50/p95 of the whole call and of its SQL (a connection.execute_wrapper), and the queries.
b. Spike evaluation for 200 series per poll: window_measure for every account (its 30-minute
   window against 28 days of the same window and the last 24 hours), 20 rounds: p50/p95 of a
   whole round and of one series.
c. The charts' series: selectors.volume_with_usual (what /api/v1/volume/ answers: the range
   with each bucket's usual level, read with the 28 days before it) for 30 days in 5-minute
   buckets and in hours, over random accounts: p50/p95 and SQL.
d. The alerts' evaluation each minute: alerts.alerts_evaluate over every account (measure,
   then look for an ongoing alert under a row lock), rounds: p50/p95, and the alerts raised
   on the steady rhythm (0 expected).
e. A risk's series, matched as it is read (the risk page's chart: 7 days with the usual level
   in 30-minute buckets): a term every post uses, and terms none uses: p50/p95 and SQL.

Its own database, BENCH_LISTENING_DATABASE_URL (default crisis_desk_bench_listening, created
when missing). Run with `make bench` or on its own:
    .venv/bin/python bench/listening.py [--accounts 200] [--mentions 2000000] [--reads 200]
`--tiny` (the tests' run): 3 accounts, 3,000 mentions, a few reads of each kind.
"""

import argparse
import math
import os
import random
import sys
import time
import warnings
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.options import parse  # noqa: E402
from bench.timing import SqlTimer  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/crisis_desk_bench_listening"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/14"
HANDLE = "bench_listen_{:03d}"


def _setup() -> None:
    url = os.environ.get("BENCH_LISTENING_DATABASE_URL") or DEFAULT_DATABASE_URL
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("REDIS_URL", DEFAULT_REDIS_URL)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    warnings.filterwarnings("ignore", "pkg_resources is deprecated", UserWarning)
    from bench.run import database_create_if_missing

    database_create_if_missing(url)
    import django

    django.setup()


def _moment(rng: random.Random, start: Any, days: int) -> Any:
    """A time in the range, three times likelier in the afternoon than at night."""
    while True:
        offset = rng.random() * days * 86_400
        hour = (offset / 3600) % 24
        weight = 0.25 + 0.75 * max(0.0, math.sin(math.pi * (hour - 6) / 18))
        if rng.random() < weight:
            return start + timedelta(seconds=offset)


def _seed(accounts: int, mentions: int) -> list[int]:
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from bench.seed import copy_rows
    from communications.listening.services import volume_rollup
    from communications.models import InboundPost, SocialAccount, VolumeBucket

    call_command("migrate", interactive=False, verbosity=0)
    ids = []
    for n in range(accounts):
        account, _created = SocialAccount.objects.get_or_create(
            handle=HANDLE.format(n), defaults={"auth_kind": SocialAccount.AuthKind.NONE}
        )
        ids.append(account.pk)
    have = InboundPost.objects.filter(account_id__in=ids).count()
    if have >= mentions:
        print(f"  reusing {have:,} mentions and {VolumeBucket.objects.count():,} buckets")
        return ids
    now = timezone.now()
    start = now - timedelta(days=30)
    rng = random.Random(20261204)
    each = mentions // accounts
    started = time.perf_counter()

    def rows() -> Any:
        number = 1_900_000_000_000_000_000
        for account_id in ids:
            for _ in range(each):
                number += 1
                posted_at = _moment(rng, start, 30)
                yield (
                    str(number), account_id, "search", "", "someone", "", rng.randrange(10_000),
                    "is it safe?", "", posted_at, posted_at, "new", "",
                )  # fmt: skip

    written = copy_rows(
        InboundPost,
        [
            "external_id",
            "account",
            "origin",
            "author_id",
            "author_handle",
            "author_name",
            "author_followers",
            "text",
            "url",
            "posted_at",
            "fetched_at",
            "triage",
            "triage_reason",
        ],
        rows(),
    )
    print(f"  {written:,} mentions loaded in {time.perf_counter() - started:.1f} s", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) communications_inboundpost")
    started = time.perf_counter()
    for chunk in range(0, len(ids), 20):
        volume_rollup(since=start, until=now, account_ids=ids[chunk : chunk + 20])
    buckets = VolumeBucket.objects.count()
    print(
        f"  rolled up into {buckets:,} buckets in {time.perf_counter() - started:.1f} s",
        flush=True,
    )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) communications_volumebucket")
    return ids


def _timed(call: Any) -> tuple[float, float, int]:
    from django.db import connection

    timer = SqlTimer()
    started = time.perf_counter()
    with connection.execute_wrapper(timer):
        call()
    return time.perf_counter() - started, timer.seconds, timer.count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=200)
    parser.add_argument("--mentions", type=int, default=2_000_000)
    parser.add_argument("--reads", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument(
        "--chart-reads", type=int, help="reads of c. and e. (default: a quarter of --reads, 10+)"
    )
    options = parse(
        parser,
        tiny={"accounts": 3, "mentions": 3000, "reads": 4, "rounds": 2, "chart_reads": 2},
    )
    _setup()
    from django.utils import timezone

    from bench.processes import percentile
    from communications.listening import alerts, selectors

    print(f"Listening: {options.accounts} accounts, {options.mentions:,} mentions over 30 days")
    ids = _seed(options.accounts, options.mentions)
    rng = random.Random(7)
    now = timezone.now()
    print("\na. volume for a 30-day range (one account)")
    print(f"  {'buckets':<10}{'p50 ms':>9}{'p95 ms':>9}{'SQL p50':>9}{'SQL p95':>9}{'queries':>9}")
    for minutes in (5, 60):
        totals, sqls, queries = [], [], 0
        for n in range(options.reads + 10):
            account_id = rng.choice(ids)
            total, sql, count = _timed(
                lambda a=account_id, m=minutes: selectors.volume(
                    account_id=a, since=now - timedelta(days=30), until=now, minutes=m
                )
            )
            if n >= 10:  # warm-up
                totals.append(total * 1000)
                sqls.append(sql * 1000)
                queries = count
        print(
            f"  {minutes:>3} min   {percentile(totals, 0.5):9.1f}{percentile(totals, 0.95):9.1f}"
            f"{percentile(sqls, 0.5):9.1f}{percentile(sqls, 0.95):9.1f}{queries:>9}"
        )
    print(f"\nb. spike evaluation: {len(ids)} series per poll, {options.rounds} rounds")
    rounds, series, sql_rounds = [], [], []
    spikes = 0
    for _round in range(options.rounds + 1):
        round_started = time.perf_counter()
        round_sql = 0.0
        for account_id in ids:
            total, sql, _count = _timed(
                lambda a=account_id: selectors.window_measure(account_id=a, end=timezone.now())
            )
            series.append(total * 1000)
            round_sql += sql
        if _round:  # the first round warms up
            rounds.append(time.perf_counter() - round_started)
            sql_rounds.append(round_sql)
    for account_id in ids:
        spikes += selectors.window_measure(account_id=account_id, end=timezone.now())[2] is not None
    print(
        f"  a round: p50 {percentile(rounds, 0.5):.2f} s, p95 {percentile(rounds, 0.95):.2f} s "
        f"(SQL p50 {percentile(sql_rounds, 0.5):.2f} s); one series: p50 "
        f"{percentile(series, 0.5):.1f} ms, p95 {percentile(series, 0.95):.1f} ms; "
        f"spikes found on the steady rhythm: {spikes}"
    )
    reads = options.chart_reads or max(10, options.reads // 4)
    print(f"\nc. the charts' series: volume with its usual level for 30 days, {reads} reads")
    print(f"  {'buckets':<10}{'p50 ms':>9}{'p95 ms':>9}{'SQL p50':>9}{'SQL p95':>9}{'queries':>9}")
    for minutes in (5, 60):
        totals, sqls, queries = [], [], 0
        for n in range(reads + 3):
            account_id = rng.choice(ids)
            total, sql, count = _timed(
                lambda a=account_id, m=minutes: selectors.volume_with_usual(
                    account_id=a, since=now - timedelta(days=30), until=now, minutes=m
                )
            )
            if n >= 3:
                totals.append(total * 1000)
                sqls.append(sql * 1000)
                queries = count
        print(
            f"  {minutes:>3} min   {percentile(totals, 0.5):9.1f}{percentile(totals, 0.95):9.1f}"
            f"{percentile(sqls, 0.5):9.1f}{percentile(sqls, 0.95):9.1f}{queries:>9}"
        )
    evaluations = max(3, options.rounds // 4)
    print(f"\nd. the alerts' evaluation of {len(ids)} accounts, {evaluations} rounds")
    rounds, sql_rounds, raised = [], [], 0
    for _round in range(evaluations + 1):
        total, sql, _count = _timed(lambda: alerts.alerts_evaluate(account_ids=ids))
        if _round:
            rounds.append(total)
            sql_rounds.append(sql)
    raised = alerts.alerts_evaluate(account_ids=ids)
    print(
        f"  a round: p50 {percentile(rounds, 0.5):.2f} s, p95 {percentile(rounds, 0.95):.2f} s "
        f"(SQL p50 {percentile(sql_rounds, 0.5):.2f} s); alerts raised on the steady rhythm: "
        f"{raised}"
    )
    print(
        f"\ne. a risk's series, matched as it is read: the risk page's chart (7 days with the "
        f"usual level, 30-minute buckets), {reads} reads"
    )
    print(f"  {'terms':<22}{'p50 ms':>9}{'p95 ms':>9}{'SQL p50':>9}{'SQL p95':>9}{'posts':>9}")
    for label, terms in (
        ("every post (safe)", ["safe"]),
        ("no post (glass, recall)", ["glass", "recall"]),
    ):
        totals, sqls, matched = [], [], 0
        for n in range(reads + 3):
            account_id = rng.choice(ids)
            total, sql, _count = _timed(
                lambda a=account_id, t=terms: selectors.volume_with_usual(
                    account_id=a, since=now - timedelta(days=7), until=now, minutes=30,
                    risk_terms=t,
                )
            )  # fmt: skip
            if n >= 3:
                totals.append(total * 1000)
                sqls.append(sql * 1000)
        matched = sum(
            row["posts"]
            for row in selectors.volume(
                account_id=ids[0], since=now - timedelta(days=7), until=now, minutes=60,
                risk_terms=terms,
            )
        )  # fmt: skip
        print(
            f"  {label:<22}{percentile(totals, 0.5):9.1f}{percentile(totals, 0.95):9.1f}"
            f"{percentile(sqls, 0.5):9.1f}{percentile(sqls, 0.95):9.1f}{matched:>9}"
        )


if __name__ == "__main__":
    main()
