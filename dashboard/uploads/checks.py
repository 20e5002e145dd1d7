"""The checks a file passes before it is sent upstream, each failure said in plain words.

Cheap checks first (empty, too large, a type the purpose does not take: ``check_basics``, from
the name and size alone); then, for JSON Lines files, every line must be one JSON object in
valid UTF-8, checked piece by piece in constant memory (while the file arrives, or in one pass
over it). The browser script repeats the cheap checks before sending; these are the ones that
count.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import BinaryIO

from django.template.defaultfilters import filesizeformat

from dashboard.uploads.purposes import JSON_LINES, Purpose, file_type_of

REPORTED_LINE_PROBLEMS = 5  # a person fixes the first few; the rest are counted
MAX_LINE_BYTES = 16 * 1024 * 1024  # a longer line is refused rather than held in memory
READ_PIECE_BYTES = 1024 * 1024
BOM = b"\xef\xbb\xbf"


@dataclass
class CheckReport:
    problems: list[str] = field(default_factory=list)
    unlisted: int = 0  # further problems of the same kind, counted but not listed

    @property
    def passed(self) -> bool:
        return not self.problems


def check_file(
    fileobj: BinaryIO,
    *,
    filename: str,
    size: int,
    purpose: Purpose,
    max_bytes: int,
    lines_report: CheckReport | None = None,
) -> CheckReport:
    """The file's problems; ``lines_report`` is the JSON Lines check if it was already made
    while the file was received (see ``handlers.py``), so it is not read a second time."""
    report = check_basics(filename=filename, size=size, purpose=purpose, max_bytes=max_bytes)
    if not report.passed or file_type_of(filename) != JSON_LINES:
        return report
    return lines_report if lines_report is not None else check_json_lines(fileobj)


def check_basics(*, filename: str, size: int, purpose: Purpose, max_bytes: int) -> CheckReport:
    """The checks that need only the file's name and size: empty, too large, a wrong type."""
    report = CheckReport()
    if size == 0:
        report.problems.append("This file is empty (0 bytes), so there is nothing to send.")
        return report
    if size > max_bytes:
        report.problems.append(
            f"This file is {filesizeformat(size)}, over the limit of "
            f"{filesizeformat(max_bytes)} per file."
        )
    file_type = file_type_of(filename)
    if not purpose.takes(file_type):
        found = f"a .{file_type} file" if file_type else "a file without an extension"
        report.problems.append(
            f"For {purpose.label.lower()}, a file must be one of: {purpose.types_text}. "
            f"This is {found}."
        )
    return report


def check_json_lines(fileobj: BinaryIO) -> CheckReport:
    """Read the file once, in pieces, and report lines that are not one JSON object."""
    checker = JsonLinesChecker()
    fileobj.seek(0)
    try:
        while piece := fileobj.read(READ_PIECE_BYTES):
            checker.feed(piece)
    finally:
        fileobj.seek(0)
    return checker.finish()


class JsonLinesChecker:
    """Checks JSON Lines fed in pieces of any size, as they are read or received.

    Memory stays bounded by ``MAX_LINE_BYTES`` plus one piece, whatever the file's size. Blank
    lines at the very end are allowed (editors add them); anywhere else they are reported.
    """

    def __init__(self):
        self.report = CheckReport()
        self._line_no = 0
        self._content_lines = 0
        self._blank_run: list[int] = []  # blank lines since the last line with content
        self._partial = bytearray()  # the start of a line whose end has not come yet
        self._too_long = False  # the current line passed MAX_LINE_BYTES; its rest is skipped

    def feed(self, piece: bytes) -> None:
        lines = piece.split(b"\n")
        tail = lines.pop()
        for line in lines:
            if self._partial or self._too_long:
                self._extend(line)
                line = bytes(self._partial)
                self._partial.clear()
            self._end_line(line)
        self._extend(tail)

    def finish(self) -> CheckReport:
        if self._partial or self._too_long:  # a last line without a line break
            line = bytes(self._partial)
            self._partial.clear()
            self._end_line(line)
        if self._content_lines == 0 and not self.report.problems:
            self.report.problems.append("This file has no lines with content; it is blank.")
        return self.report

    def _extend(self, part: bytes) -> None:
        if self._too_long:
            return
        if len(self._partial) + len(part) > MAX_LINE_BYTES:
            self._too_long = True
            self._partial.clear()
            return
        self._partial += part

    def _end_line(self, line: bytes) -> None:
        self._line_no += 1
        if self._too_long or len(line) > MAX_LINE_BYTES:
            self._too_long = False
            self._note(_too_long(self._line_no))
            return
        if not line.strip():
            self._blank_run.append(self._line_no)
            return
        for blank_no in self._blank_run:
            self._note(f"Line {blank_no} is blank; every line must hold one JSON object.")
        self._blank_run.clear()
        self._content_lines += 1
        problem = _line_problem(line, self._line_no)
        if problem:
            self._note(problem)

    def _note(self, problem: str) -> None:
        if len(self.report.problems) < REPORTED_LINE_PROBLEMS:
            self.report.problems.append(problem)
        else:
            self.report.unlisted += 1


def _too_long(line_no: int) -> str:
    return (
        f"Line {line_no} is longer than {filesizeformat(MAX_LINE_BYTES)}, more than the "
        "dashboard checks in one line. Split the example, or check that lines end with a "
        "line break."
    )


def _line_problem(line: bytes, line_no: int) -> str | None:
    if line_no == 1 and line.startswith(BOM):
        return (
            "Line 1 starts with an invisible byte-order mark (BOM). Save the file as UTF-8 "
            "without BOM."
        )
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as exc:
        return (
            f"Line {line_no} is not valid UTF-8 text (byte {exc.start + 1} of the line). "
            "Save the file as UTF-8."
        )
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        return f"Line {line_no} is not valid JSON: {exc.msg} (at character {exc.colno})."
    if not isinstance(value, dict):
        return (
            f"Line {line_no} holds a JSON {_json_kind(value)}, not an object; every line must "
            "be one {…} object."
        )
    return None


def _json_kind(value) -> str:
    if isinstance(value, list):
        return "list"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool) or value is None:
        return "true/false/null value"
    return "number"
