"""Playing a drill: a scenario replayed into a drill account of its own, as if its posts came
from X, at real speed or faster.

A run's posts are the scenario's events laid out in time (a spike's posts spread over its
length), each with an id that depends only on the run and its place in the scenario
(``drill<run>-<n>``): playing a moment twice, a worker killed halfway, or two workers at once
store each post once. The run remembers how many posts it has played; the next play takes
the ones that have come due since, so posts arrive as they would from the poller, and the
listening measures the drill account like any other (a spike raises its alert, marked drill).

Nothing of a drill reaches X: its account is a drill account (always sandbox, whatever
credentials it is given), and every message of a drill incident is published in sandbox
(communications.publishers.publisher_for).
"""

import functools
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from communications.listening.alerts import alerts_evaluate
from communications.mentions.services import mentions_store
from communications.mentions.x_reader import FoundPost
from communications.models import DrillRun, InboundPost, SocialAccount
from config.errors import ApplicationError
from config.permissions import MANAGE_DRILLS, require
from config.queue import enqueue
from teams.services import drill_save

from .scenario import Scenario, scenario_read

User = Any  # an instance of the user model
SCENARIOS = Path(__file__).parent / "scenarios"
PLAY_TASK = "communications.tasks.drill_play"
SPEEDS = (1, 2, 5, 10, 20, 50, 100)
MAX_SPEED = 100
# A spike's posts come from many small accounts; their names are made from these.
CROWD = ("worried", "parent", "shopper", "reader", "local", "mum", "dad", "citizen")


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


def _crowd_member(event_index: int, n: int) -> tuple[str, int]:
    """A spike's n-th author: a handle and a small reach, the same every time."""
    seed = zlib.crc32(f"{event_index}:{n}".encode())
    handle = f"{CROWD[seed % len(CROWD)]}_{seed % 100_000:05d}"
    return handle, 10 + seed % 600


def plays(scenario: Scenario) -> list[Play]:
    """Every post of the scenario in the order it arrives (spikes spread evenly)."""
    laid_out: list[tuple[timedelta, int, int, Play]] = []
    for index, event in enumerate(scenario.events):
        if event.kind != "spike":
            laid_out.append(
                (
                    event.at,
                    index,
                    0,
                    Play(event.at, event.author, event.name, event.followers, event.text),
                )
            )
            continue
        for n in range(event.count):
            at = event.at + event.over * n / event.count
            author, followers = _crowd_member(index, n)
            text = event.texts[n % len(event.texts)]
            laid_out.append((at, index, n, Play(at, author, "", followers, text)))
    laid_out.sort(key=lambda item: item[:3])
    return [play for *_order, play in laid_out]


@functools.lru_cache(maxsize=32)
def _scenario_of(text: str) -> Scenario:
    return scenario_read(text)


@functools.lru_cache(maxsize=32)
def _plays_of(text: str) -> tuple[Play, ...]:
    return tuple(plays(_scenario_of(text)))


def run_scenario(run: DrillRun) -> Scenario:
    """The scenario a run plays (read once per process)."""
    return _scenario_of(run.scenario_text)


def run_plays(run: DrillRun) -> tuple[Play, ...]:
    return _plays_of(run.scenario_text)


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
    """Start a drill: a drill record (teams.Drill, where its findings will go), a drill account
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
        every = run_plays(run)
        elapsed = (now - run.started_at) * run.speed
        due = []
        for n in range(run.posts_played, len(every)):
            if every[n].offset > elapsed:
                break
            due.append((n, every[n]))
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
        if run.posts_played >= len(every):
            run.status = DrillRun.Status.PLAYED
            run.played_at = now
        run.save(update_fields=["posts_played", "status", "played_at"])
        account_id = run.account.pk
        wait = (
            None
            if run.status != DrillRun.Status.PLAYING
            else max(0.0, (every[run.posts_played].offset - elapsed).total_seconds() / run.speed)
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
