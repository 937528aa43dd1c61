"""Reads for communications: querysets with the joins their pages and endpoints need."""

from typing import Any

from django.conf import settings
from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from communications.accounts.rotation import with_rotation_due
from communications.messaging.gate import (
    Refusal,
    approval_count,
    counting_approval,
    page_is_live,
    publish_refusal,
)
from communications.messaging.lifecycle import LOGGED
from communications.messaging.preflight import UNVERIFIED, preflight
from communications.messaging.statement_page import prepared_pages_offered, public_url
from config.inputs import id_from
from config.languages import language_said
from config.people import AnyUser
from config.permissions import APPROVE_MESSAGE, holds
from incidents.models import OPEN_STATUSES, Claim, Incident, TimelineEvent
from incidents.rehearsals import is_rehearsal

from .models import Approval, InboundPost, Message, SocialAccount, Template, ThreadPart

S = Message.Status


def messages(*, user: AnyUser | None) -> QuerySet[Message]:
    return Message.objects.select_related(
        "incident", "account", "author", "reply_to_mention", "corrects"
    ).prefetch_related(
        Prefetch("parts", queryset=ThreadPart.objects.order_by("position")),
        Prefetch("approvals", queryset=Approval.objects.select_related("approver")),
        "cited_claims",
    )


def message_review(*, message: Message) -> dict[str, Any]:
    """What an approver sees beside the draft: its target, the incident, the cited claims,
    the pre-flight checks (communications.messaging.preflight) and the incident's earlier
    messages."""
    claims = list(message.cited_claims.all())
    # Checked while the words can still change or go out; what is out (or withdrawn) is history.
    findings = preflight(message) if message.status not in (S.PUBLISHED, S.WITHDRAWN) else []
    earlier = list(
        messages(user=None)
        .filter(incident=message.incident)
        .exclude(pk=message.pk)
        .order_by("-created_at")[:20]
    )
    count = approval_count(message)
    return {
        "cited_claims": claims,
        "findings": findings,
        "blocking": any(finding.blocking for finding in findings),
        "earlier_messages": earlier,
        "valid_approvals": count.counting,
        "approval_count": count,
        "gate": message_gate(message=message),
    }


def message_gate(*, message: Message) -> Refusal | None:
    """What the last gate says of the message now, for a message that may still go out (None
    for one that is out, withdrawn, or a draft not yet asking): the page and the API show it
    before the gate is asked for real."""
    if message.status in (S.PUBLISHED, S.WITHDRAWN):
        return None
    if message.status == S.DRAFT or message.status in (S.REJECTED, S.CHANGES_REQUESTED):
        return publish_refusal(message, content_only=True)
    return publish_refusal(message)


def mentions(*, user: AnyUser) -> QuerySet[InboundPost]:
    return InboundPost.objects.select_related("account", "incident", "assignee", "triaged_by")


# --- pages ----------------------------------------------------------------------------------


def message_history(*, message: Message) -> QuerySet[TimelineEvent]:
    """The message's moves as the incident's timeline recorded them, oldest first."""
    return (
        TimelineEvent.objects.filter(incident_id=message.incident_id, data__message=message.pk)
        .select_related("actor")
        .order_by("at", "id")
    )


def writable_accounts(*, user: AnyUser) -> QuerySet[SocialAccount]:
    """Active accounts the user may write for: those naming nobody, or naming the user."""
    return (
        SocialAccount.objects.filter(is_active=True)
        .filter(Q(publishers__isnull=True) | Q(publishers=user.pk))
        .distinct()
        .order_by("handle")
    )


def incidents_to_write_about(*, user: AnyUser) -> QuerySet[Incident]:
    """Incidents a message can still be drafted for, the most urgent first."""
    return Incident.objects.filter(status__in=OPEN_STATUSES).order_by(
        "severity", "-detected_at", "-id"
    )


def mention_get(*, user: AnyUser, pk: Any) -> InboundPost | None:
    """The mention a reply is started from; None for a missing or malformed id."""
    mention_id = id_from(pk)
    if mention_id is None:
        return None
    return InboundPost.objects.select_related("account", "incident").filter(pk=mention_id).first()


def template_get(*, user: AnyUser, pk: Any) -> Template | None:
    """The template a message is started from; None for a missing or malformed id."""
    template_id = id_from(pk)
    if template_id is None:
        return None
    return (
        Template.objects.select_related("created_by", "approved_by").filter(pk=template_id).first()
    )


def _valid_approval_count() -> Count:
    return Count("approvals", filter=counting_approval(approval="approvals__", message=""))


def _cites_unverified() -> Exists:
    return Exists(
        Claim.objects.filter(messages=OuterRef("pk"), status__in=[s.value for s in UNVERIFIED])
    )


def _awaiting(user: AnyUser) -> QuerySet[Message]:
    """The rows of the user's approval queue, without what the page shows of them."""
    approved_by_user = Approval.objects.filter(
        message=OuterRef("pk"),
        approver=user.pk,
        decision=Approval.Decision.APPROVED,
        voided_at__isnull=True,
        text_hash=OuterRef("text_hash"),
    )
    return (
        Message.objects.filter(status=S.PENDING_APPROVAL)
        .exclude(author=user.pk)
        .exclude(edited_by=user.pk)
        .exclude(Exists(approved_by_user))
    )


