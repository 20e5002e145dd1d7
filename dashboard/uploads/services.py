"""The upload flow: check each file of a batch, send the good ones upstream, log every outcome.

A file that fails a check is not stored upstream; the others of the batch go on. Every file
ends with one outcome (uploaded, not sent, failed) that the page lists and the action log
records with the team.

Files come two ways. A form's files (``upload_files``) were spooled to disk by Django, checked
while they arrived, and are sent one after the other; they are closed here as soon as they are
dealt with, so their temporary copies are gone before the answer is rendered. A file the
page's script sends as the body of its own request (``relay_file``) is checked from its name
and size before a byte of it is read, then passed on to the upstream while it arrives, checked
on the way; its last piece goes only once every check passed, and a file that fails is cut
off, so the upstream stores nothing of it. So is a file whose bytes stop coming: the sender
cancelled, the connection broke, or nothing came for the idle timeout (see ``limits.py``).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat

from dashboard.audit.services import (
    Action,
    Outcome,
    begin_change,
    failure_outcome,
    failures_recorded,
)
from dashboard.people import identity
from dashboard.teams.workspace import Team
from dashboard.uploads.checks import CheckReport, JsonLinesChecker, check_basics, check_file
from dashboard.uploads.handlers import lines_report_of
from dashboard.uploads.limits import idle_text, is_idle_timeout
from dashboard.uploads.purposes import JSON_LINES, Purpose, file_type_of, suffix_of
from dashboard.upstream import errors
from dashboard.upstream.catalog import FILES
from dashboard.upstream.client import UpstreamClient

RELAY_PIECE_BYTES = 1024 * 1024


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
    team: Team
    client: UpstreamClient
    purpose: Purpose
    # Called before each file, so the batch's upload slot is kept while the batch goes on.
    progress: Callable[[], None] = lambda: None


@dataclass
class ArrivingFile:
    """A file whose bytes are still arriving: the body of a request, announced with its size."""

    name: str
    size: int
    stream: BinaryIO
    received: int = 0

    def pieces(self) -> Iterator[bytes]:
        """The file's bytes as they come; IncompleteFile if they stop short of its size."""
        while self.received < self.size:
            try:
                piece = self.stream.read(min(RELAY_PIECE_BYTES, self.size - self.received))
            except OSError as exc:
                raise IncompleteFile(stalled=is_idle_timeout(exc)) from exc
            if not piece:
                raise IncompleteFile()
            self.received += len(piece)
            yield piece


class IncompleteFile(Exception):
    """The file's bytes stopped before its announced size: cancelled, a broken connection, or
    (``stalled``) nothing more came for the idle timeout."""

    def __init__(self, stalled: bool = False):
        super().__init__()
        self.stalled = stalled


def upload_files(batch: UploadBatch, files: list[UploadedFile]) -> list[FileResult]:
    results = []
    for uploaded in files:
        batch.progress()
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

    def send() -> dict:
        uploaded.seek(0)
        return batch.client.files.upload(
            purpose=batch.purpose.value, filename=filename, content=uploaded
        )

    return _deliver(batch, result, report, send)


def relay_file(batch: UploadBatch, arriving: ArrivingFile) -> FileResult:
    """Check, send on while it arrives, and log one file.

    A file refused from its name and size is answered before a byte of it is read (the server
    discards the rest of the body after the answer); one that is passed on is read to its end,
    so that every problem of its lines is counted.
    """
    result = FileResult(arriving.name, arriving.size, Status.NOT_SENT)
    report = check_basics(
        filename=arriving.name,
        size=arriving.size,
        purpose=batch.purpose,
        max_bytes=settings.UPLOAD_MAX_BYTES,
    )
    return _deliver(batch, result, report, lambda: _relay(batch, arriving, result))


def _deliver(
    batch: UploadBatch,
    result: FileResult,
    report: CheckReport,
    send: Callable[[], dict | None],
) -> FileResult:
    """Send a file that passed ``report`` (and the upstream's own check, for alignment), and
    log its outcome: the entry is written before anything is sent, and completed after.
    ``send`` gives the created file object, or None when a check made on the way failed (it
    then says so in ``result``)."""
    result.problems, result.unlisted = report.problems, report.unlisted
    recorded = begin_change(
        batch.user,
        Action.FILE_UPLOADED,
        team=batch.team,
        kind=FILES.slug,
        detail=_described(batch, result),
    )
    with failures_recorded(recorded):
        try:
            if report.passed and batch.purpose.asks_upstream_first:
                _ask_upstream_first(batch, result)
            if not result.problems:
                created = send()
                if created is not None:
                    _uploaded(batch, result, created)
        except errors.UpstreamError as exc:
            result.status = Status.FAILED
            result.problems = [f"{exc.title}. {exc.message}"]
            failed_with = exc
        else:
            failed_with = None
    recorded.resource_id = result.file_id
    outcome = AUDIT_OUTCOME[result.status]
    if failed_with is not None:  # failed, or sent with no answer saying what came of it
        outcome = failure_outcome(failed_with)
    recorded.finish(outcome, _described(batch, result))
    return result


def _relay(batch: UploadBatch, arriving: ArrivingFile, result: FileResult) -> dict | None:
    checker = JsonLinesChecker() if file_type_of(arriving.name) == JSON_LINES else None
    with batch.client.files.relay(
        purpose=batch.purpose.value, filename=arriving.name, size=arriving.size
    ) as relay:
        try:
            for piece in arriving.pieces():
                if checker is not None:
                    checker.feed(piece)
                    if not checker.report.passed:
                        relay.abort()  # no-op after the first time
                        continue
                relay.send(piece)
        except IncompleteFile as exc:
            why = (
                f"nothing more of it came for {idle_text()}"
                if exc.stalled
                else "the upload was cancelled or the connection broke"
            )
            result.problems = [
                f"The file stopped arriving part-way ({why}), so nothing of it was stored. "
                "Send it again."
            ]
            return None
        if checker is not None:
            report = checker.finish()
            if not report.passed:
                result.problems, result.unlisted = report.problems, report.unlisted
                return None
        return relay.finish()


def _ask_upstream_first(batch: UploadBatch, result: FileResult) -> None:
    verdict = batch.client.files.validate_metadata(
        purpose=batch.purpose.value,
        suffix=suffix_of(result.filename),
        size=result.size,
    )
    if not verdict.is_valid:
        said = verdict.errors or "no reason given"
        result.problems = [f"The upstream would not take this file, so it was not sent: {said}"]


def _uploaded(batch: UploadBatch, result: FileResult, created: dict) -> None:
    result.status = Status.UPLOADED
    result.file_id = created["id"]
    identity.learn_from_created(
        user=batch.user, personal=batch.team.is_personal, created=created, kind=FILES
    )


def _described(batch: UploadBatch, result: FileResult) -> str:
    """What the action log says of one file: name, size, purpose, and its first problem."""
    size = result.size_text.replace("\xa0", " ")  # the log is plain text, not a page
    described = f"{result.filename} ({size}, {batch.purpose.value})"
    return f"{described}: {result.problems[0]}" if result.problems else described
