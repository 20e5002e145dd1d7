"""The registries of resource kinds, in the spirit of Django admin's site registry: each
upstream profile's kinds are registered once in a :class:`Registry` of their own, and generic
views, the overview, the audit and the service layer read the active profile's through the
functions here (``get``, ``all_kinds``, ``team_kinds``)."""

from __future__ import annotations

from collections.abc import Iterator

from dashboard.upstream.catalog.types import ResourceKind, Scope


class AlreadyRegistered(Exception):
    pass


class Registry:
    """The kinds one upstream offers, by slug, in the order they were registered."""

    def __init__(self, name: str):
        self.name = name
        self._kinds: dict[str, ResourceKind] = {}

    def __repr__(self) -> str:
        return f"<Registry {self.name}: {len(self._kinds)} kinds>"

    def register(self, kind: ResourceKind) -> ResourceKind:
        if kind.slug in self._kinds:
            raise AlreadyRegistered(kind.slug)
        self._kinds[kind.slug] = kind
        return kind

    def get(self, slug: str) -> ResourceKind | None:
        return self._kinds.get(slug)

    def all_kinds(self) -> Iterator[ResourceKind]:
        return iter(self._kinds.values())

    def team_kinds(self) -> list[ResourceKind]:
        return [k for k in self._kinds.values() if k.scope is Scope.TEAM]


def active() -> Registry:
    """The registry of the upstream profile this deployment talks to."""
    from dashboard.upstream.profiles import active_profile

    return active_profile().registry


def get(slug: str) -> ResourceKind | None:
    return active().get(slug)


def all_kinds() -> Iterator[ResourceKind]:
    return active().all_kinds()


def team_kinds() -> list[ResourceKind]:
    return active().team_kinds()
