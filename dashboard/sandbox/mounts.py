"""Where the sandbox is served: its SeekrFlow API at ``/sandbox/`` and RunGen.AI's at
``/rungen/``. The project's URLconf includes these patterns when the sandbox is enabled, and
:class:`~dashboard.sandbox.middleware.SandboxApiMiddleware` resolves its requests against them
alone."""

from __future__ import annotations

from django.urls import include, path

from dashboard.sandbox.api import MOUNT, RUNGEN

PREFIXES = (MOUNT, RUNGEN.mount)

urlpatterns = [
    path(MOUNT.strip("/") + "/", include("dashboard.sandbox.urls")),
    path(RUNGEN.mount.strip("/") + "/", include("dashboard.sandbox.rungen_urls")),
]
