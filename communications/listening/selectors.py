"""Reading the volume series: a range in buckets of any multiple of 5 minutes, and one window
measured against its usual level (communications.listening.rules)."""

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Min, Q

from ..models import VolumeBucket
from .rules import BUCKET, Baseline, Spike, baseline, bucket_start, spike

DAY = timedelta(days=1)
BUCKET_SIZES = (5, 15, 30, 60, 360, 1440)  # minutes


def volume(
    *, account_id: int, since: datetime, until: datetime, minutes: int = 5
) -> list[dict[str, Any]]:
    """The posts and reach of an account from ``since`` to ``until`` in buckets of ``minutes``
    (one of BUCKET_SIZES), empty buckets included, read from the rollup only."""
    if minutes not in BUCKET_SIZES:
        raise ValueError(f"buckets are {BUCKET_SIZES} minutes")
    size = timedelta(minutes=minutes)
    origin = datetime(2000, 1, 3, tzinfo=since.tzinfo)  # a Monday: day buckets start at 00:00
    first = origin + ((bucket_start(since) - origin) // size) * size
    rows = VolumeBucket.objects.filter(
        account_id=account_id, start__gte=first, start__lt=until
    ).values_list("start", "posts", "reach")
    series: dict[datetime, list[int]] = {}
    moment = first
    while moment < until:
        series[moment] = [0, 0]
        moment += size
    for start, posts, reach in rows:
        slot = series[origin + ((start - origin) // size) * size]
        slot[0] += posts
        slot[1] += reach
    return [{"start": start, "posts": p, "reach": r} for start, (p, r) in series.items()]


def window_measure(*, account_id: int, end: datetime) -> tuple[int, Baseline, Spike | None]:
    """The posts of the window ending at ``end`` (LISTENING_WINDOW_MINUTES long), its usual
    level from the same window on earlier days (or the last 24 hours for a young series), and
    the spike it is, if it is one. One query for the windows it needs."""
    window = timedelta(minutes=settings.LISTENING_WINDOW_MINUTES)
    end = bucket_start(end) + (BUCKET if end != bucket_start(end) else timedelta(0))
    born = VolumeBucket.objects.filter(account_id=account_id, posts__gt=0).aggregate(
        first=Min("start")
    )["first"]
    days = range(1, settings.LISTENING_BASELINE_DAYS + 1)
    day_windows = [(end - d * DAY - window, end - d * DAY) for d in days]
    recent_start = end - DAY
    wanted = Q(start__gte=recent_start, start__lt=end)
    for start, stop in day_windows:
        wanted |= Q(start__gte=start, start__lt=stop)
    by_start = dict(
        VolumeBucket.objects.filter(Q(account_id=account_id) & wanted).values_list("start", "posts")
    )

    def posts_between(start: datetime, stop: datetime) -> int:
        # Every window starts on a bucket: its buckets are looked up, not searched for.
        return sum(by_start.get(start + n * BUCKET, 0) for n in range((stop - start) // BUCKET))

    observed = posts_between(end - window, end)
    if born is None:
        usual = baseline(same_time=[], recent=[])
    else:
        same_time = [
            (day % 7 == 0, posts_between(start, stop))
            for day, (start, stop) in zip(days, day_windows, strict=True)
            if start >= bucket_start(born)
        ]
        recent: Sequence[int] = [
            posts_between(stop - window, stop)
            for stop in (end - n * window for n in range(1, int(DAY / window) + 1))
            if stop - window >= bucket_start(born)
        ]
        usual = baseline(same_time=same_time, recent=recent)
    found = spike(
        observed,
        usual,
        min_posts=settings.LISTENING_MIN_POSTS,
        min_ratio=settings.LISTENING_MIN_RATIO,
        threshold=settings.LISTENING_THRESHOLD,
    )
    return observed, usual, found
