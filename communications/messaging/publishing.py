"""Publishing approved messages: every post exactly once on X, none lost, for threads too.

An attempt (the publish task):

1. Claim, in one transaction: lock the row; an approved message whose time has come and that
   the last gate lets through (communications.messaging.gate.publish_refusal) moves to
   ``publishing`` with a fresh attempt token and a lease (PUBLISH_LEASE_SECONDS). A task
   delivered twice finds the row no longer approved and posts nothing.
2. Post, outside any transaction, each post of the message not yet on X: a thread's first
   post, then its parts in order, each replying to the previous. Just before each post, under
   the incident's and the message's locks, the attempt stops if its token is no longer the
   row's, the gate is asked again and the lease renewed; after each post its id is recorded at
   once, whoever holds the attempt by then (the first id recorded stays).
3. Settle under the lock, only while the token is the row's: published when every post is on
   X; rate limited: back to approved, next try at X's reset time; refused: failed with X's own
   words; no answer (timeout, 5xx): the outcome is unknown, so the attempt is reconciled.

Reconciling asks X for the account's posts since the attempt began, every page, and looks
for each post not yet recorded the way X shows it (communications.messaging.publishers.same_post).
What is found is recorded; a message whose posts are all found is published; otherwise it
goes back to approved and the next attempt resumes at the first post missing: at once when
the worker was lost (the search was complete), after a backoff when X did not answer.

When the gate says no, the message lands in a state that says why (see ``_stop``), and its
author and the crisis lead are told.

A worker killed mid-attempt leaves the row in ``publishing`` with a lease that runs out; the
sweeper (beat, every 10 s) reconciles such attempts, one reconciliation per message at a
time, and queues again the approved messages whose task was lost. While a pause holds the
account nothing asks X, not even a reconciliation: the attempt waits for the resume, where a
manager releases it or not. The rows are the truth,
never the queue. When X refuses a post as duplicate content the attempt looks for its own
post at once: found, it is recorded; not found, the refusal is X's final word.
"""

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from communications.accounts.pauses import pause_covering, paused_account_ids
from communications.accounts.x_client import (
    DuplicateContent,
    RateLimited,
    Refused,
    TargetGone,
    Unavailable,
    Unusable,
)
from communications.listening.mentions.services import mention_mark_gone, mention_mark_replied
from communications.messaging.gate import (
    Refusal,
    Stop,
    has_gone_out,
    publish_refusal,
    valid_approvals,
)
from communications.messaging.lifecycle import approvals_void, move
from communications.messaging.models import STATEMENT_PAGE, Message, ThreadPart
from communications.messaging.publishers import (
    OwnPost,
    Posted,
    Publisher,
    Wanted,
    publisher_for,
    same_post,
)
from communications.messaging.subscribers import subscribers_fan_out
from config.errors import ApplicationError
from config.queue import enqueue
from config.when import moment_in, site_zone
from incidents import live
from incidents.models import Incident, TimelineEvent
from incidents.rehearsals import is_rehearsal
from incidents.services import incident_first_response_record, timeline_event_record
from teams.models import Reason
from teams.schedule import engine as schedule
from teams.selectors import crisis_lead_of
from teams.services import notify
from teams.stakeholders.services import staff_briefing_send

logger = logging.getLogger(__name__)
S = Message.Status
# Statements to everyone (not a reply to one person): what the first-statement and update
# deadlines wait for.
PUBLIC_STATEMENT_KINDS = (
    Message.Kind.TWEET,
    Message.Kind.THREAD,
    Message.Kind.QUOTE,
    Message.Kind.CORRECTION,
    Message.Kind.PAGE_UPDATE,
)

# Stops a text can be changed out of: the message goes back to draft (when none of it is out).
BACK_TO_DRAFT = (Stop.UNFILLED, Stop.NEVER_SAY, Stop.TARGET_GONE, Stop.DRILL, Stop.CHANGED)

PUBLISH_TASK = "communications.tasks.publish_message"
RECONCILE_TASK = "communications.tasks.reconcile_publication"
RECONCILE_DELAY = 15  # seconds: give X time to show a post it may have made
# A task queued this long ago that has not claimed its message is presumed lost.
REQUEUE_AFTER = timedelta(seconds=10)
# Posts made since a little before the attempt began are searched (clocks drift).
SEARCH_MARGIN = timedelta(minutes=2)


