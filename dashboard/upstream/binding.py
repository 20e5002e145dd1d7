"""Clients bound to a request: the signed-in user's active key and the session's team."""

from __future__ import annotations

from django.http import HttpRequest

from dashboard.upstream.client import UpstreamClient


def client_for(request: HttpRequest) -> UpstreamClient:
    """The client for this request (built once per request)."""
    client = getattr(request, "_upstream_client", None)
    if client is None:
        from dashboard.accounts.services import client_for_user

        key = getattr(request, "active_api_key", None)
        client = client_for_user(request.user, request.team.id, key)
        request._upstream_client = client
    return client
