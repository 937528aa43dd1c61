"""Playing a drill: its scenario's posts replayed into a drill account of its own, once each,
at their moment; its spike raising a drill alert; its incident a DRILL; nothing reaching X."""

import threading
import tracemalloc
from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import close_old_connections
from django.utils import timezone

from communications.listening import alerts
from communications.messaging import publishing
from communications.messaging.services import approvals
from communications.messaging.services import messages as message_services
from communications.models import Alert, InboundPost, Message, SocialAccount
from config.errors import ApplicationError, NotPermitted
from drills import services as drills
from drills.models import DrillRun
from drills.scenario import Event, Scenario, scenario_read
from tests.communications.factories import SocialAccountFactory

SCENARIO = """
title: Batch storm
summary: A parent posts; a crowd follows.
events:
  - at: "0:00"
    kind: mention
    id: first
    author: parent_one
    followers: 2300
    text: "@juicebrand my kids are sick after batch 24-117"
  - at: "1:00"
    kind: rumour
    author: gossip
    followers: 86000
    text: "Glass in the 24-117 bottles!"
    claim: Glass was found in the bottles.
  - at: "2:00"
    kind: spike
    count: 40
    over: "4:00"
    texts: ["recall batch 24-117 now", "is batch 24-117 safe?"]
  - at: "10:00"
    kind: journalist
    author: newsdesk_live
    followers: 125000
    text: "@juicebrand do you have a statement?"
"""


def start(actor, speed=1, based_on=None, text=SCENARIO):
    return drills.drill_start(
        actor=actor, scenario="batch", text=text, speed=speed, based_on=based_on
    )


def started_ago(run, seconds):
    """The run as if it had started ``seconds`` ago (its moments then lie in the past)."""
    DrillRun.objects.filter(pk=run.pk).update(
        started_at=timezone.now() - timedelta(seconds=seconds)
    )
    run.refresh_from_db()
    return run


def at(run, seconds):
    return run.started_at + timedelta(seconds=seconds)


@pytest.mark.django_db
def test_a_scenario_is_laid_out_in_time_with_its_spike_spread_and_the_same_every_time():
    plays = list(drills.plays(scenario_read(SCENARIO)))
    assert len(plays) == 43
    assert [p.offset for p in plays] == sorted(p.offset for p in plays)
    spike = plays[2:42]
    assert spike[0].offset == timedelta(minutes=2)
    assert spike[-1].offset == timedelta(minutes=2) + timedelta(minutes=4) * 39 / 40
    assert len({p.author for p in spike}) > 30
    assert plays == list(drills.plays(scenario_read(SCENARIO)))


def storm(n: int) -> str:
    """4n posts: spikes of n that overlap, one with all its posts at once, one whose posts share
    microseconds, and posts of different events at the same moment."""
    return f"""
title: The biggest storm a drill plays
events:
  - {{at: "0:00", kind: mention, id: first, author: parent_one, text: "@juicebrand sick kids"}}
  - {{at: "0:30", kind: spike, count: {n}, over: "10:00", texts: ["recall now", "is it safe?"]}}
  - {{at: "1:00", kind: spike, count: {n}, over: "20:00", texts: ["boycott", "shame", "why"]}}
  - {{at: "5:00", kind: spike, count: {n}, texts: ["all at once"]}}
  - {{at: "5:00", kind: reply, reply_to: first, author: worried_mum, text: "Same here"}}
  - {{at: "6:00", kind: spike, count: {n - 3}, over: "0:01", texts: ["fast"]}}
  - {{at: "30:00", kind: journalist, author: newsdesk_live, text: "Comment?"}}
"""


AT_THE_CAP = storm(5_000)


