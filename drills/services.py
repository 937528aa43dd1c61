"""Recording a drill, and playing one: a scenario replayed into a drill account of its own, as
if its posts came from X, at real speed or faster.

A run's posts are the scenario's events laid out in time (a spike's posts spread over its
length), each with an id that depends only on the run and its place in the scenario
(``drill<run>-<n>``): playing a moment twice, a worker killed halfway, or two workers at once
store each post once. The run remembers how many posts it has played; the next play takes
the ones that have come due since, so posts arrive as they would from the poller, and the
listening measures the drill account like any other (a spike raises its alert, marked drill).

Nothing of a drill reaches X: its account is a drill account (always sandbox, whatever
credentials it is given), and every message of a drill incident is published in sandbox
(communications.messaging.publishers.publisher_for).
"""

import functools
import heapq
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from communications.accounts.models import SocialAccount
from communications.listening.alerts import alerts_evaluate
from communications.listening.mentions.services import mentions_store
from communications.listening.mentions.x_reader import FoundPost
from communications.listening.models import InboundPost
from config.errors import ApplicationError
from config.people import User
from config.permissions import MANAGE_DRILLS, require
from config.queue import enqueue
from incidents.models import Incident

from .models import Drill, DrillRun
from .scenario import Event, Scenario, scenario_read

SCENARIOS = Path(__file__).parent / "scenarios"
PLAY_TASK = "drills.tasks.drill_play"
SPEEDS = (1, 2, 5, 10, 20, 50, 100)
MAX_SPEED = 100
# A spike's posts come from many small accounts; their names are made from these.
CROWD = ("worried", "parent", "shopper", "reader", "local", "mum", "dad", "citizen")


@transaction.atomic
def drill_save(
    *,
    actor: User,
    drill: Drill | None = None,
    title: str | None = None,
    scenario: str | None = None,
    held_at: datetime | None = None,
    participants: Iterable[User | int] | None = None,
    findings: str | None = None,
    follow_ups: str | None = None,
) -> Drill:
    """Record a drill, or change one: what is left out (None) keeps what the drill has, so
    a page sending the whole form, the API sending one field and finishing a drill writing its
    findings all call this."""
    require(actor, MANAGE_DRILLS)
    drill = drill or Drill(created_by=actor)
    if title is not None:
        drill.title = title.strip()
    if scenario is not None:
        drill.scenario = scenario.strip()
    if held_at is not None:
        drill.held_at = held_at
    if findings is not None:
        drill.findings = findings.strip()
    if follow_ups is not None:
        drill.follow_ups = follow_ups.strip()
    if not drill.title:
        raise ApplicationError(_("Give the drill a title."), field="title")
    if not drill.scenario:
        raise ApplicationError(_("Describe the scenario that was played."), field="scenario")
    if drill.held_at is None:
        raise ApplicationError(_("Say when the drill was held."), field="held_at")
    drill.save()
    if participants is not None:
        drill.participants.set(list(participants))
    return drill


@dataclass(frozen=True)
class DrillPost(FoundPost):
    """A scenario's post: it has no page on X."""

    @property
    def url(self) -> str:
        return ""


@dataclass(frozen=True)
class Play:
    """One post of a scenario at its moment (scenario time, from the start)."""

    offset: timedelta
    author: str
    name: str
    followers: int
    text: str


# --- the scenarios shipped with the product -------------------------------------------------


@functools.cache
def scenarios_shipped() -> dict[str, Scenario]:
    """The scenarios that come with the product, by name (the file's name without .yaml)."""
    return {
        path.stem: scenario_read(path.read_bytes()) for path in sorted(SCENARIOS.glob("*.yaml"))
    }


def scenario_text(name: str) -> str:
    """The file of a shipped scenario; only names from the listing are read."""
    if name not in scenarios_shipped():
        raise ApplicationError(
            _("There is no scenario called “%(name)s”. Choose one of: %(names)s.")
            % {"name": name, "names": ", ".join(scenarios_shipped())},
            field="scenario",
        )
    return (SCENARIOS / f"{name}.yaml").read_text(encoding="utf-8")


# --- the scenario laid out in time ----------------------------------------------------------
#
# A run's posts are numbered in the order they arrive: by moment, then by the event's place in
# the scenario, then by their place in a spike. How many posts an event has before a moment is
# arithmetic, so post n is found from the events alone, and the posts after it are made one at
# a time as they are asked for: playing a moment never lays out the whole scenario.

MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True)
class _Timing:
    """An event's posts as whole microseconds after the start: post k of ``count`` comes at
    ``at + over * k // count`` (a spike spread evenly; any other event is one post at ``at``)."""

    at: int
    over: int
    count: int

    def offset(self, k: int) -> int:
        return self.at + self.over * k // self.count

    def before(self, moment: int) -> int:
        """How many of its posts come before ``moment``."""
        ahead = moment - self.at
        if ahead <= 0:
            return 0
        if self.over == 0:
            return self.count
        return min(self.count, -(-ahead * self.count // self.over))


def _timings(scenario: Scenario) -> list[_Timing]:
    return [
        _Timing(
            at=event.at // MICROSECOND,
            over=event.over // MICROSECOND if event.kind == "spike" else 0,
            count=event.count,
        )
        for event in scenario.events
    ]


def _place(timings: list[_Timing], n: int) -> tuple[int, int, int]:
    """Where post n (below the scenario's total) is: its moment, its event and its place in
    that event. The moment is the first one with more than n posts up to it (a search over the
    scenario's length); among the posts of that moment the events come in their order."""
    low, high = 0, max(timing.offset(timing.count - 1) for timing in timings)
    while low < high:
        middle = (low + high) // 2
        if sum(timing.before(middle + 1) for timing in timings) > n:
            high = middle
        else:
            low = middle + 1
    rank = n - sum(timing.before(low) for timing in timings)
    for index, timing in enumerate(timings):
        earlier = timing.before(low)
        there = timing.before(low + 1) - earlier
        if rank < there:
            return low, index, earlier + rank
        rank -= there
    raise ValueError(f"post {n} is past the scenario's end")


def _crowd_member(event_index: int, n: int) -> tuple[str, int]:
    """A spike's n-th author: a handle and a small reach, the same every time."""
    seed = zlib.crc32(f"{event_index}:{n}".encode())
    handle = f"{CROWD[seed % len(CROWD)]}_{seed % 100_000:05d}"
    return handle, 10 + seed % 600


def _play(event: Event, index: int, k: int, offset: int) -> Play:
    at = offset * MICROSECOND
    if event.kind != "spike":
        return Play(at, event.author, event.name, event.followers, event.text)
    author, followers = _crowd_member(index, k)
    return Play(at, author, "", followers, event.texts[k % len(event.texts)])


def plays(scenario: Scenario, start: int = 0) -> Iterator[Play]:
    """The scenario's posts from post ``start`` on, in the order they arrive (spikes spread
    evenly), each made when it is asked for."""
    if start >= scenario.posts:
        return
    timings = _timings(scenario)
    moment, first, first_k = _place(timings, start)
    # Each event's next post from post ``start`` on: at the moment of post ``start``, the
    # events before its own have played their posts already and the ones after it have not.
    upcoming = []
    for index, timing in enumerate(timings):
        if index < first:
            k = timing.before(moment + 1)
        elif index > first:
            k = timing.before(moment)
        else:
            k = first_k
        if k < timing.count:
            upcoming.append((timing.offset(k), index, k))
    heapq.heapify(upcoming)
    while upcoming:
        offset, index, k = upcoming[0]
        if k + 1 < timings[index].count:
            heapq.heapreplace(upcoming, (timings[index].offset(k + 1), index, k + 1))
        else:
            heapq.heappop(upcoming)
        yield _play(scenario.events[index], index, k, offset)


@functools.lru_cache(maxsize=32)
def _scenario_of(text: str) -> Scenario:
    return scenario_read(text, capped=False)


def run_scenario(run: DrillRun) -> Scenario:
    """The scenario a run plays (read once per process), as it was when the run started."""
    return _scenario_of(run.scenario_text)


def post_id(run: DrillRun, n: int) -> str:
    return f"drill{run.pk}-{n}"


# --- starting and playing -------------------------------------------------------------------


def _speed(speed: Any) -> int:
    if isinstance(speed, bool) or not isinstance(speed, int) or not 1 <= speed <= MAX_SPEED:
        raise ApplicationError(
            _("Play a drill at 1 to %(max)d times real speed.") % {"max": MAX_SPEED},
            field="speed",
        )
    return speed


def _drill_account(run: DrillRun, based_on: SocialAccount | None) -> SocialAccount:
    base = based_on.handle if based_on is not None else "brand"
    return SocialAccount.objects.create(
        handle=f"{base[:38]}.drill{run.pk}",
        display_name=_("%(name)s (drill)") % {"name": based_on.display_name or base}
        if based_on is not None
        else _("Drill account"),
        is_drill=True,
        auth_kind=SocialAccount.AuthKind.NONE,
    )


@transaction.atomic
def drill_start(
    *,
    actor: User,
    scenario: str,
    text: str | bytes | None = None,
    speed: int = 1,
    based_on: SocialAccount | None = None,
) -> DrillRun:
    """Start a drill: a drill record (Drill, where its findings will go), a drill account
    of its own standing in for ``based_on``, and its posts played from now on.

    ``scenario``: a shipped scenario's name, or the name of the uploaded file ``text``."""
    require(actor, MANAGE_DRILLS)
    speed = _speed(speed)
    if text is None:
        text = scenario_text(scenario)
    read = scenario_read(text)  # refuses what is not UTF-8 with its own message
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    name = " ".join((scenario or "").split())[:100] or _("uploaded scenario")
    if based_on is not None and (based_on.is_drill or not based_on.is_active):
        raise ApplicationError(
            _("Rehearse for an active brand account, not a drill account."), field="based_on"
        )
    now = timezone.now()
    drill = drill_save(
        actor=actor,
        title=read.title,
        scenario=_("%(summary)s\n\nPlayed from the scenario “%(name)s” at %(speed)d× speed.")
        % {"summary": read.summary or read.title, "name": name, "speed": speed},
        held_at=now,
        participants=[actor],
    )
    run = DrillRun.objects.create(
        drill=drill,
        scenario_name=name,
        scenario_text=text,
        speed=speed,
        based_on=based_on,
        started_by=actor,
        started_at=now,
    )
    run.account = _drill_account(run, based_on)
    run.save(update_fields=["account"])
    run_id = run.pk
    transaction.on_commit(lambda: enqueue(PLAY_TASK, run_id))
    return run


def drill_advance(run_id: int, *, now: datetime | None = None) -> float | None:
    """Store the run's posts that have come due by ``now`` (once each, whoever calls) and let
    the listening measure the drill account. Returns the seconds until the next post is due,
    or None when nothing more will come (all played, or the run finished)."""
    now = now or timezone.now()
    with transaction.atomic():
        run = (
            DrillRun.objects.select_for_update(of=("self",))
            .select_related("account")
            .filter(pk=run_id, status=DrillRun.Status.PLAYING)
            .first()
        )
        if run is None or run.account is None:
            return None
        elapsed = (now - run.started_at) * run.speed
        due: list[tuple[int, Play]] = []
        following: Play | None = None
        for n, play in enumerate(plays(run_scenario(run), run.posts_played), run.posts_played):
            if play.offset > elapsed:
                following = play
                break
            due.append((n, play))
        if due:
            mentions_store(
                account=run.account,
                posts=[
                    DrillPost(
                        external_id=post_id(run, n),
                        text=play.text,
                        author_id=f"drill:{play.author}",
                        author_handle=play.author,
                        author_name=play.name,
                        author_followers=play.followers,
                        posted_at=run.started_at + play.offset / run.speed,
                    )
                    for n, play in due
                ],
                origin=InboundPost.Origin.DRILL,
            )
            run.posts_played += len(due)
        if following is None:
            run.status = DrillRun.Status.PLAYED
            run.played_at = now
        run.save(update_fields=["posts_played", "status", "played_at"])
        account_id = run.account.pk
        wait = (
            None
            if following is None
            else max(0.0, (following.offset - elapsed).total_seconds() / run.speed)
        )
    if due:
        alerts_evaluate(end=now, account_ids=[account_id])
    return wait


def drills_advance(*, now: datetime | None = None) -> int:
    """Play every drill that is playing (the beat's task); returns how many were played."""
    ids = list(DrillRun.objects.filter(status=DrillRun.Status.PLAYING).values_list("pk", flat=True))
    for run_id in ids:
        drill_advance(run_id, now=now)
    return len(ids)


def drill_of_account(account: SocialAccount) -> DrillRun | None:
    """The run a drill account was made for."""
    if not account.is_drill:
        return None
    return DrillRun.objects.filter(account=account).first()


def drill_incident_attach(*, account: SocialAccount, incident: Incident) -> None:
    """The drill incident declared from an alert on a drill account is its drill's incident
    (the first one declared: a run keeps the incident it has)."""
    if account.is_drill:
        DrillRun.objects.filter(account=account, incident__isnull=True).update(incident=incident)
