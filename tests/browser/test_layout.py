"""In a real browser, at a laptop's size (1366×850) and a phone's (390×844): no page is wider
than the screen; on the laptop every column of every kind's list is in view, names first and
no team column; on the phone the navigation opens from the Menu toggle (no script needed),
lists are cards whose status, creator, date and checkbox are on screen, and every action of a
detail page and of the bulk bar is reachable."""

from __future__ import annotations

import pytest

from dashboard.resources.presentation import list_columns
from dashboard.upstream import catalog
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD, make_dashboard_user, team_url
from tests.resources.test_lists import make_one_of_each

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LAPTOP = {"width": 1366, "height": 850}
PHONE = {"width": 390, "height": 844}

PAGE_WIDTH = "() => document.documentElement.scrollWidth"

# Each header cell of the resource table against the box that shows the table.
HEADERS_IN_VIEW = """(table) => {
  const wrap = table.querySelector('.table-wrap');
  const box = wrap.getBoundingClientRect();
  const right = box.left + wrap.clientWidth;
  return Array.from(wrap.querySelectorAll('thead th')).map((th) => {
    const cell = th.getBoundingClientRect();
    return {
      label: th.innerText.trim(),
      inView: cell.width > 0 && cell.left >= box.left - 1 && cell.right <= right + 1,
    };
  });
}"""


@pytest.fixture
def team_with_everything(org):
    """Team A holding one resource of every kind, with long names and models as real teams
    have, and bob signed up with both teams saved."""
    bob = org.bob.sandbox_user
    made = make_one_of_each(org.team_a, bob)
    from dashboard.sandbox import factories

    factories.create_fine_tune(
        org.team_a,
        org.alice.sandbox_user,
        experiment_name="summaries-with-a-rather-long-experiment-name-v12",
        model="meta-llama/Llama-3.1-70B-Instruct-with-a-long-suffix",
        status="running",
    )
    factories.create_file(org.team_a, bob, filename="a-long-file-name-for-the-corpus-2026.jsonl")
    make_dashboard_user(
        "bob", member=org.bob, teams=[(org.team_a, "Team A"), (org.team_b, "Team B")]
    )
    return made


def main_pages(made: dict[str, tuple[str, str]], org) -> dict[str, str]:
    """The pages to look at: overview, every kind's list and a detail of each, the rest."""
    pages = {"overview": team_url(org.team_a)}
    for slug, (resource_id, _name) in made.items():
        pages[f"list {slug}"] = team_url(org.team_a, f"r/{slug}/")
        pages[f"detail {slug}"] = team_url(org.team_a, f"r/{slug}/{resource_id}/")
    pages.update(
        {
            "teams": "/teams/",
            "keys": "/keys/",
            "audit": "/audit/",
            "person": f"/people/{org.alice.upstream_id}/",
            "jobs": "/jobs/",
            "action log": "/audit/log/",
            "threads": "/threads/",
            "upload": team_url(org.team_a, "files/upload/"),
        }
    )
    return pages


def open_page(page, url: str) -> None:
    page.goto(url)
    page.wait_for_load_state("networkidle")  # lazy panels (the audit's teams) have come in


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_no_page_is_wider_than_the_screen(team_with_everything, org, page, live_server, viewport):
    page.set_viewport_size(viewport)
    sign_in(page, live_server.url, "bob", PASSWORD)
    too_wide = {}
    for name, path in main_pages(team_with_everything, org).items():
        open_page(page, live_server.url + path)
        assert page.locator("main h1").count(), f"{name}: {path} did not render"
        width = page.evaluate(PAGE_WIDTH)
        if width > viewport["width"]:
            too_wide[name] = width
    assert not too_wide, f"wider than {viewport['width']} px: {too_wide}"
    assert not page.js_errors, page.js_errors


def test_every_column_of_every_kind_is_in_view_on_a_laptop(
    team_with_everything, org, page, live_server
):
    page.set_viewport_size(LAPTOP)
    sign_in(page, live_server.url, "bob", PASSWORD)
    for slug in team_with_everything:
        open_page(page, live_server.url + team_url(org.team_a, f"r/{slug}/"))
        headers = page.get_by_test_id("resource-table").evaluate(HEADERS_IN_VIEW)
        labels = [header["label"] for header in headers]
        expected = [column.label for column in list_columns(catalog.get(slug))]
        assert labels == [*expected, "Select"], slug
        assert labels[0] == "Name" and "Team" not in labels, slug
        hidden = [header["label"] for header in headers if not header["inView"]]
        assert not hidden, f"{slug}: columns out of view at 1366 px: {hidden}"


