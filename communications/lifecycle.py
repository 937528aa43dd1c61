"""The message lifecycle: every allowed move in one table."""

from .models import Message

S = Message.Status

TRANSITIONS: dict[str, set[str]] = {
    S.DRAFT: {S.PENDING_APPROVAL, S.WITHDRAWN},
    S.PENDING_APPROVAL: {S.APPROVED, S.REJECTED, S.CHANGES_REQUESTED, S.DRAFT, S.WITHDRAWN},
    S.APPROVED: {S.PUBLISHING, S.DRAFT, S.WITHDRAWN},
    S.PUBLISHING: {S.PUBLISHED, S.FAILED, S.APPROVED},
    S.PUBLISHED: set(),
    S.FAILED: {S.APPROVED, S.WITHDRAWN},
    S.REJECTED: {S.DRAFT, S.WITHDRAWN},
    S.CHANGES_REQUESTED: {S.DRAFT, S.WITHDRAWN},
    S.WITHDRAWN: set(),
}

# The text can still be edited (an edit voids the approvals and returns the message to draft).
EDITABLE = {S.DRAFT, S.PENDING_APPROVAL, S.APPROVED, S.REJECTED, S.CHANGES_REQUESTED}
SUBMITTABLE = {S.DRAFT, S.REJECTED, S.CHANGES_REQUESTED}
WITHDRAWABLE = {S.DRAFT, S.PENDING_APPROVAL, S.APPROVED, S.FAILED, S.REJECTED, S.CHANGES_REQUESTED}
# Shown in the communications log.
LOGGED = {S.APPROVED, S.PUBLISHING, S.PUBLISHED, S.FAILED, S.WITHDRAWN}


def can_move(source: str, target: str) -> bool:
    return target in TRANSITIONS.get(source, set())
