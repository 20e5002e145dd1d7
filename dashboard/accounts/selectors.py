"""Reading a user's keys, each with the account it acts as and who else acts as it."""

from __future__ import annotations

from dataclasses import dataclass

from dashboard.accounts.models import ApiKey


@dataclass(frozen=True)
class KeyRow:
    key: ApiKey
    also_used_by: tuple[str, ...]  # other dashboard users whose keys act as the same account


def keys_with_owners(*, user) -> list[KeyRow]:
    keys = list(ApiKey.objects.filter(user=user))
    accounts = {key.upstream_user_id for key in keys if key.upstream_user_id}
    others: dict[str, set[str]] = {}
    rows = (
        ApiKey.objects.filter(upstream_user_id__in=accounts)
        .exclude(user=user)
        .values_list("upstream_user_id", "user__username")
    )
    for account, username in rows:
        others.setdefault(account, set()).add(username)
    return [KeyRow(key, tuple(sorted(others.get(key.upstream_user_id, ())))) for key in keys]
