"""Team files: their content on disk under ``SANDBOX_STORAGE_DIR``, their names and types.

A file's record and its content come and go together: content that could not be recorded is
removed, and deleting a file removes its content. A client's file name is reduced to its base
name before it reaches the disk or the record.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.core.files.move import file_move_safe
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone

from dashboard.sandbox import errors
from dashboard.sandbox.enums import ALIGNMENT_FILE_TYPES, FILE_PURPOSES, FILE_TYPES, check_choice
from dashboard.sandbox.models import SandboxFile, SandboxTeam, SandboxUser, prefixed_id


def storage_dir() -> Path:
    return Path(settings.SANDBOX_STORAGE_DIR)


def file_path(file: SandboxFile) -> Path:
    return storage_dir() / file.storage_name


def max_upload_bytes() -> int:
    return int(getattr(settings, "SANDBOX_MAX_UPLOAD_BYTES", 4 * 1024**3))


def file_type_of(filename: str) -> str:
    """The file's type from its extension; 400 when it is not one the upstream accepts."""
    suffix = Path(filename).suffix.lower().lstrip(".")
    if suffix not in FILE_TYPES:
        shown = f".{suffix}" if suffix else "no extension"
        raise errors.BadRequest(
            f"Unsupported file type ({shown}); expected one of: {', '.join(FILE_TYPES)}."
        )
    return suffix


def clean_filename(name: str) -> str:
    """The base name only: a client's path components never reach the disk or the record."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    if not base or base in (".", ".."):
        raise errors.BadRequest("The upload has no file name.")
    return base[:255]


def new_file(
    team: SandboxTeam,
    user: SandboxUser,
    filename: str,
    purpose: str,
    write: Callable[[Path], object],
) -> SandboxFile:
    """Record a file whose content ``write(destination)`` puts on disk."""
    filename = clean_filename(filename)
    check_choice(purpose, FILE_PURPOSES, "file purpose")
    file_type = file_type_of(filename)
    file_id = prefixed_id("file")
    storage_name = f"{team.pk}/{file_id}"
    destination = storage_dir() / storage_name
    destination.parent.mkdir(parents=True, exist_ok=True)
    write(destination)
    size = destination.stat().st_size
    if size == 0:
        destination.unlink(missing_ok=True)
        raise errors.BadRequest("The file is empty.")
    try:
        return SandboxFile.objects.create(
            id=file_id,
            team=team,
            creator=user,
            filename=filename,
            purpose=purpose,
            file_type=file_type,
            bytes=size,
            storage_name=storage_name,
        )
    except Exception:
        destination.unlink(missing_ok=True)
        raise


def store_upload(
    team: SandboxTeam, user: SandboxUser, upload: UploadedFile, *, filename: str, purpose: str
) -> SandboxFile:
    """Keep an uploaded file: a spooled temporary file is moved, never read into memory."""

    def write(destination: Path) -> None:
        if hasattr(upload, "temporary_file_path"):
            file_move_safe(upload.temporary_file_path(), str(destination))
            return
        with destination.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)

    return new_file(team, user, filename, purpose, write)


def delete_file(file: SandboxFile) -> None:
    path = file_path(file)
    file.delete()
    path.unlink(missing_ok=True)


def rename_file(file: SandboxFile, new_filename: str) -> SandboxFile:
    new_filename = clean_filename(new_filename)
    file.file_type = file_type_of(new_filename)
    file.filename = new_filename
    file.updated_at = timezone.now()
    file.save(update_fields=["filename", "file_type", "updated_at"])
    return file


def validate_alignment_metadata(purpose: str, suffix: str, size: int) -> str | None:
    """Why an alignment upload would be refused, or ``None`` when it would be accepted."""
    if purpose not in FILE_PURPOSES:
        return f"Unknown purpose {purpose!r}."
    if suffix.lower().lstrip(".") not in ALIGNMENT_FILE_TYPES:
        return f"Files of type {suffix!r} cannot be used for alignment."
    if size <= 0:
        return "The file is empty."
    if size > max_upload_bytes():
        return f"The file is larger than the limit of {max_upload_bytes()} bytes."
    return None
