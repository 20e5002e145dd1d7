"""The source team of a copy, read through the upstream client (see ``plan.Source``)."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from dashboard.upstream import catalog
from dashboard.upstream.client import UpstreamClient
from dashboard.upstream.fanout import fan_out


class UpstreamSource:
    def __init__(self, client: UpstreamClient):
        self.client = client
        self._read: dict[tuple[str, str], object] = {}  # (kind, id) → its Outcome

    def prefetch(self, wanted: Iterable[tuple[str, str]]) -> None:
        """Read these side by side now; ``retrieve`` then answers them (or raises what the
        upstream answered) without asking again."""
        calls = {
            (kind, resource_id): partial(
                self.client.resources.retrieve, catalog.get(kind), resource_id
            )
            for kind, resource_id in wanted
            if catalog.get(kind) is not None and (kind, resource_id) not in self._read
        }
        self._read.update(fan_out(calls))

    def retrieve(self, kind: str, resource_id: str) -> dict:
        outcome = self._read.pop((kind, resource_id), None)
        if outcome is not None:
            if not outcome.ok:
                raise outcome.error
            return outcome.value
        return self.client.resources.retrieve(catalog.get(kind), resource_id)

    def vector_db_files(self, resource_id: str) -> list[dict]:
        vector_dbs = catalog.get("vector-dbs")
        return self.client.resources.sub_list(vector_dbs, 0, resource_id)
