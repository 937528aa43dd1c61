"""A drill's scenario: a file (YAML, or JSON, which YAML reads too) of timed events replayed
as if they came from X. Read once, validated with a message per problem that names where it
is ("events[3].author: …"), so whoever writes one can fix it without reading code.

    title: Batch 24-117 storm            # required
    language: en                          # en or tr
    severity: 2                           # the drill incident's (1 critical … 4 watch)
    summary: Parents say a batch made children sick.
    events:
      - at: "0:00"                        # minutes:seconds (or h:mm:ss) after the start
        kind: mention                     # mention, reply, quote, rumour, journalist, spike
        id: first                         # optional: what later events refer to
        author: foodwatch_tr              # an X handle (the @ may be written)
        name: Food Watch
        followers: 48200
        text: "@juicebrand is batch 24-117 safe??"
      - at: "1:30"
        kind: reply                       # reply and quote name the event they answer
        reply_to: first
        author: worried_mum
        text: "Same here, my son is sick"
      - at: "4:00"
        kind: rumour                      # a post that carries a claim to verify
        author: gossip
        text: "They found glass in the bottles!"
        claim: There is glass in batch 24-117.
      - at: "6:00"
        kind: journalist                  # asks for comment
        author: newsdesk_live
        followers: 125000
        text: "@juicebrand do you have a statement?"
      - at: "8:00"
        kind: spike                       # many posts at once
        count: 80
        over: "10:00"                     # spread over this long
        texts: ["recall batch 24-117 now", "is @juicebrand safe?"]
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import yaml
from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import serializers

from config.errors import ApplicationError
from config.rest import InputSerializer

MAX_BYTES = 1_000_000
MAX_EVENTS = 2_000
MAX_SPIKE = 5_000
LONGEST = timedelta(hours=24)
MAX_NESTING = 20  # lists and mappings inside each other
MAX_NUMBER = 20  # characters of a number
KINDS = ("mention", "reply", "quote", "rumour", "journalist", "spike")
LANGUAGES = ("en", "tr")
HANDLE = re.compile(r"^[A-Za-z0-9_]{1,15}$")
CLOCK = re.compile(r"^(?:(?P<h>\d{1,2}):)?(?P<m>\d{1,4}):(?P<s>[0-5]\d)$")


@dataclass(frozen=True)
class Event:
    at: timedelta
    kind: str
    id: str = ""
    author: str = ""
    name: str = ""
    followers: int = 0
    text: str = ""
    reply_to: str = ""  # the id of the event a reply or quote answers
    claim: str = ""  # what a rumour claims
    count: int = 1  # a spike's posts
    over: timedelta = timedelta(0)  # a spike's spread
    texts: tuple[str, ...] = ()  # a spike's texts, used in turn


@dataclass(frozen=True)
class Scenario:
    title: str
    language: str
    severity: int
    summary: str
    events: tuple[Event, ...] = field(default_factory=tuple)

    @property
    def length(self) -> timedelta:
        return max((event.at + event.over for event in self.events), default=timedelta(0))

    @property
    def posts(self) -> int:
        return sum(event.count if event.kind == "spike" else 1 for event in self.events)


def clock(moment: timedelta) -> str:
    """A time after the start as a scenario writes it: minutes:seconds ("90:05")."""
    seconds = int(moment.total_seconds())
    return f"{seconds // 60}:{seconds % 60:02d}"


def _clock(value: Any) -> timedelta:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise serializers.ValidationError(_("Give a time like 2:30 (minutes:seconds)."))
    if isinstance(value, int):
        if value < 0:
            raise serializers.ValidationError(_("Give a time like 2:30 (minutes:seconds)."))
        # Compared before converting: a timedelta overflows on a number of 15 digits.
        if value > LONGEST // timedelta(seconds=1):
            raise serializers.ValidationError(_("A drill lasts at most 24 hours."))
        return timedelta(seconds=value)
    match = CLOCK.match(value.strip())
    if not match:
        raise serializers.ValidationError(_("Give a time like 2:30 (minutes:seconds)."))
    return timedelta(hours=int(match["h"] or 0), minutes=int(match["m"]), seconds=int(match["s"]))


class ClockField(serializers.Field):
    """minutes:seconds, h:mm:ss, or a whole number of seconds."""

    def to_internal_value(self, data: Any) -> timedelta:
        moment = _clock(data)
        if moment > LONGEST:
            raise serializers.ValidationError(_("A drill lasts at most 24 hours."))
        return moment

    def to_representation(self, value: timedelta) -> str:
        return clock(value)


class HandleField(serializers.CharField):
    def to_internal_value(self, data: Any) -> str:
        handle = super().to_internal_value(data).lstrip("@")
        if not HANDLE.match(handle):
            raise serializers.ValidationError(
                _("An X handle has 1 to 15 letters, digits or underscores.")
            )
        return handle


class EventSerializer(InputSerializer):
    at = ClockField()
    kind = serializers.ChoiceField(choices=KINDS)
    id = serializers.SlugField(max_length=50, required=False, default="")
    author = HandleField(max_length=16, required=False, default="")
    name = serializers.CharField(max_length=100, required=False, default="")
    followers = serializers.IntegerField(
        min_value=0, max_value=2**31 - 1, required=False, default=0
    )
    text = serializers.CharField(max_length=1000, required=False, default="")
    reply_to = serializers.SlugField(max_length=50, required=False, default="")
    claim = serializers.CharField(max_length=500, required=False, default="")
    count = serializers.IntegerField(min_value=1, max_value=MAX_SPIKE, required=False, default=1)
    over = ClockField(required=False, default=timedelta(0))
    texts = serializers.ListField(
        child=serializers.CharField(max_length=1000),
        max_length=50,
        required=False,
        default=list,
    )

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        kind = data["kind"]
        if kind == "spike":
            if not data["texts"]:
                raise serializers.ValidationError({"texts": [_("A spike needs its texts.")]})
            return data
        problems: dict[str, list[str]] = {}
        if not data["author"]:
            problems["author"] = [_("Say who posts it (an X handle).")]
        if not data["text"]:
            problems["text"] = [_("Give the post's text.")]
        if kind in ("reply", "quote") and not data["reply_to"]:
            problems["reply_to"] = [_("Name the id of the event it answers.")]
        if kind == "rumour" and not data["claim"]:
            problems["claim"] = [_("Say what the rumour claims.")]
        if problems:
            raise serializers.ValidationError(problems)
        return data


class ScenarioSerializer(InputSerializer):
    title = serializers.CharField(max_length=200)
    language = serializers.ChoiceField(choices=LANGUAGES, required=False, default="en")
    severity = serializers.IntegerField(min_value=1, max_value=4, required=False, default=2)
    summary = serializers.CharField(max_length=2000, required=False, default="")
    events = serializers.ListField(
        child=EventSerializer(), allow_empty=False, max_length=MAX_EVENTS
    )

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        seen: dict[str, timedelta] = {}
        problems: list[dict[str, list[str]]] = []
        for event in data["events"]:
            problem: dict[str, list[str]] = {}
            if event["id"] and event["id"] in seen:
                problem["id"] = [_("Another event has this id.")]
            target = event["reply_to"]
            if target and (target not in seen or seen[target] > event["at"]):
                problem["reply_to"] = [_("Name the id of an event that comes before it.")]
            if event["at"] + event["over"] > LONGEST:
                problem["over"] = [_("A drill lasts at most 24 hours.")]
            if event["id"]:
                seen.setdefault(event["id"], event["at"])
            problems.append(problem)
        if any(problems):
            raise serializers.ValidationError({"events": problems})
        most = self.context.get("most_posts")
        too_many = _too_many_posts(data["events"], most) if most is not None else ""
        if too_many:
            raise serializers.ValidationError({"events": [too_many]})
        return data


def _too_many_posts(events: list[dict[str, Any]], most: int) -> str:
    """What is wrong with the scenario's number of posts, saying where they come from (its
    biggest spikes first); "" when a drill may play them all. Each post is a mention stored
    and put before the team: a drill is the size of a storm, not of the whole network."""
    spikes = sorted(
        ((event["count"], index) for index, event in enumerate(events) if event["kind"] == "spike"),
        key=lambda spike: (-spike[0], spike[1]),
    )
    in_spikes = sum(count for count, _index in spikes)
    singles = len(events) - len(spikes)
    if in_spikes + singles <= most:
        return ""
    parts = []
    if spikes:
        biggest = ", ".join(f"events[{index}].count {count:,}" for count, index in spikes[:3])
        parts.append(
            _("%(posts)s from spikes (the biggest: %(biggest)s)")
            % {"posts": f"{in_spikes:,}", "biggest": biggest}
        )
    if singles:
        parts.append(_("%(posts)s from events of one post each") % {"posts": f"{singles:,}"})
    return _(
        "A scenario holds at most %(most)s posts in all; this one holds %(total)s: %(parts)s."
    ) % {"most": f"{most:,}", "total": f"{in_spikes + singles:,}", "parts": _(" and ").join(parts)}


class _Refused(yaml.YAMLError):
    """What a scenario's YAML may not hold, with where it is (a mark of PyYAML's)."""

    def __init__(self, problem: str, mark: Any) -> None:
        super().__init__(problem)
        self.problem = problem
        self.line = mark.line + 1
        self.column = mark.column + 1


class _ScenarioLoader(yaml.SafeLoader):
    """YAML as a scenario may write it, refused where it is otherwise:

    - no anchors and aliases: a few lines could otherwise expand into millions;
    - lists and mappings at most MAX_NESTING inside each other: each level takes a level of
      Python's stack to read, and thousands exhaust it;
    - numbers of at most MAX_NUMBER characters: no field takes a longer one, and Python
      refuses to convert one of more than 4,300 digits;
    - what YAML reads as a date or a number must be one (2026-02-30 is not)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.nesting = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            raise _Refused(_("aliases (*name) are not allowed in a scenario"), event.start_mark)
        if not isinstance(event, yaml.CollectionStartEvent):
            return super().compose_node(parent, index)
        if self.nesting == MAX_NESTING:
            raise _Refused(
                _("lists and mappings nest at most %(most)d deep in a scenario")
                % {"most": MAX_NESTING},
                event.start_mark,
            )
        self.nesting += 1
        node = super().compose_node(parent, index)
        self.nesting -= 1
        return node

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        if len(node.value) > MAX_NUMBER:
            raise _Refused(
                _("a number has at most %(most)d digits in a scenario") % {"most": MAX_NUMBER},
                node.start_mark,
            )
        return super().construct_yaml_int(node)

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except (ValueError, OverflowError):
            text = str(node.value)
            raise _Refused(
                _("“%(value)s” looks like a date or a number but is not one")
                % {"value": text if len(text) <= 40 else f"{text[:40]}…"},
                node.start_mark,
            ) from None


