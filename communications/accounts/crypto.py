"""Social-account credentials, encrypted at rest with keys from the environment.

CREDENTIALS_KEYS holds one or more Fernet keys (comma-separated); the first encrypts, all
decrypt, so keys can be rotated (``manage.py rotate_credentials_key`` re-encrypts everything
with the first). Without it (development only: production requires it), a key is derived from
SECRET_KEY.
"""

import base64
import hashlib
import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


def _secret_key_derived() -> str:
    digest = hashlib.sha256(f"crisis-desk-credentials:{settings.SECRET_KEY}".encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()


def configured_keys() -> list[str]:
    return [k.strip() for k in settings.CREDENTIALS_KEYS if k.strip()]


def _fernet(*, also_secret_key_derived: bool = False) -> MultiFernet:
    keys = configured_keys() or [_secret_key_derived()]
    if also_secret_key_derived:
        keys.append(_secret_key_derived())
    return MultiFernet([Fernet(key.encode()) for key in keys])


def encrypt(credentials: dict[str, Any]) -> str:
    return _fernet().encrypt(json.dumps(credentials).encode()).decode()


def decrypt(token: str) -> dict[str, Any]:
    try:
        value = json.loads(_fernet().decrypt(token.encode()))
    except (InvalidToken, ValueError) as exc:
        raise ValueError("the credentials cannot be decrypted with the configured keys") from exc
    if not isinstance(value, dict):
        raise ValueError("the credentials are not a mapping")
    return value


def reencrypt(token: str, *, also_secret_key_derived: bool = False) -> str:
    """The same credentials encrypted with the first key; any configured key decrypts them
    (and, when asked, the key derived from SECRET_KEY, which encrypted them before
    CREDENTIALS_KEYS was set)."""
    try:
        rotated = _fernet(also_secret_key_derived=also_secret_key_derived).rotate(token.encode())
    except InvalidToken as exc:
        raise ValueError("the credentials cannot be decrypted with the configured keys") from exc
    return rotated.decode()
