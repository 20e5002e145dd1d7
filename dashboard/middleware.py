"""What every page shares: one deadline for its upstream calls, control characters refused
before any view runs, and upstream failures raised anywhere in a view turned into a page with
a clear message."""

from __future__ import annotations

import logging

from django.conf import settings
from django.shortcuts import redirect, render

from dashboard.upstream.deadline import page_deadline
from dashboard.upstream.errors import NoApiKeyError, UpstreamError

logger = logging.getLogger(__name__)

FORM_BODY = "application/x-www-form-urlencoded"
# Tabs and line breaks are text; every other control character (NUL first) is refused.
ALLOWED_CONTROLS = frozenset("\t\n\r")
UNCHECKED_PREFIXES = ("/static/",)  # the sandbox is answered before (sandbox/middleware.py)


def has_control_characters(text: str) -> bool:
    return any((ch < " " or ch == "\x7f") and ch not in ALLOWED_CONTROLS for ch in text)


def refused_field(request) -> str | None:
    """The name of the first query or form value (or name) holding a control character.

    Only query strings and urlencoded forms are read here: a multipart body is an upload, read
    by its own view with its own checks, and a raw body is a file.
    """
    if has_control_characters(request.path):
        return "the address"
    sources = [request.GET]
    if request.method == "POST" and request.content_type == FORM_BODY:
        sources.append(request.POST)
    for values in sources:
        for name, items in values.lists():
            if has_control_characters(name) or any(map(has_control_characters, items)):
                return name
    return None


class PageMiddleware:
    """What every page's request passes first: refused (400, with a message) if its query or
    form holds control characters, else given one deadline for its upstream calls
    (``UPSTREAM_PAGE_DEADLINE``). An address that only takes forms, opened as a page, answers
    405 with a page saying so (not the empty answer of ``require_POST``).

    No view ever sees such a value, so none can send it upstream, store it (PostgreSQL refuses
    NUL in text) or write it to the action log. One middleware for both: every layer of
    middleware is a call or two deeper, and more work, for every request.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        name = None if request.path.startswith(UNCHECKED_PREFIXES) else refused_field(request)
        if name is not None:
            return control_characters_refused(request, name)
        with page_deadline(settings.UPSTREAM_PAGE_DEADLINE):
            response = self.get_response(request)
        if response.status_code == 405 and _visited(request) and _empty(response):
            from dashboard.views import method_not_allowed

            return method_not_allowed(request, response.get("Allow", ""))
        return response


def _empty(response) -> bool:
    return not response.streaming and not response.content


def _visited(request) -> bool:
    """A page asked for as a page: opened in the browser, not sent by a form or by htmx."""
    return request.method in ("GET", "HEAD") and not getattr(request, "htmx", False)


def control_characters_refused(request, name: str):
    field = name if not has_control_characters(name) else "a field name"
    where = f"What was sent in “{field}”"
    if has_control_characters(request.path):
        where = "The page's address"
    context = {
        "title": "Control characters refused",
        "message": (
            f"{where} holds control characters (such as NUL), which the dashboard does not "
            "accept. Nothing was sent or saved: remove them and try again."
        ),
        "testid": "control-characters",
    }
    htmx = getattr(request, "htmx", False)
    template = "errors/_refused.html" if htmx else "errors/error.html"
    return render(request, template, context, status=400)


class UpstreamErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, UpstreamError):
            return None
        if isinstance(exception, NoApiKeyError) and not getattr(request, "htmx", False):
            return redirect("welcome")
        logger.info(
            "upstream error on %s: %s (%s)",
            request.path,
            type(exception).__name__,
            exception.status,
        )
        template = (
            "errors/_upstream.html" if getattr(request, "htmx", False) else "errors/upstream.html"
        )
        return render_upstream_error(request, exception, template)


def render_upstream_error(request, error, template="errors/upstream.html", resubmit=None):
    """The error page; ``resubmit`` (action, field, label, value) keeps what the person wrote."""
    context = {"error": error, "resubmit": resubmit}
    return render(request, template, context, status=error.http_status)
