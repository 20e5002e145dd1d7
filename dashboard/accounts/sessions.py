"""Sessions kept in the database (the default without a shared cache: see settings): Django's
own store, its read on every request made with SQL the ORM builds once per process, as the
workspace's queries are (``teams.selectors``): building it anew for each request costs several
times what running it does."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache

from django.contrib.sessions.backends import db
from django.db import connection
from django.utils import timezone

# Stand-ins the query is built with once; each request's own values take their places.
_KEY = "\x00session key\x00"
_NOW = datetime(2000, 1, 2, 3, 4, 5, tzinfo=UTC)


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        """``Session.objects.get(session_key=…, expire_date__gt=now)``, or None (and no key)."""
        sql, params, key_at, now_at = _load_query(self.model)
        values = list(params)
        values[key_at] = self.session_key
        values[now_at] = _moment(self.model, timezone.now())
        found = next(iter(self.model.objects.raw(sql, values)), None)
        if found is None:
            self._session_key = None
        return found


def _moment(model, moment: datetime):
    """``moment`` as the database is handed it (text in SQLite, a timestamp elsewhere)."""
    return model._meta.get_field("expire_date").get_db_prep_value(moment, connection)


@cache
def _load_query(model) -> tuple[str, tuple, int, int]:
    """The SQL and parameters of the read, and where the key and the time go in them."""
    query = model.objects.filter(session_key=_KEY, expire_date__gt=_NOW).query
    sql, params = query.sql_with_params()
    now = _moment(model, _NOW)
    key_at = [index for index, value in enumerate(params) if value == _KEY]
    now_at = [index for index, value in enumerate(params) if value == now]
    assert len(key_at) == 1 and len(now_at) == 1, params
    return sql, params, key_at[0], now_at[0]
