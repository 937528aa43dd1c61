"""Listening's core: the volume series kept from the mentions (5-minute buckets, counted again
idempotently), read for any range, and the spike rule against the usual level for the time of
day and the day of the week."""

from datetime import UTC, datetime, timedelta

import pytest

from communications.listening import rules, selectors, services
from communications.listening.mentions import services as mention_services
from communications.listening.mentions.x_reader import FoundPost
from communications.models import TermVolumeBucket, VolumeBucket, WatchTerm
from tests.communications.factories import InboundPostFactory, SandboxAccountFactory

RULE = {"min_posts": 20, "min_ratio": 3.0, "threshold": 4.0}
TUESDAY_14 = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def days(counts, weekday_every=7):
    """(same weekday?, posts) for the same window on each earlier day, newest first."""
    return [(day % weekday_every == 0, count) for day, count in enumerate(counts, start=1)]


# --- the rule, on synthetic series ----------------------------------------------------------


def test_a_flat_series_raises_nothing():
    usual = rules.baseline(same_time=days([5] * 28), recent=[])
    assert usual.source == "same weekday"
    for posts in (0, 5, 9, 19):
        assert rules.spike(posts, usual, **RULE) is None


def test_the_usual_peak_of_a_daily_rhythm_raises_nothing():
    # 60 posts at 14:00 every day (55-65), 3 at night: the same window on earlier days is busy.
    usual = rules.baseline(same_time=days([55, 60, 65, 58, 62, 61, 59] * 4), recent=[3] * 48)
    assert 58 <= usual.usual <= 62
    assert rules.spike(70, usual, **RULE) is None
    # The same 70 posts at 03:00, where the rhythm is quiet, is a spike.
    night = rules.baseline(same_time=days([2, 3, 4, 3, 2, 3, 3] * 4), recent=[])
    assert rules.spike(70, night, **RULE) is not None


def test_a_real_spike_raises_one_with_its_ratio():
    usual = rules.baseline(same_time=days([14, 16, 15, 13, 17, 15, 15] * 4), recent=[])
    found = rules.spike(212, usual, **RULE)
    assert found is not None
    assert found.posts == 212
    assert round(found.ratio) == 14


def test_a_small_absolute_rise_under_the_minimum_raises_nothing():
    usual = rules.baseline(same_time=days([1] * 28), recent=[])
    assert rules.spike(3, usual, **RULE) is None  # 3x, but 3 posts
    assert rules.spike(19, usual, **RULE) is None
    assert rules.spike(20, usual, **RULE) is not None


def test_the_weekday_counts_when_there_are_three_of_it_else_the_time_of_day_else_the_last_day():
    # Mondays are busy (40), other days quiet (5): a Monday compares with Mondays.
    mondays = days([5, 5, 5, 5, 5, 5, 40] * 3)
    assert rules.baseline(same_time=mondays, recent=[]).usual == 40
    assert rules.baseline(same_time=mondays[:20], recent=[]).source == "same time of day"
    young = rules.baseline(same_time=days([5, 6]), recent=[2, 3, 4])
    assert (young.source, young.usual) == ("last 24 hours", 3)
    nothing = rules.baseline(same_time=[], recent=[])
    assert (nothing.source, nothing.usual) == ("none", 0)
    # A series with no history at all still needs the minimum count.
    assert rules.spike(19, nothing, **RULE) is None


def test_one_odd_day_does_not_move_the_usual():
    usual = rules.baseline(same_time=days([10, 10, 11, 9, 400, 10, 10]), recent=[])
    assert usual.usual == 10
    assert usual.spread < 3


def test_buckets_start_on_five_minutes():
    assert rules.bucket_start(datetime(2026, 12, 1, 14, 7, 59, 9, tzinfo=UTC)) == datetime(
        2026, 12, 1, 14, 5, tzinfo=UTC
    )


# --- the series in the database -------------------------------------------------------------


