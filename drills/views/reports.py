"""A drill's report (measured now while it runs, as kept once finished) and finishing the
drill. Thin: call one service, render."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from config.errors import ApplicationError, NotPermitted
from config.http import HttpRequest, forbidden
from config.people import person_require_signed_in
from config.permissions import MANAGE_DRILLS, holds

from .. import report
from ..models import DrillRun
from ..selectors import drill_run_get


@require_GET
def drill_report(request: HttpRequest, pk: int) -> HttpResponse:
    """A drill measured against its response policy: as kept when it was finished, or as it
    stands now while it runs."""
    run = drill_run_get(pk=pk)
    return render(
        request,
        "drills/reports/report.html",
        {
            "run": run,
            "report": report.drill_report_seen_by(user=request.user, run=run),
            "can_finish": run.status != DrillRun.Status.FINISHED
            and holds(request.user, MANAGE_DRILLS),
        },
    )


@require_POST
def drill_finish(request: HttpRequest, pk: int) -> HttpResponse:
    run = drill_run_get(pk=pk)
    already = run.status == DrillRun.Status.FINISHED
    try:
        report.drill_finish(actor=person_require_signed_in(request.user), run=run)
    except NotPermitted as exc:
        return forbidden(request, exc.message)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("drills:report", pk=run.pk)
    messages.success(
        request,
        _("The drill was already finished.")
        if already
        else _("The drill is finished: its report is kept and its findings are written."),
    )
    return redirect("drills:report", pk=run.pk)
