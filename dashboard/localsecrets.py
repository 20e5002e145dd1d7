"""Secrets for local use, generated once and kept in the ignored ``var/`` folder.

Production sets ``SECRET_KEY`` and ``DASHBOARD_ENCRYPTION_KEYS`` in the environment (with
``PRODUCTION=true`` the settings refuse to start without them) and never reaches this module's
generator: a secret made up by one app server would be unknown to the others.
"""

import os
import secrets
from pathlib import Path

from cryptography.fernet import Fernet


def _generate(kind: str) -> str:
    if kind == "fernet":
        return Fernet.generate_key().decode()
    return secrets.token_urlsafe(50)


def local_secret(path: Path, kind: str) -> str:
    """Return the secret stored at ``path``, creating it (mode 0600) the first time."""
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    value = _generate(kind)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process won the race: use its value
        return path.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(value + "\n")
    return value