def laid_out(scenario: Scenario) -> list[drills.Play]:
    """Every post of the scenario made and sorted: by moment, then the event's place in the
    scenario, then the post's place in its spike (what the replay promises, said slowly)."""
    every = []
    for index, event in enumerate(scenario.events):
        for k in range(event.count):
            offset = event.at + timedelta(
                microseconds=event.over // timedelta(microseconds=1) * k // event.count
            )
            if event.kind == "spike":
                author, followers = drills._crowd_member(index, k)
                play = drills.Play(offset, author, "", followers, event.texts[k % len(event.texts)])
            else:
                play = drills.Play(offset, event.author, event.name, event.followers, event.text)
            every.append((offset, index, k, play))
    return [play for *_order, play in sorted(every, key=lambda item: item[:3])]


def crowd_made(monkeypatch) -> list[tuple[int, int]]:
    """The spike posts made from now on, by (event, place in the spike)."""
    made: list[tuple[int, int]] = []
    crowd_member = drills._crowd_member

    def counted(event_index: int, n: int) -> tuple[str, int]:
        made.append((event_index, n))
        return crowd_member(event_index, n)

    monkeypatch.setattr(drills, "_crowd_member", counted)
    return made


def test_post_n_is_the_nth_of_the_scenario_laid_out_whichever_post_playing_starts_from():
    scenario = scenario_read(AT_THE_CAP)
    every = laid_out(scenario)
    assert len(every) == scenario.posts == 20_000
    assert list(drills.plays(scenario)) == every
    for n in (1, 2, 3, 2_000, 5_001, 5_002, 9_999, 12_345, 15_003, 19_998, 19_999):
        assert list(drills.plays(scenario, n)) == every[n:], n
    assert list(drills.plays(scenario, 20_000)) == []
    # The posts of one moment keep the events' order: a post of each spread spike, the spike
    # all at once, then the reply.
    at_five = [play.text for play in every if play.offset == timedelta(minutes=5)]
    assert at_five == ["recall now", "shame", *["all at once"] * 5000, "Same here"]


def test_asking_for_post_n_makes_that_post_and_not_the_ones_before_it(monkeypatch):
    scenario = Scenario(
        title="Four spikes",
        language="en",
        severity=2,
        summary="",
        events=tuple(
            Event(
                at=timedelta(minutes=i),
                kind="spike",
                count=5_000,
                over=timedelta(hours=1),
                texts=("recall now",),
            )
            for i in range(4)
        ),
    )
    made = crowd_made(monkeypatch)
    tracemalloc.start()
    try:
        last = next(drills.plays(scenario, 19_999))
        _now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert made == [(3, 4_999)]
    assert last.offset == timedelta(minutes=3) + timedelta(hours=1) * 4_999 / 5_000
    # The 20,000 posts made would take megabytes; finding the last one takes a few numbers.
    assert peak < 64 * 1024


@pytest.mark.django_db
def test_starting_makes_the_drill_record_and_a_drill_account_standing_in_for_the_brand(
    manager,
):
    brand = SocialAccountFactory.create(handle="juicebrand")
    run = start(manager, speed=10, based_on=brand)
    assert run.account is not None
    assert run.account.is_drill
    assert run.account.is_sandbox
    assert run.account.handle == f"juicebrand.drill{run.pk}"
    assert run.account.credentials_encrypted == ""
    assert run.drill.title == "Batch storm"
    assert "at 10× speed" in run.drill.scenario
    assert list(run.drill.participants.all()) == [manager]
    assert run.status == DrillRun.Status.PLAYING
    assert run.scenario_text == SCENARIO


@pytest.mark.django_db
def test_posts_arrive_at_their_moment_once_each_however_often_it_plays(manager):
    run = start(manager, speed=10)
    # 2 minutes of scenario time have passed after 12 s at 10× speed: the mention, the
    # rumour and the spike's first post.
    wait = drills.drill_advance(run.pk, now=at(run, 12))
    posts = InboundPost.objects.filter(account=run.account).order_by("posted_at", "external_id")
    assert [p.external_id for p in posts] == [f"drill{run.pk}-{n}" for n in range(3)]
    assert posts[0].posted_at == run.started_at
    assert posts[1].posted_at == at(run, 6)  # 1:00 at 10×
    assert posts[0].origin == InboundPost.Origin.DRILL
    assert posts[0].url == ""
    assert posts[1].author_followers == 86000
    assert wait == pytest.approx(0.6)  # the spike's next post: 6 s of scenario time away
    assert drills.drill_advance(run.pk, now=at(run, 12)) == pytest.approx(0.6)
    assert posts.count() == 3
    run.refresh_from_db()
    assert run.posts_played == 3


