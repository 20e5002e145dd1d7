"""Sessions kept in the database (the default without a shared cache: see settings): Django's
own store, its read on every request made with SQL the ORM builds once per process
(``dashboard.prepared``): building it anew for each request costs several times what running
it does."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache

from django.contrib.sessions.backends import db
from django.db import connection
from django.utils import timezone

from dashboard.prepared import Prepared, prepared

# Stand-ins the query is built with once; each request's own values take their places.
_KEY = "\x00session key\x00"
_NOW = datetime(2000, 1, 2, 3, 4, 5, tzinfo=UTC)


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        """``Session.objects.get(session_key=…, expire_date__gt=now)``, or None (and no key)."""
        found = _load_query(self.model).first(
            key=self.session_key, now=_moment(self.model, timezone.now())
        )
        if found is None:
            self._session_key = None
        return found


def _moment(model, moment: datetime):
    """``moment`` as the database is handed it (text in SQLite, a timestamp elsewhere)."""
    return model._meta.get_field("expire_date").get_db_prep_value(moment, connection)


@cache
def _load_query(model) -> Prepared:
    query = model.objects.filter(session_key=_KEY, expire_date__gt=_NOW)
    return prepared(query, key=_KEY, now=_moment(model, _NOW))
