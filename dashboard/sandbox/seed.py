"""Seeding the demo organisation (see :mod:`~dashboard.sandbox.demo_content`) and describing it.

Ids are random per database. The demo API keys are not stored anywhere: they are derived
(HMAC-SHA256) from a random secret kept in :class:`SandboxSecret`, so every run of the seed can
print the same keys again while the database holds only their hashes; :func:`derive` gives
other such values from the same secret, each under its own label. Seeding is one transaction
and happens once: later runs find the organisation and only describe it (adding the RunGen apps
to an organisation seeded before there were any).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from django.db import transaction

from dashboard.sandbox import identity
from dashboard.sandbox.demo_content import DEMO_LOGIN, TEAMS, USERS, build, build_rungen
from dashboard.sandbox.models import SandboxApp, SandboxSecret, SandboxTeam, SandboxUser

SECRET_NAME = "demo-seed"


# --- Derived secrets ------------------------------------------------------------------------
def _secret() -> str:
    row, _ = SandboxSecret.objects.get_or_create(
        name=SECRET_NAME, defaults={"value": secrets.token_hex(32)}
    )
    return row.value


def derive(secret: str, label: str) -> bytes:
    """A value of the seed's secret for ``label``: the same on every run, stored nowhere."""
    return hmac.new(secret.encode(), label.encode(), hashlib.sha256).digest()


def demo_key(secret: str, username: str) -> str:
    return "sk-sbx-" + derive(secret, username).hex()[:40]


# --- The seed and its description ---------------------------------------------------------------
@dataclass
class DemoOrg:
    secret: str
    users: dict[str, SandboxUser]
    teams: dict[str, SandboxTeam]
    created: bool
    rungen_added: bool = False  # RunGen apps added to an organisation seeded before them

    def api_key(self, username: str) -> str:
        return demo_key(self.secret, username)

    def describe(self) -> dict:
        """The organisation for scripts: users with keys, ids, personal and shared teams."""
        teams = {name: _describe_team(team) for name, team in self.teams.items()}
        return {
            "users": [
                {
                    "username": username,
                    "org_role": user.org_role,
                    "api_key": self.api_key(username),
                    "user_id": user.pk,
                    "personal_team_id": str(identity.personal_team(user).pk),
                    "teams": [
                        {**teams[name], "role": role}
                        for name, members in TEAMS
                        for member, role in members
                        if member == username
                    ],
                }
                for username, user in self.users.items()
            ],
            "teams": list(teams.values()),
        }


def _describe_team(team: SandboxTeam) -> dict:
    memberships = team.memberships.select_related("user").order_by("pk")
    return {
        "id": str(team.pk),
        "name": team.name,
        "members": [{"username": m.user.username, "role": m.role} for m in memberships],
    }


def _find_team(name: str) -> SandboxTeam:
    return (
        SandboxTeam.objects.filter(
            name=name, personal_of=None, memberships__user__username=DEMO_LOGIN
        )
        .order_by("created_at")
        .first()
    )


@transaction.atomic
def seed() -> DemoOrg:
    """Create the demo organisation unless it exists; either way, return it. Idempotent."""
    secret = _secret()
    created = not SandboxUser.objects.filter(username=USERS[0][0]).exists()
    if created:
        users = {}
        for username, org_role in USERS:
            users[username], _ = identity.create_user(
                username, org_role=org_role, api_key=demo_key(secret, username)
            )
        teams = {
            name: identity.create_team(name, [(users[u], role) for u, role in members])
            for name, members in TEAMS
        }
        build(users, teams)
    users = {username: SandboxUser.objects.get(username=username) for username, _ in USERS}
    for username, user in users.items():
        identity.add_api_key(user, demo_key(secret, username), label="demo")
    teams = {name: _find_team(name) for name, _ in TEAMS}
    rungen_added = False
    if not SandboxApp.objects.filter(creator__in=users.values()).exists():
        build_rungen(users, teams)
        rungen_added = not created
    return DemoOrg(
        secret=secret, users=users, teams=teams, created=created, rungen_added=rungen_added
    )
