"""The active team of a request: the personal workspace, or one of the user's saved teams."""

from __future__ import annotations

from dataclasses import dataclass

PERSONAL = "personal"  # the value used in forms and ?team= for the personal workspace
PERSONAL_LABEL = "Personal workspace"


@dataclass(frozen=True)
class ActiveTeam:
    id: str | None  # None: the personal workspace (no x-team-id header is sent)
    label: str
    upstream_id: str = ""  # for the personal workspace: its team id, once learnt

    @property
    def is_personal(self) -> bool:
        return self.id is None

    @property
    def guard_value(self) -> str:
        return self.id or PERSONAL

    @property
    def display_id(self) -> str:
        if self.id:
            return self.id
        return self.upstream_id or "no team header"

    def __str__(self) -> str:
        return f"{self.label} ({self.display_id})"


def personal(upstream_id: str = "") -> ActiveTeam:
    return ActiveTeam(None, PERSONAL_LABEL, upstream_id)
