"""What tests run with every upstream profile need to know of each: a kind of resource to make
in the sandbox and find in the dashboard, and where its list is upstream."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dashboard.sandbox import factories


@dataclass(frozen=True)
class Sample:
    """A team kind of a profile, and how a test makes one of it in the sandbox."""

    kind: str  # its slug in the profile's catalog
    list_path: str  # its list, upstream (as the sandbox's recorder shows paths)
    make: Callable  # (team, user, name, **kwargs) -> the sandbox's model instance
    creatable: str  # a kind the dashboard's forms create
    create_form: dict  # a valid filling-in of its create form; its "name" is shown back


def _file(team, user, name, **kwargs):
    return factories.create_file(team, user, filename=f"{name}.jsonl", **kwargs)


def _app(team, user, name, **kwargs):
    return factories.create_app(team, user, name=name, **kwargs)


SAMPLES = {
    "seekrflow": Sample(
        "files",
        "v1/flow/files",
        _file,
        "projects",
        {"name": "Support <tone> & voice", "description": "Teach the model our voice."},
    ),
    "rungen": Sample(
        "apps",
        "app",
        _app,
        "apps",
        {"name": "Captions <v2> & more", "gpu_tier": "STANDARD", "active_workers": "1"},
    ),
}


def sample(profile: str) -> Sample:
    return SAMPLES[profile]
