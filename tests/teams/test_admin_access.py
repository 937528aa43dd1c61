"""The admin cannot act as anyone: API token keys are never shown (nor handed to the Admin
group), a token waits for two-factor set-up, and only a superuser changes a superuser, grants
superuser status or permissions, changes a group, or sets another person's password. (Who may
change what else in an account: test_account_changes.py.)"""

from io import StringIO

import pytest
from django import forms
from django.contrib.auth.models import Group, Permission
from django.core import mail
from django.core.management import call_command, get_commands
from django.core.management.base import CommandError
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from config.errors import NotPermitted
from config.permissions import ADMIN, GROUP_PERMISSIONS, MANAGER, RESPONDER
from teams.models import User
from teams.security import services
from tests.teams.factories import UserFactory, authenticator, responder

pytestmark = pytest.mark.django_db

PEOPLE = "/admin/teams/user/"
TOKENS = "/admin/authtoken/tokenproxy/"


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)


def change_url(person: User) -> str:
    return f"{PEOPLE}{person.pk}/change/"


def form_data(response) -> dict:
    """What the admin's form would post back unchanged."""
    form = response.context["adminform"].form
    data: dict = {}
    for name, field in form.fields.items():
        if field.disabled:
            continue
        value = form[name].value()
        if isinstance(field.widget, forms.MultiWidget):
            for index, part in enumerate(field.widget.decompress(value) or []):
                data[f"{name}_{index}"] = "" if part is None else str(part)
        elif isinstance(field.widget, forms.CheckboxInput):
            if value:
                data[name] = "on"
        elif isinstance(value, list | tuple):
            data[name] = [str(item) for item in value]
        elif value is not None:
            data[name] = str(value)
    return data


# --- API tokens ------------------------------------------------------------------------------


def test_the_admin_group_holds_no_api_tokens():
    assert not any(p.startswith("authtoken.") for p in GROUP_PERMISSIONS[ADMIN])
    held = Group.objects.get(name=ADMIN).permissions.filter(content_type__app_label="authtoken")
    assert not held.exists()


def test_the_token_admin_never_shows_a_key(client, superuser, manager):
    authenticator(manager)
    token = services.api_token_create(person=manager)
    client.force_login(superuser)
    listing = client.get(TOKENS)
    assert listing.status_code == 200
    page = listing.content.decode()
    assert "manager" in page or manager.get_full_name() in page
    assert token.key not in page
    for url in (f"{TOKENS}{manager.pk}/change/", f"{TOKENS}{token.key}/change/", f"{TOKENS}add/"):
        response = client.get(url)
        assert response.status_code in (403, 302), url
        assert token.key not in response.content.decode()
    assert client.get(f"{TOKENS}{manager.pk}/delete/").status_code in (403, 302)


def test_an_admin_who_is_not_a_superuser_sees_no_tokens(client, admin_user):
    client.force_login(admin_user)
    assert client.get(TOKENS).status_code == 403


def test_the_token_command_is_ours():
    assert get_commands()["drf_create_token"] == "teams"


def test_no_token_for_an_approver_before_two_factor_is_set_up(manager):
    with pytest.raises(CommandError, match="must set up two-factor authentication"):
        call_command("drf_create_token", "manager")
    assert not Token.objects.filter(user=manager).exists()


def test_a_token_is_shown_once_at_creation(manager):
    authenticator(manager)
    out = StringIO()
    call_command("drf_create_token", "manager", stdout=out)
    key = Token.objects.get(user=manager).key
    assert key in out.getvalue()
    with pytest.raises(CommandError, match="already has an API token"):
        call_command("drf_create_token", "manager", stdout=StringIO())
    out = StringIO()
    call_command("drf_create_token", "manager", "--reset", stdout=out)
    new_key = Token.objects.get(user=manager).key
    assert new_key != key
    assert new_key in out.getvalue()


def test_someone_whose_role_needs_no_second_step_gets_a_token_at_once(responder):
    call_command("drf_create_token", "responder", stdout=StringIO())
    assert Token.objects.filter(user=responder).exists()


def test_an_unknown_username_is_told(db):
    with pytest.raises(CommandError, match="does not exist"):
        call_command("drf_create_token", "nobody")


# --- people ----------------------------------------------------------------------------------


