"""Calls on the catalog's kinds (``client.resources``): lists in each kind's own paging style,
whole lists, one item, its sub-lists and content, delete and the kind's actions.

Every path naming a resource is built with :func:`~dashboard.upstream.paths.expand`; every
call says the kind's scope, so the team header goes exactly where the catalog says.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from dashboard.upstream import errors, profiles
from dashboard.upstream.catalog import Pagination, ResourceKind, Scope, Wrapping, registry
from dashboard.upstream.catalog.forms import Choices, FormSpec
from dashboard.upstream.fanout import fan_out
from dashboard.upstream.paths import expand, segment

if TYPE_CHECKING:
    from dashboard.upstream.client import StreamedResponse, UpstreamClient

logger = logging.getLogger(__name__)

LIST_ALL_LIMIT = 20_000  # a safety stop when a whole list is fetched page by page
LIST_ALL_WINDOW = 4  # pages asked at once when the upstream does not say how many there are
# The page the SDK asks for by default. An upstream that refuses a larger page (400/422), or
# answers one with exactly this many items more than once, is taken to stop there: from then
# on this process asks it for pages of this size for that kind.
SDK_PAGE = 100
_smaller_pages: dict[str, int] = {}  # kind slug -> the largest page the upstream turned out to take


def page_size(kind: ResourceKind) -> int:
    """The largest page to ask for: the catalog's, unless the upstream turned out to take less."""
    return _smaller_pages.get(kind.slug, kind.max_page_size)


@dataclass
class Page:
    items: list[dict]
    has_more: bool
    total: int | None = None  # known when the upstream says it, or the whole list was fetched


