"""The war room's communications panel (the incident's messages, newest first) and its first
screen, "Now": what to do next, read from every layer the war room shows."""

from collections.abc import Sequence
from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from communications import selectors
from communications.messaging.gate import approvals_required_for
from communications.models import Message, Template
from config.http import HttpRequest
from config.permissions import DRAFT_MESSAGE, holds
from incidents import live
from incidents import selectors as incident_selectors
from incidents.models import Incident, TimelineEvent
from teams.models import Deadline
from teams.schedule import selectors as schedule
from teams.selectors import crisis_lead_of

PANEL_SIZE = 10
S = Message.Status


def incident_panel_context(request: HttpRequest, incident: Incident) -> dict[str, Any]:
    """What communications/_incident_panel.html needs (names kept apart from the page's)."""
    rows = list(selectors.incident_messages(incident=incident)[: PANEL_SIZE + 1])
    return {
        "incident": incident,
        "incident_messages": rows[:PANEL_SIZE],
        "incident_messages_more": len(rows) > PANEL_SIZE,
        "incident_messages_waiting": sum(1 for m in rows if m.status == S.PENDING_APPROVAL),
        "can_draft_message": incident.is_editable and holds(request.user, DRAFT_MESSAGE),
    }


@require_GET
def incident_panel(request: HttpRequest, reference: str) -> HttpResponse:
    incident = incident_selectors.incident_get(user=request.user, reference=reference)
    return render(
        request,
        "communications/_incident_panel.html",
        incident_panel_context(request, incident),
    )


NOW_DEADLINES = 3
NOW_EVENTS = 4


def _now_shared(incident: Incident) -> dict[str, Any]:
    """What the first screen shows everyone alike (each viewer then puts their own deadlines
    first): read once per change of the incident, however many are watching (live.remembered)."""
    deadlines = list(schedule.deadlines_for_incident(incident=incident))
    waiting_messages = selectors.incident_waiting(incident=incident)
    # The policy is asked only when something waits for approval.
    required = approvals_required_for(incident) if waiting_messages and incident.is_open else 0
    return {
        "deadlines": deadlines,
        "waiting": [
            {
                "message": m,
                "counted": counted,
                "needed": max(m.approvals_required, required),
            }
            for m, counted in waiting_messages
        ],
        "holding": (
            selectors.playbook_templates(incident=incident)
            .filter(kind=Template.Kind.HOLDING_STATEMENT)
            .first()
            if incident.is_editable
            else None
        ),
        "lead": crisis_lead_of(incident=incident),
    }


def _latest_events(incident: Incident) -> list[TimelineEvent]:
    return list(incident.events.select_related("actor").order_by("-at", "-id")[:NOW_EVENTS])


def incident_now_context(
    request: HttpRequest,
    incident: Incident,
    timeline_first_page: Sequence[TimelineEvent] | None = None,
) -> dict[str, Any]:
    """The war room's first screen: who leads, how long the public has waited, the next
    deadlines (the viewer's own first), the messages waiting for approval with their count,
    one button to draft a statement (from the playbook's holding statement when it offers
    one) and the latest lines of the timeline."""
    user_id = request.user.pk
    key = live.incident_key(incident.pk)
    shared = live.remembered(key, "now", lambda: _now_shared(incident))
    deadlines: list[Deadline] = shared["deadlines"]
    next_deadlines = sorted(deadlines, key=lambda d: (d.owner_id != user_id, d.due_at))
    latest = (
        list(timeline_first_page[:NOW_EVENTS])
        if timeline_first_page is not None
        else live.remembered(key, "latest", lambda: _latest_events(incident))
    )
    return {
        "incident": incident,
        "lead": shared["lead"],
        "clock": schedule.silence_clock(incident, deadlines),
        # The reference is the page's own: each deadline said without it.
        "now_deadlines": [
            {"deadline": d, "title": d.title.removeprefix(f"{incident.reference}: ")}
            for d in next_deadlines[:NOW_DEADLINES]
        ],
        "now_deadlines_more": max(0, len(next_deadlines) - NOW_DEADLINES),
        "waiting": shared["waiting"],
        "holding": shared["holding"],
        "can_draft_message": incident.is_editable and holds(request.user, DRAFT_MESSAGE),
        "latest": latest,
        "user_id": user_id,
    }
