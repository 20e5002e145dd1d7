"""Uploading files upstream (``client.files``), exactly as the official SDK does (see
``docs/upstream.md``, "Files").

One multipart ``PUT v1/flow/files`` whose parts are, in order: the form field ``purpose``, the
file part ``files`` (the real filename, content type guessed from it as httpx does), and the
SDK's quirk, a file part ``filename`` (filename "upload", application/octet-stream) holding the
basename. The body is streamed by requests-toolbelt's ``MultipartEncoder``, which also gives the
Content-Length, so the file is never read whole into memory. Its content comes either from a
file on disk (``upload_file``: a form's files, spooled by Django first) or from the bytes of a
file still arriving from the browser (``RelayedUpload``: the page's script sends each file as
the body of its own request, with its size, so it can be passed on as it comes).

A relayed upload always holds its latest piece back: the upstream has the whole file only once
``finish`` says every check passed. ``abort`` cuts the request off short of the length it
announced, and an HTTP server short of a request's body stores nothing from it.

An upload is never retried: the encoder cannot be replayed, and the pooled session retries only
GET/HEAD (see ``http.py``; it may reconnect when a connection could not even be opened, before
any byte of the body went out). For the alignment purpose the SDK first asks
``validate_metadata``; so does the dashboard.
"""

from __future__ import annotations

import contextlib
import logging
import mimetypes
import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, BinaryIO

from django.conf import settings
from requests_toolbelt import MultipartEncoder

from dashboard.upstream import errors
from dashboard.upstream.catalog import FILES

if TYPE_CHECKING:
    from dashboard.upstream.client import UpstreamClient

UPLOAD_PATH = FILES.list_path
VALIDATE_METADATA_PATH = "v1/flow/files/validate_metadata"
# The SDK's filename part: a file part whose "file" is the basename, named "upload".
FILENAME_PART_NAME = "upload"
OCTET_STREAM = "application/octet-stream"

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class MetadataVerdict:
    is_valid: bool
    errors: str = ""


class FilesApi:
    """Uploads into the client's team: from a file at hand, or relayed while it arrives."""

    def __init__(self, client: UpstreamClient):
        self.client = client

    def validate_metadata(self, *, purpose: str, suffix: str, size: int) -> MetadataVerdict:
        """Ask the upstream whether it would take a file of this kind and size."""
        return _validate_metadata(self.client, purpose=purpose, suffix=suffix, size=size)

    def upload(self, *, purpose: str, filename: str, content: BinaryIO) -> dict:
        """Stream one file upstream; the created file object comes back."""
        return _put(self.client, multipart_body(purpose, filename, content))

    def relay(self, *, purpose: str, filename: str, size: int) -> RelayedUpload:
        """An upload to feed piece by piece as the file arrives (see :class:`RelayedUpload`)."""
        return RelayedUpload(self.client, purpose=purpose, filename=filename, size=size)


def _validate_metadata(
    client: UpstreamClient, *, purpose: str, suffix: str, size: int
) -> MetadataVerdict:
    payload = client.request(
        "POST",
        VALIDATE_METADATA_PATH,
        scope=FILES.scope,
        changes=False,  # a question about a file to come, not a change
        json_body={"purpose": purpose, "suffix": suffix, "size": size},
    )
    if not isinstance(payload, dict) or not isinstance(payload.get("is_valid"), bool):
        raise errors.BadResponseError(
            "The upstream answered the file check with data of an unexpected shape."
        )
    return MetadataVerdict(payload["is_valid"], str(payload.get("errors") or ""))


class StreamedBody:
    """The multipart body handed to requests as an iterable of large pieces.

    An iterable with a length is sent with that Content-Length, piece by piece: 1 MiB pieces
    instead of the 16 KiB reads urllib3 makes of a file-like body, which is several times
    faster for multi-GB files. ``bytes_sent`` tells a connection that was never opened from
    one that broke mid-file.
    """

    PIECE_BYTES = 1024 * 1024

    def __init__(self, encoder: MultipartEncoder):
        self.encoder = encoder
        self.content_type = encoder.content_type
        self.bytes_sent = 0

    def __len__(self) -> int:
        return self.encoder.len

    def __iter__(self) -> Iterator[bytes]:
        while piece := self.encoder.read(self.PIECE_BYTES):
            self.bytes_sent += len(piece)
            yield piece


