"""HTTP/1.1 for plain calls: kept-alive connections per origin and one exchange at a time on each,
the request written in one piece and the answer's head read by hand.

A plain call (``transport.py``) is a short request and an answer with a length, many of them per
page. Through ``http.client`` most of its CPU went on the answer's head, parsed as an e-mail
message, and on writing the request header by header; here the head is split on its lines and
the request is one ``sendall``. Nothing else is skipped: TLS is verified (the host name too)
against the certificates it is given, every line and the number of header lines are bounded, a
chunked or compressed body is decoded, and a connection goes back to its pool only when its
answer was read to the end and neither side asked to close it. A connection the upstream closed
while it sat idle, or sent anything unasked on, is dropped before use rather than written to.

Failures are raised as urllib3's own exceptions (a connection refused or timed out, a read that
timed out, a protocol error), so that urllib3's ``Retry`` and ``transport.failure`` read them as
they read urllib3's.
"""

from __future__ import annotations

import os
import re
import socket
import ssl
import threading
import zlib
from collections import deque
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from urllib3.exceptions import (
    ConnectTimeoutError,
    DecodeError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
    SSLError,
)
from urllib3.util.timeout import Timeout
from urllib3.util.wait import wait_for_read

MAX_LINE = 65_536  # as http.client: a longer status or header line is refused
MAX_HEADERS = 100
CHUNK_BYTES = 64 * 1024
NO_BODY_STATUSES = frozenset({204, 304})
DIGITS = re.compile(r"[0-9]+")
CHUNK_SIZE = re.compile(rb"[0-9A-Fa-f]{1,16}")
LINE_ENDS = (b"\r\n", b"\n")


class Headers(dict):
    """An answer's headers by lower-case name (a repeated one joined with ", ")."""

    def get(self, name: str, default: Any = None) -> Any:
        return super().get(name.lower(), default)


def _seconds(value: Any) -> float | None:
    """A timeout as a socket takes it (urllib3's "default" is the socket module's)."""
    if value is Timeout.DEFAULT_TIMEOUT:
        return socket.getdefaulttimeout()
    return value


class Connection:
    """One socket to an origin and its buffered reader."""

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.reader = sock.makefile("rb", buffering=CHUNK_BYTES)

    def dropped(self) -> bool:
        """Whether the other side closed it, or sent anything unasked (past the end of the last
        answer, or while it was idle): either way it cannot carry another exchange."""
        try:
            self.sock.settimeout(0)
            try:
                if self.reader.peek(1):  # bytes waiting, buffered or on the socket
                    return True
            except (BlockingIOError, ssl.SSLWantReadError):
                pass  # nothing to read: as it should be
            return wait_for_read(self.sock, timeout=0.0)  # closed by the other side
        except OSError:
            return True

    def close(self) -> None:
        try:
            self.reader.close()
        finally:
            self.sock.close()


class Origin:
    """The idle connections to one scheme, host and port, most recently used first."""

    def __init__(self, base_url: str, *, keep: int, ca_bundle: str):
        split = urlsplit(base_url)
        self.tls = split.scheme == "https"
        self.host = split.hostname or ""
        self.port = split.port or (443 if self.tls else 80)
        default_port = self.port == (443 if self.tls else 80)
        shown = f"[{self.host}]" if ":" in self.host else self.host
        self.host_header = shown if default_port else f"{shown}:{self.port}"
        self.keep = keep
        self.ca_bundle = ca_bundle
        self.idle: deque[Connection] = deque()
        self.pid = os.getpid()
        self._tls_context: ssl.SSLContext | None = None

    # --- connections -----------------------------------------------------------------------
    def connect(self, timeout: Timeout) -> Connection:
        seconds = _seconds(timeout.connect_timeout)
        sock = None
        try:
            sock = socket.create_connection((self.host, self.port), timeout=seconds)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self.tls:  # the handshake is part of connecting, bounded by the same timeout
                sock = self.tls_context().wrap_socket(sock, server_hostname=self.host)
        except OSError as exc:
            if sock is not None:
                sock.close()
            if isinstance(exc, TimeoutError):
                message = f"Connection to {self.host} timed out. (connect timeout={seconds})"
                raise ConnectTimeoutError(None, message) from exc
            if isinstance(exc, ssl.SSLError):
                raise SSLError(exc) from exc
            raise NewConnectionError(None, f"Failed to establish a new connection: {exc}") from exc
        return Connection(sock)

    def tls_context(self) -> ssl.SSLContext:
        if self._tls_context is None:
            context = ssl.create_default_context(cafile=self.ca_bundle)
            context.set_alpn_protocols(["http/1.1"])
            self._tls_context = context
        return self._tls_context

    def take(self, timeout: Timeout) -> Connection:
        """An idle connection still open, or a new one."""
        while True:
            try:
                connection = self.idle.pop()
            except IndexError:
                return self.connect(timeout)
            if not connection.dropped():
                return connection
            connection.close()

    def give_back(self, connection: Connection) -> None:
        if len(self.idle) < self.keep and os.getpid() == self.pid:
            self.idle.append(connection)
        else:
            connection.close()

    def close(self) -> None:
        while self.idle:
            self.idle.pop().close()

    # --- one exchange ----------------------------------------------------------------------
    def head(self, method: str, request_target: str, headers: dict[str, str]) -> bytes:
        """The request line and header block (a value that is not Latin-1 raises
        ``UnicodeEncodeError``, as ``http.client`` does)."""
        lines = [f"{method} {request_target} HTTP/1.1", f"Host: {self.host_header}"]
        lines.extend(f"{name}: {value}" for name, value in headers.items())
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def exchange(self, method: str, request: bytes, timeout: Timeout, url: str) -> Answer:
        """Send ``request`` (head and body) and read the answer's head; its body is left to
        read from the returned :class:`Answer`."""
        read_timeout = _seconds(timeout.read_timeout)
        if read_timeout is not None and read_timeout <= 0:
            raise ReadTimeoutError(None, url, "Read timed out. (read timeout=0)")
        connection = self.take(timeout)
        sent = False
        try:
            connection.sock.settimeout(read_timeout)
            connection.sock.sendall(request)
            sent = True
            return read_answer(self, connection, method)
        except BaseException as exc:
            connection.close()
            error = exc
            if isinstance(exc, TimeoutError):
                error = ReadTimeoutError(None, url, "Read timed out.")
            elif isinstance(exc, ssl.SSLError):
                error = SSLError(exc)
            elif isinstance(exc, OSError):
                error = ProtocolError("Connection aborted.", exc)
            # Whether the upstream had the whole request when this happened (it may have
            # acted on it), for the caller to tell a change that may have been made.
            error.request_sent = sent
            if error is exc:
                raise
            raise error from exc


