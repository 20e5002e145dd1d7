"""What the personal threads page costs, against one upstream call and against the official
SDK's async client doing the same reads side by side. The sandbox runs in its own gunicorn
process and answers every call after 100 ms, like a remote upstream.

Run with ``.venv/bin/python -m pytest tests/benchmarks/test_bench_threads.py -s -q -p
no:randomly``. Figures are measured in one run and printed (min / median / max over the
rounds); only that the setup is what it claims is asserted: 20 threads on the page, each with
messages, every answer a 200.

* one call: the upstream's thread list, through the dashboard's own client;
* page, cold: ``/threads/`` with nothing remembered of the threads (the list, then the rows
  waiting for their latest message and title);
* page, warm: ``/threads/`` again, every row's latest message and title remembered;
* fragment: the previews fragment the cold page loads as it opens (20 latest and 20 first
  messages, side by side);
* cold page and fragment: what a person waits for until every row is filled in, the first time;
* SDK: ``AsyncSeekrFlow`` listing the threads, then each thread's latest and first message
  (the reads of the page and its fragment) with one ``asyncio.gather``.

The sandbox has threads enough to answer every call of a round at once, as a remote upstream
would, so that neither side waits for a free thread of it.
"""

from __future__ import annotations

import asyncio
import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from seekrai import AsyncSeekrFlow

from dashboard.accounts.services import active_key, client_for_key
from dashboard.threads import previews
from tests.benchmarks.measure import ROUNDS, measured, median, show
from tests.threads.test_threads import HTMX, listed_threads, make_thread, preview_urls

pytestmark = pytest.mark.django_db(transaction=True)

LATENCY_MS = 100
THREADS = 20
# Threads per sandbox worker (it has two): the list and 2 reads per thread at once.
SANDBOX_THREADS = 32
ANSWER = re.compile(r"answer \d+")


@pytest.fixture
def separate_upstream(org, settings):
    from tests.benchmarks.servers import separate_sandbox

    with separate_sandbox(settings, LATENCY_MS, threads=SANDBOX_THREADS):
        yield


def test_threads_page_against_one_call_and_the_sdk(org, alice_web, settings, separate_upstream):
    made = [
        make_thread(
            org.alice, ("user", f"question {n}"), ("assistant", f"answer {n}"), minutes_ago=n
        )
        for n in range(THREADS)
    ]
    ids = [thread.pk for thread in made]
    user = get_user_model().objects.get(username="alice")
    client = client_for_key(active_key(user))

    def forget() -> None:  # only what is remembered of these threads for alice
        cache.delete_many(previews.keys_of(user.pk, ids))

    def page(*, cold: bool) -> str:
        response = alice_web.get("/threads/")
        assert response.status_code == 200, response.status_code
        assert listed_threads(response.text) == ids, "not the 20 threads, newest first"
        waiting = preview_urls(response.text)
        assert bool(waiting) == cold, f"cold={cold} but fragments to load: {waiting}"
        if not cold:
            assert len(ANSWER.findall(response.text)) == THREADS, "previews not in the page"
        return response.text

    def fragment(urls: list[str]) -> None:
        shown = 0
        for url in urls:
            response = alice_web.get(url, headers=HTMX)
            assert response.status_code == 200, response.status_code
            shown += len(ANSWER.findall(response.text))
        assert shown == THREADS, f"the fragment shows {shown} previews, not {THREADS}"

    def cold_page_and_fragment() -> None:
        fragment(preview_urls(page(cold=True)))

    async def gather() -> None:
        sdk = AsyncSeekrFlow(
            base_url=settings.UPSTREAM_BASE_URL, api_key=org.alice.api_key, max_retries=0
        )
        threads = await sdk.agents.threads.list(limit=THREADS)
        assert [thread.id for thread in threads] == ids
        ends = await asyncio.gather(
            *(
                sdk.agents.threads.list_messages(thread.id, limit=1, order=order)
                for thread in threads
                for order in ("desc", "asc")
            )
        )
        assert all(len(messages) == 1 for messages in ends)

    forget()
    urls = preview_urls(page(cold=True))
    figures = {}
    figures["one upstream call (thread list)"] = measured(
        lambda: client.threads.list_threads(limit=THREADS)
    )
    figures["/threads/, cold"] = measured(lambda: page(cold=True), before=forget)
    figures["previews fragment"] = measured(lambda: fragment(urls), before=forget)
    figures["/threads/ cold + its fragment"] = measured(cold_page_and_fragment, before=forget)
    figures["/threads/, warm"] = measured(lambda: page(cold=False))  # the fragment filled it
    with ThreadPoolExecutor(max_workers=1) as loop_thread:  # a loop of its own (see test_sdk_*)
        figures["SDK async: list + gather latest, first"] = measured(
            lambda: loop_thread.submit(asyncio.run, gather()).result()
        )
    one = median(figures["one upstream call (thread list)"])
    sdk = median(figures["SDK async: list + gather latest, first"])
    cold, warm = median(figures["/threads/, cold"]), median(figures["/threads/, warm"])
    filled = median(figures["/threads/ cold + its fragment"])

    print()
    print(f"Threads page: sandbox latency {LATENCY_MS} ms, {THREADS} threads, {ROUNDS} rounds")
    for label, seconds in figures.items():
        show(label, seconds, width=40)
    print(f"  RATIO page cold / one call          {cold / one:6.2f}   (target <= 1.3)")
    print(f"  RATIO page warm / one call          {warm / one:6.2f}   (target <= 1.3)")
    print(f"  ratio page cold / SDK gather        {cold / sdk:6.2f}")
    print(f"  ratio page + fragment / SDK gather  {filled / sdk:6.2f}")
    assert one > 0