@pytest.mark.django_db
def test_the_rollup_counts_each_post_once_however_often_it_runs():
    account = SandboxAccountFactory.create()
    other = SandboxAccountFactory.create()
    for minute, followers in ((1, 100), (3, 50), (7, 1000)):
        InboundPostFactory(
            account=account,
            posted_at=TUESDAY_14 + timedelta(minutes=minute),
            author_followers=followers,
        )
    InboundPostFactory(account=other, posted_at=TUESDAY_14 + timedelta(minutes=2))
    window = {"since": TUESDAY_14, "until": TUESDAY_14 + timedelta(hours=1)}
    assert services.volume_rollup(**window) == 3
    services.volume_rollup(**window)
    services.volume_rollup(since=TUESDAY_14 + timedelta(minutes=4), until=window["until"])
    rows = list(VolumeBucket.objects.filter(account=account).values_list("start", "posts", "reach"))
    assert rows == [
        (TUESDAY_14, 2, 150),
        (TUESDAY_14 + timedelta(minutes=5), 1, 1000),
    ]
    # A mention added by hand later is counted when its bucket is counted again.
    InboundPostFactory(account=account, posted_at=TUESDAY_14 + timedelta(minutes=4))
    services.volume_rollup(**window, account_ids=[account.pk])
    assert VolumeBucket.objects.get(account=account, start=TUESDAY_14).posts == 3
    assert VolumeBucket.objects.get(account=other).posts == 1


@pytest.mark.django_db
def test_a_range_is_read_in_buckets_of_any_size_with_the_empty_ones():
    account = SandboxAccountFactory.create()
    for minutes, posts in ((0, 2), (5, 3), (20, 7)):
        VolumeBucket.objects.create(
            account=account, start=TUESDAY_14 + timedelta(minutes=minutes), posts=posts
        )
    five = selectors.volume(
        account_id=account.pk, since=TUESDAY_14, until=TUESDAY_14 + timedelta(minutes=30)
    )
    assert [row["posts"] for row in five] == [2, 3, 0, 0, 7, 0]
    fifteen = selectors.volume(
        account_id=account.pk,
        since=TUESDAY_14 + timedelta(minutes=7),
        until=TUESDAY_14 + timedelta(minutes=30),
        minutes=15,
    )
    assert [(row["start"].minute, row["posts"]) for row in fifteen] == [(0, 5), (15, 7)]
    with pytest.raises(ValueError, match="buckets are"):
        selectors.volume(account_id=account.pk, since=TUESDAY_14, until=TUESDAY_14, minutes=7)


def _rhythm(account, *, days_back, at_peak, quiet, until, since=None):
    """A daily rhythm: ``at_peak`` posts per 5 minutes from 13:00 to 15:00, ``quiet`` else."""
    rows = []
    moment = since or until - timedelta(days=days_back)
    while moment < until:
        peak = 13 <= moment.hour < 15
        rows.append(VolumeBucket(account=account, start=moment, posts=at_peak if peak else quiet))
        moment += rules.BUCKET
    VolumeBucket.objects.bulk_create(rows)


@pytest.mark.django_db
def test_measured_in_the_database_the_usual_peak_is_no_spike_and_a_storm_is(settings):
    settings.LISTENING_WINDOW_MINUTES = 30
    account = SandboxAccountFactory.create()
    _rhythm(account, days_back=21, at_peak=10, quiet=1, until=TUESDAY_14)
    # The usual 14:00: 6 buckets x 10 = 60 posts, as on the 21 days before.
    VolumeBucket.objects.bulk_create(
        VolumeBucket(account=account, start=TUESDAY_14 + n * rules.BUCKET, posts=10)
        for n in range(6)
    )
    end = TUESDAY_14 + timedelta(minutes=30)
    posts, usual, found = selectors.window_measure(account_id=account.pk, end=end)
    assert (posts, usual.usual, usual.source) == (60, 60, "same weekday")
    assert found is None
    # A storm in the same window a week later.
    storm = TUESDAY_14 + timedelta(days=1)
    _rhythm(account, days_back=1, at_peak=10, quiet=1, until=storm, since=end)
    VolumeBucket.objects.bulk_create(
        VolumeBucket(account=account, start=storm + n * rules.BUCKET, posts=50) for n in range(6)
    )
    posts, usual, found = selectors.window_measure(
        account_id=account.pk, end=storm + timedelta(minutes=30)
    )
    assert posts == 300
    assert found is not None
    assert round(found.ratio) == 5


