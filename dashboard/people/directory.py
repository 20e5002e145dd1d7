"""How upstream creator ids are shown: "you", a staff-given display name, or the id."""

from __future__ import annotations

from dataclasses import dataclass

from dashboard.people.models import CreatorName


@dataclass(frozen=True)
class Creator:
    id: str
    name: str  # "you", a display name, or the id itself
    is_you: bool = False


class CreatorDirectory:
    """Resolves creator ids for one request (a single query for all display names)."""

    def __init__(self, my_upstream_id: str = ""):
        self.me = my_upstream_id or ""
        self.names = dict(CreatorName.objects.values_list("creator_id", "display_name"))

    def resolve(self, creator_id) -> Creator:
        cid = "" if creator_id is None else str(creator_id)
        if not cid:
            return Creator("", "unknown")
        if self.me and cid == self.me:
            return Creator(cid, "you", True)
        return Creator(cid, self.names.get(cid, cid))
