"""Moving an incident along its lifecycle: the one flow, in the highest layer it touches.

Whether an incident may close depends on its postmortem, so the decision and everything the
move owes the layers below are one function here, under one lock: the record
(incidents.services.incident_move), its schedule (teams.schedule.engine.incident_moved), its
messages (communications.messaging.services.messages.incident_messages_withdraw) and its postmortem.
The pages, the API and the demo seed call it.
"""

from django.db import transaction

from communications.messaging.services.messages import incident_messages_withdraw
from config.people import User
from incidents import services as incident_services
from incidents.models import Incident, Status
from incidents.rehearsals import is_rehearsal
from teams.schedule import engine as schedule

from .services import postmortem_published_locked, postmortem_start


@transaction.atomic
def incident_transition(
    *, actor: User, incident: Incident, to: str, reason: str = "", waiver: str = ""
) -> Incident:
    """Move the incident to ``to``; the same status is a no-op.

    The incident's row is locked first, then its postmortem's, the order every write of a
    postmortem takes them (postmortems.services): whether the postmortem is published is read
    under both locks, so a correction being committed is waited for and none begins before the
    move is done. A SEV1/SEV2 closes only with its postmortem published or a manager's recorded
    waiver; declining needs a reason (incidents.services.incident_move, the record).

    Then what the move owes: its schedule (closing or declining cancels every open deadline;
    resolving ends the update cadence; responding or monitoring after a first statement starts
    it); declined or closed, it may no longer speak, so its messages not yet out are withdrawn,
    each on its timeline, their authors told (the last gate stops any that slipped past,
    communications.messaging.gate); resolved, its postmortem starts as a draft (a drill's does
    not: its report and findings are kept with the drill).
    """
    incident = incident_services.incident_lock(incident_id=incident.pk)
    source = incident.status
    published = postmortem_published_locked(incident=incident)
    incident = incident_services.incident_move(
        actor=actor,
        incident=incident,
        to=to,
        reason=reason,
        waiver=waiver,
        postmortem_published=published,
    )
    if incident.status != source:
        schedule.incident_moved(incident=incident, source=source, to=incident.status)
    if not incident.is_editable:
        incident_messages_withdraw(actor=actor, incident=incident)
    if incident.status == Status.RESOLVED and not is_rehearsal(incident):
        postmortem_start(actor=None, incident=incident)  # a drill's record is its report
    return incident
