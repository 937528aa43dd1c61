"""The statement page's email subscribers: double opt-in, one-click unsubscribe, one email per
published page update in the language they chose, sent by the same machinery as notifications
(teams.deliveries: retries, the sweeper, nothing lost, nothing twice but for a worker killed
between the mail server's answer and the record).

An address is personal data. It is kept only to send what its owner asked for: never shown in
the API, the exports or the admin, never written to a log; deleted with everything sent to it
when they unsubscribe, and when they do not confirm within SUBSCRIBER_CONFIRM_HOURS. Asking to
subscribe answers the same whether the address is new, waiting or confirmed, so the form does
not tell a stranger who subscribes; the rate limits (config.throttling) keep it from being used
to flood someone's inbox."""

import secrets
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from communications.messaging.models import Message, PageDelivery, PageSubscriber, StatementPage
from communications.messaging.statement_page import public_url
from config.errors import ApplicationError, Conflict
from config.languages import language_named
from config.throttling import rate_limit_hit
from config.when import site_zone
from teams.deliveries import Courier, deliveries_queue, email_send

SUBSCRIBER_TASK = "communications.tasks.deliver_to_subscriber"


class TooMany(ApplicationError):
    """Asked too often, from one address or for one email address: try again later."""

    def __init__(self, seconds: int) -> None:
        minutes = max(1, round(seconds / 60))
        super().__init__(
            _("Too many requests. Try again in %(minutes)d min.") % {"minutes": minutes}
        )
        self.retry_after = seconds


def confirm_url(subscriber: PageSubscriber) -> str:
    return public_url(f"subscription/{subscriber.key}/")


def unsubscribe_url(subscriber: PageSubscriber) -> str:
    return public_url(f"unsubscribe/{subscriber.key}/")


# --- asking, confirming, leaving ------------------------------------------------------------


def subscriber_request(*, email: str, language: str, client: str) -> None:
    """Someone asks for the page's updates by email: a confirmation goes to the address, and
    nothing more until its link is followed. Already confirmed: nothing is sent (and nothing
    said). Still waiting: the old link stops working and a new one is sent. Limited per client
    address and per email address (SUBSCRIBE_RATE_PER_ADDRESS, SUBSCRIBE_RATE_PER_EMAIL)."""
    email = (email or "").strip()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ApplicationError(
            _("Enter an email address such as name@example.com."), field="email"
        ) from exc
    code = language_named(language or "")
    if code is None:
        raise ApplicationError(_("Choose the language of the updates."), field="language")
    for scope, key, rate in (
        ("subscribe-address", client, settings.SUBSCRIBE_RATE_PER_ADDRESS),
        ("subscribe-email", email, settings.SUBSCRIBE_RATE_PER_EMAIL),
    ):
        if (wait := rate_limit_hit(scope=scope, key=key, rate=rate)) is not None:
            raise TooMany(wait)
    try:
        with transaction.atomic():
            known = PageSubscriber.objects.select_for_update().filter(email__iexact=email).first()
            if known is not None and known.is_confirmed:
                return
            if known is not None:
                known.delete()  # its link stops working; the new one replaces it
            subscriber = PageSubscriber.objects.create(
                email=email, language=code, key=secrets.token_urlsafe(32)
            )
            confirmation = PageDelivery.objects.create(
                subscriber=subscriber, queued_at=timezone.now()
            )
            deliveries_queue([confirmation], SUBSCRIBERS)
    except IntegrityError:
        return  # the same address asked twice at once: one of them is waiting


def _waiting_since() -> datetime:
    return timezone.now() - timedelta(hours=settings.SUBSCRIBER_CONFIRM_HOURS)


def link_expired() -> str:
    return _("This link has expired or was replaced by a newer one. Subscribe again.")


@transaction.atomic
def subscriber_confirm(*, key: str) -> PageSubscriber:
    """The confirmation link was followed (and its button pressed: a mail scanner that only
    opens links confirms nothing). Confirming twice is confirming once."""
    subscriber = PageSubscriber.objects.select_for_update().filter(key=key or "-").first()
    if subscriber is None or (
        not subscriber.is_confirmed and subscriber.created_at < _waiting_since()
    ):
        raise Conflict(link_expired())
    if not subscriber.is_confirmed:
        subscriber.confirmed_at = timezone.now()
        subscriber.save(update_fields=["confirmed_at"])
    return subscriber


def subscriber_by_key(key: str) -> PageSubscriber | None:
    return PageSubscriber.objects.filter(key=key or "-").first()


