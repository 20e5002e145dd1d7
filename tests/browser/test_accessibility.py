"""Every main page, at a laptop's size and a phone's, checked by axe-core (the engine browsers'
accessibility tools use) in a real Chromium: no violation of any rule, on the demo
organisation's data so that tables, badges, forms and charts are all there."""

from __future__ import annotations

import re

import pytest

from dashboard.demo.login import demo_password, wire_demo_login
from dashboard.sandbox import seed
from dashboard.teams.models import SavedTeam
from dashboard.upstream import catalog
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"laptop": (1366, 850), "phone": (390, 844)}


@pytest.fixture
def axe():
    try:
        from axe_playwright_python.sync_playwright import Axe
    except ImportError:
        pytest.skip("axe-playwright-python is not installed (pip install -e '.[dev]')")
    return Axe()


@pytest.fixture
def demo(upstream):
    """The demo organisation, as `make run` seeds it; the demo login's password."""
    org = seed.seed()
    wire_demo_login(org)
    return demo_password(org)


def first_link(page, base: str, pattern: str) -> str | None:
    """The first link on ``base`` whose address matches ``pattern``."""
    page.goto(base)
    for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)"):
        if re.search(pattern, href):
            return href
    return None


def main_pages(page, base: str) -> list[str]:
    team = SavedTeam.objects.filter(label="Research").values_list("team_id", flat=True).first()
    pages = [
        f"/t/{team}/",
        *(f"/t/{team}/r/{kind.slug}/" for kind in catalog.team_kinds()),
        f"/t/{team}/files/upload/",
        "/keys/",
        "/teams/",
        "/audit/?wait=1",
        "/audit/log/",
        "/jobs/",
        "/threads/",
        "/search/?q=paper",
        "/t/personal/",
    ]
    found = [
        first_link(page, f"{base}/t/{team}/r/{kind.slug}/", rf"/t/{team}/r/{kind.slug}/[^/]+/$")
        for kind in catalog.team_kinds()
    ]
    found += [
        first_link(page, f"{base}/threads/", r"/threads/[^/]+/$"),
        first_link(page, f"{base}/audit/?wait=1", r"/people/[^/]+/$"),
    ]
    person = found[-1]
    if person:
        found.append(person + "handover/")
    agent = next((url for url in found if url and "/r/agents/" in url), None)
    if agent:
        found.append(agent + "copy/")
    return [url if url.startswith("http") else base + url for url in pages + found if url]


def violations(axe, page) -> list[str]:
    results = axe.run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(str(node["target"]) for node in v["nodes"][:3])
        for v in results.response["violations"]
    ]


@pytest.mark.parametrize("size", SIZES)
def test_no_page_has_an_accessibility_violation(chromium, live_server, demo, axe, size):
    width, height = SIZES[size]
    context = chromium.new_context(viewport={"width": width, "height": height})
    context.set_default_timeout(20_000)
    page = context.new_page()
    try:
        page.goto(live_server.url + "/accounts/login/")
        found = {"/accounts/login/": violations(axe, page)}
        sign_in(page, live_server.url, seed.DEMO_LOGIN, demo)
        urls = main_pages(page, live_server.url)
        assert len(urls) >= 25, urls
        for url in urls:
            page.goto(url)
            page.wait_for_load_state("networkidle")
            found[url.removeprefix(live_server.url)] = violations(axe, page)
    finally:
        context.close()

    broken = {url: problems for url, problems in found.items() if problems}
    assert not broken, "\n".join(f"{url}: {problems}" for url, problems in broken.items())
