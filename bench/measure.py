"""Time requests in-process: the whole server time of each, and the part spent in SQL."""

import random
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Count
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from config.people import User
from incidents.models import Incident, Status, TimelineEvent, WarRoomPart

HEAVY_TIMELINE = 1_000
TIMELINE_PAGE_SIZE = 25
PARTS = [part.value for part in WarRoomPart if part != WarRoomPart.TIMELINE]
# Narrow filters match tens to hundreds of incidents; broad ones tens of thousands.
BROAD = [
    "status=closed",
    "status=declined",
    "severity=3",
    "severity=4",
    "category=customer_dissatisfaction",
    "source=listening_alert",
    "status=closed&severity=3",
]
SEARCHES = ["refund", "recall", "journalist", "boycott", "istanbul", "petition", "zebra"]


class RequestFailed(RuntimeError):
    pass


@dataclass(frozen=True)
class Pace:
    """Requests per scenario: the first ``warmup`` are made but not measured."""

    warmup: int
    requests: int


FULL = Pace(warmup=10, requests=200)
# The tests' run (--tiny): every request is still checked; two measured ones make a p95.
TINY = Pace(warmup=1, requests=2)


@dataclass(frozen=True)
class Scenario:
    name: str
    urls: list[str]


@dataclass
class SlowQuery:
    seconds: float = 0.0
    sql: str = ""
    params: Any = None


@dataclass
class QueryTimer:
    """A connection.execute_wrapper that sums the time of each query and keeps the slowest."""

    seconds: float = 0.0
    count: int = 0
    slowest: SlowQuery = field(default_factory=SlowQuery)

    def __call__(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            elapsed = time.perf_counter() - started
            self.seconds += elapsed
            self.count += 1
            if elapsed > self.slowest.seconds:
                self.slowest = SlowQuery(elapsed, sql, params)


@dataclass
class Result:
    name: str
    server_ms: list[float] = field(default_factory=list)
    sql_ms: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)
    slowest: SlowQuery = field(default_factory=SlowQuery)


