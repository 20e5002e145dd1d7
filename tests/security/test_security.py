"""Security posture a person (or an attacker) would notice."""

from __future__ import annotations

import re

import pytest
import requests

from tests.conftest import PASSWORD, Web, make_dashboard_user, team_url

pytestmark = pytest.mark.django_db(transaction=True)


def test_sign_in_locks_out_after_repeated_failures_then_cools_off(live_server, settings):
    make_dashboard_user("erin")
    web = Web(live_server.url)
    web.get("/accounts/login/")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        failed = web.post("/accounts/login/", {"username": "erin", "password": "wrong"})
        assert failed.status_code == 200 and "/accounts/login/" in failed.url
        assert "Please enter a correct username and password" in failed.text
    locked = web.post("/accounts/login/", {"username": "erin", "password": "wrong"})
    assert locked.status_code == 429
    assert "Too many failed sign-ins" in locked.text
    # Even the right password is refused while locked out.
    again = web.post("/accounts/login/", {"username": "erin", "password": PASSWORD})
    assert again.status_code == 429
    # Another user from the same address is not locked out.
    make_dashboard_user("frank")
    other = Web(live_server.url)
    other.login("frank")
    # After the cool-off, erin may sign in again.
    from axes.models import AccessAttempt

    AccessAttempt.objects.all().update(attempt_time="2000-01-01T00:00:00Z")
    Web(live_server.url).login("erin")


def test_the_session_key_changes_at_sign_in(live_server):
    make_dashboard_user("gina")
    web = Web(live_server.url)
    web.get("/accounts/login/")
    csrf_cookie = next(c for c in web.http.cookies if c.name == "csrftoken")
    web.http.cookies.set(
        "sessionid", "attacker-chosen-session-key", domain=csrf_cookie.domain, path="/"
    )
    web.login("gina")
    assert web.http.cookies.get("sessionid") != "attacker-chosen-session-key"


def test_pages_send_a_strict_content_security_policy_and_no_inline_script(alice_web, org):
    for path in (
        team_url(None),
        team_url(org.team_a),
        "/keys/",
        "/teams/",
        "/threads/",
        team_url(None, "files/upload/"),
        "/audit/",
        "/audit/log/",
        team_url(None, "r/files/"),
        team_url(org.team_b, "r/files/"),  # a team she cannot see: the 404 page
        "/search/?q=a",
    ):
        page = alice_web.get(path)
        csp = page.headers.get("Content-Security-Policy", "")
        assert "script-src 'self'" in csp
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
        scripts = re.findall(r"<script\b[^>]*>(.*?)</script>", page.text, flags=re.S)
        assert all(not body.strip() for body in scripts), f"inline script on {path}"
        assert not re.search(r"\shx-on[:-]", page.text), f"hx-on handler on {path}"
        assert not re.search(r"<[^>]+\sstyle=", page.text), f"inline style on {path}"
        assert page.headers.get("X-Frame-Options") == "DENY"


def test_forms_without_a_csrf_token_are_refused(alice_web):
    plain = requests.Session()
    plain.cookies.update(alice_web.http.cookies)
    for path, data in (
        ("/teams/", {"team_id": "", "label": ""}),
        (team_url(None, "files/upload/"), {"purpose": "fine-tune"}),
        ("/threads/", {"message": "hello"}),
    ):
        response = plain.post(alice_web.url(path), data=data, timeout=30)
        assert response.status_code == 403, path
        assert "Traceback" not in response.text