class Superseded(Exception):
    """The attempt's token is no longer the row's: someone else holds the message now."""


class Stopped(Exception):
    """The gate said no just before a post: nothing more is posted (the outcome is kept)."""

    def __init__(self, outcome: str) -> None:
        super().__init__(outcome)
        self.outcome = outcome


def _lease() -> timedelta:
    return timedelta(seconds=settings.PUBLISH_LEASE_SECONDS)


def _call_at_most() -> timedelta:
    """The longest one post to X can take: the request, a token refresh and the request again
    (XClient.call), each connecting and reading for up to X_API_TIMEOUT. A lease is shorter, so
    that a dead worker's attempt is taken over soon; a live one may still be waiting then."""
    return timedelta(seconds=3 * 2 * settings.X_API_TIMEOUT)


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
    Message.objects.filter(pk=message_id).update(queued_at=timezone.now())
    transaction.on_commit(lambda: enqueue(PUBLISH_TASK, message_id, **options))


def reconcile_later(message: Message) -> None:
    """After commit, look on X for what the message's unsettled attempt posted (a pause's
    resume asks this for the attempts it held)."""
    _schedule_reconcile(message.pk, None)


def _schedule_reconcile(message_id: int, token: str | None, countdown: int = 0) -> None:
    Message.objects.filter(pk=message_id).update(queued_at=timezone.now())
    transaction.on_commit(lambda: enqueue(RECONCILE_TASK, message_id, token, countdown=countdown))


def _event(message: Message, text: str, **data: Any) -> None:
    timeline_event_record(
        incident=message.incident,
        actor=None,
        kind=TimelineEvent.Kind.PUBLISH,
        text=text,
        data={"message": message.pk, "status": message.status, **data},
    )


def _lock(message_id: int) -> Message | None:
    return (
        Message.objects.select_for_update(of=("self",))
        .select_related("account", "incident", "author", "reply_to_mention")
        .filter(pk=message_id)
        .first()
    )


def _locked_if_ours(message_id: int, token: str) -> Message | None:
    message = _lock(message_id)
    if message is None or message.status != S.PUBLISHING or str(message.attempt_token) != token:
        return None
    return message


def _incident_held(incident_id: int) -> None:
    """Wait for any change of the incident being committed (declining it, say), and keep it
    from changing until this transaction ends: the gate reads the incident as it is."""
    Incident.objects.select_for_update(no_key=True).filter(pk=incident_id).values_list("pk")[
        :1
    ].get()


# --- the posts of a message -----------------------------------------------------------------


@dataclass
class Item:
    """One post of a message: the message itself (a thread's first post) or a thread part."""

    wanted: Wanted
    external_id: str
    part: ThreadPart | None = None


def _items(message: Message) -> list[Item]:
    """The message's posts in the order they go out. A part's reply target is the post
    before it, known once that one is out (left empty here)."""
    mention = message.reply_to_mention
    first = Wanted(
        text=message.body,
        reply_to=message.reply_to_post_id or (mention.external_id if mention else ""),
        quote=message.quote_post_id,
    )
    items = [Item(first, message.external_id)]
    for part in ThreadPart.objects.filter(message=message).order_by("position"):
        items.append(Item(Wanted(text=part.body), part.external_id, part))
    return items


def _record(message: Message, item: Item, posted: Posted) -> None:
    """Keep a post's id the moment it is known. The first id recorded stays: a late answer
    of an attempt that was taken over cannot overwrite what the new one found."""
    if item.part is None:
        Message.objects.filter(pk=message.pk, external_id="").update(
            external_id=posted.external_id, external_url=posted.url
        )
    else:
        ThreadPart.objects.filter(pk=item.part.pk, external_id="").update(
            external_id=posted.external_id
        )
    item.external_id = posted.external_id


def _last_moment(message: Message, token: str) -> None:
    """Just before each post, under the incident's and the message's locks: the attempt is
    still this one's and the gate still says yes (an incident declined, a pause, an approver
    switched off since the claim stop it here: a thread before its next part); then the lease
    is renewed."""
    with transaction.atomic():
        _incident_held(message.incident_id)
        locked = _locked_if_ours(message.pk, token)
        if locked is None or locked.not_released:
            # Taken over, or left unreleased after a pause: the reconciliation settles it.
            raise Superseded
        refusal = publish_refusal(locked)
        if refusal is None:
            locked.lease_expires_at = timezone.now() + _lease()
            locked.save(update_fields=["lease_expires_at", "updated_at"])
            return
        outcome = _stop(locked, refusal)
    raise Stopped(outcome)


