"""`manage.py rotate_credentials_key`: every account's credentials under the first key, all or
nothing."""

from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command

from communications.accounts import crypto
from communications.models import SocialAccount
from tests.communications.factories import SandboxAccountFactory, SocialAccountFactory

pytestmark = pytest.mark.django_db

OLD, NEW, OTHER = (Fernet.generate_key().decode() for _ in range(3))
CREDENTIALS = {"access_token": "at-1", "access_token_secret": "ats-1"}


def rotate(*args: str) -> str:
    out = StringIO()
    call_command("rotate_credentials_key", *args, stdout=out)
    return out.getvalue()


def stored(account: SocialAccount) -> str:
    return SocialAccount.objects.get(pk=account.pk).credentials_encrypted


def test_rotation_re_encrypts_every_account_with_the_first_key(settings):
    settings.CREDENTIALS_KEYS = [OLD]
    accounts = [SocialAccountFactory(credentials_encrypted=crypto.encrypt(CREDENTIALS))]
    accounts.append(SocialAccountFactory(credentials_encrypted=crypto.encrypt({"k": "v"})))
    SandboxAccountFactory()  # no credentials: nothing to re-encrypt

    settings.CREDENTIALS_KEYS = [NEW, OLD]
    assert "Re-encrypted the credentials of 2 account(s)" in rotate()

    settings.CREDENTIALS_KEYS = [NEW]  # the old key removed: everything still decrypts
    assert crypto.decrypt(stored(accounts[0])) == CREDENTIALS
    assert crypto.decrypt(stored(accounts[1])) == {"k": "v"}


def test_before_the_rotation_the_old_key_still_decrypts(settings):
    settings.CREDENTIALS_KEYS = [OLD]
    account = SocialAccountFactory(credentials_encrypted=crypto.encrypt(CREDENTIALS))
    settings.CREDENTIALS_KEYS = [NEW, OLD]
    assert crypto.decrypt(stored(account)) == CREDENTIALS
    settings.CREDENTIALS_KEYS = [NEW]
    with pytest.raises(ValueError, match="cannot be decrypted"):
        crypto.decrypt(stored(account))


def test_credentials_no_key_decrypts_fail_the_rotation_and_nothing_is_written(settings):
    settings.CREDENTIALS_KEYS = [OLD]
    readable = SocialAccountFactory(credentials_encrypted=crypto.encrypt(CREDENTIALS))
    settings.CREDENTIALS_KEYS = [OTHER]
    lost = SocialAccountFactory(handle="lostbrand", credentials_encrypted=crypto.encrypt({}))
    before = stored(readable)

    settings.CREDENTIALS_KEYS = [NEW, OLD]
    with pytest.raises(CommandError) as refused:
        rotate()
    assert f"@lostbrand (id {lost.pk})" in str(refused.value)
    assert "Nothing was re-encrypted" in str(refused.value)
    assert stored(readable) == before


def test_credentials_saved_before_the_keys_were_set_move_over_when_asked(settings):
    settings.CREDENTIALS_KEYS = []  # development: a key derived from SECRET_KEY
    account = SocialAccountFactory(credentials_encrypted=crypto.encrypt(CREDENTIALS))

    settings.CREDENTIALS_KEYS = [NEW]
    with pytest.raises(CommandError, match=rf"@{account.handle} \(id {account.pk}\)"):
        rotate()
    assert "1 account(s)" in rotate("--from-secret-key")
    assert crypto.decrypt(stored(account)) == CREDENTIALS


def test_rotation_needs_configured_keys(settings):
    settings.CREDENTIALS_KEYS = []
    with pytest.raises(CommandError, match="Set CREDENTIALS_KEYS first"):
        rotate()
