"""What keeps slow or stalled uploads from taking the server down.

Every upload holds a worker thread for as long as its body takes to arrive. So a person has at
most ``UPLOAD_MAX_CONCURRENT_PER_USER`` uploads under way at once, counted in the database so
that every process and app server sees the same count (``upload_slot``); and while a body is
read, the client's connection has a read timeout of ``UPLOAD_IDLE_TIMEOUT`` seconds, so a client
that announces a body and then sends nothing is given up (``ClientBody``).
"""

from __future__ import annotations

import logging
import socket
import ssl
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from dashboard.uploads.models import UploadSlot

# A slot outlives an upload whose process died (killed by a deploy, say) this long at most; the
# slot of an upload still going is renewed while its bytes come, at most once a minute.
SLOT_LEASE = timedelta(minutes=10)
RENEW_EVERY_SECONDS = 60.0

logger = logging.getLogger(__name__)
_warned_without_socket = False


def max_concurrent() -> int:
    # At least one, or nobody could upload at all.
    return max(1, settings.UPLOAD_MAX_CONCURRENT_PER_USER)


def busy_message() -> str:
    cap = max_concurrent()
    if cap == 1:
        return "You already have 1 upload under way; wait for it to finish, then try again."
    return f"You already have {cap} uploads under way; wait for one to finish, then try again."


def idle_text() -> str:
    """The idle timeout in words: "30 seconds", "1 second", "2.5 seconds"."""
    seconds = settings.UPLOAD_IDLE_TIMEOUT
    return f"{seconds:g} second{'' if seconds == 1 else 's'}"


class Slot:
    """One of a person's uploads under way."""

    def __init__(self, pk: int):
        self.pk = pk
        self._renewed = time.monotonic()

    def keep(self) -> None:
        """Say the upload is still going; cheap enough to call for every piece that arrives."""
        now = time.monotonic()
        if now - self._renewed >= RENEW_EVERY_SECONDS:
            self._renewed = now
            UploadSlot.objects.filter(pk=self.pk).update(expires_at=timezone.now() + SLOT_LEASE)


@contextmanager
def upload_slot(user) -> Iterator[Slot | None]:
    """One of ``user``'s upload slots for the block, or None when all of them are taken.

    The slot is given back however the block ends: an answer, a refusal, an error, a client
    that went away.
    """
    slot = _take_slot(user)
    try:
        yield slot
    finally:
        if slot is not None:
            UploadSlot.objects.filter(pk=slot.pk).delete()


def _take_slot(user) -> Slot | None:
    now = timezone.now()
    UploadSlot.objects.filter(user=user, expires_at__lte=now).delete()
    taken = set(UploadSlot.objects.filter(user=user).values_list("number", flat=True))
    for number in range(max_concurrent()):
        if number in taken:
            continue
        try:
            with transaction.atomic():
                row = UploadSlot.objects.create(
                    user=user, number=number, expires_at=now + SLOT_LEASE
                )
        except IntegrityError:
            continue  # another request of the same person took this one meanwhile
        return Slot(row.pk)
    return None


def client_socket(environ: dict) -> socket.socket | None:
    """The socket this request's body is read from, where the server lets it be found.

    gunicorn names it in the environ. Django's development server (runserver, and the tests'
    live server) reads the body from a buffered file over the socket, wrapped in its own
    LimitedStream; it is followed down through those. That file refuses any read after a
    timeout, so after an upload given up there the development server logs an error when it
    next reads the connection, then closes it. An HTTP/2 connection carries other requests
    too, so it is never this request's to time out or stop.
    """
    if environ.get("HTTP_VERSION") == "2" or not str(environ.get("SERVER_PROTOCOL", "")).startswith(
        "HTTP/1"
    ):
        return None
    sock = environ.get("gunicorn.socket")
    if sock is None:
        reader = getattr(getattr(environ.get("wsgi.input"), "_read", None), "__self__", None)
        sock = getattr(getattr(reader, "raw", None), "_sock", None)
    return sock if isinstance(sock, socket.socket) else None


def is_idle_timeout(exc: BaseException) -> bool:
    """Whether reading the body failed because nothing came for the idle timeout (Django
    reports it as an UnreadablePostError caused by the socket's TimeoutError)."""
    while exc is not None:
        if isinstance(exc, TimeoutError):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


class ClientBody:
    """The body of one upload request, as it comes over the client's connection.

    ``idle_timeout`` puts a read timeout on the connection while the body is read. ``finish``
    deals with what is left of a body when the answer came before its end (a refusal, or a body
    that stopped arriving), so that the rest cannot hold the thread either: the server would
    otherwise wait a while for it before taking the connection's next request.
    """

    DRAIN_BYTES = 64 * 1024  # a rest this small is read, so the connection can be kept
    DRAIN_SECONDS = 0.5  # ... if it comes within this long

    def __init__(self, request, slot: Slot | None = None):
        self.request = request
        self.slot = slot
        length = str(request.META.get("CONTENT_LENGTH") or "")
        self.length = int(length) if length.isdigit() else 0
        self.received = 0
        self.read_whole = False  # set by a reader that knows it read the body to its end
        self.timed_out = False  # set when nothing came for the idle timeout
        self._sock = client_socket(request.META)

    def read(self, size: int) -> bytes:
        try:
            piece = self.request.read(size)
        except OSError as exc:
            self.timed_out = is_idle_timeout(exc)
            raise
        self.received += len(piece)
        self.progress()
        return piece

    def progress(self) -> None:
        if self.slot is not None:
            self.slot.keep()

    @contextmanager
    def idle_timeout(self) -> Iterator[None]:
        if self._sock is None:
            _warn_without_socket()
            yield
            return
        with _read_timeout(self._sock, settings.UPLOAD_IDLE_TIMEOUT):
            yield

    def finish(self) -> None:
        """Once the answer is ready: read a short rest of the body that has come already, or
        else shut the connection's reading side, so the server closes the connection after
        the answer instead of waiting for a rest that a stalled client never sends."""
        left = self.length - self.received
        sock = self._sock
        if self.read_whole or left <= 0 or sock is None:
            return
        if left <= self.DRAIN_BYTES and not self.timed_out and self._drain(sock, left):
            return
        # Shutting one direction of a TLS socket drops its TLS state: leave it to the server.
        if not isinstance(sock, ssl.SSLSocket):
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RD)

    def _drain(self, sock: socket.socket, left: int) -> bool:
        with _read_timeout(sock, self.DRAIN_SECONDS):
            try:
                while left > 0:
                    piece = self.request.read(left)
                    if not piece:  # read to its end already, or the client went away
                        return True
                    left -= len(piece)
            except OSError:
                return False
        return True


@contextmanager
def _read_timeout(sock: socket.socket, seconds: float) -> Iterator[None]:
    before = sock.gettimeout()
    sock.settimeout(seconds)
    try:
        yield
    finally:
        with suppress(OSError):
            sock.settimeout(before)


def _warn_without_socket() -> None:
    global _warned_without_socket
    if not _warned_without_socket:
        _warned_without_socket = True
        logger.warning(
            "The WSGI server gives no access to the client's socket, so uploads have no idle "
            "timeout: a stalled upload holds its thread until the connection closes."
        )
