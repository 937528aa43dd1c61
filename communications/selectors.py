"""Reads for communications: querysets with the joins their pages and endpoints need."""

from typing import Any

from django.db.models import Prefetch, QuerySet

from incidents.models import Claim, ClaimStatus

from .models import Approval, InboundPost, Message, ThreadPart
from .services import valid_approvals


def messages(*, user: Any) -> QuerySet[Message]:
    return Message.objects.select_related(
        "incident", "account", "author", "reply_to_mention", "corrects"
    ).prefetch_related(
        Prefetch("parts", queryset=ThreadPart.objects.order_by("position")),
        Prefetch("approvals", queryset=Approval.objects.select_related("approver")),
        "cited_claims",
    )


def message_review(*, message: Message) -> dict[str, Any]:
    """What an approver sees beside the draft: its target, the incident, the cited claims
    (warning on unverified ones) and the incident's earlier messages."""
    claims = list(message.cited_claims.all())
    unverified = [
        c for c in claims if c.status in (ClaimStatus.UNVERIFIED, ClaimStatus.INVESTIGATING)
    ]
    earlier = list(
        messages(user=None)
        .filter(incident=message.incident)
        .exclude(pk=message.pk)
        .order_by("-created_at")[:20]
    )
    return {
        "cited_claims": claims,
        "unverified_claims": unverified,
        "earlier_messages": earlier,
        "valid_approvals": valid_approvals(message),
    }


def mentions(*, user: Any) -> QuerySet[InboundPost]:
    return InboundPost.objects.select_related("account", "incident", "assignee", "triaged_by")


def incident_claims_for_citing(*, incident: Any) -> QuerySet[Claim]:
    return incident.claims.all()
