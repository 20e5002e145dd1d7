"""Queries every request runs, their SQL built by the ORM once per process.

Building a query's SQL costs several times what running it does, and the same few reads (the
signed-in user, the session, the active key, the saved teams, a copy's origin, the sandbox's
key and team, its lists) run on every request. :func:`prepared` builds a queryset's SQL once
with distinct stand-in values, and remembers where each stand-in stands among its parameters
(:func:`placed`, for SQL built otherwise); each request then runs that SQL with its own values
in their places.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Model, QuerySet


@dataclass(frozen=True)
class Prepared:
    """The SQL of a query, its parameters as built, and the place of each named one."""

    model: type[Model]
    sql: str
    params: tuple
    places: dict[str, int]

    def values(self, **values: Any) -> list:
        """The parameters with each named value (prepared for the database) in its place."""
        params = list(self.params)
        for name, at in self.places.items():
            params[at] = values[name]
        return params

    def all(self, **values: Any) -> list:
        """The ``model`` instances the query reads with these values."""
        return list(self.model._default_manager.raw(self.sql, self.values(**values)))

    def first(self, **values: Any) -> Model | None:
        """The first instance the query reads with these values, or None."""
        return next(iter(self.model._default_manager.raw(self.sql, self.values(**values))), None)

    def rows(self, **values: Any) -> list[tuple]:
        """The rows the query reads with these values (for ``values_list`` queries)."""
        with connection.cursor() as cursor:
            cursor.execute(self.sql, self.values(**values))
            return cursor.fetchall()


def prepared(queryset: QuerySet, **stand_ins: Any) -> Prepared:
    """``queryset``'s SQL, built with these stand-ins (each distinct from every other
    parameter, and as the database is handed it) named for the values that take their place."""
    sql, params = queryset.query.sql_with_params()
    return placed(queryset.model, sql, params, **stand_ins)


def placed(model: type[Model], sql: str, params, **stand_ins: Any) -> Prepared:
    """SQL built with these stand-ins among its ``params``, each to be found there once."""
    places = {}
    for name, stand_in in stand_ins.items():
        found = [at for at, value in enumerate(params) if value == stand_in]
        if len(found) != 1:
            raise RuntimeError(f"{name} is not once among the parameters {params!r}")
        places[name] = found[0]
    return Prepared(model, sql, tuple(params), places)
