"""Upstream profiles: the shape of the API the dashboard talks to, chosen by the deployment's
``UPSTREAM_PROFILE`` setting (see ``types.py`` for what a profile says).

``seekrflow`` (the default) is SeekrFlow's API, as the official ``seekrai`` SDK calls it;
``rungen`` is RunGen.AI's. Adding an upstream shaped alike is a new module here with its kinds
in the catalog, and an entry in :data:`PROFILES`.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from dashboard.upstream.profiles.rungen import RUNGEN
from dashboard.upstream.profiles.seekrflow import SEEKRFLOW
from dashboard.upstream.profiles.types import ErrorDialect, Feature, Profile

PROFILES: dict[str, Profile] = {profile.slug: profile for profile in (SEEKRFLOW, RUNGEN)}


def active_profile() -> Profile:
    """The profile of ``UPSTREAM_PROFILE``."""
    slug = getattr(settings, "UPSTREAM_PROFILE", "seekrflow") or "seekrflow"
    try:
        return PROFILES[slug]
    except KeyError:
        known = ", ".join(sorted(PROFILES))
        raise ImproperlyConfigured(
            f"UPSTREAM_PROFILE is {slug!r}; it must be one of: {known}."
        ) from None


def has(feature: Feature) -> bool:
    """Whether the active profile's upstream has this part of the dashboard."""
    return active_profile().has(feature)


def base_url() -> str:
    """The upstream's base URL: ``UPSTREAM_BASE_URL``, or the embedded sandbox speaking the
    active profile's dialect."""
    configured = getattr(settings, "UPSTREAM_BASE_URL", "")
    if configured:
        return configured.rstrip("/")
    return f"{settings.LOCAL_SANDBOX_ROOT}/{active_profile().sandbox_path}"


def key_header() -> tuple[str, str]:
    """The header the key goes in, and the scheme put before it (settings over profile)."""
    profile = active_profile()
    name = getattr(settings, "UPSTREAM_KEY_HEADER", "") or profile.key_header
    scheme = getattr(settings, "UPSTREAM_KEY_SCHEME", "") or profile.key_scheme
    return name, "" if scheme == "-" else scheme


def team_header() -> str | None:
    """The header naming the team (settings over profile); None: a key is a team's."""
    return getattr(settings, "UPSTREAM_TEAM_HEADER", "") or active_profile().team_header


__all__ = [
    "PROFILES",
    "ErrorDialect",
    "Feature",
    "Profile",
    "active_profile",
    "base_url",
    "has",
    "key_header",
    "team_header",
]
