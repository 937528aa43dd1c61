"""Reading the volume series: a range in buckets of any multiple of 5 minutes, and one window
measured against its usual level (communications.listening.rules)."""

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Count, Min, Q, QuerySet, Sum
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from communications.accounts.models import SocialAccount
from communications.listening.models import (
    Alert,
    AlertQuerySet,
    InboundPost,
    TermVolumeBucket,
    VolumeBucket,
)
from config.people import AnyUser
from incidents.models import Incident

from .rules import BUCKET, Baseline, Spike, baseline, bucket_start, needs_recent, spike

DAY = timedelta(days=1)
BUCKET_SIZES = (5, 15, 30, 60, 360, 1440)  # minutes


def _series(account_id: int, term_id: int | None) -> QuerySet[Any]:
    """The buckets of an account, or of one of its watch terms."""
    if term_id is None:
        return VolumeBucket.objects.filter(account_id=account_id)
    return TermVolumeBucket.objects.filter(term_id=term_id, term__account_id=account_id)


def _using(account_id: int, terms: Sequence[str]) -> QuerySet[InboundPost]:
    """The account's posts that use one of these terms (a risk's watch terms): its stored
    posts matched as they are read, so a risk's changed terms apply to its whole history."""
    if not terms:
        return InboundPost.objects.none()
    matches = Q()
    for term in terms:
        matches |= Q(text__icontains=term)
    return InboundPost.objects.filter(Q(account_id=account_id) & matches)


def _rows(
    account_id: int,
    term_id: int | None,
    risk_terms: Sequence[str] | None,
    first: datetime,
    until: datetime,
) -> Iterable[tuple[datetime, int, int]]:
    """(bucket start, posts, reach) of the series from ``first`` to ``until``: the rollup's
    buckets, or a risk's posts counted into theirs."""
    if risk_terms is None:
        yield from (
            _series(account_id, term_id)
            .filter(start__gte=first, start__lt=until)
            .values_list("start", "posts", "reach")
        )
        return
    for posted_at, reach in (
        _using(account_id, risk_terms)
        .filter(posted_at__gte=first, posted_at__lt=until)
        .values_list("posted_at", "author_followers")
        .iterator(chunk_size=5000)
    ):
        yield bucket_start(posted_at), 1, reach


