"""Who may change whose account (teams.security.services.account_change_check), asked by the
admin site's person form and again when it saves; every change recorded and told.

An admin who is not a superuser must not be able to take a person over (a new email address,
then a password reset to it and the first sign-in's authenticator set-up), nor make a second
approver of their own to meet a SEV1's two-person rule alone.
"""

from dataclasses import replace

import pytest
from django.contrib.auth.models import Group, Permission
from django.core import mail
from django.urls import reverse

from config.errors import NotPermitted
from config.permissions import ADMIN, APPROVE_MESSAGE, MANAGER, RESPONDER
from teams.forms import NotificationPreferencesForm
from teams.models import (
    Delivery,
    Notification,
    NotificationPreference,
    PersonChange,
    Reason,
    User,
)
from teams.security import services
from teams.security.selectors import account_of
from tests.teams.factories import UserFactory, authenticator, manager, responder
from tests.teams.test_admin_access import PEOPLE, change_url, form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)


def group_pk(name: str) -> str:
    return str(Group.objects.get(name=name).pk)


def groups_of(person: User) -> set[str]:
    return set(person.groups.values_list("name", flat=True))


def post_change(client, person: User, **changes):
    """The person form posted back with ``changes`` over what it shows."""
    data = {**form_data(client.get(change_url(person))), **changes}
    return client.post(change_url(person), data)


def field_errors(response, name: str) -> list[str]:
    return response.context["adminform"].form.errors.get(name, [])


# --- the takeover: email address, username, staff status ------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("email", "attacker@evil.example"),
        ("username", "ali-2"),
        ("is_staff", "on"),
    ],
)
def test_an_admin_cannot_change_another_persons_email_username_or_staff_status(
    client, admin_user, field, value
):
    person = responder(username="ali")
    before = account_of(person)
    client.force_login(admin_user)
    page = client.get(change_url(person))
    assert field not in page.context["adminform"].form.fields  # shown, read-only
    response = post_change(client, person, **{field: value})
    assert response.status_code == 302
    person.refresh_from_db()
    assert account_of(person) == before


def test_the_takeover_through_a_password_reset_no_longer_works(client, admin_user):
    """The issue's reproduction: a new address, then "Forgot your password?" to it."""
    person = responder(username="ali")
    client.force_login(admin_user)
    post_change(client, person, email="attacker@evil.example")
    client.post("/accounts/logout/")
    mail.outbox.clear()
    client.post("/accounts/password_reset/", {"email": "attacker@evil.example"})
    assert mail.outbox == []


def test_an_admin_cannot_change_their_own_email_either(client, admin_user):
    client.force_login(admin_user)
    post_change(client, admin_user, email="elsewhere@evil.example")
    admin_user.refresh_from_db()
    assert admin_user.email == "admin@example.com"


# --- groups: only a responder's rights are an admin's to hand out --------------------------


@pytest.mark.parametrize("group", [MANAGER, ADMIN])
def test_an_admin_cannot_give_a_group_that_carries_more_than_a_responders_rights(
    client, admin_user, group
):
    person = responder(username="ali")
    client.force_login(admin_user)
    response = post_change(client, person, groups=[group_pk(RESPONDER), group_pk(group)])
    assert response.status_code == 200
    assert "Only a superuser may give or take" in " ".join(field_errors(response, "groups"))
    assert groups_of(person) == {RESPONDER}
    assert not PersonChange.objects.filter(person=person).exists()


def test_an_admin_cannot_take_the_manager_group_away(client, admin_user):
    person = manager(username="mira")
    client.force_login(admin_user)
    response = post_change(client, person, groups=[group_pk(RESPONDER)])
    assert response.status_code == 200
    assert field_errors(response, "groups")
    assert groups_of(person) == {MANAGER}


def test_an_admin_cannot_make_a_second_approver_of_their_own(client, admin_user):
    """Added by the admin (whose email address it is), then given approval: refused."""
    client.force_login(admin_user)
    client.post(
        f"{PEOPLE}add/",
        {"username": "sock", "first_name": "Sock", "email": "admin+sock@example.com"},
    )
    sock = User.objects.get(username="sock")
    response = post_change(client, sock, groups=[group_pk(MANAGER)])
    assert response.status_code == 200
    sock = User.objects.get(pk=sock.pk)
    assert not sock.has_perm(APPROVE_MESSAGE)
    [added] = PersonChange.objects.filter(person=sock)
    assert (added.what, added.actor) == ("added", admin_user)
    assert added.fields["email"] == ["", "admin+sock@example.com"]


