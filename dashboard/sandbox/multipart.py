"""Multipart request bodies (uploads of files and of Python functions), read for any method:
Django parses them itself only for POST, and the upstream takes them on PUT and PATCH too."""

from __future__ import annotations

from django.core.exceptions import SuspiciousOperation
from django.http.multipartparser import MultiPartParser, MultiPartParserError

from dashboard.sandbox import errors, storage


def parse_multipart(request, limit: int | None = None):
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
    limit = storage.max_upload_bytes() if limit is None else limit
    if length > limit:
        raise errors.PayloadTooLarge(f"The upload is larger than the limit of {limit} bytes.")
    if not request.content_type.startswith("multipart/form-data"):
        raise errors.UnsupportedMediaType("Uploads must be sent as multipart/form-data.")
    body = CountedBody(request)
    try:
        parser = MultiPartParser(request.META, body, request.upload_handlers, request.encoding)
        post, files = parser.parse()
    except (MultiPartParserError, SuspiciousOperation) as exc:
        raise errors.BadRequest(f"The multipart body could not be read: {exc}") from None
    if body.read_bytes < length:  # the sender stopped short: nothing of it is kept
        close_all(files)
        raise errors.BadRequest(
            f"The body ended after {body.read_bytes} of its {length} bytes; nothing was stored."
        )
    return post, files


class CountedBody:
    """The request body, counting what is read of it."""

    def __init__(self, stream):
        self._stream = stream
        self.read_bytes = 0

    def read(self, *args) -> bytes:
        data = self._stream.read(*args)
        self.read_bytes += len(data)
        return data


def close_all(files) -> None:
    for _, uploads in files.lists():
        for upload in uploads:
            upload.close()  # a spooled temporary file is removed here
