"""Fill the benchmark database fast: PostgreSQL COPY through psycopg 3, not the ORM.

The data is generated from a fixed random seed, so two databases seeded on different days
differ only in their dates. Table and column names come from the models' _meta.
"""

import json
import random
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import NOT_PROVIDED, AutoField, Field, Model
from psycopg import sql

from config.permissions import MANAGER, RESPONDER
from incidents.models import (
    VERDICTS,
    Category,
    ChecklistItem,
    Claim,
    ClaimStatus,
    Incident,
    ReferenceCounter,
    Source,
    Status,
    Tag,
    TimelineEvent,
)


@dataclass(frozen=True)
class Scale:
    """How much history the seed writes. The long tail: a few incidents carry thousands of
    events, some hundreds, most a handful."""

    incidents: int
    events: int
    heavy_incidents: int
    heavy_events: tuple[int, int]
    busy_incidents: int
    busy_events: tuple[int, int]


FULL = Scale(
    incidents=100_000,
    events=1_000_000,
    heavy_incidents=25,
    heavy_events=(2_000, 6_000),
    busy_incidents=500,
    busy_events=(100, 500),
)
# The tests' run (--tiny): still 60+ pages of incidents and two war rooms of 1,000+ events, so
# every scenario reads what it is named after.
TINY = Scale(
    incidents=2_000,
    events=20_000,
    heavy_incidents=2,
    heavy_events=(1_000, 1_200),
    busy_incidents=10,
    busy_events=(100, 300),
)
SMALL_EVENTS = (2, 13)
HISTORY = timedelta(days=730)
RANDOM_SEED = 2026

PEOPLE = {RESPONDER: 8, MANAGER: 3}
MANAGER_USERNAME = "bench-manager-1"
FIRST_NAMES = ["Ayşe", "Mehmet", "Elif", "Can", "Zeynep", "Emre", "Selin", "Burak", "Deniz"]
LAST_NAMES = ["Kaya", "Demir", "Şahin", "Çelik", "Öztürk", "Arslan", "Koç", "Polat"]