def signed_in_client(user: User) -> Client:
    """A client signed in as the person completely, as people whose role needs the second step
    are: the password and a code from an authenticator app (one made for them if they have
    none). Signed in with the password only, every page would send them to the second step."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def scenarios(rng: random.Random, pace: Pace) -> list[Scenario]:
    """Each scenario varies its page, filters or incident so no single plan is measured."""
    total = pace.warmup + pace.requests
    references = list(Incident.objects.order_by("?").values_list("reference", flat=True)[:total])
    heavy = list(
        Incident.objects.annotate(events_count=Count("events"))
        .filter(events_count__gte=HEAVY_TIMELINE)
        .values_list("reference", "events_count")
    )
    if not heavy:
        raise RequestFailed(f"no incident has {HEAVY_TIMELINE}+ timeline events; seed first")
    narrow = [
        f"status={status}&severity={severity}"
        for status in (Status.DETECTED, Status.TRIAGED, Status.RESPONDING, Status.MONITORING)
        for severity in (1, 2)
    ] + ["open=true&severity=1", "status=responding&status=monitoring&severity=2"]
    searches = SEARCHES + references[:5]

    def many(make: Callable[[], str]) -> list[str]:
        return [make() for _ in range(total)]

    def variants(prefix: str) -> list[Scenario]:
        return [
            Scenario(f"{prefix} default", many(lambda: prefix)),
            Scenario(f"{prefix} narrow filter", many(lambda: f"{prefix}?{rng.choice(narrow)}")),
            Scenario(f"{prefix} broad filter", many(lambda: f"{prefix}?{rng.choice(BROAD)}")),
            Scenario(f"{prefix} search ?q=", many(lambda: f"{prefix}?q={rng.choice(searches)}")),
            Scenario(f"{prefix} page 40-60", many(lambda: f"{prefix}?page={rng.randint(40, 60)}")),
        ]

    def deep_timeline_page() -> str:
        reference, events = rng.choice(heavy)
        return f"/incidents/{reference}/?page={rng.randint(2, events // TIMELINE_PAGE_SIZE)}"

    return [
        *variants("/incidents/"),
        *variants("/api/v1/incidents/"),
        Scenario("war room, random incident", [f"/incidents/{r}/" for r in references]),
        Scenario(
            f"war room, {HEAVY_TIMELINE}+ events",
            many(lambda: f"/incidents/{rng.choice(heavy)[0]}/"),
        ),
        Scenario(f"war room, {HEAVY_TIMELINE}+ events, old page", many(deep_timeline_page)),
        Scenario(
            "war room, one part beside it",
            many(lambda: f"/incidents/{rng.choice(references)}/?part={rng.choice(PARTS)}"),
        ),
    ]


def run(client: Client, scenario: Scenario, pace: Pace) -> Result:
    """Every request must answer 200: a redirect (to the sign-in, to its second step) or an
    error is a RequestFailed, never a number in the table."""
    result = Result(scenario.name)
    for index, url in enumerate(scenario.urls):
        timer = QueryTimer()
        with connection.execute_wrapper(timer):
            started = time.perf_counter()
            response = client.get(url)
            elapsed = time.perf_counter() - started
        if response.status_code != 200:
            location = response.headers.get("Location")
            to = f" (to {location})" if location else ""
            raise RequestFailed(f"GET {url} answered {response.status_code}{to}, not 200")
        if index < pace.warmup:
            continue
        result.server_ms.append(elapsed * 1000)
        result.sql_ms.append(timer.seconds * 1000)
        result.queries.append(timer.count)
        if timer.slowest.seconds > result.slowest.seconds:
            result.slowest = timer.slowest
    return result


def _p95(values: Sequence[float]) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[94]


def table(results: list[Result]) -> str:
    width = max(len(r.name) for r in results)
    header = (
        f"{'scenario':<{width}}  {'server p50':>10} {'p95':>7}  {'SQL p50':>7} {'p95':>7}"
        f"  {'queries':>7}  {'server/SQL':>10}"
    )
    lines = [header, "-" * len(header)]
    for r in results:
        fewest, most = min(r.queries), max(r.queries)
        queries = str(fewest) if fewest == most else f"{fewest}-{most}"
        ratio = sum(r.server_ms) / sum(r.sql_ms)
        lines.append(
            f"{r.name:<{width}}  {statistics.median(r.server_ms):>10.1f} {_p95(r.server_ms):>7.1f}"
            f"  {statistics.median(r.sql_ms):>7.1f} {_p95(r.sql_ms):>7.1f}"
            f"  {queries:>7}  {ratio:>9.1f}x"
        )
    return "\n".join(lines)


def explain(query: SlowQuery) -> str:
    """EXPLAIN ANALYZE of a query as it ran, parameters included."""
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {query.sql}", query.params)
        return "\n".join(row[0] for row in cursor.fetchall())


@dataclass(frozen=True)
class Floor:
    """What one indexed read costs, in the whole and in SQL: the part of a page's server/SQL
    ratio that no template or middleware adds."""

    name: str
    total_ms: float
    sql_ms: float

    @property
    def ratio(self) -> float:
        return self.total_ms / self.sql_ms


def floor(rounds: int) -> list[Floor]:
    """The same reads of ``rounds`` random incidents three ways: a model instance through the
    ORM, the 25 newest timeline rows through the ORM (what a war room reads), and the instance's
    row through a bare cursor."""
    ids = list(Incident.objects.order_by("?").values_list("pk", flat=True)[:rounds])

    def bare(pk: int) -> Any:
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM incidents_incident WHERE id = %s", [pk])
            return cursor.fetchall()

    reads: list[tuple[str, Callable[[int], Any]]] = [
        ("ORM, one incident", lambda pk: Incident.objects.get(pk=pk)),
        (
            f"ORM, its {TIMELINE_PAGE_SIZE} newest events",
            lambda pk: list(
                TimelineEvent.objects.filter(incident_id=pk).order_by("-at")[:TIMELINE_PAGE_SIZE]
            ),
        ),
        ("bare cursor, one incident", bare),
    ]
    found = []
    for name, read in reads:
        timer = QueryTimer()
        started = time.perf_counter()
        with connection.execute_wrapper(timer):
            for pk in ids:
                read(pk)
        elapsed = time.perf_counter() - started
        found.append(Floor(name, elapsed * 1000 / len(ids), timer.seconds * 1000 / len(ids)))
    return found


def floor_table(floors: list[Floor], rounds: int) -> str:
    lines = [f"One indexed read, the mean of {rounds}: whole / SQL in ms, whole/SQL"]
    lines += [
        f"  {f.name:<32} {f.total_ms:6.3f} / {f.sql_ms:6.3f}  {f.ratio:4.1f}x" for f in floors
    ]
    return "\n".join(lines)