def read_line(reader) -> bytes:
    line = reader.readline(MAX_LINE + 1)
    if len(line) > MAX_LINE:
        raise ProtocolError("The answer has a line too long.")
    return line


def read_answer(origin: Origin, connection: Connection, method: str) -> Answer:
    reader = connection.reader
    while True:
        line = read_line(reader)
        if not line:
            raise ProtocolError("Connection aborted.", "the upstream closed it without answering")
        version, _, rest = line.decode("latin-1").rstrip("\r\n").partition(" ")
        code = rest.partition(" ")[0]
        if not version.startswith("HTTP/") or not DIGITS.fullmatch(code) or len(code) != 3:
            raise ProtocolError("Connection aborted.", f"not an HTTP status line: {line[:40]!r}")
        status = int(code)
        headers = read_headers(reader)
        if not 100 <= status < 200:
            break  # an interim answer (100 Continue) is followed by the real one
    codings = [part.strip() for part in headers.get("transfer-encoding", "").lower().split(",")]
    chunked = codings[-1] == "chunked"
    length = None
    if not chunked:
        given = headers.get("content-length", "").strip()
        length = int(given) if DIGITS.fullmatch(given) else None
    if method == "HEAD" or status in NO_BODY_STATUSES:
        chunked, length = False, 0
    keep = (
        version == "HTTP/1.1"
        and "close" not in headers.get("connection", "").lower()
        and (chunked or length is not None)
    )
    return Answer(origin, connection, status, headers, chunked=chunked, length=length, keep=keep)


def read_headers(reader) -> Headers:
    headers = Headers()
    name = ""
    for _ in range(MAX_HEADERS + 1):
        line = read_line(reader)
        if line in (b"\r\n", b"\n", b""):
            return headers
        text = line.decode("latin-1").rstrip("\r\n")
        if text[:1] in (" ", "\t") and name:  # a folded line continues the one before
            headers[name] = f"{headers[name]} {text.strip()}".strip()
            continue
        name, colon, value = text.partition(":")
        if not colon:
            continue  # as http.client: a line that is not a header is passed over
        name, value = name.strip().lower(), value.strip()
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    raise ProtocolError("The answer has too many header lines.")


