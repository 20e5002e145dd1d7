"""The dashboard's demo login, wired to the sandbox's demo organisation: the same user's API key,
its personal team and the shared teams it belongs to, saved as they would be by hand."""

from __future__ import annotations

import base64

from django.contrib.auth import get_user_model
from django.db import transaction
from django.views.decorators.debug import sensitive_variables

from dashboard.accounts import crypto
from dashboard.accounts.models import ApiKey
from dashboard.sandbox import identity, seed
from dashboard.sandbox.models import SandboxMembership
from dashboard.teams.models import SavedTeam

DEMO_KEY_LABEL = "Demo key"
PASSWORD_LABEL = "dashboard-demo-password"


def demo_password(org: seed.DemoOrg) -> str:
    """The demo login's password: derived from the organisation's seed, so stable across runs."""
    return base64.urlsafe_b64encode(seed.derive(org.secret, PASSWORD_LABEL)).decode()[:16]


def demo_teams(org: seed.DemoOrg) -> list[tuple[str, str]]:
    """The shared teams the demo login should have saved: (id, name)."""
    demo = org.users[seed.DEMO_LOGIN]
    memberships = SandboxMembership.objects.filter(
        user=demo, team__in=[t for t in org.teams.values() if t is not None]
    ).select_related("team")
    return [(str(m.team.pk), m.team.name) for m in memberships.order_by("team__created_at")]


def wire_demo_login(org: seed.DemoOrg) -> None:
    """Give the demo login the organisation's demo user: its key, ids and teams. Idempotent."""
    demo = org.users[seed.DEMO_LOGIN]
    provision_demo_login(
        username=seed.DEMO_LOGIN,
        password=demo_password(org),
        api_key=org.api_key(seed.DEMO_LOGIN),
        upstream_user_id=str(demo.pk),
        personal_team_id=str(identity.personal_team(demo).pk),
        teams=demo_teams(org),
    )


@sensitive_variables("password", "api_key")
@transaction.atomic
def provision_demo_login(
    *,
    username: str,
    password: str,
    api_key: str,
    upstream_user_id: str,
    personal_team_id: str,
    teams: list[tuple[str, str]],
) -> None:
    """Create (or leave as it is) the demo user with its key and saved teams. Idempotent."""
    User = get_user_model()
    user, created = User.objects.get_or_create(username=username, defaults={"is_staff": True})
    if created or not user.check_password(password):
        user.set_password(password)
        user.save(update_fields=["password"])

    existing = ApiKey.objects.filter(user=user, label=DEMO_KEY_LABEL).first()
    if existing is None or _reads_as(existing, api_key) is False:
        if existing is not None:
            existing.delete()
        ApiKey.objects.filter(user=user, is_active=True).update(is_active=False)
        ApiKey.objects.create(
            user=user,
            label=DEMO_KEY_LABEL,
            ciphertext=crypto.encrypt(api_key),
            last4=api_key[-4:],
            is_active=True,
            upstream_user_id=upstream_user_id,
            personal_team_id=personal_team_id,
        )
    for team_id, label in teams:
        SavedTeam.objects.get_or_create(user=user, team_id=team_id, defaults={"label": label})


@sensitive_variables("api_key")
def _reads_as(key: ApiKey, api_key: str) -> bool:
    try:
        return crypto.decrypt(key.ciphertext) == api_key
    except crypto.KeyDecryptionError:
        return False