TAGS = [
    "x", "instagram", "tiktok", "press", "tv", "legal", "regulator", "recall", "refunds",
    "outage", "pricing", "delivery", "influencer", "boycott", "hashtag", "ceo", "hr", "union",
    "privacy", "data-leak", "phishing", "fake-account", "ad-campaign", "sponsorship", "store",
    "call-center", "app", "website", "payments", "shipping", "warehouse", "supplier", "safety",
    "environment", "weather", "translation", "meme", "petition", "competitor", "investors",
]  # fmt: skip
SUBJECTS = [
    "Mobile app", "Checkout", "Courier", "Store staff", "Call centre", "New ad campaign",
    "CEO interview", "Loyalty programme", "Price increase", "Product batch", "Website",
    "Customer data", "Influencer post", "Delivery network", "Warehouse", "Sponsorship deal",
    "Support chatbot", "Billing system", "Spring collection", "Factory",
]  # fmt: skip
PROBLEMS = [
    "backlash on X", "complaints spike", "video goes viral", "outage angers customers",
    "refund delays", "accused of misleading claims", "hashtag trending", "leaked screenshot",
    "product recall demanded", "rude reply screenshot", "boycott call", "fake giveaway",
    "safety concern raised", "price error exploited", "data exposure rumour",
    "translation mistake mocked", "late deliveries pile up", "influencer withdraws",
    "regulator asks questions", "misquoted in the press",
]  # fmt: skip
PLACES = ["", "", "", " in Istanbul", " in Ankara", " in Izmir", " in Berlin", " in London"]
SUMMARY_SENTENCES = [
    "Mentions tripled within the hour and several accounts with large followings joined.",
    "Customer care reports a wave of calls about the same issue.",
    "A journalist asked for a statement before the evening news.",
    "The claim is not verified yet; legal reviews every public word.",
    "Employees are asking what they may say on their own accounts.",
    "Screenshots circulate without context and are being quoted as fact.",
    "The product team is checking whether the defect affects other batches.",
    "Sentiment is mostly negative, with some customers defending the brand.",
    "A competitor's account replied with a joke that is being shared widely.",
    "The first holding statement went out; questions keep coming.",
    "Volume has been falling since the apology was posted.",
    "A petition collected thousands of signatures overnight.",
]
NOTE_TEXTS = [
    "Legal reviewed the draft statement; two wording changes requested.",
    "Customer care briefed with the approved answer.",
    "Volume down 20% in the last hour.",
    "New wave of replies after a large account quoted us.",
    "Called the journalist back; statement promised within the hour.",
    "Executive sponsor informed by phone.",
    "Screenshot confirmed genuine by the store manager.",
    "Screenshot appears edited; asking the security team to check metadata.",
    "Influencer's agency answered; they will post a clarification.",
    "Holding statement pinned on the brand account.",
    "Monitoring overnight with the on-call operator.",
    "Regulator's questions forwarded to legal.",
    "Refunds team processing the backlog; 300 cases left.",
    "Apology drafted; waiting for the second approval.",
    "Sentiment turning neutral; keeping the update cadence.",
]
KIND_TEXTS: dict[str, list[str]] = {
    TimelineEvent.Kind.NOTE: NOTE_TEXTS,
    TimelineEvent.Kind.STATUS: [
        "Status Detected → Triaged",
        "Status Triaged → Responding",
        "Status Responding → Monitoring",
        "Status Monitoring → Responding",
    ],
    TimelineEvent.Kind.SEVERITY: ["Severity SEV3 → SEV2", "Severity SEV2 → SEV1"],
    TimelineEvent.Kind.UPDATED: ["Updated summary", "Updated tags", "Updated summary, title"],
    TimelineEvent.Kind.ACKNOWLEDGED: ["Acknowledged"],
    TimelineEvent.Kind.CLAIM: [
        "Claim recorded: the product was recalled in another country",
        "Claim marked false with evidence",
        "Claim under investigation",
    ],
    TimelineEvent.Kind.CHECKLIST: [
        "Checklist item done: Publish the holding statement",
        "Checklist item added: Brief customer care",
        "Checklist item assigned: Secure the brand accounts",
    ],
}
KIND_WEIGHTS = {
    TimelineEvent.Kind.NOTE: 60,
    TimelineEvent.Kind.STATUS: 6,
    TimelineEvent.Kind.SEVERITY: 2,
    TimelineEvent.Kind.UPDATED: 5,
    TimelineEvent.Kind.ACKNOWLEDGED: 2,
    TimelineEvent.Kind.CLAIM: 10,
    TimelineEvent.Kind.CHECKLIST: 15,
}
KIND_DATA = {
    TimelineEvent.Kind.STATUS: json.dumps({"from": "triaged", "to": "responding", "reason": ""}),
    TimelineEvent.Kind.SEVERITY: json.dumps({"from": 3, "to": 2}),
    TimelineEvent.Kind.UPDATED: json.dumps({"summary": {"from": "", "to": "…"}}),
}
CLAIM_STATEMENTS = [
    "The brand knew about the defect for months.",
    "Customer passwords were leaked.",
    "The CEO resigned this morning.",
    "Stores will close next week.",
    "The ad was made by an AI without review.",
    "Refunds are refused to everyone who complained online.",
]
CHECKLIST_TITLES = [
    "Publish the holding statement",
    "Brief customer care with the approved answer",
    "Secure the brand accounts (2FA check)",
    "Inform the executive sponsor",
    "Prepare the FAQ for store staff",
    "Collect evidence for the rumour register",
    "Schedule the next public update",
    "Pause scheduled marketing posts",
]