def _post_missing(message: Message, token: str, publisher: Publisher) -> None:
    """Post each post not yet on X, in order, recording each id as soon as X gives it."""
    previous = ""
    for item in _items(message):
        if not item.external_id:
            reply_to = item.wanted.reply_to if item.part is None else previous
            _last_moment(message, token)
            try:
                posted = publisher.post(
                    text=item.wanted.text, reply_to=reply_to, quote=item.wanted.quote
                )
            except DuplicateContent:
                # Perhaps our own post whose answer was lost: look before calling it a refusal.
                since = (message.publishing_started_at or timezone.now()) - SEARCH_MARGIN
                posts = _not_yet_recorded(message, publisher.own_posts(since=since))
                found = _find(posts, item, reply_to)
                if found is None:
                    raise
                posted = Posted(found.external_id, publisher.url(found.external_id))
            _record(message, item, posted)
        previous = item.external_id


def _find(posts: list[OwnPost], item: Item, reply_to: str) -> OwnPost | None:
    wanted = Wanted(text=item.wanted.text, reply_to=reply_to, quote=item.wanted.quote)
    return next((post for post in posts if same_post(post, wanted)), None)


# --- settling -------------------------------------------------------------------------------


def _mark_published(message: Message, *, sandbox: bool) -> None:
    now = timezone.now()
    message.refresh_from_db(fields=["external_id", "external_url"])
    move(message, S.PUBLISHED)
    message.sandbox = sandbox
    message.published_at = now
    message.last_error = ""
    message.lease_expires_at = None
    message.unknown_outcome = False
    message.not_released = False
    message.held_since = None
    message.save()
    if message.kind == Message.Kind.PAGE_UPDATE:
        said = (
            _("Published on the statement page in sandbox mode (a drill: not public): %(text)s")
            if sandbox
            else _("Published on the statement page (%(language)s): %(text)s")
        ) % {"text": message.body, "language": message.language}
    elif sandbox:
        said = _("Published in sandbox mode (not on X): %(text)s") % {"text": message.body}
    else:
        said = _("Published on X: %(url)s") % {"url": message.external_url}
    _event(
        message,
        said,
        external_id=message.external_id,
        sandbox=sandbox,
    )
    if message.kind in PUBLIC_STATEMENT_KINDS:
        # A statement to everyone, not a reply to one person: the first statement and the
        # update cadence count these.
        incident_first_response_record(incident=message.incident, at=now)
        schedule.public_update_published(incident=message.incident, at=now, by=message.author)
    if message.reply_to_mention is not None:
        mention_mark_replied(mention=message.reply_to_mention, reply=message, at=now)
    notify(
        recipients=[message.author],
        reason=Reason.MESSAGE_PUBLISHED,
        subject=f"message:{message.pk}:published",
        title=lambda _zone: (
            _("%(reference)s: published — %(text)s")
            % {"reference": message.incident.reference, "text": message.body[:60]}
        ),
        body=lambda _zone: (
            _("A drill: nothing was put on the statement page.")
            if message.kind == Message.Kind.PAGE_UPDATE and message.sandbox
            else _("On the statement page.")
            if message.kind == Message.Kind.PAGE_UPDATE
            else _("Sandbox mode: nothing was posted on X.")
            if sandbox
            else message.external_url
        ),
        url=message.get_absolute_url(),
        incident=message.incident,
    )


def _already_out(message: Message) -> str:
    """For a failure of a thread: which of its posts are on X anyway."""
    out = [n for n, item in enumerate(_items(message), start=1) if item.external_id]
    if not out:
        return ""
    return _(" Already on X: post %(posts)s of %(count)d; a retry posts only the rest.") % {
        "posts": ", ".join(str(n) for n in out),
        "count": len(_items(message)),
    }


def _mark_failed(message: Message, error: str) -> None:
    error = error + _already_out(message)
    move(message, S.FAILED)
    message.last_error = error
    message.lease_expires_at = None
    message.save()
    _event(message, _("Publishing failed: %(error)s") % {"error": error}, error=error)
    notify(
        recipients=[message.author, crisis_lead_of(incident=message.incident)],
        reason=Reason.PUBLISH_FAILED,
        subject=f"message:{message.pk}:failed:{message.attempts}",
        title=lambda _zone: (
            _("%(reference)s: a message could not be published")
            % {"reference": message.incident.reference}
        ),
        body=error,
        url=message.get_absolute_url(),
        incident=message.incident,
    )


