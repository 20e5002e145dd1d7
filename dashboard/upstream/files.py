"""Uploading files upstream, exactly as the official SDK does (contract §2.2).

One multipart ``PUT v1/flow/files`` whose parts are, in order: the form field ``purpose``, the
file part ``files`` (the real filename, content type guessed from it as httpx does), and the
SDK's quirk, a file part ``filename`` (filename "upload", application/octet-stream) holding the
basename. The body is streamed from the open file by requests-toolbelt's ``MultipartEncoder``,
which also gives the Content-Length, so the file is never read whole into memory.

An upload is never retried: the encoder cannot be replayed, and the pooled session retries only
GET/HEAD (see ``http.py``; it may reconnect when a connection could not even be opened, before
any byte of the body went out). For the alignment purpose the SDK first asks
``validate_metadata``; so does the dashboard.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from django.conf import settings
from requests_toolbelt import MultipartEncoder

from dashboard.upstream import errors
from dashboard.upstream.catalog import FILES
from dashboard.upstream.client import UpstreamClient

UPLOAD_PATH = FILES.list_path
VALIDATE_METADATA_PATH = "v1/flow/files/validate_metadata"
# The SDK's filename part: a file part whose "file" is the basename, named "upload".
FILENAME_PART_NAME = "upload"
OCTET_STREAM = "application/octet-stream"


@dataclass(frozen=True)
class MetadataVerdict:
    is_valid: bool
    errors: str = ""


def validate_metadata(
    client: UpstreamClient, *, purpose: str, suffix: str, size: int
) -> MetadataVerdict:
    """Ask the upstream whether it would take a file of this kind and size."""
    payload = client.request(
        "POST",
        VALIDATE_METADATA_PATH,
        scope=FILES.scope,
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


def upload_file(client: UpstreamClient, *, purpose: str, filename: str, content: BinaryIO) -> dict:
    """Stream one file upstream into the client's team; the created file object comes back."""
    body = multipart_body(purpose, filename, content)
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
        raise errors.UpstreamTimeoutError(
            "The upstream did not confirm the upload in time. It may still have stored the "
            "file: look for it in the Files list before sending it again."
        ) from exc
    except errors.UpstreamUnreachableError as exc:
        if body.bytes_sent:
            raise errors.UpstreamUnavailableError(
                "The connection to the upstream broke while the file was being sent, so the "
                "upstream did not confirm it. Try again."
            ) from exc
        raise
    if not isinstance(created, dict) or not isinstance(created.get("id"), str):
        raise errors.BadResponseError(
            "The upstream answered the upload without the new file's ID, so the dashboard "
            "cannot tell whether it was stored. Look for it in the Files list before sending "
            "it again."
        )
    return created
