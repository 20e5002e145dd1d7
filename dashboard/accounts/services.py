"""Per-user upstream API keys: add (checked upstream first), activate, delete, read, rotate."""

from __future__ import annotations

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from dashboard.accounts import crypto
from dashboard.accounts.models import ApiKey
from dashboard.audit.services import Action, Outcome, record_action
from dashboard.upstream import errors
from dashboard.upstream.catalog import FILES
from dashboard.upstream.client import UpstreamClient
from dashboard.upstream.identity import learned_from_personal

LAST_USED_RESOLUTION = timedelta(minutes=1)


class ApiKeyRefused(Exception):
    """A key operation refused, with a message for the person."""


@sensitive_variables("plaintext")
def check_key(plaintext: str) -> dict:
    """Ask the upstream whether the key works; learn what the personal workspace reveals."""
    client = UpstreamClient(plaintext)
    try:
        page = client.resources.list_page(FILES, limit=5)
    except errors.BadKeyError as exc:
        raise ApiKeyRefused(
            "The upstream rejected this key (401). Check that you copied the whole key."
        ) from exc
    return learned_from_personal([(FILES, page.items)])


@sensitive_variables("plaintext")
def add_key(*, user, label: str, plaintext: str) -> ApiKey:
    plaintext = plaintext.strip()
    label = label.strip()
    if not plaintext:
        raise ApiKeyRefused("Paste the API key.")
    if ApiKey.objects.filter(user=user, label=label).exists():
        raise ApiKeyRefused("You already have a key with this label; choose another label.")
    try:
        learnt = check_key(plaintext)
    except ApiKeyRefused:
        record_action(
            user,
            Action.KEY_ADDED,
            kind="api-key",
            outcome=Outcome.REFUSED,
            detail=f"'{label}' rejected by the upstream",
        )
        raise
    try:
        with transaction.atomic():
            first = not ApiKey.objects.filter(user=user, is_active=True).exists()
            key = ApiKey.objects.create(
                user=user,
                label=label,
                ciphertext=crypto.encrypt(plaintext),
                last4=plaintext[-4:],
                is_active=first,
                **learnt,
            )
    except IntegrityError as exc:
        raise ApiKeyRefused(
            "You already have a key with this label; choose another label."
        ) from exc
    _record_key(user, Action.KEY_ADDED, key.pk, key)
    return key


def activate_key(*, user, key_id: int) -> ApiKey:
    with transaction.atomic():
        key = ApiKey.objects.select_for_update().get(user=user, pk=key_id)
        ApiKey.objects.filter(user=user, is_active=True).exclude(pk=key.pk).update(is_active=False)
        if not key.is_active:
            key.is_active = True
            key.save(update_fields=["is_active"])
    _record_key(user, Action.KEY_ACTIVATED, key.pk, key)
    return key


def delete_key(*, user, key_id: int) -> None:
    with transaction.atomic():
        key = ApiKey.objects.select_for_update().get(user=user, pk=key_id)
        was_active = key.is_active
        key.delete()
        if was_active:
            successor = ApiKey.objects.filter(user=user).order_by("-created_at").first()
            if successor:
                successor.is_active = True
                successor.save(update_fields=["is_active"])
    _record_key(user, Action.KEY_REMOVED, key_id, key)


def _record_key(user, action: str, key_id: int, key: ApiKey) -> None:
    detail = f"'{key.label}' (…{key.last4})"
    record_action(user, action, kind="api-key", resource_id=str(key_id), detail=detail)


def active_key(user) -> ApiKey | None:
    """The user's active key, if they have one (the one lookup of it)."""
    return ApiKey.objects.filter(user=user, is_active=True).first()


@sensitive_variables("plaintext")
def client_for_key(key: ApiKey, team_id: str | None = None) -> UpstreamClient:
    """A client acting with ``key`` in ``team_id`` (None: the personal workspace)."""
    try:
        plaintext = crypto.decrypt(key.ciphertext)
    except crypto.KeyDecryptionError as exc:
        raise errors.ApiKeyUnreadableError() from exc
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at > LAST_USED_RESOLUTION:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
    return UpstreamClient(plaintext, team_id)


def rotate_all() -> tuple[int, int]:
    """Re-encrypt every stored key under the newest encryption key: (rotated, unreadable)."""
    rotated = unreadable = 0
    for key in ApiKey.objects.all().only("pk", "ciphertext").iterator():
        try:
            new = crypto.rotate(key.ciphertext)
        except crypto.KeyDecryptionError:
            unreadable += 1
            continue
        ApiKey.objects.filter(pk=key.pk).update(ciphertext=new)
        rotated += 1
    return rotated, unreadable
