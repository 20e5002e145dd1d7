"""Vector databases: create one over an embedding model, ingest team files into it (an
ingestion job, queued then running then completed, after which the files are the database's),
list its files and remove one."""

from __future__ import annotations

from dashboard.sandbox import errors, factories, model_catalog, operations, serializers
from dashboard.sandbox.api import Context
from dashboard.sandbox.kinds import VECTOR_DBS
from dashboard.sandbox.models import SandboxFile
from dashboard.sandbox.validation import Fields
from dashboard.sandbox.views import references

SCALARS = (str, int, float, bool)


def create(ctx: Context) -> dict:
    body = Fields.of(ctx.request)
    name = body.text("name", required=True, min_length=1, max_length=200, not_blank=True)
    model_name = body.text("model", required=True)
    model = model_catalog.embedding_model(model_name)
    if model_name is not None and model is None:
        body.invalid("model", f"{model_name} is not an embedding model.", model_name)
    description = body.text("description", max_length=5000)
    body.problems.raise_any()
    made = factories.create_vector_db(
        ctx.team,
        ctx.user,
        name=name,
        model=model.name,
        dimension=model.dimension,
        description=description,
    )
    return serializers.vector_db(VECTOR_DBS.get(ctx.team, made.pk))


def files(ctx: Context, pk: str) -> dict:
    vector_db = VECTOR_DBS.get(ctx.team, pk)
    rows = vector_db.files.select_related("file").order_by("-created_at", "-pk")
    return {"object": "list", "data": [serializers.vector_db_file(row) for row in rows]}


def remove_file(ctx: Context, pk: str, file_id: str) -> None:
    operations.remove_vector_db_file(VECTOR_DBS.get(ctx.team, pk), file_id)


# --- Ingestion jobs -------------------------------------------------------------------------
def ingest(ctx: Context, pk: str) -> dict:
    vector_db = VECTOR_DBS.get(ctx.team, pk)
    body = Fields.of(ctx.request)
    file_ids = body.texts("file_ids", required=True, min_items=1)
    references.each(body, "file_ids", file_ids, SandboxFile.objects.filter(team=ctx.team), "File")
    token_count = body.integer("token_count", default=800, ge=1, le=100_000)
    overlap = body.integer("overlap_tokens", default=100, ge=0)
    if token_count is not None and overlap is not None and overlap >= token_count:
        body.invalid("overlap_tokens", "overlap_tokens must be smaller than token_count.", overlap)
    metadata = body.mapping("metadata")
    for key, value in (metadata or {}).items():
        if value is not None and not isinstance(value, SCALARS):
            body.invalid(
                "metadata", "Metadata must be flat: strings, numbers or booleans.", value, key
            )
    options = {
        "method": body.text("method", default="accuracy-optimized", min_length=1),
        "chunking_method": body.text("chunking_method", default="markdown", min_length=1),
        "token_count": token_count,
        "overlap_tokens": overlap,
        "metadata": metadata,
    }
    body.problems.raise_any()
    job = factories.create_ingestion_job(vector_db, ctx.user, file_ids=file_ids, options=options)
    return serializers.ingestion_job(job)


def ingestion_jobs(ctx: Context, pk: str) -> dict:
    vector_db = VECTOR_DBS.get(ctx.team, pk)
    jobs = vector_db.ingestion_jobs.order_by("-created_at", "-pk")
    return {"object": "list", "data": [serializers.ingestion_job(job) for job in jobs]}


def ingestion_job(ctx: Context, pk: str, job_id: str) -> dict:
    vector_db = VECTOR_DBS.get(ctx.team, pk)
    job = vector_db.ingestion_jobs.filter(pk=job_id).first()
    if job is None:
        raise errors.not_found(f"Ingestion job {job_id}")
    return serializers.ingestion_job(job)
