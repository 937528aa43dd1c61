"""What a person may do to one incident; the pages use it to offer only allowed actions.

The services enforce the same rules (config.permissions.require); this module only asks.
"""

from config.people import AnyUser

from .lifecycle import TRANSITIONS
from .models import Incident, Status


def allowed_transitions(*, user: AnyUser, incident: Incident) -> list[Status]:
    """The moves the lifecycle allows from here that this person may make, in table order."""
    return [
        Status(target)
        for target, permission in TRANSITIONS.get(incident.status, {}).items()
        if user.has_perm(permission)
    ]
