"""Drill pages: start one from a scenario (the drills page's panel and its own page) and
follow a run as it plays. Thin: parse, call one service, render."""

from typing import Any

from django.contrib import messages
from django.forms import BaseForm
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from config.http import HttpRequest, forbidden, run_form
from config.people import person_require_signed_in
from config.permissions import MANAGE_DRILLS, holds

from .. import selectors, services
from ..forms import DrillStartForm
from ..models import DrillRun
from ..scenario import clock

RUNS_SHOWN = 5


def drill_start_panel_context(request: HttpRequest, form: BaseForm | None = None) -> dict[str, Any]:
    """The drills page's panel: the drills playing now and, for those who may, the form."""
    return {
        "form": (form or DrillStartForm()) if holds(request.user, MANAGE_DRILLS) else None,
        "runs": list(selectors.drill_runs_unfinished()[:RUNS_SHOWN]),
    }


@require_http_methods(["GET", "POST"])
def drill_start(request: HttpRequest) -> HttpResponse:
    if not holds(request.user, MANAGE_DRILLS):
        return forbidden(request, _("Your role does not allow you to start drills."))
    form = DrillStartForm(request.POST or None, request.FILES or None)
    if request.method == "GET":
        return render(request, "drills/runs/start.html", {"form": form})
    started: list[DrillRun] = []
    failed = run_form(
        form,
        lambda: started.append(
            services.drill_start(
                actor=person_require_signed_in(request.user),
                scenario=form.cleaned_data["name"],
                text=form.cleaned_data["text"],
                speed=form.cleaned_data["speed"],
                based_on=form.cleaned_data["based_on"],
            )
        ),
    )
    if failed is not None:
        return render(request, "drills/runs/start.html", {"form": form}, status=failed.status_code)
    run = started[0]
    messages.success(
        request,
        _("Drill started: its posts arrive on %(account)s. Nothing reaches X.")
        % {"account": run.account},
    )
    return redirect(run.get_absolute_url())


def _run_context(request: HttpRequest, run: DrillRun) -> dict[str, Any]:
    scenario = services.run_scenario(run)
    script = selectors.drill_script_readable(user=request.user, run=run)
    return {
        "run": run,
        "total": scenario.posts,
        "percent": round(100 * run.posts_played / scenario.posts) if scenario.posts else 100,
        "script_readable": script,
        "events": [
            {"event": event, "real_at": clock(event.at / run.speed)} for event in scenario.events
        ]
        if script
        else [],
        "alerts": list(selectors.drill_run_alerts(run)),
    }


@require_GET
def drill_run(request: HttpRequest, pk: int) -> HttpResponse:
    run = selectors.drill_run_get(pk=pk)
    template = "drills/runs/_run_status.html" if request.htmx else "drills/runs/run.html"
    return render(request, template, _run_context(request, run))