class Answer:
    """An answer whose head is read; its body is read once, decoded and capped."""

    def __init__(self, origin, connection, status, headers, *, chunked, length, keep):
        self.origin = origin
        self.connection: Connection | None = connection
        self.status = status
        self.headers = headers
        self.chunked = chunked
        self.length = length
        self.keep = keep
        self.ended = False  # the body was read to its end: nothing of it is left unread

    def get_redirect_location(self) -> bool:
        return False  # never followed (urllib3's Retry asks)

    def read_capped(self, limit: int, *, unread_if_longer: bool = False) -> tuple[bytes, bool]:
        """The body decoded, up to ``limit`` bytes, and whether there was more; with
        ``unread_if_longer``, none of a body said to be longer than would ever be kept (a page
        asks many lists at once, and each would hold up to the limit before giving up)."""
        encoding = self.headers.get("content-encoding", "").strip().lower()
        plain = encoding in ("", "identity")
        kept_at_most = limit if plain else 2 * limit + CHUNK_BYTES
        long = not self.chunked and self.length is not None and self.length > kept_at_most
        if unread_if_longer and long:
            self.close()
            return b"", True
        usual = not self.chunked and self.length is not None and self.length <= limit
        if usual and plain:
            body = self.connection.reader.read(self.length)  # the usual answer: one read
            if len(body) < self.length:
                raise ProtocolError("The answer ended part-way.")
            self.ended = True
            self.close()
            return body, False
        kept, size = [], 0
        # Compressed, a body is rarely much longer than decoded: one that is (an endless stream
        # decoding to nothing) is stopped too.
        raw = capped(self.raw_pieces(), 2 * limit + CHUNK_BYTES)
        try:
            for piece in decoded(raw, encoding):
                size += len(piece)
                if size > limit:
                    kept.append(piece[: len(piece) - (size - limit)])
                    self.close()
                    return b"".join(kept), True
                kept.append(piece)
        except TooLong:
            self.close()
            return b"".join(kept), True
        self.close()
        return b"".join(kept), False

    def raw_pieces(self) -> Iterator[bytes]:
        reader = self.connection.reader
        if self.chunked:
            while True:
                size_line = read_line(reader).split(b";", 1)[0].strip()
                if not CHUNK_SIZE.fullmatch(size_line):
                    raise ProtocolError("The answer's chunk has no size.")
                left = int(size_line, 16)
                if left == 0:
                    read_headers(reader)  # trailers, bounded as headers are; not used
                    break
                yield from exactly(reader, left)
                if read_line(reader) not in LINE_ENDS:
                    raise ProtocolError("The answer's chunk is longer than it said.")
        elif self.length is not None:
            yield from exactly(reader, self.length)
        else:  # no length: the body runs to the end of the connection
            while piece := reader.read1(CHUNK_BYTES):
                yield piece
        self.ended = True

    def close(self) -> None:
        """Give the connection back if the answer was read to its end and may be kept, else
        close it."""
        connection, self.connection = self.connection, None
        if connection is None:
            return
        if self.ended and self.keep:
            self.origin.give_back(connection)
        else:
            connection.close()


class TooLong(Exception):
    """The answer's body went on far past what it may decode to."""


def capped(pieces: Iterator[bytes], limit: int) -> Iterator[bytes]:
    size = 0
    for piece in pieces:
        size += len(piece)
        if size > limit:
            raise TooLong("The answer is far longer than it may be.")
        yield piece


def exactly(reader, count: int) -> Iterator[bytes]:
    while count:
        piece = reader.read(min(count, CHUNK_BYTES))
        if not piece:
            raise ProtocolError("The answer ended part-way.")
        count -= len(piece)
        yield piece


def decoded(pieces: Iterator[bytes], encoding: str) -> Iterator[bytes]:
    """The pieces decompressed (gzip, one member or several, or deflate), never more than
    ``CHUNK_BYTES`` at a time, so a small body that inflates enormously is stopped as soon as
    its reader stops. Another coding (none is asked for) is passed on as it came."""
    if encoding not in ("gzip", "x-gzip", "deflate"):
        yield from pieces
        return
    gzip = encoding != "deflate"
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS) if gzip else None
    waiting = b""  # deflate: its first bytes, until they tell zlib-wrapped from raw
    try:
        for piece in pieces:
            if inflater is None:
                waiting += piece
                if len(waiting) < 2:
                    continue
                piece, waiting = waiting, b""
                inflater = zlib.decompressobj(zlib.MAX_WBITS if zlib_wrapped(piece) else -15)
            while piece:
                yield inflater.decompress(piece, CHUNK_BYTES)
                while inflater.unconsumed_tail:
                    yield inflater.decompress(inflater.unconsumed_tail, CHUNK_BYTES)
                piece = b""
                more = inflater.unused_data if gzip and inflater.eof else b""
                if more.startswith(b"\x1f\x8b"):  # the next member (anything else after the
                    piece = more  # last one is passed over, as gzip readers do)
                    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        if inflater is None:  # a deflate body of fewer than two bytes
            inflater = zlib.decompressobj(-zlib.MAX_WBITS)
            yield inflater.decompress(waiting, CHUNK_BYTES)
        yield inflater.flush()
        if not inflater.eof:
            raise zlib.error("the body ended part-way")
    except zlib.error as exc:
        raise DecodeError(f"The answer's {encoding} body could not be decoded.") from exc


def zlib_wrapped(start: bytes) -> bool:
    """Whether a deflate body starts with a zlib header (as the standard says) rather than
    raw deflate (as some servers send)."""
    return start[0] & 0x0F == 8 and (start[0] << 8 | start[1]) % 31 == 0


_lock = threading.Lock()
_origins: dict[tuple[Any, str], Origin] = {}


def origin_for(owner: Any, base_url: str, *, keep: int, ca_bundle: str) -> Origin:
    """The origin of ``base_url`` for ``owner`` (the process's session: a new session, after
    settings change, starts new connections), made once per process."""
    split = urlsplit(base_url)
    key = (owner, f"{split.scheme}://{split.netloc}")
    found = _origins.get(key)
    if found is not None and found.pid == os.getpid():
        return found
    with _lock:
        stale = [k for k in _origins if k[0] is not owner or _origins[k].pid != os.getpid()]
        for old in stale:
            _origins.pop(old).close()
        return _origins.setdefault(key, Origin(base_url, keep=keep, ca_bundle=ca_bundle))
