"""Publishing approved messages: at most once towards the platform.

1. Claim: lock the row, require `approved`, move it to `publishing` with a fresh attempt
   token, commit. A redelivered task finds the row no longer `approved` and does not post.
2. Post, outside any transaction.
3. Settle, under the lock and only if the token is still ours: published (id and URL);
   rate limited (back to approved, next try at the reset time); refused (failed, with the
   platform's own words); unknown outcome (timeout, 5xx: stay `publishing` and reconcile —
   look for the text among the account's recent posts — before any retry).

A worker that dies between 1 and 3 leaves the row in `publishing`; the next delivery of the
task (acks late) or the sweeper sees it and reconciles instead of posting again.
"""

import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.errors import ApplicationError
from config.queue import enqueue
from incidents.models import TimelineEvent
from incidents.services import incident_first_response_record, timeline_event_record
from teams.models import Reason
from teams.selectors import crisis_lead_of
from teams.services import notify
from teams.stakeholders.services import staff_briefing_send

from .lifecycle import move
from .mentions.services import mention_mark_replied
from .models import Message
from .policy import valid_approvals
from .publishers import Posted, publisher_for, same_text
from .x_client import RateLimited, Refused, Unavailable

logger = logging.getLogger(__name__)
S = Message.Status

# How long a claimed attempt may stay unsettled before it is presumed interrupted.
STALE_AFTER = timedelta(minutes=2)
RECONCILE_DELAY = 15  # seconds: give the platform time to show the post it may have made


def publish_later(message: Message) -> None:
    """After commit, queue the message's publication at its scheduled time (or now). A
    stakeholder update is sent by a person, who then marks it sent: nothing is queued."""
    if message.kind == Message.Kind.STAKEHOLDER_UPDATE:
        return
    now = timezone.now()
    _schedule(
        message.pk,
        message.scheduled_at if message.scheduled_at and message.scheduled_at > now else None,
    )


def _schedule(message_id: int, at: datetime | None) -> None:
    options: dict[str, Any] = {"eta": at} if at else {}
    transaction.on_commit(
        lambda: enqueue("communications.tasks.publish_message", message_id, **options)
    )


def _schedule_reconcile(message_id: int, token: str, countdown: int = RECONCILE_DELAY) -> None:
    transaction.on_commit(
        lambda: enqueue(
            "communications.tasks.reconcile_publication", message_id, token, countdown=countdown
        )
    )


def _event(message: Message, text: str, **data: Any) -> None:
    timeline_event_record(
        incident=message.incident,
        actor=None,
        kind=TimelineEvent.Kind.PUBLISH,
        text=text,
        data={"message": message.pk, "status": message.status, **data},
    )


def _claim(message_id: int) -> tuple[Message, str] | None:
    """Move an approved message to `publishing` with a new token; None when not ours to post."""
    with transaction.atomic():
        message = (
            Message.objects.select_for_update(of=("self",))
            .select_related("account", "incident")
            .filter(pk=message_id)
            .first()
        )
        if message is None:
            return None
        now = timezone.now()
        if message.status == S.PUBLISHING:
            started = message.publishing_started_at or now
            if now - started > STALE_AFTER and message.attempt_token:
                _schedule_reconcile(message.pk, str(message.attempt_token), countdown=0)
            return None
        if message.status != S.APPROVED or message.kind == Message.Kind.STAKEHOLDER_UPDATE:
            return None
        due = max((t for t in (message.scheduled_at, message.next_attempt_at) if t), default=None)
        if due and due > now + timedelta(seconds=1):
            _schedule(message.pk, due)
            return None
        token = uuid.uuid4()
        move(message, S.PUBLISHING)
        message.attempt_token = token
        message.attempts += 1
        message.publishing_started_at = now
        message.save()
    return message, str(token)


def _post_all(message: Message) -> Posted:
    """Post the message (and a thread's further parts, each replying to the previous)."""
    assert message.account is not None
    publisher = publisher_for(message.account)
    mention = message.reply_to_mention
    reply_to = message.reply_to_post_id or (mention.external_id if mention else "")
    if message.external_id:  # a thread whose first post went out on an earlier attempt
        first = Posted(message.external_id, message.external_url)
    else:
        first = publisher.post(text=message.body, reply_to=reply_to, quote=message.quote_post_id)
        Message.objects.filter(pk=message.pk).update(external_id=first.external_id)
    previous = first.external_id
    for part in message.parts.order_by("position"):
        if not part.external_id:
            posted = publisher.post(text=part.body, reply_to=previous)
            part.external_id = posted.external_id
            part.save(update_fields=["external_id"])
        previous = part.external_id
    return first