def approval_queue(*, user: AnyUser) -> QuerySet[Message]:
    """Messages waiting for the user's approval: not their own, not already approved by them
    on the text as it stands; the longest waiting first."""
    if not holds(user, APPROVE_MESSAGE):
        return Message.objects.none()
    return (
        _awaiting(user)
        .select_related("incident", "account", "author")
        .annotate(valid_approvals=_valid_approval_count(), cites_unverified=_cites_unverified())
        .order_by("submitted_at", "id")
    )


def approvals_waiting_count(*, user: AnyUser) -> int:
    """The header's badge on every page: the queue's rows counted, without the approvals and
    claims the queue's page shows of each (a third of the time)."""
    if not holds(user, APPROVE_MESSAGE):
        return 0
    return _awaiting(user).count()


def decided_by(*, user: AnyUser) -> QuerySet[Approval]:
    """The user's own decisions, the latest first."""
    return (
        Approval.objects.filter(approver=user.pk)
        .select_related("message", "message__incident", "message__account")
        .order_by("-at", "-id")
    )


def messages_in_review(*, user: AnyUser) -> QuerySet[Message]:
    """The user's messages that wait for approval or came back to them."""
    return (
        Message.objects.filter(
            author=user.pk,
            status__in=[S.PENDING_APPROVAL, S.REJECTED, S.CHANGES_REQUESTED],
        )
        .select_related("incident", "account")
        .annotate(valid_approvals=_valid_approval_count())
        .order_by("-updated_at", "-id")
    )


def incident_messages(*, incident: Incident) -> QuerySet[Message]:
    """The war room's communications panel: newest first."""
    return (
        Message.objects.filter(incident=incident)
        .select_related("account", "author")
        .order_by("-created_at", "-id")
    )


def incident_waiting(*, incident: Incident) -> list[tuple[Message, int]]:
    """The incident's messages waiting for approval, the longest waiting first, each with the
    number of its approvals that count. Most incidents have none waiting: approvals are counted
    only when there is something to count."""
    waiting = list(
        Message.objects.filter(incident=incident, status=Message.Status.PENDING_APPROVAL)
        .select_related("account", "author")
        .order_by("submitted_at", "id")
    )
    if not waiting:
        return []
    counted = dict(
        Approval.objects.filter(counting_approval(), message__in=waiting)
        .order_by()
        .values_list("message_id")
        .annotate(n=Count("id"))
    )
    return [(message, counted.get(message.pk, 0)) for message in waiting]


def message_log(*, user: AnyUser) -> QuerySet[Message]:
    """The communications log: every message that was approved, went out, failed or was
    withdrawn, with its approvals; ``logged_at`` is when it last mattered."""
    return (
        messages(user=user)
        .filter(status__in=LOGGED)
        .annotate(logged_at=Coalesce("published_at", "approved_at", "submitted_at", "created_at"))
        .order_by("-logged_at", "-id")
    )


def templates(*, user: AnyUser) -> QuerySet[Template]:
    return Template.objects.select_related("created_by", "approved_by")


def accounts(*, user: AnyUser) -> QuerySet[SocialAccount]:
    """Every account, active first, each with ``rotation_due``."""
    return with_rotation_due(
        SocialAccount.objects.prefetch_related("publishers", "watch_terms").order_by(
            "-is_active", "handle"
        )
    )


def incident_briefings_in_review(*, incident: Incident) -> QuerySet[Message]:
    """The incident's staff briefings written but not yet sent (or sent back), oldest first."""
    return (
        Message.objects.filter(
            incident=incident,
            kind=Message.Kind.STAFF_BRIEFING,
            status__in=[
                S.DRAFT,
                S.PENDING_APPROVAL,
                S.APPROVED,
                S.PUBLISHING,
                S.FAILED,
                S.REJECTED,
                S.CHANGES_REQUESTED,
            ],
        )
        .select_related("author")
        .order_by("created_at", "id")
    )


def prepared_pages(*, incident: Incident) -> dict[str, list[Template]]:
    """The approved prepared statement pages the playbooks an incident used offer, by name
    (one per language)."""
    offered: dict[str, list[Template]] = {}
    for template in prepared_pages_offered(incident).order_by("name", "language"):
        offered.setdefault(template.name, []).append(template)
    return offered


def playbook_templates(*, incident: Incident) -> QuerySet[Template]:
    """The approved templates the playbooks an incident used offer in its composer: those in
    the language its public speaks first."""
    return (
        Template.objects.filter(
            playbook_versions__runs__incident=incident, approved_at__isnull=False
        )
        .exclude(kind=Template.Kind.PAGE)  # switched on from the statement page, not posted
        .distinct()
        .annotate(
            other_language=Case(
                When(language=incident.language, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("other_language", "kind", "name")
    )


def mention_replies(*, mention: InboundPost) -> QuerySet[Message]:
    return mention.replies.select_related("author", "account", "incident").order_by(
        "created_at", "id"
    )


def statement_page_links(*, incident: Incident) -> list[tuple[str, str]]:
    """The links to the incident on the public statement page, one per language (its name in
    the reader's language, the link), while it is on the page; none for a drill, whose page is
    never public."""
    if is_rehearsal(incident) or not page_is_live(incident.pk):
        return []
    anchor = incident.reference.lower()
    return [
        (language_said(code), public_url(f"{code}/#{anchor}")) for code, _name in settings.LANGUAGES
    ]