def test_ids_are_short_with_the_whole_id_on_hover_and_a_copy_button(
    team_with_everything, org, page, live_server
):
    page.set_viewport_size(LAPTOP)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    sign_in(page, live_server.url, "bob", PASSWORD)
    agent_id, _name = team_with_everything["agents"]
    open_page(page, live_server.url + team_url(org.team_a, "r/agents/"))
    row = page.locator(f"tr[data-id='{agent_id}']")
    shown = row.locator("td.cell-id code")
    assert shown.get_attribute("title") == agent_id
    assert shown.inner_text() != agent_id and shown.inner_text().endswith(agent_id[-4:])
    row.get_by_role("button", name=f"Copy ID {agent_id}").click()
    page.wait_for_selector("button.copy-btn.copied")
    assert page.evaluate("() => navigator.clipboard.readText()") == agent_id


def test_a_phone_gets_a_menu_cards_and_every_action(team_with_everything, org, page, live_server):
    page.set_viewport_size(PHONE)
    sign_in(page, live_server.url, "bob", PASSWORD)
    open_page(page, live_server.url + team_url(org.team_a, "r/fine-tunes/"))

    # A one-line header with the team; the navigation waits behind the Menu toggle.
    header = page.locator("header.topbar").bounding_box()
    assert header["height"] < 80, header
    assert page.get_by_test_id("active-team").get_by_text("Team A").is_visible()
    nav = page.get_by_role("navigation", name="Main")
    assert not nav.is_visible()
    page.get_by_test_id("nav-toggle").click()
    assert nav.get_by_role("link", name="Agents").is_visible()
    assert page.get_by_role("button", name="Sign out").is_visible()
    nav.get_by_role("link", name="Agents").click()
    page.wait_for_selector("h1:has-text('Agents')")
    assert not nav.is_visible()  # a new page starts with the menu closed

    # Each row is a card: name, status, creator and date on screen, its checkbox too.
    open_page(page, live_server.url + team_url(org.team_a, "r/fine-tunes/"))
    card = page.locator("[data-testid=resource-table] tbody tr").first
    for cell in ("td.cell-text >> nth=0", "td.cell-status", "td.cell-owner", "td.cell-datetime"):
        assert_on_screen(card.locator(cell), cell)
    assert_on_screen(card.get_by_test_id("row-select"), "row checkbox")
    for action in ("bulk-copy", "bulk-export", "select-all"):
        assert_on_screen(page.get_by_test_id(action), action)

    # A detail page's actions are all on screen, wrapped as needed.
    file_id, _name = team_with_everything["files"]
    open_page(page, live_server.url + team_url(org.team_a, f"r/files/{file_id}/"))
    actions = page.locator(".page-head .actions a")
    assert actions.count() >= 3
    for index in range(actions.count()):
        assert_on_screen(actions.nth(index), actions.nth(index).inner_text())
    assert not page.js_errors, page.js_errors


def assert_on_screen(locator, what: str) -> None:
    box = locator.bounding_box()
    assert box is not None and box["width"] > 0, f"{what} is not shown"
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], f"{what} is off screen"


# Which of the page's table and code boxes are Tab stops, and which of them scroll.
BOXES = "main .table-wrap, main pre, main .audit-chart"
SCROLL_BOXES = """() => Array.from(document.querySelectorAll('BOXES')).map(
  (box) => ({
    scrolls: box.scrollWidth > box.clientWidth + 1 || box.scrollHeight > box.clientHeight + 1,
    stop: box.getAttribute('tabindex') === '0',
  })
)""".replace("BOXES", BOXES)


# Errors the window sees but the console does not (a ResizeObserver loop is one).
WINDOW_ERRORS = """
window.windowErrors = [];
addEventListener('error', (event) => window.windowErrors.push(event.message));
"""


def scroll_boxes_settled(page) -> list[dict]:
    """The boxes once the frame after the last change has been rendered (the check runs after
    layout, as sizes change)."""
    page.evaluate("() => new Promise((done) => requestAnimationFrame(() => setTimeout(done)))")
    return page.evaluate(SCROLL_BOXES)


def test_a_table_that_scrolls_is_a_tab_stop_and_stops_being_one_when_it_fits(
    org, page, live_server
):
    """On a phone the audit's per-team tables are wider than the screen: each scrolls and can
    be reached with Tab (those swapped in by the audit's request too). On a wide screen they
    fit and are not Tab stops any more, except the one that has the focus, until it is left.
    Looking at the boxes as they change size raises no error (a ResizeObserver loop)."""
    make_dashboard_user("alice", member=org.alice, teams=[(org.team_a, "Team A")])
    make_one_of_each(org.team_a, org.alice.sandbox_user)
    page.add_init_script(WINDOW_ERRORS)
    page.set_viewport_size(PHONE)
    sign_in(page, live_server.url, "alice", PASSWORD)
    open_page(page, live_server.url + "/audit/")
    page.get_by_test_id("audit-table").wait_for()

    on_a_phone = scroll_boxes_settled(page)
    assert any(box["scrolls"] for box in on_a_phone), "nothing scrolls on a phone"
    assert all(box["stop"] == box["scrolls"] for box in on_a_phone), on_a_phone
    focused = next(n for n, box in enumerate(on_a_phone) if box["scrolls"])
    page.evaluate(f"() => document.querySelectorAll('{BOXES}')[{focused}].focus()")

    page.set_viewport_size({"width": 1900, "height": 900})
    wide = scroll_boxes_settled(page)
    assert not wide[focused]["scrolls"], "the focused box does not fit on a wide screen"
    assert wide[focused]["stop"], "the box lost its Tab stop while it had the focus"
    assert page.evaluate(f"() => document.activeElement.matches('{BOXES}')"), "focus lost"
    others = [box for n, box in enumerate(wide) if n != focused]
    assert all(box["stop"] == box["scrolls"] for box in others), wide

    page.evaluate("() => document.activeElement.blur()")
    left = scroll_boxes_settled(page)
    assert all(box["stop"] == box["scrolls"] for box in left), left
    assert page.evaluate("() => window.windowErrors") == []
    assert not page.js_errors, page.js_errors


