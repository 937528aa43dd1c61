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

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median

from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from stopwordsiso import stopwords

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


def needs_recent(same_time: Sequence[tuple[bool, int]]) -> bool:
    """Whether baseline() will fall back to the last 24 hours (so they need be read only
    then)."""
    same_weekday = sum(1 for weekday, _count in same_time if weekday)
    return same_weekday < MIN_SAME_WEEKDAY and len(same_time) < MIN_SAME_TIME


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


# --- explaining a spike ---------------------------------------------------------------------

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# Links, handles and the words of a post (letters first; digits, ' and - may follow).
NOT_WORDS = re.compile(r"https?://\S+|@\w+")
WORD = re.compile(r"[^\W\d_][\w'’-]*")
SOCIAL_NOISE = frozenset({"amp", "rt", "via", "https", "http"})
STOPWORDS = frozenset(stopwords(["en", "tr"])) | SOCIAL_NOISE


# The usual levels that stand for a time of day, which a reader needs in their own zone.
CLOCK_SOURCES = frozenset({"same weekday", "same time of day"})


def usual_for(source: str, local_end: datetime) -> str:
    """What the usual level stands for, for people: "Tuesday 14:00" (same weekday), "14:00"
    (same time of day), "the last 24 hours" (a young series) or "" (no history)."""
    if source == "same weekday":
        return f"{_(WEEKDAYS[local_end.weekday()])} {local_end:%H:%M}"
    if source == "same time of day":
        return f"{local_end:%H:%M}"
    if source == "last 24 hours":
        return str(_("the last 24 hours"))
    return ""


def top_words(texts: Iterable[str], *, exclude: Iterable[str] = (), n: int = 3) -> list[str]:
    """The words most posts use (each post counts a word once, so one post repeating itself
    does not lead), leaving out links, handles, common words in English and Turkish, words
    shorter than three letters and ``exclude`` (the account's own name). Ties go
    alphabetically, so the same posts always give the same words."""
    excluded = STOPWORDS | {word.lower() for word in exclude}
    counts: Counter[str] = Counter()
    for text in texts:
        words = {word.lower().strip("'’-") for word in WORD.findall(NOT_WORDS.sub(" ", text))}
        counts.update(word for word in words if len(word) >= 3 and word not in excluded)
    return [word for word, _count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:n]]


def _thousands(number: int) -> str:
    if number >= 1_000_000 and number % 1_000_000 == 0:
        return f"{number // 1_000_000}M"
    if number >= 1_000 and number % 1_000 == 0:
        return f"{number // 1_000}k"
    return f"{number:,}"


def explanation(
    *,
    posts: int,
    minutes: int,
    handle: str,
    ratio: float,
    compared_with: str,
    big_authors: int,
    big_reach: int,
    top_words: Sequence[str],
) -> str:
    """The alert's sentence: "212 posts in the last 30 min on @brand, 14× the usual for
    Tuesday 14:00; 3 authors with more than 100k followers; top words: recall, batch, sick"."""
    parts = [
        ngettext(
            "%(posts)d post in the last %(minutes)d min on @%(handle)s",
            "%(posts)d posts in the last %(minutes)d min on @%(handle)s",
            posts,
        )
        % {"posts": posts, "minutes": minutes, "handle": handle}
    ]
    times = f"{ratio:.0f}×" if ratio >= 10 else f"{ratio:.1f}×"
    if compared_with:
        parts[0] += ", " + _("%(times)s the usual for %(when)s") % {
            "times": times,
            "when": compared_with,
        }
    else:
        parts[0] += ", " + _("with no history to compare with")
    if big_authors:
        parts.append(
            ngettext(
                "%(count)d author with more than %(reach)s followers",
                "%(count)d authors with more than %(reach)s followers",
                big_authors,
            )
            % {"count": big_authors, "reach": _thousands(big_reach)}
        )
    if top_words:
        parts.append(_("top words: %(words)s") % {"words": ", ".join(top_words)})
    return "; ".join(parts)
