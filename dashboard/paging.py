"""Query strings of filtered, paged pages: what a page's links and exports carry along."""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS
from django.http import HttpResponse
from django.urls import reverse

PAGE_ONLY_PARAMS = ("page", "wait")  # never carried into exports or other pages


def query_with(request, **changes) -> str:
    """The current query string with ``changes`` (None removes), without page-only params."""
    query = request.GET.copy()
    for name in PAGE_ONLY_PARAMS:
        query.pop(name, None)
    for name, value in changes.items():
        if value is None:
            query.pop(name, None)
        else:
            query[name] = value
    return query.urlencode()


def page_links(request, page, url_name: str) -> dict[str, str]:
    """Links to the previous and next page, keeping the filters."""
    base = reverse(url_name)
    links = {}
    if page.has_previous():
        links["previous"] = f"{base}?{query_with(request, page=str(page.previous_page_number()))}"
    if page.has_next():
        links["next"] = f"{base}?{query_with(request, page=str(page.next_page_number()))}"
    return links


def invalid_filters(form) -> HttpResponse:
    """An export's answer to filters that are not valid: what is wrong, in plain text."""
    problems = "; ".join(
        " ".join(errors) if name == NON_FIELD_ERRORS else f"{name}: {' '.join(errors)}"
        for name, errors in form.errors.items()
    )
    return HttpResponse(
        f"The filters are not valid: {problems}", status=400, content_type="text/plain"
    )
