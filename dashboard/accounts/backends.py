"""Signing in, and the signed-in user of every request, as Django's ``ModelBackend`` does them;
that user is read with SQL the ORM builds once per process, as the session is (``sessions.py``):
building the query anew for each request costs more than running it.

Django's own ``ModelBackend`` stays listed after this one, for sessions signed in before it
(a session names the backend that signed it in); it is never asked to check a password.
"""

from __future__ import annotations

from functools import cache

from django.contrib.auth import backends, get_user_model
from django.core.exceptions import PermissionDenied
from django.db import connections

from dashboard.prepared import Prepared, prepared


class ModelBackend(backends.ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            # Turned down here, turned down: Django's ModelBackend, next in the list, would
            # only check the same password again (Django then reports the failure as before).
            raise PermissionDenied
        return user

    def get_user(self, user_id):
        """``UserModel._default_manager.get(pk=user_id)``, or None; None too for a user who
        may not sign in (inactive), as Django's."""
        model = get_user_model()
        field = model._meta.pk
        connection = connections[model._default_manager.db]
        value = field.get_db_prep_value(field.get_prep_value(user_id), connection, prepared=True)
        user = _user_query(model).first(pk=value)
        return user if user is not None and self.user_can_authenticate(user) else None


@cache
def _user_query(model) -> Prepared:
    """``filter(pk=…)``."""
    return prepared(model._default_manager.filter(pk=0), pk=0)