def multipart_body(purpose: str, filename: str, content: BinaryIO) -> StreamedBody:
    """The SDK's three parts, in its order, streaming ``content`` from where it stands."""
    content_type = mimetypes.guess_type(filename)[0] or OCTET_STREAM
    encoder = MultipartEncoder(
        fields=[
            ("purpose", purpose),
            ("files", (filename, content, content_type)),
            ("filename", (FILENAME_PART_NAME, filename.encode("utf-8"), OCTET_STREAM)),
        ]
    )
    return StreamedBody(encoder)


def _put(client: UpstreamClient, body: StreamedBody) -> dict:
    try:
        created = client.request(
            "PUT",
            UPLOAD_PATH,
            scope=FILES.scope,
            data=body,
            headers={"Content-Type": body.content_type},
            timeout=(settings.UPSTREAM_CONNECT_TIMEOUT, settings.UPSTREAM_UPLOAD_TIMEOUT),
        )
    except errors.UpstreamTimeoutError as exc:
        raise errors.outcome_unknown(
            errors.UpstreamTimeoutError(
                "The upstream did not confirm the upload in time. It may still have stored the "
                "file: look for it in the Files list before sending it again."
            )
        ) from exc
    except errors.UpstreamUnreachableError as exc:
        if body.bytes_sent and body.bytes_sent >= len(body):  # all of it, then no answer
            raise errors.outcome_unknown(
                errors.UpstreamUnavailableError(
                    "The connection to the upstream broke after the whole file was sent and "
                    "before the upstream confirmed it. It may have stored the file: look for it "
                    "in the Files list before sending it again."
                )
            ) from exc
        if body.bytes_sent:
            raise errors.UpstreamUnavailableError(
                "The connection to the upstream broke while the file was being sent, so the "
                "upstream did not confirm it. Try again."
            ) from exc
        raise
    if not isinstance(created, dict) or not isinstance(created.get("id"), str):
        raise errors.outcome_unknown(
            errors.BadResponseError(
                "The upstream answered the upload without the new file's ID, so the dashboard "
                "cannot tell whether it was stored. Look for it in the Files list before "
                "sending it again."
            )
        )
    return created


class RelayAborted(Exception):
    """The relayed file will not be sent whole: its request is cut off before its end."""


_ABORT = None  # in the queue of pieces: stop here


class _ArrivingContent:
    """The file part of a relayed upload, for ``MultipartEncoder``: ``read`` blocks until the
    next piece is handed over; ``len`` is what is still to come, so the encoder reckons the
    Content-Length from the size the file was announced with."""

    def __init__(self, size: int, pieces: queue.Queue):
        self._left = size
        self._pieces = pieces
        self._piece = b""

    def __len__(self) -> int:
        return self._left

    def read(self, size: int = -1) -> bytes:
        if not self._left:
            return b""
        if not self._piece:
            piece = self._pieces.get()
            if piece is _ABORT or len(piece) > self._left:
                raise RelayAborted()
            self._piece = piece
        taken = len(self._piece) if size < 0 else min(size, len(self._piece))
        out, self._piece = self._piece[:taken], self._piece[taken:]
        self._left -= len(out)
        return out