def _unusable_to_check(exc: Unusable) -> str:
    return _(
        "Could not check on X whether it was posted: %(problem)s. Fix the account's "
        "credentials, then try again: X is asked first."
    ) % {"problem": exc}


def _unusable(exc: Unusable) -> str:
    return _("Nothing was posted: %(problem)s. Fix the account's credentials, then try again.") % {
        "problem": exc
    }


def _retry_or_fail(message: Message, error: str, *, delay: timedelta) -> None:
    """Nothing (more) of the message is on X: try again after ``delay``, within the bound."""
    if message.attempts >= settings.PUBLISH_MAX_ATTEMPTS:
        _mark_failed(
            message,
            _("%(error)s (gave up after %(count)d attempts)")
            % {"error": error, "count": message.attempts},
        )
        return
    move(message, S.APPROVED)
    message.next_attempt_at = timezone.now() + delay if delay else None
    message.last_error = error
    message.lease_expires_at = None
    message.save()
    _schedule(message.pk, message.next_attempt_at)


def _backoff(count: int) -> timedelta:
    return timedelta(seconds=min(30 * 2 ** max(count - 1, 0), 900))


# --- the attempt ----------------------------------------------------------------------------


def _claim(message_id: int) -> tuple[Message, str] | str:
    """Move an approved message to `publishing` with a new token and lease, or say why not:
    not ours to post (not approved, held by another attempt), not yet due, or what the gate's
    refusal made of it."""
    with transaction.atomic():
        message = _lock(message_id)
        if message is None:
            return "not ours"
        now = timezone.now()
        if message.status == S.PUBLISHING:
            if message.lease_expires_at is None or message.lease_expires_at <= now:
                _schedule_reconcile(message.pk, None)
            return "not ours"
        if message.status != S.APPROVED or message.kind == Message.Kind.STAKEHOLDER_UPDATE:
            return "not ours"
        refusal = publish_refusal(message)
        if refusal is not None:
            return _stop(message, refusal)
        due = max((t for t in (message.scheduled_at, message.next_attempt_at) if t), default=None)
        if due and due > now + timedelta(seconds=1):
            _schedule(message.pk, due)
            return "not yet due"
        token = uuid.uuid4()
        # An earlier attempt's outcome never settled (X could not be asked, the message failed,
        # someone tried it again): X is asked for that attempt's posts, from its start, before
        # anything is posted again; asked in vain, the outcome is unknown again.
        checking = message.unknown_outcome and message.publishing_started_at is not None
        move(message, S.PUBLISHING)
        message.attempt_token = token
        if not checking:
            message.attempts += 1
            message.publishing_started_at = now
        message.lease_expires_at = now + _lease()
        message.unknown_outcome = False
        message.checks = 0
        message.queued_at = None  # the task queued for it has come
        message.save()
        if checking:
            _schedule_reconcile(message.pk, str(token))
            return "checking first"
    return message, str(token)


# --- when the gate says no ------------------------------------------------------------------


