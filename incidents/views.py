"""Incident pages: the dashboard, the list, and the war room with its core panels (the
timeline, the rumour register).

Thin: parse the form, call one service or selector, render. The war room's other panels
(roles, checklist, stakeholders, communications) come from the apps that own them, through
their inclusion tags; its buttons (edit, move, acknowledge) post to the desk (desk.views).
Panels answer htmx requests with their own fragment; without htmx every form still works with
a redirect back to the page.
"""

from typing import Any

from django.core.paginator import Page, Paginator
from django.forms import BaseForm
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.functional import cached_property
from django.views.decorators.http import condition, require_GET, require_POST

from config.errors import ApplicationError
from config.http import HttpRequest, panel_response, run_form
from config.people import person_require_signed_in
from config.permissions import ADD_CLAIM, ADD_NOTE, EDIT_INCIDENT, VERIFY_CLAIM

from . import live, selectors, services
from .filters import IncidentFilter
from .forms import ClaimForm, ClaimStatusForm, NoteForm
from .lifecycle import needs_postmortem_to_close
from .models import SEVERITY_DESCRIPTIONS, Incident, Severity, TimelineEvent, WarRoomPart
from .permissions import allowed_transitions

TIMELINE_PANEL = "incidents/_timeline.html"
CLAIMS_PANEL = "incidents/_claims.html"
LIST_PAGE_SIZE = 25
TIMELINE_PAGE_SIZE = 25


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
            "open_drills": selectors.open_drills(user=request.user)[:20],
            "activity": selectors.latest_activity(user=request.user),
            "live_on": live.DESK,
        },
    )


@require_GET
def incident_list(request: HttpRequest) -> HttpResponse:
    filterset = IncidentFilter(
        request.GET or None, queryset=selectors.incident_list(user=request.user)
    )
    page = Paginator(filterset.qs, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"filter": filterset, "page": page, "live_on": live.DESK}
    template = "incidents/_list_results.html" if request.htmx else "incidents/list.html"
    return render(request, template, context)


# --- the war room ---------------------------------------------------------------------------


class _Counted(Paginator):
    """A paginator told its count (read once with the page, see _timeline_page)."""

    def __init__(self, object_list: Any, per_page: int, count: int) -> None:
        super().__init__(object_list, per_page)
        self.known_count = count

    @cached_property
    def count(self) -> int:
        return self.known_count


def _timeline_page(incident: Incident, number: str | None) -> Page:
    """A page of the timeline. The newest page, the one every viewer of a war room reads again
    after a change, is read once per change (live.remembered); an older one is read as asked."""
    events = selectors.incident_timeline(incident=incident)
    if number not in (None, "", "1"):
        return Paginator(events, TIMELINE_PAGE_SIZE).get_page(number)

    def read() -> tuple[int, list[TimelineEvent]]:
        page = Paginator(events, TIMELINE_PAGE_SIZE).get_page(1)
        return page.paginator.count, list(page.object_list)

    count, rows = live.remembered(live.incident_key(incident.pk), "timeline", read)
    return Page(rows, 1, _Counted(events, TIMELINE_PAGE_SIZE, count))


def _timeline_context(
    request: HttpRequest, incident: Incident, note_form: BaseForm | None = None
) -> dict:
    page = _timeline_page(incident, request.GET.get("page"))
    return {
        "incident": incident,
        "events": page,
        "runs": selectors.timeline_runs(page.object_list),
        "note_form": note_form or NoteForm(),
        "can_add_note": request.user.has_perm(ADD_NOTE),
    }


def _claims_context(
    request: HttpRequest, incident: Incident, claim_form: BaseForm | None = None
) -> dict:
    return {
        "incident": incident,
        "claims": selectors.incident_claims(incident=incident),
        "claim_form": claim_form or ClaimForm(),
        "status_form": ClaimStatusForm(),
        "can_add_claim": request.user.has_perm(ADD_CLAIM) and incident.is_editable,
        "can_verify_claim": request.user.has_perm(VERIFY_CLAIM) and incident.is_editable,
    }


