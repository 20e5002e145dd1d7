"""The sandbox's endpoints. Each handler gets a :class:`~dashboard.sandbox.api.Context` (the
caller and, for team endpoints, the team of ``x-team-id``) plus the URL's arguments, and returns
data; ``api.Endpoint`` does the rest. Kinds that behave alike use the generic handlers built
from ``kinds.py``; the rest is what is particular to files, fine-tunes, agents and threads.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import SuspiciousOperation
from django.http import FileResponse
from django.http.multipartparser import MultiPartParser, MultiPartParserError

from dashboard.sandbox import errors, serializers, services, streaming
from dashboard.sandbox.api import Context, choice_param, field, int_param, json_body
from dashboard.sandbox.kinds import AGENTS, FILES, FINE_TUNES, VECTOR_DBS, Kind
from dashboard.sandbox.models import SandboxMessage, SandboxRun, SandboxThread

NUMBER = (int, float)


# --- Generic handlers over kinds.py -------------------------------------------------------
def list_of(kind: Kind):
    def handler(ctx: Context) -> Any:
        return kind.list(ctx)

    return handler


def detail_of(kind: Kind):
    def handler(ctx: Context, pk) -> dict:
        return kind.serialize(kind.get(ctx.team, pk))

    return handler


def delete_of(kind: Kind):
    def handler(ctx: Context, pk) -> Any:
        return kind.delete(kind.get(ctx.team, pk))

    return handler


def not_found(request, **kwargs) -> None:
    raise errors.NotFound("Not found.")


# --- Files --------------------------------------------------------------------------------
def _parse_multipart(request):
    """The form fields and files of a multipart body, which Django parses itself only for POST.

    The declared length is checked first so an oversized upload is refused before a byte of it
    is read, and a body that stops short of it is refused whole, as an HTTP server drops a
    request whose sender went away part-way. Files are spooled by the request's upload
    handlers (to a temporary file once past a few MB), never held whole in memory.
    """
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise errors.BadRequest("Invalid Content-Length.") from None
    limit = services.max_upload_bytes()
    if length > limit:
        raise errors.PayloadTooLarge(f"The upload is larger than the limit of {limit} bytes.")
    if not request.content_type.startswith("multipart/form-data"):
        raise errors.UnsupportedMediaType("Uploads must be sent as multipart/form-data.")
    body = _CountedBody(request)
    try:
        parser = MultiPartParser(request.META, body, request.upload_handlers, request.encoding)
        post, files = parser.parse()
    except (MultiPartParserError, SuspiciousOperation) as exc:
        raise errors.BadRequest(f"The multipart body could not be read: {exc}") from None
    if body.read_bytes < length:  # the sender stopped short: nothing of it is kept
        _close_all(files)
        raise errors.BadRequest(
            f"The body ended after {body.read_bytes} of its {length} bytes; nothing was stored."
        )
    return post, files


class _CountedBody:
    """The request body, counting what is read of it."""

    def __init__(self, stream):
        self._stream = stream
        self.read_bytes = 0

    def read(self, *args) -> bytes:
        data = self._stream.read(*args)
        self.read_bytes += len(data)
        return data


def _close_all(files) -> None:
    for _, uploads in files.lists():
        for upload in uploads:
            upload.close()  # a spooled temporary file is removed here


def _form_value(post, files, name: str) -> str:
    """A short form value, sent as a field or (as the SDK does for ``filename``) as a file part."""
    if name in files:
        return files[name].read(4096).decode("utf-8", errors="replace").strip()
    return (post.get(name) or "").strip()


def _purpose(post, files) -> str:
    purpose = _form_value(post, files, "purpose")
    if not purpose:
        raise errors.BadRequest("The form field 'purpose' is required.")
    if purpose not in services.FILE_PURPOSES:
        raise errors.BadRequest(
            f"Unknown file purpose {purpose!r}; expected one of: "
            f"{', '.join(services.FILE_PURPOSES)}."
        )
    return purpose


def upload_file(ctx: Context) -> dict:
    post, files = _parse_multipart(ctx.request)
    try:
        purpose = _purpose(post, files)
        upload = files.get("files") or files.get("file")
        if upload is None:
            raise errors.BadRequest("The upload has no file part named 'files'.")
        filename = _form_value(post, files, "filename") or upload.name or ""
        stored = services.store_upload(
            ctx.team, ctx.user, upload, filename=filename, purpose=purpose
        )
        return serializers.file(stored)
    finally:
        _close_all(files)


def upload_files(ctx: Context) -> list[dict]:
    """Bulk upload: one ``files`` part per file, all checked before any is kept."""
    post, files = _parse_multipart(ctx.request)
    try:
        purpose = _purpose(post, files)
        uploads = files.getlist("files")
        if not uploads:
            raise errors.BadRequest("The upload has no file parts named 'files'.")
        for upload in uploads:
            services.file_type_of(upload.name or "")
        return [
            serializers.file(
                services.store_upload(
                    ctx.team, ctx.user, upload, filename=upload.name, purpose=purpose
                )
            )
            for upload in uploads
        ]
    finally:
        _close_all(files)


def validate_metadata(ctx: Context) -> dict:
    body = json_body(ctx.request)
    problem = services.validate_alignment_metadata(
        field(body, "purpose", str, required=True),
        field(body, "suffix", str, required=True),
        field(body, "size", int, required=True),
    )
    return {"is_valid": problem is None, "errors": problem}


def file_content(ctx: Context, pk: str) -> FileResponse:
    """The stored bytes, streamed from disk with their Content-Length (never compressed)."""
    file = FILES.get(ctx.team, pk)
    path = services.file_path(file)
    if not path.is_file():
        raise errors.not_found(f"Content of file {pk}")
    response = FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=file.filename,
        content_type="application/octet-stream",
    )
    response.block_size = 256 * 1024
    return response


def rename_file(ctx: Context, pk: str) -> dict:
    new_filename = field(json_body(ctx.request), "new_filename", str, required=True)
    return serializers.file(services.rename_file(FILES.get(ctx.team, pk), new_filename))


# --- Fine-tunes ---------------------------------------------------------------------------
def cancel_fine_tune(ctx: Context, pk: str) -> dict:
    return serializers.fine_tune(services.cancel_fine_tune(FINE_TUNES.get(ctx.team, pk)))


def fine_tune_events(ctx: Context, pk: str) -> dict:
    return {"object": "list", "data": serializers.fine_tune_events(FINE_TUNES.get(ctx.team, pk))}


# --- Agents -------------------------------------------------------------------------------
OUTPUT_KEYS = frozenset({"frequency", "instructions", "model_id", "temperature"})


def _agent_fields(body: dict, *, creating: bool) -> dict:
    """The agent fields of a create or update body, checked; 422 for anything unexpected."""
    known = {
        "name",
        "instructions",
        "model_id",
        "planner_model_id",
        "tool_model_id",
        "output",
        "reasoning_effort",
        "temperature",
        "tool_ids",
        "tools",
    }
    unknown = sorted(set(body) - known)
    if unknown:
        raise errors.Unprocessable(f"Unknown agent fields: {', '.join(unknown)}.")
    fields = {
        "name": field(body, "name", str, required=creating),
        "instructions": field(body, "instructions", str, required=creating),
        "model_id": field(body, "model_id", str),
        "planner_model_id": field(body, "planner_model_id", str),
        "tool_model_id": field(body, "tool_model_id", str),
        "reasoning_effort": field(
            body, "reasoning_effort", str, choices=services.REASONING_EFFORTS
        ),
        "temperature": field(body, "temperature", NUMBER),
        "tool_ids": field(body, "tool_ids", list),
        "output": field(body, "output", dict),
    }
    if fields["output"] is not None and not set(fields["output"]) <= OUTPUT_KEYS:
        raise errors.Unprocessable(f"'output' may only hold: {', '.join(sorted(OUTPUT_KEYS))}.")
    if fields["tool_ids"] is not None and not all(isinstance(t, str) for t in fields["tool_ids"]):
        raise errors.Unprocessable("'tool_ids' must be a list of strings.")
    if fields["temperature"] is not None and not 0 <= fields["temperature"] <= 2:
        raise errors.Unprocessable("'temperature' must be between 0 and 2.")
    return fields


def create_agent(ctx: Context) -> dict:
    fields = _agent_fields(json_body(ctx.request), creating=True)
    output = fields["output"] or {}
    model_id = fields["model_id"] or output.get("model_id")
    if not model_id:
        raise errors.Unprocessable("Either 'model_id' or 'output.model_id' is required.")
    options = {
        name: fields[name]
        for name in ("planner_model_id", "tool_model_id", "reasoning_effort", "temperature")
        if fields[name] is not None
    }
    if fields["output"] is not None:
        options["output"] = fields["output"]
    agent = services.create_agent(
        ctx.team,
        ctx.user,
        name=fields["name"],
        instructions=fields["instructions"],
        model_id=model_id,
        tools=services.team_tools(ctx.team, fields["tool_ids"] or []),
        options=options,
    )
    return serializers.agent(agent)


def update_agent(ctx: Context, pk: str) -> dict:
    body = json_body(ctx.request)
    fields = _agent_fields(body, creating=False)
    changes = {name: value for name, value in fields.items() if name in body}
    return serializers.agent(services.update_agent(AGENTS.get(ctx.team, pk), changes))


# --- Vector databases ---------------------------------------------------------------------
def vector_db_files(ctx: Context, pk: str) -> dict:
    vector_db = VECTOR_DBS.get(ctx.team, pk)
    rows = vector_db.files.select_related("file").order_by("-created_at", "-pk")
    return {"object": "list", "data": [serializers.vector_db_file(row) for row in rows]}


# --- Threads, messages and runs: the caller's own, whatever the team header ----------------
def _thread(ctx: Context, thread_id: str) -> SandboxThread:
    thread = SandboxThread.objects.filter(pk=thread_id, user=ctx.user).first()
    if thread is None:
        raise errors.not_found(f"Thread {thread_id}")
    return thread


def _newest(ctx: Context, queryset, *, default_order: str = "desc"):
    """``limit``/``order`` paging: the first ``limit`` items in ``order`` of creation."""
    limit = int_param(ctx.request, "limit", 20, low=1, high=100)
    order = choice_param(ctx.request, "order", ("asc", "desc"), default_order)
    sign = "-" if order == "desc" else ""
    return queryset.order_by(f"{sign}created_at", f"{sign}pk")[:limit]


def _content(body: dict, *, required: bool) -> str | list | None:
    content = body.get("content")
    if content is None and not required:
        return None
    if isinstance(content, str):
        return content
    if isinstance(content, list) and all(
        isinstance(part, dict) and isinstance(part.get("type"), str) for part in content
    ):
        return content
    raise errors.Unprocessable("'content' must be a string or a list of typed parts.")


def create_thread(ctx: Context) -> dict:
    meta_data = field(json_body(ctx.request), "meta_data", dict, default={})
    return serializers.thread(services.create_thread(ctx.user, meta_data=meta_data))


def list_threads(ctx: Context) -> list[dict]:
    threads = _newest(ctx, SandboxThread.objects.filter(user=ctx.user))
    return [serializers.thread(thread) for thread in threads]


def get_thread(ctx: Context, thread_id: str) -> dict:
    return serializers.thread(_thread(ctx, thread_id))


def delete_thread(ctx: Context, thread_id: str) -> dict:
    _thread(ctx, thread_id).delete()
    return {"id": thread_id, "object": "thread.deleted", "deleted": True}


def _in_thread(ctx: Context, thread_id: str, related: str, label: str, pk: str):
    """A message or run of one of the caller's threads."""
    found = getattr(_thread(ctx, thread_id), related).filter(pk=pk).first()
    if found is None:
        raise errors.not_found(f"{label} {pk}")
    return found