def _locked_if_ours(message_id: int, token: str) -> Message | None:
    message = (
        Message.objects.select_for_update(of=("self",))
        .select_related("account", "incident", "author", "reply_to_mention")
        .get(pk=message_id)
    )
    if message.status != S.PUBLISHING or str(message.attempt_token) != token:
        return None
    return message


def _mark_published(message: Message, posted: Posted, *, sandbox: bool) -> None:
    now = timezone.now()
    move(message, S.PUBLISHED)
    message.external_id = posted.external_id
    message.external_url = posted.url
    message.sandbox = sandbox
    message.published_at = now
    message.last_error = ""
    message.save()
    _event(
        message,
        (
            _("Published in sandbox mode (not on X): %(text)s") % {"text": message.body}
            if sandbox
            else _("Published on X: %(url)s") % {"url": posted.url}
        ),
        external_id=posted.external_id,
        sandbox=sandbox,
    )
    incident_first_response_record(incident=message.incident, at=now)
    if message.reply_to_mention is not None:
        mention_mark_replied(mention=message.reply_to_mention, reply=message, at=now)
    notify(
        recipients=[message.author],
        reason=Reason.MESSAGE_PUBLISHED,
        subject=f"message:{message.pk}:published",
        title=_("%(reference)s: published — %(text)s")
        % {"reference": message.incident.reference, "text": message.body[:60]},
        body=_("Sandbox mode: nothing was posted on X.") if sandbox else posted.url,
        url=message.get_absolute_url(),
        incident=message.incident,
    )


def _mark_failed(message: Message, error: str) -> None:
    move(message, S.FAILED)
    message.last_error = error
    message.save()
    _event(message, _("Publishing failed: %(error)s") % {"error": error}, error=error)
    notify(
        recipients=[message.author, crisis_lead_of(incident=message.incident)],
        reason=Reason.PUBLISH_FAILED,
        subject=f"message:{message.pk}:failed:{message.attempts}",
        title=_("%(reference)s: a message could not be published")
        % {"reference": message.incident.reference},
        body=error,
        url=message.get_absolute_url(),
        incident=message.incident,
    )


def _retry_or_fail(message: Message, error: str) -> None:
    """The post surely does not exist: try again later, within the bound."""
    if message.attempts >= settings.PUBLISH_MAX_ATTEMPTS:
        _mark_failed(
            message,
            _("%(error)s (gave up after %(count)d attempts)")
            % {"error": error, "count": message.attempts},
        )
        return
    delay = timedelta(seconds=min(30 * 2 ** (message.attempts - 1), 900))
    move(message, S.APPROVED)
    message.next_attempt_at = timezone.now() + delay
    message.last_error = error
    message.save()
    _schedule(message.pk, message.next_attempt_at)


def publish(message_id: int) -> str:
    """One attempt to publish; returns what happened (for logs and tests)."""
    claimed = _claim(message_id)
    if claimed is None:
        return "not ours"
    message, token = claimed
    if message.kind == Message.Kind.STAFF_BRIEFING:
        return _brief_staff(message.pk, token)
    assert message.account is not None
    sandbox = message.account.is_sandbox
    try:
        posted = _post_all(message)
    except RateLimited as exc:
        with transaction.atomic():
            if (locked := _locked_if_ours(message_id, token)) is None:
                return "superseded"
            move(locked, S.APPROVED)
            locked.next_attempt_at = exc.reset_at
            locked.last_error = _("X rate limit reached; next attempt at %(at)s") % {
                "at": exc.reset_at.isoformat()
            }
            locked.save()
            _schedule(locked.pk, exc.reset_at)
        return "rate limited"
    except Unavailable as exc:
        with transaction.atomic():
            if (locked := _locked_if_ours(message_id, token)) is None:
                return "superseded"
            locked.last_error = _("%(error)s; checking whether the post exists") % {"error": exc}
            locked.save()
            _schedule_reconcile(locked.pk, token)
        return "unknown"
    except Refused as exc:
        with transaction.atomic():
            if (locked := _locked_if_ours(message_id, token)) is None:
                return "superseded"
            _mark_failed(locked, str(exc))
        return "failed"
    with transaction.atomic():
        if (locked := _locked_if_ours(message_id, token)) is None:
            return "superseded"
        _mark_published(locked, posted, sandbox=sandbox)
    return "published"


