"""Celery tasks of communications: publishing runs on the critical queue."""

from typing import Any

from celery import shared_task

from communications.accounts.services import credentials_rotation_remind
from communications.listening.mentions import ingest
from communications.messaging import publishing, subscribers
from teams import deliveries

from .listening import alerts


@shared_task(name="communications.tasks.publish_message", acks_late=True)
def publish_message(message_id: int) -> str:
    return publishing.publish(message_id)


@shared_task(name="communications.tasks.sweep_publishing", acks_late=True)
def sweep_publishing() -> dict[str, int]:
    return publishing.sweep()


@shared_task(name="communications.tasks.reconcile_publication", acks_late=True)
def reconcile_publication(message_id: int, token: str | None = None) -> str:
    """Find an attempt's posts on X (its owner's scheduled check, or the sweeper's after the
    attempt's lease ran out). When X cannot be asked, the row says when to ask again and the
    sweeper does: one check at a time per message."""
    return publishing.reconcile(message_id, token)


# --- the statement page's subscribers -------------------------------------------------------


@shared_task(name="communications.tasks.deliver_to_subscriber", acks_late=True, ignore_result=True)
def deliver_to_subscriber(delivery_id: int) -> str:
    """One attempt at an email to a statement page subscriber (teams.deliveries)."""
    return deliveries.deliver(delivery_id, subscribers.SUBSCRIBERS)


@shared_task(
    name="communications.tasks.sweep_subscriber_emails", acks_late=True, ignore_result=True
)
def sweep_subscriber_emails() -> int:
    """Queue again the subscribers' emails whose task was lost (beat, every 15 s)."""
    return deliveries.deliveries_sweep(courier=subscribers.SUBSCRIBERS)


@shared_task(
    name="communications.tasks.forget_unconfirmed_subscribers", acks_late=True, ignore_result=True
)
def forget_unconfirmed_subscribers() -> int:
    """Delete the addresses never confirmed in time (beat, hourly)."""
    return subscribers.subscribers_forget_unconfirmed()


# --- inbound mentions (low queue) -----------------------------------------------------------

# A poll that has waited this long in the queue is dropped: the next beat sends a fresh one.
POLL_EXPIRES = 55


@shared_task(name="communications.tasks.poll_mentions", acks_late=True)
def poll_mentions() -> int:
    """Beat, every minute: one poll_account task per account that has credentials."""
    account_ids = ingest.accounts_to_poll()
    for account_id in account_ids:
        poll_account.apply_async((account_id,), expires=POLL_EXPIRES)
    return len(account_ids)


@shared_task(name="communications.tasks.poll_account", acks_late=True)
def poll_account(account_id: int) -> dict[str, Any]:
    """Read the account's new mentions and watch-term matches from X and store them once;
    when some were new, measure the account's window at once (a spike is not left waiting
    for the next evaluation)."""
    result = ingest.poll_account(account_id)
    if result["stored"]:
        alerts.alerts_evaluate(account_ids=[account_id])
    return result


@shared_task(name="communications.tasks.evaluate_listening", acks_late=True)
def evaluate_listening() -> int:
    """Beat, every minute: measure every account's last window against its usual level and
    raise an alert for each new spike (a poll that stored posts asks for its account too)."""
    return alerts.alerts_evaluate()


# --- account hygiene (low queue) ------------------------------------------------------------


@shared_task(name="communications.tasks.remind_credentials_rotation", acks_late=True)
def remind_credentials_rotation() -> int:
    """Beat, daily: tell the people who manage accounts which credentials are due."""
    return credentials_rotation_remind()
