"""What must hold of every registered kind, checked when the dashboard starts.

Like the admin's ``checks_class``: a mistake in a kind's description (a relation to a kind that
does not exist, a sort on a column the kind does not have, a path without its ``{id}``) is
reported by ``manage.py check`` (and before ``runserver`` and ``migrate``), not found later as
a broken page.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from string import Formatter

from django.core.checks import Error
from django.core.exceptions import ImproperlyConfigured

from dashboard.upstream.catalog.forms import FieldType, FormSpec
from dashboard.upstream.catalog.registry import Registry
from dashboard.upstream.catalog.types import Column, Format, ResourceKind

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def _error(kind: ResourceKind, message: str, number: int) -> Error:
    return Error(
        f"Resource kind {kind.slug!r}: {message}", obj=kind.slug, id=f"catalog.E{number:03d}"
    )


def _column_errors(kind: ResourceKind, columns: Iterable[Column], where: str) -> list[Error]:
    errors = []
    keys = [column.key for column in columns]
    if len(keys) != len(set(keys)):
        errors.append(_error(kind, f"{where} has a column twice.", 2))
    errors += [
        _error(kind, f"{where} column {column.key!r} has an unknown format {column.format!r}.", 3)
        for column in columns
        if not isinstance(column.format, Format)
    ]
    return errors


def _path_errors(kind: ResourceKind) -> list[Error]:
    paths = {"detail_path": kind.detail_path, "delete_path": kind.delete_path}
    paths["content_path"] = kind.content_path
    paths.update({f"action {a.name!r}": a.path for a in kind.actions})
    paths.update({f"sub-list {s.label!r}": s.path for s in kind.sub_lists})
    return [
        _error(kind, f"{name} {path!r} must name the resource with {{id}}, and nothing else.", 4)
        for name, path in paths.items()
        if path is not None and _placeholders(path) != ["id"]
    ]


def _placeholders(path: str) -> list[str]:
    """The ``{…}`` names of a path, in order (``"?"`` for a brace that is not well formed)."""
    try:
        return [name for _, name, _, _ in Formatter().parse(path) if name is not None]
    except ValueError:
        return ["?"]


def _form_errors(kind: ResourceKind, spec: FormSpec, known_slugs: set[str]) -> list[Error]:
    where = f"form {spec.name!r}"
    errors = []
    expected = [] if spec.name == "create" else ["id"]
    for name, path in (("path", spec.path), ("diff path", spec.diff_path)):
        if path is not None and _placeholders(path) != expected:
            needs = "no placeholder" if spec.name == "create" else "{id}, and nothing else"
            errors.append(_error(kind, f"{where} {name} {path!r} must have {needs}.", 10))
    keys = [declared.key for declared in spec.fields]
    if len(keys) != len(set(keys)):
        errors.append(_error(kind, f"{where} has a field twice.", 11))
    for declared in spec.fields:
        unknown = [key for key, _ in declared.when if key not in keys]
        if unknown:
            errors.append(
                _error(kind, f"{where} field {declared.key!r} depends on unknown {unknown}.", 12)
            )
        choosing = declared.type in (FieldType.CHOICE, FieldType.CHOICES)
        if choosing != (declared.choices is not None):
            errors.append(
                _error(kind, f"{where} field {declared.key!r}: choices go with choice fields.", 13)
            )
        source = declared.choices
        if source is not None and source.kind and source.kind not in known_slugs:
            errors.append(
                _error(kind, f"{where} field {declared.key!r} chooses unknown {source.kind!r}.", 5)
            )
    if spec.multipart != any(declared.type is FieldType.FILE for declared in spec.fields):
        errors.append(_error(kind, f"{where} sends a file exactly when it is multipart.", 14))
    if spec.follow is not None and (
        not spec.on_resource or _placeholders(spec.follow.path) != ["id", "result"]
    ):
        errors.append(
            _error(
                kind,
                f"{where} follows at {spec.follow.path!r}: it must be on a resource "
                "and name {id} and {result}.",
                15,
            )
        )
    return errors


def _forms_errors(kind: ResourceKind, known_slugs: set[str]) -> list[Error]:
    names = [spec.name for spec in kind.forms]
    errors = [_error(kind, "two forms share a name.", 7)] if len(names) != len(set(names)) else []
    for spec in kind.forms:
        errors += _form_errors(kind, spec, known_slugs)
    errors += [
        _error(
            kind,
            f"sub-list {sub.label!r} removes at {sub.remove_path!r}: "
            "it must name {id} and {item}.",
            4,
        )
        for sub in kind.sub_lists
        if sub.remove_path is not None and _placeholders(sub.remove_path) != ["id", "item"]
    ]
    return errors


def kind_errors(kind: ResourceKind, known_slugs: set[str]) -> list[Error]:
    errors = []
    if not SLUG.match(kind.slug):
        errors.append(_error(kind, "its slug is not a URL slug (lower case, digits, '-').", 1))
    errors += _column_errors(kind, kind.columns, "its list")
    for sub in kind.sub_lists:
        errors += _column_errors(kind, sub.columns, f"sub-list {sub.label!r}")
        if sub.link_kind and sub.link_kind not in known_slugs:
            errors.append(_error(kind, f"sub-list links to unknown kind {sub.link_kind!r}.", 5))
    errors += _path_errors(kind)
    errors += [
        _error(kind, f"relation {r.field!r} names unknown kind {r.kind!r}.", 5)
        for r in kind.relations
        if r.kind not in known_slugs
    ]
    column_keys = {column.key for column in kind.columns}
    errors += [
        _error(kind, f"server sort on {key!r}, which is not one of its columns.", 6)
        for key in kind.server_sort
        if key not in column_keys
    ]
    names = [action.name for action in kind.actions]
    if len(names) != len(set(names)):
        errors.append(_error(kind, "two actions share a name.", 7))
    if kind.final_statuses and not kind.status_field:
        errors.append(_error(kind, "final statuses are given but no status field.", 8))
    if kind.max_page_size < 1:
        errors.append(_error(kind, "its largest page must hold at least one item.", 9))
    return errors + _forms_errors(kind, known_slugs)


def registry_errors(kinds: Registry) -> list[Error]:
    """What is wrong with one upstream's kinds (a relation names a kind of the same upstream)."""
    known = {kind.slug for kind in kinds.all_kinds()}
    return [error for kind in kinds.all_kinds() for error in kind_errors(kind, known)]


def check_catalog(app_configs=None, **kwargs) -> list[Error]:
    """Every profile's kinds, whichever profile this deployment uses."""
    from dashboard.upstream.profiles import PROFILES, active_profile, team_header

    try:
        profile = active_profile()
    except ImproperlyConfigured as exc:
        return [Error(str(exc), id="catalog.E016")]
    errors = [e for known in PROFILES.values() for e in registry_errors(known.registry)]
    if team_header() is None:
        errors.append(
            Error(
                f"The {profile.label} profile chooses a team by choosing its key, which this "
                "dashboard does not offer yet (each saved team would need a key of its own).",
                hint="Set UPSTREAM_TEAM_HEADER to the header that names the team.",
                id="catalog.E017",
            )
        )
    return errors
