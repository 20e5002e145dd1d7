"""A list read once is searched, sorted and paged again without asking the upstream, for a short
while, by the same key in the same team; the page says how old it is and offers a refresh, and
a change made through the dashboard drops it at once, for everyone in that team."""

from __future__ import annotations

import time

import pytest

from dashboard.sandbox import factories, recorder
from dashboard.sandbox.models import SandboxFile
from dashboard.upstream import catalog, listcache
from tests.conftest import team_url
from tests.resources.helpers import bulk_files, row_ids

HTMX = {"HX-Request": "true"}


def file_calls() -> list:
    return [r for r in recorder.recorded() if r.path == "v1/flow/files"]


@pytest.fixture
def files_in_a(org):
    return bulk_files(org.team_a, org.alice.sandbox_user, 120)


def test_searching_sorting_and_paging_again_ask_the_upstream_nothing(org, alice_web, files_in_a):
    listing = team_url(org.team_a, "r/files/")
    recorder.clear()
    first = alice_web.get(listing)
    assert len(file_calls()) == 1 and 'data-testid="list-age"' not in first.text

    recorder.clear()
    search = alice_web.get(listing + "?q=doc-0011")
    by_creator = alice_web.get(listing + "?sort=created_by&page=2")
    by_name = alice_web.get(listing + "?sort=-filename")
    third = alice_web.get(listing + "?page=3")

    assert file_calls() == []
    assert row_ids(search.text) == [f"file-doc-{n:05d}" for n in range(119, 109, -1)]
    assert len(row_ids(by_creator.text)) == 50
    assert row_ids(by_name.text)[0] == "file-doc-00120"
    assert len(row_ids(third.text)) == 20 and "Rows 101–120 of 120" in third.text
    assert 'data-testid="list-age"' in search.text and "As of 0 s ago" in search.text
    assert f'href="{listing}?q=doc-0011&amp;refresh=1"' in search.text


def test_a_first_search_reads_a_list_of_unknown_length_in_one_round_trip(org, alice_web):
    bulk_files(org.team_a, org.alice.sandbox_user, 2_500)
    listing = team_url(org.team_a, "r/files/")
    size = catalog.FILES.max_page_size

    recorder.clear()
    found = alice_web.get(listing + "?q=doc-01234")
    assert row_ids(found.text) == ["file-doc-01234"]
    # Nothing known of its length: a window of pages at once, one of them past its end.
    assert sorted(int(r.query["offset"]) for r in file_calls()) == [0, size, 2 * size, 3 * size]

    # Once its length is known, a read after a change asks for just the pages it needs.
    listcache.forget_everything()
    recorder.clear()
    alice_web.get(listing + "?q=doc-01234")
    assert sorted(int(r.query["offset"]) for r in file_calls()) == [0, size, 2 * size]


def test_the_refresh_link_reads_the_list_again(org, alice_web, files_in_a):
    listing = team_url(org.team_a, "r/files/")
    alice_web.get(listing)
    # Renamed elsewhere, behind the dashboard's back: the remembered list still shows the old
    # name until it is refreshed.
    SandboxFile.objects.filter(pk="file-doc-00119").update(filename="renamed.jsonl")

    remembered = alice_web.get(listing)
    assert "renamed.jsonl" not in remembered.text and "As of" in remembered.text

    recorder.clear()
    refreshed = alice_web.get(listing + "?refresh=1")
    assert len(file_calls()) == 1
    assert "renamed.jsonl" in refreshed.text and "Read just now" in refreshed.text


def test_a_change_made_in_the_dashboard_drops_the_teams_lists_for_everyone(
    org, alice_web, bob_web, files_in_a
):
    listing = team_url(org.team_a, "r/files/")
    alice_web.get(listing)
    bob_web.get(listing)

    doomed = "file-doc-00119"
    bob_web.get(team_url(org.team_a, f"r/files/{doomed}/delete/"))
    assert bob_web.post(team_url(org.team_a, f"r/files/{doomed}/delete/")).status_code == 200

    recorder.clear()
    after = alice_web.get(listing)
    assert len(file_calls()) == 1  # read again
    assert doomed not in row_ids(after.text) and "of 119" in after.text
    assert 'data-testid="list-age"' not in after.text


def test_a_list_read_with_one_key_is_never_given_to_another(org, alice_web, bob_web, files_in_a):
    listing = team_url(org.team_a, "r/files/")
    alice_web.get(listing)

    recorder.clear()
    bob = bob_web.get(listing)
    (call,) = file_calls()
    assert call.user_id == org.bob.sandbox_user.pk
    assert 'data-testid="list-age"' not in bob.text


def test_another_team_and_other_filters_are_other_lists(org, alice_web, files_in_a):
    factories.create_file(org.team_b, org.bob.sandbox_user, filename="b.jsonl")
    alice_web.get(team_url(org.team_a, "r/files/"))

    recorder.clear()
    alice_web.get(team_url(org.team_a, "r/files/?purpose=fine-tune"))
    assert len(file_calls()) == 1  # the upstream filters: another list


def test_a_poll_of_a_changing_page_reads_afresh(org, alice_web):
    job = factories.create_fine_tune(org.team_a, org.alice.sandbox_user, status="running")
    fine_tunes = team_url(org.team_a, "r/fine-tunes/")
    alice_web.get(fine_tunes)
    type(job).objects.filter(pk=job.pk).update(status="completed")  # behind the dashboard

    poll = alice_web.get(fine_tunes, headers=HTMX)
    assert 'data-status="completed"' in poll.text


