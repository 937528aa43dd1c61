"""Celery tasks of communications: publishing runs on the critical queue."""

from typing import Any

from celery import shared_task

from . import publishing
from .mentions import ingest
from .services.accounts import credentials_rotation_remind


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
    """Read the account's new mentions and watch-term matches from X and store them once."""
    return ingest.poll_account(account_id)


# --- account hygiene (low queue) ------------------------------------------------------------


@shared_task(name="communications.tasks.remind_credentials_rotation", acks_late=True)
def remind_credentials_rotation() -> int:
    """Beat, daily: tell the people who manage accounts which credentials are due."""
    return credentials_rotation_remind()