def test_a_group_is_judged_by_what_it_carries_not_by_its_name(client, admin_user):
    helpers = Group.objects.create(name="Helpers")
    helpers.permissions.add(Permission.objects.get(codename="approve_message"))
    person = responder(username="ali")
    client.force_login(admin_user)
    response = post_change(client, person, groups=[group_pk(RESPONDER), str(helpers.pk)])
    assert response.status_code == 200
    assert "Helpers" in " ".join(field_errors(response, "groups"))
    assert groups_of(person) == {RESPONDER}


def test_an_admin_puts_people_in_and_out_of_responder_recorded_and_told(
    client, admin_user, django_capture_on_commit_callbacks
):
    person = UserFactory(username="ali")
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_change(client, person, groups=[group_pk(RESPONDER)])
    assert response.status_code == 302
    assert groups_of(person) == {RESPONDER}
    [change] = PersonChange.objects.filter(person=person)
    assert (change.actor, change.what) == (admin_user, "groups changed")
    assert change.fields == {"groups": [[], [RESPONDER]]}
    [notice] = Notification.objects.filter(recipient=person, reason=Reason.ACCOUNT_CHANGED)
    assert "groups changed" in notice.title
    assert "groups: none → Responder" in notice.body
    [email] = mail.outbox
    assert email.to == ["ali@example.com"]

    response = post_change(client, person, groups=[])
    assert response.status_code == 302
    assert groups_of(person) == set()


# --- one's own account ------------------------------------------------------------------------


def test_nobody_changes_their_own_groups_or_status(client, admin_user, superuser):
    client.force_login(admin_user)
    response = post_change(client, admin_user, groups=[group_pk(RESPONDER)], is_active="")
    assert response.status_code == 302
    admin_user.refresh_from_db()
    assert groups_of(admin_user) == {ADMIN}
    assert admin_user.is_active

    client.force_login(superuser)
    form = client.get(change_url(superuser)).context["adminform"].form
    assert not {"groups", "user_permissions", "is_superuser", "is_staff", "is_active"} & set(
        form.fields
    )
    with pytest.raises(NotPermitted, match="Nobody changes their own groups"):
        services.account_change_check(
            actor=superuser,
            person=superuser,
            before=account_of(superuser),
            after=replace(account_of(superuser), groups=frozenset({MANAGER})),
        )


# --- switching off and on ---------------------------------------------------------------------


def test_an_admin_switches_a_manager_off_but_only_a_superuser_switches_them_back_on(
    client, admin_user, superuser, django_capture_on_commit_callbacks
):
    person = manager(username="mira")
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        assert post_change(client, person, is_active="").status_code == 302
    person.refresh_from_db()
    assert not person.is_active
    # Told by email, though they can no longer sign in to read it in the app.
    assert [message.to for message in mail.outbox] == [["mira@example.com"]]

    data = {**form_data(client.get(change_url(person))), "is_active": "on"}
    response = client.post(change_url(person), data)
    assert response.status_code == 200
    assert "switch back on" in " ".join(field_errors(response, "is_active"))
    person.refresh_from_db()
    assert not person.is_active

    client.force_login(superuser)
    assert post_change(client, person, is_active="on").status_code == 302
    person.refresh_from_db()
    assert person.is_active


def test_an_admin_switches_a_responder_back_on(client, admin_user):
    person = responder(username="ali", is_active=False)
    client.force_login(admin_user)
    assert post_change(client, person, is_active="on").status_code == 302
    person.refresh_from_db()
    assert person.is_active


# --- the last gate: the save asks again --------------------------------------------------------


def test_the_save_asks_the_rule_again_on_what_the_database_holds(admin_user):
    person = responder(username="ali")
    before = account_of(person)
    User.objects.filter(pk=person.pk).update(email="attacker@evil.example")
    person.groups.add(Group.objects.get(name=MANAGER))
    with pytest.raises(NotPermitted):
        services.account_change_record(actor=admin_user, person=person, before=before)
    assert not PersonChange.objects.exists()


