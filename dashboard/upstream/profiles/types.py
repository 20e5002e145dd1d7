"""What an upstream profile says: everything that differs between upstreams shaped alike.

A :class:`Profile` is data, like a catalog kind: how the API key is sent, which header picks the
team (or that a team is chosen by choosing its key), how error answers read, whether single
objects come wrapped, which kinds of resources there are (its catalog registry) and which of the
dashboard's features the upstream has room for. The client, the error mapping and the
navigation read the active profile; nothing else knows which upstream it talks to.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from dashboard.upstream.catalog.registry import Registry


class Feature(enum.StrEnum):
    """Parts of the dashboard an upstream may or may not have room for."""

    THREADS = "threads"  # personal conversations with agents
    UPLOADS = "uploads"  # the upload assistant (files sent to the upstream)


@dataclass(frozen=True)
class ErrorDialect:
    """How an upstream's error answers read.

    ``message_keys``: where a JSON error body holds its message, in the order looked at.
    ``key_rejected``: statuses meaning "this key was refused". ``not_a_member``: statuses
    meaning "not allowed in this team". Where one status means both (RunGen.AI answers 403 for
    a bad key), a team call refused with it is asked again without the team to tell them apart.
    """

    message_keys: tuple[str, ...] = ("detail", "message", "error")
    key_rejected: frozenset[int] = frozenset({401})
    not_a_member: frozenset[int] = frozenset({403})

    def ambiguous(self, status: int) -> bool:
        return status in self.key_rejected and status in self.not_a_member


@dataclass(frozen=True)
class Profile:
    slug: str  # the value of UPSTREAM_PROFILE
    label: str  # the upstream's name, as people know it
    registry: Registry  # its kinds of resources
    probe_kind: str  # the kind whose one-item list cheaply checks a key in a team
    key_header: str = "Authorization"
    key_scheme: str = ""  # put before the key with a space ("Bearer"); empty: the key alone
    team_header: str | None = "x-team-id"  # None: a team is chosen by choosing its key
    errors: ErrorDialect = field(default_factory=ErrorDialect)
    # Single objects may come as {"data": {...}} (sometimes, or always): unwrapped when so.
    single_wrapped: bool = False
    features: frozenset[Feature] = frozenset()
    sandbox_path: str = "sandbox"  # where the embedded sandbox speaks this dialect

    def has(self, feature: Feature) -> bool:
        return feature in self.features

    @property
    def tells_sizes(self) -> bool:
        """Whether any of its kinds says how much storage an item takes (files do)."""
        return any(kind.size_field for kind in self.registry.all_kinds())

    def single(self, payload: Any) -> Any:
        """One object out of an answer, unwrapped from ``{"data": {...}}`` where the profile
        says single objects may come so (an object of its own, with an id and a ``data``
        field, stays whole)."""
        if (
            self.single_wrapped
            and isinstance(payload, dict)
            and isinstance(payload.get("data"), dict)
            and "id" not in payload
        ):
            return payload["data"]
        return payload