@pytest.mark.django_db
def test_a_young_series_is_measured_against_its_last_day(settings):
    settings.LISTENING_WINDOW_MINUTES = 30
    account = SandboxAccountFactory.create()
    _rhythm(account, days_back=1, at_peak=1, quiet=1, until=TUESDAY_14)
    posts, usual, found = selectors.window_measure(account_id=account.pk, end=TUESDAY_14)
    assert usual.source == "last 24 hours"
    assert usual.usual == 6
    assert found is None
    empty = SandboxAccountFactory.create()
    posts, usual, found = selectors.window_measure(account_id=empty.pk, end=TUESDAY_14)
    assert (posts, usual.source, found) == (0, "none", None)


def _found(n, posted_at, followers=10):
    return FoundPost(
        external_id=str(1_880_000_000_000_000_000 + n),
        text="is batch 24-117 safe?",
        author_id=str(n),
        author_handle=f"someone{n}",
        author_name="",
        author_followers=followers,
        posted_at=posted_at,
    )


@pytest.mark.django_db
def test_stored_mentions_are_counted_as_they_arrive_once_each(manager):
    account = SandboxAccountFactory.create()
    page = [
        _found(1, TUESDAY_14 + timedelta(minutes=1), 100),
        _found(2, TUESDAY_14 + timedelta(minutes=2), 200),
        _found(3, TUESDAY_14 - timedelta(days=3), 5),  # an old post found by a search
    ]
    assert mention_services.mentions_store(account=account, posts=page, origin="search") == 3
    # The same page again (a retried poll) stores and counts nothing twice.
    assert mention_services.mentions_store(account=account, posts=page, origin="search") == 0
    rows = dict(VolumeBucket.objects.filter(account=account).values_list("start", "posts"))
    assert rows == {TUESDAY_14: 2, TUESDAY_14 - timedelta(days=3): 1}
    assert VolumeBucket.objects.get(account=account, start=TUESDAY_14).reach == 300
    # One reported by hand lands in its bucket.
    mention_services.mention_add_manual(
        actor=manager,
        account=account,
        url="https://x.com/caller/status/1880000000000000099",
        text="Customer care heard about batch 24-117 too",
        posted_at=TUESDAY_14 + timedelta(minutes=4),
    )
    assert VolumeBucket.objects.get(account=account, start=TUESDAY_14).posts == 3


@pytest.mark.django_db
def test_each_watch_term_has_its_own_series_beside_the_accounts():
    account = SandboxAccountFactory.create()
    recall = WatchTerm.objects.create(account=account, query="brand recall")
    fail = WatchTerm.objects.create(account=account, query="#brandfail")
    at = TUESDAY_14 + timedelta(minutes=1)
    by_recall = [_found(n, at, 100) for n in range(1, 4)]
    by_fail = [_found(n, at, 10) for n in range(3, 6)]  # post 3 was found by both
    mention_services.mentions_store(
        account=account, posts=by_recall, origin="search", watch_term=recall
    )
    mention_services.mentions_store(
        account=account, posts=by_fail, origin="search", watch_term=fail
    )
    mention_services.mentions_store(
        account=account, posts=by_fail, origin="search", watch_term=fail
    )
    assert VolumeBucket.objects.get(account=account, start=TUESDAY_14).posts == 5
    terms = dict(TermVolumeBucket.objects.filter(start=TUESDAY_14).values_list("term_id", "posts"))
    assert terms == {recall.pk: 3, fail.pk: 2}  # a post counts for the term that found it first
    # Counted again from scratch, the same.
    services.volume_rollup(since=TUESDAY_14 - timedelta(hours=1), until=TUESDAY_14 + DAY)
    assert TermVolumeBucket.objects.get(term=fail, start=TUESDAY_14).posts == 2
    series = selectors.volume(
        account_id=account.pk,
        since=TUESDAY_14,
        until=TUESDAY_14 + timedelta(minutes=10),
        term_id=recall.pk,
    )
    assert [row["posts"] for row in series] == [3, 0]
    # Another account's term reads as empty, never as that account's posts.
    other = SandboxAccountFactory.create()
    assert not any(
        row["posts"]
        for row in selectors.volume(
            account_id=other.pk,
            since=TUESDAY_14,
            until=TUESDAY_14 + timedelta(minutes=10),
            term_id=recall.pk,
        )
    )