def test_an_admin_edits_a_profile_but_cannot_make_anyone_superuser_or_grant_permissions(
    client, admin_user
):
    person = responder(username="ali")
    client.force_login(admin_user)
    page = client.get(change_url(person))
    data = form_data(page)
    assert "is_superuser" not in data
    permission = Permission.objects.get(codename="delete_user")
    data.update(is_superuser="on", user_permissions=[str(permission.pk)], title="Night editor")
    response = client.post(change_url(person), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    person.refresh_from_db()
    assert person.title == "Night editor"
    assert list(person.groups.values_list("name", flat=True)) == [RESPONDER]
    assert not person.is_superuser
    assert not person.user_permissions.exists()


def test_an_admin_cannot_change_a_superuser(client, admin_user, superuser):
    client.force_login(admin_user)
    page = client.get(change_url(superuser))
    assert page.status_code == 200  # may look
    data = {"username": "root", "first_name": "Hijacked", "is_active": ""}
    assert client.post(change_url(superuser), data).status_code == 403
    superuser.refresh_from_db()
    assert (superuser.first_name, superuser.is_active) != ("Hijacked", False)
    assert superuser.is_active


def test_an_admin_cannot_set_another_persons_password(client, admin_user):
    person = responder(username="ali")
    client.force_login(admin_user)
    url = f"{PEOPLE}{person.pk}/password/"
    assert client.get(url).status_code == 403
    new = {
        "usable_password": "true",
        "password1": "Taken-over-2026",
        "password2": "Taken-over-2026",
    }
    assert client.post(url, {**new, "set-password": ""}).status_code == 403
    person.refresh_from_db()
    assert person.check_password("pass-word-123")
    assert f"{PEOPLE}{person.pk}/password/" not in client.get(change_url(person)).content.decode()
    # Their own, they may.
    assert client.get(f"{PEOPLE}{admin_user.pk}/password/").status_code == 200


def test_an_admin_adds_a_person_who_chooses_their_own_password(client, admin_user):
    client.force_login(admin_user)
    page = client.get(f"{PEOPLE}add/").content.decode()
    assert 'name="password1"' not in page
    response = client.post(
        f"{PEOPLE}add/",
        {"username": "newcomer", "first_name": "New", "email": "newcomer@example.com"},
    )
    assert response.status_code == 302
    newcomer = User.objects.get(username="newcomer")
    assert newcomer.has_usable_password()
    assert not newcomer.check_password("")
    client.post("/accounts/logout/")
    client.post("/accounts/password_reset/", {"email": "newcomer@example.com"})
    [message] = mail.outbox
    assert message.to == ["newcomer@example.com"]


def test_a_superuser_may_do_all_of_it(client, superuser):
    person = responder(username="ali")
    client.force_login(superuser)
    data = form_data(client.get(change_url(person)))
    data["is_superuser"] = "on"
    assert client.post(change_url(person), data).status_code == 302
    person.refresh_from_db()
    assert person.is_superuser
    assert client.get(f"{PEOPLE}{person.pk}/password/").status_code == 200
    assert 'name="password1"' in client.get(f"{PEOPLE}add/").content.decode()


def test_only_a_superuser_changes_what_a_group_may_do(client, admin_user, superuser):
    group = Group.objects.get(name=MANAGER)
    before = set(group.permissions.values_list("pk", flat=True))
    extra = Permission.objects.get(codename="delete_user")
    url = f"/admin/auth/group/{group.pk}/change/"
    client.force_login(admin_user)
    assert client.get(url).status_code == 200  # may look
    response = client.post(url, {"name": MANAGER, "permissions": [*before, extra.pk]})
    assert response.status_code == 403
    assert set(group.permissions.values_list("pk", flat=True)) == before

    client.force_login(superuser)
    response = client.post(url, {"name": MANAGER, "permissions": [*before, extra.pk]})
    assert response.status_code == 302
    assert set(group.permissions.values_list("pk", flat=True)) == {*before, extra.pk}


def test_an_admin_cannot_rename_a_group(client, admin_user):
    """Renamed, Manager could be handed out as "Responder"."""
    manager_group = Group.objects.get(name=MANAGER)
    client.force_login(admin_user)
    response = client.post(
        f"/admin/auth/group/{manager_group.pk}/change/",
        {
            "name": "Approvers",
            "permissions": list(manager_group.permissions.values_list("pk", flat=True)),
        },
    )
    assert response.status_code == 403
    manager_group.refresh_from_db()
    assert manager_group.name == MANAGER
    assert client.post("/admin/auth/group/add/", {"name": "Helpers"}).status_code == 403


def test_no_group_may_change_groups_but_a_superuser(client, admin_user):
    """Whatever the matrix or a single permission says: the groups are the matrix."""
    assert (
        not {"auth.add_group", "auth.change_group", "auth.delete_group"} & GROUP_PERMISSIONS[ADMIN]
    )
    admin_user.user_permissions.add(Permission.objects.get(codename="change_group"))
    admin_user = User.objects.get(pk=admin_user.pk)  # no cached permissions
    assert admin_user.has_perm("auth.change_group")
    group = Group.objects.get(name=MANAGER)
    client.force_login(admin_user)
    response = client.post(f"/admin/auth/group/{group.pk}/change/", {"name": "Approvers"})
    assert response.status_code == 403
    group.refresh_from_db()
    assert group.name == MANAGER


def test_the_api_changes_nobody(api_as, admin_user):
    """People change in the admin site only; the API reads them."""
    person = responder(username="ali")
    client = api_as(admin_user)
    url = f"/api/v1/people/{person.pk}/"
    for method in (client.patch, client.put):
        response = method(url, {"email": "attacker@evil.example", "groups": [MANAGER]})
        assert response.status_code == 405
    person.refresh_from_db()
    assert person.email == "ali@example.com"
    assert list(person.groups.values_list("name", flat=True)) == [RESPONDER]


def test_the_people_list_shows_who_set_up_two_factor(client, admin_user, manager):
    client.force_login(admin_user)
    response = client.get(PEOPLE)
    assert response.status_code == 200
    rows = {person.username: person.has_two_factor for person in response.context["cl"].result_list}
    assert rows["admin"] is True  # signed in fully by the test client
    assert rows["manager"] is False


def test_only_a_superuser_resets_someones_two_factor(client, admin_user, superuser, manager):
    authenticator(manager)
    services.recovery_codes_create(person=manager)
    reset = {"action": "reset_two_factor", "_selected_action": [manager.pk]}

    # An admin who could change the address and then reset the password must not also be
    # able to clear the second factor.
    client.force_login(admin_user)
    assert "reset_two_factor" not in client.get(PEOPLE).content.decode()
    client.post(PEOPLE, reset)
    assert TOTPDevice.objects.filter(user=manager).exists()
    with pytest.raises(NotPermitted):
        services.two_factor_reset(actor=admin_user, person=manager)

    client.force_login(superuser)
    response = client.post(PEOPLE, reset, follow=True)
    assert "Two-factor sign-in reset for 1 person" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=manager).exists()
    assert not StaticDevice.objects.filter(user=manager).exists()


