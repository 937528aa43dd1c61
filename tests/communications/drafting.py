"""Helpers for the page tests: incidents and messages made through the services."""

from typing import Any

from communications.messaging.services import approvals
from communications.messaging.services import messages as message_services
from communications.models import Message
from incidents.models import Incident
from teams import flows


def declare(actor: Any, severity: int = 2, title: str = "Outage") -> Incident:
    return flows.incident_declare(actor=actor, title=title, severity=severity)


def draft(
    author: Any,
    account: Any,
    incident: Incident | None = None,
    body: str = "We are looking into it.",
    **kwargs: Any,
) -> Message:
    return message_services.message_create(
        actor=author,
        incident=incident or declare(author),
        account=account,
        body=body,
        **kwargs,
    )


def submitted(
    author: Any, account: Any, incident: Incident | None = None, **kwargs: Any
) -> Message:
    message = draft(author, account, incident, **kwargs)
    return message_services.message_submit(actor=author, message=message)


def approved(author: Any, approver: Any, account: Any, **kwargs: Any) -> Message:
    """Approved (publishing is queued on commit, which these tests do not run)."""
    message = submitted(author, account, **kwargs)
    approvals.message_approve(actor=approver, message=message)
    message.refresh_from_db()
    return message
