"""Request bodies read as a FastAPI upstream reads them: every problem is collected, each with
where it is, and all are answered together as one 422::

    {"detail": [{"type": "greater_than_equal", "loc": ["body", "training_config", "n_epochs"],
                 "msg": "Input should be greater than or equal to 1", "input": 0}]}

``type`` and ``msg`` follow pydantic v2's wording for the same mistakes; a reference to
something that does not exist (or is another team's) is a ``value_error`` at the field that
names it. A :class:`Fields` reads one JSON object of the body; its methods return the checked
value, or ``None`` (or the default) after noting the problem, so a view reads every field, then
calls :meth:`Problems.raise_any` before acting.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.http import HttpRequest

from dashboard.sandbox import errors
from dashboard.sandbox.api import json_body

_MISSING = object()
Loc = tuple[str | int, ...]


def _quoted(choices: Iterable[str]) -> str:
    shown = [f"'{choice}'" for choice in choices]
    return shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} or {shown[-1]}"


def _bound(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


class Problems:
    """The problems found in one request, in the order they were found."""

    def __init__(self) -> None:
        self.items: list[dict] = []

    def add(self, loc: Loc, kind: str, msg: str, value: Any = None) -> None:
        self.items.append({"type": kind, "loc": list(loc), "msg": msg, "input": value})

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_any(self) -> None:
        if self.items:
            raise errors.Invalid(list(self.items))


class Fields:
    """One JSON object of a request body, at ``loc``, read field by field.

    ``case_insensitive`` objects (tool configs, whose keys the SDK sends UPPERCASE) are read by
    lower-case names; a problem is reported under the key as the client sent it, or in upper
    case when the key is missing.
    """

    def __init__(
        self,
        data: dict,
        loc: Loc = ("body",),
        problems: Problems | None = None,
        *,
        case_insensitive: bool = False,
    ):
        self.loc = tuple(loc)
        self.problems = problems if problems is not None else Problems()
        self.case_insensitive = case_insensitive
        self._sent: dict[str, str] = {}
        if case_insensitive:
            self.data = {}
            for key, value in data.items():
                self.data[str(key).lower()] = value
                self._sent[str(key).lower()] = str(key)
        else:
            self.data = dict(data)

    @classmethod
    def of(cls, request: HttpRequest) -> Fields:
        """The request's JSON body (400 if it is not JSON; 422 if it is not an object)."""
        return cls(json_body(request))

    # --- Where things are, and noting what is wrong with them ------------------------------
    def loc_of(self, name: str, *more: str | int) -> Loc:
        if self.case_insensitive:
            name = self._sent.get(name, name.upper())
        return (*self.loc, name, *more)

    def invalid(self, name: str, msg: str, value: Any = None, *more: str | int) -> None:
        """Note a problem with a value that has the right shape but cannot be used."""
        self.problems.add(self.loc_of(name, *more), "value_error", msg, value)

    def has(self, name: str) -> bool:
        return name in self.data

    def keys(self) -> set[str]:
        return set(self.data)

    def only(self, allowed: Iterable[str]) -> None:
        """Unknown keys are refused (pydantic's ``extra="forbid"``)."""
        allowed = set(allowed)
        for key in self.data:
            if key not in allowed:
                self.problems.add(
                    self.loc_of(key),
                    "extra_forbidden",
                    "Extra inputs are not permitted",
                    self.data[key],
                )

    # --- Typed readers --------------------------------------------------------------------------
    def _value(self, name: str, required: bool) -> Any:
        value = self.data.get(name, _MISSING)
        if value is _MISSING or value is None:
            if required:
                self.problems.add(
                    self.loc_of(name),
                    "missing",
                    "Field required",
                    None if value is _MISSING else value,
                )
            return _MISSING
        return value

    def _typed(self, name, required, accept: Callable[[Any], bool], kind: str, msg: str):
        value = self._value(name, required)
        if value is _MISSING:
            return _MISSING
        if not accept(value):
            self.problems.add(self.loc_of(name), kind, msg, value)
            return _MISSING
        return value

    def text(
        self,
        name: str,
        *,
        required: bool = False,
        default: Any = None,
        min_length: int | None = None,
        max_length: int | None = None,
        not_blank: bool = False,
        choices: Iterable[str] | None = None,
    ) -> Any:
        value = self._typed(
            name,
            required,
            lambda v: isinstance(v, str),
            "string_type",
            "Input should be a valid string",
        )
        if value is _MISSING:
            return default
        loc = self.loc_of(name)
        if choices is not None and value not in tuple(choices):
            self.problems.add(loc, "enum", f"Input should be {_quoted(choices)}", value)
            return default
        if min_length is not None and len(value) < min_length:
            unit = "character" if min_length == 1 else "characters"
            self.problems.add(
                loc, "string_too_short", f"String should have at least {min_length} {unit}", value
            )
            return default
        if max_length is not None and len(value) > max_length:
            self.problems.add(
                loc,
                "string_too_long",
                f"String should have at most {max_length} characters",
                value,
            )
            return default
        if not_blank and not value.strip():
            self.problems.add(
                loc, "value_error", f"{name} cannot be empty or only whitespace", value
            )
            return default
        return value

    def _bounded(self, name, value, *, gt=None, ge=None, lt=None, le=None) -> bool:
        checks = (
            (gt, lambda b: value > b, "greater_than", "greater than"),
            (ge, lambda b: value >= b, "greater_than_equal", "greater than or equal to"),
            (lt, lambda b: value < b, "less_than", "less than"),
            (le, lambda b: value <= b, "less_than_equal", "less than or equal to"),
        )
        for bound, holds, kind, words in checks:
            if bound is not None and not holds(bound):
                self.problems.add(
                    self.loc_of(name), kind, f"Input should be {words} {_bound(bound)}", value
                )
                return False
        return True

    def integer(self, name: str, *, required: bool = False, default: Any = None, **bounds) -> Any:
        value = self._typed(
            name,
            required,
            lambda v: isinstance(v, int) and not isinstance(v, bool),
            "int_type",
            "Input should be a valid integer",
        )
        if value is _MISSING or not self._bounded(name, value, **bounds):
            return default
        return value

    def number(self, name: str, *, required: bool = False, default: Any = None, **bounds) -> Any:
        value = self._typed(
            name,
            required,
            lambda v: isinstance(v, int | float) and not isinstance(v, bool),
            "float_type",
            "Input should be a valid number",
        )
        if value is _MISSING or not self._bounded(name, value, **bounds):
            return default
        return value

    def flag(self, name: str, *, required: bool = False, default: Any = None) -> Any:
        value = self._typed(
            name,
            required,
            lambda v: isinstance(v, bool),
            "bool_type",
            "Input should be a valid boolean",
        )
        return default if value is _MISSING else value

    def texts(
        self, name: str, *, required: bool = False, default: Any = None, min_items: int = 0
    ) -> Any:
        """A list of strings; each wrong item is noted at its index."""
        value = self._typed(
            name,
            required,
            lambda v: isinstance(v, list),
            "list_type",
            "Input should be a valid list",
        )
        if value is _MISSING:
            return default
        if len(value) < min_items:
            self.problems.add(
                self.loc_of(name),
                "too_short",
                f"List should have at least {min_items} item{'s' if min_items > 1 else ''} "
                f"after validation, not {len(value)}",
                value,
            )
            return default
        good = True
        for index, item in enumerate(value):
            if not isinstance(item, str):
                self.problems.add(
                    self.loc_of(name, index), "string_type", "Input should be a valid string", item
                )
                good = False
        return value if good else default

    def mapping(self, name: str, *, required: bool = False, default: Any = None) -> Any:
        value = self._typed(
            name,
            required,
            lambda v: isinstance(v, dict),
            "dict_type",
            "Input should be a valid dictionary",
        )
        return default if value is _MISSING else value

    def nested(
        self, name: str, *, required: bool = False, case_insensitive: bool = False
    ) -> Fields | None:
        """The object under ``name``, read with the same problem list."""
        value = self._typed(
            name,
            required,
            lambda v: isinstance(v, dict),
            "model_attributes_type",
            "Input should be a valid dictionary or object to extract fields from",
        )
        if value is _MISSING:
            return None
        return Fields(value, self.loc_of(name), self.problems, case_insensitive=case_insensitive)
