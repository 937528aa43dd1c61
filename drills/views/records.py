"""Drills: the exercises the crisis team held, and their findings."""

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from config.errors import ApplicationError, form_error
from config.http import HttpRequest, forbidden
from config.people import person_require_signed_in
from config.permissions import MANAGE_DRILLS, holds
from teams.views.roster import next_hour

from .. import selectors, services
from ..forms import DrillForm

DRILLS_PAGE_SIZE = 20


@require_GET
def drills(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.drills(user=request.user), DRILLS_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "drills/drills.html",
        {"page": page, "can_edit": holds(request.user, MANAGE_DRILLS)},
    )


@require_GET
def drill(request: HttpRequest, pk: int) -> HttpResponse:
    return render(
        request,
        "drills/drill.html",
        {
            "drill": selectors.drill_get(user=request.user, pk=pk),
            "can_edit": holds(request.user, MANAGE_DRILLS),
        },
    )


@require_http_methods(["GET", "POST"])
def drill_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    current = selectors.drill_get(user=request.user, pk=pk) if pk is not None else None
    if not holds(request.user, MANAGE_DRILLS):
        return forbidden(request, _("Your role does not allow you to record drills."))
    initial: dict[str, Any] = {"held_at": next_hour() - timedelta(hours=1)}
    participants = None
    if current is not None:
        participants = list(current.participants.all())
        initial = {
            "title": current.title,
            "scenario": current.scenario,
            "held_at": current.held_at,
            "participants": participants,
            "findings": current.findings,
            "follow_ups": current.follow_ups,
        }
    form = DrillForm(request.POST or None, initial=initial, participants=participants)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.drill_save(
                actor=person_require_signed_in(request.user), drill=current, **form.cleaned_data
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Drill saved."))
            return redirect("drills:detail", pk=saved.pk)
    return render(request, "drills/drill_form.html", {"form": form, "drill": current})
