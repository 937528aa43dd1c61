"""The spike rule, in one place (pure: no database), so the alerts, the charts and the tests ask
the same thing.

The usual volume of a window (say the 30 minutes to 14:00 on a Tuesday) is the median of the
same window on earlier days: on the same weekday when there are at least three of them (so a
Monday morning is compared with Monday mornings), else on every earlier day when there are at
least seven (the time of day still counts), else, for a young series, the windows of the last
24 hours. Its spread is the median absolute deviation (scaled by 1.4826, so it matches a
standard deviation for normal data, and never below one post): robust to the odd busy day a
mean and a standard deviation would follow.

A window is a spike when it has at least ``min_posts`` posts (3 instead of 1 is no alarm), at
least ``min_ratio`` times the usual, and more than the usual plus ``threshold`` spreads.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median

BUCKET = timedelta(minutes=5)
MAD_SCALE = 1.4826
MIN_SAME_WEEKDAY = 3
MIN_SAME_TIME = 7


def bucket_start(moment: datetime) -> datetime:
    """The start of the 5-minute bucket a moment falls in."""
    return moment.replace(minute=moment.minute - moment.minute % 5, second=0, microsecond=0)


@dataclass(frozen=True)
class Baseline:
    usual: float  # the median
    spread: float  # the scaled median absolute deviation, at least 1
    samples: int
    source: str  # "same weekday", "same time of day", "last 24 hours" or "none"


@dataclass(frozen=True)
class Spike:
    posts: int
    usual: float
    ratio: float  # posts / usual (usual counted as at least 1)
    baseline: Baseline


def _robust(counts: Sequence[int], source: str) -> Baseline:
    middle = float(median(counts))
    deviation = float(median(abs(count - middle) for count in counts))
    return Baseline(
        usual=middle, spread=max(deviation * MAD_SCALE, 1.0), samples=len(counts), source=source
    )


def baseline(*, same_time: Sequence[tuple[bool, int]], recent: Sequence[int]) -> Baseline:
    """``same_time``: (same weekday?, posts) of the same window on each earlier day the series
    existed; ``recent``: posts of each earlier window of the last 24 hours."""
    same_weekday = [count for weekday, count in same_time if weekday]
    if len(same_weekday) >= MIN_SAME_WEEKDAY:
        return _robust(same_weekday, "same weekday")
    if len(same_time) >= MIN_SAME_TIME:
        return _robust([count for _weekday, count in same_time], "same time of day")
    if recent:
        return _robust(recent, "last 24 hours")
    return Baseline(usual=0.0, spread=1.0, samples=0, source="none")


def spike(
    posts: int, usual: Baseline, *, min_posts: int, min_ratio: float, threshold: float
) -> Spike | None:
    """The window as a spike, or None when it is not one."""
    expected = max(usual.usual, 1.0)
    if posts < min_posts or posts < min_ratio * expected:
        return None
    if posts <= usual.usual + threshold * usual.spread:
        return None
    return Spike(posts=posts, usual=usual.usual, ratio=posts / expected, baseline=usual)
