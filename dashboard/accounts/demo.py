"""The dashboard's demo login, wired to the sandbox's demo organisation by ``sandbox_seed``."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.views.decorators.debug import sensitive_variables

from dashboard.accounts import crypto
from dashboard.accounts.models import ApiKey
from dashboard.teams.models import SavedTeam

DEMO_KEY_LABEL = "Demo key"


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
