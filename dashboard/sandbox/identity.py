"""Who calls the sandbox and in which team: users, API keys, personal workspaces, teams, roles.

API keys are stored only as SHA-256 hashes. Every user has a personal workspace (a team of one,
where they are admin); shared teams have members with roles. :func:`team_for_header` applies
the team rules every team endpoint shares.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid

from django.db import transaction

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
    key = SandboxApiKey.objects.select_related("user").filter(key_hash=hash_key(api_key)).first()
    return key.user if key else None


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
    return SandboxTeam.objects.get(personal_of=user)


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
    teams = SandboxTeam.objects.filter(pk=team_id, memberships__user=user)
    if not personal_id_allowed:
        teams = teams.filter(personal_of=None)
    team = teams.first()
    if team is None:
        raise errors.Forbidden(message)
    return team
