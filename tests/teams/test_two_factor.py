"""Two-factor sign-in: who needs it, setting it up at the first login, the code after the
password, recovery codes, and every door an unverified session finds closed (the pages, the
approval actions, the API, the admin site).

These tests use ``password_only_client``: a session that gave the password and not the code.
"""

import re
from base64 import b32decode

import pytest
import time_machine
from django.conf import settings as django_settings
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from communications.models import Approval
from config.errors import NotPermitted
from config.permissions import MANAGE_ACCOUNTS, needs_two_factor
from teams.security import services
from tests.communications.drafting import submitted
from tests.communications.factories import SandboxAccountFactory, TemplateFactory
from tests.teams.factories import UserFactory, authenticator, totp_code

pytestmark = pytest.mark.django_db

PASSWORD = "pass-word-123"
VERIFY = "/accounts/2fa/"
SETUP = "/accounts/2fa/setup/"
GATE = "config.two_factor.TwoFactorMiddleware"


def log_in(client, username: str, next_url: str = "") -> None:
    data = {"username": username, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    response = client.post("/accounts/login/", data)
    assert response.status_code == 302, response.content.decode()[:500]


def code_from(page: str) -> str:
    """What the person's phone shows after scanning: computed from the key on the page."""
    found = re.search(r'data-testid="secret">([A-Z2-7 ]+)<', page)
    assert found, "the key is on the page"
    secret = found.group(1).replace(" ", "")
    totp = TOTP(b32decode(secret), step=30, digits=6)
    return str(totp.token()).zfill(6)


def without_the_gate(settings) -> None:
    """Only the per-action checks remain: each must hold on its own."""
    settings.MIDDLEWARE = [name for name in settings.MIDDLEWARE if name != GATE]


@pytest.mark.parametrize(
    ("who", "needs"),
    [("reader", False), ("responder", False), ("manager", True), ("admin_user", True)],
)
def test_approvers_and_account_managers_need_two_factor(request, who, needs):
    assert needs_two_factor(request.getfixturevalue(who)) is needs


def test_managing_the_accounts_alone_needs_it_and_so_does_a_superuser():
    keeper = UserFactory()
    app_label, codename = MANAGE_ACCOUNTS.split(".")
    keeper.user_permissions.add(
        Permission.objects.get(content_type__app_label=app_label, codename=codename)
    )
    assert needs_two_factor(keeper)
    assert needs_two_factor(UserFactory(is_superuser=True))
    assert not needs_two_factor(UserFactory(is_superuser=True, is_active=False))


def test_someone_whose_role_does_not_need_it_is_not_asked(password_only_client, responder):
    log_in(password_only_client, "responder")
    assert password_only_client.get("/").status_code == 200


def test_an_approver_sets_it_up_at_the_first_login(password_only_client, manager):
    client = password_only_client
    log_in(client, "manager", next_url="/incidents/")
    # Every page sends the unverified session to the second step, which sends to setup.
    response = client.get("/incidents/")
    assert response["Location"] == f"{VERIFY}?next=/incidents/"
    response = client.get(response["Location"])
    assert response["Location"] == f"{SETUP}?next=%2Fincidents%2F"
    page = client.get(response["Location"]).content.decode()
    assert "<svg" in page
    assert 'data-testid="nav-approvals"' not in page  # not signed in yet: no navigation
    assert 'data-testid="secret"' in page
    assert not TOTPDevice.objects.filter(user=manager, confirmed=True).exists()

    # A wrong code is refused; the right one confirms the app.
    response = client.post(SETUP, {"code": "000000", "next": "/incidents/"})
    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()
    TOTPDevice.objects.filter(user=manager).get().throttle_reset()
    response = client.post(SETUP, {"code": code_from(page), "next": "/incidents/"})
    assert response["Location"] == "/accounts/2fa/recovery-codes/?next=%2Fincidents%2F"
    assert TOTPDevice.objects.filter(user=manager, confirmed=True).count() == 1

    # Recovery codes follow, shown once.
    shown = client.get(response["Location"]).content.decode()
    codes = re.findall(r'<li class="col">([a-z2-7]{8})</li>', shown)
    assert len(codes) == services.RECOVERY_CODE_COUNT
    assert set(codes) == set(
        StaticToken.objects.filter(device__user=manager).values_list("token", flat=True)
    )
    assert 'href="/incidents/"' in shown
    again = client.get("/accounts/2fa/recovery-codes/", follow=True)
    assert "shown only once" in again.content.decode()
    assert not any(code in again.content.decode() for code in codes)

    # The session is verified now.
    assert client.get("/incidents/").status_code == 200


def test_later_logins_ask_for_a_code_and_refuse_a_wrong_one(password_only_client, manager):
    device = authenticator(manager)
    client = password_only_client
    log_in(client, "manager")
    assert client.get("/")["Location"] == f"{VERIFY}?next=/"
    with time_machine.travel(timezone.now(), tick=False):
        response = client.post(VERIFY, {"code": "123456", "next": "/"})
        assert response.status_code == 200
        assert "That code is not right" in response.content.decode()
        assert client.get("/")["Location"].startswith(VERIFY)

        # A wrong code makes the next try wait, even with the right code.
        response = client.post(VERIFY, {"code": totp_code(device), "next": "/"})
        assert "Too many wrong codes. Wait 1 second," in response.content.decode()
        assert client.get("/")["Location"].startswith(VERIFY)

    device.refresh_from_db()
    device.throttle_reset()
    response = client.post(VERIFY, {"code": totp_code(device), "next": "/incidents/"})
    assert response["Location"] == "/incidents/"
    assert client.get("/").status_code == 200


def test_a_code_is_not_taken_twice(password_only_client, manager):
    device = authenticator(manager)
    code = totp_code(device)
    log_in(password_only_client, "manager")
    assert password_only_client.post(VERIFY, {"code": code})["Location"] == "/"
    other = Client()
    log_in(other, "manager")
    device.refresh_from_db()
    device.throttle_reset()
    response = other.post(VERIFY, {"code": code})
    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()


def test_a_recovery_code_works_once(password_only_client, manager):
    authenticator(manager)
    code, *_others = services.recovery_codes_create(person=manager)
    client = password_only_client
    log_in(client, "manager")
    response = client.post(VERIFY, {"code": f" {code[:4].upper()}-{code[4:]} ", "next": "/"})
    assert response["Location"] == "/"
    page = client.get("/").content.decode()
    assert "You signed in with a recovery code" in page
    assert f"{services.RECOVERY_CODE_COUNT - 1} left" in page

    client.post("/accounts/logout/")
    log_in(client, "manager")
    StaticDevice.objects.get(user=manager).throttle_reset()
    response = client.post(VERIFY, {"code": code, "next": "/"})
    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()
    assert client.get("/")["Location"].startswith(VERIFY)


def test_the_password_alone_cannot_replace_the_authenticator(password_only_client, manager):
    authenticator(manager)
    client = password_only_client
    log_in(client, "manager")
    assert client.get(SETUP)["Location"] == f"{VERIFY}?next=%2F"
    assert client.post(SETUP, {"code": "123456"})["Location"].startswith(VERIFY)
    assert TOTPDevice.objects.filter(user=manager).count() == 1
    with pytest.raises(NotPermitted):
        services.authenticator_confirm(person=manager, code="123456", verified=False)


def test_a_verified_person_replaces_the_app_and_makes_new_recovery_codes(client, manager):
    client.force_login(manager)
    old = authenticator(manager)
    old_codes = services.recovery_codes_create(person=manager)
    page = client.get("/accounts/2fa/manage/").content.decode()
    assert "Authenticator app" in page
    assert f"{services.RECOVERY_CODE_COUNT} recovery codes left" in page

    setup_page = client.get(SETUP).content.decode()
    assert "codes of your current app stop working" in setup_page
    response = client.post(SETUP, {"code": code_from(setup_page)})
    assert response["Location"] == "/accounts/2fa/manage/"
    [current] = TOTPDevice.objects.filter(user=manager)
    assert current.pk != old.pk
    assert current.confirmed

    response = client.post("/accounts/2fa/recovery-codes/new/")
    shown = client.get(response["Location"]).content.decode()
    new_codes = re.findall(r'<li class="col">([a-z2-7]{8})</li>', shown)
    assert len(new_codes) == services.RECOVERY_CODE_COUNT
    left = set(StaticToken.objects.filter(device__user=manager).values_list("token", flat=True))
    assert left == set(new_codes)
    assert not left & set(old_codes)


def test_the_profile_links_to_two_factor(client, manager):
    client.force_login(manager)
    assert reverse("security:manage") in client.get(reverse("teams:profile")).content.decode()


@pytest.mark.parametrize("gate", [True, False], ids=["gate", "action-check-alone"])
@pytest.mark.parametrize("action", ["approve", "reject", "request-changes"])
def test_an_unverified_approver_cannot_decide_on_a_message(
    password_only_client, settings, responder, manager, gate, action
):
    if not gate:
        without_the_gate(settings)
    authenticator(manager)
    message = submitted(responder, SandboxAccountFactory())
    page = reverse("communications:message", kwargs={"pk": message.pk})
    password_only_client.force_login(manager)
    response = password_only_client.post(
        reverse(f"communications:message-{action}", kwargs={"pk": message.pk}),
        {"comment": "Not like this."},
        HTTP_REFERER=f"http://testserver{page}",
    )
    assert response.status_code == 302
    # To the second step, and back to the message's page afterwards.
    assert response["Location"] == f"{VERIFY}?next={page}"
    assert not Approval.objects.filter(message=message).exists()
    message.refresh_from_db()
    assert message.status == message.Status.PENDING_APPROVAL
    if not gate:
        said = password_only_client.get(response["Location"]).content.decode()
        assert "Deciding what the brand says needs two-factor sign-in" in said


@pytest.mark.parametrize("gate", [True, False], ids=["gate", "action-check-alone"])
def test_an_unverified_approver_cannot_approve_a_template(
    password_only_client, settings, manager, manager2, gate
):
    if not gate:
        without_the_gate(settings)
    template = TemplateFactory(created_by=manager2)
    password_only_client.force_login(manager)
    response = password_only_client.post(
        reverse("communications:template-approve", kwargs={"pk": template.pk})
    )
    assert response["Location"].startswith(VERIFY)
    template.refresh_from_db()
    assert not template.is_approved


def test_a_verified_approver_still_approves(client, responder, manager):
    message = submitted(responder, SandboxAccountFactory())
    client.force_login(manager)
    client.post(reverse("communications:message-approve", kwargs={"pk": message.pk}))
    assert Approval.objects.filter(message=message, approver=manager).exists()


def test_the_api_refuses_an_unverified_session_of_an_approver(responder, manager):
    message = submitted(responder, SandboxAccountFactory())
    api = APIClient()
    api.force_login(manager)
    response = api.post(f"/api/v1/messages/{message.pk}/approve/")
    assert response.status_code == 403
    assert "two-factor" in response.json()["detail"]
    assert api.get("/api/v1/incidents/").status_code == 403
    assert not Approval.objects.filter(message=message).exists()
    reader_api = APIClient()
    reader_api.force_login(responder)
    assert reader_api.get("/api/v1/incidents/").status_code == 200


@pytest.mark.parametrize("gate", [True, False], ids=["gate", "admin-site-alone"])
def test_the_admin_site_refuses_an_unverified_approver(
    password_only_client, settings, admin_user, gate
):
    if not gate:
        without_the_gate(settings)
    authenticator(admin_user)
    password_only_client.force_login(admin_user)
    response = password_only_client.get("/admin/teams/user/", follow=True)
    assert response.redirect_chain[-1][0].startswith(VERIFY)
    assert response.request["PATH_INFO"] == VERIFY


def test_the_admin_login_leads_to_the_second_step(password_only_client, admin_user):
    authenticator(admin_user)
    client = password_only_client
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": "admin", "password": PASSWORD, "next": "/admin/"},
    )
    assert response["Location"] == "/admin/"
    response = client.get("/admin/", follow=True)
    assert response.request["PATH_INFO"] == VERIFY
    response = client.post(
        VERIFY, {"code": totp_code(authenticator(admin_user)), "next": "/admin/"}
    )
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_the_second_step_is_named_in_settings():
    assert reverse(django_settings.OTP_LOGIN_URL) == VERIFY


@pytest.mark.parametrize("wanted", ["https://evil.example/", "//evil.example/", "²", "-1", ""])
def test_only_a_path_on_this_site_is_followed_after_the_code(password_only_client, manager, wanted):
    device = authenticator(manager)
    log_in(password_only_client, "manager")
    response = password_only_client.post(VERIFY, {"code": totp_code(device), "next": wanted})
    assert response.status_code == 302
    assert response["Location"] == "/"
