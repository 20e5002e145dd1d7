"""The upload page: a form that works on its own, and one request per file from its script.

The form's files go through ``CheckingUploadHandler`` only (to disk whatever their size, JSON
Lines checked as they arrive). Upload handlers can only be chosen before the body is read, and
the CSRF check reads it, hence Django's documented pattern: a CSRF-exempt outer view that sets
the handler, and a CSRF-protected inner view that does the work.

The page's script sends each file as the whole body of its own request (``RAW_FILE``), its
name and purpose in headers and its size as the Content-Length, so every check that needs no
content and the CSRF check come before a byte of it is read,
and the file is passed on to the upstream while it arrives (``services.relay_file``).

Before any of that, a POST takes one of the person's upload slots (429 when they are all
taken) and its body is read under the idle timeout; after an answer given before the body's
end, the rest cannot hold the thread either (see ``limits.py``).
"""

from __future__ import annotations

from urllib.parse import unquote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import TooManyFilesSent
from django.http.request import UnreadablePostError
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from dashboard.uploads import services
from dashboard.uploads.checks import REPORTED_LINE_PROBLEMS
from dashboard.uploads.handlers import CheckingUploadHandler
from dashboard.uploads.limits import (
    ClientBody,
    busy_message,
    idle_text,
    is_idle_timeout,
    upload_slot,
)
from dashboard.uploads.purposes import PURPOSES, purpose_for

RESULTS_SESSION_KEY = "upload_results"
RAW_FILE = "application/octet-stream"
MULTIPART = "multipart/form-data"
FORM = "application/x-www-form-urlencoded"
NAME_HEADER = "X-Upload-Filename"  # percent-encoded UTF-8, as encodeURIComponent writes it
PURPOSE_HEADER = "X-Upload-Purpose"
MAX_NAME_CHARS = 255


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def upload(request):
    if request.method != "POST":
        if request.workspace.key is None:  # as every other team page: first, a key
            return redirect("welcome")
        return _upload_page(request)
    body = ClientBody(request)
    try:
        with upload_slot(request.user) as slot:
            if slot is None:
                return _refuse(request, f"{busy_message()} Nothing was sent.", status=429)
            body.slot = slot
            with body.idle_timeout():
                return _receive(request, body)
    finally:
        body.finish()


def _receive(request, body: ClientBody):
    if request.content_type == RAW_FILE:
        return _upload_page(request, body)
    if request.content_type == MULTIPART:  # other bodies have no files (and may be read)
        request.upload_handlers = [CheckingUploadHandler(request, on_progress=body.progress)]
    try:
        request.POST  # noqa: B018 - parse now, so too many files is said plainly
    except TooManyFilesSent:
        return _refuse(
            request,
            f"Choose at most {settings.DATA_UPLOAD_MAX_NUMBER_FILES} files at a time.",
        )
    except UnreadablePostError as exc:
        if not is_idle_timeout(exc):
            raise
        body.timed_out = True
        for handler in request.upload_handlers:
            handler.upload_interrupted()  # the file that was arriving, spooled part-way
        return _refuse(
            request,
            f"The upload stopped arriving: nothing more came for {idle_text()}, so it was "
            "given up. Nothing was sent; send the files again.",
        )
    body.read_whole = request.content_type in (MULTIPART, FORM)  # Django read these whole
    try:
        return _upload_page(request, body)
    finally:
        _close_uploads(request)


def _close_uploads(request) -> None:
    """Close (so delete) every spooled file now, on every path, refusals included.

    Django would close them when the response is closed too; doing it here means they are
    gone before the person sees the answer.
    """
    if request.method == "POST":
        for _field, uploads in request.FILES.lists():
            for uploaded in uploads:
                uploaded.close()


@csrf_protect
def _upload_page(request, body: ClientBody | None = None):
    if request.method == "GET":
        results = request.session.pop(RESULTS_SESSION_KEY, None)  # shown once
        return render(request, "uploads/page.html", _page_context(request, results))
    if request.method == "HEAD":  # the GET's answer, without using the results up
        results = request.session.get(RESULTS_SESSION_KEY)
        return render(request, "uploads/page.html", _page_context(request, results))
    if request.content_type == RAW_FILE:
        return _relay_one(request, body)
    files = request.FILES.getlist("files")
    purpose = purpose_for(request.POST.get("purpose"))
    if purpose is None or not files:
        return _refuse(
            request,
            "Choose what the files are for." if purpose is None else "Choose a file to upload.",
        )
    batch = _batch(request, purpose, progress=body.progress)
    results = services.upload_files(batch, files)
    # Post/redirect/get: reloading the result page must not send the files again.
    request.session[RESULTS_SESSION_KEY] = {
        **_destination(request),
        "files": [_stored(r) for r in results],
    }
    return redirect("upload", team=request.workspace.team.key)


def _relay_one(request, body: ClientBody):
    """One file, the body of this request, passed on as it arrives; its result fragment."""
    purpose = purpose_for(request.headers.get(PURPOSE_HEADER))
    name = _file_name(request.headers.get(NAME_HEADER, ""))
    length = request.META.get("CONTENT_LENGTH") or ""
    if purpose is None or not name:
        return _refuse(
            request,
            "Choose what the files are for." if purpose is None else "The file has no name.",
        )
    if not length.isdigit():
        return _refuse(request, "The file came without its size. Reload the page and try again.")
    arriving = services.ArrivingFile(name, int(length), body)
    batch = _batch(request, purpose)
    result = services.relay_file(batch, arriving)
    context = {"results": [result], **_results_team(_destination(request))}
    return render(request, "uploads/_results.html", context)


def _batch(request, purpose, **extra) -> services.UploadBatch:
    """The files of this request go to the team of its URL, with the user's key."""
    workspace = request.workspace
    return services.UploadBatch(
        user=request.user, team=workspace.team, client=workspace.client, purpose=purpose, **extra
    )


def _file_name(sent: str) -> str:
    """The file's own name, without any folder, as Django keeps a form file's name."""
    name = unquote(sent, errors="replace").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return "" if name in {".", ".."} else name[:MAX_NAME_CHARS]


def _page_context(request, stored_results: dict | None):
    stored_results = stored_results or {}
    return {
        "page_title": "Upload files",
        "purposes": PURPOSES,
        "max_bytes": settings.UPLOAD_MAX_BYTES,
        "max_files": settings.DATA_UPLOAD_MAX_NUMBER_FILES,
        "reported_problems": REPORTED_LINE_PROBLEMS,
        "results": [_restored(r) for r in stored_results.get("files", [])],
        **_results_team(stored_results),
    }


def _destination(request) -> dict:
    """The team files are sent to, as results keep it."""
    team = request.workspace.team
    return {"team": str(team), "team_param": team.key}


def _results_team(destination: dict) -> dict:
    """The team the results went to, for their text and for links that carry it."""
    return {
        "results_team": destination.get("team", ""),
        "results_team_param": destination.get("team_param", ""),
    }


def _refuse(request, problem: str, *, status: int = 400):
    if request.htmx:
        return render(request, "uploads/_problem.html", {"problem": problem}, status=status)
    messages.error(request, problem)
    return redirect("upload", team=request.workspace.team.key)


def _stored(result: services.FileResult) -> dict:
    return {**result.__dict__, "status": result.status.value}


def _restored(stored: dict) -> services.FileResult:
    return services.FileResult(**{**stored, "status": services.Status(stored["status"])})
