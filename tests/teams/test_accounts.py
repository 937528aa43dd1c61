"""Logging in and out, changing and resetting a password, and who reaches the admin site."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command

from config.errors import ApplicationError
from incidents.models import Incident, TimelineEvent
from teams.security.services import second_factor_check
from tests.teams.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_login_and_logout(client):
    UserFactory(username="deniz")
    response = client.post("/accounts/login/", {"username": "deniz", "password": "pass-word-123"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/").status_code == 302


def test_a_wrong_password_is_told_plainly(client):
    UserFactory(username="deniz")
    response = client.post("/accounts/login/", {"username": "deniz", "password": "nope"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


def test_login_returns_to_the_page_asked_for(client):
    UserFactory(username="deniz")
    response = client.post(
        "/accounts/login/?next=/incidents/",
        {"username": "deniz", "password": "pass-word-123", "next": "/incidents/"},
    )
    assert response["Location"] == "/incidents/"


def test_password_change(client):
    user = UserFactory(username="deniz")
    client.force_login(user)
    response = client.post(
        "/accounts/password_change/",
        {
            "old_password": "pass-word-123",
            "new_password1": "a-much-better-passphrase",
            "new_password2": "a-much-better-passphrase",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a-much-better-passphrase")


def test_password_reset_by_email(client):
    user = UserFactory(username="deniz", email="deniz@example.com")
    response = client.post("/accounts/password_reset/", {"email": "deniz@example.com"})
    assert response.status_code == 302
    [message] = mail.outbox
    assert message.to == ["deniz@example.com"]
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+/)", message.body)
    assert link, message.body
    response = client.get(link.group(1), follow=True)
    assert response.status_code == 200
    response = client.post(
        response.redirect_chain[-1][0],
        {"new_password1": "fresh-passphrase-2026", "new_password2": "fresh-passphrase-2026"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("fresh-passphrase-2026")


def test_password_reset_does_not_reveal_unknown_addresses(client):
    response = client.post("/accounts/password_reset/", {"email": "nobody@example.com"})
    assert response.status_code == 302
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("role", "reaches"),
    [("reader", False), ("responder", False), ("manager", False), ("admin_user", True)],
)
def test_only_admins_reach_the_admin_site(client, request, role, reaches):
    client.force_login(request.getfixturevalue(role))
    response = client.get("/admin/")
    if reaches:
        assert response.status_code == 200
        assert client.get("/admin/incidents/incident/").status_code == 200
        assert client.get("/admin/teams/user/").status_code == 200
    else:
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")


def test_the_admin_cannot_change_or_delete_timeline_events(client, admin_user):
    from tests.incidents.factories import TimelineEventFactory

    event = TimelineEventFactory()
    client.force_login(admin_user)
    assert client.get(f"/admin/incidents/timelineevent/{event.pk}/change/").status_code == 200
    response = client.post(
        f"/admin/incidents/timelineevent/{event.pk}/change/", {"text": "rewritten"}
    )
    assert response.status_code == 403
    assert client.get(f"/admin/incidents/timelineevent/{event.pk}/delete/").status_code == 403
    assert TimelineEvent.objects.get(pk=event.pk).text == event.text


def test_seed_demo_is_idempotent_and_prints_the_logins(capsys):
    call_command("seed_demo", "--allow-without-debug")
    first = (Incident.objects.count(), TimelineEvent.objects.count())
    call_command("seed_demo", "--allow-without-debug")
    assert (Incident.objects.count(), TimelineEvent.objects.count()) == first
    assert first[0] >= 5
    statuses = set(Incident.objects.values_list("status", flat=True))
    assert {"detected", "triaged", "responding", "resolved", "closed", "declined"} <= statuses
    out = capsys.readouterr().out
    for username in ("admin", "manager", "responder", "responder2"):
        assert username in out
    assert "demo-manager-pass" in out


def test_the_demo_managers_can_pass_the_second_step_with_what_seed_demo_prints(capsys):
    """Two-factor sign-in holds in the demo too; what it prints gets a manager in."""
    call_command("seed_demo", "--allow-without-debug")
    out = capsys.readouterr().out
    line = next(
        line
        for line in out.splitlines()
        if line.strip().startswith("manager ") and "recovery codes" in line
    )
    code = line.split("recovery codes")[1].split()[0]
    manager = get_user_model().objects.get(username="manager")
    assert second_factor_check(person=manager, code=code)
    with pytest.raises(ApplicationError):
        second_factor_check(person=manager, code=code)  # each works once


def test_seed_demo_refuses_without_debug():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo")


def test_every_model_has_an_admin_page(client, admin_user):
    from django.apps import apps
    from django.contrib import admin
    from django.urls import reverse

    client.force_login(admin_user)
    for label in ("teams", "incidents", "communications", "postmortems"):
        for model in apps.get_app_config(label).get_models():
            assert model in admin.site._registry, model._meta.label
            opts = model._meta
            url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
            assert client.get(url).status_code == 200, url