def test_an_admin_revokes_an_api_token(client, admin_user):
    person = responder(username="ali")
    services.api_token_create(person=person)
    client.force_login(admin_user)
    client.post(PEOPLE, {"action": "revoke_api_token", "_selected_action": [person.pk]})
    assert not Token.objects.filter(user=person).exists()


def test_no_admin_page_shows_an_authenticators_key(client, superuser, manager):
    device = authenticator(manager)
    client.force_login(superuser)
    for url in (
        "/admin/otp_totp/totpdevice/",
        f"/admin/otp_totp/totpdevice/{device.pk}/change/",
        f"/admin/otp_totp/totpdevice/{device.pk}/config/",
        "/admin/otp_static/staticdevice/",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert device.key not in response.content.decode()


@pytest.mark.parametrize(
    "url", ["http://hooks.example.com/x", "https://127.0.0.1/hook", "https://169.254.169.254/"]
)
def test_the_admin_refuses_a_chat_webhook_the_profile_would_refuse(client, superuser, url):
    person = responder(username="ali")
    client.force_login(superuser)
    data = {**form_data(client.get(change_url(person))), "webhook_url": url}
    response = client.post(change_url(person), data)
    assert response.status_code == 200
    assert "webhook_url" in response.context["adminform"].form.errors
    person.refresh_from_db()
    assert person.webhook_url == ""
