"""A drill's scenario file: read from YAML or JSON, every problem said with where it is."""

import json
from datetime import timedelta

import pytest

from config.errors import ApplicationError
from drills.scenario import MAX_BYTES, scenario_read

GOOD = """
title: Batch 24-117 storm
language: en
severity: 2
summary: Parents say a batch made children sick.
events:
  - at: "0:00"
    kind: mention
    id: first
    author: "@foodwatch_tr"
    name: Food  Watch
    followers: 48200
    text: "@juicebrand is batch 24-117 safe??"
  - at: "8:00"
    kind: spike
    count: 80
    over: "10:00"
    texts: ["recall batch 24-117 now", "is @juicebrand safe?"]
  - at: "1:30"
    kind: reply
    reply_to: first
    author: worried_mum
    text: Same here, my son is sick
  - at: "4:00"
    kind: rumour
    author: gossip
    text: They found glass in the bottles!
    claim: There is glass in batch 24-117.
  - at: "1:06:00"
    kind: journalist
    author: newsdesk_live
    followers: 125000
    text: "@juicebrand do you have a statement?"
"""


def problems(text) -> list[str]:
    with pytest.raises(ApplicationError) as refused:
        scenario_read(text)
    assert refused.value.field == "scenario"
    return refused.value.message.splitlines()


def test_a_scenario_is_read_with_its_events_in_time_order():
    scenario = scenario_read(GOOD)
    assert (scenario.title, scenario.language, scenario.severity) == (
        "Batch 24-117 storm",
        "en",
        2,
    )
    assert [event.kind for event in scenario.events] == [
        "mention",
        "reply",
        "rumour",
        "spike",
        "journalist",
    ]
    first, reply, rumour, spike, journalist = scenario.events
    assert (first.author, first.name, first.followers) == ("foodwatch_tr", "Food Watch", 48200)
    assert reply.reply_to == "first"
    assert rumour.claim == "There is glass in batch 24-117."
    assert (spike.count, spike.over, len(spike.texts)) == (80, timedelta(minutes=10), 2)
    assert journalist.at == timedelta(hours=1, minutes=6)
    assert scenario.length == timedelta(hours=1, minutes=6)
    assert scenario.posts == 84


def test_json_reads_the_same():
    import yaml

    assert scenario_read(json.dumps(yaml.safe_load(GOOD))) == scenario_read(GOOD)


def test_every_problem_is_said_with_where_it_is():
    said = problems(
        """
title: ""
language: fr
events:
  - at: "2 minutes"
    kind: mention
    author: "not a handle!"
    text: hello
  - at: "3:00"
    kind: reply
    author: someone
    text: hi
  - at: "4:00"
    kind: quote
    reply_to: later
    author: someone
    text: look
  - at: "5:00"
    kind: rumour
    id: later
    author: someone
    text: no claim
  - at: "6:00"
    kind: spike
    count: 0
    texts: []
  - at: "7:00"
    kind: parade
"""
    )
    assert "title: This field may not be blank." in said
    assert any(line.startswith("language:") for line in said)
    assert "events[0].at: Give a time like 2:30 (minutes:seconds)." in said
    assert "events[0].author: An X handle has 1 to 15 letters, digits or underscores." in said
    assert "events[1].reply_to: Name the id of the event it answers." in said
    assert "events[3].claim: Say what the rumour claims." in said
    assert any(line.startswith("events[4].count:") for line in said)
    assert any(line.startswith("events[5].kind:") for line in said)


def test_a_reply_must_answer_an_earlier_event_and_ids_are_unique():
    said = problems(
        """
title: t
events:
  - {at: "1:00", kind: reply, reply_to: later, author: a, text: x}
  - {at: "2:00", kind: mention, id: later, author: b, text: y}
  - {at: "3:00", kind: mention, id: later, author: c, text: z}
"""
    )
    assert "events[0].reply_to: Name the id of an event that comes before it." in said
    assert "events[2].id: Another event has this id." in said


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("title: [unclosed", "not valid YAML or JSON (line 1"),
        ("- just\n- a list", "A scenario is a mapping"),
        ("", "A scenario is a mapping"),
        ("title: t\nevents: []", "events: This list may not be empty."),
        ("title: t\nevents: {at: 1}", "events: Give a list here."),
        ('title: t\nevents:\n  - {at: "25:00:00", kind: mention, author: a, text: b}', "24 hours"),
        ('title: t\nevents:\n  - {at: 0, kind: mention, author: a, text: "\\0"}', "NUL"),
        (
            'title: t\nevents:\n  - {at: "0:00", kind: mention, author: a, text: 5}',
            "events[0].text",
        ),
    ],
)
def test_a_file_that_is_not_a_scenario_is_refused_clearly(text, expected):
    assert any(expected in line for line in problems(text))


