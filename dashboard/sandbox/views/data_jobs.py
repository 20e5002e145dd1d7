"""Data jobs: create, read in detail, add and remove files, change, start and cancel.

A new job needs review; files added are processed (file_processing), after which it is
ready_to_start; started, it is queued, running, then completed by itself. Each change answers
the job in detail, as the SDK expects.
"""

from __future__ import annotations

from dashboard.sandbox import factories, operations, serializers
from dashboard.sandbox.api import Context
from dashboard.sandbox.enums import DATA_JOB_TYPES
from dashboard.sandbox.kinds import DATA_JOBS
from dashboard.sandbox.models import SandboxFile, SandboxVectorDB
from dashboard.sandbox.validation import Fields
from dashboard.sandbox.views import references

NULLABLE = ("system_prompt", "instructions", "vector_database_id")


def create(ctx: Context) -> dict:
    body = Fields.of(ctx.request)
    name = body.text("name", required=True, min_length=1, max_length=255)
    job_type = body.text("job_type", required=True, choices=DATA_JOB_TYPES)
    system_prompt = body.text("system_prompt")
    instructions = body.text("instructions")
    body.problems.raise_any()
    job = factories.create_data_job(
        ctx.team,
        ctx.user,
        name=name,
        job_type=job_type,
        system_prompt=system_prompt,
        instructions=instructions,
    )
    return serializers.data_job(job)


def detail(ctx: Context, pk: str) -> dict:
    return serializers.data_job_detail(DATA_JOBS.get(ctx.team, pk))


def add_files(ctx: Context, pk: str) -> dict:
    job = DATA_JOBS.get(ctx.team, pk)
    body = Fields.of(ctx.request)
    file_ids = body.texts("file_ids", required=True, min_items=1)
    files = references.each(
        body, "file_ids", file_ids, SandboxFile.objects.filter(team=ctx.team), "File"
    )
    method = body.text("method", default="accuracy-optimized", min_length=1)
    body.problems.raise_any()
    operations.add_data_job_files(job, files, method)
    return detail(ctx, pk)


def remove_files(ctx: Context, pk: str) -> dict:
    job = DATA_JOBS.get(ctx.team, pk)
    body = Fields.of(ctx.request)
    file_ids = body.texts("file_ids", required=True, min_items=1)
    in_job = set(job.files.values_list("file_id", flat=True))
    for index, file_id in enumerate(file_ids or []):
        if file_id not in in_job:
            body.invalid("file_ids", f"File {file_id} is not in this data job.", file_id, index)
    body.problems.raise_any()
    operations.remove_data_job_files(job, file_ids)
    return detail(ctx, pk)


def update(ctx: Context, pk: str) -> dict:
    job = DATA_JOBS.get(ctx.team, pk)
    body = Fields.of(ctx.request)
    values = {
        "name": body.text("name", min_length=1, max_length=255),
        "system_prompt": body.text("system_prompt"),
        "instructions": body.text("instructions"),
        "vector_database_id": body.text("vector_database_id", min_length=1),
    }
    references.one(
        body,
        "vector_database_id",
        values["vector_database_id"],
        SandboxVectorDB.objects.filter(team=ctx.team),
        "Vector database",
    )
    body.problems.raise_any()
    changes = {
        name: value
        for name, value in values.items()
        if body.has(name) and (value is not None or name in NULLABLE)
    }
    operations.update_data_job(job, changes)
    return detail(ctx, pk)


def start(ctx: Context, pk: str) -> dict:
    operations.start_data_job(DATA_JOBS.get(ctx.team, pk))
    return detail(ctx, pk)


def cancel(ctx: Context, pk: str) -> dict:
    operations.cancel_data_job(DATA_JOBS.get(ctx.team, pk))
    return detail(ctx, pk)