def volume(
    *,
    account_id: int,
    since: datetime,
    until: datetime,
    minutes: int = 5,
    term_id: int | None = None,
    risk_terms: Sequence[str] | None = None,
) -> list[dict[str, Any]]:
    """The posts and reach of an account (or of one of its watch terms, or of its posts using
    a risk's ``risk_terms``) from ``since`` to ``until`` in buckets of ``minutes`` (one of
    BUCKET_SIZES), empty buckets included, read from the rollup (a risk's: from the posts of
    the range)."""
    if minutes not in BUCKET_SIZES:
        raise ValueError(f"buckets are {BUCKET_SIZES} minutes")
    size = timedelta(minutes=minutes)
    origin = datetime(2000, 1, 3, tzinfo=since.tzinfo)  # a Monday: day buckets start at 00:00
    first = origin + ((bucket_start(since) - origin) // size) * size
    rows = _rows(account_id, term_id, risk_terms, first, until)
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


def window_bounds(end: datetime) -> tuple[datetime, datetime]:
    """The listening window (LISTENING_WINDOW_MINUTES) that ends with the bucket ``end`` falls
    in: the bucket still filling counts."""
    end = bucket_start(end) + (BUCKET if end != bucket_start(end) else timedelta(0))
    return end - timedelta(minutes=settings.LISTENING_WINDOW_MINUTES), end


def _usual(
    posts_between: Callable[[datetime, datetime], int],
    *,
    start: datetime,
    end: datetime,
    born: datetime | None,
) -> Baseline:
    """The usual level of the window from ``start`` to ``end`` (rules.baseline): the same
    window on each of the LISTENING_BASELINE_DAYS before, and, when those are too few, the
    windows of the last 24 hours; no window from before the series was ``born``."""
    if born is None:
        return baseline(same_time=[], recent=[])
    earliest = bucket_start(born)
    same_time = [
        (day % 7 == 0, posts_between(start - day * DAY, end - day * DAY))
        for day in range(1, settings.LISTENING_BASELINE_DAYS + 1)
        if start - day * DAY >= earliest
    ]
    window = end - start
    recent = (
        [
            posts_between(start - n * window, end - n * window)
            for n in range(1, DAY // window + 1)
            if start - n * window >= earliest
        ]
        if needs_recent(same_time)
        else []
    )
    return baseline(same_time=same_time, recent=recent)


def window_measure(*, account_id: int, end: datetime) -> tuple[int, Baseline, Spike | None]:
    """The posts of the window ending at ``end`` (window_bounds), its usual level from the
    same window on earlier days (or the last 24 hours for a young series), and the spike it
    is, if it is one. One query for the windows it needs."""
    start, end = window_bounds(end)
    wanted = Q(start__gte=end - DAY, start__lt=end)
    for day in range(1, settings.LISTENING_BASELINE_DAYS + 1):
        wanted |= Q(start__gte=start - day * DAY, start__lt=end - day * DAY)
    by_start = dict(
        VolumeBucket.objects.filter(Q(account_id=account_id) & wanted).values_list("start", "posts")
    )

    def posts_between(first: datetime, stop: datetime) -> int:
        # Every window starts on a bucket: its buckets are looked up, not searched for.
        return sum(by_start.get(first + n * BUCKET, 0) for n in range((stop - first) // BUCKET))

    observed = posts_between(start, end)
    usual = _usual(posts_between, start=start, end=end, born=_born(account_id))
    found = spike(
        observed,
        usual,
        min_posts=settings.LISTENING_MIN_POSTS,
        min_ratio=settings.LISTENING_MIN_RATIO,
        threshold=settings.LISTENING_THRESHOLD,
    )
    return observed, usual, found


def _born(
    account_id: int, term_id: int | None = None, risk_terms: Sequence[str] | None = None
) -> datetime | None:
    """The bucket of the series' first post: no usual level is read from before it."""
    first: datetime | None
    if risk_terms is not None:
        first = _using(account_id, risk_terms).aggregate(first=Min("posted_at"))["first"]
        return bucket_start(first) if first is not None else None
    first = _series(account_id, term_id).filter(posts__gt=0).aggregate(first=Min("start"))["first"]
    return first


def volume_with_usual(
    *,
    account_id: int,
    since: datetime,
    until: datetime,
    minutes: int = 5,
    term_id: int | None = None,
    risk_terms: Sequence[str] | None = None,
) -> list[dict[str, Any]]:
    """volume() with each bucket's usual level beside it (the chart's second line): the same
    rule as the alerts (rules.baseline), applied to the same bucket on earlier days. One
    query, for the range and the LISTENING_BASELINE_DAYS before it."""
    days = settings.LISTENING_BASELINE_DAYS
    history = volume(
        account_id=account_id,
        since=since - days * DAY,
        until=until,
        minutes=minutes,
        term_id=term_id,
        risk_terms=risk_terms,
    )
    posts_at = {row["start"]: row["posts"] for row in history}

    def posts_between(first: datetime, _stop: datetime) -> int:
        return posts_at.get(first, 0)  # one bucket: the windows are the buckets

    born = _born(account_id, term_id, risk_terms)
    size = timedelta(minutes=minutes)
    first = bucket_start(since)
    return [
        {
            **row,
            "usual": round(
                _usual(posts_between, start=row["start"], end=row["start"] + size, born=born).usual,
                2,
            ),
        }
        for row in history
        if row["start"] + size > first
    ]


# --- alerts ---------------------------------------------------------------------------------


def alert_list(*, user: AnyUser) -> AlertQuerySet:
    """Every alert, newest first, with what its rows show. Anyone who may see the mentions
    may see the alerts they were raised from."""
    return Alert.objects.select_related(
        "account", "incident", "decided_by", "suggested_playbook"
    ).order_by("-raised_at", "-pk")


def open_alerts(*, user: AnyUser) -> QuerySet[Alert]:
    """The open alerts of the brand's real accounts (the dashboard's): an alert on a drill
    account is part of the rehearsal, listed on the alerts page only."""
    return alert_list(user=user).real().filter(status=Alert.Status.OPEN)


def alert_get(*, user: AnyUser, pk: int) -> Alert:
    return get_object_or_404(alert_list(user=user), pk=pk)


def alert_top_posts(alert: Alert) -> QuerySet[InboundPost]:
    """The alert's top posts, widest reach first."""
    return alert.top_posts.select_related("account", "incident").order_by(
        "-author_followers", "posted_at", "pk"
    )


# --- charts ---------------------------------------------------------------------------------

CHART_POINTS = 400  # the most bars a chart draws: buckets grow with the range


def chart(*, account: Any, since: datetime, until: datetime, risk: Any = None) -> dict[str, Any]:
    """What a volume chart needs (communications/listening/_volume_chart.html): the query of
    /api/v1/volume/ in the smallest buckets that keep it within CHART_POINTS bars, and the
    words that say what it shows (its aria-label and caption). With a ``risk``: the
    account's posts that use its watch terms."""
    minutes = next(
        (
            size
            for size in BUCKET_SIZES
            if (until - since) / timedelta(minutes=size) <= CHART_POINTS
        ),
        BUCKET_SIZES[-1],
    )
    query = urlencode(
        {
            "account": account.pk,
            **({"risk": risk.pk} if risk is not None else {}),
            "since": since.isoformat(),
            "until": until.isoformat(),
            "bucket": minutes,
        }
    )
    words = {
        "account": account,
        "minutes": minutes,
        "since": date_format(timezone.localtime(since), "SHORT_DATETIME_FORMAT"),
        "until": date_format(timezone.localtime(until), "SHORT_DATETIME_FORMAT"),
    }
    if risk is not None:
        label = _(
            "Posts on %(account)s using the risk's watch terms (%(terms)s) per %(minutes)d "
            "minutes from %(since)s to %(until)s, beside the usual level for each time (the "
            "dashed line)."
        ) % {**words, "terms": ", ".join(risk.terms)}
    else:
        label = (
            _(
                "Posts on %(account)s per %(minutes)d minutes from %(since)s to %(until)s, beside "
                "the usual level for each time (the dashed line)."
            )
            % words
        )
    return {"query": query, "label": label}


def alert_chart(alert: Alert) -> dict[str, Any]:
    """The alert's chart: the six hours before its window up to now (at most a day after)."""
    until = min(timezone.now(), alert.window_end + DAY)
    return chart(
        account=alert.account,
        since=alert.window_start - timedelta(hours=6),
        until=max(until, alert.window_end),
    )


def busiest_account(*, since: datetime) -> Any:
    """The active account with the most posts since ``since`` (the dashboard's chart), else
    the first active one; None when there is none. A drill account is never it: a rehearsed
    storm is no news about the brand."""
    busiest = (
        VolumeBucket.objects.real()
        .filter(start__gte=bucket_start(since), account__is_active=True)
        .values("account")
        .annotate(total=Sum("posts"))
        .order_by("-total", "account")
        .first()
    )
    accounts = SocialAccount.objects.real().filter(is_active=True)
    if busiest is not None:
        return accounts.get(pk=busiest["account"])
    return accounts.order_by("pk").first()


def incident_account(incident: Incident) -> Any:
    """The account most of the incident's mentions came to (its war room's chart), or None."""
    counted = (
        InboundPost.objects.filter(incident=incident)
        .values("account")
        .annotate(total=Count("pk"))
        .order_by("-total", "account")
        .first()
    )
    return SocialAccount.objects.get(pk=counted["account"]) if counted else None


def incident_alert(incident: Incident) -> Alert | None:
    """The alert the incident was declared from, if it was."""
    return Alert.objects.select_related("account").filter(incident=incident).first()