def _message(ctx: Context, thread_id: str, message_id: str) -> SandboxMessage:
    return _in_thread(ctx, thread_id, "messages", "Message", message_id)


def create_message(ctx: Context, thread_id: str) -> dict:
    thread = _thread(ctx, thread_id)
    body = json_body(ctx.request)
    message = services.create_message(
        thread,
        field(body, "role", str, required=True, choices=services.MESSAGE_ROLES),
        _content(body, required=True),
        agent_id=field(body, "agent_id", str),
        run_id=field(body, "run_id", str),
        meta_data=field(body, "meta_data", dict, default={}),
    )
    return serializers.message(message)


def list_messages(ctx: Context, thread_id: str) -> list[dict]:
    messages = _newest(ctx, _thread(ctx, thread_id).messages.all())
    return [serializers.message(message) for message in messages]


def get_message(ctx: Context, thread_id: str, message_id: str) -> dict:
    return serializers.message(_message(ctx, thread_id, message_id))


def update_message(ctx: Context, thread_id: str, message_id: str) -> dict:
    message = _message(ctx, thread_id, message_id)
    body = json_body(ctx.request)
    content = _content(body, required=False)
    meta_data = field(body, "meta_data", dict)
    if content is not None:
        message.content = content
    if meta_data is not None:
        message.meta_data = meta_data
    message.save(update_fields=["content", "meta_data"])
    return serializers.message(message)


