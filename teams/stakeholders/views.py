"""Stakeholder pages under /team/stakeholders/ and the incident panels they provide.

Thin: parse the form, call one service or selector, render. Anyone logged in reads; the edit
controls appear only for those who may manage stakeholders, and a post without that
permission gets the 403 page. The war-room panel (what the plan asks, who was told) answers
htmx with its fragment and plain posts with a redirect to the incident;
``incident_panel_context`` gives the incident page what it needs. Staff briefings are
messages, written in communications' briefing panel and approved like any other.
"""

from typing import Any

from django.contrib import messages
from django.forms import BaseForm
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config.errors import ApplicationError, form_error
from config.http import HttpRequest, forbidden, panel_response, run_form
from config.people import AnyUser, person_require_signed_in
from config.permissions import (
    MANAGE_STAKEHOLDERS,
    RECORD_STAKEHOLDER_UPDATE,
    holds,
    require,
)
from incidents import selectors as incident_selectors
from incidents.models import Incident, Severity, WarRoomPart
from teams.models import (
    CommunicationPlanEntry,
    StakeholderContact,
    StakeholderGroup,
)

from . import selectors, services
from .forms import (
    PlanEntryForm,
    StakeholderContactForm,
    StakeholderGroupForm,
    StakeholderUpdateForm,
)

# Sent with a successful change on an incident: its timeline (and checklist) show it.
CHANGED = "timeline-changed, checklist-changed"


def _may_manage(request: HttpRequest) -> bool:
    return holds(request.user, MANAGE_STAKEHOLDERS)


def _not_manager(request: HttpRequest) -> HttpResponse:
    return forbidden(
        request, _("Your role does not allow you to edit stakeholders or the communication plan.")
    )


def within_label(minutes: int) -> str:
    """1500 → "1 day 1 h"; the plan's "within" in words."""
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = []
    if days:
        parts.append(ngettext("%(count)d day", "%(count)d days", days) % {"count": days})
    if hours:
        parts.append(_("%(count)d h") % {"count": hours})
    if mins:
        parts.append(_("%(count)d min") % {"count": mins})
    return " ".join(parts)


def _refusal(user: AnyUser, permission: str, *, unless: bool = False) -> ApplicationError | None:
    """Why the user may not do this, before their input is looked at (None: they may)."""
    try:
        require(user, permission, unless=unless)
    except ApplicationError as exc:
        return exc
    return None


def _panel_error(form: BaseForm, failed: ApplicationError | None) -> str:
    """A refusal that no field of the form shows (the role, the incident's state)."""
    return failed.message if failed and failed.field not in form.fields else ""


# --- the stakeholders page ------------------------------------------------------------------


def _plan_sections(entries: list[CommunicationPlanEntry]) -> list[dict[str, Any]]:
    """SEV1 to SEV4, each with its entries (which may be none)."""
    return [
        {
            "severity": severity,
            "rows": [
                {"entry": entry, "within": within_label(entry.within_minutes)}
                for entry in entries
                if entry.severity == severity
            ],
        }
        for severity in Severity
    ]


def _plan_context(request: HttpRequest, plan_form: PlanEntryForm | None = None) -> dict[str, Any]:
    can_manage = _may_manage(request)
    return {
        "sections": _plan_sections(list(selectors.communication_plan(user=request.user))),
        "can_manage": can_manage,
        "plan_form": (plan_form or PlanEntryForm()) if can_manage else None,
    }


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    groups = list(selectors.stakeholder_groups(user=request.user))
    return render(
        request,
        "teams/stakeholders/index.html",
        {"groups": groups, **_plan_context(request)},
    )


def _edit_page(
    request: HttpRequest, form: BaseForm, *, title: str, submit: str, intro: str = ""
) -> HttpResponse:
    return render(
        request,
        "teams/stakeholders/form.html",
        {"form": form, "title": title, "submit": submit, "intro": intro},
    )


def _back(anchor: str = "") -> HttpResponseRedirect:
    return redirect(reverse("stakeholders:index") + (f"#{anchor}" if anchor else ""))


@require_http_methods(["GET", "POST"])
def group_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    group = selectors.stakeholder_group_get(user=request.user, pk=pk) if pk is not None else None
    if not _may_manage(request):
        return _not_manager(request)
    initial = (
        {"name": group.name, "kind": group.kind, "description": group.description} if group else {}
    )
    form = StakeholderGroupForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.stakeholder_group_save(
                actor=person_require_signed_in(request.user), group=group, **form.cleaned_data
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("%(group)s saved.") % {"group": saved})
            return _back(f"group-{saved.pk}")
    title = _("Edit %(group)s") % {"group": group} if group else _("Add a stakeholder group")
    return _edit_page(request, form, title=title, submit=_("Save group"))


@require_http_methods(["GET", "POST"])
def contact_add(request: HttpRequest, group_pk: int) -> HttpResponse:
    group = selectors.stakeholder_group_get(user=request.user, pk=group_pk)
    return _contact_form(request, group, None)


@require_http_methods(["GET", "POST"])
def contact_edit(request: HttpRequest, pk: int) -> HttpResponse:
    contact = selectors.stakeholder_contact_get(user=request.user, pk=pk)
    return _contact_form(request, contact.group, contact)


