"""No API key in any page, log line or error report, across the main flows."""

from __future__ import annotations

import logging

import pytest

from dashboard.accounts.models import ApiKey
from dashboard.sandbox import conversations, factories, faults
from dashboard.upstream import catalog
from tests.conftest import team_url

pytestmark = pytest.mark.django_db(transaction=True)


def test_no_key_in_any_page_or_log_record(org, alice_web, bob_web, caplog):
    caplog.set_level(logging.DEBUG)
    pages = []

    def visit(web, method, path, data=None, **kwargs):
        response = getattr(web, method)(path, data, **kwargs) if method == "post" else web.get(path)
        pages.append(
            f"{method.upper()} {path} {response.status_code}\n{response.text}\n{response.headers}"
        )
        return response

    factories.create_file(org.team_a, org.alice.sandbox_user, filename="data.jsonl")
    agent = factories.create_agent(org.team_a, org.alice.sandbox_user, name="Helper")
    thread = conversations.create_thread(org.alice.sandbox_user)
    conversations.create_message(thread, "user", "hi")
    team_a = org.team_a

    for web in (alice_web, bob_web):
        # Keys: a second key added, a wrong key refused.
        visit(web, "post", "/keys/", {"label": "extra", "api_key": org.bob.api_key})
        visit(web, "post", "/keys/", {"label": "wrong", "api_key": org.alice.api_key + "x"})
        visit(web, "get", "/keys/")
        visit(web, "get", team_url(team_a))  # now the last-used team: "/" opens it
        visit(web, "get", "/")
        for kind in catalog.team_kinds():
            visit(web, "get", team_url(team_a, f"r/{kind.slug}/"))
        visit(web, "get", "/teams/")
        visit(web, "get", "/threads/")
        visit(web, "get", "/audit/?wait=1")
        visit(web, "get", "/audit/export.csv")
        visit(web, "get", "/audit/log/")
        visit(web, "get", "/audit/log/export.csv")
        visit(web, "get", team_url(team_a, "files/upload/"))
        visit(web, "get", team_url(team_a, f"r/agents/{agent.pk}/"))

    visit(
        alice_web,
        "post",
        team_url(team_a, "files/upload/"),
        {"purpose": "fine-tune"},
        files={"files": ("t.jsonl", b'{"a": 1}\n', "application/octet-stream")},
    )
    visit(alice_web, "get", f"/threads/{thread.pk}/?team={team_a.pk}")
    visit(alice_web, "post", f"/threads/{thread.pk}/messages/", {"text": "hello"})
    visit(
        alice_web,
        "post",
        f"/threads/{thread.pk}/run/",
        {"agent_id": agent.pk, "team": str(team_a.pk)},
    )
    visit(bob_web, "get", f"/threads/{thread.pk}/")  # someone else's: 404

    # Failures: rejected key, upstream errors, a key that cannot be decrypted.
    for fault in ("401", "403", "500", "html502", "garbage"):
        faults.set_faults(f"* . {fault}")
        visit(alice_web, "get", "/")
        visit(alice_web, "get", team_url(team_a, "r/files/"))
        visit(alice_web, "post", "/teams/", {"team_id": str(team_a.pk), "label": "again"})
    faults.clear_faults()
    visit(alice_web, "get", "/this/page/does/not/exist/")

    keys = {org.alice.api_key, org.bob.api_key}
    assert ApiKey.objects.count() >= 3  # the flows really stored keys
    logged = [record.getMessage() for record in caplog.records]
    logged += [caplog.text]
    assert len(pages) > 50 and caplog.records
    for key in keys:
        for page in pages:
            assert key not in page, page[:200]
        for line in logged:
            assert key not in line, line[:200]