def _stop(message: Message, refusal: Refusal) -> str:
    """The gate said no (the message is locked, approved or publishing): it lands in a state
    that says why, on the timeline, and its author and the crisis lead are told. Nothing is
    lost: a pause holds it until a manager releases it; short of approvals it waits for them
    again; a switched-off account fails it until someone tries again; a text that cannot go
    (a placeholder, a never-say word, a reply to a post gone from X, a drill's line, changed
    content) goes back to draft; an incident that may no longer speak withdraws it. What is
    already on X of a thread fails the rest instead."""
    if refusal.stop == Stop.PAUSED:
        assert refusal.pause is not None
        if message.status == S.PUBLISHING:
            move(message, S.APPROVED)
            message.lease_expires_at = None
            message.save()
        _held_by_a_pause(message, refusal)
        return "paused"
    if message.status == S.PUBLISHING:
        move(message, S.APPROVED)
    message.lease_expires_at = None
    message.queued_at = None
    out = has_gone_out(message)
    if refusal.stop == Stop.APPROVALS:
        outcome, text = _wait_for_approvals(message, refusal)
    elif refusal.stop == Stop.INCIDENT_OVER and not out:
        move(message, S.WITHDRAWN)
        outcome = "withdrawn"
        text = _("Withdrawn before it went out: %(why)s") % {"why": refusal.text}
    elif refusal.stop in BACK_TO_DRAFT and not out:
        move(message, S.DRAFT)
        message.approved_at = None
        approvals_void(message, timezone.now())
        outcome = "back to draft"
        text = _("Not published, back to draft: %(why)s Change it and submit it again.") % {
            "why": refusal.text
        }
    else:
        move(message, S.FAILED)
        message.last_error = refusal.text + _already_out(message)
        outcome = "failed"
        text = _("Not published: %(why)s") % {"why": message.last_error}
    message.save()
    _event(message, text, stop=str(refusal.stop))
    notify(
        recipients=[message.author, crisis_lead_of(incident=message.incident)],
        reason=Reason.PUBLISH_FAILED,
        subject=f"message:{message.pk}:stopped:{refusal.stop}:{timezone.now().isoformat()}",
        title=lambda _zone: (
            _("%(reference)s: a message did not go out — %(text)s")
            % {"reference": message.incident.reference, "text": message.body[:60]}
        ),
        body=text,
        url=message.get_absolute_url(),
        incident=message.incident,
    )
    return outcome


def _held_by_a_pause(message: Message, refusal: Refusal) -> None:
    """Publishing is paused on the message's account: it waits, said once on its timeline,
    until a manager resumes and releases it (the resume decides; no task is queued)."""
    if message.held_since is not None:
        return
    message.held_since = timezone.now()
    message.queued_at = None
    message.save(update_fields=["held_since", "queued_at", "updated_at"])
    assert refusal.pause is not None
    _event(
        message,
        _("Not published: publishing is paused on %(where)s by %(who)s; it waits for release")
        % {"where": refusal.pause.where, "who": refusal.pause.paused_by},
        pause=refusal.pause.pk,
    )


def _wait_for_approvals(message: Message, refusal: Refusal) -> tuple[str, str]:
    """Short of approvals that count now: it waits for approval again, the bar raised to what
    it needs, and whoever can still approve it is asked."""
    count = refusal.approvals
    assert count is not None
    move(message, S.PENDING_APPROVAL)
    message.approvals_required = count.needed
    message.approved_at = None
    text = _("Not published, waiting for approval again: %(why)s") % {"why": refusal.text}
    if count.stuck:
        text += " " + _("Only %(count)d people can still approve it.") % {
            "count": len(count.can_approve)
        }
    notify(
        recipients=count.can_approve,
        reason=Reason.APPROVAL_REQUESTED,
        subject=f"message:{message.pk}:{message.text_hash}:again:{count.counted}",
        title=lambda _zone: (
            _("%(reference)s: a message needs another approval")
            % {"reference": message.incident.reference}
        ),
        body=message.body,
        url=message.get_absolute_url(),
        incident=message.incident,
    )
    return "waiting for approval", text


def _publisher(message: Message) -> Publisher:
    """Where the message goes: its account's publisher, in sandbox for a drill's message."""
    assert message.account is not None
    return publisher_for(message.account, drill=is_rehearsal(message))


def publish(message_id: int) -> str:
    """One attempt to publish; returns what happened (for logs and tests)."""
    claimed = _claim(message_id)
    if isinstance(claimed, str):
        return claimed
    message, token = claimed
    if message.kind == Message.Kind.STAFF_BRIEFING:
        return _brief_staff(message.pk, token)
    if message.kind == Message.Kind.PAGE_UPDATE:
        return _update_page(message.pk, token)
    assert message.account is not None
    try:
        publisher = _publisher(message)
        _post_missing(message, token, publisher)
    except Superseded:
        return "superseded"
    except Stopped as stopped:
        return stopped.outcome
    except Unusable as exc:
        return _settle_failed(message_id, token, _unusable(exc))
    except RateLimited as exc:
        with transaction.atomic():
            if (locked := _locked_if_ours(message_id, token)) is None:
                return "superseded"
            move(locked, S.APPROVED)
            locked.next_attempt_at = exc.reset_at
            locked.lease_expires_at = None
            locked.last_error = _("X rate limit reached; next attempt at %(at)s") % {
                "at": moment_in(exc.reset_at, site_zone())
            }
            locked.save()
            _schedule(locked.pk, exc.reset_at)
        return "rate limited"
    except Unavailable as exc:
        with transaction.atomic():
            if (locked := _locked_if_ours(message_id, token)) is None:
                return "superseded"
            locked.unknown_outcome = True
            locked.lease_expires_at = timezone.now() + timedelta(seconds=RECONCILE_DELAY)
            locked.last_error = _("%(error)s; checking whether the post exists") % {"error": exc}
            locked.save()
            _schedule_reconcile(locked.pk, token, countdown=RECONCILE_DELAY)
        return "unknown"
    except TargetGone as exc:
        return _settle_target_gone(message_id, token, str(exc))
    except Refused as exc:
        return _settle_failed(message_id, token, str(exc))
    with transaction.atomic():
        if (locked := _locked_if_ours(message_id, token)) is None:
            return "superseded"
        _mark_published(locked, sandbox=publisher.sandbox)
    return "published"


