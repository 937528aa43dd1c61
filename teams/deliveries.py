"""Getting notifications out by email and chat webhook: every delivery made, none lost.

A delivery (one notification through one channel) is a row whose state is the truth, never
the queue: pending, sent, or failed for good, with its attempts, the time of its next attempt,
and when a task was last queued for it. An attempt (the deliver task):

1. Claim, under the row's lock: a pending delivery that is due and that no live attempt holds
   gets a token and a hold (DELIVERY_LEASE_SECONDS, longer than a task may run). A task
   delivered twice finds the delivery held, or sent, and sends nothing.
2. Send, outside any transaction.
3. Settle under the lock: sent; refused for good (a 4xx, a refused address, a message that
   cannot be built): failed; anything else: pending again, its next attempt after a backoff
   (10 s, 20 s, 40 s … capped at 10 min), a task queued for that time, until
   DELIVERY_MAX_RETRIES retries have been spent. Every attempt is recorded with its outcome.

A sweeper (beat, every 15 s) queues again each pending delivery whose task was lost: queued
(or due) more than DELIVERY_REQUEUE_SECONDS ago and not taken, or held by an attempt whose hold
ran out (its worker was killed). The next attempt records the interrupted one and counts it.
Neither email nor a chat webhook can be asked whether a message arrived, so an attempt whose
worker died between the receiver's answer and the record is made again: at least once,
twice only then. Chat webhooks go only to public https addresses (config.outbound), checked
again on every attempt.

The machinery serves any delivery kept as a teams.models.DeliveryState row: a ``Courier`` says
which rows, which task, how one is sent and when one is no longer to be sent. Notifications are
``NOTIFICATIONS``; the statement page's emails to its subscribers are a courier of
communications.
"""

import logging
import time
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

import requests
from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from requests.exceptions import ChunkedEncodingError

from config.languages import language_of
from config.outbound import DestinationRefused, HostUnresolved, public_post
from config.queue import enqueue
from config.when import zone_of

from .chat import webhook_payload
from .models import Delivery, DeliveryAttempt, DeliveryState, Reason

logger = logging.getLogger(__name__)
S = DeliveryState.Status

DELIVER_TASK = "teams.tasks.deliver"
# A task woken this much before its delivery's next attempt still makes it.
EARLY_TOLERANCE = timedelta(seconds=1)


