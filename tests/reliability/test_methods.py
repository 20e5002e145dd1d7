"""Each page answers only its methods: 405 for any other (nothing rendered, nothing changed),
and HEAD wherever GET works. Every named page of the dashboard is tried, so a new one cannot be
forgotten."""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from dashboard.accounts.models import ApiKey
from dashboard.audit.models import ActionLog
from dashboard.jobs.models import Job
from dashboard.sandbox import conversations, factories, identity
from dashboard.teams.models import SavedTeam
from dashboard.views import nearest_page

pytestmark = pytest.mark.django_db(transaction=True)

OTHER_METHODS = ("PUT", "PATCH", "DELETE", "OPTIONS")
NOT_THE_DASHBOARDS = {"login", "logout"}  # Django's own sign-in views
SKIPPED_NAMESPACES = ("admin", "sandbox")


def named_patterns(resolver=None, outer: tuple[str, ...] = ()) -> dict[str, list[str]]:
    """Every named URL of the dashboard and the names of its parameters (those of the URLs it
    is included under too, such as a team page's ``team``)."""
    resolver = resolver or get_resolver()
    found = {}
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace in SKIPPED_NAMESPACES or "sandbox" in str(entry.pattern):
                continue
            found.update(named_patterns(entry, (*outer, *entry.pattern.converters)))
        elif isinstance(entry, URLPattern) and entry.name:
            found[entry.name] = [*outer, *entry.pattern.converters]
    return found


@pytest.fixture
def sample(org, alice_web):
    """Real ids for every kind of URL parameter, and alice signed in."""
    personal = identity.personal_team(org.alice.sandbox_user)
    ft = factories.create_fine_tune(personal, org.alice.sandbox_user, status="running")
    thread = conversations.create_thread(org.alice.sandbox_user)
    message = conversations.create_message(thread, "user", "hi")
    return {
        "kind": "fine-tunes",
        "resource_id": ft.pk,
        "name": "cancel",
        "result": "job-1",
        "job_id": Job.objects.create(
            user=SavedTeam.objects.get(user__username="alice").user, kind="copy", title="A copy"
        ).pk,
        "index": 0,
        "item": "file-1",
        "thread_id": thread.pk,
        "message_id": message.pk,
        "team_key": "personal",
        "team": "personal",
        "creator": org.alice.upstream_id,
        "pk": SavedTeam.objects.get(user__username="alice").pk,
    }


def url_for(name: str, params: list[str], sample: dict) -> str:
    kwargs = {param: sample[param] for param in params}
    if name.startswith("key-"):
        kwargs["pk"] = ApiKey.objects.get(user__username="alice").pk
    return reverse(name, kwargs=kwargs)


def state() -> tuple:
    return (
        ActionLog.objects.count(),
        ApiKey.objects.count(),
        SavedTeam.objects.count(),
        list(SavedTeam.objects.values_list("label", flat=True)),
    )


def test_other_methods_are_refused_everywhere(sample, alice_web):
    patterns = named_patterns()
    assert {"overview", "resource-list", "upload", "threads", "audit", "keys"} <= set(patterns)
    before = state()
    for name, params in patterns.items():
        if name in NOT_THE_DASHBOARDS:
            continue
        url = url_for(name, params, sample)
        for method in OTHER_METHODS:
            # With a valid CSRF token, so that the answer is about the method, not the token.
            headers = {"X-CSRFToken": alice_web.csrf(), "Referer": alice_web.url(url)}
            response = alice_web.http.request(
                method, alice_web.url(url), headers=headers, timeout=30
            )
            assert response.status_code == 405, (method, url, response.status_code)
            assert "<form" not in response.text, (method, url)
    assert state() == before


def visited(sample, alice_web):
    """Every page of the dashboard opened as a browser opens it: (its URL, the answer)."""
    for name, params in named_patterns().items():
        if name in NOT_THE_DASHBOARDS:
            continue
        url = url_for(name, params, sample)
        yield url, alice_web.http.get(alice_web.url(url), timeout=30, allow_redirects=False)


def test_head_works_wherever_get_does(sample, alice_web):
    for url, got in visited(sample, alice_web):
        if got.status_code != 200:
            continue
        head = alice_web.http.head(alice_web.url(url), timeout=30, allow_redirects=False)
        assert head.status_code == 200, (url, head.status_code)
        assert head.headers.get("Content-Type") == got.headers.get("Content-Type"), url


def test_an_address_that_only_takes_forms_opened_as_a_page_says_so(sample, alice_web):
    """Signing in again on the way to a form's address, a bookmark or a typed address: a page
    that says what happened and links to the nearest page, not an empty answer; nothing done."""
    before = state()
    refused = []
    for url, response in visited(sample, alice_web):
        if response.status_code != 405:
            continue
        refused.append(url)
        assert "only takes what a form" in response.text, url
        assert 'data-testid="method-not-allowed"' in response.text, url
        assert response.headers["Allow"], url
        back = re.search(r'data-testid="error-back"|href="/">Go to the overview', response.text)
        assert back, url
        link = re.search(r'href="([^"]+)" data-testid="error-back"', response.text)
        if link:
            assert url.startswith(link[1]) and link[1] != url, (url, link[1])
            opened = alice_web.http.get(alice_web.url(link[1]), timeout=30)
            assert opened.status_code == 200, (url, link[1], opened.status_code)
    assert "/audit/refresh/" in refused and any(url.endswith("/bulk/") for url in refused)
    # htmx and forms still get the bare answer, and Django's own sign-out its own.
    bulk = next(url for url in refused if url.endswith("/bulk/"))
    bare = alice_web.http.get(alice_web.url(bulk), headers={"HX-Request": "true"}, timeout=30)
    assert bare.status_code == 405 and bare.text == ""
    assert state() == before


def test_the_nearest_page_of_an_address():
    assert nearest_page("/t/personal/r/files/bulk/") == "/t/personal/r/files/"
    assert nearest_page("/audit/refresh/") == "/audit/"
    assert nearest_page("/accounts/logout/") == "/"
    assert nearest_page("/") == "/"
