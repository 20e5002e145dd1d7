"""The dashboard's own action log: the page (each person sees their entries, staff everyone's)
and its CSV export, both narrowed by the same filters."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_safe

from dashboard import exports
from dashboard.audit import selectors
from dashboard.audit.forms import ActionLogFilterForm
from dashboard.audit.links import with_links
from dashboard.paging import invalid_filters, page_links, query_with

ENTRIES_PER_PAGE = 50


def _log_entries(request):
    entries = selectors.visible_entries(request.user)
    form = ActionLogFilterForm(
        request.GET, teams=selectors.logged_teams(entries), staff=request.user.is_staff
    )
    if form.is_valid():
        entries = selectors.filtered(entries, form.cleaned_data)
    return form, entries


@login_required
@require_safe
def action_log(request):
    form, entries = _log_entries(request)
    page = Paginator(entries, ENTRIES_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "entries": with_links(page, request.workspace),
        "page_links": page_links(request, page, "audit-log"),
        "export_query": query_with(request),
        "is_staff": request.user.is_staff,
        "page_title": "Action log",
    }
    return render(request, "audit/log.html", context)


@login_required
@require_safe
def action_log_export(request):
    form, entries = _log_entries(request)
    if not form.is_valid():
        return invalid_filters(form)
    records = (selectors.record(e) for e in entries.iterator(chunk_size=1000))
    return exports.csv_response(selectors.EXPORT_HEADER, records, "action-log")