@transaction.atomic
def subscriber_forget(*, key: str) -> bool:
    """Unsubscribe: the address and everything sent to it are deleted at once. True when there
    was one to delete (an unsubscribe link followed twice is not an error)."""
    deleted, _rows = PageSubscriber.objects.filter(key=key or "-").delete()
    return deleted > 0


def subscribers_forget_unconfirmed(*, now: datetime | None = None) -> int:
    """Delete the addresses never confirmed within SUBSCRIBER_CONFIRM_HOURS (beat, hourly)."""
    cutoff = (now or timezone.now()) - timedelta(hours=settings.SUBSCRIBER_CONFIRM_HOURS)
    deleted = PageSubscriber.objects.filter(confirmed_at__isnull=True, created_at__lt=cutoff)
    return deleted.delete()[1].get(PageSubscriber._meta.label, 0)


def subscriber_counts() -> dict[str, Any]:
    """How many people follow the page, by language: counts only, never an address."""
    rows = list(
        PageSubscriber.objects.values("language")
        .annotate(
            confirmed=Count("pk", filter=Q(confirmed_at__isnull=False)),
            waiting=Count("pk", filter=Q(confirmed_at__isnull=True)),
        )
        .order_by()
    )
    return {
        "confirmed": sum(row["confirmed"] for row in rows),
        "waiting": sum(row["waiting"] for row in rows),
        "by_language": {row["language"]: row["confirmed"] for row in rows if row["confirmed"]},
    }


# --- sending --------------------------------------------------------------------------------


def subscribers_fan_out(message: Message) -> int:
    """A page update was published (in the caller's transaction): one email to each confirmed
    subscriber of its language, queued after the commit. A drill's update reaches nobody."""
    if message.kind != Message.Kind.PAGE_UPDATE or message.sandbox:
        return 0
    now = timezone.now()
    rows = PageDelivery.objects.bulk_create(
        [
            PageDelivery(subscriber_id=pk, message=message, queued_at=now)
            for pk in PageSubscriber.objects.filter(
                confirmed_at__isnull=False, language=message.language
            ).values_list("pk", flat=True)
        ],
        batch_size=1000,
    )
    deliveries_queue(rows, SUBSCRIBERS)
    return len(rows)


def _stop(delivery: PageDelivery) -> str:
    if delivery.message_id is not None and not delivery.subscriber.is_confirmed:
        return _("Not sent: the address was never confirmed.")
    return ""


def _email(delivery: PageDelivery) -> EmailMultiAlternatives:
    subscriber = delivery.subscriber
    brand = settings.BRAND_NAME or _("Statement page")
    context: dict[str, Any] = {
        "brand": brand,
        "unsubscribe": unsubscribe_url(subscriber),
        "page": public_url(f"{subscriber.language}/"),
    }
    message = delivery.message
    if message is None:
        context |= {"confirm": confirm_url(subscriber), "hours": settings.SUBSCRIBER_CONFIRM_HOURS}
        subject = _("%(brand)s: confirm your subscription") % {"brand": brand}
        template = "communications/email/subscriber_confirm.txt"
    else:
        try:  # read with the delivery (SUBSCRIBERS.related)
            headline = message.incident.statement_page.headline_in(subscriber.language)
        except StatementPage.DoesNotExist:
            headline = ""
        label = _("Correction") if message.corrects_id else _("Update")
        context |= {"update": message, "headline": headline, "label": label}
        context["page"] += f"#update-{message.pk}"
        subject = f"{brand}: {headline} — {label}" if headline else f"{brand}: {label}"
        template = "communications/email/page_update.txt"
    return EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(template, context),
        to=[subscriber.email],
        headers={
            # One-click unsubscribe (RFC 8058): the mail program posts to the link itself.
            "List-Unsubscribe": f"<{context['unsubscribe']}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )


def _send(delivery: PageDelivery) -> int | None:
    # A mail server's refusal names the address, which is kept nowhere but on its own row.
    return email_send(_email(delivery), hide=delivery.subscriber.email)


def _speaking(delivery: PageDelivery) -> list[Any]:
    return [translation.override(delivery.subscriber.language), timezone.override(site_zone())]


SUBSCRIBERS = Courier(
    model=PageDelivery,
    task=SUBSCRIBER_TASK,
    send=_send,
    related=("subscriber", "message__incident__statement_page"),
    stop=_stop,
    speaking=_speaking,
)
