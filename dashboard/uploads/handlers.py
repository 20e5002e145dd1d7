"""The upload handler of the upload page: every file to disk, JSON Lines checked on arrival.

Every file is spooled to a temporary file whatever its size (Django's default keeps small
files in memory), so a batch cannot pile up in memory and every file is removed when it is
closed. While a ``.jsonl`` file arrives, its lines are checked piece by piece, so the check
costs no second pass over a multi-GB file; its report rides on the uploaded file. Every piece
received is reported to ``on_progress`` (the upload's slot is renewed while the form arrives).
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler

from dashboard.uploads.checks import CheckReport, JsonLinesChecker
from dashboard.uploads.purposes import JSON_LINES, file_type_of

REPORT_ATTRIBUTE = "json_lines_report"


class CheckingUploadHandler(TemporaryFileUploadHandler):
    # Measured on a 256 MiB file: parsing and checking in 256 KiB chunks is faster than in
    # Django's 64 KiB (fewer Python steps) and than in 1 MiB (which no longer fits the caches).
    chunk_size = 256 * 1024

    def __init__(self, request=None, on_progress: Callable[[], None] | None = None):
        super().__init__(request)
        self.on_progress = on_progress or (lambda: None)

    def new_file(self, field_name, file_name, *args, **kwargs):
        super().new_file(field_name, file_name, *args, **kwargs)
        self.checker = JsonLinesChecker() if file_type_of(file_name) == JSON_LINES else None

    def receive_data_chunk(self, raw_data, start):
        self.on_progress()
        if self.checker is not None:
            self.checker.feed(raw_data)
        return super().receive_data_chunk(raw_data, start)

    def file_complete(self, file_size):
        uploaded = super().file_complete(file_size)
        if self.checker is not None:
            setattr(uploaded, REPORT_ATTRIBUTE, self.checker.finish())
        return uploaded


def lines_report_of(uploaded: UploadedFile) -> CheckReport | None:
    """The JSON Lines check made while the file arrived, if one was."""
    return getattr(uploaded, REPORT_ATTRIBUTE, None)