class ResourcesApi:
    """The catalog-driven calls of one client (its key, its team)."""

    def __init__(self, client: UpstreamClient):
        self.client = client

    @staticmethod
    def unwrap(kind: ResourceKind | Wrapping, payload: Any) -> tuple[list[dict], int | None]:
        """The items (and the total, when given) of a list answer, checked for shape."""
        wrapping = kind.wrapping if isinstance(kind, ResourceKind) else kind
        items: Any
        total = None
        if wrapping is Wrapping.BARE:
            items = payload
        elif isinstance(payload, dict):
            items = payload.get("data", [] if wrapping is Wrapping.OBJECT_DATA else None)
            raw_total = payload.get("total")
            total = raw_total if isinstance(raw_total, int) else None
        else:
            items = None
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise errors.BadResponseError(
                "The upstream answered a list request with data of an unexpected shape."
            )
        return items, total

    def list_page(
        self,
        kind: ResourceKind,
        *,
        offset: int = 0,
        limit: int = 50,
        params: dict | None = None,
    ) -> Page:
        """One page of a kind's list, asked of the upstream in the kind's own style.

        ``has_more`` is learnt by asking for one item more than the page holds.
        """
        query = dict(kind.list_params)
        query.update(params or {})
        if kind.pagination is Pagination.NONE:
            items, total = self.unwrap(kind, self._get_list(kind, query))
            window = items[offset : offset + limit]
            return Page(window, offset + limit < len(items), len(items))
        if kind.pagination is Pagination.PAGE_LIMIT:
            return self._numbered_page(kind, offset, limit, query)
        probe = min(limit + 1, page_size(kind))
        if kind.pagination is Pagination.LIMIT_ORDER:
            query.update(limit=min(offset + limit + 1, kind.max_page_size))
            query.setdefault("order", "desc")
            items, total = self.unwrap(kind, self._get_list(kind, query))
            return Page(items[offset : offset + limit], len(items) > offset + limit, total)
        start = "skip" if kind.pagination is Pagination.SKIP_LIMIT else "offset"
        query.update({start: offset, "limit": probe})
        try:
            items, total = self.unwrap(kind, self._get_list(kind, query))
        except errors.InvalidRequestError:
            if probe <= SDK_PAGE:
                raise
            # Refused: if the SDK's page is taken, it was the page's size, and that kind is
            # asked for that size from now on; if not, the refusal was for something else.
            _smaller_pages[kind.slug] = SDK_PAGE
            try:
                smaller = self.list_page(kind, offset=offset, limit=limit, params=params)
            except errors.UpstreamError:
                _smaller_pages.pop(kind.slug, None)
                raise
            logger.warning(
                "the upstream refused pages of %s %s; asking %s", probe, kind.slug, SDK_PAGE
            )
            return smaller
        has_more = len(items) > limit if probe > limit else len(items) == probe
        if total is None and len(items) == SDK_PAGE < probe:
            # Exactly the SDK's page when more was asked: the list may end here, or the
            # upstream may give no more a page. Asking on tells (see ``list_upto``).
            has_more = True
        if total is not None:
            has_more = offset + limit < total
        return Page(items[:limit], has_more, total)

    def _numbered_page(self, kind: ResourceKind, offset: int, limit: int, query: dict) -> Page:
        """A page of an upstream that numbers its pages (``page`` from 1, ``limit`` a page):
        pages of ``limit`` items, or of the largest size that starts at ``offset``."""
        size = min(limit, page_size(kind))
        if offset % size:
            size = math.gcd(offset, size)
        query.update(page=offset // size + 1, limit=size)
        items, total = self.unwrap(kind, self._get_list(kind, query))
        has_more = offset + size < total if total is not None else len(items) >= size
        return Page(items[:size], has_more, total)

    def _get_list(self, kind: ResourceKind, query: dict) -> Any:
        try:
            return self.client.request(
                "GET", kind.list_path, scope=kind.scope, params=query or None
            )
        except errors.NotFoundError as exc:  # a list is never "no such resource"
            raise errors.NotFoundError(
                f"The upstream has no list of {kind.label.lower()} at this address (404): the "
                "upstream's address (UPSTREAM_BASE_URL) or its API version may be wrong.",
                status=exc.status,
                detail=exc.detail,
            ) from exc

    def list_all(self, kind: ResourceKind, *, params: dict | None = None) -> list[dict]:
        """The whole list of a kind (up to ``LIST_ALL_LIMIT`` items), paging through the
        upstream with its largest page."""
        return self.list_upto(kind, limit=LIST_ALL_LIMIT, params=params).items

    def list_upto(
        self,
        kind: ResourceKind,
        *,
        limit: int,
        params: dict | None = None,
        start: list[dict] | None = None,
        expect: int | None = None,
        guess: int = 1,
    ) -> Page:
        """The first ``limit`` items of a kind's list, paging through the upstream with its
        largest page; ``has_more`` says the list goes on past them, ``total`` is exact
        whenever the upstream said it or the whole list was read.

        ``start`` is the list's beginning, already read: reading goes on after it. ``expect``
        is how long the list is thought to be: every page it needs (and one more, to see the
        end) is asked at once. Otherwise the first ``guess`` pages are asked (by default the
        first alone: a person waiting for the whole of a list of unknown length may rather
        pay a few calls past its end than a round trip more), then the rest side by side: all
        that are left when the upstream gives a total, else ``LIST_ALL_WINDOW`` at a time,
        stopping at a short page.
        """
        if kind.pagination in (Pagination.NONE, Pagination.LIMIT_ORDER):
            size = LIST_ALL_LIMIT if kind.pagination is Pagination.NONE else kind.max_page_size
            page = self.list_page(kind, limit=min(size, limit), params=params)
            return self._counted(page.items, page.has_more, page.total)
        size = page_size(kind)
        items = list(start or [])
        total, more, short_pages = None, True, 0
        if expect is not None:
            ahead = math.ceil((min(expect, limit) + 1 - len(items)) / size)
        else:
            ahead = LIST_ALL_WINDOW if items else guess
        while more and len(items) < limit:
            size = page_size(kind)  # smaller once the upstream turned out to take less
            offsets = range(len(items), limit, size)[: max(ahead, 1)]
            for page in self._pages(kind, offsets, size, params):  # in order
                total = page.total if total is None else total
                items.extend(page.items)
                more = page.has_more and bool(page.items)
                if more and len(page.items) < size:
                    # A short page that is not the end: the upstream gives smaller pages than
                    # asked. The pages after it in this window would leave a gap: go on from
                    # here, and after a second such page, ask that size from now on.
                    short_pages += 1
                    if short_pages > 1:
                        _smaller_pages[kind.slug] = size = len(page.items)
                    break
                if not more:
                    break
            else:
                short_pages = 0
            left = math.ceil((total - len(items)) / size) if total is not None else None
            ahead = LIST_ALL_WINDOW if left is None else left
            if short_pages == 1:
                ahead = 1  # one page, to learn whether the list ended or the pages are small
        return self._counted(items[:limit], more or len(items) > limit, total)

    def _pages(self, kind: ResourceKind, offsets: range, size: int, params: dict | None):
        """Pages of a list at these offsets, asked side by side and given in order; a failed
        page fails the list (rather than leaving a silent gap) once it is reached."""
        if len(offsets) == 1:
            yield self.list_page(kind, offset=offsets[0], limit=size, params=params)
            return
        outcomes = fan_out(
            {
                offset: partial(self.list_page, kind, offset=offset, limit=size, params=params)
                for offset in offsets
            }
        )
        for offset in offsets:
            if outcomes[offset].error is not None:
                raise outcomes[offset].error
            yield outcomes[offset].value

    @staticmethod
    def _counted(items: list[dict], has_more: bool, total: int | None) -> Page:
        """A read of a list's start: its total is the upstream's, or its length if it ended."""
        if total is None and not has_more:
            total = len(items)
        return Page(items, has_more, total)

    def _on(
        self, method: str, kind: ResourceKind, template: str, resource_id: str, **kwargs
    ) -> Any:
        """One call on one resource of ``kind``, at the catalog path ``template``."""
        return self.client.request(
            method, expand(template, resource_id), scope=kind.scope, **kwargs
        )

    def retrieve(self, kind: ResourceKind, resource_id: str) -> dict:
        payload = profiles.active_profile().single(
            self._on("GET", kind, kind.detail_path, resource_id)
        )
        if not isinstance(payload, dict):
            raise errors.BadResponseError()
        return payload

    def delete(self, kind: ResourceKind, resource_id: str) -> Any:
        if not kind.delete_path:
            raise errors.InvalidRequestError(f"{kind.label} cannot be deleted.")
        return self._on("DELETE", kind, kind.delete_path, resource_id)

    def run_action(self, kind: ResourceKind, action_name: str, resource_id: str) -> Any:
        action = kind.action(action_name)
        if action is None:
            raise errors.InvalidRequestError(f"{kind.label} have no action '{action_name}'.")
        query = {name: value.format(id=resource_id) for name, value in action.query} or None
        extra = {"json_body": dict(action.body)} if action.body else {}
        return self._on(action.method, kind, action.path, resource_id, params=query, **extra)

    def sub_list(self, kind: ResourceKind, index: int, resource_id: str) -> list[dict]:
        sub = kind.sub_lists[index]
        return self.unwrap(sub.wrapping, self._on("GET", kind, sub.path, resource_id))[0]

    def content(self, kind: ResourceKind, resource_id: str) -> StreamedResponse:
        """A resource's downloadable content, open for relaying as it arrives."""
        if not kind.content_path:
            raise errors.NotFoundError(f"{kind.label} have no downloadable content.")
        return self.client.stream("GET", expand(kind.content_path, resource_id), scope=kind.scope)

    def probe_team(self) -> None:
        """A cheap call scoped to the client's team: raises if the key or team is refused."""
        profile = profiles.active_profile()
        self.list_page(profile.registry.get(profile.probe_kind), limit=1)

    # --- forms: create, edit and operations (see ``catalog/forms.py``) ---------------------
    def submit(
        self,
        kind: ResourceKind,
        spec: FormSpec,
        *,
        body: dict,
        resource_id: str | None = None,
        files: dict | None = None,
    ) -> Any:
        """Send a filled-in form: JSON, or multipart when the form sends a file."""
        path = expand(spec.path, resource_id) if spec.on_resource else spec.path
        if spec.multipart:
            answer = self.client.request(
                spec.method, path, scope=kind.scope, data=body or None, files=files
            )
        else:
            answer = self.client.request(spec.method, path, scope=kind.scope, json_body=body)
        return profiles.active_profile().single(answer)

    def follow(self, kind: ResourceKind, spec: FormSpec, resource_id: str, result: str) -> dict:
        """What an operation started (a job), read by its id."""
        if spec.follow is None:
            raise errors.NotFoundError(f"{spec.label} starts nothing to follow.")
        path = expand(spec.follow.path.replace("{result}", "{{result}}"), resource_id).format(
            result=segment(result)
        )
        payload = profiles.active_profile().single(
            self.client.request("GET", path, scope=kind.scope)
        )
        if not isinstance(payload, dict):
            raise errors.BadResponseError()
        return payload

    def preview(self, kind: ResourceKind, spec: FormSpec, *, body: dict, resource_id: str):
        """What an edit would change, as the upstream works it out without saving."""
        payload = profiles.active_profile().single(
            self.client.request(
                spec.method,
                expand(spec.diff_path, resource_id),
                scope=kind.scope,
                json_body=body,
                changes=False,  # the upstream's preview of a change: nothing is changed yet
            )
        )
        if not isinstance(payload, dict):
            raise errors.BadResponseError()
        return payload

    def remove_from(self, kind: ResourceKind, index: int, resource_id: str, item_id: str) -> Any:
        """Take one item out of a resource's sub-list (a file out of a vector database)."""
        template = kind.sub_lists[index].remove_path
        if not template:
            raise errors.InvalidRequestError("Nothing can be taken out of this list.")
        path = expand(template.replace("{item}", "{{item}}"), resource_id).format(
            item=segment(item_id)
        )
        return self.client.request("DELETE", path, scope=kind.scope)

    def choices(self, source: Choices) -> list[dict]:
        """The items a choice field offers: the team's resources of a kind, or a plain list."""
        if source.kind:
            kind = registry.get(source.kind)
            if kind is None:
                raise errors.InvalidRequestError(f"No kind {source.kind!r} to choose from.")
            items = self.list_all(kind)
        else:
            payload = self.client.request("GET", source.path, scope=Scope.TEAM)
            items = self.unwrap(source.wrapping, payload)[0]
        return [
            item
            for item in items
            if all(str(item.get(name)) == value for name, value in source.where)
        ]
