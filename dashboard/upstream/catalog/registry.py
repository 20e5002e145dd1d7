"""The registry of resource kinds, in the spirit of Django admin's site registry: each kind is
registered once, and generic views, the overview, the audit and the service layer read it."""

from __future__ import annotations

from collections.abc import Iterator

from dashboard.upstream.catalog.types import ResourceKind, Scope


class AlreadyRegistered(Exception):
    pass


_registry: dict[str, ResourceKind] = {}


def register(kind: ResourceKind) -> ResourceKind:
    if kind.slug in _registry:
        raise AlreadyRegistered(kind.slug)
    _registry[kind.slug] = kind
    return kind


def get(slug: str) -> ResourceKind | None:
    return _registry.get(slug)


def all_kinds() -> Iterator[ResourceKind]:
    return iter(_registry.values())


def team_kinds() -> list[ResourceKind]:
    return [k for k in _registry.values() if k.scope is Scope.TEAM]
