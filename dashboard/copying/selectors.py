"""Reads for the copy pages: the plan, and what the target team already has that a dependency
could be mapped to."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

from dashboard.copying.plan import Plan, build_plan, build_plan_many, with_mapping
from dashboard.copying.sources import UpstreamSource
from dashboard.upstream import catalog
from dashboard.upstream.client import UpstreamClient
from dashboard.upstream.errors import UpstreamError
from dashboard.upstream.fanout import fan_out


@dataclass
class CopyOptions:
    """The plan as mapped, and per mappable node what the target team offers instead."""

    plan: Plan
    mapping: dict[str, str]
    choices: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # key → (id, name)
    problems: dict[str, UpstreamError] = field(default_factory=dict)  # kind → why unreadable


def copy_options(
    *,
    source: UpstreamClient,
    target: UpstreamClient,
    wanted: list[tuple[str, str]],
    mapping: dict[str, str] | None,
    names: dict[str, str] | None = None,
    single: bool = False,
) -> CopyOptions:
    """Read the plan copying ``wanted`` (kind, id) from the source team, the target team's
    resources of each mappable kind (side by side), and keep only the mapping choices that
    exist there. With no mapping yet (the first look), each dependency is mapped to the one
    target resource of its kind and name, if there is one. ``single``: one resource, from its
    page (gone: ``NotFoundError``); else rows of a list or a handover, those gone or not
    copyable left out with a note (naming them by ``names``, plan key → name)."""
    read = UpstreamSource(source)
    if single:  # one resource, from its page: a fine-tune's files are offered instead
        full = build_plan(read, *wanted[0])
    else:
        read.prefetch(wanted)
        full = build_plan_many(read, wanted, names)
    kinds = sorted({node.kind for node in full.nodes if node.mappable})
    outcomes = fan_out(
        {slug: partial(target.resources.list_all, catalog.get(slug)) for slug in kinds}
    )
    offered: dict[str, list[tuple[str, str]]] = {}
    problems: dict[str, UpstreamError] = {}
    for slug, outcome in outcomes.items():
        if outcome.ok:
            kind_ = catalog.get(slug)
            offered[slug] = [(kind_.item_id(item), kind_.item_name(item)) for item in outcome.value]
        else:
            problems[slug] = outcome.error
    choices = {
        n.key: offered.get(n.kind, [])
        for n in full.nodes
        if n.mappable and n.key not in full.roots  # what is copied is copied, not swapped
    }
    if mapping is None:
        mapping = _same_names(full, choices)
    valid = {
        key: target_id
        for key, target_id in mapping.items()
        if target_id in {option for option, _ in choices.get(key, [])}
    }
    return CopyOptions(with_mapping(full, valid), valid, choices, problems)


def _same_names(plan: Plan, choices: dict[str, list[tuple[str, str]]]) -> dict[str, str]:
    mapping = {}
    for node in plan.nodes:
        named = [option for option, name in choices.get(node.key, []) if name == node.name]
        if len(named) == 1:
            mapping[node.key] = named[0]
    return mapping
