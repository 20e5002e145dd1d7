"""Notes other apps add to a resource's page, as Django admin's registry lets apps add to it:
an app registers a function (in its ``AppConfig.ready``) that, given the page's workspace (its
team, the viewer and their teams), kind and resource id, answers a note or None. Where a copy
came from is one (``copying``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dashboard.teams.workspace import Workspace
from dashboard.upstream.catalog import ResourceKind


@dataclass(frozen=True)
class DetailNote:
    text: str
    link_url: str = ""
    link_label: str = ""


NoteSource = Callable[[Workspace, ResourceKind, str], DetailNote | None]
_sources: list[NoteSource] = []


def register(source: NoteSource) -> NoteSource:
    if source not in _sources:
        _sources.append(source)
    return source


def notes_for(workspace: Workspace, kind: ResourceKind, resource_id: str) -> list[DetailNote]:
    return [note for source in _sources if (note := source(workspace, kind, resource_id))]
