"""The incident lifecycle: every allowed move, and the permission it needs, in one table."""

from config.permissions import EDIT_INCIDENT, MANAGE_INCIDENT

from .models import Incident, Status
from .rehearsals import is_rehearsal

TRANSITIONS: dict[str, dict[str, str]] = {
    Status.DETECTED: {
        Status.TRIAGED: EDIT_INCIDENT,
        Status.RESPONDING: EDIT_INCIDENT,
        Status.DECLINED: MANAGE_INCIDENT,
    },
    Status.TRIAGED: {
        Status.RESPONDING: EDIT_INCIDENT,
        Status.DECLINED: MANAGE_INCIDENT,
    },
    Status.RESPONDING: {
        Status.MONITORING: EDIT_INCIDENT,
        Status.RESOLVED: EDIT_INCIDENT,
    },
    Status.MONITORING: {
        Status.RESPONDING: EDIT_INCIDENT,
        Status.RESOLVED: EDIT_INCIDENT,
    },
    Status.RESOLVED: {
        Status.CLOSED: MANAGE_INCIDENT,
        # Reopen: the crisis flared up again.
        Status.RESPONDING: MANAGE_INCIDENT,
    },
    Status.CLOSED: {},
    Status.DECLINED: {},
}

# Closing these needs a published postmortem or a manager's recorded waiver.
POSTMORTEM_REQUIRED_SEVERITIES = (1, 2)


def needs_postmortem_to_close(incident: Incident) -> bool:
    """A SEV1/SEV2 incident is closed once its postmortem is published (or with a manager's
    waiver); a drill needs none: its report and findings are kept with the drill."""
    return incident.severity in POSTMORTEM_REQUIRED_SEVERITIES and not is_rehearsal(incident)


def is_reopen(source: str, target: str) -> bool:
    return source == Status.RESOLVED and target == Status.RESPONDING


def permission_for(source: str, target: str) -> str | None:
    """The permission a move needs, or None when the move is not allowed at all."""
    return TRANSITIONS.get(source, {}).get(target)
