"""Keeping the volume series: each account's posts counted per 5-minute bucket from the stored
mentions (those polled and those added by hand), and each watch term's (the posts its search
found).

A bucket is always counted again from the stored posts and its count set, never added to, so
counting twice, or after a worker died halfway, counts each post once. Mentions are kept (never
deleted), so a bucket once counted never loses posts: setting the buckets that have posts is
the whole recount."""

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.db.models import Q, QuerySet

from communications.listening.models import InboundPost, TermVolumeBucket, VolumeBucket

from .rules import BUCKET, bucket_start

CHUNK = 50  # buckets per query when counting only some


@transaction.atomic
def _count(posts: QuerySet[InboundPost]) -> int:
    """Count these posts per account and bucket (and per watch term and bucket, for those a
    watch term found), and set those buckets; returns how many account buckets."""
    counts: dict[tuple[int, datetime], list[int]] = defaultdict(lambda: [0, 0])
    by_term: dict[tuple[int, datetime], list[int]] = defaultdict(lambda: [0, 0])
    for account_id, term_id, posted_at, reach in posts.values_list(
        "account_id", "watch_term_id", "posted_at", "author_followers"
    ).iterator(chunk_size=5000):
        start = bucket_start(posted_at)
        buckets = [counts[(account_id, start)]]
        if term_id is not None:
            buckets.append(by_term[(term_id, start)])
        for bucket in buckets:
            bucket[0] += 1
            bucket[1] += reach
    _set(VolumeBucket, "account", counts)
    _set(TermVolumeBucket, "term", by_term)
    return len(counts)


def _set[B: (VolumeBucket, TermVolumeBucket)](
    model: type[B],
    series: str,
    counts: dict[tuple[int, datetime], list[int]],
) -> None:
    """Set these buckets of ``model`` (keyed by its ``series`` and start) to their counts."""
    model.objects.bulk_create(
        [
            model(**{f"{series}_id": key, "start": start, "posts": n, "reach": reach})
            for (key, start), (n, reach) in counts.items()
        ],
        update_conflicts=True,
        unique_fields=[series, "start"],
        update_fields=["posts", "reach"],
        batch_size=1000,
    )


def volume_rollup(
    *, since: datetime, until: datetime, account_ids: Iterable[int] | None = None
) -> int:
    """Count again every bucket from the one ``since`` falls in up to ``until`` (of the
    accounts given, else of all). Returns how many buckets were written."""
    posts = InboundPost.objects.filter(posted_at__gte=bucket_start(since), posted_at__lt=until)
    if account_ids is not None:
        posts = posts.filter(account_id__in=list(account_ids))
    return _count(posts)


def volume_count_again(*, account_id: int, moments: Iterable[datetime]) -> int:
    """Count again only the buckets these moments fall in (the posts just stored): a page of
    mentions touches a few buckets, however far apart in time."""
    buckets = sorted({bucket_start(moment) for moment in moments})
    written = 0
    for first in range(0, len(buckets), CHUNK):
        ranges = Q()
        for start in buckets[first : first + CHUNK]:
            ranges |= Q(posted_at__gte=start, posted_at__lt=start + BUCKET)
        written += _count(InboundPost.objects.filter(Q(account_id=account_id) & ranges))
    return written
