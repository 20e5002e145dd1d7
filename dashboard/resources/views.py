from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from dashboard.upstream import catalog


@login_required
def overview(request):
    return render(request, "resources/overview.html")


@login_required
def resource_list(request, kind):
    if catalog.get(kind) is None:
        raise Http404
    return render(request, "resources/overview.html")


@login_required
def resource_detail(request, kind, resource_id):
    raise Http404