SEVERITY_WEIGHTS = {1: 5, 2: 15, 3: 45, 4: 35}
CATEGORY_WEIGHTS = {
    Category.CUSTOMER_DISSATISFACTION: 25,
    Category.PRODUCT_QUALITY: 18,
    Category.RUMOUR: 12,
    Category.MISUNDERSTANDING: 9,
    Category.EMPLOYEE_MISCONDUCT: 8,
    Category.BAD_CAMPAIGN: 7,
    Category.SECURITY_BREACH: 5,
    Category.POOR_MANAGEMENT: 4,
    Category.WRONG_BUSINESS_DECISION: 4,
    Category.ACCIDENT: 3,
    Category.NATURAL_DISASTER: 2,
    Category.OTHER: 3,
}
SOURCE_WEIGHTS = {
    Source.LISTENING_ALERT: 50,
    Source.CUSTOMER_CARE: 25,
    Source.MEDIA: 10,
    Source.EMPLOYEE: 10,
    Source.OTHER: 5,
}
# Young incidents are mostly still open; old ones mostly closed (or declined as false alarms).
STATUS_WEIGHTS_BY_AGE: list[tuple[timedelta, dict[str, float]]] = [
    (
        timedelta(days=3),
        {
            Status.DETECTED: 15,
            Status.TRIAGED: 15,
            Status.RESPONDING: 30,
            Status.MONITORING: 20,
            Status.RESOLVED: 10,
            Status.DECLINED: 10,
        },
    ),
    (
        timedelta(days=30),
        {
            Status.DETECTED: 2,
            Status.TRIAGED: 3,
            Status.RESPONDING: 10,
            Status.MONITORING: 15,
            Status.RESOLVED: 35,
            Status.CLOSED: 25,
            Status.DECLINED: 10,
        },
    ),
    (
        HISTORY,
        {
            Status.DETECTED: 0.3,
            Status.TRIAGED: 0.2,
            Status.RESPONDING: 1.5,
            Status.MONITORING: 2,
            Status.RESOLVED: 6,
            Status.CLOSED: 80,
            Status.DECLINED: 10,
        },
    ),
]
RESPONDED = (Status.RESPONDING, Status.MONITORING, Status.RESOLVED, Status.CLOSED)


@dataclass(slots=True)
class PlannedIncident:
    id: int
    reference: str
    title: str
    severity: int
    status: str
    declared_by: int
    detected_at: datetime
    acknowledged_at: datetime | None
    first_response_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    ends_at: datetime


class DataMismatch(RuntimeError):
    """The database holds data that is not (all of) the benchmark's."""


def benchmark_manager() -> Any:
    return get_user_model().objects.get(username=MANAGER_USERNAME)


def row_counts() -> dict[str, int]:
    return {
        "incidents": Incident.objects.count(),
        "timeline events": TimelineEvent.objects.count(),
        "claims": Claim.objects.count(),
        "checklist items": ChecklistItem.objects.count(),
        "tags": Tag.objects.count(),
    }


def seed_if_needed(scale: Scale = FULL) -> None:
    """Seed once; a database that already holds the benchmark's data is left alone."""
    incidents, events = Incident.objects.count(), TimelineEvent.objects.count()
    if (incidents, events) == (scale.incidents, scale.events):
        print(f"Already seeded ({incidents:,} incidents, {events:,} timeline events).")
        return
    if incidents or events:
        raise DataMismatch(
            f"The database holds {incidents:,} incidents and {events:,} timeline events, "
            f"not the benchmark's {scale.incidents:,} and {scale.events:,}. Drop it and run "
            "again (see bench/README.md)."
        )
    seed(scale)


