"""Who the caller is upstream, as far as the upstream's answers tell.

The upstream has no call that says whose key it is. Its personal workspace does: every item in
it was created by the caller and belongs to the caller's personal team, so items read with no
team header reveal both ids (see ``docs/upstream.md``, "Identity").
"""

from __future__ import annotations

from collections.abc import Iterable

from dashboard.upstream.catalog import ResourceKind

USER_ID = "upstream_user_id"
PERSONAL_TEAM_ID = "personal_team_id"


def learned_from_personal(batches: Iterable[tuple[ResourceKind, list[dict]]]) -> dict[str, str]:
    """The caller's creator id and personal team id, from items of the personal workspace.

    Each is given only when every kind that names it agrees on one value.
    """
    seen: dict[str, set[str]] = {}
    for kind, items in batches:
        for item in items:
            team, owner = kind.item_team(item), kind.item_owner(item)
            if team:
                seen.setdefault(PERSONAL_TEAM_ID, set()).add(team)
            if owner:
                seen.setdefault(USER_ID, set()).add(owner)
    return {name: values.pop() for name, values in seen.items() if len(values) == 1}
