"""The team resource kinds, each described once: where it lives, how its list is wrapped and
paged, how it sorts and filters, and what deleting it answers.

Generic list, retrieve and delete endpoints are built from these entries (see ``urls.py``), so
the kinds that behave alike share one code path; what is particular to a kind (uploads,
cancelling a fine-tune…) lives in ``views/``. Each kind's list is wrapped and paged as the
upstream's own (``docs/upstream.md``): files, fine-tunes, vector databases and data jobs as
``{"object": "list", "data": […]}``, agents, deployments and projects as ``{"data": […]}``, tools
with a ``total`` as well, python functions as a bare array; ``limit``/``offset`` or
``skip``/``limit`` where the upstream pages.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from django.db import connection
from django.db.models import Count, QuerySet, Sum

from dashboard.prepared import Prepared, placed
from dashboard.sandbox import errors, operations, progress, serializers, storage
from dashboard.sandbox.api import Context, choice_param, int_param
from dashboard.sandbox.enums import DATA_JOB_TYPES, FILE_PURPOSES, TOOL_STATUSES, TOOL_TYPES
from dashboard.sandbox.models import (
    SandboxAgent,
    SandboxDataJob,
    SandboxDeployment,
    SandboxFile,
    SandboxFineTune,
    SandboxProject,
    SandboxPythonFunction,
    SandboxTeam,
    SandboxTool,
    SandboxVectorDB,
)


class Paging(enum.Enum):
    NONE = "none"
    LIMIT_OFFSET = "limit_offset"
    SKIP_LIMIT = "skip_limit"


# How a list is wrapped: its page of items, and ``total``, which counts every item the list's
# filters match; it is called (a query) only by the wraps that show the total.
Total = Callable[[], int]


def object_list(items: list[dict], total: Total) -> dict:
    return {"object": "list", "data": items}


def data_list(items: list[dict], total: Total) -> dict:
    return {"data": items}


def data_list_with_total(items: list[dict], total: Total) -> dict:
    return {"data": items, "total": total()}


def bare_list(items: list[dict], total: Total) -> list[dict]:
    return items


@dataclass(frozen=True)
class Filter:
    column: str  # the model field the query parameter filters on
    choices: tuple[str, ...]


@dataclass(frozen=True)
class Kind:
    label: str  # singular, for "<label> not found."
    model: type
    list_path: str
    detail_path: str  # with <…:pk>
    serialize: Callable[[Any], dict]
    wrap: Callable[[list[dict], Total], Any]
    paging: Paging = Paging.NONE
    default_limit: int = 100
    max_limit: int = 1000
    sort_fields: dict[str, str] = field(default_factory=dict)  # sort_by value -> model field
    order_param: str | None = None  # a query parameter giving asc/desc by creation time
    filters: dict[str, Filter] = field(default_factory=dict)  # query parameter -> filter
    delete: Callable[[Any], Any] | None = None  # removes the object, returns the answer
    related: tuple[str, ...] = ()  # prefetched for serializing (lists then read instances)
    unread: tuple[str, ...] = ()  # fields the serializer never reads: lists leave them unread
    annotations: Callable[[], dict] | None = None  # computed fields the serializer reads
    prepare: Callable[[SandboxTeam], None] | None = None  # brings the team's kind up to date

    def queryset(self, team: SandboxTeam) -> QuerySet:
        if self.prepare:
            self.prepare(team)
        return self._team_items(team)

    def _team_items(self, team: SandboxTeam) -> QuerySet:
        queryset = self.model.objects.filter(team=team)
        if self.annotations:
            queryset = queryset.annotate(**self.annotations())
        return queryset.prefetch_related(*self.related) if self.related else queryset

    def get(self, team: SandboxTeam, pk: Any):
        """The team's object with this id; the same 404 whether it is elsewhere or nowhere."""
        try:
            return self.queryset(team).get(pk=pk)
        except self.model.DoesNotExist:
            raise errors.not_found(f"{self.label} {pk}") from None

    def list(self, ctx: Context) -> Any:
        filters = {}
        for param, spec in self.filters.items():
            value = choice_param(ctx.request, param, spec.choices, None)
            if value is not None:
                filters[spec.column] = value
        ordering = self._ordering(ctx)
        start, size = self._window(ctx)
        if self.prepare:
            self.prepare(ctx.team)

        def filtered() -> QuerySet:
            return self._team_items(ctx.team).filter(**filters).order_by(*ordering)

        if self.related:  # model instances, their relations prefetched
            page = filtered() if size is None else filtered()[start : start + size]
        else:
            page = self._plan(tuple(filters), ordering, size is not None).read(
                ctx.team, filters, start, size
            )
        return self.wrap([self.serialize(item) for item in page], lambda: filtered().count())

    def _plan(self, columns: tuple[str, ...], ordering: tuple[str, str], windowed: bool):
        """The list's query for these filtered columns, this order and with or without a
        window, built once per process (see :class:`ListPlan`)."""
        key = (self.model, self.unread, self.annotations, columns, ordering, windowed)
        plan = _plans.get(key)
        if plan is None:
            plan = _plans[key] = ListPlan.build(self, columns, ordering, windowed)
        return plan

    def values_read(self) -> tuple[list[str], dict]:
        """The fields a list reads (by attribute name, less the ``unread`` ones) and the
        annotations it computes."""
        fields = [f.attname for f in self.model._meta.concrete_fields if f.name not in self.unread]
        return fields, (self.annotations() if self.annotations else {})

    def _ordering(self, ctx: Context) -> tuple[str, str]:
        if self.order_param:
            order = choice_param(ctx.request, self.order_param, ("asc", "desc"), "desc")
            sign = "-" if order == "desc" else ""
            return f"{sign}created_at", f"{sign}pk"
        if not self.sort_fields:
            return "-created_at", "-pk"
        sort_by = choice_param(ctx.request, "sort_by", tuple(self.sort_fields), "created_at")
        order = choice_param(ctx.request, "sort_order", ("asc", "desc"), "desc")
        sign = "-" if order == "desc" else ""
        return f"{sign}{self.sort_fields[sort_by]}", f"{sign}pk"

    def _window(self, ctx: Context) -> tuple[int, int | None]:
        if self.paging is Paging.NONE:
            return 0, None
        start_name = "skip" if self.paging is Paging.SKIP_LIMIT else "offset"
        start = int_param(ctx.request, start_name, 0, low=0, high=10**9)
        size = int_param(ctx.request, "limit", self.default_limit, low=1, high=self.max_limit)
        return start, size


