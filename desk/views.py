"""The incident's lifecycle pages: declare, edit the details, move along the lifecycle,
acknowledge. The paths stay under /incidents/; the war room (incidents.views) shows the
buttons and posts here. Thin: parse the form, call the one flow, say what happened."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from communications import flows as communication_flows
from config.errors import ApplicationError, form_error
from config.http import HttpRequest, forbidden
from config.people import person_require_signed_in
from config.permissions import DECLARE_INCIDENT, EDIT_INCIDENT
from incidents import selectors as incident_selectors
from incidents.forms import IncidentEditForm, TransitionForm
from postmortems import flows as postmortem_flows
from teams import flows as team_flows
from teams.forms import IncidentDeclareForm, declare_initial


@require_http_methods(["GET", "POST"])
def declare(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm(DECLARE_INCIDENT):
        return forbidden(request, _("Your role does not allow you to declare incidents."))
    form = IncidentDeclareForm(
        request.POST or None, initial=declare_initial(request.GET.get("playbook"))
    )
    if request.method == "POST" and form.is_valid():
        try:
            incident = team_flows.incident_declare(
                actor=person_require_signed_in(request.user), **form.cleaned_data
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(
                request, _("%(reference)s declared.") % {"reference": incident.reference}
            )
            return redirect(incident)
    return render(request, "desk/declare.html", {"form": form})


@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, reference: str) -> HttpResponse:
    incident = incident_selectors.incident_get(user=request.user, reference=reference)
    if not request.user.has_perm(EDIT_INCIDENT):
        return forbidden(request, _("Your role does not allow you to edit incidents."))
    initial = {
        "title": incident.title,
        "summary": incident.summary,
        "severity": incident.severity,
        "category": incident.category,
        "source": incident.source,
        "tags": [tag.name for tag in incident.tags.all()],
        "language": incident.language,
    }
    form = IncidentEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            communication_flows.incident_update(
                actor=person_require_signed_in(request.user), incident=incident, **form.cleaned_data
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect(incident)
    return render(request, "desk/edit.html", {"form": form, "incident": incident})


@require_POST
def transition(request: HttpRequest, reference: str) -> HttpResponse:
    incident = incident_selectors.incident_get(user=request.user, reference=reference)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a status to move to."))
        return redirect(incident)
    try:
        incident = postmortem_flows.incident_transition(
            actor=person_require_signed_in(request.user), incident=incident, **form.cleaned_data
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
def acknowledge(request: HttpRequest, reference: str) -> HttpResponse:
    incident = incident_selectors.incident_get(user=request.user, reference=reference)
    try:
        team_flows.incident_acknowledge(
            actor=person_require_signed_in(request.user), incident=incident
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect(incident)
