"""Reads for inbound mentions: the queue, one mention with its history and replies, and how
the polling of each account went."""

from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache
from django.db.models import BooleanField, Case, QuerySet, Value, When
from django.db.models.functions import Now
from django.shortcuts import get_object_or_404
from django.urls import reverse

from communications.accounts.models import SocialAccount
from communications.listening.mentions.services import OPEN
from communications.listening.models import InboundPost, InboundPostEvent
from config.people import AnyUser
from incidents.models import OPEN_STATUSES, Incident


def poll_status_key(account_id: int) -> str:
    """Where the ingest leaves how the last poll of an account went (in the cache)."""
    return f"mentions:status:{account_id}"


def mention_url(*, mention: InboundPost) -> str:
    return reverse("communications:mentions:detail", kwargs={"pk": mention.pk})


def mention_list(*, user: AnyUser) -> QuerySet[InboundPost]:
    """Every mention, widest reach first, then the oldest first (who waits longest)."""
    return (
        InboundPost.objects.select_related("account", "incident", "assignee", "triaged_by")
        .annotate(
            is_overdue=Case(
                When(triage__in=OPEN, reply_due_at__lt=Now(), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
        .order_by("-author_followers", "posted_at", "pk")
    )


def mention_get(*, user: AnyUser, pk: int) -> InboundPost:
    return get_object_or_404(mention_list(user=user), pk=pk)


def mentions_shown(*, user: AnyUser, ids: list[int], drill: bool) -> list[int]:
    """Of these mentions, those the user may see on a page of this kind: a drill's posts only
    on a page that shows a drill's (what the presence of others is told about)."""
    shown = InboundPost.objects.filter(
        pk__in=mention_list(user=user).filter(pk__in=ids).values("pk")
    )
    if not drill:
        shown = shown.real()
    return list(shown.values_list("pk", flat=True))


def mention_history(*, mention: InboundPost) -> QuerySet[InboundPostEvent]:
    """What happened to the mention, linked to an incident or not."""
    return mention.events.select_related("actor", "incident").order_by("at", "id")


def incidents_to_link(*, user: AnyUser) -> QuerySet[Incident]:
    """Open incidents, most severe and newest first: what a mention can be linked to."""
    return Incident.objects.filter(status__in=OPEN_STATUSES).order_by(
        "severity", "-detected_at", "-id"
    )


def accounts(*, user: AnyUser) -> QuerySet[SocialAccount]:
    return SocialAccount.objects.filter(is_active=True).order_by("handle")


@dataclass(frozen=True)
class PollStatus:
    account: SocialAccount
    polled_at: datetime | None
    problems: list[str]

    @property
    def sandbox(self) -> bool:
        return self.account.is_sandbox


def poll_statuses(*, user: AnyUser) -> list[PollStatus]:
    """For each active account: when it was last polled and what went wrong, if anything."""
    rows = list(accounts(user=user))
    found = cache.get_many([poll_status_key(a.pk) for a in rows])
    statuses = []
    for account in rows:
        status = found.get(poll_status_key(account.pk)) or {}
        at = status.get("at")
        statuses.append(
            PollStatus(
                account=account,
                polled_at=datetime.fromisoformat(at) if at else None,
                problems=list(status.get("problems") or []),
            )
        )
    return statuses
