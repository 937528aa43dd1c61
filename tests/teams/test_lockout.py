"""The login lockout (django-axes) and the password-reset limit: an attacker guessing one
person's password from one address is stopped; nobody else is; the person is told plainly
what happened and when to try again; an admin can unlock."""

import uuid
from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.core import mail
from django.utils import timezone

from tests.teams.factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"
RESET = "/accounts/password_reset/"
HERE = "198.51.100.7"
ELSEWHERE = "203.0.113.9"


def attempt(client, password: str, *, url: str = LOGIN, address: str = HERE, username="deniz"):
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=address)


def fail(client, times: int, **kwargs):
    return [attempt(client, "wrong-guess", **kwargs) for _ in range(times)]


def test_five_failures_lock_that_username_from_that_address(client, settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    UserFactory(username="deniz")
    *first, fifth = fail(client, 5)
    assert [r.status_code for r in first] == [200] * 4
    assert "Please enter a correct username and password" in first[-1].content.decode()
    assert fifth.status_code == 429

    # Even the right password is refused now, and the page says what happened and when.
    response = attempt(client, "pass-word-123")
    assert response.status_code == 429
    page = response.content.decode()
    assert "Logging in is paused" in page
    assert "There were 5 failed attempts to log in as “deniz” from your address" in page
    assert "Try again in 15 minutes" in page
    assert 14 * 60 < int(response["Retry-After"]) <= 15 * 60
    assert "_auth_user_id" not in client.session


def test_the_lock_is_for_that_address_only(client):
    UserFactory(username="deniz")
    fail(client, 5)
    assert attempt(client, "pass-word-123", address=ELSEWHERE).status_code == 302


def test_the_lock_is_for_that_username_only(client):
    UserFactory(username="deniz")
    UserFactory(username="ayse")
    fail(client, 5)
    assert attempt(client, "pass-word-123", username="ayse").status_code == 302


def test_the_lock_ends_after_the_cool_off(client):
    UserFactory(username="deniz")
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        fail(client, 5)
        traveller.shift(timedelta(minutes=14))
        assert attempt(client, "pass-word-123").status_code == 429
        # Tries during the lock do not extend it.
        traveller.shift(timedelta(minutes=1, seconds=1))
        assert attempt(client, "pass-word-123").status_code == 302


def test_a_success_before_the_limit_starts_the_count_again(client):
    UserFactory(username="deniz")
    fail(client, 4)
    assert attempt(client, "pass-word-123").status_code == 302
    client.post("/accounts/logout/")
    assert all(r.status_code == 200 for r in fail(client, 4))


def test_the_admin_login_is_locked_too(client):
    UserFactory(username="deniz", is_staff=True)
    fail(client, 5, url=ADMIN_LOGIN)
    response = attempt(client, "pass-word-123", url=ADMIN_LOGIN)
    assert response.status_code == 429
    assert "Logging in is paused" in response.content.decode()


def test_an_admin_sees_the_lock_and_unlocks(client, admin_user):
    UserFactory(username="deniz")
    fail(client, 5)
    [lock] = AccessAttempt.objects.filter(username="deniz")
    client.force_login(admin_user)
    listing = client.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200
    assert "deniz" in listing.content.decode()
    response = client.post(f"/admin/axes/accessattempt/{lock.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    client.post("/accounts/logout/")
    assert attempt(client, "pass-word-123").status_code == 302


def test_a_manager_cannot_unlock(client, manager):
    client.force_login(manager)
    assert client.get("/admin/axes/accessattempt/").status_code == 302


# --- password reset --------------------------------------------------------------------------


def reset(client, email: str, address: str):
    return client.post(RESET, {"email": email}, REMOTE_ADDR=address)


def fresh_address() -> str:
    """An address no other test or earlier run has used: the counts live an hour in Redis."""
    n = uuid.uuid4().int
    return f"10.{n % 250}.{(n >> 8) % 250}.{(n >> 16) % 250}"


@pytest.mark.parametrize("account_exists", [True, False], ids=["account", "no-account"])
def test_password_resets_are_limited_per_email_alike_for_unknown_addresses(
    client, settings, account_exists
):
    settings.PASSWORD_RESET_RATE_PER_EMAIL = "2/hour"
    email = f"{uuid.uuid4().hex}@example.com"
    if account_exists:
        UserFactory(email=email)
    addresses = [fresh_address() for _ in range(3)]
    answers = [reset(client, email, address) for address in addresses]
    assert [r.status_code for r in answers[:2]] == [302, 302]
    refused = answers[2]
    assert refused.status_code == 429
    assert "Too many password reset requests. Please try again in" in refused.content.decode()
    assert int(refused["Retry-After"]) > 0
    assert len(mail.outbox) == (2 if account_exists else 0)


def test_password_resets_are_limited_per_address(client, settings):
    settings.PASSWORD_RESET_RATE_PER_ADDRESS = "3/hour"
    address = fresh_address()
    emails = [f"{uuid.uuid4().hex}@example.com" for _ in range(4)]
    answers = [reset(client, email, address) for email in emails]
    assert [r.status_code for r in answers] == [302, 302, 302, 429]
    assert reset(client, f"{uuid.uuid4().hex}@example.com", fresh_address()).status_code == 302
