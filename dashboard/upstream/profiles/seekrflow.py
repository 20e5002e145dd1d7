"""SeekrFlow's API, as the official ``seekrai`` SDK calls it: the key alone in
``Authorization``, the team in ``x-team-id``, FastAPI's ``{"detail": …}`` errors (401: the key,
403: the team), single objects bare."""

from __future__ import annotations

from dashboard.upstream.catalog.seekrflow import KINDS
from dashboard.upstream.profiles.types import ErrorDialect, Feature, Profile

SEEKRFLOW = Profile(
    slug="seekrflow",
    label="SeekrFlow",
    registry=KINDS,
    probe_kind="files",
    key_header="Authorization",
    team_header="x-team-id",
    errors=ErrorDialect(
        message_keys=("detail", "message", "error"),
        key_rejected=frozenset({401}),
        not_a_member=frozenset({403}),
    ),
    features=frozenset({Feature.THREADS, Feature.UPLOADS}),
    sandbox_path="sandbox",
)
