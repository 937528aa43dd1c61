"""Liveness and readiness for load balancers and orchestrators (no login: they cannot log in).

/readyz itself is served by the desk (desk/health.py), which adds the apps' own state to the
checks made here; this module imports no app. A probe learns up or down and nothing more: what
was checked, the queues' heartbeats and the apps' state are for signed-in admins.
"""

import time
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from config.celery_app import QUEUES, app
from config.people import AnyUser
from config.permissions import is_admin
from config.tasks import HEARTBEAT_KEY
from config.two_factor import must_verify


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """The process answers; nothing else is checked."""
    return HttpResponse("ok", content_type="text/plain")


def _check_database() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return {"ok": False, "error": exc.__class__.__name__}
    return {"ok": True}


def _check_broker() -> dict[str, Any]:
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:
        return {"ok": False, "error": exc.__class__.__name__}
    return {"ok": True}


def _check_workers() -> dict[str, Any]:
    max_age = settings.WORKER_HEARTBEAT_MAX_AGE
    now = time.time()
    queues: dict[str, Any] = {}
    try:
        beats = cache.get_many([HEARTBEAT_KEY.format(queue=q) for q in QUEUES])
    except Exception as exc:
        return {"ok": False, "error": exc.__class__.__name__}
    for queue in QUEUES:
        last = beats.get(HEARTBEAT_KEY.format(queue=queue))
        age = None if last is None else round(now - float(last), 1)
        queues[queue] = {"ok": age is not None and age <= max_age, "seconds_since_heartbeat": age}
    return {"ok": all(q["ok"] for q in queues.values()), "queues": queues}


def readiness_checks() -> dict[str, dict[str, Any]]:
    """What the site needs to serve: the database, the broker, a worker consuming every
    queue."""
    return {
        "database": _check_database(),
        "broker": _check_broker(),
        "worker": _check_workers(),
    }


def readiness_details_shown(user: AnyUser) -> bool:
    """Whether /readyz tells this person what it checked: a signed-in admin past the second
    step. Everyone else, every probe included, learns up or down only."""
    return is_admin(user) and not must_verify(user)


def readiness_response(
    checks: dict[str, dict[str, Any]], details: dict[str, Any] | None = None
) -> JsonResponse:
    """The readiness answer: 503 when one of ``checks`` is down. With ``details`` (the apps' own
    state, e.g. the response schedule's, for an admin) the checks are reported too, and the
    details beside them; those never make it 503."""
    ready = all(check["ok"] for check in checks.values())
    body: dict[str, Any] = {"status": "ok" if ready else "unavailable"}
    if details is not None:
        body |= {"checks": checks, **details}
    return JsonResponse(body, status=200 if ready else 503)
