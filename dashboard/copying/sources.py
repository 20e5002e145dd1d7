"""The source team of a copy, read through the upstream client (see ``plan.Source``)."""

from __future__ import annotations

from dashboard.upstream import catalog
from dashboard.upstream.client import UpstreamClient


class UpstreamSource:
    def __init__(self, client: UpstreamClient):
        self.client = client

    def retrieve(self, kind: str, resource_id: str) -> dict:
        return self.client.resources.retrieve(catalog.get(kind), resource_id)

    def vector_db_files(self, resource_id: str) -> list[dict]:
        vector_dbs = catalog.get("vector-dbs")
        return self.client.resources.sub_list(vector_dbs, 0, resource_id)
