"""What happens when people work an incident, as far as what the brand says is concerned.

Each flow is one function that completes the team's flow (teams.flows) with what it owes the
messages: the pages and the API call these. Moving an incident is one flow of the postmortems
layer (postmortems.flows.incident_transition), which withdraws the messages of an incident that
may no longer speak (services.messages.incident_messages_withdraw).
"""

from collections.abc import Iterable

from django.db import transaction

from communications.messaging.services.approvals import approvals_raise_to_severity
from config.people import User
from incidents.models import Incident
from teams import flows as team_flows


@transaction.atomic
def incident_update(
    *,
    actor: User,
    incident: Incident,
    title: str | None = None,
    summary: str | None = None,
    severity: int | None = None,
    category: str | None = None,
    source: str | None = None,
    tags: Iterable[str] | None = None,
    reason: str = "",
    language: str | None = None,
) -> Incident:
    """Change the incident's details (teams.flows.incident_update: the record, the plan of a
    more severe incident, who may make it less severe and why). Grown more severe, its
    messages not yet out need the approvals of the new severity: an approved one without
    enough waits for approval again. Made less severe, no message's bar comes down."""
    incident = team_flows.incident_update(
        actor=actor,
        incident=incident,
        title=title,
        summary=summary,
        severity=severity,
        category=category,
        source=source,
        tags=tags,
        reason=reason,
        language=language,
    )
    approvals_raise_to_severity(actor=actor, incident=incident)
    return incident
