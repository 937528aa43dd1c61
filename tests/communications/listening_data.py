"""A listened-to account's history and a storm on it, as the poller stores them: shared by
the listening's tests and the test world."""

from datetime import UTC, datetime, timedelta

from communications.listening import rules
from communications.listening.mentions import services as mention_services
from communications.listening.mentions.x_reader import FoundPost
from communications.models import VolumeBucket

TUESDAY_14 = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)
STORM_END = TUESDAY_14 + timedelta(minutes=30)
STORM_WORDS = (
    "Recall batch 24-117 now, my kid got sick",
    "Is batch 24-117 a recall? sick after one bottle",
    "they should recall this batch, everyone is sick",
)


def quiet_history(account, *, days=21, per_bucket=1, until=TUESDAY_14):
    """``per_bucket`` posts in every 5-minute bucket of the ``days`` before ``until``."""
    until = rules.bucket_start(until)
    moment = until - timedelta(days=days)
    rows = []
    while moment < until:
        rows.append(VolumeBucket(account=account, start=moment, posts=per_bucket))
        moment += rules.BUCKET
    VolumeBucket.objects.bulk_create(rows)


def storm(
    account,
    *,
    count=60,
    start=TUESDAY_14,
    first_id=0,
    big=(2_000_000, 450_000, 120_000),
    every=timedelta(seconds=29),
):
    """``count`` posts, one ``every`` (29 s: the 30 minutes from ``start``), stored as the
    poller does; the first ones from authors with a wide reach."""
    posts = []
    for n in range(count):
        followers = big[n] if n < len(big) else 10 + n
        posts.append(
            FoundPost(
                external_id=str(1_880_000_000_000_000_000 + first_id + n),
                text=STORM_WORDS[n % len(STORM_WORDS)] + f" @{account.handle}",
                author_id=str(first_id + n),
                author_handle=f"person{first_id + n}",
                author_name="",
                author_followers=followers,
                posted_at=start + every * n,
            )
        )
    return mention_services.mentions_store(account=account, posts=posts, origin="mention")
