"""Who is asking and how often: the client's address (the one rule the login lockout, the API
throttles and the password-reset limit share) and a request counter in the cache."""

import hashlib
import math
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

PERIODS = {"s": 1, "m": 60, "h": 60 * 60, "d": 24 * 60 * 60}


def client_address(request: HttpRequest) -> str:
    """The address the request came from. Behind ``TRUSTED_PROXIES`` proxies (each appending
    to X-Forwarded-For), the one the nearest trusted proxy saw; otherwise the socket's peer,
    so that a forged header changes nothing."""
    remote = str(request.META.get("REMOTE_ADDR") or "")
    proxies = int(getattr(settings, "TRUSTED_PROXIES", 0))
    header = str(request.META.get("HTTP_X_FORWARDED_FOR") or "")
    forwarded = [hop.strip() for hop in header.split(",") if hop.strip()]
    if proxies <= 0 or not forwarded:
        return remote
    return forwarded[-min(proxies, len(forwarded))]


def parse_rate(rate: str) -> tuple[int, int]:
    """ "5/hour" -> (5, 3600): requests allowed per period (s, m, h, d; as DRF reads rates)."""
    count, _slash, period = rate.partition("/")
    try:
        return int(count), PERIODS[period.strip()[:1].lower()]
    except (ValueError, KeyError) as exc:
        raise ValueError(f"Not a rate like '5/hour': {rate!r}") from exc


def rate_limit_hit(*, scope: str, key: str, rate: str) -> int | None:
    """Count one request for ``key`` in the current window of ``rate``: None while within it,
    else the seconds until the window ends. The key is hashed (it may be an email address)."""
    allowed, period = parse_rate(rate)
    now = time.time()
    window = int(now // period)
    digest = hashlib.sha256(key.strip().lower().encode()).hexdigest()[:32]
    cache_key = f"rate:{scope}:{digest}:{window}"
    cache.add(cache_key, 0, timeout=period)
    count = cache.incr(cache_key)
    if count <= allowed:
        return None
    return max(1, math.ceil((window + 1) * period - now))


# DRF binds the rates when a throttle class is defined; these read them per request instead, so
# a changed setting (REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]) applies, and name the client by
# ``client_address``.


def _rate(scope: str | None) -> str | None:
    rates: dict[str, Any] = api_settings.DEFAULT_THROTTLE_RATES
    return rates.get(scope or "")


class UserThrottle(UserRateThrottle):
    """Requests per authenticated person (``API_THROTTLE_USER``); 429 with Retry-After."""

    def get_rate(self) -> str | None:
        return _rate(self.scope)

    def get_ident(self, request: HttpRequest) -> str:
        return client_address(request)


class AnonThrottle(AnonRateThrottle):
    """Requests per address without credentials (``API_THROTTLE_ANON``)."""

    def get_rate(self) -> str | None:
        return _rate(self.scope)

    def get_ident(self, request: HttpRequest) -> str:
        return client_address(request)