class TransientDeliveryError(Exception):
    """The receiver may accept a later attempt (timeout, connection refused, 429, 5xx)."""

    def __init__(self, message: str, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


class PermanentDeliveryError(Exception):
    """Retrying cannot help: the receiver refused for good (4xx other than 429, a redirect), the
    address is not a public https one, or the message cannot be built."""

    def __init__(self, message: str, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


def _described(exc: BaseException) -> str:
    return f"{exc.__class__.__name__}: {exc}"


# --- queueing -------------------------------------------------------------------------------


def deliveries_queue(deliveries: list[Any], courier: "Courier | None" = None) -> None:
    """Queue each new delivery's task after the surrounding transaction commits. The rows say
    when (queued_at): a broker that fails then, or a process that dies right after the commit,
    loses no delivery, the sweeper queues it again."""
    task = (courier or NOTIFICATIONS).task
    for delivery in deliveries:
        transaction.on_commit(partial(enqueue, task, delivery.pk), robust=True)


def _queue_retry(delivery: DeliveryState, courier: "Courier") -> None:
    transaction.on_commit(
        partial(enqueue, courier.task, delivery.pk, eta=delivery.next_attempt_at), robust=True
    )


# --- sending --------------------------------------------------------------------------------


def _absolute(url: str) -> str:
    return f"{settings.SITE_URL}{url}" if url.startswith("/") else url


def _send_email(delivery: Delivery) -> int | None:
    notification = delivery.notification
    context = {
        "notification": notification,
        "link": _absolute(notification.url),
        "recipient": notification.recipient,
    }
    message = EmailMultiAlternatives(
        subject=f"[Crisis Desk] {notification.title}",
        body=render_to_string("teams/email/notification.txt", context),
        to=[delivery.target],
    )
    message.attach_alternative(
        render_to_string("teams/email/notification.html", context), "text/html"
    )
    return email_send(message)


def email_send(message: EmailMessage, *, hide: str = "") -> int | None:
    """Send one email, its failure said as the machinery reads it: SMTP errors and refused
    connections may pass, an address or a header Python's email package refuses does not.
    ``hide`` (an address) never stands in what is recorded or logged."""

    def said(exc: Exception) -> str:
        text = _described(exc)
        return text.replace(hide, "<recipient>") if hide else text

    try:
        message.send()
    except OSError as exc:
        raise TransientDeliveryError(said(exc)) from exc
    except ValueError as exc:
        raise PermanentDeliveryError(said(exc)) from exc
    return None


def _send_webhook(delivery: Delivery) -> int | None:
    try:
        response = public_post(
            delivery.target,
            json=webhook_payload(delivery.notification),
            timeout=settings.WEBHOOK_TIMEOUT,
        )
    except DestinationRefused as exc:
        raise PermanentDeliveryError(str(exc)) from exc
    except HostUnresolved as exc:
        raise TransientDeliveryError(str(exc)) from exc
    except (requests.ConnectionError, requests.Timeout, ChunkedEncodingError) as exc:
        raise TransientDeliveryError(_described(exc)) from exc
    except requests.RequestException as exc:  # an invalid URL, header or answer: for good
        raise PermanentDeliveryError(_described(exc)) from exc
    status = response.status_code
    if status == 429 or status >= 500:
        raise TransientDeliveryError(f"HTTP {status}: {response.text[:300]}", status)
    if status >= 400:
        raise PermanentDeliveryError(f"HTTP {status}: {response.text[:300]}", status)
    if status >= 300:
        raise PermanentDeliveryError(
            f"HTTP {status}: the receiver redirects to "
            f"{response.headers.get('Location', '')[:300]!r}; chat webhooks are not redirected, "
            "give the address it redirects to.",
            status,
        )
    return status


SENDERS = {Delivery.Channel.EMAIL: _send_email, Delivery.Channel.WEBHOOK: _send_webhook}


# --- what a kind of delivery needs -------------------------------------------------------


@dataclass(frozen=True)
class Courier:
    """One kind of delivery for the machinery: its rows (a DeliveryState model), its task
    (which calls ``deliver(pk, courier)``), what to read with a row, how to send one (raising
    TransientDeliveryError or PermanentDeliveryError), why one is no longer to be sent ("" to
    send it; otherwise it fails for good with that reason), the language and zone its words are
    written in, and where an attempt is recorded (beyond the row's own count and last error)."""

    model: type[DeliveryState]
    task: str
    send: Callable[[Any], int | None]
    related: tuple[str, ...] = ()
    stop: Callable[[Any], str] = field(default=lambda _delivery: "")
    speaking: Callable[[Any], list[AbstractContextManager[Any]]] = field(
        default=lambda _delivery: []
    )
    log: Callable[..., None] | None = None


def _notification_stop(delivery: Delivery) -> str:
    notification = delivery.notification
    if not notification.recipient.is_active and notification.reason != Reason.ACCOUNT_CHANGED:
        # Switched off since it was notified (left the company, say): no crisis news for
        # them. A change of their own account (being switched off, say) still reaches them.
        return _("Not sent: the person can no longer sign in.")
    return ""


def _notification_speaking(delivery: Delivery) -> list[AbstractContextManager[Any]]:
    # The email's and the chat card's own words in the recipient's language and zone.
    recipient = delivery.notification.recipient
    return [translation.override(language_of(recipient)), timezone.override(zone_of(recipient))]


def _notification_log(
    delivery: Delivery, *, ok: bool, error: str, status_code: int | None, ms: int
) -> None:
    DeliveryAttempt.objects.create(
        delivery=delivery,
        ok=ok,
        error=error,
        status_code=status_code,
        duration_ms=ms,
    )


NOTIFICATIONS = Courier(
    model=Delivery,
    task=DELIVER_TASK,
    send=lambda delivery: SENDERS[Delivery.Channel(delivery.channel)](delivery),
    related=("notification", "notification__recipient"),
    stop=_notification_stop,
    speaking=_notification_speaking,
    log=_notification_log,
)


# --- an attempt -----------------------------------------------------------------------------


def _lock(delivery_id: int, courier: Courier) -> Any:
    query = courier.model._default_manager.select_for_update(of=("self",))
    if courier.related:
        query = query.select_related(*courier.related)
    return query.filter(pk=delivery_id).first()


def _log(
    delivery: DeliveryState,
    courier: Courier,
    *,
    ok: bool,
    error: str,
    status_code: int | None,
    ms: int,
) -> None:
    if courier.log is not None:
        error = error.replace("\x00", "\ufffd")  # PostgreSQL text holds no NUL
        courier.log(delivery, ok=ok, error=error, status_code=status_code, ms=ms)


def _fail(delivery: DeliveryState, error: str) -> None:
    delivery.status = S.FAILED
    delivery.last_error = error.replace("\x00", "\ufffd")
    delivery.claimed_until = None
    delivery.claim = None
    delivery.queued_at = None
    delivery.next_attempt_at = None
    delivery.save()
    logger.warning("%s %s failed for good: %s", delivery._meta.label, delivery.pk, error)


def _spent(delivery: DeliveryState) -> bool:
    return delivery.attempts > settings.DELIVERY_MAX_RETRIES


@dataclass
class Claimed:
    delivery: Any
    token: uuid.UUID
    courier: Courier = field(default_factory=lambda: NOTIFICATIONS)


def _claim(delivery_id: int, courier: Courier | None = None) -> Claimed | str:
    """Take the delivery for one attempt; otherwise say why not (sent or failed already, held
    by a live attempt, not yet due, given up, or no longer to be sent)."""
    courier = courier or NOTIFICATIONS
    with transaction.atomic():
        delivery = _lock(delivery_id, courier)
        if delivery is None or delivery.status != S.PENDING:
            return "nothing to do"
        now = timezone.now()
        if delivery.claimed_until is not None and delivery.claimed_until > now:
            return "held"
        due = delivery.next_attempt_at
        if due is not None and due > now + EARLY_TOLERANCE:
            return "not yet"  # woken early: its own task, or else the sweeper, comes back
        if delivery.claimed_until is not None:
            interrupted = _(
                "The attempt was interrupted: its worker stopped before the outcome was known."
            )
            _log(delivery, courier, ok=False, error=interrupted, status_code=None, ms=0)
            if _spent(delivery):
                _fail(delivery, interrupted)
                return "failed"
        if why := courier.stop(delivery):
            _fail(delivery, why)
            return "failed"
        token = uuid.uuid4()
        delivery.claim = token
        delivery.claimed_until = now + timedelta(seconds=settings.DELIVERY_LEASE_SECONDS)
        delivery.attempts += 1
        delivery.queued_at = None  # the task queued for it has come
        delivery.next_attempt_at = None
        delivery.save()
    return Claimed(delivery, token, courier)


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(2**attempts * 5, 600))


def _settle(
    claimed: Claimed,
    *,
    error: str = "",
    status_code: int | None = None,
    permanent: bool = False,
    started: float,
) -> str:
    """Record the attempt and what it means. A message that arrived is sent whoever holds the
    delivery by now; a failure settles only while the attempt still holds it."""
    ok = not error
    courier = claimed.courier
    with transaction.atomic():
        delivery = _lock(claimed.delivery.pk, courier)
        if delivery is None:
            return "gone"  # deleted meanwhile (a subscriber who left, say)
        ms = int((time.monotonic() - started) * 1000)
        _log(delivery, courier, ok=ok, error=error, status_code=status_code, ms=ms)
        if delivery.status == S.SENT:
            return "sent"
        if ok:
            delivery.status = S.SENT
            delivery.sent_at = timezone.now()
            delivery.last_error = ""
            delivery.claimed_until = None
            delivery.claim = None
            delivery.save()
            return "sent"
        if delivery.claim != claimed.token:
            return "superseded"
        if permanent or _spent(delivery):
            _fail(delivery, error)
            return "failed"
        delivery.last_error = error.replace("\x00", "\ufffd")
        delivery.claimed_until = None
        delivery.claim = None
        delivery.next_attempt_at = timezone.now() + _backoff(delivery.attempts)
        delivery.queued_at = timezone.now()
        delivery.save()
        _queue_retry(delivery, courier)
    return "retry"


def deliver(delivery_id: int, courier: Courier | None = None) -> str:
    """One attempt at a delivery; returns what happened (for logs and tests)."""
    claimed = _claim(delivery_id, courier)
    if isinstance(claimed, str):
        return claimed
    courier = claimed.courier
    delivery = claimed.delivery
    started = time.monotonic()
    try:
        with ExitStack() as speaking:
            for context in courier.speaking(delivery):
                speaking.enter_context(context)
            status_code = courier.send(delivery)
    except PermanentDeliveryError as exc:
        return _settle(
            claimed, error=str(exc), status_code=exc.status_code, permanent=True, started=started
        )
    except TransientDeliveryError as exc:
        return _settle(claimed, error=str(exc), status_code=exc.status_code, started=started)
    except Exception as exc:
        # One nobody foresaw (logged with its traceback): recorded and tried again within the
        # bound, so no delivery stays pending.
        logger.exception("%s %s: unexpected error", courier.model._meta.label, delivery_id)
        return _settle(claimed, error=_described(exc), started=started)
    return _settle(claimed, status_code=status_code, started=started)


# --- the sweeper ----------------------------------------------------------------------------


def deliveries_sweep(
    *, now: datetime | None = None, limit: int = 1000, courier: Courier | None = None
) -> int:
    """Queue again the pending deliveries whose task was lost (beat, every 15 s): not taken
    DELIVERY_REQUEUE_SECONDS after they were queued or due, or held by an attempt whose hold
    ran out. Each is queued again at most once per DELIVERY_REQUEUE_SECONDS, so a backlog that
    is only slow is not queued twice over; a second task is harmless anyway (the claim).
    Returns how many were queued."""
    courier = courier or NOTIFICATIONS
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.DELIVERY_REQUEUE_SECONDS)
    rows = courier.model._default_manager
    with transaction.atomic():
        lost = list(
            rows.select_for_update(skip_locked=True)
            .filter(status=S.PENDING)
            .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lte=now))
            .filter(Q(queued_at__isnull=True) | Q(queued_at__lte=stale))
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=stale))
            .order_by("created_at")
            .values_list("pk", flat=True)[:limit]
        )
        rows.filter(pk__in=lost).update(queued_at=now)
    for pk in lost:
        enqueue(courier.task, pk)
    if lost:
        logger.warning("%s sweep queued %d again", courier.model._meta.label, len(lost))
    return len(lost)
