"""Incident pages. Thin: parse the form, call one service or selector, render.

Panels of the war-room page (timeline, claims, checklist) answer htmx requests with their
own fragment; without htmx every form still works with a redirect back to the page.
"""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from communications.views import incident_panel_context as communications_panel_context
from config.errors import ApplicationError, form_error
from config.http import HttpRequest, forbidden
from config.people import active_people
from config.permissions import (
    ADD_CHECKLIST_ITEM,
    ADD_CLAIM,
    ADD_NOTE,
    ASSIGN_ROLES,
    DECLARE_INCIDENT,
    EDIT_INCIDENT,
    VERIFY_CLAIM,
    WORK_CHECKLIST_ITEM,
    holds,
)
from teams import selectors as team_selectors
from teams import services as team_services
from teams.models import Role
from teams.stakeholders.views import incident_panel_context

from . import selectors, services
from .filters import IncidentFilter
from .forms import (
    ChecklistItemForm,
    ChecklistItemUpdateForm,
    ClaimForm,
    ClaimStatusForm,
    IncidentDeclareForm,
    IncidentDetailsForm,
    NoteForm,
    RoleAssignForm,
    TransitionForm,
)
from .lifecycle import POSTMORTEM_REQUIRED_SEVERITIES
from .models import SEVERITY_DESCRIPTIONS, Incident, Severity
from .permissions import allowed_transitions

LIST_PAGE_SIZE = 25
TIMELINE_PAGE_SIZE = 50


# --- dashboard and list ---------------------------------------------------------------------


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    counts = selectors.open_incident_counts_by_severity(user=request.user)
    severities = [
        {"severity": s, "count": counts.get(s.value, 0), "description": SEVERITY_DESCRIPTIONS[s]}
        for s in Severity
    ]
    return render(
        request,
        "incidents/dashboard.html",
        {
            "severities": severities,
            "open_total": sum(counts.values()),
            "open_incidents": selectors.open_incidents(user=request.user)[:20],
            "activity": selectors.latest_activity(user=request.user),
        },
    )


@require_GET
def incident_list(request: HttpRequest) -> HttpResponse:
    filterset = IncidentFilter(
        request.GET or None, queryset=selectors.incident_list(user=request.user)
    )
    page = Paginator(filterset.qs, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"filter": filterset, "page": page}
    template = "incidents/_list_results.html" if request.htmx else "incidents/list.html"
    return render(request, template, context)


