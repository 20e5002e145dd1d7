"""Recreating one node of a copy plan in the target team, recorded in the action log.

Each node is read again from the source team when its turn comes (the plan holds what to do,
not stale copies of the resources), its references are rewritten to what they became in the
target team (``ids``: plan key → target id, from the nodes already done or mapped), and it is
created with the same call the create forms make (``catalog/seekrflow_forms.py``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import DatabaseError

from dashboard.audit.services import Action, recording, storable
from dashboard.copying.models import CopiedResource
from dashboard.copying.plan import ADD_FILES, INGEST, MAP, Node, lower_keys, singular
from dashboard.jobs.runner import JobError
from dashboard.teams.workspace import Team
from dashboard.upstream import catalog
from dashboard.upstream.catalog import seekrflow_forms as forms
from dashboard.upstream.client import UpstreamClient
from dashboard.upstream.errors import BadResponseError
from dashboard.upstream.files import copy_file

logger = logging.getLogger(__name__)
Progress = Callable[[int, int], None]

# The config keys each tool type is created with (the upstream refuses others).
TOOL_CONFIG = {
    "file_search": ("file_search_index", "embedding_model", "top_k", "score_threshold"),
    "run_python": ("function_ids",),
    "mcp_connector": ("url",),
    "agent_as_tool": ("agent_id",),
    "web_search": (),
}
AGENT_FIELDS = (
    "name",
    "instructions",
    "model_id",
    "planner_model_id",
    "tool_model_id",
    "reasoning_effort",
    "temperature",
    "output",
)
INGESTION = {
    "method": "accuracy-optimized",
    "chunking_method": "markdown",
    "token_count": 800,
    "overlap_tokens": 100,
}


@dataclass(frozen=True)
class CopyContext:
    """Who copies, with which clients, from which team into which."""

    user: Any
    source: UpstreamClient
    target: UpstreamClient
    source_team: Team
    target_team: Team
    job_id: Any = None
    missing: frozenset[str] = frozenset()  # plan keys of references left out of the copy


def copy_node(
    *, context: CopyContext, node: Node, ids: dict[str, str], progress: Progress | None = None
) -> dict:
    """Do one node in the target team; what it made: ``{"kind", "team", "id"}``."""
    if node.action == MAP:
        return _made(context, node.kind, node.mapped_to)
    kind = catalog.get(node.kind)
    if node.action == INGEST:
        return _ingest(context, node, ids)
    if node.action == ADD_FILES:
        return _add_job_files(context, node, ids)
    item = context.source.resources.retrieve(kind, node.source_id)
    what = f"{singular(node.kind)} “{node.name}” ({node.source_id})"
    with recording(
        context.user,
        Action.RESOURCE_CREATED,
        team=context.target_team,
        kind=node.kind,
        detail=f"Copied from {context.source_team.label}: {what}",
    ) as recorded:
        created = _create(context, node, kind, item, ids, progress)
        new_id = str(created.get("id") or "") if isinstance(created, dict) else ""
        if not new_id:
            raise BadResponseError(
                f"The upstream created the copy of the {what} without saying its ID."
            )
        recorded.resource_id = new_id
    _remember_origin(context, node, new_id)
    return _made(context, node.kind, new_id)


def _remember_origin(context: CopyContext, node: Node, new_id: str) -> None:
    """Where the copy came from, for its page; the copy stands even if this cannot be written
    (the action log has it too)."""
    try:
        CopiedResource.objects.create(
            user=context.user,
            team=context.target_team.key,
            kind=node.kind,
            resource_id=storable(new_id, 128),
            source_team=context.source_team.key,
            source_team_label=storable(context.source_team.label, 100),
            source_id=storable(node.source_id, 128),
            source_name=storable(node.name, 300),
            job_id=context.job_id,
        )
    except DatabaseError:
        logger.warning("could not note where copy %s came from", new_id, exc_info=True)


def _made(context: CopyContext, kind: str, resource_id: str) -> dict:
    return {"kind": kind, "team": context.target_team.key, "id": resource_id}


def _create(context, node: Node, kind, item: dict, ids: dict[str, str], progress) -> dict:
    target = context.target.resources
    if kind.copy_fields:  # refers to nothing: created anew from its own fields
        body = {key: item[key] for key in kind.copy_fields if item.get(key) is not None}
        return target.submit(kind, kind.create_form, body=body)
    if node.kind == "files":
        return copy_file(
            source=context.source, target=context.target, file=item, on_progress=progress
        )
    if node.kind == "python-functions":
        code = str(item.get("code") or "").encode("utf-8")
        filename = f"{item.get('name') or node.source_id}.py"
        return target.submit(
            kind, forms.CREATE_FUNCTION, body={}, files={"file": (filename, code, "text/plain")}
        )
    if node.kind == "vector-dbs":
        body = {key: item.get(key) for key in ("name", "model", "description")}
        return target.submit(kind, forms.CREATE_VECTOR_DB, body=body)
    if node.kind == "tools":
        return target.submit(kind, forms.CREATE_TOOL, body=_tool_body(context, item, ids))
    if node.kind == "agents":
        body = {key: item[key] for key in AGENT_FIELDS if item.get(key) is not None}
        body["tool_ids"] = [ids[key] for key in node.depends_on]
        return target.submit(kind, forms.CREATE_AGENT, body=body)
    if node.kind == "projects":
        body = {"id": None, "name": item.get("name"), "description": item.get("description")}
        return target.submit(kind, forms.CREATE_PROJECT, body=body)
    if node.kind == "data-jobs":
        body = {key: item.get(key) for key in ("name", "job_type", "instructions", "system_prompt")}
        vdb = item.get("vector_database_id")
        found = vdb and target_id(context, ids, f"vector-dbs:{vdb}", f"The data job “{node.name}”")
        if found:
            body["vector_database_id"] = found
        return target.submit(kind, forms.CREATE_DATA_JOB, body=body)
    raise BadResponseError(f"A {singular(node.kind)} cannot be copied.")


def target_id(context: CopyContext, ids: dict[str, str], key: str, of: str) -> str | None:
    """What a reference became in the target team; None for one the plan left out. A
    reference the plan did not know of (the resource changed since) stops the step, saying so."""
    if key in ids:
        return ids[key]
    if key in context.missing:
        return None
    kind, _, resource_id = key.partition(":")
    raise JobError(
        f"{of} now refers to the {singular(kind)} {resource_id}, which it did not "
        "when the copy was planned. Plan the copy again."
    )


def _tool_body(context: CopyContext, item: dict, ids: dict[str, str]) -> dict:
    tool_type = str(item.get("type") or "")
    config = lower_keys(item.get("config"))
    kept = {key: config.get(key) for key in TOOL_CONFIG.get(tool_type, ())}
    of = f"The tool “{item.get('name')}”"
    if kept.get("file_search_index"):
        key = f"vector-dbs:{kept['file_search_index']}"
        kept["file_search_index"] = target_id(context, ids, key, of)
    if kept.get("function_ids"):
        functions = [f"python-functions:{f}" for f in kept["function_ids"]]
        kept["function_ids"] = [
            found for key in functions if (found := target_id(context, ids, key, of))
        ]
    body = {
        "type": tool_type,
        "name": item.get("name"),
        "description": item.get("description") or "",
        "config": {key.upper(): value for key, value in kept.items() if value is not None},
    }
    return body


def _ingest(context: CopyContext, node: Node, ids: dict[str, str]) -> dict:
    return _add_files(context, node, ids, forms.ADD_VECTOR_DB_FILES, INGESTION)


def _add_job_files(context: CopyContext, node: Node, ids: dict[str, str]) -> dict:
    return _add_files(context, node, ids, forms.ADD_DATA_JOB_FILES, {"method": INGESTION["method"]})


def _add_files(context: CopyContext, node: Node, ids: dict[str, str], spec, options) -> dict:
    """Give a copied vector database or data job the copies of its files."""
    resource_id = ids[f"{node.kind}:{node.source_id}"]
    file_ids = [ids[key] for key in node.depends_on if key.startswith("files:")]
    with recording(
        context.user,
        Action.RESOURCE_ACTION,
        team=context.target_team,
        kind=node.kind,
        resource_id=resource_id,
        detail=f"{spec.label} (copied from {context.source_team.label}): {', '.join(file_ids)}",
    ):
        context.target.resources.submit(
            catalog.get(node.kind),
            spec,
            body={"file_ids": file_ids, **options},
            resource_id=resource_id,
        )
    return _made(context, node.kind, resource_id)
