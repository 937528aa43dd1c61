"""The risk register's pages under /team/risks/: the list (sortable, filterable), the 5 x 5
heat map, a risk with its mitigations, history and incidents, writing one, and the war room's
panel naming the risks an incident realised."""

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config.errors import ApplicationError, form_error
from config.http import HttpRequest, forbidden, run_form
from config.people import person_require_signed_in
from config.permissions import MANAGE_RISKS, holds
from incidents import selectors as incident_selectors
from incidents.models import Incident, WarRoomPart
from teams.models import Mitigation, Risk
from teams.models.risk_rules import BANDS, risk_band

from . import selectors, services
from .filters import RiskPageFilter
from .forms import MitigationForm, MitigationStatusForm, RealisedForm, ReviewForm, RiskForm

PAGE_SIZE = 25
HISTORY_SIZE = 100


def _filtered(request: HttpRequest) -> tuple[RiskPageFilter, Any]:
    """The register through the page's filters; a value not understood shows beside its
    filter and lists nothing rather than everything."""
    filterset = RiskPageFilter(
        request.GET, queryset=selectors.risks(user=request.user), request=request
    )
    rows = filterset.qs if filterset.is_valid() else Risk.objects.none()
    return filterset, rows


def _refuse_writes(request: HttpRequest) -> HttpResponse | None:
    if holds(request.user, MANAGE_RISKS):
        return None
    return forbidden(request, _("Your role does not allow you to keep the risk register."))


@require_GET
def risk_list(request: HttpRequest) -> HttpResponse:
    filterset, rows = _filtered(request)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "teams/risks/list.html",
        {
            "page": page,
            "filter": filterset,
            "filtered": bool(request.GET.keys() - {"page"}),
            "bands": BANDS,
            "can_manage": holds(request.user, MANAGE_RISKS),
        },
        status=400 if filterset.errors else 200,
    )


@require_GET
def heat_map(request: HttpRequest) -> HttpResponse:
    filterset, rows = _filtered(request)
    rows = rows.exclude(status=Risk.Status.RETIRED)
    grid = selectors.risk_heat_map(rows)
    for row in grid:
        for cell in row:
            cell["band"] = risk_band(cell["likelihood"] * cell["impact"])
    return render(
        request,
        "teams/risks/heat_map.html",
        {
            "grid": grid,
            "impacts": range(1, 6),
            "filter": filterset,
            "bands": BANDS,
            "count": sum(len(cell["risks"]) for row in grid for cell in row),
        },
        status=400 if filterset.errors else 200,
    )


def _risk(request: HttpRequest, pk: int) -> Risk:
    return get_object_or_404(selectors.risks(user=request.user).select_related("playbook"), pk=pk)


@require_GET
def risk_detail(request: HttpRequest, pk: int) -> HttpResponse:
    risk = _risk(request, pk)
    can_manage = holds(request.user, MANAGE_RISKS)
    return render(
        request,
        "teams/risks/detail.html",
        {
            "risk": risk,
            "mitigations": risk.mitigations.select_related("owner"),
            "changes": risk.changes.select_related("actor")[:HISTORY_SIZE],
            "incidents": risk.incidents.order_by("-detected_at"),
            "can_manage": can_manage,
            "mitigation_form": MitigationForm(prefix="mitigation") if can_manage else None,
            "review_form": ReviewForm(prefix="review") if can_manage else None,
            "statuses": Mitigation.Status.choices,
        },
    )


@require_http_methods(["GET", "POST"])
def risk_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    risk = _risk(request, pk) if pk else None
    if refused := _refuse_writes(request):
        return refused
    initial = (
        RiskForm.initial_of(risk)
        if risk
        else {"owner": request.user.pk, "status": Risk.Status.OPEN}
    )
    form = RiskForm(request.POST or None, initial=initial, risk=risk)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.risk_save(
                actor=person_require_signed_in(request.user), risk=risk, **form.cleaned_data
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Risk saved.") if risk else _("Risk recorded."))
            return redirect("teams:risk", saved.pk)
    return render(
        request,
        "teams/risks/form.html",
        {"form": form, "risk": risk},
        status=400 if form.errors else 200,
    )


def _back(risk: Risk, failed: ApplicationError | None, request: HttpRequest, done: str) -> Any:
    if failed is not None:
        messages.error(request, failed.message)
    else:
        messages.success(request, done)
    return redirect("teams:risk", risk.pk)


@require_POST
def risk_review(request: HttpRequest, pk: int) -> HttpResponse:
    risk = _risk(request, pk)
    if refused := _refuse_writes(request):
        return refused
    form = ReviewForm(request.POST, prefix="review")
    failed = run_form(
        form,
        lambda: services.risk_reviewed(
            actor=person_require_signed_in(request.user),
            risk=risk,
            next_review_at=form.cleaned_data["next_review_at"],
            note=form.cleaned_data["note"],
        ),
    )
    return _back(risk, failed, request, _("Review recorded."))


@require_POST
def mitigation_add(request: HttpRequest, pk: int) -> HttpResponse:
    risk = _risk(request, pk)
    if refused := _refuse_writes(request):
        return refused
    form = MitigationForm(request.POST, prefix="mitigation")
    failed = run_form(
        form,
        lambda: services.mitigation_save(
            actor=person_require_signed_in(request.user), risk=risk, **form.cleaned_data
        ),
    )
    return _back(risk, failed, request, _("Mitigation added."))


@require_POST
def mitigation_status(request: HttpRequest, pk: int, mitigation_id: int) -> HttpResponse:
    risk = _risk(request, pk)
    mitigation = get_object_or_404(risk.mitigations, pk=mitigation_id)
    if refused := _refuse_writes(request):
        return refused
    form = MitigationStatusForm(request.POST)
    failed = run_form(
        form,
        lambda: services.mitigation_save(
            actor=person_require_signed_in(request.user),
            risk=risk,
            mitigation=mitigation,
            status=form.cleaned_data["status"],
        ),
    )
    return _back(risk, failed, request, _("Mitigation updated."))


# --- the war room's panel -------------------------------------------------------------------


def incident_risks_context(request: HttpRequest, incident: Incident) -> dict[str, Any]:
    realised = list(incident.realised_risks.order_by("title"))
    can_link = holds(request.user, MANAGE_RISKS)
    return {
        "incident": incident,
        "realised_risks": realised,
        "realise_form": RealisedForm() if can_link else None,
    }


@require_POST
def incident_risk_realised(request: HttpRequest, reference: str) -> HttpResponse:
    incident = incident_selectors.incident_get(user=request.user, reference=reference)
    if refused := _refuse_writes(request):
        return refused
    form = RealisedForm(request.POST)
    failed = run_form(
        form,
        lambda: services.risk_realised(
            actor=person_require_signed_in(request.user),
            risk=form.cleaned_data["risk"],
            incident=incident,
        ),
    )
    if failed is not None:
        messages.error(request, failed.message)
    else:
        messages.success(
            request,
            _("%(reference)s realises the risk “%(title)s”.")
            % {"reference": incident.reference, "title": form.cleaned_data["risk"].title},
        )
    return redirect(incident.part_url(WarRoomPart.RISKS))
