"""Error pages: always the product's own page, never a traceback."""

from django.shortcuts import render


def _error(request, status: int, title: str, message: str):
    return render(request, "errors/error.html", {"title": title, "message": message}, status=status)


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
