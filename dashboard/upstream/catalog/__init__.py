"""The catalog of upstream resource kinds: each kind described once, declaratively.

``types`` holds the vocabulary, ``registry`` the registries of kinds (one per upstream
profile, see ``dashboard.upstream.profiles``), ``seekrflow`` and ``rungen`` the kinds
themselves, ``checks`` what must hold of each. Import from here: ``catalog.get(slug)``,
``catalog.FILES``, ``catalog.Format``.
"""

from dashboard.upstream.catalog.registry import (
    AlreadyRegistered,
    Registry,
    all_kinds,
    get,
    team_kinds,
)
from dashboard.upstream.catalog.seekrflow import (
    AGENTS,
    DATA_JOBS,
    DEPLOYMENTS,
    FIELD_LABELS,
    FILES,
    FINE_TUNES,
    PROJECTS,
    PYTHON_FUNCTIONS,
    THREAD_CALLS,
    THREADS,
    TOOLS,
    VECTOR_DBS,
)
from dashboard.upstream.catalog.types import (
    Action,
    Column,
    Format,
    ListFilter,
    Pagination,
    Relation,
    ResourceKind,
    Scope,
    SubList,
    Wrapping,
)

__all__ = [
    "AGENTS",
    "DATA_JOBS",
    "DEPLOYMENTS",
    "FIELD_LABELS",
    "FILES",
    "FINE_TUNES",
    "PROJECTS",
    "PYTHON_FUNCTIONS",
    "THREADS",
    "THREAD_CALLS",
    "TOOLS",
    "VECTOR_DBS",
    "Action",
    "AlreadyRegistered",
    "Registry",
    "Column",
    "Format",
    "ListFilter",
    "Pagination",
    "Relation",
    "ResourceKind",
    "Scope",
    "SubList",
    "Wrapping",
    "all_kinds",
    "get",
    "team_kinds",
]
