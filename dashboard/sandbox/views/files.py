"""Team files: uploads (one file, or several checked before any is kept), the metadata check
of alignment uploads, downloads of the stored bytes, renames."""

from __future__ import annotations

from django.http import FileResponse

from dashboard.sandbox import errors, serializers, storage
from dashboard.sandbox.api import Context, field, json_body
from dashboard.sandbox.enums import FILE_PURPOSES
from dashboard.sandbox.kinds import FILES
from dashboard.sandbox.multipart import close_all as _close_all
from dashboard.sandbox.multipart import parse_multipart as _parse_multipart


def _form_value(post, files, name: str) -> str:
    """A short form value, sent as a field or (as the SDK does for ``filename``) as a file part."""
    if name in files:
        return files[name].read(4096).decode("utf-8", errors="replace").strip()
    return (post.get(name) or "").strip()


def _purpose(post, files) -> str:
    purpose = _form_value(post, files, "purpose")
    if not purpose:
        raise errors.BadRequest("The form field 'purpose' is required.")
    if purpose not in FILE_PURPOSES:
        raise errors.BadRequest(
            f"Unknown file purpose {purpose!r}; expected one of: {', '.join(FILE_PURPOSES)}."
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
        stored = storage.store_upload(
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
            storage.file_type_of(upload.name or "")
        return [
            serializers.file(
                storage.store_upload(
                    ctx.team, ctx.user, upload, filename=upload.name, purpose=purpose
                )
            )
            for upload in uploads
        ]
    finally:
        _close_all(files)


def validate_metadata(ctx: Context) -> dict:
    body = json_body(ctx.request)
    problem = storage.validate_alignment_metadata(
        field(body, "purpose", str, required=True),
        field(body, "suffix", str, required=True),
        field(body, "size", int, required=True),
    )
    return {"is_valid": problem is None, "errors": problem}


def file_content(ctx: Context, pk: str) -> FileResponse:
    """The stored bytes, streamed from disk with their Content-Length (never compressed)."""
    file = FILES.get(ctx.team, pk)
    path = storage.file_path(file)
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
    return serializers.file(storage.rename_file(FILES.get(ctx.team, pk), new_filename))
