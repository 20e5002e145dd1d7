"""The upload flow: check each file of a batch, send the good ones upstream, log every outcome.

A file that fails a check is not sent; the others of the batch go on. Every file ends with one
outcome (uploaded, not sent, failed) that the page lists and the action log records with the
team. The uploaded files are closed here as soon as they are dealt with, so the temporary
copies Django spooled them to are gone before the answer is rendered.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat

from dashboard.accounts.services import remember_identity
from dashboard.audit.services import Action, Outcome, record_action
from dashboard.teams.active import ActiveTeam
from dashboard.uploads.checks import check_file
from dashboard.uploads.handlers import lines_report_of
from dashboard.uploads.purposes import Purpose, suffix_of
from dashboard.upstream import errors
from dashboard.upstream.catalog import FILES
from dashboard.upstream.client import UpstreamClient
from dashboard.upstream.files import upload_file, validate_metadata


class Status(enum.Enum):
    UPLOADED = "uploaded"
    NOT_SENT = "not-sent"  # refused by a check, before anything went upstream
    FAILED = "failed"  # the upstream call failed


AUDIT_OUTCOME = {
    Status.UPLOADED: Outcome.SUCCESS,
    Status.NOT_SENT: Outcome.REFUSED,
    Status.FAILED: Outcome.FAILURE,
}


@dataclass
class FileResult:
    filename: str
    size: int
    status: Status
    problems: list[str] = field(default_factory=list)
    unlisted: int = 0  # further problems found but not listed
    file_id: str = ""

    @property
    def size_text(self) -> str:
        return filesizeformat(self.size)


@dataclass
class UploadBatch:
    """Who sends what where: one batch of files for one purpose into one team."""

    user: object
    team: ActiveTeam
    client: UpstreamClient
    purpose: Purpose


def upload_files(batch: UploadBatch, files: list[UploadedFile]) -> list[FileResult]:
    results = []
    for uploaded in files:
        try:
            result = _upload_one(batch, uploaded)
        finally:
            uploaded.close()  # a TemporaryUploadedFile deletes its temporary file on close
        results.append(result)
    return results


def _upload_one(batch: UploadBatch, uploaded: UploadedFile) -> FileResult:
    filename = uploaded.name or "unnamed"
    result = FileResult(filename, uploaded.size or 0, Status.NOT_SENT)
    report = check_file(
        uploaded,
        filename=filename,
        size=result.size,
        purpose=batch.purpose,
        max_bytes=settings.UPLOAD_MAX_BYTES,
        lines_report=lines_report_of(uploaded),
    )
    result.problems, result.unlisted = report.problems, report.unlisted
    try:
        if report.passed and batch.purpose.asks_upstream_first:
            _ask_upstream_first(batch, result)
        if not result.problems:
            _send(batch, uploaded, result)
    except errors.UpstreamError as exc:
        result.status = Status.FAILED
        result.problems = [f"{exc.title}. {exc.message}"]
    _record(batch, result)
    return result


def _ask_upstream_first(batch: UploadBatch, result: FileResult) -> None:
    verdict = validate_metadata(
        batch.client,
        purpose=batch.purpose.value,
        suffix=suffix_of(result.filename),
        size=result.size,
    )
    if not verdict.is_valid:
        said = verdict.errors or "no reason given"
        result.problems = [f"The upstream would not take this file, so it was not sent: {said}"]


def _send(batch: UploadBatch, uploaded: UploadedFile, result: FileResult) -> None:
    uploaded.seek(0)
    created = upload_file(
        batch.client, purpose=batch.purpose.value, filename=result.filename, content=uploaded
    )
    result.status = Status.UPLOADED
    result.file_id = created["id"]
    learnt = {"upstream_user_id": str(created.get("created_by") or "")}
    if batch.team.is_personal:
        learnt["personal_team_id"] = str(created.get("team_id") or "")
    remember_identity(batch.user, **learnt)


def _record(batch: UploadBatch, result: FileResult) -> None:
    size = result.size_text.replace("\xa0", " ")  # the log is plain text, not a page
    described = f"{result.filename} ({size}, {batch.purpose.value})"
    if result.problems:
        described = f"{described}: {result.problems[0]}"
    record_action(
        batch.user,
        Action.FILE_UPLOADED,
        team=batch.team,
        kind=FILES.slug,
        resource_id=result.file_id,
        outcome=AUDIT_OUTCOME[result.status],
        detail=described,
    )
