from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from dashboard.accounts import selectors, services
from dashboard.accounts.forms import AddKeyForm
from dashboard.accounts.models import ApiKey
from dashboard.upstream.errors import UpstreamError


@sensitive_post_parameters("api_key")
@sensitive_variables("form")
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def keys(request):
    form = AddKeyForm(request.POST or None)
    confirm_other_account = False
    if request.method == "POST" and form.is_valid():
        try:
            key = services.add_key(
                user=request.user,
                label=form.cleaned_data["label"],
                plaintext=form.cleaned_data["api_key"],
                other_account_confirmed=form.cleaned_data["other_account_confirmed"],
            )
        except services.OtherAccount as exc:
            form.add_error(None, str(exc))
            confirm_other_account = True
        except services.ApiKeyRefused as exc:
            form.add_error("api_key", str(exc))
        except UpstreamError as exc:
            form.add_error(None, f"The key could not be checked: {exc.message}")
        else:
            messages.success(request, f"Key “{key.label}” (…{key.last4}) saved. {acting_as(key)}")
            if not ApiKey.objects.filter(user=request.user).exclude(pk=key.pk).exists():
                return redirect(f"{reverse('teams')}?first=1")  # what to do next
            return redirect("keys")
    context = {
        "form": form,
        "keys": selectors.keys_with_owners(user=request.user),
        "confirm_other_account": confirm_other_account,
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/keys.html", context, status=status)


def acting_as(key: ApiKey) -> str:
    """What the dashboard does with the key, in a sentence."""
    if key.upstream_user_id:
        account = f"upstream user {key.upstream_user_id}"
        if key.personal_team_id:
            account = f"{account} (personal team {key.personal_team_id})"
    else:
        account = (
            "an upstream account not known yet (it is learnt once its personal workspace "
            "holds something)"
        )
    if key.is_active:
        return f"It is your active key: from now on the dashboard acts as {account}."
    return f"It acts as {account}."


@login_required
@require_POST
def activate(request, pk: int):
    get_object_or_404(ApiKey, user=request.user, pk=pk)
    key = services.activate_key(user=request.user, key_id=pk)
    messages.success(request, f"“{key.label}” is now your active key. {acting_as(key)}")
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
        return redirect("home")
    return render(request, "accounts/welcome.html")