def seed(scale: Scale = FULL) -> None:
    rng = random.Random(RANDOM_SEED)
    now = datetime.now(UTC).replace(microsecond=0)
    started = time.perf_counter()
    with transaction.atomic():
        with _timed("plan"):
            people = _people()
            tags = _tags()
            plans = _plan_incidents(rng, now, people, scale.incidents)
            counts = _event_counts(rng, plans, scale)
            heavy = {
                plan.id
                for plan, count in zip(plans, counts, strict=True)
                if count >= scale.heavy_events[0]
            }
        _load("incidents", Incident, INCIDENT_FIELDS, _incident_rows(rng, plans))
        _reset_sequences([Incident])
        _store_reference_counters(plans)
        _load("incident tags", Incident.tags.through, TAG_FIELDS, _tag_rows(rng, plans, tags))
        _load(
            "timeline events",
            TimelineEvent,
            EVENT_FIELDS,
            _event_rows(rng, plans, counts, people, now),
        )
        _load("claims", Claim, CLAIM_FIELDS, _claim_rows(rng, plans, heavy, people, now))
        _load(
            "checklist items",
            ChecklistItem,
            CHECKLIST_FIELDS,
            _checklist_rows(rng, plans, heavy, people, now),
        )
        # Django's foreign keys are deferred to the commit; check them here to time them.
        with _timed("foreign key checks"), connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with _timed("vacuum analyze"):
        _vacuum_analyze()
    print(f"Seeded in {time.perf_counter() - started:.1f} s.")


@contextmanager
def _timed(name: str) -> Iterator[None]:
    started = time.perf_counter()
    yield
    _report(name, started)


def _load(
    name: str, model: type[Model], fields: Sequence[str], rows: Iterable[Sequence[object]]
) -> None:
    started = time.perf_counter()
    written = copy_rows(model, fields, rows)
    _report(name, started, written)


def _report(name: str, started: float, rows: int | None = None) -> None:
    count = f"{rows:,} rows" if rows is not None else ""
    print(f"  {name:<20}{count:>15} {time.perf_counter() - started:5.1f} s", flush=True)


class ColumnMissing(RuntimeError):
    """A column the seed gives no value and nothing else fills: NOT NULL, no default."""


