"""Who calls the sandbox and in which team: users, API keys, personal workspaces, teams, roles.

API keys are stored only as SHA-256 hashes. Every user has a personal workspace (a team of one,
where they are admin); shared teams have members with roles. :func:`team_for_header` applies
the team rules every team endpoint shares.

Every sandbox request reads its key's user and its team, each in one query whose SQL the ORM
builds once per process (``dashboard.prepared``): building it anew for each request costs
several times what running it does. Nothing read is kept between requests, so a revoked key
or membership is refused from the very next call.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from functools import cache

from django.db import connection, transaction

from dashboard.prepared import Prepared, prepared
from dashboard.sandbox import errors
from dashboard.sandbox.enums import check_choice
from dashboard.sandbox.models import SandboxApiKey, SandboxMembership, SandboxTeam, SandboxUser

NOT_A_MEMBER = "You are not a member of this team, or the team does not exist."


def hash_key(api_key: str) -> str:
    return hashlib.sha256(api_key.encode()).hexdigest()


def new_api_key() -> str:
    return "sk-sbx-" + secrets.token_urlsafe(32)


def add_api_key(user: SandboxUser, api_key: str, *, label: str = "") -> SandboxApiKey:
    """Let ``api_key`` sign in as ``user`` (only its hash is stored). Idempotent."""
    key, _ = SandboxApiKey.objects.get_or_create(
        key_hash=hash_key(api_key), defaults={"user": user, "label": label}
    )
    return key


def user_for_key(api_key: str) -> SandboxUser | None:
    if not api_key:
        return None
    return _user_by_key().first(key_hash=hash_key(api_key))


@transaction.atomic
def create_user(
    username: str, *, org_role: str = SandboxUser.OrgRole.MEMBER, api_key: str | None = None
) -> tuple[SandboxUser, str]:
    """A user with a personal workspace and an API key: ``api_key``, or a fresh random one.

    The key is returned; only its hash is stored.
    """
    check_choice(org_role, SandboxUser.OrgRole.values, "organisation role")
    user = SandboxUser.objects.create(username=username, org_role=org_role)
    team = SandboxTeam.objects.create(name=f"{username} (personal)", personal_of=user)
    SandboxMembership.objects.create(team=team, user=user, role=SandboxMembership.Role.ADMIN)
    api_key = api_key or new_api_key()
    add_api_key(user, api_key, label="default")
    return user, api_key


def personal_team(user: SandboxUser) -> SandboxTeam:
    team = _personal_team().first(user=user.pk)
    if team is None:
        raise SandboxTeam.DoesNotExist("SandboxTeam matching query does not exist.")
    return team


def add_member(team: SandboxTeam, user: SandboxUser, role: str) -> SandboxMembership:
    check_choice(role, SandboxMembership.Role.values, "team role")
    membership, _ = SandboxMembership.objects.update_or_create(
        team=team, user=user, defaults={"role": role}
    )
    return membership


@transaction.atomic
def create_team(name: str, members: list[tuple[SandboxUser, str]]) -> SandboxTeam:
    team = SandboxTeam.objects.create(name=name)
    for user, role in members:
        add_member(team, user, role)
    return team


def team_for_header(
    user: SandboxUser,
    header: str | None,
    *,
    message: str = NOT_A_MEMBER,
    personal_id_allowed: bool = True,
) -> SandboxTeam:
    """The team a request acts in: its team header, or the personal workspace without one.

    A malformed id, an unknown team and a team the user is not in all get the same 403
    (``message``), so the answer never reveals whether a team exists. Without
    ``personal_id_allowed`` (an API whose personal areas have no team id), the id of the
    user's own personal workspace is such an unknown team too.
    """
    header = (header or "").strip()
    if not header:
        return personal_team(user)
    try:
        team_id = uuid.UUID(header)
    except ValueError:
        raise errors.Forbidden(message) from None
    team = _member_team(personal_id_allowed).first(team=_team_pk(team_id), user=user.pk)
    if team is None:
        raise errors.Forbidden(message)
    return team


# --- The per-request reads, their SQL built once (``dashboard.prepared``) -------------------
def _team_pk(team_id: uuid.UUID):
    return SandboxTeam._meta.pk.get_db_prep_value(team_id, connection)


# Stand-ins the queries are built with.
_KEY_HASH = "\x00key hash\x00"
_TEAM_ID = uuid.UUID(int=0)
_USER_ID = -1


@cache
def _user_by_key() -> Prepared:
    """``SandboxUser.objects.filter(api_keys__key_hash=…)`` (key hashes are unique)."""
    return prepared(SandboxUser.objects.filter(api_keys__key_hash=_KEY_HASH), key_hash=_KEY_HASH)


@cache
def _personal_team() -> Prepared:
    """``SandboxTeam.objects.filter(personal_of=…)`` (one team per user at most)."""
    return prepared(SandboxTeam.objects.filter(personal_of=_USER_ID), user=_USER_ID)


@cache
def _member_team(personal_id_allowed: bool) -> Prepared:
    """``SandboxTeam.objects.filter(pk=…, memberships__user=…)``, less personal workspaces
    unless ``personal_id_allowed`` (a user is a member of a team once at most)."""
    teams = SandboxTeam.objects.filter(pk=_TEAM_ID, memberships__user=_USER_ID)
    if not personal_id_allowed:
        teams = teams.filter(personal_of=None)
    return prepared(teams, team=_team_pk(_TEAM_ID), user=_USER_ID)