def delete_message(ctx: Context, thread_id: str, message_id: str) -> dict:
    _message(ctx, thread_id, message_id).delete()
    return {"id": message_id, "object": "thread.message.deleted", "deleted": True}


def _run(ctx: Context, thread_id: str, run_id: str) -> SandboxRun:
    return _in_thread(ctx, thread_id, "runs", "Run", run_id)


def _start_run(ctx: Context, thread_id: str) -> tuple[SandboxRun, str]:
    """Check a run request and start the run (the agent may be in any of the caller's teams);
    returns the run and the reply its agent will give."""
    thread = _thread(ctx, thread_id)
    body = json_body(ctx.request)
    agent_id = field(body, "agent_id", str, required=True)
    settings = field(body, "model_settings", dict, default={})
    agent = services.agents_of_user(ctx.user).filter(pk=agent_id).first()
    if agent is None:
        raise errors.not_found(f"Agent {agent_id}")
    run = services.start_run(
        thread,
        agent,
        temperature=field(settings, "temperature", NUMBER, default=1.0),
        top_p=field(settings, "top_p", NUMBER, default=1.0),
        meta_data=field(body, "metadata", dict, default={}),
    )
    return run, services.reply_for(thread, agent)


def create_run(ctx: Context, thread_id: str) -> dict:
    """Queue a run. The sandbox's agent answers at once, so the run is complete when read."""
    run, reply = _start_run(ctx, thread_id)
    services.complete_run(run, reply)
    group = field(json_body(ctx.request), "group", str)
    return {"run_id": run.pk, "thread_id": run.thread_id, "status": "queued", "group": group}


def stream_run(ctx: Context, thread_id: str):
    run, reply = _start_run(ctx, thread_id)
    return streaming.stream_response(run, reply)


def list_runs(ctx: Context, thread_id: str) -> list[dict]:
    runs = _thread(ctx, thread_id).runs.order_by("-created_at", "-pk")
    return [serializers.run(run) for run in runs]


def get_run(ctx: Context, thread_id: str, run_id: str) -> dict:
    return serializers.run(_run(ctx, thread_id, run_id))


def cancel_run(ctx: Context, thread_id: str, run_id: str) -> dict:
    run = services.cancel_run(_run(ctx, thread_id, run_id))
    return {"run_id": run.pk, "thread_id": run.thread_id, "status": run.status}