def _brief_staff(message_id: int, token: str) -> str:
    """An approved staff briefing goes to people, not to a network: send it through their
    notification preferences, in the name of the approver who completed the approval."""
    with transaction.atomic():
        if (message := _locked_if_ours(message_id, token)) is None:
            return "superseded"
        approvals = valid_approvals(message)
        sender = approvals[-1].approver if approvals else message.author
        try:
            with transaction.atomic():
                briefing = staff_briefing_send(
                    actor=sender,
                    incident=message.incident,
                    text=message.body,
                    departments=list(message.briefing_departments.all()),
                )
        except ApplicationError as exc:
            _mark_failed(message, exc.message)
            return "failed"
        now = timezone.now()
        move(message, S.PUBLISHED)
        message.published_at = now
        message.last_error = ""
        message.save()
        _event(
            message,
            _("Staff briefing sent to %(count)d people") % {"count": briefing.recipient_count},
            briefing=briefing.pk,
        )
    return "published"


def reconcile(message_id: int, token: str) -> str:
    """After an unknown outcome: find the post among the account's recent ones, or retry."""
    with transaction.atomic():
        message = _locked_if_ours(message_id, token)
        if message is None or message.account is None:
            return "settled"
        since = (message.publishing_started_at or timezone.now()) - timedelta(minutes=2)
    publisher = publisher_for(message.account)
    try:
        recent = publisher.recent_posts(since=since)
    except (Unavailable, RateLimited) as exc:
        # Cannot tell yet; ask again later (the task retries with backoff, bounded).
        raise ReconcileLater(str(exc)) from exc
    except Refused as exc:
        with transaction.atomic():
            if (locked := _locked_if_ours(message_id, token)) is not None:
                _mark_failed(locked, _("Could not check whether it was posted: %(e)s") % {"e": exc})
        return "failed"
    match = next((pid for pid, text in recent if same_text(text, message.body)), None)
    with transaction.atomic():
        if (locked := _locked_if_ours(message_id, token)) is None:
            return "settled"
        if match:
            handle = locked.account.handle if locked.account else ""
            url = f"https://x.com/{handle}/status/{match}"
            _mark_published(locked, Posted(match, url), sandbox=False)
            return "found"
        _retry_or_fail(locked, locked.last_error or _("X did not confirm the post"))
    return "not found"


class ReconcileLater(Exception):
    """The platform could not be asked; try reconciling again later."""


def sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Re-drive what a lost task left behind (beat, every 30 s): approved messages whose time
    has come more than a minute ago, and attempts stuck in `publishing`. The rows, not the
    queued tasks, are the truth; a duplicate drive is harmless because every attempt is
    claimed under a lock."""
    now = now or timezone.now()
    late = now - timedelta(minutes=1)
    due = (
        Message.objects.filter(status=S.APPROVED)
        .exclude(kind=Message.Kind.STAKEHOLDER_UPDATE)
        .filter(approved_at__lt=late)
        .filter(models.Q(scheduled_at__isnull=True) | models.Q(scheduled_at__lt=late))
        .filter(models.Q(next_attempt_at__isnull=True) | models.Q(next_attempt_at__lt=late))
        .values_list("pk", flat=True)
    )
    stuck = Message.objects.filter(
        status=S.PUBLISHING, publishing_started_at__lt=now - STALE_AFTER
    ).values_list("pk", "attempt_token")
    driven = 0
    for pk in due:
        enqueue("communications.tasks.publish_message", pk)
        driven += 1
    reconciled = 0
    for pk, token in stuck:
        if token:
            enqueue("communications.tasks.reconcile_publication", pk, str(token))
            reconciled += 1
    return {"published": driven, "reconciled": reconciled}
