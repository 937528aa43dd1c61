"""The war room's staff briefing panel. A briefing is an outgoing message like any other:
written here, approved by someone who may approve (never its writer), then sent to everyone
or to chosen departments through their notification preferences
(communications.messaging.publishing).
There is no other way to brief all staff."""

from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from communications import selectors
from communications.messaging.services.messages import message_save
from communications.models import Message
from config.errors import ApplicationError
from config.http import HttpRequest, panel_response, run_form
from config.people import person_require_signed_in
from config.permissions import DRAFT_MESSAGE, holds
from incidents import selectors as incident_selectors
from incidents.models import Incident, WarRoomPart
from teams.stakeholders import selectors as stakeholder_selectors
from teams.stakeholders.forms import StaffBriefingForm

PANEL = "communications/_briefing_panel.html"


def briefing_panel_context(
    request: HttpRequest,
    incident: Incident,
    *,
    form: StaffBriefingForm | None = None,
    error: str = "",
    submitted: Message | None = None,
) -> dict[str, Any]:
    """What _briefing_panel.html needs: the briefings sent, those waiting for approval, the
    form."""
    return {
        "request": request,
        "incident": incident,
        "staff_briefings": list(stakeholder_selectors.incident_staff_briefings(incident=incident)),
        "briefings_in_review": list(selectors.incident_briefings_in_review(incident=incident)),
        "staff_briefing_form": form or StaffBriefingForm(),
        "staff_briefing_error": error,
        "staff_briefing_submitted": submitted,
        "can_brief_staff": incident.is_editable and holds(request.user, DRAFT_MESSAGE),
    }


@require_GET
def briefing_panel(request: HttpRequest, reference: str) -> HttpResponse:
    incident = incident_selectors.incident_get(user=request.user, reference=reference)
    return render(request, PANEL, briefing_panel_context(request, incident))


@require_POST
def briefing_submit(request: HttpRequest, reference: str) -> HttpResponse:
    """Write a staff briefing and ask for its approval at once."""
    incident = incident_selectors.incident_get(user=request.user, reference=reference)
    form = StaffBriefingForm(request.POST)
    submitted: list[Message] = []

    def submit() -> None:
        message, _sent = message_save(
            actor=person_require_signed_in(request.user),
            incident=incident,
            account=None,
            kind=Message.Kind.STAFF_BRIEFING,
            body=form.cleaned_data["text"],
            briefing_departments=form.cleaned_data["departments"],
            submit=True,
        )
        submitted.append(message)

    failed: ApplicationError | None = run_form(form, submit)
    context = briefing_panel_context(
        request,
        incident,
        form=form if failed else None,
        error=failed.message if failed and failed.field not in form.fields else "",
        submitted=submitted[0] if submitted else None,
    )
    return panel_response(
        request,
        PANEL,
        context,
        back_to=incident.part_url(WarRoomPart.BRIEFING),
        failed=failed,
        changed="timeline-changed",
        success=_("The briefing waits for approval; approved, it reaches the staff."),
    )
