from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def audit(request):
    return render(request, "resources/overview.html")


@login_required
def action_log(request):
    return render(request, "resources/overview.html")