def copy_rows(model: type[Model], fields: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
    """COPY rows into the model's table; ``fields`` are model field names, in row order.

    Every other column of the model is filled as saving a new object would fill it (see
    unlisted_defaults), so a column added to a model later neither breaks the seed unnoticed
    nor leaves it behind: it gets its default, said on the console, or stops the seed, named.
    """
    defaults = unlisted_defaults(model, fields)
    for name, value in defaults.items():
        print(f"  {model._meta.db_table}.{_column(model, name)}: its default, {value!r}")
    columns = [sql.Identifier(_column(model, name)) for name in [*fields, *defaults]]
    statement = sql.SQL("COPY {table} ({columns}) FROM STDIN").format(
        table=sql.Identifier(model._meta.db_table), columns=sql.SQL(", ").join(columns)
    )
    filled = tuple(defaults.values())
    written = 0
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row((*row, *filled) if filled else row)
            written += 1
    return written


def unlisted_defaults(model: type[Model], fields: Sequence[str]) -> dict[str, object]:
    """The values for the model's columns that ``fields`` leaves out and the database would
    not fill (a NOT NULL column without a database default): the model field's default, as the
    ORM would save it. A column with no default at all is a ColumnMissing, naming it."""
    listed = set(fields)
    defaults: dict[str, object] = {}
    missing = []
    for field in model._meta.concrete_fields:
        if (
            field.name in listed
            or field.null
            or field.generated
            or field.db_default is not NOT_PROVIDED
            or isinstance(field, AutoField)
        ):
            continue
        value = field.get_default()
        if value is None:
            missing.append(field.column or field.name)
        else:
            defaults[field.name] = field.get_db_prep_save(value, connection)
    if missing:
        raise ColumnMissing(
            f"{model._meta.db_table}: the benchmark's seed gives no value for "
            f"{', '.join(missing)} (NOT NULL, no default); add it to the rows in bench/seed.py"
        )
    return defaults


def _column(model: type[Model], name: str) -> str:
    field = model._meta.get_field(name)
    if not isinstance(field, Field) or not field.column:
        raise TypeError(f"{model.__name__}.{name} is not a column")
    return field.column


def _reset_sequences(models: list[type[Model]]) -> None:
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(statement)


def _vacuum_analyze() -> None:
    """Freshly copied rows have no visibility map yet; a production table would, thanks to
    autovacuum, so index-only scans (counts) are measured as they would run there."""
    models: list[type[Model]] = [
        Incident,
        Incident.tags.through,
        TimelineEvent,
        Claim,
        ChecklistItem,
        Tag,
    ]
    tables = sql.SQL(", ").join(sql.Identifier(m._meta.db_table) for m in models)
    with connection.cursor() as cursor:
        cursor.execute(sql.SQL("VACUUM (ANALYZE) {}").format(tables).as_string(cursor.cursor))


# --- people and tags ------------------------------------------------------------------------


def _people() -> list[int]:
    user_model = get_user_model()
    ids: list[int] = []
    for group_name, count in PEOPLE.items():
        group = Group.objects.get(name=group_name)
        for number in range(1, count + 1):
            username = f"bench-{group_name.lower()}-{number}"
            first = FIRST_NAMES[len(ids) % len(FIRST_NAMES)]
            last = LAST_NAMES[len(ids) % len(LAST_NAMES)]
            user, created = user_model.objects.get_or_create(
                username=username, defaults={"first_name": first, "last_name": last}
            )
            if created:
                user.set_unusable_password()
                user.save(update_fields=["password"])
                user.groups.add(group)
            ids.append(user.pk)
    return ids


def _tags() -> list[int]:
    Tag.objects.bulk_create([Tag(name=name) for name in TAGS], ignore_conflicts=True)
    return list(Tag.objects.filter(name__in=TAGS).values_list("pk", flat=True))


# --- incidents ------------------------------------------------------------------------------

INCIDENT_FIELDS = [
    "id",
    "reference",
    "title",
    "summary",
    "severity",
    "status",
    "category",
    "source",
    "declared_by",
    "detected_at",
    "acknowledged_at",
    "first_response_at",
    "resolved_at",
    "closed_at",
    "created_at",
    "updated_at",
]


def _plan_incidents(
    rng: random.Random, now: datetime, people: list[int], count: int
) -> list[PlannedIncident]:
    """Detection times over the history, numbered per year in the order they were detected."""
    history = HISTORY.total_seconds()
    detections = sorted(now - timedelta(seconds=rng.uniform(60, history)) for _ in range(count))
    severities = rng.choices(list(SEVERITY_WEIGHTS), list(SEVERITY_WEIGHTS.values()), k=count)
    last_number: dict[int, int] = {}
    plans = []
    for number, (detected, severity) in enumerate(zip(detections, severities, strict=True), 1):
        year_number = last_number.get(detected.year, 0) + 1
        last_number[detected.year] = year_number
        status = _status_for_age(rng, now - detected)
        plans.append(
            _plan(
                rng,
                now,
                id=number,
                reference=f"INC-{detected.year}-{year_number:04d}",
                title=f"{rng.choice(SUBJECTS)}: {rng.choice(PROBLEMS)}{rng.choice(PLACES)}",
                severity=severity,
                status=status,
                declared_by=rng.choice(people),
                detected_at=detected,
            )
        )
    return plans


def _status_for_age(rng: random.Random, age: timedelta) -> str:
    for limit, weights in STATUS_WEIGHTS_BY_AGE:
        if age <= limit:
            return rng.choices(list(weights), list(weights.values()))[0]
    raise AssertionError(f"an incident {age} old lies beyond the history")


def _plan(
    rng: random.Random,
    now: datetime,
    *,
    id: int,
    reference: str,
    title: str,
    severity: int,
    status: str,
    declared_by: int,
    detected_at: datetime,
) -> PlannedIncident:
    """Each timestamp follows the previous one and none lies in the future, so the CHECK
    constraints hold: acknowledged/responded/resolved/closed after detection, closed after
    resolved, resolved only when resolved or closed, closed only when closed or declined."""

    def later(start: datetime, mean_minutes: float) -> datetime:
        return min(start + timedelta(minutes=rng.expovariate(1 / mean_minutes)), now)

    acknowledged = first_response = resolved = closed = None
    if status != Status.DETECTED or rng.random() < 0.3:
        acknowledged = later(detected_at, 8 * severity)
    if status in RESPONDED and severity <= 3:
        first_response = later(acknowledged or detected_at, 25 * severity)
    if status in (Status.RESOLVED, Status.CLOSED):
        resolved = later(first_response or acknowledged or detected_at, 12 * 60 * severity)
    if status == Status.CLOSED:
        closed = later(resolved or detected_at, 3 * 24 * 60)
    if status == Status.DECLINED:
        closed = later(acknowledged or detected_at, 90)
    ends_at = closed or resolved or min(detected_at + timedelta(days=30), now)
    return PlannedIncident(
        id=id,
        reference=reference,
        title=title,
        severity=severity,
        status=status,
        declared_by=declared_by,
        detected_at=detected_at,
        acknowledged_at=acknowledged,
        first_response_at=first_response,
        resolved_at=resolved,
        closed_at=closed,
        ends_at=max(ends_at, detected_at + timedelta(minutes=1)),
    )


def _incident_rows(rng: random.Random, plans: list[PlannedIncident]) -> Iterator[tuple]:
    categories, category_weights = list(CATEGORY_WEIGHTS), list(CATEGORY_WEIGHTS.values())
    sources, source_weights = list(SOURCE_WEIGHTS), list(SOURCE_WEIGHTS.values())
    for plan in plans:
        yield (
            plan.id,
            plan.reference,
            plan.title,
            " ".join(rng.sample(SUMMARY_SENTENCES, rng.randint(0, 3))),
            plan.severity,
            plan.status,
            rng.choices(categories, category_weights)[0],
            rng.choices(sources, source_weights)[0],
            plan.declared_by,
            plan.detected_at,
            plan.acknowledged_at,
            plan.first_response_at,
            plan.resolved_at,
            plan.closed_at,
            plan.detected_at,
            plan.ends_at,
        )


def _store_reference_counters(plans: list[PlannedIncident]) -> None:
    """Declaring an incident after the seed must not hand out a taken reference."""
    last: dict[int, int] = {}
    for plan in plans:
        year, number = plan.reference.removeprefix("INC-").split("-")
        last[int(year)] = max(last.get(int(year), 0), int(number))
    ReferenceCounter.objects.bulk_create(
        [ReferenceCounter(year=year, last_number=number) for year, number in last.items()],
        update_conflicts=True,
        unique_fields=["year"],
        update_fields=["last_number"],
    )


TAG_FIELDS = ["incident", "tag"]


def _tag_rows(rng: random.Random, plans: list[PlannedIncident], tags: list[int]) -> Iterator[tuple]:
    for plan in plans:
        for tag in rng.sample(tags, rng.choices((0, 1, 2, 3), (40, 30, 20, 10))[0]):
            yield (plan.id, tag)


# --- the timeline ---------------------------------------------------------------------------

EVENT_FIELDS = ["incident", "at", "recorded_at", "actor", "kind", "text", "data"]


def _event_counts(rng: random.Random, plans: list[PlannedIncident], scale: Scale) -> list[int]:
    """Events per incident, summing to exactly the scale's."""
    counts = [rng.randint(*SMALL_EVENTS) for _ in plans]
    # Big crises are the severe, finished ones (their timeline spans days).
    candidates = [
        i
        for i, plan in enumerate(plans)
        if plan.severity <= 2 and plan.ends_at - plan.detected_at > timedelta(days=1)
    ]
    heavy = rng.sample(candidates, scale.heavy_incidents)
    for i in heavy:
        counts[i] = rng.randint(*scale.heavy_events)
    taken = set(heavy)
    busy = rng.sample([i for i in range(len(plans)) if i not in taken], scale.busy_incidents)
    for i in busy:
        counts[i] = rng.randint(*scale.busy_events)
    taken.update(busy)
    small = [i for i in range(len(plans)) if i not in taken]
    missing = scale.events - sum(counts)
    step = 1 if missing > 0 else -1
    while missing:
        i = rng.choice(small)
        if counts[i] + step >= 1:
            counts[i] += step
            missing -= step
    return counts


def _event_rows(
    rng: random.Random,
    plans: list[PlannedIncident],
    counts: list[int],
    people: list[int],
    now: datetime,
) -> Iterator[tuple]:
    kinds, weights = list(KIND_WEIGHTS), list(KIND_WEIGHTS.values())
    empty = "{}"
    for plan, count in zip(plans, counts, strict=True):
        declared = json.dumps({"severity": plan.severity, "status": "detected"})
        text = f"Declared SEV{plan.severity}: {plan.title}"
        yield (
            plan.id,
            plan.detected_at,
            plan.detected_at,
            plan.declared_by,
            "declared",
            text,
            declared,
        )
        span = (plan.ends_at - plan.detected_at).total_seconds()
        offsets = sorted(rng.uniform(1, span) for _ in range(count - 1))
        for offset, kind in zip(offsets, rng.choices(kinds, weights, k=count - 1), strict=True):
            at = plan.detected_at + timedelta(seconds=offset)
            recorded = at
            if kind == TimelineEvent.Kind.NOTE and rng.random() < 0.03:
                recorded = min(at + timedelta(minutes=rng.uniform(5, 240)), now)
            actor = None if rng.random() < 0.1 else rng.choice(people)
            yield (
                plan.id,
                at,
                recorded,
                actor,
                kind,
                rng.choice(KIND_TEXTS[kind]),
                KIND_DATA.get(kind, empty),
            )


# --- claims and checklists ------------------------------------------------------------------

CLAIM_FIELDS = [
    "incident",
    "statement",
    "seen_at_location",
    "first_seen_at",
    "status",
    "evidence",
    "verified_by",
    "verified_at",
    "created_by",
    "created_at",
]
CHECKLIST_FIELDS = [
    "incident",
    "title",
    "assignee",
    "due_at",
    "done_at",
    "done_by",
    "created_by",
    "created_at",
]


def _moment_in(rng: random.Random, plan: PlannedIncident) -> datetime:
    return plan.detected_at + (plan.ends_at - plan.detected_at) * rng.random()


def _claim_rows(
    rng: random.Random,
    plans: list[PlannedIncident],
    heavy: set[int],
    people: list[int],
    now: datetime,
) -> Iterator[tuple]:
    statuses = list(ClaimStatus)
    for plan in plans:
        if plan.id in heavy:
            count = rng.randint(10, 30)
        elif rng.random() < 0.08:
            count = rng.randint(1, 4)
        else:
            continue
        for _ in range(count):
            seen = _moment_in(rng, plan)
            status = rng.choice(statuses)
            verdict = status in VERDICTS
            verified_at = min(seen + timedelta(hours=rng.uniform(0.5, 12)), now)
            yield (
                plan.id,
                rng.choice(CLAIM_STATEMENTS),
                f"https://x.com/someone/status/{rng.randrange(10**17, 10**18)}",
                seen,
                status,
                "Checked against the order records." if verdict else "",
                rng.choice(people) if verdict else None,
                verified_at if verdict else None,
                rng.choice(people),
                seen,
            )


def _checklist_rows(
    rng: random.Random,
    plans: list[PlannedIncident],
    heavy: set[int],
    people: list[int],
    now: datetime,
) -> Iterator[tuple]:
    for plan in plans:
        if plan.id in heavy:
            count = rng.randint(10, 30)
        elif rng.random() < 0.15:
            count = rng.randint(2, 8)
        else:
            continue
        finished = plan.status in (Status.RESOLVED, Status.CLOSED, Status.DECLINED)
        for _ in range(count):
            created = _moment_in(rng, plan)
            due = created + timedelta(hours=rng.uniform(1, 48)) if rng.random() < 0.6 else None
            done = finished or rng.random() < 0.5
            done_at = min(created + timedelta(hours=rng.uniform(0.2, 24)), now) if done else None
            yield (
                plan.id,
                rng.choice(CHECKLIST_TITLES),
                rng.choice(people) if rng.random() < 0.7 else None,
                due,
                done_at,
                rng.choice(people) if done else None,
                rng.choice(people),
                created,
            )
