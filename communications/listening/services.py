"""Keeping the volume series: each account's posts counted per 5-minute bucket from the stored
mentions (those polled and those added by hand)."""

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q

from ..models import InboundPost, VolumeBucket
from .rules import BUCKET, bucket_start


@transaction.atomic
def volume_rollup(
    *, since: datetime, until: datetime, account_ids: Iterable[int] | None = None
) -> int:
    """Count again every bucket from the one ``since`` falls in up to ``until``: each count is
    set, never added to, so running it twice, or after a worker died halfway, counts each post
    once. Returns how many buckets were written."""
    start = bucket_start(since)
    posts = InboundPost.objects.filter(posted_at__gte=start, posted_at__lt=until)
    if account_ids is not None:
        posts = posts.filter(account_id__in=list(account_ids))
    counts: dict[tuple[int, datetime], list[int]] = defaultdict(lambda: [0, 0])
    for account_id, posted_at, reach in posts.values_list(
        "account_id", "posted_at", "author_followers"
    ).iterator(chunk_size=5000):
        bucket = counts[(account_id, bucket_start(posted_at))]
        bucket[0] += 1
        bucket[1] += reach
    # Mentions are kept (never deleted), so a bucket once counted never loses posts: setting
    # the buckets that have posts is the whole recount.
    VolumeBucket.objects.bulk_create(
        [
            VolumeBucket(account_id=account_id, start=bucket, posts=n, reach=reach)
            for (account_id, bucket), (n, reach) in counts.items()
        ],
        update_conflicts=True,
        unique_fields=["account", "start"],
        update_fields=["posts", "reach"],
        batch_size=1000,
    )
    return len(counts)


CHUNK = 50  # buckets per query


def volume_count_again(*, account_id: int, moments: Iterable[datetime]) -> int:
    """Count again only the buckets these moments fall in (the posts just stored): a page of
    mentions touches a few buckets, however far apart in time."""
    buckets = sorted({bucket_start(moment) for moment in moments})
    written = 0
    for first in range(0, len(buckets), CHUNK):
        chunk = buckets[first : first + CHUNK]
        ranges = Q()
        for start in chunk:
            ranges |= Q(posted_at__gte=start, posted_at__lt=start + BUCKET)
        written += _count(
            InboundPost.objects.filter(Q(account_id=account_id) & ranges), account_id, chunk
        )
    return written


@transaction.atomic
def _count(posts: Any, account_id: int, buckets: list[datetime]) -> int:
    counts = {start: [0, 0] for start in buckets}
    for posted_at, reach in posts.values_list("posted_at", "author_followers"):
        slot = counts[bucket_start(posted_at)]
        slot[0] += 1
        slot[1] += reach
    VolumeBucket.objects.bulk_create(
        [
            VolumeBucket(account_id=account_id, start=start, posts=n, reach=reach)
            for start, (n, reach) in counts.items()
        ],
        update_conflicts=True,
        unique_fields=["account", "start"],
        update_fields=["posts", "reach"],
    )
    return len(counts)
