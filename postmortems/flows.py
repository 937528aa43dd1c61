"""What happens when people move an incident along, as far as learning from it is concerned.

Each flow completes the flow below (communications.flows): resolving starts the postmortem as
a draft; closing a SEV1/SEV2 needs that postmortem published, or a manager's recorded waiver.
The pages and the API call these.
"""

from typing import Any

from django.db import transaction

from communications import flows as communication_flows
from incidents.models import Incident, Status

from .models import Postmortem
from .services import postmortem_start

User = Any  # an instance of the user model


@transaction.atomic
def incident_transition(
    *, actor: User, incident: Incident, to: str, reason: str = "", waiver: str = ""
) -> Incident:
    """Move the incident (communications.flows.incident_transition: the record, its schedule,
    its messages); resolved, its postmortem starts (a drill's does not: its report and findings
    are kept with the drill)."""
    published = Postmortem.objects.filter(
        incident_id=incident.pk, status=Postmortem.Status.PUBLISHED
    ).exists()
    incident = communication_flows.incident_transition(
        actor=actor,
        incident=incident,
        to=to,
        reason=reason,
        waiver=waiver,
        postmortem_published=published,
    )
    if incident.status == Status.RESOLVED and not incident.is_drill:
        postmortem_start(actor=None, incident=incident)  # a drill's record is its report
    return incident
