"""The generic list, detail and delete handlers built from ``kinds.py``, shared by the kinds
that behave alike."""

from __future__ import annotations

from typing import Any

from dashboard.sandbox.api import Context
from dashboard.sandbox.kinds import Kind


def list_of(kind: Kind):
    def handler(ctx: Context) -> Any:
        return kind.list(ctx)

    return handler


def detail_of(kind: Kind):
    def handler(ctx: Context, pk) -> dict:
        return kind.serialize(kind.get(ctx.team, pk))

    return handler


def delete_of(kind: Kind):
    def handler(ctx: Context, pk) -> Any:
        return kind.delete(kind.get(ctx.team, pk))

    return handler