# --- A list's query, its SQL built once -------------------------------------------------------
# Stand-ins the queries are built with: the team, each filter's value, and a window (Django
# writes a window's numbers into the SQL itself, so they are found there and made parameters).
_TEAM = uuid.UUID(int=1)
_START, _SIZE = 1_000_003, 1_000_033
_WINDOW = f"LIMIT {_SIZE} OFFSET {_START}"
_plans: dict[tuple, ListPlan] = {}


@dataclass(frozen=True)
class ListPlan:
    """A list's query as SQL, built by the ORM once per process for a kind, the columns it is
    filtered on (text columns: their values stand in as text), its order and whether it is
    windowed; each request runs it with its own team, filter values and window. A list then
    reads not model instances but each item's field values and annotations, as the ORM's
    ``values()`` gives them (converted from the database's types by the same converters), as
    attributes: building model instances, and the query's SQL, each cost more than running it
    does. Kinds whose serializer follows relations (``Kind.related``) read instances with the
    ORM instead."""

    query: Prepared  # with the team and each filtered column's value as stand-ins
    names: tuple[str, ...]  # of the columns read, in order
    converters: dict  # column position -> (converter functions, expression)

    @classmethod
    def build(
        cls, kind: Kind, columns: tuple[str, ...], ordering: tuple[str, str], windowed: bool
    ) -> ListPlan:
        stand_ins = {column: f"\x00{column}\x00" for column in columns}
        queryset = kind.model.objects.filter(team=_TEAM)
        if kind.annotations:
            queryset = queryset.annotate(**kind.annotations())
        queryset = queryset.filter(**stand_ins).order_by(*ordering)
        if windowed:
            queryset = queryset[_START : _START + _SIZE]
        fields, annotated = kind.values_read()
        query = queryset.values("pk", *fields, *annotated).query
        compiler = query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        if windowed:
            if not sql.endswith(_WINDOW) or sql.count(_WINDOW) != 1:
                raise RuntimeError(f"the window is not where it should be in {sql!r}")
            sql = sql.removesuffix(_WINDOW) + "LIMIT %s OFFSET %s"
        team = SandboxTeam._meta.pk.get_db_prep_value(_TEAM, connection)
        prepared = placed(kind.model, sql, params, team=team, **stand_ins)
        names = (*query.extra_select, *query.values_select, *query.annotation_select)
        selected = [column[0] for column in compiler.select[: compiler.col_count]]
        return cls(prepared, names, compiler.get_converters(selected))

    def read(self, team: SandboxTeam, filters: dict, start: int, size: int | None) -> list:
        team_pk = SandboxTeam._meta.pk.get_db_prep_value(team.pk, connection)
        params = self.query.values(team=team_pk, **filters)
        if size is not None:
            params += [size, start]
        with connection.cursor() as cursor:
            cursor.execute(self.query.sql, params)
            rows = cursor.fetchall()
        names, converters = self.names, self.converters.items()
        items = []
        for row in rows:
            if converters:
                row = list(row)
                for at, (functions, expression) in converters:
                    value = row[at]
                    for convert in functions:
                        value = convert(value, expression, connection)
                    row[at] = value
            items.append(SimpleNamespace(**dict(zip(names, row, strict=True))))
        return items


