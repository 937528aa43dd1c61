"""Liveness and readiness for load balancers and orchestrators (no login: they cannot log in)."""

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
from config.tasks import HEARTBEAT_KEY


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


@login_not_required
@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """Database, broker and a worker consuming every queue; 503 when any is down."""
    checks = {
        "database": _check_database(),
        "broker": _check_broker(),
        "worker": _check_workers(),
    }
    ready = all(check["ok"] for check in checks.values())
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks},
        status=200 if ready else 503,
    )
