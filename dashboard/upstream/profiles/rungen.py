"""RunGen.AI's API: the key in ``x-api-key``, the team in ``x-team-id``, errors as
``{"error": …}``, a bad key answered 403 (the status that also means "not in this team"),
single objects sometimes wrapped in ``{"data": …}``. Apps and the jobs run on them; no threads,
no file uploads."""

from __future__ import annotations

from dashboard.upstream.catalog.rungen import KINDS
from dashboard.upstream.profiles.types import ErrorDialect, Profile

RUNGEN = Profile(
    slug="rungen",
    label="RunGen.AI",
    registry=KINDS,
    probe_kind="apps",
    key_header="x-api-key",
    team_header="x-team-id",
    errors=ErrorDialect(
        message_keys=("error", "message", "detail"),
        key_rejected=frozenset({401, 403}),
        not_a_member=frozenset({403}),
    ),
    single_wrapped=True,
    features=frozenset(),
    sandbox_path="rungen",
)
