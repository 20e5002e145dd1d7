from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from dashboard.accounts import services
from dashboard.accounts.forms import AddKeyForm
from dashboard.accounts.models import ApiKey
from dashboard.upstream.errors import UpstreamError


@sensitive_post_parameters("api_key")
@sensitive_variables("form")
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def keys(request):
    form = AddKeyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            key = services.add_key(
                user=request.user,
                label=form.cleaned_data["label"],
                plaintext=form.cleaned_data["api_key"],
            )
        except services.ApiKeyRefused as exc:
            form.add_error("api_key", str(exc))
        except UpstreamError as exc:
            form.add_error(None, f"The key could not be checked: {exc.message}")
        else:
            note = " It is now your active key." if key.is_active else ""
            messages.success(request, f"Key “{key.label}” (…{key.last4}) saved.{note}")
            return redirect("keys")
    keys_ = ApiKey.objects.filter(user=request.user)
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/keys.html", {"form": form, "keys": keys_}, status=status)


@login_required
@require_POST
def activate(request, pk: int):
    get_object_or_404(ApiKey, user=request.user, pk=pk)
    key = services.activate_key(user=request.user, key_id=pk)
    messages.success(request, f"“{key.label}” is now your active key.")
    return redirect("keys")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def delete(request, pk: int):
    key = get_object_or_404(ApiKey, user=request.user, pk=pk)
    if request.method == "POST":
        services.delete_key(user=request.user, key_id=pk)
        messages.success(request, f"Key “{key.label}” (…{key.last4}) deleted.")
        return redirect("keys")
    return render(request, "accounts/key_delete.html", {"key": key})


@login_required
@require_safe
def welcome(request):
    if ApiKey.objects.filter(user=request.user).exists():
        return redirect("overview")
    return render(request, "accounts/welcome.html")
