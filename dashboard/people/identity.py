"""The signed-in person's upstream identity: learnt from what the upstream returns, kept on
their active API key (the upstream user the key acts as, and its personal team).

Every place that learns who someone is upstream comes here: the pages that read the personal
workspace, the audit, and what the person creates through the dashboard.
"""

from __future__ import annotations

from collections.abc import Iterable

from dashboard.accounts.models import ApiKey
from dashboard.upstream.catalog import ResourceKind
from dashboard.upstream.identity import PERSONAL_TEAM_ID, USER_ID, learned_from_personal


def remember(*, user, learnt: dict[str, str]) -> None:
    """Store what was learnt on the user's active key (empty values are ignored)."""
    fields = {name: value for name, value in learnt.items() if name in (USER_ID, PERSONAL_TEAM_ID)}
    fields = {name: value for name, value in fields.items() if value}
    if fields:
        ApiKey.objects.filter(user=user, is_active=True).update(**fields)


def learn_from_personal(
    *, user, key: ApiKey | None, batches: Iterable[tuple[ResourceKind, list[dict]]]
) -> str:
    """Learn (and keep) who the user is from items of their personal workspace.

    Returns the user's upstream id as now known, or "".
    """
    known = _known(key)
    learnt = learned_from_personal(batches)
    changed = {name: value for name, value in learnt.items() if known.get(name) != value}
    if changed:
        remember(user=user, learnt=changed)
    return learnt.get(USER_ID) or known[USER_ID]


def learn_from_created(*, user, personal: bool, created: dict, kind: ResourceKind) -> None:
    """What the user just created says who they are (and, in the personal workspace, its id)."""
    learnt = {USER_ID: kind.item_owner(created)}
    if personal:
        learnt[PERSONAL_TEAM_ID] = kind.item_team(created)
    remember(user=user, learnt=learnt)


def _known(key: ApiKey | None) -> dict[str, str]:
    return {
        USER_ID: (key.upstream_user_id if key else "") or "",
        PERSONAL_TEAM_ID: (key.personal_team_id if key else "") or "",
    }
