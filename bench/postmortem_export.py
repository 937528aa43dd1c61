"""Exporting the postmortem of a large incident: time and peak memory of each format.

Seeds (once; later runs reuse it) an incident with 5,000 timeline events, 2,000 messages in
every status, 3,000 linked mentions over two days and 14 days of baseline mentions, a written
postmortem with 50 key events and 10 action items. Each format is then exported in a fresh
process, so the resident-memory peak (getrusage ru_maxrss) is that format's alone:

- seconds: the export function (export_pdf, export_markdown, export_json + json.dumps), best
  of --runs, without tracing;
- traced peak: tracemalloc's peak of Python allocations during one more export (what pango
  and harfbuzz allocate in C is not traced);
- RSS peak: ru_maxrss of the process after the timed exports, and how much they grew it (read
  before the traced export, as tracing costs memory of its own).

Its own database, BENCH_EXPORT_DATABASE_URL (default crisis_desk_bench_export, created when
missing). Run with `make bench` or on its own:
    .venv/bin/python bench/postmortem_export.py [--runs 2] [--events 5000] [--messages 2000]
`--tiny` (the tests' run) seeds 50 events, 20 messages and 100 mentions, one export per format.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time
import tracemalloc
import warnings
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.options import parse  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/crisis_desk_bench_export"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/13"
TITLE = "Export benchmark: a product recall rumour"
# pdf-job: the PDF as the worker writes it for a long record, reporting its progress on the job.
FORMATS = ("md", "json", "pdf", "pdf-job")
BASELINE_DAYS = 14
KEY_EVENTS = 50
ACTION_ITEMS = 10


def _setup() -> None:
    url = os.environ.get("BENCH_EXPORT_DATABASE_URL") or DEFAULT_DATABASE_URL
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("REDIS_URL", DEFAULT_REDIS_URL)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    warnings.filterwarnings("ignore", "pkg_resources is deprecated", UserWarning)
    from bench.run import database_create_if_missing

    database_create_if_missing(url)
    import django

    django.setup()


def _seed(events: int, messages: int, mentions: int, baseline: int) -> Any:
    """The benchmark's postmortem, created the first time."""
    # Django is set up by now (_setup), so the project's modules import here.
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.utils import timezone

    from communications.models import InboundPost, Message, SocialAccount
    from config.permissions import MANAGER, RESPONDER
    from incidents.models import Status, TimelineEvent
    from postmortems import flows, services
    from postmortems.models import ActionItem, KeyEvent, Postmortem
    from teams import flows as team_flows
    from teams.models import User

    call_command("migrate", interactive=False, verbosity=0)
    existing = Postmortem.objects.filter(incident__title=TITLE).select_related("incident").first()
    if existing is not None:
        return existing

    def person(username: str, group: str, first: str, last: str) -> User:
        user, _created = User.objects.get_or_create(
            username=username, defaults={"first_name": first, "last_name": last}
        )
        user.groups.add(Group.objects.get(name=group))
        return User.objects.get(pk=user.pk)

    lead = person("export-lead", MANAGER, "Leyla", "Demir")
    writers = [person(f"export-responder-{n}", RESPONDER, "Responder", str(n)) for n in range(5)]
    account, _created = SocialAccount.objects.get_or_create(
        handle="bench_export_brand", defaults={"auth_kind": SocialAccount.AuthKind.NONE}
    )
    started = time.perf_counter()
    detected = timezone.now() - timedelta(days=10)
    incident = team_flows.incident_declare(
        actor=lead, title=TITLE, severity=1, detected_at=detected
    )
    flows.incident_transition(actor=lead, incident=incident, to=Status.RESPONDING)

    missing = events - TimelineEvent.objects.filter(incident=incident).count()
    kinds = [TimelineEvent.Kind.NOTE, TimelineEvent.Kind.MENTION, TimelineEvent.Kind.MESSAGE]
    TimelineEvent.objects.bulk_create(
        [
            TimelineEvent(
                incident=incident,
                at=detected + timedelta(seconds=60 * n),
                kind=kinds[n % len(kinds)],
                actor=writers[n % len(writers)],
                text=f"Update {n}: the desk checked the loudest mentions, answered the ones "
                "that asked about the recall and logged the claims still unverified.",
            )
            for n in range(missing)
        ],
        batch_size=1000,
    )
    statuses = [
        Message.Status.PUBLISHED,
        Message.Status.REJECTED,
        Message.Status.DRAFT,
        Message.Status.FAILED,
        Message.Status.APPROVED,
    ]
    rows = []
    for n in range(messages):
        status = statuses[n % len(statuses)]
        submitted = detected + timedelta(minutes=5 * n)
        approved = (
            submitted + timedelta(minutes=3 + n % 7)
            if status in (Message.Status.PUBLISHED, Message.Status.APPROVED)
            else None
        )
        rows.append(
            Message(
                incident=incident,
                account=account,
                author=writers[n % len(writers)],
                body=f"Update {n} on the recall rumour: our products are safe to use.",
                status=status,
                submitted_at=None if status == Message.Status.DRAFT else submitted,
                approved_at=approved,
                published_at=approved if status == Message.Status.PUBLISHED else None,
            )
        )
    Message.objects.bulk_create(rows, batch_size=1000)
    posts = [
        InboundPost(
            external_id=f"bench-export-{n}",
            account=account,
            author_handle=f"customer{n % 500}",
            text=f"Is the recall real? ({n})",
            posted_at=detected + timedelta(seconds=(48 * 3600 // mentions) * n),
            incident=incident,
        )
        for n in range(mentions)
    ]
    posts += [
        InboundPost(
            external_id=f"bench-export-baseline-{day}-{n}",
            account=account,
            author_handle=f"fan{n}",
            text="Love the new kettle.",
            posted_at=detected - timedelta(days=day, minutes=17 * n),
        )
        for day in range(1, BASELINE_DAYS + 1)
        for n in range(baseline)
    ]
    InboundPost.objects.bulk_create(posts, batch_size=1000)
    flows.incident_transition(actor=lead, incident=incident, to=Status.RESOLVED)

    postmortem = Postmortem.objects.get(incident=incident)
    paragraph = (
        "A doctored screenshot of a recall notice spread from one account with a large "
        "following; **three** news sites repeated it before our first statement.\n\n"
    )
    services.postmortem_update(
        actor=lead,
        postmortem=postmortem,
        summary=paragraph * 3,
        impact=paragraph * 2,
        response=paragraph * 4,
        root_cause=paragraph,
        root_cause_category="rumour",
        five_whys=["A fake screenshot", "It looked official", "No one checked the source"],
        lessons="- Verify before repeating\n- Keep a holding statement ready\n",
    )
    KeyEvent.objects.bulk_create(
        KeyEvent(postmortem=postmortem, event=event, marked_by=lead)
        for event in TimelineEvent.objects.filter(incident=incident).order_by("at")[
            :: max(1, events // KEY_EVENTS)
        ][:KEY_EVENTS]
    )
    for n in range(ACTION_ITEMS):
        services.action_item_add(
            actor=lead,
            postmortem=postmortem,
            title=f"Follow-up {n + 1}: rehearse the rumour playbook",
            owner=writers[n % len(writers)],
            due_date=timezone.localdate() + timedelta(days=7 + n),
            kind=ActionItem.Kind.PROCESS,
        )
    print(f"Seeded the export benchmark's incident in {time.perf_counter() - started:.0f} s.")
    return postmortem


PROGRESS_UPDATES: list[tuple[int, str]] = []


def _export(chosen: str, postmortem: Any) -> int:
    """One export in the chosen format; returns its size in bytes."""
    # Imported once Django is set up (_setup).
    from postmortems import export, export_worker
    from postmortems.models import ExportJob

    if chosen == "pdf-job":
        job = ExportJob.objects.create(
            postmortem=postmortem, format="pdf", requested_by=postmortem.owner
        )
        progress = export_worker.job_progress

        def counted(job_id: str, percent: int, stage: str) -> None:
            PROGRESS_UPDATES.append((percent, stage))
            progress(job_id, percent, stage)

        export_worker.job_progress = counted
        try:
            export_worker.export_job_write(str(job.pk))
        finally:
            export_worker.job_progress = progress
        job.refresh_from_db()
        size = job.size or 0
        job.delete()
        return size
    if chosen == "pdf":
        return len(export.export_pdf(postmortem))
    if chosen == "md":
        return len(export.export_markdown(postmortem).encode())
    return len(json.dumps(export.export_json(postmortem), ensure_ascii=False).encode())


def measure_one(chosen: str, runs: int) -> dict[str, Any]:
    """In a fresh process: the format's export timed, then traced."""
    _setup()
    # Imported once Django is set up (_setup).
    from postmortems.models import Postmortem

    postmortem = Postmortem.objects.select_related("incident", "owner").get(incident__title=TITLE)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    times = []
    size = 0
    for _run in range(runs):
        PROGRESS_UPDATES.clear()
        started = time.perf_counter()
        size = _export(chosen, postmortem)
        times.append(time.perf_counter() - started)
    updates = len(PROGRESS_UPDATES)
    # Read before tracing: tracemalloc's own bookkeeping would be counted as the export's.
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    _export(chosen, postmortem)
    _current, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "format": chosen,
        "seconds": min(times),
        "bytes": size,
        "traced_peak_mb": traced_peak / 2**20,
        "rss_peak_mb": rss_after / 1024,
        "rss_growth_mb": (rss_after - rss_before) / 1024,
        "progress_updates": updates,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2, help="timed exports per format")
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--mentions", type=int, default=3000, help="linked to the incident")
    parser.add_argument(
        "--baseline", type=int, default=40, help="mentions a day in the 14 days before"
    )
    parser.add_argument("--one", choices=FORMATS, help=argparse.SUPPRESS)
    args = parse(
        parser, tiny={"runs": 1, "events": 50, "messages": 20, "mentions": 100, "baseline": 2}
    )

    if args.one:
        print(json.dumps(measure_one(args.one, args.runs)))
        return

    _setup()
    postmortem = _seed(args.events, args.messages, args.mentions, args.baseline)
    # Imported once Django is set up (_setup).
    from communications.models import InboundPost, Message
    from incidents.models import TimelineEvent

    incident_id = postmortem.incident_id
    events = TimelineEvent.objects.filter(incident_id=incident_id).count()
    messages = Message.objects.filter(incident_id=incident_id).count()
    mentions = InboundPost.objects.filter(incident_id=incident_id).count()
    results = []
    for chosen in FORMATS:
        child = subprocess.run(
            [sys.executable, __file__, "--one", chosen, "--runs", str(args.runs)],
            capture_output=True,
            text=True,
            check=False,
            env=os.environ,
        )
        if child.returncode:
            raise SystemExit(f"export benchmark: the {chosen} export failed:\n{child.stderr}")
        results.append(json.loads(child.stdout.strip().splitlines()[-1]))

    print()
    print(
        f"Postmortem export, {postmortem.incident.reference}: {events:,} timeline events, "
        f"{messages:,} messages, {mentions:,} mentions. Best of {args.runs}; each format "
        "in its own process."
    )
    print()
    print("| format | seconds | size | traced peak | RSS peak (growth) |")
    print("| --- | --- | --- | --- | --- |")
    for row in results:
        print(
            f"| {row['format']} | {row['seconds']:.2f} | {row['bytes'] / 1024:,.0f} KiB "
            f"| {row['traced_peak_mb']:.0f} MiB | {row['rss_peak_mb']:.0f} MiB "
            f"(+{row['rss_growth_mb']:.0f}) |"
        )
    for row in results:
        if row["progress_updates"]:
            print(
                f"\n{row['format']}: {row['progress_updates']} progress updates written on the "
                "job (at most one every half second per step)."
            )


if __name__ == "__main__":
    main()
