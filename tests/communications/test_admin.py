"""The admin site: accounts are saved through the service with write-only credentials;
messages, approvals, mentions and templates are read-only there."""

import pytest
from django.urls import reverse

from communications.accounts import services as accounts
from communications.models import SocialAccount
from tests.communications.drafting import submitted
from tests.communications.factories import InboundPostFactory, SandboxAccountFactory

pytestmark = pytest.mark.django_db

ADD = reverse("admin:communications_socialaccount_add")
SECRETS = {
    "consumer_key": "ck-very-secret",
    "consumer_secret": "cs-very-secret",
    "access_token": "at-very-secret",
    "access_token_secret": "ats-very-secret",
}


def form_data(**overrides) -> dict:
    data = {
        "handle": "brand_tr",
        "display_name": "Brand TR",
        "external_user_id": "12345",
        "is_active": "on",
        "two_factor_enabled": "on",
        "auth_kind": "oauth1",
        "publishers": [],
        "watch_terms-TOTAL_FORMS": "0",
        "watch_terms-INITIAL_FORMS": "0",
        "watch_terms-MIN_NUM_FORMS": "0",
        "watch_terms-MAX_NUM_FORMS": "1000",
        **SECRETS,
    }
    data.update(overrides)
    return data


def change_url(account: SocialAccount) -> str:
    return reverse("admin:communications_socialaccount_change", args=[account.pk])


def test_an_admin_adds_an_account_whose_credentials_are_encrypted_and_never_shown(
    client, admin_user, responder
):
    client.force_login(admin_user)
    response = client.post(ADD, form_data(publishers=[responder.pk]))
    assert response.status_code == 302, response.context["adminform"].form.errors
    account = SocialAccount.objects.get()
    assert not account.is_sandbox
    assert accounts.account_credentials(account)["access_token"] == "at-very-secret"
    assert "very-secret" not in account.credentials_encrypted
    assert account.credentials_rotated_at is not None
    assert list(account.publishers.all()) == [responder]
    page = client.get(change_url(account)).content.decode()
    assert "very-secret" not in page
    assert account.credentials_encrypted not in page
    assert 'type="password"' in page


def test_empty_credential_fields_keep_the_stored_ones(client, admin_user):
    client.force_login(admin_user)
    client.post(ADD, form_data())
    account = SocialAccount.objects.get()
    rotated = account.credentials_rotated_at
    blank = dict.fromkeys(SECRETS, "")
    response = client.post(change_url(account), form_data(display_name="Renamed", **blank))
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.display_name == "Renamed"
    assert accounts.account_credentials(account) == SECRETS
    assert account.credentials_rotated_at == rotated
    # One new secret rotates that one and keeps the rest.
    client.post(change_url(account), form_data(**{**blank, "access_token": "at-new"}))
    account.refresh_from_db()
    assert accounts.account_credentials(account) == {**SECRETS, "access_token": "at-new"}
    assert account.credentials_rotated_at > rotated


def test_switching_to_sandbox_drops_the_credentials(client, admin_user):
    client.force_login(admin_user)
    client.post(ADD, form_data())
    account = SocialAccount.objects.get()
    client.post(change_url(account), form_data(auth_kind="none", **dict.fromkeys(SECRETS, "")))
    account.refresh_from_db()
    assert account.is_sandbox
    assert account.credentials_encrypted == ""


@pytest.mark.parametrize(
    ("overrides", "words"),
    [
        ({"handle": "not a handle!"}, "1 to 15 letters"),
        ({"consumer_key": ""}, "Give consumer_key"),
        ({"external_user_id": ""}, "Publishing needs the account"),
    ],
)
def test_the_services_refusals_are_form_errors(client, admin_user, overrides, words):
    client.force_login(admin_user)
    response = client.post(ADD, form_data(**overrides))
    assert response.status_code == 200
    assert words in response.content.decode()
    assert not SocialAccount.objects.exists()


def test_a_taken_handle_is_a_form_error(client, admin_user):
    SandboxAccountFactory(handle="brand_tr")
    client.force_login(admin_user)
    response = client.post(ADD, form_data())
    assert response.status_code == 200
    assert SocialAccount.objects.count() == 1


def test_a_manager_cannot_edit_accounts(client, manager):
    client.force_login(manager)
    assert client.get(ADD).status_code in (302, 403)


def test_messages_approvals_mentions_and_templates_are_read_only(client, admin_user, responder):
    message = submitted(responder, SandboxAccountFactory())
    mention = InboundPostFactory()
    client.force_login(admin_user)
    for name, pk in [
        ("message", message.pk),
        ("inboundpost", mention.pk),
    ]:
        url = reverse(f"admin:communications_{name}_change", args=[pk])
        response = client.get(url)
        assert response.status_code == 200, name
        assert 'name="_save"' not in response.content.decode()
    assert client.get(reverse("admin:communications_message_add")).status_code == 403
    assert client.get(reverse("admin:communications_approval_changelist")).status_code == 200
    assert client.get(reverse("admin:communications_template_changelist")).status_code == 200
    assert client.get(reverse("admin:communications_watchterm_changelist")).status_code == 200
