"""The sandbox answers as an API, not as a page of the dashboard.

Right after ``SecurityMiddleware`` (HTTPS redirect, HSTS, ``nosniff``), a request under one of
the sandbox's mounts goes straight to its endpoint, ahead of the dashboard's page middleware: no
session, sign-in, CSRF, messages or workspace is read, and no page header (content security
policy, framing, cookie ``Vary``) is added, as a remote upstream adds none. What the page
middleware did that an API needs is done here: the host is checked against ``ALLOWED_HOSTS``
(a 400 otherwise) and a whole answer says its length, so the connection is kept for the next
call. The endpoints authenticate the API key themselves (see ``api.py``), and an unexpected
exception still becomes the project's error answer.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.urls import Resolver404, get_resolver

URLCONF = "dashboard.sandbox.mounts"


class SandboxApiMiddleware:
    """Sandbox requests are answered here, right after ``SecurityMiddleware``; every other
    request goes on."""

    def __init__(self, get_response):
        if not settings.SANDBOX_ENABLED:
            raise MiddlewareNotUsed
        from dashboard.sandbox import mounts  # its models exist only where it is served

        self.get_response = get_response
        self.prefixes = mounts.PREFIXES

    def __call__(self, request):
        if not request.path_info.startswith(self.prefixes):
            return self.get_response(request)
        request.get_host()  # DisallowedHost (a 400) unless ALLOWED_HOSTS has it
        try:
            match = get_resolver(URLCONF).resolve(request.path_info)
        except Resolver404:  # every mount ends in a catch-all: not reached
            return self.get_response(request)
        request.resolver_match = match
        response = match.func(request, *match.args, **match.kwargs)
        if not response.streaming and not response.has_header("Content-Length"):
            response.headers["Content-Length"] = str(len(response.content))
        return response