@require_GET
def incident_detail(request: HttpRequest, reference: str) -> HttpResponse:
    incident = selectors.incident_get(user=request.user, reference=reference)
    transitions = allowed_transitions(user=request.user, incident=incident)
    part = WarRoomPart.of(request.GET.get("part"))
    context = {
        "incident": incident,
        "transitions": transitions,
        "needs_waiver": needs_postmortem_to_close(incident),
        "can_edit": request.user.has_perm(EDIT_INCIDENT) and incident.is_editable,
        "severity_description": SEVERITY_DESCRIPTIONS[Severity(incident.severity)],
        "part": part,
        "parts": WarRoomPart,
        "live_on": live.incident_key(incident.pk),
    }
    # Only the part shown is asked for: the first screen plus one part is the whole page.
    if part == WarRoomPart.TIMELINE:
        context |= _timeline_context(request, incident)
    elif part == WarRoomPart.CLAIMS:
        context |= _claims_context(request, incident)
    return render(request, "incidents/detail.html", context)


@require_GET
def timeline_panel(request: HttpRequest, reference: str) -> HttpResponse:
    incident = selectors.incident_get(user=request.user, reference=reference)
    return render(request, TIMELINE_PANEL, _timeline_context(request, incident))


@require_POST
def note_add(request: HttpRequest, reference: str) -> HttpResponse:
    incident = selectors.incident_get(user=request.user, reference=reference)
    form = NoteForm(request.POST)
    failed = run_form(
        form,
        lambda: services.incident_note_add(
            actor=person_require_signed_in(request.user), incident=incident, **form.cleaned_data
        ),
    )
    context = _timeline_context(request, incident, form if failed else None)
    return panel_response(
        request, TIMELINE_PANEL, context, back_to=incident.get_absolute_url(), failed=failed
    )


@require_GET
def claims_panel(request: HttpRequest, reference: str) -> HttpResponse:
    incident = selectors.incident_get(user=request.user, reference=reference)
    return render(request, CLAIMS_PANEL, _claims_context(request, incident))


def _claims_answer(
    request: HttpRequest,
    incident: Incident,
    context: dict[str, Any],
    failed: ApplicationError | None,
) -> HttpResponse:
    return panel_response(
        request,
        CLAIMS_PANEL,
        context,
        back_to=incident.part_url(WarRoomPart.CLAIMS),
        failed=failed,
        changed="timeline-changed",
    )


@require_POST
def claim_add(request: HttpRequest, reference: str) -> HttpResponse:
    incident = selectors.incident_get(user=request.user, reference=reference)
    form = ClaimForm(request.POST)
    failed = run_form(
        form,
        lambda: services.claim_add(
            actor=person_require_signed_in(request.user), incident=incident, **form.cleaned_data
        ),
    )
    context = _claims_context(request, incident, form if failed else None)
    return _claims_answer(request, incident, context, failed)


@require_POST
def claim_status(request: HttpRequest, reference: str, claim_id: int) -> HttpResponse:
    incident = selectors.incident_get(user=request.user, reference=reference)
    claim = get_object_or_404(selectors.incident_claims(incident=incident), pk=claim_id)
    form = ClaimStatusForm(request.POST)
    failed = run_form(
        form,
        lambda: services.claim_set_status(
            actor=person_require_signed_in(request.user), claim=claim, **form.cleaned_data
        ),
    )
    context = _claims_context(request, incident)
    if failed is not None:
        context["claim_errors"] = {claim.pk: failed.message}
    return _claims_answer(request, incident, context, failed)


# --- live pages ------------------------------------------------------------------------------


def _live_etag(request: HttpRequest) -> str | None:
    keys = live.page_keys(request.GET.get("on", ""))
    if keys is None or not request.user.is_authenticated:
        return None
    return live.page_etag(on=keys, person_id=request.user.pk)


@require_GET
@condition(etag_func=_live_etag)
def live_version(request: HttpRequest) -> HttpResponse:
    """``/live/?on=incident-12``: the version of what a page shows (``on``: ``desk`` or
    ``incident-<id>``, comma-separated; the reader's own notifications always count) as an
    ETag. 304 when it is the one the page sent in If-None-Match (Django's conditional GET),
    else 204 with the new one: the page then fetches itself again (static/js/live.js)."""
    person_require_signed_in(request.user)
    if live.page_keys(request.GET.get("on", "")) is None:
        return HttpResponse(status=400)
    response = HttpResponse(status=204)
    response["Cache-Control"] = "no-store"
    return response