def test_a_refusal_at_the_save_undoes_it(client, admin_user, monkeypatch):
    """Were the form's own check ever missed, the save refuses and nothing is kept."""
    person = responder(username="ali")
    client.force_login(admin_user)
    data = {**form_data(client.get(change_url(person))), "groups": [group_pk(MANAGER)]}
    monkeypatch.setattr("teams.admin.PersonChangeForm.clean", lambda form: form.cleaned_data)
    response = client.post(change_url(person), data)
    assert response.status_code == 403
    assert groups_of(person) == {RESPONDER}
    assert not PersonChange.objects.exists()


# --- what a superuser still does, recorded and told ----------------------------------------------


def test_a_superuser_changes_an_email_address_and_the_old_address_is_told(
    client, superuser, django_capture_on_commit_callbacks
):
    person = responder(username="ali")
    NotificationPreference.objects.create(
        person=person, reason=Reason.ACCOUNT_CHANGED, email=False, webhook=False
    )  # an admin could set this in the admin site: it does not silence the notice
    client.force_login(superuser)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_change(
            client,
            person,
            email="ali.new@example.com",
            groups=[group_pk(RESPONDER), group_pk(MANAGER)],
        )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.email == "ali.new@example.com"
    assert groups_of(person) == {RESPONDER, MANAGER}
    [change] = PersonChange.objects.filter(person=person)
    assert change.actor == superuser
    assert change.fields == {
        "email": ["ali@example.com", "ali.new@example.com"],
        "groups": [[RESPONDER], [MANAGER, RESPONDER]],
    }
    [notice] = Notification.objects.filter(recipient=person)
    assert notice.url == reverse("teams:profile")
    assert "email address: ali@example.com → ali.new@example.com" in notice.body
    [delivery] = Delivery.objects.filter(notification=notice)
    assert delivery.target == "ali@example.com"
    assert [message.to for message in mail.outbox] == [["ali@example.com"]]


def test_a_superuser_gives_staff_status_and_the_admin_group(client, superuser):
    person = responder(username="ali")
    client.force_login(superuser)
    response = post_change(client, person, is_staff="on", groups=[group_pk(ADMIN)])
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.is_staff
    assert groups_of(person) == {ADMIN}


def test_a_password_set_by_a_superuser_is_recorded_and_told(client, superuser):
    person = responder(username="ali")
    client.force_login(superuser)
    new = {"usable_password": "true", "password1": "Given-2026-x", "password2": "Given-2026-x"}
    response = client.post(f"{PEOPLE}{person.pk}/password/", {**new, "set-password": ""})
    assert response.status_code == 302
    [change] = PersonChange.objects.filter(person=person)
    assert (change.what, change.actor) == ("password set", superuser)
    assert Notification.objects.filter(recipient=person, reason=Reason.ACCOUNT_CHANGED).exists()


def test_a_second_factor_reset_is_recorded_and_told(superuser):
    person = manager(username="mira")
    authenticator(person)
    services.two_factor_reset(actor=superuser, person=person)
    [change] = PersonChange.objects.filter(person=person)
    assert change.what == "two-factor sign-in reset"
    assert Notification.objects.filter(recipient=person, reason=Reason.ACCOUNT_CHANGED).exists()


def test_a_change_that_changes_nothing_records_nothing(client, admin_user):
    person = responder(username="ali")
    client.force_login(admin_user)
    assert post_change(client, person, title="Night editor").status_code == 302
    assert not PersonChange.objects.exists()


# --- where the record is read, and what cannot silence it ------------------------------------


def test_the_account_changes_are_read_only_in_the_admin(client, admin_user, superuser):
    person = responder(username="ali")
    services.two_factor_reset(actor=superuser, person=person)
    change = PersonChange.objects.get()
    client.force_login(admin_user)
    listing = client.get("/admin/teams/personchange/")
    assert listing.status_code == 200
    assert "two-factor sign-in reset" in listing.content.decode()
    url = f"/admin/teams/personchange/{change.pk}/change/"
    assert client.post(url, {"what": "nothing"}).status_code == 403
    assert client.post(f"/admin/teams/personchange/{change.pk}/delete/").status_code == 403
    client.force_login(superuser)
    assert client.post(f"/admin/teams/personchange/{change.pk}/delete/").status_code == 403
    # Nor does deleting the person take their record along.
    client.post(f"{PEOPLE}{person.pk}/delete/", {"post": "yes"})
    assert User.objects.filter(pk=person.pk).exists()
    assert PersonChange.objects.filter(pk=change.pk).exists()


def test_account_notices_are_not_a_choice_on_the_profile():
    assert f"{Reason.ACCOUNT_CHANGED}-email" not in NotificationPreferencesForm().fields