def _contact_form(
    request: HttpRequest, group: StakeholderGroup, contact: StakeholderContact | None
) -> HttpResponse:
    if not _may_manage(request):
        return _not_manager(request)
    initial = {}
    if contact:
        initial = {
            field: getattr(contact, field)
            for field in ("name", "organisation", "email", "phone", "preferred_channel", "notes")
        }
    form = StakeholderContactForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.stakeholder_contact_save(
                actor=person_require_signed_in(request.user),
                contact=contact,
                group=group,
                **form.cleaned_data,
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(
                request, _("%(contact)s saved in %(group)s.") % {"contact": saved, "group": group}
            )
            return _back(f"group-{group.pk}")
    title = (
        _("Edit %(contact)s") % {"contact": contact}
        if contact
        else _("Add a contact to %(group)s") % {"group": group}
    )
    return _edit_page(request, form, title=title, submit=_("Save contact"))


@require_POST
def contact_remove(request: HttpRequest, pk: int) -> HttpResponse:
    contact = selectors.stakeholder_contact_get(user=request.user, pk=pk)
    if not _may_manage(request):
        return _not_manager(request)
    services.stakeholder_contact_remove(
        actor=person_require_signed_in(request.user), contact=contact
    )
    messages.success(
        request,
        _("%(contact)s removed from %(group)s.") % {"contact": contact, "group": contact.group},
    )
    return _back(f"group-{contact.group_id}")


@require_POST
def plan_add(request: HttpRequest) -> HttpResponse:
    """From the plan panel: htmx gets the panel back; a plain post the page (or the form)."""
    if not _may_manage(request):
        return _not_manager(request)
    form = PlanEntryForm(request.POST)
    failed = run_form(
        form,
        lambda: services.plan_entry_save(
            actor=person_require_signed_in(request.user), **form.cleaned_data
        ),
    )
    if request.htmx:
        return render(
            request,
            "teams/stakeholders/_plan.html",
            _plan_context(request, form if failed else None),
        )
    if failed:
        return _edit_page(request, form, title=_("Add to the plan"), submit=_("Add"))
    messages.success(request, _("Added to the communication plan."))
    return _back("plan")


@require_http_methods(["GET", "POST"])
def plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    entry = selectors.plan_entry_get(user=request.user, pk=pk)
    if not _may_manage(request):
        return _not_manager(request)
    initial = {
        "severity": entry.severity,
        "group": entry.group,
        "channel": entry.channel,
        "within_minutes": entry.within_minutes,
        "notes": entry.notes,
    }
    form = PlanEntryForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_entry_save(
                actor=person_require_signed_in(request.user), entry=entry, **form.cleaned_data
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Communication plan saved."))
            return _back("plan")
    return _edit_page(
        request,
        form,
        title=_("Edit the plan: %(entry)s") % {"entry": entry},
        submit=_("Save"),
        intro=_("Incidents already running keep the checklist items they have."),
    )


@require_POST
def plan_remove(request: HttpRequest, pk: int) -> HttpResponse:
    entry = selectors.plan_entry_get(user=request.user, pk=pk)
    if not _may_manage(request):
        return _not_manager(request)
    services.plan_entry_remove(actor=person_require_signed_in(request.user), entry=entry)
    if request.htmx:
        return render(request, "teams/stakeholders/_plan.html", _plan_context(request))
    messages.success(request, _("Removed from the plan: %(entry)s") % {"entry": entry})
    return _back("plan")


# --- the incident panels --------------------------------------------------------------------


def incident_panel_context(
    request: HttpRequest,
    incident: Incident,
    *,
    update_form: StakeholderUpdateForm | None = None,
    update_error: str = "",
) -> dict[str, Any]:
    """What _incident_panel.html needs: the plan's items, who was told, the form to record it."""
    plan_items = selectors.incident_plan_items(incident=incident)
    return {
        "request": request,
        "incident": incident,
        "stakeholder_plan_items": plan_items,
        "stakeholder_plan_open": sum(1 for p in plan_items if not p.item.is_done),
        "stakeholder_updates": list(selectors.incident_stakeholder_updates(incident=incident)),
        "stakeholder_update_form": update_form or StakeholderUpdateForm(),
        "stakeholder_error": update_error,
        "can_record_stakeholder_update": (
            incident.is_editable and holds(request.user, RECORD_STAKEHOLDER_UPDATE)
        ),
    }


@require_GET
def incident_panel(request: HttpRequest, reference: str) -> HttpResponse:
    incident = incident_selectors.incident_get(user=request.user, reference=reference)
    return render(
        request,
        "teams/stakeholders/_incident_panel.html",
        incident_panel_context(request, incident),
    )


@require_POST
def update_record(request: HttpRequest, reference: str) -> HttpResponse:
    incident = incident_selectors.incident_get(user=request.user, reference=reference)
    form = StakeholderUpdateForm(request.POST)
    failed = _refusal(request.user, RECORD_STAKEHOLDER_UPDATE) or run_form(
        form,
        lambda: services.stakeholder_update_record(
            actor=person_require_signed_in(request.user), incident=incident, **form.cleaned_data
        ),
    )
    context = incident_panel_context(
        request,
        incident,
        update_form=form if failed else None,
        update_error=_panel_error(form, failed),
    )
    return panel_response(
        request,
        "teams/stakeholders/_incident_panel.html",
        context,
        back_to=incident.part_url(WarRoomPart.STAKEHOLDERS),
        failed=failed,
        changed=CHANGED,
        success=_("Recorded."),
    )
