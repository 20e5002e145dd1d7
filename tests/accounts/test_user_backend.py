"""Signing in and the signed-in user of each request, as Django's ModelBackend does them, the
user read with SQL built once; sessions signed in with Django's own backend stay signed in, and
a wrong password is checked once."""

from __future__ import annotations

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, backends, get_user_model, user_login_failed
from django.db import connection
from django.forms.models import model_to_dict
from django.test import Client
from django.test.utils import CaptureQueriesContext

from dashboard.accounts.backends import ModelBackend
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

OURS = "dashboard.accounts.backends.ModelBackend"
DJANGOS = "django.contrib.auth.backends.ModelBackend"


@pytest.fixture
def erin():
    return get_user_model().objects.create_user(
        "erin", email="erin@example.com", password=PASSWORD, first_name="Erin", is_staff=True
    )


def as_read(user) -> dict | None:
    return None if user is None else {**model_to_dict(user), "pk": user.pk}


def test_the_user_reads_as_djangos_backend_reads_it(erin):
    ModelBackend().get_user(erin.pk)
    with CaptureQueriesContext(connection) as queries:
        read = ModelBackend().get_user(erin.pk)
    assert len(queries) == 1
    assert as_read(read) == as_read(backends.ModelBackend().get_user(erin.pk))
    assert read.password == erin.password and read.last_login == erin.last_login
    assert as_read(ModelBackend().get_user(str(erin.pk))) == as_read(read)


def test_an_unknown_or_inactive_user_is_none(erin):
    assert ModelBackend().get_user(erin.pk + 1) is None
    get_user_model().objects.filter(pk=erin.pk).update(is_active=False)
    assert ModelBackend().get_user(erin.pk) is None
    assert backends.ModelBackend().get_user(erin.pk) is None


def test_signing_in_uses_it_and_keeps_the_person_signed_in(erin):
    web = Client()
    web.post("/accounts/login/", {"username": "erin", "password": PASSWORD})

    assert web.session[BACKEND_SESSION_KEY] == OURS
    page = web.get("/keys/")
    assert page.status_code == 200 and page.wsgi_request.user == erin


def test_a_session_signed_in_with_djangos_backend_stays_signed_in(erin):
    web = Client()
    web.force_login(erin, backend=DJANGOS)

    page = web.get("/keys/")
    assert page.status_code == 200 and page.wsgi_request.user == erin


def test_a_wrong_password_is_checked_once_and_reported_once(erin, monkeypatch):
    checked, failed = [], []
    real = type(erin).check_password
    monkeypatch.setattr(
        type(erin), "check_password", lambda user, raw: checked.append(raw) or real(user, raw)
    )

    def on_failure(**kwargs):
        failed.append(kwargs["credentials"]["username"])

    user_login_failed.connect(on_failure)
    try:
        web = Client()
        refused = web.post("/accounts/login/", {"username": "erin", "password": "wrong"})
    finally:
        user_login_failed.disconnect(on_failure)

    assert refused.status_code == 200 and "_auth_user_id" not in web.session
    assert checked == ["wrong"] and failed == ["erin"]