def _deleted_file(file: SandboxFile) -> dict:
    file_id = file.pk
    storage.delete_file(file)
    return {"id": file_id, "object": "file", "deleted": True}


def _deleted_agent(agent: SandboxAgent) -> dict:
    agent_id = agent.pk
    agent.delete()
    return {"id": agent_id, "deleted": True}


def _deleted_tool(tool: SandboxTool) -> dict:
    tool_id = tool.pk
    operations.delete_tool(tool)
    return {"id": tool_id, "deleted": True, "message": f"Tool {tool_id} deleted."}


def _deleted_function(function: SandboxPythonFunction) -> dict:
    function_id = function.pk
    function.delete()
    return {"id": function_id, "deleted": True}


def _deleted_without_body(obj) -> None:
    obj.delete()
    return None  # 204, as the SDK expects for these kinds


FILES = Kind(
    label="File",
    model=SandboxFile,
    list_path="v1/flow/files",
    detail_path="v1/flow/files/<str:pk>",
    serialize=serializers.file,
    wrap=object_list,
    paging=Paging.LIMIT_OFFSET,
    sort_fields={
        "created_at": "created_at",
        "filename": "filename",
        "type": "file_type",
        "size": "bytes",
    },
    filters={"purpose": Filter("purpose", FILE_PURPOSES)},
    delete=_deleted_file,
    unread=("updated_at", "extra", "storage_name"),
)
FINE_TUNES = Kind(
    label="Fine-tuning job",
    model=SandboxFineTune,
    list_path="v1/flow/fine-tunes",
    detail_path="v1/flow/fine-tunes/<str:pk>",
    serialize=serializers.fine_tune,
    wrap=object_list,
)
AGENTS = Kind(
    label="Agent",
    model=SandboxAgent,
    list_path="v2/flow/agents/",
    detail_path="v2/flow/agents/<str:pk>",
    serialize=serializers.agent,
    wrap=data_list,
    delete=_deleted_agent,
    related=("tools",),
)
DEPLOYMENTS = Kind(
    label="Deployment",
    model=SandboxDeployment,
    list_path="v1/flow/deployments",
    detail_path="v1/flow/deployments/<str:pk>",
    serialize=serializers.deployment,
    wrap=data_list,
    paging=Paging.SKIP_LIMIT,
)
VECTOR_DBS = Kind(
    label="Vector database",
    model=SandboxVectorDB,
    list_path="v1/flow/vectordb",
    detail_path="v1/flow/vectordb/<str:pk>",
    serialize=serializers.vector_db,
    wrap=object_list,
    delete=_deleted_without_body,
    annotations=lambda: {"file_count": Count("files"), "size_in_bytes": Sum("files__file__bytes")},
    prepare=progress.settle_ingestions,  # completed ingestions' files count
    unread=("extra",),
)
PROJECTS = Kind(
    label="Project",
    model=SandboxProject,
    list_path="v1/flow/projects",
    detail_path="v1/flow/projects/<int:pk>",
    serialize=serializers.project,
    wrap=data_list,
    paging=Paging.SKIP_LIMIT,
    unread=("extra",),
)
TOOLS = Kind(
    label="Tool",
    model=SandboxTool,
    list_path="v1/flow/tools",
    detail_path="v1/flow/tools/<str:pk>",
    serialize=serializers.tool,
    wrap=data_list_with_total,
    paging=Paging.LIMIT_OFFSET,
    filters={
        "tool_type": Filter("type", TOOL_TYPES),
        "tool_status": Filter("status", TOOL_STATUSES),
    },
    delete=_deleted_tool,
    unread=("extra",),
)
DATA_JOBS = Kind(
    label="Data job",
    model=SandboxDataJob,
    list_path="v1/flow/data-jobs",
    detail_path="v1/flow/data-jobs/<str:pk>",
    serialize=serializers.data_job,
    wrap=object_list,
    paging=Paging.LIMIT_OFFSET,
    default_limit=25,
    max_limit=100,
    sort_fields={"created_at": "created_at", "name": "name", "job_type": "job_type"},
    filters={"job_type": Filter("job_type", DATA_JOB_TYPES)},
    delete=_deleted_without_body,
)

PYTHON_FUNCTIONS = Kind(
    label="Python function",
    model=SandboxPythonFunction,
    list_path="v1/functions/",
    detail_path="v1/functions/<str:pk>",
    serialize=serializers.python_function,
    wrap=bare_list,
    paging=Paging.LIMIT_OFFSET,
    default_limit=20,
    max_limit=100,
    order_param="order",
    delete=_deleted_function,
    unread=("extra",),
)

ALL = (
    FILES,
    FINE_TUNES,
    AGENTS,
    DEPLOYMENTS,
    VECTOR_DBS,
    PROJECTS,
    TOOLS,
    DATA_JOBS,
    PYTHON_FUNCTIONS,
)
