from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def threads(request):
    return render(request, "resources/overview.html")


@login_required
def thread_detail(request, thread_id):
    return render(request, "resources/overview.html")
