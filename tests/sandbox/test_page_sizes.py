"""Each kind's largest page, as the catalog states it, is the largest the sandbox accepts: one
more item is refused. Whole lists are read in pages of this size, so a value too large would
fail every long list, and one too small would cost round trips."""

from __future__ import annotations

import pytest

from dashboard.upstream import catalog
from dashboard.upstream.catalog import Pagination, Scope

PAGED = [kind for kind in catalog.all_kinds() if kind.pagination is not Pagination.NONE]


def test_every_paged_kind_is_checked():
    assert {kind.slug for kind in PAGED} >= {"files", "tools", "deployments", "data-jobs"}


@pytest.mark.parametrize("kind", PAGED, ids=lambda kind: kind.slug)
def test_the_largest_page_is_accepted_and_one_more_refused(kind, org, http):
    team = org.team_a_id if kind.scope is Scope.TEAM else None
    base = {**kind.list_params}
    if kind.pagination is Pagination.SKIP_LIMIT:
        base["skip"] = 0
    elif kind.pagination is Pagination.LIMIT_OFFSET:
        base["offset"] = 0

    largest = http("GET", kind.list_path, key=org.alice.key, team=team,
                   params={**base, "limit": kind.max_page_size})
    too_large = http("GET", kind.list_path, key=org.alice.key, team=team,
                     params={**base, "limit": kind.max_page_size + 1})

    assert largest.status_code == 200, largest.text
    assert too_large.status_code == 422, too_large.text
    assert "limit" in too_large.text
