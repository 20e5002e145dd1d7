"""Python functions: created and replaced by uploading a ``.py`` file (multipart part ``file``).

The code must parse as Python (it is never run). The function's name is the file's name
without ``.py`` and its description what the code says of itself, unless the form sends
``name`` or ``description``.
"""

from __future__ import annotations

from pathlib import PurePath

from dashboard.sandbox import factories, operations, python_code, serializers
from dashboard.sandbox.api import Context
from dashboard.sandbox.kinds import PYTHON_FUNCTIONS
from dashboard.sandbox.multipart import close_all, parse_multipart
from dashboard.sandbox.validation import Fields

MAX_CODE_BYTES = 1024 * 1024


def _upload(ctx: Context) -> tuple[str, str, str | None]:
    """The uploaded file's name (without ``.py``), its code, and a description sent with it."""
    post, files = parse_multipart(ctx.request, limit=MAX_CODE_BYTES)
    try:
        form = Fields({key: post.get(key) for key in post})
        upload = files.get("file")
        if upload is None:
            form.problems.add(("body", "file"), "missing", "Field required", None)
            form.problems.raise_any()
        filename = PurePath(upload.name or "").name
        raw = upload.read(MAX_CODE_BYTES + 1)
    finally:
        close_all(files)
    if not filename.lower().endswith(".py"):
        form.invalid("file", "Only Python files (.py) can be uploaded.", filename)
    try:
        code = raw.decode("utf-8")
    except UnicodeDecodeError:
        code = None
        form.invalid("file", "The file is not UTF-8 text.", filename)
    problem = python_code.syntax_error(code) if code is not None else None
    if problem is not None:
        form.invalid("file", f"The file is not valid Python. {problem}", filename)
    name = form.text("name", min_length=1, max_length=255, not_blank=True)
    description = form.text("description", max_length=5000)
    form.problems.raise_any()
    return name or PurePath(filename).stem, code, description


def create(ctx: Context) -> dict:
    name, code, description = _upload(ctx)
    function = factories.create_python_function(
        ctx.team, ctx.user, name=name, code=code, description=description
    )
    return serializers.python_function(function)


def replace_code(ctx: Context, pk: str) -> dict:
    function = PYTHON_FUNCTIONS.get(ctx.team, pk)
    name, code, description = _upload(ctx)
    if description is None:
        description = python_code.describe(code) or function.description
    return serializers.python_function(operations.replace_code(function, name, code, description))