# --- declare and edit -----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def incident_declare(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm(DECLARE_INCIDENT):
        return forbidden(request, _("Your role does not allow you to declare incidents."))
    form = IncidentDeclareForm(request.POST or None, initial={"severity": Severity.SEV3})
    if request.method == "POST" and form.is_valid():
        try:
            incident = services.incident_declare(actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(
                request, _("%(reference)s declared.") % {"reference": incident.reference}
            )
            return redirect(incident)
    return render(request, "incidents/declare.html", {"form": form})


@require_http_methods(["GET", "POST"])
def incident_edit(request: HttpRequest, reference: str) -> HttpResponse:
    incident = selectors.incident_get(user=request.user, reference=reference)
    if not request.user.has_perm(EDIT_INCIDENT):
        return forbidden(request, _("Your role does not allow you to edit incidents."))
    initial = {
        "title": incident.title,
        "summary": incident.summary,
        "severity": incident.severity,
        "category": incident.category,
        "source": incident.source,
        "tags": [tag.name for tag in incident.tags.all()],
    }
    form = IncidentDetailsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.incident_update(actor=request.user, incident=incident, **form.cleaned_data)
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect(incident)
    return render(request, "incidents/edit.html", {"form": form, "incident": incident})


# --- the war room ---------------------------------------------------------------------------


def _timeline_context(request: HttpRequest, incident: Incident, note_form: Any = None) -> dict:
    events = selectors.incident_timeline(incident=incident)
    page = Paginator(events, TIMELINE_PAGE_SIZE).get_page(request.GET.get("page"))
    return {
        "incident": incident,
        "events": page,
        "note_form": note_form or NoteForm(),
        "can_add_note": request.user.has_perm(ADD_NOTE),
    }


def _claims_context(request: HttpRequest, incident: Incident, claim_form: Any = None) -> dict:
    return {
        "incident": incident,
        "claims": selectors.incident_claims(incident=incident),
        "claim_form": claim_form or ClaimForm(),
        "status_form": ClaimStatusForm(),
        "can_add_claim": request.user.has_perm(ADD_CLAIM) and incident.is_editable,
        "can_verify_claim": request.user.has_perm(VERIFY_CLAIM) and incident.is_editable,
    }


def _checklist_context(request: HttpRequest, incident: Incident, item_form: Any = None) -> dict:
    return {
        "incident": incident,
        "items": selectors.incident_checklist(incident=incident),
        "item_form": item_form or ChecklistItemForm(),
        "people": list(active_people()),
        "can_add_item": request.user.has_perm(ADD_CHECKLIST_ITEM) and incident.is_editable,
        "can_work_item": request.user.has_perm(WORK_CHECKLIST_ITEM) and incident.is_editable,
    }


def _roles_context(request: HttpRequest, incident: Incident, error: str = "") -> dict:
    assignments = list(team_selectors.incident_roles(incident=incident))
    active = [a for a in assignments if a.is_active]
    may_staff = holds(request.user, ASSIGN_ROLES) or any(
        a.role_id == Role.CRISIS_LEAD and a.person_id == request.user.pk for a in active
    )
    rows = []
    for role, on_call, source in team_selectors.on_call():
        holders = [a for a in active if a.role_id == role.slug]
        holder_ids = {a.person_id for a in holders}
        rows.append(
            {
                "role": role,
                "holders": holders,
                "suggested": [p for p in on_call if p.pk not in holder_ids],
                "source": source,
            }
        )
    return {
        "incident": incident,
        "role_rows": rows,
        "role_history": [a for a in assignments if not a.is_active],
        "can_staff": may_staff and incident.is_editable,
        "people": list(active_people()),
        "roles_error": error,
    }


@require_GET
def roles_panel(request: HttpRequest, reference: str) -> HttpResponse:
    incident = selectors.incident_get(user=request.user, reference=reference)
    return render(request, "incidents/_roles.html", _roles_context(request, incident))


@require_POST
def role_assign(request: HttpRequest, reference: str) -> HttpResponse:
    incident = selectors.incident_get(user=request.user, reference=reference)
    form = RoleAssignForm(request.POST)
    ok, failed = _run(
        form,
        lambda: team_services.role_assign(
            actor=request.user,
            incident=incident,
            role=form.cleaned_data["role"],
            person=form.cleaned_data["person"],
            hand_over=form.cleaned_data["hand_over"] or None,
        ),
    )
    context = _roles_context(request, incident, failed.message if failed else "")
    return _panel(request, incident, "incidents/_roles.html", context, changed=ok, failed=failed)


@require_POST
def role_relieve(request: HttpRequest, reference: str, assignment_id: int) -> HttpResponse:
    incident = selectors.incident_get(user=request.user, reference=reference)
    assignment = get_object_or_404(
        team_selectors.incident_roles(incident=incident), pk=assignment_id
    )
    failed = None
    try:
        team_services.role_relieve(actor=request.user, assignment=assignment)
    except ApplicationError as exc:
        failed = exc
    context = _roles_context(request, incident, failed.message if failed else "")
    return _panel(
        request, incident, "incidents/_roles.html", context, changed=failed is None, failed=failed
    )


@require_GET
def incident_detail(request: HttpRequest, reference: str) -> HttpResponse:
    incident = selectors.incident_get(user=request.user, reference=reference)
    transitions = allowed_transitions(user=request.user, incident=incident)
    context = {
        "incident": incident,
        "transitions": transitions,
        "needs_waiver": incident.severity in POSTMORTEM_REQUIRED_SEVERITIES,
        "can_edit": request.user.has_perm(EDIT_INCIDENT) and incident.is_editable,
        "severity_description": SEVERITY_DESCRIPTIONS[Severity(incident.severity)],
        **_timeline_context(request, incident),
        **_claims_context(request, incident),
        **_checklist_context(request, incident),
        **_roles_context(request, incident),
        **incident_panel_context(request, incident),
        **communications_panel_context(request, incident),
    }
    return render(request, "incidents/detail.html", context)


@require_POST
def incident_transition(request: HttpRequest, reference: str) -> HttpResponse:
    incident = selectors.incident_get(user=request.user, reference=reference)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a status to move to."))
        return redirect(incident)
    try:
        incident = services.incident_transition(
            actor=request.user, incident=incident, **form.cleaned_data
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("%(reference)s is now %(status)s.")
            % {"reference": incident.reference, "status": incident.get_status_display()},
        )
    return redirect(incident)


@require_POST
def incident_acknowledge(request: HttpRequest, reference: str) -> HttpResponse:
    incident = selectors.incident_get(user=request.user, reference=reference)
    try:
        services.incident_acknowledge(actor=request.user, incident=incident)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect(incident)


def _panel(
    request: HttpRequest,
    incident: Incident,
    template: str,
    context: dict,
    *,
    changed: bool,
    failed: ApplicationError | None = None,
) -> HttpResponse:
    """An htmx request gets the panel; a plain form post goes back to the war room."""
    if request.htmx:
        response = render(request, template, context)
        if changed:
            response["HX-Trigger"] = "timeline-changed"
        return response
    if failed is not None:
        messages.error(request, failed.message)
    return HttpResponseRedirect(incident.get_absolute_url())


def _run(form: Any, call: Callable[[], Any]) -> tuple[bool, ApplicationError | None]:
    """Call a service for a valid form; a refusal lands on the form."""
    if not form.is_valid():
        first = next(iter(form.errors.values()))[0]
        return False, ApplicationError(str(first))
    try:
        call()
    except ApplicationError as exc:
        form_error(form, exc)
        return False, exc
    return True, None


@require_GET
def timeline_panel(request: HttpRequest, reference: str) -> HttpResponse:
    incident = selectors.incident_get(user=request.user, reference=reference)
    return render(request, "incidents/_timeline.html", _timeline_context(request, incident))


@require_POST
def note_add(request: HttpRequest, reference: str) -> HttpResponse:
    incident = selectors.incident_get(user=request.user, reference=reference)
    form = NoteForm(request.POST)
    ok, failed = _run(
        form,
        lambda: services.incident_note_add(
            actor=request.user, incident=incident, **form.cleaned_data
        ),
    )
    context = _timeline_context(request, incident, None if ok else form)
    return _panel(
        request, incident, "incidents/_timeline.html", context, changed=False, failed=failed
    )


@require_GET
def claims_panel(request: HttpRequest, reference: str) -> HttpResponse:
    incident = selectors.incident_get(user=request.user, reference=reference)
    return render(request, "incidents/_claims.html", _claims_context(request, incident))


@require_POST
def claim_add(request: HttpRequest, reference: str) -> HttpResponse:
    incident = selectors.incident_get(user=request.user, reference=reference)
    form = ClaimForm(request.POST)
    ok, failed = _run(
        form,
        lambda: services.claim_add(actor=request.user, incident=incident, **form.cleaned_data),
    )
    context = _claims_context(request, incident, None if ok else form)
    return _panel(request, incident, "incidents/_claims.html", context, changed=ok, failed=failed)


@require_POST
def claim_status(request: HttpRequest, reference: str, claim_id: int) -> HttpResponse:
    incident = selectors.incident_get(user=request.user, reference=reference)
    claim = get_object_or_404(selectors.incident_claims(incident=incident), pk=claim_id)
    form = ClaimStatusForm(request.POST)
    ok, failed = _run(
        form,
        lambda: services.claim_set_status(actor=request.user, claim=claim, **form.cleaned_data),
    )
    context = _claims_context(request, incident)
    if failed is not None:
        context["claim_errors"] = {claim.pk: failed.message}
    return _panel(request, incident, "incidents/_claims.html", context, changed=ok, failed=failed)


@require_GET
def checklist_panel(request: HttpRequest, reference: str) -> HttpResponse:
    incident = selectors.incident_get(user=request.user, reference=reference)
    return render(request, "incidents/_checklist.html", _checklist_context(request, incident))


@require_POST
def checklist_add(request: HttpRequest, reference: str) -> HttpResponse:
    incident = selectors.incident_get(user=request.user, reference=reference)
    form = ChecklistItemForm(request.POST)
    ok, failed = _run(
        form,
        lambda: services.checklist_item_add(
            actor=request.user, incident=incident, **form.cleaned_data
        ),
    )
    context = _checklist_context(request, incident, None if ok else form)
    return _panel(
        request, incident, "incidents/_checklist.html", context, changed=ok, failed=failed
    )


@require_POST
def checklist_update(request: HttpRequest, reference: str, item_id: int) -> HttpResponse:
    incident = selectors.incident_get(user=request.user, reference=reference)
    item = get_object_or_404(selectors.incident_checklist(incident=incident), pk=item_id)
    form = ChecklistItemUpdateForm(
        request.POST, initial={"assignee": item.assignee, "due_at": item.due_at}
    )

    @transaction.atomic
    def call() -> None:
        if "assignee" in form.changed_data:
            services.checklist_item_assign(
                actor=request.user, item=item, assignee=form.cleaned_data["assignee"]
            )
        if "due_at" in form.changed_data:
            services.checklist_item_set_due(
                actor=request.user, item=item, due_at=form.cleaned_data["due_at"]
            )

    ok, failed = _run(form, call)
    context = _checklist_context(request, incident)
    if failed is not None:
        context["item_errors"] = {item.pk: failed.message}
    return _panel(
        request, incident, "incidents/_checklist.html", context, changed=ok, failed=failed
    )


@require_POST
def checklist_done(request: HttpRequest, reference: str, item_id: int) -> HttpResponse:
    incident = selectors.incident_get(user=request.user, reference=reference)
    item = get_object_or_404(selectors.incident_checklist(incident=incident), pk=item_id)
    done = request.POST.get("done") in ("on", "true", "1")
    failed = None
    try:
        services.checklist_item_set_done(actor=request.user, item=item, done=done)
    except ApplicationError as exc:
        failed = exc
    context = _checklist_context(request, incident)
    if failed is not None:
        context["item_errors"] = {item.pk: failed.message}
    return _panel(
        request,
        incident,
        "incidents/_checklist.html",
        context,
        changed=failed is None,
        failed=failed,
    )
