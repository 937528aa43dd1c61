"""/readyz: the infrastructure's checks (config.health) and the response schedule's engine.

It lives above every app because it reads one (teams); config/ may not. Probes and everyone
but signed-in admins get up or down only: open deadlines, backlog and sweep times tell an
outsider when the team is busy. The engine's state is reported to admins, not a reason for
503: a readiness probe that fails takes the web servers out of the load balancer, and the
crisis team needs the pages most exactly when escalations run late. Monitoring of the engine
signs in as an admin and alerts on ``schedule.healthy``.
"""

from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from config.health import readiness_checks, readiness_details_shown, readiness_response
from teams.schedule.engine import engine_health


def _schedule(database_ok: bool) -> dict[str, Any]:
    if not database_ok:
        return {"healthy": False, "error": "database unavailable"}
    try:
        return engine_health()
    except Exception as exc:
        return {"healthy": False, "error": exc.__class__.__name__}


@login_not_required
@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """Database, broker and a worker consuming every queue (503 when one is down); for an
    admin each check, and the schedule engine: when it last swept, what waits past its time,
    whether it is healthy."""
    checks = readiness_checks()
    if not readiness_details_shown(request.user):
        return readiness_response(checks)
    return readiness_response(checks, {"schedule": _schedule(checks["database"]["ok"])})
