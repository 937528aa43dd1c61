"""The page benchmark measures the pages themselves, never the way to them."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from bench import measure
from tests.teams.factories import manager

pytestmark = pytest.mark.django_db

PACE = measure.Pace(warmup=1, requests=2)
LIST = measure.Scenario("incident list", ["/incidents/"] * 3)


def test_a_page_that_redirects_fails_the_benchmark_saying_where_to():
    # A manager signed in with the password only is sent to the second step.
    client = Client()
    client.force_login(manager(username="bench-manager"))

    with pytest.raises(measure.RequestFailed) as failed:
        measure.run(client, LIST, PACE)

    assert str(failed.value).startswith("GET /incidents/ answered 302 (to ")
    assert reverse(settings.OTP_LOGIN_URL) in str(failed.value)


def test_the_benchmarks_manager_is_signed_in_completely_and_the_page_measured():
    client = measure.signed_in_client(manager(username="bench-manager"))

    result = measure.run(client, LIST, PACE)

    assert len(result.server_ms) == len(result.sql_ms) == len(result.queries) == 2
    assert min(result.queries) > 0
