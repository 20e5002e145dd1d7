"""Turns upstream failures raised anywhere in a view into a page with a clear message."""

from __future__ import annotations

import logging

from django.shortcuts import redirect, render

from dashboard.upstream.errors import NoApiKeyError, UpstreamError

logger = logging.getLogger(__name__)


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