_ScenarioLoader.add_constructor("tag:yaml.org,2002:int", _ScenarioLoader.construct_yaml_int)


def _where(errors: Any, path: str = "") -> list[str]:
    """DRF's nested errors as lines that say where: "events[2].author: …"."""
    if isinstance(errors, Mapping):
        lines = []
        for name, value in errors.items():
            if isinstance(name, int):  # a list's item, by its index
                lines += _where(value, f"{path}[{name}]")
                continue
            place = name if name != "non_field_errors" else ""
            lines += _where(value, f"{path}.{place}" if path and place else path or place)
        return lines
    if isinstance(errors, list) and errors and all(isinstance(e, str) for e in errors):
        return [f"{path}: {message}" if path else str(message) for message in errors]
    if isinstance(errors, list):
        lines = []
        for index, value in enumerate(errors):
            if value:
                lines += _where(value, f"{path}[{index}]")
        return lines
    return [f"{path}: {errors}" if path else str(errors)]


def scenario_read(text: str | bytes, *, capped: bool = True) -> Scenario:
    """The scenario a file holds, or ApplicationError (field "scenario") listing every problem
    with where it is. ``capped``: it holds at most DRILL_MAX_POSTS posts (a run's own scenario
    is read again without: it was measured when the run started, like a frozen policy, and a
    cap lowered since does not stop a drill that is playing)."""
    if isinstance(text, bytes):
        if len(text) > MAX_BYTES:
            raise ApplicationError(too_big(), field="scenario")
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise ApplicationError(
                _("Save the scenario as UTF-8 text."), field="scenario"
            ) from None
    if len(text.encode("utf-8")) > MAX_BYTES:
        raise ApplicationError(too_big(), field="scenario")
    try:
        data = yaml.load(text, Loader=_ScenarioLoader)  # noqa: S506 (a SafeLoader, narrowed)
    except _Refused as exc:
        raise ApplicationError(
            _("Line %(line)d, column %(column)d: %(problem)s.")
            % {"line": exc.line, "column": exc.column, "problem": exc.problem},
            field="scenario",
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ApplicationError(
            _("The scenario is not valid YAML or JSON%(where)s: %(problem)s")
            % {"where": where, "problem": problem},
            field="scenario",
        ) from None
    if not isinstance(data, Mapping):
        raise ApplicationError(
            _("A scenario is a mapping with a title and its events."), field="scenario"
        )
    checked = ScenarioSerializer(
        data=data, context={"most_posts": settings.DRILL_MAX_POSTS if capped else None}
    )
    if not checked.is_valid():
        raise ApplicationError("\n".join(_where(checked.errors)), field="scenario")
    valid = checked.validated_data
    events = sorted(
        (
            Event(
                at=event["at"],
                kind=event["kind"],
                id=event["id"],
                author=event["author"],
                name=" ".join(event["name"].split()),
                followers=event["followers"],
                text=event["text"],
                reply_to=event["reply_to"],
                claim=event["claim"],
                count=event["count"] if event["kind"] == "spike" else 1,
                over=event["over"],
                texts=tuple(event["texts"]),
            )
            for event in valid["events"]
        ),
        key=lambda event: event.at,
    )
    return Scenario(
        title=" ".join(valid["title"].split()),
        language=valid["language"],
        severity=valid["severity"],
        summary=valid["summary"],
        events=tuple(events),
    )


def too_big() -> str:
    return _("Keep a scenario under %(size)d bytes.") % {"size": MAX_BYTES}
