"""Playbooks: the list, a playbook with its versions, writing the next version, archiving,
and the war room's playbook panel (which version the incident used, the templates it offers,
applying one to a running incident)."""

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from communications import selectors
from communications.forms import PlaybookApplyForm, PlaybookForm
from communications.messaging.services.playbooks import playbook_write
from config.errors import ApplicationError, form_error
from config.http import HttpRequest, forbidden, run_form
from config.inputs import id_from
from config.markdown import render as markdown
from config.people import person_require_signed_in
from config.permissions import ADD_CHECKLIST_ITEM, MANAGE_PLAYBOOKS, holds
from incidents import selectors as incident_selectors
from incidents.models import Incident, WarRoomPart
from teams import flows as team_flows
from teams.models import Playbook
from teams.playbooks import selectors as playbook_selectors
from teams.playbooks import services as playbook_services

PAGE_SIZE = 25


@require_GET
def playbook_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    rows = playbook_selectors.playbooks(user=request.user, query=query)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "communications/playbooks.html",
        {"page": page, "query": query, "can_manage": holds(request.user, MANAGE_PLAYBOOKS)},
    )


@require_GET
def playbook_detail(request: HttpRequest, pk: int) -> HttpResponse:
    playbook = get_object_or_404(Playbook, pk=pk)
    versions = list(playbook.versions.select_related("created_by").order_by("-number"))
    if not versions:
        raise Http404
    wanted = id_from(request.GET.get("version"))
    version_row = next((v for v in versions if v.number == wanted), versions[0])
    version = playbook_selectors.playbook_version_full(version_row.pk)
    return render(
        request,
        "communications/playbook.html",
        {
            "playbook": playbook,
            "version": version,
            "is_current": version.pk == versions[0].pk,
            "versions": versions,
            "first_steps": markdown(version.first_steps),
            "checklist": playbook_selectors.playbook_checklist(version),
            "templates": version.templates.all(),
            "runs": playbook_selectors.playbook_runs_of(playbook)[:50],
            "risks": playbook.risks.all(),
            "can_manage": holds(request.user, MANAGE_PLAYBOOKS),
        },
    )


@require_http_methods(["GET", "POST"])
def playbook_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    playbook = get_object_or_404(Playbook, pk=pk) if pk else None
    if not holds(request.user, MANAGE_PLAYBOOKS):
        return forbidden(request, _("Your role does not allow you to write playbooks."))
    current = playbook_selectors.playbook_current(playbook) if playbook else None
    initial = PlaybookForm.initial_from(current) if current else {"severity_hint": 2}
    form = PlaybookForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            version = playbook_write(
                actor=person_require_signed_in(request.user), playbook=playbook, **form.cleaned_data
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            if current is not None and version.pk == current.pk:
                messages.info(request, _("Nothing changed; no new version was written."))
            else:
                messages.success(
                    request,
                    _("%(name)s: version %(number)d saved.")
                    % {"name": version.playbook.name, "number": version.number},
                )
            return redirect("communications:playbook", version.playbook_id)
    return render(
        request,
        "communications/playbook_form.html",
        {"form": form, "playbook": playbook, "current": current},
        status=400 if form.errors else 200,
    )


@require_POST
def playbook_archive(request: HttpRequest, pk: int) -> HttpResponse:
    playbook = get_object_or_404(Playbook, pk=pk)
    if not holds(request.user, MANAGE_PLAYBOOKS):
        return forbidden(request, _("Your role does not allow you to archive playbooks."))
    archived = request.POST.get("archived") != "no"
    playbook_services.playbook_archive(
        actor=person_require_signed_in(request.user), playbook=playbook, archived=archived
    )
    said = (
        _("%(name)s is archived: it is no longer offered when declaring.")
        if archived
        else _("%(name)s is offered when declaring again.")
    )
    messages.success(request, said % {"name": playbook.name})
    return redirect("communications:playbook", playbook.pk)


def playbook_panel_context(request: HttpRequest, incident: Incident) -> dict[str, Any]:
    """What the war room's playbook panel needs: the versions the incident used, the
    templates they offer, and the form to apply one."""
    can_apply = incident.is_editable and holds(request.user, ADD_CHECKLIST_ITEM)
    return {
        "incident": incident,
        "playbook_runs": list(playbook_selectors.playbook_runs(incident)),
        "playbook_templates": list(selectors.playbook_templates(incident=incident)),
        "playbook_form": PlaybookApplyForm() if can_apply else None,
    }


@require_POST
def incident_playbook_apply(request: HttpRequest, reference: str) -> HttpResponse:
    incident = incident_selectors.incident_get(user=request.user, reference=reference)
    if not holds(request.user, ADD_CHECKLIST_ITEM):
        return forbidden(request, _("Your role does not allow you to add checklist items."))
    form = PlaybookApplyForm(request.POST)
    applied: list[Any] = []
    failed = run_form(
        form,
        lambda: applied.append(
            team_flows.incident_playbook_apply(
                actor=person_require_signed_in(request.user),
                incident=incident,
                playbook=form.cleaned_data["playbook"],
            )
        ),
    )
    if failed is not None:
        messages.error(request, failed.message)
    else:
        run, added = applied[0]
        messages.success(
            request,
            _("%(playbook)s applied: %(count)d items added.")
            % {"playbook": run.version, "count": len(added)}
            if added
            else _("%(playbook)s was applied already; nothing was missing.")
            % {"playbook": run.version},
        )
    return redirect(incident.part_url(WarRoomPart.PLAYBOOK))