def test_lists_are_kept_only_as_long_as_configured(org, alice_web, files_in_a, settings):
    listing = team_url(org.team_a, "r/files/")
    settings.UPSTREAM_LIST_CACHE_SECONDS = 1
    alice_web.get(listing)
    time.sleep(1.2)
    recorder.clear()
    assert 'data-testid="list-age"' not in alice_web.get(listing).text
    assert len(file_calls()) == 1

    settings.UPSTREAM_LIST_CACHE_SECONDS = 0  # never kept
    recorder.clear()
    alice_web.get(listing)
    alice_web.get(listing + "?page=2")
    assert len(file_calls()) == 2


def test_a_lost_change_mark_never_brings_back_a_list_from_before_the_change(org, settings):
    from django.core.cache import caches

    from dashboard.upstream import listcache
    from dashboard.upstream.catalog import FILES
    from dashboard.upstream.client import UpstreamClient

    client = UpstreamClient(org.alice.api_key, str(org.team_a.pk), base_url="http://upstream/")
    before = listcache.Remembered([{"id": "file-gone"}], True, 1, time.time())
    listcache.remember(client, FILES, None, before, generation=listcache.generation(client))
    assert listcache.recall(client, FILES, None) is not None

    listcache.changed(client)  # the file is deleted through the dashboard…
    caches["list-changes"].delete(listcache._generation_key(client))  # …then its mark evicted

    assert listcache.recall(client, FILES, None) is None


def test_a_change_goes_through_when_its_mark_cannot_be_written(org, alice_web, monkeypatch):
    from dashboard.upstream import listcache

    doomed = factories.create_file(org.team_a, org.alice.sandbox_user, filename="doomed.jsonl")
    alice_web.get(team_url(org.team_a, f"r/files/{doomed.pk}/delete/"))

    class Unwritable:  # the marks' store, out of disk space
        def __getattr__(self, name):
            def fail(*args, **kwargs):
                raise OSError("No space left on device")

            return fail

    monkeypatch.setattr(listcache, "_changes", Unwritable)
    done = alice_web.post(team_url(org.team_a, f"r/files/{doomed.pk}/delete/"))

    assert done.status_code == 200 and "Deleted" in done.text
    assert not SandboxFile.objects.filter(pk=doomed.pk).exists()


class MarkReads:
    """Counts the reads of the change marks' store, in every thread (pages read their lists
    in the upstream pool's threads), whatever the store is (files, Redis)."""

    READS = ("get", "get_many", "has_key")

    def __init__(self, monkeypatch):
        from dashboard.upstream import listcache

        self.reads: list[str] = []
        real = listcache._changes
        counter = self

        class Counted:
            def __init__(self, store):
                self.store = store

            def __getattr__(self, name):
                found = getattr(self.store, name)
                if name not in counter.READS:
                    return found

                def read(*args, **kwargs):
                    counter.reads.append(name)
                    return found(*args, **kwargs)

                return read

        monkeypatch.setattr(listcache, "_changes", lambda: Counted(real()))


def test_the_overview_reads_the_change_marks_once_for_all_its_panels(org, alice_web, monkeypatch):
    alice_web.get(team_url(org.team_a))  # the marks exist
    marks = MarkReads(monkeypatch)

    page = alice_web.get(team_url(org.team_a))

    assert page.status_code == 200 and page.text.count('data-testid="count-') > 1
    assert marks.reads == ["get_many"]


def test_a_list_page_reads_the_change_marks_once(org, alice_web, files_in_a, monkeypatch):
    listing = team_url(org.team_a, "r/files/")
    alice_web.get(listing)  # the marks exist
    marks = MarkReads(monkeypatch)

    alice_web.get(listing + "?refresh=1")  # read afresh: no kept list looked for
    alice_web.get(listing + "?q=doc-0011")  # answered from the kept list
    alice_web.get(listing + "?purpose=fine-tune")  # not kept yet: looked for, then read

    assert marks.reads == ["get_many"] * 3


def test_lists_the_overview_read_are_kept_until_the_dashboard_changes_the_team(
    org, alice_web, bob_web, files_in_a
):
    listing = team_url(org.team_a, "r/files/")
    alice_web.get(team_url(org.team_a))

    recorder.clear()
    kept = alice_web.get(listing)
    doomed = "file-doc-00119"
    assert file_calls() == [] and 'data-testid="list-age"' in kept.text
    assert doomed in row_ids(kept.text)

    bob_web.get(team_url(org.team_a, f"r/files/{doomed}/delete/"))
    assert bob_web.post(team_url(org.team_a, f"r/files/{doomed}/delete/")).status_code == 200
    recorder.clear()
    after = alice_web.get(listing)
    assert len(file_calls()) == 1  # read again
    assert doomed not in row_ids(after.text) and 'data-testid="list-age"' not in after.text


def test_a_change_while_the_overview_reads_is_not_hidden_by_what_it_read(
    org, alice_web, files_in_a, monkeypatch
):
    """The overview takes the team's generation before its reads: a change made while they
    are under way (by another page, another process) leaves nothing it read to be reused."""
    from dashboard.upstream import listcache
    from dashboard.upstream.resources import ResourcesApi

    real = ResourcesApi.list_upto

    def changed_meanwhile(self, kind, **kwargs):
        page = real(self, kind, **kwargs)
        if kind.slug == "files":
            listcache.changed(self.client)
        return page

    monkeypatch.setattr(ResourcesApi, "list_upto", changed_meanwhile)
    alice_web.get(team_url(org.team_a))
    monkeypatch.setattr(ResourcesApi, "list_upto", real)

    recorder.clear()
    page = alice_web.get(team_url(org.team_a, "r/files/"))
    assert len(file_calls()) == 1 and 'data-testid="list-age"' not in page.text