def _settle_target_gone(message_id: int, token: str, error: str) -> str:
    """X said the post a reply answers is deleted or no longer visible: the mention is marked
    gone (the pre-flight check then blocks every reply to it), and the reply stops as the gate
    would have stopped it: back to draft, its author told (failed when part of a thread is
    already out)."""
    with transaction.atomic():
        if (locked := _locked_if_ours(message_id, token)) is None:
            return "superseded"
        mention = locked.reply_to_mention
        if mention is not None and not has_gone_out(locked):
            # Its first post answers the mention: that is the post X no longer shows. (A later
            # part answers our own previous post: the mention is not what went.)
            mention_mark_gone(mention=mention, at=timezone.now(), words=error)
        refusal = publish_refusal(locked, content_only=True)
        return _stop(locked, refusal or Refusal(Stop.TARGET_GONE, error))


def _settle_failed(message_id: int, token: str, error: str, *, unknown: bool = False) -> str:
    """The attempt fails. ``unknown``: X could not be asked whether it posted, so a later try
    asks first (_claim)."""
    with transaction.atomic():
        if (locked := _locked_if_ours(message_id, token)) is None:
            return "superseded"
        if unknown:
            locked.unknown_outcome = True
        _mark_failed(locked, error)
    return "failed"


def _update_page(message_id: int, token: str) -> str:
    """An approved statement page update goes on the brand's own page: published in the
    transaction that asks the gate, so it is on the page once or not at all (a worker killed
    before the commit published nothing, and the sweeper tries again). A drill's update is
    published in sandbox: the public page never shows it."""
    with transaction.atomic():
        if (message := _locked_if_ours(message_id, token)) is None:
            return "superseded"
        refusal = publish_refusal(message)
        if refusal is not None:
            return _stop(message, refusal)
        _mark_published(message, sandbox=is_rehearsal(message))
        # Its subscribers' emails commit with it: each update reaches them once, or not at all.
        subscribers_fan_out(message)
        live.bump(STATEMENT_PAGE)
    return "published"


def _brief_staff(message_id: int, token: str) -> str:
    """An approved staff briefing goes to people, not to a network: send it through their
    notification preferences, in the name of the approver who completed the approval. The
    briefing and the message's new status commit together: a briefing whose worker died is
    not sent, and is sent when it is reconciled."""
    with transaction.atomic():
        if (message := _locked_if_ours(message_id, token)) is None:
            return "superseded"
        refusal = publish_refusal(message)
        if refusal is not None:
            return _stop(message, refusal)
        if is_rehearsal(message):
            return _brief_nobody(message)
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
        message.lease_expires_at = None
        message.save()
        _event(
            message,
            ngettext(
                "Staff briefing approved: to be delivered to %(count)d person",
                "Staff briefing approved: to be delivered to %(count)d people",
                briefing.recipient_count,
            )
            % {"count": briefing.recipient_count},
            briefing=briefing.pk,
        )
    return "published"


def _brief_nobody(message: Message) -> str:
    """A drill's staff briefing, approved: the practice ends here. Telling every employee
    about a crisis that is a rehearsal would alarm them, so it is sent to nobody (sandbox)."""
    move(message, S.PUBLISHED)
    message.published_at = timezone.now()
    message.sandbox = True
    message.last_error = ""
    message.lease_expires_at = None
    message.save()
    _event(message, _("Drill: the staff briefing was approved and sent to nobody (sandbox)."))
    return "published"


