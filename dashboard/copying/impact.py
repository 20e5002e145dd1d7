"""What deleting resources would break: for each, what in the same team depends on it (a tool's
agents, a vector database's or function's tools, a file's fine-tunes, vector databases and data
jobs). Read side by side; a part that cannot be read says so rather than claiming "nothing"."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

from dashboard.copying.plan import lower_keys
from dashboard.upstream import catalog
from dashboard.upstream.client import UpstreamClient
from dashboard.upstream.fanout import fan_out


@dataclass
class Impact:
    """Per resource id, the sentences saying what depends on it; and what could not be read."""

    uses: dict[str, list[str]] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)

    def add(self, resource_id: str, sentence: str) -> None:
        self.uses.setdefault(resource_id, []).append(sentence)


def _names(items: list[dict], kind_slug: str) -> str:
    kind = catalog.get(kind_slug)
    return ", ".join(f"“{kind.item_name(item)}”" for item in items)


def impact_of(client: UpstreamClient, kind_slug: str, ids: list[str]) -> Impact:
    impact = Impact()
    wanted = set(ids)
    calls = {}
    if kind_slug == "tools":
        calls = {
            ("agents", tool_id): partial(
                client.resources.sub_list, catalog.get("tools"), 0, tool_id
            )
            for tool_id in ids
        }
    elif kind_slug in ("vector-dbs", "python-functions"):
        calls = {("tools", ""): partial(client.resources.list_all, catalog.get("tools"))}
    elif kind_slug == "files":
        calls = {
            (slug, ""): partial(client.resources.list_all, catalog.get(slug))
            for slug in ("fine-tunes", "vector-dbs", "data-jobs")
        }
    outcomes = fan_out(calls)
    for (slug, resource_id), outcome in outcomes.items():
        if not outcome.ok:
            impact.unknown.append(
                f"Whether any {catalog.get(slug).label.lower()} use them could not be checked: "
                f"{outcome.error.message}"
            )
            continue
        if slug == "agents" and outcome.value:
            impact.add(resource_id, f"Used by the agents {_names(outcome.value, 'agents')}.")
        elif slug == "tools":
            _tools_using(impact, outcome.value, wanted, kind_slug)
        elif slug == "fine-tunes":
            for item in outcome.value:
                used = {*item.get("training_files", ()), *item.get("validation_files", ())}
                for file_id in wanted & {str(f) for f in used}:
                    impact.add(file_id, f"Trained on by the fine-tune {_names([item], slug)}.")
    if kind_slug == "files":
        _files_in(client, impact, outcomes, wanted)
    return impact


def _tools_using(impact: Impact, tools: list[dict], wanted: set[str], kind_slug: str) -> None:
    for tool in tools:
        config = lower_keys(tool.get("config"))
        if kind_slug == "vector-dbs":
            used = {str(config.get("file_search_index") or "")}
            verb = "Searched by"
        else:
            used = {str(f) for f in config.get("function_ids") or ()}
            verb = "Run by"
        for resource_id in wanted & used:
            impact.add(resource_id, f"{verb} the tool {_names([tool], 'tools')}.")


def _files_in(client: UpstreamClient, impact: Impact, outcomes, wanted: set[str]) -> None:
    """Files in vector databases and data jobs: one read of each database's files, and of each
    data job (its list does not name its files), side by side."""
    holders = {}
    for slug in ("vector-dbs", "data-jobs"):
        outcome = outcomes.get((slug, ""))
        for item in outcome.value if outcome is not None and outcome.ok else ():
            kind = catalog.get(slug)
            reader = (
                partial(client.resources.sub_list, kind, 0, kind.item_id(item))
                if slug == "vector-dbs"
                else partial(client.resources.retrieve, kind, kind.item_id(item))
            )
            holders[(slug, kind.item_id(item), kind.item_name(item))] = reader
    for (slug, _, name), outcome in fan_out(holders).items():
        if not outcome.ok:
            impact.unknown.append(f"The files of “{name}” could not be checked.")
            continue
        listed = outcome.value if slug == "vector-dbs" else outcome.value.get("files") or []
        held = {str(f.get("file_id") or f.get("id")) for f in listed if isinstance(f, dict)}
        where = "vector database" if slug == "vector-dbs" else "data job"
        for file_id in wanted & held:
            impact.add(file_id, f"In the {where} “{name}”.")
