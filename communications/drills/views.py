"""Drill pages: start one from a scenario (the drills page's panel and its own page) and
follow a run as it plays. Thin: parse, call one service, render. The report and finishing a
drill are the postmortems' (postmortems.drills)."""

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from communications.models import Alert, DrillRun
from config.http import HttpRequest, forbidden, run_form
from config.permissions import MANAGE_DRILLS, holds

from . import services
from .forms import DrillStartForm

RUNS_SHOWN = 5


def drill_start_panel_context(request: HttpRequest, form: Any = None) -> dict[str, Any]:
    """The drills page's panel: the drills playing now and, for those who may, the form."""
    return {
        "form": (form or DrillStartForm()) if holds(request.user, MANAGE_DRILLS) else None,
        "runs": list(
            DrillRun.objects.exclude(status=DrillRun.Status.FINISHED).select_related(
                "drill", "account", "incident"
            )[:RUNS_SHOWN]
        ),
    }


@require_http_methods(["GET", "POST"])
def drill_start(request: HttpRequest) -> HttpResponse:
    if not holds(request.user, MANAGE_DRILLS):
        return forbidden(request, _("Your role does not allow you to start drills."))
    form = DrillStartForm(request.POST or None, request.FILES or None)
    if request.method == "GET":
        return render(request, "communications/drills/start.html", {"form": form})
    started: list[DrillRun] = []
    failed = run_form(
        form,
        lambda: started.append(
            services.drill_start(
                actor=request.user,
                scenario=form.cleaned_data["name"],
                text=form.cleaned_data["text"],
                speed=form.cleaned_data["speed"],
                based_on=form.cleaned_data["based_on"],
            )
        ),
    )
    if failed is not None:
        return render(
            request, "communications/drills/start.html", {"form": form}, status=failed.status_code
        )
    run = started[0]
    messages.success(
        request,
        _("Drill started: its posts arrive on %(account)s. Nothing reaches X.")
        % {"account": run.account},
    )
    return redirect(run.get_absolute_url())


def _run_context(run: DrillRun) -> dict[str, Any]:
    plays = services.run_plays(run)
    scenario = services.run_scenario(run)
    return {
        "run": run,
        "total": len(plays),
        "percent": round(100 * run.posts_played / len(plays)) if plays else 100,
        "events": [
            {"event": event, "real_at": _clock(event.at / run.speed)} for event in scenario.events
        ],
        "alerts": list(Alert.objects.filter(account=run.account).order_by("-raised_at")),
        "played_until": plays[run.posts_played - 1].offset if run.posts_played else None,
    }


def _clock(moment: Any) -> str:
    seconds = int(moment.total_seconds())
    return f"{seconds // 60}:{seconds % 60:02d}"


@require_GET
def drill_run(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(
        DrillRun.objects.select_related("drill", "account", "based_on", "incident", "started_by"),
        pk=pk,
    )
    template = (
        "communications/drills/_run_status.html"
        if request.htmx
        else "communications/drills/run.html"
    )
    return render(request, template, _run_context(run))
