"""Streamed exports: CSV (and a JSON twin) written row by row, never built whole in memory.

Rows are gathered into chunks of about 64 KB before being handed to the server, so a large
export is neither one huge string nor tens of thousands of tiny writes.

A CSV file starts with a UTF-8 byte-order mark: without it, a spreadsheet opened by a
double-click (Excel above all) reads the file in the computer's legacy code page and garbles
every name with an accent or a non-Latin letter ("ZoÃ«" for "Zoë").
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator, Sequence

from django.http import StreamingHttpResponse
from django.utils import timezone

CHUNK_CHARS = 64 * 1024
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
UTF8_BOM = "\ufeff"  # tells a spreadsheet the file is UTF-8


class Echo:
    """A write-only "file" that hands back what is written, for csv.writer."""

    def write(self, value: str) -> str:
        return value


def spreadsheet_safe(value) -> str:
    """Text a spreadsheet will not run as a formula (a resource name may start with "=")."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def chunked(pieces: Iterable[str], size: int = CHUNK_CHARS) -> Iterator[str]:
    buffer: list[str] = []
    length = 0
    for piece in pieces:
        buffer.append(piece)
        length += len(piece)
        if length >= size:
            yield "".join(buffer)
            buffer, length = [], 0
    if buffer:
        yield "".join(buffer)


def csv_lines(header: Sequence[str], records: Iterable[Sequence]) -> Iterator[str]:
    writer = csv.writer(Echo())
    yield UTF8_BOM + writer.writerow(header)
    for record in records:
        yield writer.writerow([spreadsheet_safe(value) for value in record])


def json_document(head: dict, list_name: str, items: Iterable[dict]) -> Iterator[str]:
    """``head``'s keys, then ``list_name`` as an array written item by item."""
    opening = json.dumps(head, ensure_ascii=False)[:-1]
    yield f"{opening}, {json.dumps(list_name)}: [" if head else f"{{{json.dumps(list_name)}: ["
    for index, item in enumerate(items):
        yield ("\n" if index == 0 else ",\n") + json.dumps(item, ensure_ascii=False)
    yield "\n]}\n"


def filename(stem: str, extension: str) -> str:
    return f"{stem}-{timezone.now():%Y%m%d-%H%M%S}.{extension}"


def streamed(pieces: Iterable[str], content_type: str, name: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(chunked(pieces), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


def csv_response(header: Sequence[str], records: Iterable[Sequence], stem: str):
    return streamed(csv_lines(header, records), "text/csv; charset=utf-8", filename(stem, "csv"))


def json_response(head: dict, list_name: str, items: Iterable[dict], stem: str):
    return streamed(
        json_document(head, list_name, items),
        "application/json; charset=utf-8",
        filename(stem, "json"),
    )