@pytest.mark.django_db
def test_a_drill_played_late_stores_what_came_due_at_its_own_moments(manager):
    run = start(manager, speed=1)
    assert drills.drill_advance(run.pk, now=at(run, 3600)) is None
    run.refresh_from_db()
    assert run.status == DrillRun.Status.PLAYED
    assert run.posts_played == 43
    last = InboundPost.objects.filter(account=run.account).latest("posted_at")
    assert last.posted_at == at(run, 600)
    assert drills.drill_advance(run.pk, now=at(run, 7200)) is None
    assert InboundPost.objects.filter(account=run.account).count() == 43


@pytest.mark.django_db(transaction=True)
def test_two_workers_playing_the_same_moment_store_each_post_once(manager):
    run = start(manager, speed=10)
    barrier = threading.Barrier(2)

    def play():
        try:
            barrier.wait()
            drills.drill_advance(run.pk, now=at(run, 40))
        finally:
            close_old_connections()

    threads = [threading.Thread(target=play) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    run.refresh_from_db()
    stored = InboundPost.objects.filter(account=run.account).count()
    assert stored == run.posts_played == 42


@pytest.mark.django_db
def test_the_spike_raises_one_drill_alert_and_declaring_it_makes_a_drill_incident(
    manager, responder
):
    run = started_ago(start(manager, speed=1), 7 * 60)
    drills.drill_advance(run.pk, now=at(run, 6 * 60))
    drills.drill_advance(run.pk, now=at(run, 7 * 60))
    [alert] = Alert.objects.filter(account=run.account)
    assert alert.posts >= 20
    assert alert.account.is_drill
    incident = alerts.alert_declare(actor=manager, alert=alert)
    assert incident.is_drill
    assert incident.reference.startswith(f"DRILL-{timezone.now().year}-")
    run.refresh_from_db()
    assert run.incident == incident
    assert incident.events.filter(kind="declared").get().text.startswith("Declared a drill")
    assert InboundPost.objects.filter(incident=incident).exists()


@pytest.mark.django_db
def test_drill_numbers_are_their_own_and_take_none_from_the_incidents(manager):
    from incidents.services import incident_create

    real = incident_create(actor=manager, title="Real", severity=3)
    first = incident_create(actor=manager, title="Drill", severity=3, is_drill=True)
    second = incident_create(actor=manager, title="Drill", severity=3, is_drill=True)
    after = incident_create(actor=manager, title="Real again", severity=3)
    year = timezone.now().year
    assert first.reference == f"DRILL-{year}-0001"
    assert second.reference == f"DRILL-{year}-0002"
    assert int(after.reference.rsplit("-", 1)[1]) == int(real.reference.rsplit("-", 1)[1]) + 1


@pytest.mark.django_db
def test_a_drill_on_a_credentialed_account_never_reaches_x(
    fake_x, manager, manager2, responder, django_capture_on_commit_callbacks
):
    """The drill stands in for a brand account with working credentials; its posts arrive,
    its alert is declared, a statement written for the brand account itself is approved by
    two managers and published: in sandbox, and the fake X sees no request at all."""
    brand = SocialAccountFactory.create(handle="juicebrand")
    run = started_ago(start(manager, speed=1, based_on=brand), 7 * 60)
    drills.drill_advance(run.pk, now=at(run, 7 * 60))
    alerts.alerts_evaluate(end=at(run, 7 * 60))
    incident = alerts.alert_declare(
        actor=manager, alert=Alert.objects.get(account=run.account), severity=1
    )
    message = message_services.message_create(
        actor=responder, incident=incident, account=brand, body="We are looking into it."
    )
    message_services.message_submit(actor=responder, message=message)
    approvals.message_approve(actor=manager, message=message)
    approvals.message_approve(actor=manager2, message=message)
    message.refresh_from_db()
    assert message.approvals_required == 2
    assert message.status == Message.Status.APPROVED
    with django_capture_on_commit_callbacks(execute=True):
        assert publishing.publish(message.pk) == "published"
    message.refresh_from_db()
    assert message.status == Message.Status.PUBLISHED
    assert message.sandbox is True
    assert message.external_url == ""
    assert fake_x.requests == []


@pytest.mark.django_db
def test_a_real_incident_cannot_speak_through_a_drill_account(manager, responder):
    from tests.communications.drafting import declare

    run = start(manager)
    with pytest.raises(ApplicationError) as refused:
        message_services.message_create(
            actor=responder, incident=declare(responder), account=run.account, body="Hello"
        )
    assert refused.value.field == "account"
    assert "drill account" in refused.value.message


@pytest.mark.django_db
def test_a_drill_account_stays_sandbox_whatever_credentials_it_is_given(manager):
    run = start(manager)
    assert run.account is not None
    keyed = SocialAccountFactory.create()
    SocialAccount.objects.filter(pk=run.account.pk).update(
        auth_kind=keyed.auth_kind, credentials_encrypted=keyed.credentials_encrypted
    )
    run.account.refresh_from_db()
    assert run.account.is_sandbox


@pytest.mark.django_db
def test_starting_is_refused_without_the_right_or_with_a_bad_speed_or_scenario(manager, responder):
    with pytest.raises(NotPermitted):
        start(responder)
    for speed in (0, 101, True, "10"):
        with pytest.raises(ApplicationError) as refused:
            start(manager, speed=speed)
        assert refused.value.field == "speed"
    for name in ("../../etc/passwd", "product_safety_en.yaml", ""):
        with pytest.raises(ApplicationError) as refused:
            drills.drill_start(actor=manager, scenario=name)
        assert refused.value.field == "scenario"
    with pytest.raises(ApplicationError) as refused:
        start(manager, text="title: x\nevents: []\n")
    assert "events" in refused.value.message
    assert not DrillRun.objects.exists()


@pytest.mark.django_db
def test_a_scenario_at_the_cap_starts_and_each_play_makes_only_the_posts_due(manager, monkeypatch):
    run = start(manager, speed=100, text=AT_THE_CAP)
    assert drills.run_scenario(run).posts == 20_000
    made = crowd_made(monkeypatch)
    # 0:30.12 of the scenario: the mention and the first spike's first two posts (one every
    # 0.12 s); only those are made, and the one after them, to know how long to wait.
    wait = drills.drill_advance(run.pk, now=at(run, 0.3012))
    assert made == [(1, 0), (1, 1), (1, 2)]
    assert wait == pytest.approx(0.12 / 100)
    made.clear()
    # At 0:30.48 the play goes on from post 3 (the spike's third) to its sixth.
    drills.drill_advance(run.pk, now=at(run, 0.3048))
    assert made == [(1, 2), (1, 3), (1, 4), (1, 5)]
    run.refresh_from_db()
    assert run.posts_played == 6
    stored = InboundPost.objects.filter(account=run.account).order_by("posted_at", "external_id")
    assert list(stored.values_list("external_id", flat=True)) == [
        f"drill{run.pk}-{n}" for n in range(6)
    ]


@pytest.mark.django_db
def test_a_scenario_at_the_cap_plays_each_post_once_at_its_moment(manager, settings):
    """Played to its end in steps, at a cap of 400 posts (20,000 rows are stored at about 2 ms
    each: the layout of the real cap is checked above without storing it)."""
    settings.DRILL_MAX_POSTS = 400
    with pytest.raises(ApplicationError, match="at most 400 posts in all; this one holds 404"):
        start(manager, text=storm(101))
    run = start(manager, speed=100, text=storm(100))
    every = laid_out(drills.run_scenario(run))
    assert len(every) == 400
    for moment in (0.3, 3, 3, 3.6, 3.6005, 12, 1000):
        drills.drill_advance(run.pk, now=at(run, moment))
        run.refresh_from_db()
        assert InboundPost.objects.filter(account=run.account).count() == run.posts_played
    assert run.status == DrillRun.Status.PLAYED
    assert run.posts_played == 400
    stored = {post.external_id: post for post in InboundPost.objects.filter(account=run.account)}
    assert sorted(stored) == sorted(f"drill{run.pk}-{n}" for n in range(400))
    for n, play in enumerate(every):
        post = stored[f"drill{run.pk}-{n}"]
        assert (post.author_handle, post.author_followers, post.text) == (
            play.author,
            play.followers,
            play.text,
        )
        assert post.posted_at == run.started_at + play.offset / 100


@pytest.mark.django_db
def test_a_drill_that_is_playing_keeps_the_cap_it_started_under(manager, settings, client):
    run = start(manager, speed=10)
    settings.DRILL_MAX_POSTS = 10
    drills._scenario_of.cache_clear()  # as in a worker that has not read it yet
    with pytest.raises(ApplicationError, match="at most 10 posts"):
        start(manager)
    assert drills.drill_advance(run.pk, now=at(run, 3600)) is None
    assert InboundPost.objects.filter(account=run.account).count() == 43
    client.force_login(manager)
    assert "43 of 43 posts played" in client.get(run.get_absolute_url()).content.decode()


@pytest.mark.django_db
def test_both_shipped_scenarios_play_to_their_end(manager):
    assert set(drills.scenarios_shipped()) == {"product_safety_en", "misleading_campaign_tr"}
    for name, scenario in drills.scenarios_shipped().items():
        run = drills.drill_start(actor=manager, scenario=name, speed=20)
        assert drills.drill_advance(run.pk, now=at(run, 24 * 3600)) is None
        assert InboundPost.objects.filter(account=run.account).count() == scenario.posts


@pytest.mark.django_db
def test_the_command_plays_a_shipped_scenario_to_its_end(manager, monkeypatch):
    SocialAccountFactory.create(handle="juicebrand")
    out = StringIO()
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        monkeypatch.setattr(
            "drills.management.commands.drill_run.time.sleep",
            lambda seconds: traveller.shift(timedelta(seconds=seconds)),
        )
        call_command(
            "drill_run", "product_safety_en", "--speed", "20", "--as", "manager", stdout=out
        )
    run = DrillRun.objects.get()
    assert run.status == DrillRun.Status.PLAYED
    assert run.account is not None
    assert run.account.handle.startswith("juicebrand.drill")
    total = drills.scenarios_shipped()["product_safety_en"].posts
    assert InboundPost.objects.filter(account=run.account).count() == total
    assert f"{total}/{total} posts played" in out.getvalue()
    assert Alert.objects.filter(account=run.account).count() == 1


@pytest.mark.django_db
def test_the_command_lists_and_refuses_clearly(manager, tmp_path):
    out = StringIO()
    call_command("drill_run", "--list", stdout=out)
    assert "product_safety_en: " in out.getvalue()
    with pytest.raises(CommandError, match="neither a shipped scenario"):
        call_command("drill_run", "no_such_thing", "--as", "manager")
    with pytest.raises(CommandError, match="No active user"):
        call_command("drill_run", "product_safety_en", "--as", "nobody")
    broken = tmp_path / "broken.yaml"
    broken.write_text("title: x\nevents:\n  - at: soon\n    kind: mention\n")
    with pytest.raises(CommandError, match=r"events\[0\]\.at"):
        call_command("drill_run", str(broken), "--as", "manager", "--detach")
    too_big = tmp_path / "too_big.yaml"
    too_big.write_text(AT_THE_CAP.replace("count: 4997", "count: 4998"))
    with pytest.raises(CommandError) as refused:
        call_command("drill_run", str(too_big), "--as", "manager", "--detach")
    assert str(refused.value) == (
        "events: A scenario holds at most 20,000 posts in all; this one holds 20,001: "
        "19,998 from spikes (the biggest: events[1].count 5,000, events[2].count 5,000, "
        "events[3].count 5,000) and 3 from events of one post each."
    )
    assert not DrillRun.objects.exists()
