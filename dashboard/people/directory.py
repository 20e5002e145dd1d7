"""Who an upstream creator id is: "you", a name staff gave, a dashboard user, or nobody known.

The upstream names creators by id only and has no call that lists its users. The dashboard
knows the upstream id of every key its users saved (learnt from what each key reads and
creates, kept on the key: see ``people.identity``), so an id that one of its users acts as is
shown as that person; staff can name any id (their name stands over the keys'); any other id
reads "unknown user <id>".
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from django.db import connection

from dashboard.accounts.models import ApiKey
from dashboard.people.models import CreatorName

USER = "user"  # a dashboard user's key acts as this id
NAMED = "named"  # staff named this id


@dataclass(frozen=True)
class Creator:
    id: str
    name: str  # what a page shows: "you", the person's name, or "unknown user <id>"
    is_you: bool = False
    person: str = ""  # the person's name whoever looks (for exports); "" when nobody knows
    source: str = ""  # USER, NAMED, or "" when nobody knows

    @property
    def known(self) -> bool:
        return bool(self.person)

    @property
    def export_name(self) -> str:
        """The name an export carries: never "you", which means nothing once shared."""
        if self.person:
            return self.person
        return f"upstream user {self.id}" if self.is_you else self.name


def user_label(username: str, first_name: str = "", last_name: str = "") -> str:
    return f"{first_name} {last_name}".strip() or username


def dashboard_people() -> dict[str, str]:
    """Upstream user id -> the dashboard user(s) whose saved keys act as it."""
    people: dict[str, list[str]] = {}
    for upstream_id, *names in _rows(people_query()):
        label = user_label(*names)
        if label not in people.setdefault(upstream_id, []):
            people[upstream_id].append(label)
    return {upstream_id: " / ".join(labels) for upstream_id, labels in people.items()}


# Every page that shows creators reads these two lists, so their SQL is the ORM's built once
# per process: building it anew for each request costs several times what running it does.
@cache
def people_query() -> tuple[str, tuple]:
    return (
        ApiKey.objects.exclude(upstream_user_id="")
        .order_by("user__username")
        .values_list("upstream_user_id", "user__username", "user__first_name", "user__last_name")
        .query.sql_with_params()
    )


@cache
def names_query() -> tuple[str, tuple]:
    return CreatorName.objects.values_list("creator_id", "display_name").query.sql_with_params()


def _rows(query: tuple[str, tuple]) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(*query)
        return cursor.fetchall()


class CreatorDirectory:
    """Resolves creator ids for one request (two queries, whatever the number of ids)."""

    def __init__(
        self,
        my_upstream_id: str = "",
        *,
        people: dict[str, str] | None = None,
        names: dict[str, str] | None = None,
    ):
        self.me = my_upstream_id or ""
        self.people = dashboard_people() if people is None else people
        self.names = dict(_rows(names_query())) if names is None else names

    def resolve(self, creator_id) -> Creator:
        cid = "" if creator_id is None else str(creator_id)
        if not cid:
            return Creator("", "unknown")
        # A name staff gave is a person's decision: it stands over what keys suggest.
        person, source = self.names.get(cid, ""), NAMED
        if not person:
            person, source = self.people.get(cid, ""), USER
        if not person:
            source = ""
        if self.me and cid == self.me:
            return Creator(cid, "you", True, person, source)
        return Creator(cid, person or f"unknown user {cid}", False, person, source)
