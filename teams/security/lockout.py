"""The page someone sees when the login lockout (django-axes) stops them: what happened and
when to try again. Axes calls ``lockout_response`` (settings.AXES_LOCKOUT_CALLABLE)."""

from datetime import datetime
from typing import Any

from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone


def retry_at(*, username: str, address: str) -> datetime:
    """When the lockout of this username from this address ends: the cool-off after the last
    failure counted (failures during a lockout are not counted, so the time does not move)."""
    cool_off = get_cool_off() or settings.AXES_COOLOFF_TIME
    last = AccessAttempt.objects.filter(username=username, ip_address=address).aggregate(
        last=Max("attempt_time")
    )["last"]
    return (last or timezone.now()) + cool_off


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: Any
) -> HttpResponse:
    username = get_client_username(request, credentials) or ""
    address = getattr(request, "axes_ip_address", "")
    until = retry_at(username=username, address=address)
    wait = max(1, int((until - timezone.now()).total_seconds()))
    response = render(
        request,
        "teams/security/locked_out.html",
        {
            "username": username,
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "retry_at": until,
            "minutes": -(-wait // 60),
        },
        status=429,
    )
    response["Retry-After"] = str(wait)
    return response
