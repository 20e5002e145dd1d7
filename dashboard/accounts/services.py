"""Per-user upstream API keys: add (checked upstream first), activate, delete, read, rotate."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from functools import cache, partial

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from dashboard.accounts import crypto
from dashboard.accounts.models import ApiKey
from dashboard.audit.services import Action, Outcome, record_action
from dashboard.prepared import Prepared, prepared
from dashboard.upstream import catalog, errors
from dashboard.upstream.client import UpstreamClient
from dashboard.upstream.fanout import fan_out
from dashboard.upstream.identity import USER_ID, learned_from_personal
from dashboard.upstream.profiles import active_profile

LAST_USED_RESOLUTION = timedelta(minutes=1)


class ApiKeyRefused(Exception):
    """A key operation refused, with a message for the person."""


class OtherAccount(ApiKeyRefused):
    """The key acts as an upstream account another dashboard user's key acts as."""

    def __init__(self, message: str, owners: list[str]):
        super().__init__(message)
        self.owners = owners


def fingerprint_of(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


@sensitive_variables("plaintext")
def check_key(plaintext: str) -> dict:
    """Ask the upstream whether the key works, and learn whose account it is: every kind of
    the personal workspace is read at once, and whatever is in it names its owner."""
    client = UpstreamClient(plaintext)
    kinds = catalog.team_kinds()
    outcomes = fan_out(
        {kind.slug: partial(client.resources.list_page, kind, limit=5) for kind in kinds}
    )
    errors_met = [outcome.error for outcome in outcomes.values() if outcome.error is not None]
    refused = next((e for e in errors_met if isinstance(e, errors.BadKeyError)), None)
    if refused is not None:
        raise ApiKeyRefused(
            f"The upstream rejected this key ({refused.status or 401}). Check that you copied "
            "the whole key."
        ) from refused
    probe = active_profile().probe_kind
    if not outcomes[probe].ok:  # the key could not even be tried
        raise outcomes[probe].error
    return learned_from_personal(
        [(kind, outcomes[kind.slug].value.items) for kind in kinds if outcomes[kind.slug].ok]
    )


def other_owners(*, user, upstream_user_id: str) -> list[str]:
    """The other dashboard users whose saved keys act as ``upstream_user_id``."""
    if not upstream_user_id:
        return []
    others = (
        ApiKey.objects.filter(upstream_user_id=upstream_user_id)
        .exclude(user=user)
        .order_by("user__username")
        .values_list("user__username", flat=True)
        .distinct()
    )
    return list(others)


@sensitive_variables("plaintext")
def add_key(*, user, label: str, plaintext: str, other_account_confirmed: bool = False) -> ApiKey:
    """Save a key after the upstream accepted it, with the account it acts as.

    The same key twice is refused; a key acting as another dashboard user's account raises
    :class:`OtherAccount` unless the person confirmed that this is what they mean.
    """
    plaintext = plaintext.strip()
    label = label.strip()
    if not plaintext:
        raise ApiKeyRefused("Paste the API key.")
    if ApiKey.objects.filter(user=user, label=label).exists():
        raise ApiKeyRefused("You already have a key with this label; choose another label.")
    fingerprint = fingerprint_of(plaintext)
    twin = ApiKey.objects.filter(user=user, fingerprint=fingerprint).first()
    if twin is not None:
        raise ApiKeyRefused(f"You already saved this key, as “{twin.label}” (…{twin.last4}).")
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
    owners = other_owners(user=user, upstream_user_id=learnt.get(USER_ID, ""))
    if owners and not other_account_confirmed:
        raise OtherAccount(
            f"This key acts as upstream user {learnt[USER_ID]}, the account of "
            f"{', '.join(owners)} in this dashboard. Saving it and making it active would make "
            "every page act as them. Tick the box below if that is what you mean.",
            owners,
        )
    try:
        with transaction.atomic():
            first = not ApiKey.objects.filter(user=user, is_active=True).exists()
            key = ApiKey.objects.create(
                user=user,
                label=label,
                ciphertext=crypto.encrypt(plaintext),
                last4=plaintext[-4:],
                fingerprint=fingerprint,
                is_active=first,
                **learnt,
            )
    except IntegrityError as exc:
        raise ApiKeyRefused(
            "You already have this key or a key with this label; choose another label."
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
    """The user's active key, if they have one (the one lookup of it). Every page asks it, so
    its SQL is the ORM's built once (``dashboard.prepared``): building it costs several times
    what running it does."""
    return active_key_query().first(user=user.pk)


@cache
def active_key_query() -> Prepared:
    """``ApiKey.objects.filter(user=…, is_active=True)`` (one row at most: a constraint says
    so)."""
    return prepared(ApiKey.objects.filter(user_id=-1, is_active=True), user=-1)


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
