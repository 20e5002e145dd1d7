"""Error pages: always the product's own page, never a traceback."""

from django.shortcuts import render
from django.urls import Resolver404, resolve


def _error(request, status: int, title: str, message: str, **context):
    context.update(title=title, message=message)
    return render(request, "errors/error.html", context, status=status)


def csrf_failure(request, reason=""):
    """A form sent without its page's token, or with an old one (``CSRF_FAILURE_VIEW``)."""
    return _error(
        request,
        403,
        "This form has expired",
        "The page this form came from is too old, or you signed out or in again since it "
        "was opened. Nothing was sent or saved: open the page again and send the form anew.",
        testid="csrf-failure",
    )


def method_not_allowed(request, allowed: str):
    """A visit to an address that only takes a form (a bookmark, a typed address, or signing
    in again on the way to one): what happened, and the nearest page to go on from."""
    back = nearest_page(request.path_info)
    response = _error(
        request,
        405,
        "Nothing to show here",
        "This address only takes what a form's button sends; it cannot be opened as a page. "
        "Nothing was sent or changed.",
        back_url=request.META.get("SCRIPT_NAME", "") + back,
        testid="method-not-allowed",
    )
    response["Allow"] = allowed
    return response


def nearest_page(path: str) -> str:
    """The closest address above ``path`` that is one of the dashboard's (``/`` at worst)."""
    parts = path.strip("/").split("/")[:-1]
    while parts:
        candidate = "/" + "/".join(parts) + "/"
        try:
            resolve(candidate)
        except Resolver404:
            parts.pop()
            continue
        return candidate
    return "/"


def bad_request(request, exception=None):
    return _error(request, 400, "Bad request", "The request could not be understood.")


def permission_denied(request, exception=None):
    return _error(request, 403, "Not allowed", "You are not allowed to see this page.")


def page_not_found(request, exception=None):
    return page_missing(request, "There is nothing here. Use the navigation to find your way back.")


def page_missing(request, message: str):
    return _error(request, 404, "Page not found", message)


def server_error(request):
    return _error(
        request,
        500,
        "Something went wrong",
        "The dashboard hit an unexpected error. Nothing you entered was sent; please try again.",
    )
