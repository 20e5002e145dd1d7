"""System checks of the dashboard's own configuration.

They run with every ``manage.py check`` (``--deploy`` included) and before ``migrate`` and
``runserver``, so a release with an unusable configuration stops before it serves a page.
"""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Warning

from dashboard.accounts import crypto

GENERATE_FERNET_KEY = (
    'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
)


def encryption_keys(app_configs=None, **kwargs) -> list[Error]:
    """Every entry of DASHBOARD_ENCRYPTION_KEYS must be a Fernet key: one that is not would
    make every page that reads a stored API key fail. The keys themselves are never shown."""
    keys = list(settings.DASHBOARD_ENCRYPTION_KEYS)
    if not keys:
        return [
            Error(
                "DASHBOARD_ENCRYPTION_KEYS holds no key, so stored API keys can be neither "
                "encrypted nor read.",
                hint=f"Set it to a key made with: {GENERATE_FERNET_KEY}",
                id="dashboard.E002",
            )
        ]
    return [
        Error(
            f"DASHBOARD_ENCRYPTION_KEYS entry {position} of {len(keys)} is not a Fernet key "
            "(32 url-safe base64-encoded bytes), so stored API keys can be neither encrypted "
            "nor read.",
            hint=f"Replace it with a key made with: {GENERATE_FERNET_KEY}",
            id="dashboard.E001",
        )
        for position in crypto.unusable_keys(keys)
    ]


def list_cache_shared(app_configs=None, **kwargs) -> list[Warning]:
    """Lists read from the upstream are reused for UPSTREAM_LIST_CACHE_SECONDS and dropped when
    the dashboard changes a team; the job worker and every web server change teams too, so the
    ``list-changes`` cache must be one every process sees: not each process's own memory, and
    not files on one host when the database says there may be several."""
    backend = settings.CACHES.get("list-changes", {}).get("BACKEND", "")
    if settings.UPSTREAM_LIST_CACHE_SECONDS <= 0:
        return []
    if backend.endswith("LocMemCache"):
        where = "each process's own memory"
    elif backend.endswith("FileBasedCache") and not settings.DATABASES["default"][
        "ENGINE"
    ].endswith("sqlite3"):
        where = "files on this host, while the database suggests several hosts or containers"
    else:
        return []
    return [
        Warning(
            f"The 'list-changes' cache is {where}: changes made elsewhere (the job worker's "
            "copies and bulk deletes, another web server's edits) would not drop the lists "
            f"this process keeps, which could then be up to "
            f"{settings.UPSTREAM_LIST_CACHE_SECONDS} s stale.",
            hint="Set LIST_CHANGES_CACHE_URL (or CACHE_URL) to a shared cache such as "
            "Redis, or UPSTREAM_LIST_CACHE_SECONDS=0.",
            id="dashboard.W010",
        )
    ]