def test_aliases_and_huge_files_are_refused():
    bomb = 'a: &a ["x","x"]\nb: &b [*a,*a]\nc: &c [*b,*b]\ntitle: t\nevents: [*c]'
    assert "aliases" in problems(bomb)[0]
    assert "Keep a scenario under" in problems("x" * (MAX_BYTES + 1))[0]
    assert "UTF-8" in problems(b"title: \xff\xfe")[0]


def test_a_time_of_thousands_of_digits_is_refused_before_it_is_converted():
    """The issue's file: a 5,000-digit ``at`` (past what Python converts), and one of 20 digits
    (past what a timedelta holds)."""
    event = "title: t\nevents:\n  - {at: %s, kind: mention, author: a, text: b}"
    assert problems(event % ("9" * 5000)) == [
        "Line 3, column 10: a number has at most 20 digits in a scenario."
    ]
    for seconds in ("9" * 20, "86401"):
        assert problems(event % seconds) == ["events[0].at: A drill lasts at most 24 hours."]
    assert scenario_read(event % "86400").length == timedelta(hours=24)


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("title: t\nevents: " + "[" * 20_000 + "]" * 20_000, "Line 2, column 28"),
        ('{"title": "t", "events": ' + "[" * 20_000 + "]" * 20_000 + "}", "Line 1, column 45"),
        ("title: t\nevents:\n  " + "- " * 20_000 + "x", "Line 3, column 41"),
    ],
    ids=["YAML", "JSON", "YAML blocks"],
)
def test_nesting_thousands_deep_is_refused_saying_where(text, where):
    assert problems(text) == [f"{where}: lists and mappings nest at most 20 deep in a scenario."]


def test_what_yaml_reads_as_a_date_or_a_number_must_be_one():
    assert problems("title: 2026-02-30\nevents: []") == [
        "Line 1, column 8: “2026-02-30” looks like a date or a number but is not one."
    ]
    assert problems("title: !!float abc\nevents: []") == [
        "Line 1, column 8: “abc” looks like a date or a number but is not one."
    ]


def spikes(*counts: int, singles: int = 0) -> str:
    """A scenario of spikes of these sizes, then ``singles`` mentions."""
    lines = ["title: Storm", "events:"]
    lines += [
        f"  - {{at: {i}, kind: spike, count: {count}, over: '5:00', texts: [a, b]}}"
        for i, count in enumerate(counts)
    ]
    lines += [
        f'  - {{at: "9:{i % 60:02d}", kind: mention, author: a{i}, text: hi}}'
        for i in range(singles)
    ]
    return "\n".join(lines)


def test_a_scenario_holds_at_most_20000_posts_and_the_refusal_says_where_they_come_from():
    """The issue's file: 2,000 spikes of 5,000 posts, 10 million posts in about 120 KB."""
    storm = spikes(*[5_000] * 2_000)
    assert len(storm.encode()) < 150_000
    assert problems(storm) == [
        "events: A scenario holds at most 20,000 posts in all; this one holds 10,000,000: "
        "10,000,000 from spikes (the biggest: events[0].count 5,000, events[1].count 5,000, "
        "events[2].count 5,000)."
    ]
    assert problems(spikes(100, 5_000, 200, 5_000, 5_000, 4_699, singles=2)) == [
        "events: A scenario holds at most 20,000 posts in all; this one holds 20,001: "
        "19,999 from spikes (the biggest: events[1].count 5,000, events[3].count 5,000, "
        "events[4].count 5,000) and 2 from events of one post each."
    ]
    assert scenario_read(spikes(5_000, 5_000, 5_000, 4_998, singles=2)).posts == 20_000


def test_the_most_posts_a_scenario_holds_is_a_setting(settings):
    settings.DRILL_MAX_POSTS = 10
    assert problems(spikes(singles=11)) == [
        "events: A scenario holds at most 10 posts in all; this one holds 11: "
        "11 from events of one post each."
    ]
    assert scenario_read(spikes(9, singles=1)).posts == 10


@pytest.mark.parametrize("name", ["product_safety_en.yaml", "misleading_campaign_tr.yaml"])
def test_the_shipped_scenarios_are_valid(name):
    from pathlib import Path

    import drills

    text = (Path(drills.__file__).parent / "scenarios" / name).read_text()
    scenario = scenario_read(text)
    kinds = {event.kind for event in scenario.events}
    # Each rehearses the whole storm: a post, replies or quotes, a rumour, a journalist, a spike.
    assert kinds >= {"mention", "rumour", "journalist", "spike"}
    assert kinds & {"reply", "quote"}
    assert scenario.posts >= 50
    assert timedelta(minutes=10) <= scenario.length <= timedelta(minutes=30)