LONG_WORD = "customer_support_conversations_2024_q3_cleaned_deduplicated_" + "x" * 60 + ".jsonl"


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_a_long_word_wraps_rather_than_widening_the_page(org, page, live_server, viewport):
    """A name with no spaces (a file's, a thread's first words, what was searched for) wraps
    where it is shown: a detail page's heading, the search across teams, a person's page, a
    thread's title, a list's "no match", an unknown person."""
    from dashboard.sandbox import conversations, factories

    member = org.alice.sandbox_user
    made = factories.create_file(org.team_a, member, filename=LONG_WORD)
    thread = conversations.create_thread(member)
    conversations.create_message(thread, "user", LONG_WORD)
    make_dashboard_user("alice", member=org.alice, teams=[(org.team_a, "Team A")])
    page.set_viewport_size(viewport)
    sign_in(page, live_server.url, "alice", PASSWORD)
    pages = {
        "file": team_url(org.team_a, f"r/files/{made.pk}/"),
        "search": f"/search/?q={LONG_WORD[:40]}",
        "person": f"/people/{org.alice.upstream_id}/",
        "thread": f"/threads/{thread.pk}/",
        "no match": team_url(org.team_a, "r/files/?q=" + "B" * 300),
        "unknown person": "/people/" + "A" * 300 + "/",
    }
    too_wide = {}
    for name, path in pages.items():
        open_page(page, live_server.url + path)
        assert page.locator("main h1").count(), f"{name}: {path} did not render"
        if page.evaluate(PAGE_WIDTH) > viewport["width"]:
            too_wide[name] = page.evaluate(PAGE_WIDTH)
    assert not too_wide, f"wider than {viewport['width']} px: {too_wide}"
    assert not page.js_errors, page.js_errors


@pytest.fixture
def audit_on_a_phone(org, page, live_server):
    """The audit of a team holding one of each kind, open on a phone."""
    make_dashboard_user("alice", member=org.alice, teams=[(org.team_a, "Team A")])
    make_one_of_each(org.team_a, org.alice.sandbox_user)
    page.set_viewport_size(PHONE)
    sign_in(page, live_server.url, "alice", PASSWORD)
    open_page(page, live_server.url + "/audit/")
    return page


def test_the_audits_table_is_cards_on_a_phone(audit_on_a_phone):
    """Each resource of the audit's table is a card on a phone, its name the title and its
    kind, id, team, creator and date below it, labelled; nothing scrolls sideways."""
    page = audit_on_a_phone
    table = page.get_by_test_id("audit-table")
    table.wait_for()
    assert table.evaluate("(t) => t.closest('.table-wrap').scrollWidth") <= PHONE["width"]
    card = table.locator("tbody tr").first
    name = card.locator("td.cell-name")
    assert_on_screen(name, "name")
    for label in ("Kind", "ID", "Team", "Creator", "Created"):
        cell = card.locator(f"td[data-label='{label}']")
        assert_on_screen(cell, label)
        assert cell.bounding_box()["y"] > name.bounding_box()["y"], f"{label} above the name"
        shown = cell.evaluate("(td) => getComputedStyle(td, '::before').content")
        assert shown == f'"{label}"', (label, shown)
    assert not page.js_errors, page.js_errors


def test_the_audits_chart_stays_readable_on_a_phone(audit_on_a_phone):
    """Its labels keep a readable size, the chart scrolling sideways in its own box (a Tab
    stop, as every box that scrolls) rather than shrinking the text to a few pixels."""
    page = audit_on_a_phone
    chart = page.get_by_test_id("audit-chart")
    chart.wait_for()
    label = chart.locator(".audit-chart-label").first
    assert label.bounding_box()["height"] >= 10, label.bounding_box()
    assert page.evaluate(PAGE_WIDTH) <= PHONE["width"]
    page.evaluate("() => new Promise((done) => requestAnimationFrame(() => setTimeout(done)))")
    assert chart.get_attribute("tabindex") == "0"
