"""Sending notifications by email and chat webhook. At least once; every attempt recorded.

Every error ends in a recorded attempt: a permanent one fails the delivery, any other is
retried with backoff until DELIVERY_MAX_RETRIES. Chat webhooks go only to public https
addresses (config.outbound), checked again on every attempt.
"""

import logging
import time
from typing import Any

import requests
from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from requests.exceptions import ChunkedEncodingError

from config.outbound import DestinationRefused, HostUnresolved, public_post

from .chat import webhook_payload
from .models import Delivery, DeliveryAttempt, StaffBriefing
from .schedule import engine
from .stakeholders.services import staff_briefing_deliver

logger = logging.getLogger(__name__)


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
    try:
        message.send()
    except OSError as exc:  # SMTP errors and refused connections
        raise TransientDeliveryError(_described(exc)) from exc
    except ValueError as exc:  # a header or an address Python's email package refuses
        raise PermanentDeliveryError(_described(exc)) from exc
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


def _record(
    delivery_id: int, *, ok: bool, error: str, status_code: int | None, started: float
) -> Delivery:
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().get(pk=delivery_id)
        error = error.replace("\x00", "\ufffd")  # PostgreSQL text holds no NUL
        DeliveryAttempt.objects.create(
            delivery=delivery,
            ok=ok,
            error=error,
            status_code=status_code,
            duration_ms=int((time.monotonic() - started) * 1000),
        )
        delivery.attempts += 1
        delivery.last_error = error
        if ok:
            delivery.status = Delivery.Status.SENT
            delivery.sent_at = timezone.now()
        delivery.save()
    return delivery


@shared_task(bind=True, name="teams.tasks.deliver", acks_late=True, max_retries=None)
def deliver(self: Any, delivery_id: int) -> str:
    """Send one delivery; retry transient failures with exponential backoff, bounded."""
    delivery = (
        Delivery.objects.select_related("notification", "notification__recipient")
        .filter(pk=delivery_id)
        .first()
    )
    if delivery is None or delivery.status != Delivery.Status.PENDING:
        return "nothing to do"
    started = time.monotonic()
    try:
        status_code = SENDERS[Delivery.Channel(delivery.channel)](delivery)
    except PermanentDeliveryError as exc:
        _record(delivery_id, ok=False, error=str(exc), status_code=exc.status_code, started=started)
        Delivery.objects.filter(pk=delivery_id).update(status=Delivery.Status.FAILED)
        return "failed"
    except Exception as exc:
        # A transient error, or one nobody foresaw (logged with its traceback): either way it is
        # recorded and retried with backoff, within the bound, so no delivery stays pending.
        if isinstance(exc, TransientDeliveryError):
            error, status_code = str(exc), exc.status_code
        else:
            logger.exception("delivery %s: unexpected error", delivery_id)
            error, status_code = _described(exc), None
        delivery = _record(
            delivery_id, ok=False, error=error, status_code=status_code, started=started
        )
        if delivery.attempts > settings.DELIVERY_MAX_RETRIES:
            Delivery.objects.filter(pk=delivery_id).update(status=Delivery.Status.FAILED)
            logger.warning("delivery %s failed for good: %s", delivery_id, error)
            return "failed"
        countdown = min(2**delivery.attempts * 5, 600)
        raise self.retry(countdown=countdown, exc=exc) from exc
    _record(delivery_id, ok=True, error="", status_code=status_code, started=started)
    return "sent"


@shared_task(name="teams.tasks.brief_staff", acks_late=True)
def brief_staff(briefing_id: int) -> int:
    """Notify the people a staff briefing is for."""
    briefing = StaffBriefing.objects.select_related("incident").filter(pk=briefing_id).first()
    if briefing is None:
        return 0
    return staff_briefing_deliver(briefing=briefing)


# --- the response schedule ----------------------------------------------------------------


@shared_task(name="teams.tasks.deadline_step", acks_late=True, ignore_result=True)
def deadline_step(deadline_id: int, task_id: str) -> bool:
    """Fire a deadline's next step if this task is still the one it expects (see
    teams.schedule.engine). Nothing to retry: a lost step is re-driven by the sweeper."""
    return engine.deadline_step_run(deadline_id, task_id)


@shared_task(name="teams.tasks.sweep_deadlines", acks_late=True, ignore_result=True)
def sweep_deadlines() -> int:
    """Re-drive steps overdue by more than a minute (beat, about every 30 s)."""
    return engine.deadlines_sweep().redriven
