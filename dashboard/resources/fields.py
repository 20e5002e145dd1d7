"""A resource's detail page: every field of an item, labelled and formatted, with links to the
resources its relation fields name."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dashboard import text
from dashboard.people.directory import CreatorDirectory
from dashboard.resources.presentation import (
    TeamNames,
    badge_class,
    humanise_key,
    linkable_id,
    looks_like_timestamp_field,
)
from dashboard.text import reveal
from dashboard.upstream import catalog
from dashboard.upstream.catalog import ResourceKind
from dashboard.upstream.values import parse_timestamp


@dataclass
class Link:
    kind: str  # "" when the id cannot be linked (an unknown kind, an odd id)
    id: str
    text: str = ""


@dataclass
class Field:
    key: str
    label: str
    format: str  # text|datetime|status|bytes|list|json|links|empty|bool|owner|team
    value: Any = None
    badge: str = ""
    links: list[Link] = field(default_factory=list)


def relation_ids(value: Any, id_key: str | None) -> list[str]:
    """The ids a relation field holds: one id, a list of ids, or a list of objects."""
    if value in (None, ""):
        return []
    values = value if isinstance(value, list) else [value]
    ids = []
    for entry in values:
        if isinstance(entry, dict):
            entry = entry.get(id_key or "id")
        if entry not in (None, "") and not isinstance(entry, dict | list):
            ids.append(str(entry))
    return ids


def relation_links(
    kind: ResourceKind, item: dict, names: dict[tuple[str, str], str | None] | None = None
) -> dict[str, list[Link]]:
    """Links to the related resources each relation field names, keyed by field, each by its
    name: carried in the field (an agent's tools) or looked up (``names``, by kind and id; a
    resource looked up and not found in the team is shown by id, without a link)."""
    names = names or {}
    links: dict[str, list[Link]] = {}
    for relation in kind.relations:
        if not relation.applies(item):
            continue
        value = item.get(relation.field)
        carried = {}
        if isinstance(value, list):  # objects (an agent's tools) carry their names
            for entry in value:
                if isinstance(entry, dict):
                    carried[str(entry.get(relation.id_key or "id"))] = entry.get("name") or ""
        known_kind = catalog.get(relation.kind) is not None
        field_links = []
        for rid in relation_ids(value, relation.id_key):
            looked_up = names.get((relation.kind, rid), "")
            here = known_kind and linkable_id(rid) and looked_up is not None
            name = carried.get(rid) or looked_up or rid
            field_links.append(Link(relation.kind if here else "", rid, reveal(str(name))))
        links[relation.field] = field_links
    return links


def field_label(kind: ResourceKind, key: str) -> str:
    """A field's label on a detail page: the kind's column or own label, the catalog's word
    for it, else its name made readable."""
    for column in kind.columns:
        if column.key == key:
            return column.label
    for relation in kind.relations:
        if relation.field == key:
            return relation.label
    return kind.field_labels.get(key) or catalog.FIELD_LABELS.get(key) or humanise_key(key)


def detail_fields(
    kind: ResourceKind,
    item: dict,
    creators: CreatorDirectory,
    teams: TeamNames,
    related: dict[tuple[str, str], str | None] | None = None,
) -> list[Field]:
    """Every field of an item, labelled and formatted: the catalog's columns first, in their
    order, then the rest in the upstream's order. Who owns it and when it was made are the
    Ownership section's, so they are not repeated here."""
    shown_apart = {
        kind.code_field,  # shown as code
        kind.owner_field,
        kind.team_field,
        kind.created_field,
        "updated_at",
        "object",  # the upstream's name for the kind ("fine-tune"): the page says it already
    }
    links = relation_links(kind, item, related)
    ordered = [column.key for column in kind.columns if column.key in item]
    keys = ordered + [key for key in item if key not in ordered]
    return [
        detail_field(kind, key, field_label(kind, key), item[key], links, creators, teams)
        for key in keys
        if key not in shown_apart
    ]


def detail_field(
    kind: ResourceKind,
    key: str,
    label: str,
    raw: Any,
    links: dict[str, list[Link]],
    creators: CreatorDirectory,
    teams: TeamNames,
) -> Field:
    if links.get(key):
        return Field(key, label, "links", links=links[key])
    if raw is None or raw == "" or raw == [] or raw == {}:
        return Field(key, label, "empty")
    if key == kind.owner_field or key in kind.person_fields:
        return Field(key, label, "owner", creators.resolve(raw))
    if key == kind.team_field:
        return Field(key, label, "team", teams.name(str(raw)))
    if key == kind.status_field:
        return Field(key, label, "status", str(raw), badge_class(str(raw)))
    if isinstance(raw, bool):
        return Field(key, label, "bool", raw)
    if (key == "bytes" or key.endswith("_bytes")) and isinstance(raw, int):
        return Field(key, label, "bytes", raw)
    moment = parse_timestamp(raw) if looks_like_timestamp_field(key) else None
    if moment:
        return Field(key, label, "datetime", moment)
    if isinstance(raw, list) and all(
        isinstance(v, str | int | float) and not isinstance(v, bool) for v in raw
    ):
        return Field(key, label, "list", [reveal(str(v)) for v in raw])
    if isinstance(raw, dict | list):
        return Field(key, label, "json", text.pretty_json(raw))
    return Field(key, label, "text", reveal(str(raw)))
