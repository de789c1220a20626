"""Credentials at rest: Fernet tokens under a key derived from a settings secret.

CLOUD_ENCRYPTION_KEY may list several secrets (comma-separated): the first encrypts, all decrypt,
so a secret can be rotated without losing stored keys. Empty: derived from SECRET_KEY.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

_INFO = b"lambdalab.cloud.credentials.v1"


class CredentialsUnreadable(Exception):
    """Stored keys can no longer be decrypted (the encryption secret changed)."""


def _fernet_for(secret: str) -> Fernet:
    # HKDF, not the raw secret: the key must be 32 random-looking bytes, and a separate `info`
    # keeps this key unrelated to anything else derived from SECRET_KEY.
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(secret.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def _fernet() -> MultiFernet:
    secrets = [s.strip() for s in (settings.CLOUD_ENCRYPTION_KEY or "").split(",") if s.strip()]
    return MultiFernet([_fernet_for(s) for s in secrets or [settings.SECRET_KEY]])


def encrypt(plain: str) -> str:
    return _fernet().encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise CredentialsUnreadable(
            "Your stored access keys can no longer be read (LambdaLab's encryption key changed). "
            "Connect your account again."
        ) from None
