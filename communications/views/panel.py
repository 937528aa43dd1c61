"""The war room's communications panel: the incident's messages, newest first."""

from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from communications import selectors
from communications.models import Message
from config.http import HttpRequest
from config.permissions import DRAFT_MESSAGE, holds
from incidents import selectors as incident_selectors
from incidents.models import Incident

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
