"""The one pooled HTTP session of this process, and nothing user-specific on it.

API key and team travel on each call (see ``client.py``), never in ``session.headers``; the
session refuses every cookie, so one user's upstream cookie can never be replayed for the next.
Retries are for idempotent calls only: GET/HEAD on connection errors and 429/502/503/504, with
a capped ``Retry-After``, and never past the page's deadline (see ``deadline.py``). Uploads and
other POST/PUT/DELETE calls are never retried.
"""

from __future__ import annotations

import threading
from http.cookiejar import DefaultCookiePolicy

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from dashboard.upstream.deadline import DeadlineRetry

_lock = threading.Lock()
_session: requests.Session | None = None


class RejectAllCookies(DefaultCookiePolicy):
    def set_ok(self, cookie, request):
        return False

    def return_ok(self, cookie, request):
        return False


def build_retry() -> Retry:
    retries = settings.UPSTREAM_RETRIES
    return DeadlineRetry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        other=0,
        backoff_factor=0.3,
        backoff_max=3,
        backoff_jitter=0.2,
        status_forcelist=(429, 502, 503, 504),
        allowed_methods=frozenset({"GET", "HEAD"}),
        respect_retry_after_header=True,
        retry_after_max=settings.UPSTREAM_RETRY_AFTER_MAX,
        raise_on_status=False,
        raise_on_redirect=False,
        redirect=0,
    )


def ca_bundle() -> str:
    """The certificates an upstream's TLS certificate is checked against: the deployment's own
    (``UPSTREAM_CA_BUNDLE``, for an upstream behind a private authority), else those
    ``requests`` trusts."""
    return settings.UPSTREAM_CA_BUNDLE or requests.certs.where()


def kept_connections() -> int:
    """Connections kept open per upstream host: every pool thread, and as many request
    threads (each works through its own fan-out), may hold one at once."""
    return max(64, settings.UPSTREAM_POOL_SIZE * 2)


def build_session() -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # no proxy or .netrc credentials picked up from the environment
    session.verify = ca_bundle()
    session.cookies.set_policy(RejectAllCookies())
    # Keep them all, so a page's widest wave (the audit's) reuses connections rather than
    # opening and dropping them.
    adapter = HTTPAdapter(
        max_retries=build_retry(), pool_connections=4, pool_maxsize=kept_connections()
    )
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def get_session() -> requests.Session:
    global _session
    if _session is None:
        with _lock:
            if _session is None:
                _session = build_session()
    return _session


def reset_session() -> None:
    """Drop the pooled session so the next call rebuilds it from current settings."""
    global _session
    with _lock:
        old, _session = _session, None
    if old is not None:
        old.close()
