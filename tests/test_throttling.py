"""The API's throttles (per person, per address without credentials) and the client's address
they, the login lockout and the password-reset limit count by."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.http import HttpRequest
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from config.throttling import client_address, parse_rate

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def low_rates(settings):
    """Two requests a minute, counted in a cache namespace of this test's own."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"user": "2/minute", "anon": "2/minute"},
    }
    settings.CACHES = {
        "default": {**settings.CACHES["default"], "KEY_PREFIX": f"throttle-{uuid.uuid4().hex}"}
    }


def test_a_person_over_the_rate_gets_429_with_retry_after(low_rates, api_as, reader, responder):
    api = api_as(reader)
    assert [api.get("/api/v1/incidents/").status_code for _ in range(2)] == [200, 200]
    response = api.get("/api/v1/incidents/")
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert "throttled" in response.json()["detail"].lower()
    # Counted per person: someone else is not held back.
    assert api_as(responder).get("/api/v1/incidents/").status_code == 200


class OpenView(APIView):
    """An endpoint without login, as the anonymous rate applies to."""

    permission_classes = [AllowAny]

    def get(self, request):
        return Response({"ok": True})


def test_requests_without_credentials_are_limited_per_address(low_rates):
    view = OpenView.as_view()
    factory = APIRequestFactory()

    def ask(address: str) -> Response:
        return view(factory.get("/open/", REMOTE_ADDR=address))

    assert [ask("192.0.2.10").status_code for _ in range(2)] == [200, 200]
    refused = ask("192.0.2.10")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert ask("192.0.2.11").status_code == 200


def test_the_suite_runs_with_generous_rates(settings):
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    assert parse_rate(rates["user"])[0] >= 10_000
    assert parse_rate(rates["anon"])[0] >= 10_000


def request_from(remote: str, forwarded: str = "") -> HttpRequest:
    request = HttpRequest()
    request.META["REMOTE_ADDR"] = remote
    if forwarded:
        request.META["HTTP_X_FORWARDED_FOR"] = forwarded
    return request


def test_a_forged_forwarded_for_changes_nothing_without_trusted_proxies(settings):
    settings.TRUSTED_PROXIES = 0
    assert client_address(request_from("198.51.100.1", "1.2.3.4")) == "198.51.100.1"


def test_behind_a_trusted_proxy_the_address_it_saw_counts(settings):
    settings.TRUSTED_PROXIES = 1
    # The client forged the first entry; the proxy appended the address it saw.
    request = request_from("10.0.0.2", "1.2.3.4, 203.0.113.50")
    assert client_address(request) == "203.0.113.50"
    assert client_address(request_from("10.0.0.2")) == "10.0.0.2"


@pytest.mark.parametrize(
    ("rate", "parsed"), [("5/hour", (5, 3600)), ("120/minute", (120, 60)), ("3/d", (3, 86400))]
)
def test_rates_read_like_drfs(rate, parsed):
    assert parse_rate(rate) == parsed


def test_the_access_limits_come_from_the_environment():
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "LOGIN_FAILURE_LIMIT": "7",
        "LOGIN_COOLOFF_MINUTES": "30",
        "API_THROTTLE_USER": "50/minute",
        "API_THROTTLE_ANON": "5/minute",
        "PASSWORD_RESET_RATE_PER_ADDRESS": "4/hour",
        "PASSWORD_RESET_RATE_PER_EMAIL": "1/hour",
        "TRUSTED_PROXIES": "1",
    }
    script = (
        "from django.conf import settings as s; "
        "print(s.AXES_FAILURE_LIMIT, int(s.AXES_COOLOFF_TIME.total_seconds()), "
        "s.REST_FRAMEWORK['DEFAULT_THROTTLE_RATES'], s.PASSWORD_RESET_RATE_PER_ADDRESS, "
        "s.PASSWORD_RESET_RATE_PER_EMAIL, s.TRUSTED_PROXIES, s.AXES_LOCKOUT_PARAMETERS)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.split("\n")[0] == (
        "7 1800 {'user': '50/minute', 'anon': '5/minute'} 4/hour 1/hour 1 "
        "[['username', 'ip_address']]"
    )
