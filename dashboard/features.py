"""Parts of the dashboard that exist only where the upstream has room for them (threads, the
upload assistant): their pages answer 404, saying so, under a profile without them, and the
navigation does not offer them (``context_processors.upstream``)."""

from __future__ import annotations

from functools import wraps

from django.urls import URLPattern

from dashboard.upstream import profiles
from dashboard.upstream.profiles import Feature
from dashboard.views import page_missing

WHAT = {
    Feature.THREADS: "threads",
    Feature.UPLOADS: "file uploads",
}


def requires(feature: Feature):
    """A view that answers only where the active profile has ``feature``."""

    def decorate(view):
        @wraps(view)
        def gated(request, *args, **kwargs):
            profile = profiles.active_profile()
            if not profile.has(feature):
                return page_missing(
                    request,
                    f"{profile.label} has no {WHAT[feature]}, so this dashboard has no such page. "
                    "Use the navigation to find your way back.",
                )
            return view(request, *args, **kwargs)

        gated.gated_by = feature
        return gated

    return decorate


def gated(feature: Feature, patterns: list[URLPattern]) -> list[URLPattern]:
    """The same URL patterns, each answering only where the profile has ``feature``."""
    for pattern in patterns:
        if not isinstance(pattern, URLPattern):
            raise TypeError(f"only views can be gated, not {pattern!r}")
        if getattr(pattern.callback, "gated_by", None) is None:
            pattern.callback = requires(feature)(pattern.callback)
    return patterns
