"""Encryption of stored upstream API keys (Fernet / MultiFernet).

The keys come from ``DASHBOARD_ENCRYPTION_KEYS`` (newest first), independent of
``SECRET_KEY``. A value that cannot be decrypted raises :class:`KeyDecryptionError`; the
ciphertext is never handed back in place of a key.
"""

from __future__ import annotations

from collections.abc import Iterable

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class KeyDecryptionError(Exception):
    """A stored key cannot be decrypted with any configured encryption key."""


def unusable_keys(keys: Iterable[str]) -> list[int]:
    """The positions (from 1) of the entries of ``keys`` that are not Fernet keys."""
    unusable = []
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key.strip().encode())
        except (ValueError, TypeError):
            unusable.append(position)
    return unusable


def _fernet() -> MultiFernet:
    keys = [k.strip() for k in settings.DASHBOARD_ENCRYPTION_KEYS if k and k.strip()]
    if not keys:
        raise ImproperlyConfigured("DASHBOARD_ENCRYPTION_KEYS is empty.")
    try:
        return MultiFernet([Fernet(k.encode()) for k in keys])
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(
            "DASHBOARD_ENCRYPTION_KEYS must hold url-safe base64 Fernet keys (32 bytes)."
        ) from exc


def encrypt(plaintext: str) -> str:
    return _fernet().encrypt(plaintext.encode()).decode()


def decrypt(ciphertext: str) -> str:
    try:
        return _fernet().decrypt(ciphertext.encode()).decode()
    except (InvalidToken, ValueError) as exc:
        raise KeyDecryptionError(
            "A stored API key cannot be decrypted with the configured encryption keys."
        ) from exc


def rotate(ciphertext: str) -> str:
    """Re-encrypt under the newest key (raises if no configured key can read it)."""
    try:
        return _fernet().rotate(ciphertext.encode()).decode()
    except (InvalidToken, ValueError) as exc:
        raise KeyDecryptionError("A stored API key cannot be decrypted for rotation.") from exc