# --- reconciling ----------------------------------------------------------------------------


def _take_over(message_id: int, token: str | None) -> tuple[Message, str, datetime] | str:
    """Hold the attempt for reconciling: the scheduled check of its own owner, or any check
    once the lease ran out (its worker is gone). Otherwise say why not: settled, a worker may
    still be posting, or a pause holds the account (X is not asked with its tokens; the
    attempt waits for the resume, which releases it or not). Held, also say until when a post
    of the attempt may still land on X: its worker, past its lease, may be alive and waiting
    for X's answer (a slow X in the middle of a crisis), so nothing is posted again before."""
    with transaction.atomic():
        message = _lock(message_id)
        if message is None or message.status != S.PUBLISHING:
            return "settled"
        now = timezone.now()
        own = token is not None and str(message.attempt_token) == token
        if not own and message.lease_expires_at and message.lease_expires_at > now:
            return "settled"
        if (pause := pause_covering(message.account_id)) is not None:
            if message.held_since is None:
                message.held_since = now
                message.queued_at = None
                message.save(update_fields=["held_since", "queued_at", "updated_at"])
                _event(
                    message,
                    _(
                        "Publishing is paused on %(where)s by %(who)s: whether this message "
                        "went out is checked once a manager releases it"
                    )
                    % {"where": pause.where, "who": pause.paused_by},
                    pause=pause.pk,
                )
            return "paused"
        quiet_at = now
        if not own and message.lease_expires_at is not None:
            # The lease was renewed just before the last post began.
            quiet_at = max(now, message.lease_expires_at - _lease() + _call_at_most())
        new = uuid.uuid4()
        message.attempt_token = new
        message.lease_expires_at = now + _lease()
        message.checks += 1
        message.save()
    return message, str(new), quiet_at


def reconcile(message_id: int, token: str | None = None) -> str:
    """After an unknown outcome or a lost worker: find the attempt's posts on X, or resume."""
    held = _take_over(message_id, token)
    if isinstance(held, str):
        return held
    message, token, quiet_at = held
    if message.account is None:
        # A briefing or a page update commits with the status: still publishing, it was
        # never sent.
        with transaction.atomic():
            if (locked := _locked_if_ours(message_id, token)) is not None:
                why = (
                    _("The briefing was interrupted")
                    if locked.is_internal
                    else _("The page update was interrupted")
                )
                _retry_or_fail(locked, why, delay=timedelta(0))
        return "not found"
    assert message.account is not None
    since = (message.publishing_started_at or timezone.now()) - SEARCH_MARGIN
    try:
        publisher = _publisher(message)
        posts = publisher.own_posts(since=since)
    except Unusable as exc:
        return _settle_failed(message_id, token, _unusable_to_check(exc), unknown=True)
    except (Unavailable, RateLimited) as exc:
        return _check_later(message_id, token, str(exc))
    except Refused as exc:
        return _settle_failed(
            message_id,
            token,
            _("Could not check whether it was posted: %(e)s") % {"e": exc},
            unknown=True,
        )
    missing = _match(message, posts, publisher)
    with transaction.atomic():
        if (locked := _locked_if_ours(message_id, token)) is None:
            return "settled"
        if not missing:
            _mark_published(locked, sandbox=publisher.sandbox)
            return "found"
        if locked.not_released:
            return _settle_not_released(locked)
        error = locked.last_error or _("X did not confirm the post")
        delay = _backoff(locked.attempts) if locked.unknown_outcome else timedelta(0)
        # Not before a post of the attempt taken over could still land (its worker records it).
        delay = max(delay, quiet_at - timezone.now())
        locked.unknown_outcome = False  # settled: nothing of it is on X
        _retry_or_fail(locked, error, delay=delay)
    return "not found"


def fail_not_released(message: Message) -> str:
    """An approved message part of which is on X (a thread the pause stopped half-way) was not
    released: the rest fails, saying what is out, and the timeline's line is returned. It never
    goes back to draft, where its text could change and the whole thread go out again."""
    move(message, S.FAILED)
    message.last_error = _("Not released after the pause.") + _already_out(message)
    return _("Not published: %(why)s") % {"why": message.last_error}


