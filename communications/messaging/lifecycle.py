"""The message lifecycle: every allowed move in one table, the one function that moves, and
voiding the approvals when a message goes back.

Every change of a message's status goes through ``move``; a move the table does not allow is
refused there, whoever asks (a person through a service, or publishing).
"""

from datetime import datetime

from django.utils.translation import gettext as _

from communications.messaging.models import Approval, Message
from config.errors import Conflict
from config.languages import lowered

S = Message.Status

TRANSITIONS: dict[str, set[str]] = {
    S.DRAFT: {S.PENDING_APPROVAL, S.WITHDRAWN},
    S.PENDING_APPROVAL: {S.APPROVED, S.REJECTED, S.CHANGES_REQUESTED, S.DRAFT, S.WITHDRAWN},
    # An approved stakeholder update is sent by a person, who marks it published; a message
    # whose incident grew more severe waits for the approvals it now needs; one the last gate
    # stops fails with the reason, goes back to draft or is withdrawn
    # (communications.messaging.publishing).
    S.APPROVED: {S.PUBLISHING, S.PUBLISHED, S.PENDING_APPROVAL, S.DRAFT, S.WITHDRAWN, S.FAILED},
    S.PUBLISHING: {S.PUBLISHED, S.FAILED, S.APPROVED},
    S.PUBLISHED: set(),
    S.FAILED: {S.APPROVED, S.WITHDRAWN},
    # Sent back: edited (to draft) or submitted again as it is.
    S.REJECTED: {S.DRAFT, S.PENDING_APPROVAL, S.WITHDRAWN},
    S.CHANGES_REQUESTED: {S.DRAFT, S.PENDING_APPROVAL, S.WITHDRAWN},
    S.WITHDRAWN: set(),
}

# Shown in the communications log.
LOGGED = {S.APPROVED, S.PUBLISHING, S.PUBLISHED, S.FAILED, S.WITHDRAWN}


class IllegalMove(Conflict):
    """The table has no such move from the message's current status."""


def can_move(source: str, target: str) -> bool:
    return target in TRANSITIONS.get(source, set())


def move(message: Message, target: str) -> None:
    """Set the message's new status (the caller saves it), or refuse a move the table does
    not allow."""
    if not can_move(message.status, target):
        raise IllegalMove(
            _("A message that is %(from)s cannot become %(to)s.")
            % {
                "from": lowered(message.get_status_display()),
                "to": lowered(S(target).label),
            }
        )
    message.status = target


def approvals_void(message: Message, now: datetime) -> int:
    """Void every approval still standing (the text changed, someone refused it, or it goes
    back to draft)."""
    return Approval.objects.filter(message=message, voided_at__isnull=True).update(voided_at=now)