class RelayedUpload:
    """One file sent upstream while its bytes still arrive; a context manager.

    ``send`` hands on every piece but the latest, which it holds back; ``finish`` hands that
    one on and waits for the upstream's answer (the created file object); leaving the block
    without ``finish``, or calling ``abort``, cuts the request off short of its announced
    length, so the upstream stores nothing. The request itself runs in a thread of its own,
    fed through a small queue: memory stays at a few pieces whatever the file's size, and a
    slow upstream slows the sender down rather than filling memory.
    """

    QUEUED_PIECES = 4
    WAIT_STEP = 0.2  # seconds between looks at whether the request ended early
    ABORT_WAIT = 5.0  # seconds an aborted request gets to wind down before it is left to end

    def __init__(self, client: UpstreamClient, *, purpose: str, filename: str, size: int):
        self._pieces: queue.Queue = queue.Queue(maxsize=self.QUEUED_PIECES)
        body = multipart_body(purpose, filename, _ArrivingContent(size, self._pieces))
        self._held: bytes | None = None
        self._created: dict | None = None
        self._error: errors.UpstreamError | None = None
        self._closed = False
        # Opened with the first piece handed on: a file that fails within its first piece
        # never reaches the upstream at all.
        self._thread = threading.Thread(
            target=self._request, args=(client, body), name="upload-relay", daemon=True
        )

    def __enter__(self) -> RelayedUpload:
        return self

    def __exit__(self, *exc_info) -> None:
        if not self._closed:
            self.abort()

    def _request(self, client: UpstreamClient, body: StreamedBody) -> None:
        try:
            self._created = _put(client, body)
        except RelayAborted:
            pass
        except errors.UpstreamError as exc:
            self._error = exc
        except Exception as exc:  # noqa: BLE001 - the request thread must never die silently
            logger.error("relayed upload failed: %s", type(exc).__name__)
            self._error = errors.UpstreamUnavailableError(
                "The upload to the upstream failed unexpectedly. Try again."
            )

    def send(self, piece: bytes) -> None:
        """Hand on the piece held back so far, and hold this one back instead.

        Raises the upstream's error if it already answered (a refusal before the whole file
        came), so the caller stops passing the file on.
        """
        if self._held is not None:
            self._hand_on(self._held)
        self._held = piece

    def finish(self) -> dict:
        """Hand on the last piece and wait for the upstream to confirm the file."""
        if self._held is not None:
            self._hand_on(self._held)
            self._held = None
        self._open()
        self._closed = True
        self._thread.join()
        if self._error is not None:
            raise self._error
        if self._created is None:
            raise errors.UpstreamUnavailableError(
                "The upload to the upstream ended without an answer. Try again."
            )
        return self._created

    def abort(self) -> None:
        """Cut the request off before its end; nothing is stored upstream."""
        self._held = None
        self._closed = True
        if not self._thread.ident:
            return  # never opened
        while self._thread.is_alive():
            try:
                self._pieces.put_nowait(_ABORT)
                break
            except queue.Full:
                with contextlib.suppress(queue.Empty):
                    self._pieces.get_nowait()  # make room: these bytes will never be sent
        self._thread.join(self.ABORT_WAIT)

    def _open(self) -> None:
        if not self._thread.ident:
            self._thread.start()

    def _hand_on(self, piece: bytes) -> None:
        self._open()
        while True:
            if not self._thread.is_alive():
                raise self._error or errors.UpstreamUnavailableError(
                    "The upstream stopped taking the file part-way, so it was not stored. "
                    "Try again."
                )
            try:
                self._pieces.put(piece, timeout=self.WAIT_STEP)
                return
            except queue.Full:
                continue


# --- Copying a file from one team into another ---------------------------------------------
COPY_PIECE_BYTES = 1024 * 1024
ALIGNMENT = "alignment"  # the purpose whose uploads the upstream checks first


def copy_file(
    *,
    source: UpstreamClient,
    target: UpstreamClient,
    file: dict,
    on_progress: Callable[[int, int], None] | None = None,
) -> dict:
    """Stream a file's content from the source client's team into the target client's, with
    its name and purpose; the new file object comes back.

    The content is handed on piece by piece as it is read (see :class:`RelayedUpload`), so
    memory stays at a few pieces whatever the size and no temporary file is written. A source
    that stops short of the size it announced, or an ``on_progress`` that raises (a cancelled
    job), cuts the upload off: the target team stores nothing.
    """
    file_id = str(file.get("id") or "")
    filename = str(file.get("filename") or file_id)
    purpose = str(file.get("purpose") or "fine-tune")
    stream = source.resources.content(FILES, file_id)
    try:
        size = stream.content_length
        if size is None:
            size = file.get("bytes")
        if not isinstance(size, int) or size < 0:
            raise errors.BadResponseError(
                f"The upstream did not say how large “{filename}” is, so it cannot be copied."
            )
        if purpose == ALIGNMENT:  # as the SDK does before an alignment upload
            suffix = PurePosixPath(filename).suffix.lstrip(".")  # as written, as the SDK sends it
            verdict = target.files.validate_metadata(purpose=purpose, suffix=suffix, size=size)
            if not verdict.is_valid:
                raise errors.InvalidRequestError(
                    f"The other team's upstream would not take “{filename}”: "
                    f"{verdict.errors or 'no reason given'}"
                )
        sent = 0
        with target.files.relay(purpose=purpose, filename=filename, size=size) as upload:
            for piece in stream.iter_bytes(COPY_PIECE_BYTES):
                sent += len(piece)
                if sent > size:
                    break
                upload.send(piece)
                if on_progress is not None:
                    on_progress(sent, size)
            if sent != size:
                raise errors.UpstreamUnavailableError(
                    f"Reading “{filename}” from its team stopped after {sent} of its {size} "
                    "bytes, so nothing was stored in the other team. Try again."
                )
            return upload.finish()
    finally:
        stream.close()
