"""Sending notifications by email and chat webhook. At least once; every attempt recorded."""

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

from .models import Delivery, DeliveryAttempt, StaffBriefing
from .stakeholders.services import staff_briefing_deliver

logger = logging.getLogger(__name__)


class TransientDeliveryError(Exception):
    """The receiver may accept a later attempt (timeout, connection refused, 429, 5xx)."""

    def __init__(self, message: str, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


class PermanentDeliveryError(Exception):
    """The receiver refused for good (4xx other than 429): retrying cannot help."""

    def __init__(self, status_code: int, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code


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
        raise TransientDeliveryError(f"{exc.__class__.__name__}: {exc}") from exc
    return None


def webhook_payload(delivery: Delivery) -> dict[str, Any]:
    """Slack- and Microsoft Teams-compatible: both render a top-level "text"."""
    notification = delivery.notification
    lines = [f"*{notification.title}*"]
    if notification.body:
        lines.append(notification.body)
    if notification.url:
        lines.append(_absolute(notification.url))
    return {"text": "\n".join(lines)}


def _send_webhook(delivery: Delivery) -> int | None:
    try:
        response = requests.post(
            delivery.target,
            json=webhook_payload(delivery),
            timeout=settings.WEBHOOK_TIMEOUT,
        )
    except (requests.ConnectionError, requests.Timeout) as exc:
        raise TransientDeliveryError(f"{exc.__class__.__name__}: {exc}") from exc
    if response.status_code == 429 or response.status_code >= 500:
        raise TransientDeliveryError(
            f"HTTP {response.status_code}: {response.text[:300]}", response.status_code
        )
    if response.status_code >= 400:
        raise PermanentDeliveryError(
            response.status_code, f"HTTP {response.status_code}: {response.text[:300]}"
        )
    return response.status_code


SENDERS = {Delivery.Channel.EMAIL: _send_email, Delivery.Channel.WEBHOOK: _send_webhook}


def _record(
    delivery_id: int, *, ok: bool, error: str, status_code: int | None, started: float
) -> Delivery:
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().get(pk=delivery_id)
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
    except TransientDeliveryError as exc:
        delivery = _record(
            delivery_id, ok=False, error=str(exc), status_code=exc.status_code, started=started
        )
        if delivery.attempts > settings.DELIVERY_MAX_RETRIES:
            Delivery.objects.filter(pk=delivery_id).update(status=Delivery.Status.FAILED)
            logger.warning("delivery %s failed for good: %s", delivery_id, exc)
            return "failed"
        countdown = min(2**delivery.attempts * 5, 600)
        raise self.retry(countdown=countdown, exc=exc) from exc
    except PermanentDeliveryError as exc:
        _record(delivery_id, ok=False, error=str(exc), status_code=exc.status_code, started=started)
        Delivery.objects.filter(pk=delivery_id).update(status=Delivery.Status.FAILED)
        return "failed"
    _record(delivery_id, ok=True, error="", status_code=status_code, started=started)
    return "sent"


@shared_task(name="teams.tasks.brief_staff", acks_late=True)
def brief_staff(briefing_id: int) -> int:
    """Notify the people a staff briefing is for."""
    briefing = StaffBriefing.objects.select_related("incident").filter(pk=briefing_id).first()
    if briefing is None:
        return 0
    return staff_briefing_deliver(briefing=briefing)
