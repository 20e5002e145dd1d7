"""The dashboard's demo login, wired to the sandbox's demo organisation: the same user's API key,
its personal team and the shared teams it belongs to, saved as they would be by hand.

The organisation's other members are dashboard users too, each with their own key (and no
password: nobody signs in as them), as colleagues who use the dashboard would be; so the demo
shows creators by name, as it would in a company where everyone uses it."""

from __future__ import annotations

import base64

from django.contrib.auth import get_user_model
from django.db import transaction
from django.views.decorators.debug import sensitive_variables

from dashboard.accounts import crypto
from dashboard.accounts.models import ApiKey
from dashboard.accounts.services import fingerprint_of
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
    """Give the demo login the organisation's demo user: its key, ids and teams; and each
    other member a dashboard user with their own key. Idempotent."""
    demo = org.users[seed.DEMO_LOGIN]
    provision_demo_login(
        username=seed.DEMO_LOGIN,
        password=demo_password(org),
        api_key=org.api_key(seed.DEMO_LOGIN),
        upstream_user_id=str(demo.pk),
        personal_team_id=str(identity.personal_team(demo).pk),
        teams=demo_teams(org),
    )
    for username, member in org.users.items():
        if username != seed.DEMO_LOGIN:
            provision_colleague(
                username=username,
                api_key=org.api_key(username),
                upstream_user_id=str(member.pk),
                personal_team_id=str(identity.personal_team(member).pk),
            )


@sensitive_variables("api_key")
@transaction.atomic
def provision_colleague(
    *, username: str, api_key: str, upstream_user_id: str, personal_team_id: str
) -> None:
    """A dashboard user for a colleague, with their key, who cannot sign in. Idempotent."""
    user, created = get_user_model().objects.get_or_create(
        username=username, defaults={"first_name": username.capitalize()}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    _keep_key(user, f"{username.capitalize()}'s key", api_key, upstream_user_id, personal_team_id)


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

    _keep_key(user, DEMO_KEY_LABEL, api_key, upstream_user_id, personal_team_id)
    for team_id, label in teams:
        SavedTeam.objects.get_or_create(user=user, team_id=team_id, defaults={"label": label})


@sensitive_variables("api_key")
def _keep_key(user, label: str, api_key: str, upstream_user_id: str, personal_team_id: str):
    """``api_key`` as the user's active key under ``label`` (replaced if it changed)."""
    existing = ApiKey.objects.filter(user=user, label=label).first()
    if existing is not None and _reads_as(existing, api_key):
        return
    if existing is not None:
        existing.delete()
    ApiKey.objects.filter(user=user, is_active=True).update(is_active=False)
    ApiKey.objects.create(
        user=user,
        label=label,
        ciphertext=crypto.encrypt(api_key),
        last4=api_key[-4:],
        fingerprint=fingerprint_of(api_key),
        is_active=True,
        upstream_user_id=upstream_user_id,
        personal_team_id=personal_team_id,
    )


@sensitive_variables("api_key")
def _reads_as(key: ApiKey, api_key: str) -> bool:
    try:
        return crypto.decrypt(key.ciphertext) == api_key
    except crypto.KeyDecryptionError:
        return False
