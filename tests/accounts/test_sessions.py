"""Database sessions read with SQL built once: what Django's own store reads, one query, an
expired or unknown session read as none."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dashboard.accounts.sessions import SessionStore

pytestmark = pytest.mark.django_db


def test_the_dashboard_uses_it_without_a_shared_cache():
    if not settings.CACHES["default"]["BACKEND"].endswith("RedisCache"):
        assert settings.SESSION_ENGINE == "dashboard.accounts.sessions"


def test_a_session_reads_as_djangos_own_store_reads_it():
    kept = SessionStore()
    kept.update({"_auth_user_id": "7", "team": 'a "quoted" <b>', "n": [1, 2]})
    kept.save()
    with CaptureQueriesContext(connection) as queries:
        read = SessionStore(kept.session_key).load()
    assert len(queries) == 1
    assert read == db.SessionStore(kept.session_key).load() == dict(kept.items())


@pytest.mark.parametrize("state", ["expired", "unknown"])
def test_an_expired_or_unknown_session_is_none(state):
    kept = SessionStore()
    kept["_auth_user_id"] = "7"
    kept.save()
    key = kept.session_key
    if state == "expired":
        Session.objects.filter(pk=key).update(expire_date=timezone.now() - timedelta(seconds=1))
    else:
        key = "x" * 32
    store = SessionStore(key)
    assert store.load() == {} == db.SessionStore(key).load()
    assert store.session_key is None