def _settle_not_released(message: Message) -> str:
    """A manager did not release this attempt after the pause: what X showed is recorded and
    nothing more is posted. Nothing of it out, it goes back to draft (its approvals voided);
    part of a thread out, the rest fails, saying which."""
    message.not_released = False
    move(message, S.APPROVED)
    message.lease_expires_at = None
    if has_gone_out(message):
        text = fail_not_released(message)
        outcome = "failed"
    else:
        move(message, S.DRAFT)
        message.approved_at = None
        approvals_void(message, timezone.now())
        text = _(
            "Not released after the pause and not on X: back to draft, its approvals voided; "
            "submit it again to send it"
        )
        outcome = "back to draft"
    message.save()
    _event(message, text)
    return outcome


def _not_yet_recorded(message: Message, posts: list[OwnPost]) -> list[OwnPost]:
    """Leave out the posts already recorded as another message's (the same words may have
    gone out twice on purpose, to different people or days apart)."""
    ids = [post.external_id for post in posts]
    taken = set(
        Message.objects.filter(account=message.account_id, external_id__in=ids)
        .exclude(pk=message.pk)
        .values_list("external_id", flat=True)
    ) | set(
        ThreadPart.objects.filter(message__account=message.account_id, external_id__in=ids)
        .exclude(message=message)
        .values_list("external_id", flat=True)
    )
    return [post for post in posts if post.external_id not in taken]


def _match(message: Message, posts: list[OwnPost], publisher: Publisher) -> int:
    """Record each of the message's posts found on X, in order; return how many are missing
    (a part cannot exist when the one it replies to does not)."""
    posts = _not_yet_recorded(message, posts)
    items = _items(message)
    previous = ""
    for number, item in enumerate(items):
        if not item.external_id:
            reply_to = item.wanted.reply_to if item.part is None else previous
            found = _find(posts, item, reply_to)
            if found is None:
                return len(items) - number
            _record(message, item, Posted(found.external_id, publisher.url(found.external_id)))
        previous = item.external_id
    return 0


def _check_later(message_id: int, token: str, error: str) -> str:
    """X could not be asked: the sweeper asks again after a backoff, a bounded number of
    times, then the message fails with a warning to check X by hand."""
    with transaction.atomic():
        if (locked := _locked_if_ours(message_id, token)) is None:
            return "settled"
        if locked.checks >= settings.PUBLISH_MAX_CHECKS:
            locked.unknown_outcome = True  # a later try asks X first
            _mark_failed(
                locked,
                _(
                    "X could not be asked whether the post went out (%(error)s). Check the "
                    "account on X before trying again."
                )
                % {"error": error},
            )
            return "failed"
        locked.lease_expires_at = timezone.now() + _backoff(locked.checks)
        locked.save(update_fields=["lease_expires_at", "updated_at"])
    return "later"


# --- the sweeper ----------------------------------------------------------------------------


def sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Re-drive what a lost task left behind (beat, every 10 s): approved messages whose time
    has come and whose task was not queued recently, and attempts whose lease ran out. Each
    is queued once until REQUEUE_AFTER has passed, so one message never has two
    reconciliations going; a duplicate drive is harmless anyway, every attempt being claimed
    under a lock."""
    now = now or timezone.now()
    recently = Q(queued_at__isnull=False, queued_at__gt=now - REQUEUE_AFTER)
    paused = paused_account_ids()
    # Held by a pause: nothing is queued for them until a manager releases them.
    held = Q(account__isnull=False) if paused is None else Q(account_id__in=paused)
    with transaction.atomic():
        due = list(
            Message.objects.select_for_update(skip_locked=True)
            .filter(status=S.APPROVED)
            .exclude(kind=Message.Kind.STAKEHOLDER_UPDATE)
            .exclude(held)
            .filter(Q(scheduled_at__isnull=True) | Q(scheduled_at__lte=now))
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .exclude(recently)
            .values_list("pk", flat=True)
        )
        stuck = list(
            Message.objects.select_for_update(skip_locked=True)
            .filter(status=S.PUBLISHING)
            .exclude(held)  # X is not asked during a pause: the resume decides
            .filter(Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lte=now))
            .exclude(recently)
            .values_list("pk", flat=True)
        )
        Message.objects.filter(pk__in=due + stuck).update(queued_at=now)
    for pk in due:
        enqueue(PUBLISH_TASK, pk)
    for pk in stuck:
        enqueue(RECONCILE_TASK, pk, None)
    return {"published": len(due), "reconciled": len(stuck)}
