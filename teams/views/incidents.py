"""The war room's roles and checklist panels: their actions reach people (the holders of a
role, the assignee of an item). The paths stay under /incidents/<reference>/; the war room
(incidents.views) shows the panels through the inclusion tags in
teams/templatetags/team_panels.py, which ask the same context builders."""

from typing import Any

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET, require_POST

from config.errors import ApplicationError
from config.http import HttpRequest, panel_response, run_form
from config.people import active_people, person_require_signed_in
from config.permissions import (
    ADD_CHECKLIST_ITEM,
    WORK_CHECKLIST_ITEM,
)
from incidents import selectors as incident_selectors
from incidents.models import Incident, WarRoomPart
from teams import flows, selectors, services
from teams.forms import (
    ChecklistItemForm,
    ChecklistItemUpdateForm,
    RoleAssignForm,
)

ROLES_PANEL = "teams/incidents/_roles.html"
CHECKLIST_PANEL = "teams/incidents/_checklist.html"
# Sent after a change: the timeline shows it.
CHANGED = "timeline-changed"


def roles_context(request: HttpRequest, incident: Incident, error: str = "") -> dict[str, Any]:
    """What the war room's roles panel needs: each role's holders, who is on call for it (the
    suggestions), the earlier holders, and whether the viewer may staff the incident."""
    assignments = list(selectors.incident_roles(incident=incident))
    active = [a for a in assignments if a.is_active]
    rows = []
    for answer in selectors.on_call():
        holders = [a for a in active if a.role_id == answer.role.slug]
        holder_ids = {a.person_id for a in holders}
        rows.append(
            {
                "role": answer.role,
                "holders": holders,
                "suggested": [p for p in answer.people if p.pk not in holder_ids],
                "source": answer.source,
            }
        )
    return {
        "request": request,
        "incident": incident,
        "role_rows": rows,
        "role_history": [a for a in assignments if not a.is_active],
        "can_staff": incident.is_editable
        and selectors.may_staff(user=person_require_signed_in(request.user), incident=incident),
        "people": list(active_people()),
        "roles_error": error,
    }


def _roles_answer(
    request: HttpRequest, incident: Incident, failed: ApplicationError | None
) -> HttpResponse:
    context = roles_context(request, incident, failed.message if failed else "")
    return panel_response(
        request,
        ROLES_PANEL,
        context,
        back_to=incident.part_url(WarRoomPart.ROLES),
        failed=failed,
        changed=CHANGED,
    )


@require_GET
def roles_panel(request: HttpRequest, reference: str) -> HttpResponse:
    incident = incident_selectors.incident_get(user=request.user, reference=reference)
    return render(request, ROLES_PANEL, roles_context(request, incident))


@require_POST
def role_assign(request: HttpRequest, reference: str) -> HttpResponse:
    incident = incident_selectors.incident_get(user=request.user, reference=reference)
    form = RoleAssignForm(request.POST)
    failed = run_form(
        form,
        lambda: services.role_assign(
            actor=person_require_signed_in(request.user),
            incident=incident,
            role=form.cleaned_data["role"],
            person=form.cleaned_data["person"],
            hand_over=form.cleaned_data["hand_over"] or None,
        ),
    )
    return _roles_answer(request, incident, failed)


@require_POST
def role_relieve(request: HttpRequest, reference: str, assignment_id: int) -> HttpResponse:
    incident = incident_selectors.incident_get(user=request.user, reference=reference)
    assignment = get_object_or_404(selectors.incident_roles(incident=incident), pk=assignment_id)
    failed = None
    try:
        services.role_relieve(actor=person_require_signed_in(request.user), assignment=assignment)
    except ApplicationError as exc:
        failed = exc
    return _roles_answer(request, incident, failed)


def checklist_context(
    request: HttpRequest,
    incident: Incident,
    item_form: ChecklistItemForm | None = None,
    item_errors: dict[int, str] | None = None,
) -> dict[str, Any]:
    """What the war room's checklist panel needs."""
    return {
        "request": request,
        "incident": incident,
        "items": incident_selectors.incident_checklist(incident=incident),
        "item_form": item_form or ChecklistItemForm(),
        "item_errors": item_errors or {},
        "people": list(active_people()),
        "can_add_item": request.user.has_perm(ADD_CHECKLIST_ITEM) and incident.is_editable,
        "can_work_item": request.user.has_perm(WORK_CHECKLIST_ITEM) and incident.is_editable,
    }


def _checklist_answer(
    request: HttpRequest,
    incident: Incident,
    failed: ApplicationError | None,
    context: dict[str, Any],
) -> HttpResponse:
    return panel_response(
        request,
        CHECKLIST_PANEL,
        context,
        back_to=incident.part_url(WarRoomPart.CHECKLIST),
        failed=failed,
        changed=CHANGED,
    )


@require_GET
def checklist_panel(request: HttpRequest, reference: str) -> HttpResponse:
    incident = incident_selectors.incident_get(user=request.user, reference=reference)
    return render(request, CHECKLIST_PANEL, checklist_context(request, incident))


@require_POST
def checklist_add(request: HttpRequest, reference: str) -> HttpResponse:
    incident = incident_selectors.incident_get(user=request.user, reference=reference)
    form = ChecklistItemForm(request.POST)
    failed = run_form(
        form,
        lambda: flows.checklist_item_add(
            actor=person_require_signed_in(request.user), incident=incident, **form.cleaned_data
        ),
    )
    context = checklist_context(request, incident, form if failed else None)
    return _checklist_answer(request, incident, failed, context)


@require_POST
def checklist_update(request: HttpRequest, reference: str, item_id: int) -> HttpResponse:
    incident = incident_selectors.incident_get(user=request.user, reference=reference)
    item = get_object_or_404(incident_selectors.incident_checklist(incident=incident), pk=item_id)
    form = ChecklistItemUpdateForm(
        request.POST, initial={"assignee": item.assignee, "due_at": item.due_at}
    )
    failed = run_form(
        form,
        lambda: flows.checklist_item_update(
            actor=person_require_signed_in(request.user), item=item, **form.changes()
        ),
    )
    context = checklist_context(
        request, incident, item_errors={item.pk: failed.message} if failed else None
    )
    return _checklist_answer(request, incident, failed, context)


@require_POST
def checklist_done(request: HttpRequest, reference: str, item_id: int) -> HttpResponse:
    incident = incident_selectors.incident_get(user=request.user, reference=reference)
    item = get_object_or_404(incident_selectors.incident_checklist(incident=incident), pk=item_id)
    done = request.POST.get("done") in ("on", "true", "1")
    failed = None
    try:
        flows.checklist_item_update(
            actor=person_require_signed_in(request.user), item=item, done=done
        )
    except ApplicationError as exc:
        failed = exc
    context = checklist_context(
        request, incident, item_errors={item.pk: failed.message} if failed else None
    )
    return _checklist_answer(request, incident, failed, context)
