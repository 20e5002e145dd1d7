"""What the sandbox reads from a Python function's source: whether it parses, and what it says
of itself. The code is parsed, never run."""

from __future__ import annotations

import ast

CODING_PREFIXES = ("#!", "# -*-", "# vim:")


def syntax_error(code: str) -> str | None:
    """Why ``code`` is not valid Python, or ``None`` when it is."""
    try:
        ast.parse(code)
    except SyntaxError as exc:
        return f"Line {exc.lineno}: {exc.msg}."
    except ValueError as exc:  # e.g. a NUL character
        return str(exc)
    return None


def describe(code: str) -> str:
    """The module docstring, else the first comment line (without ``#``), else ``""``."""
    try:
        docstring = ast.get_docstring(ast.parse(code))
    except (SyntaxError, ValueError):
        docstring = None
    if docstring:
        return docstring.strip()
    for line in code.splitlines():
        stripped = line.strip()
        if not stripped.startswith("#") or stripped.startswith(CODING_PREFIXES):
            continue
        text = stripped.lstrip("#").strip()
        if text and "coding" not in text.split(":")[0]:
            return text
    return ""
