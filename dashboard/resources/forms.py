"""Django forms built from a kind's form declarations, and the request bodies built from them.

One form class serves every kind (``SpecForm``): its fields come from the ``FormSpec``, its
choices from the upstream (loaded by ``selectors.form_choices``, offered by name), its
validation from the declared limits. ``body_of`` turns what was filled in into the body the
upstream expects: dotted paths nested, fields of another alternative (``when``) left out,
empty optional values left out (or sent as null where the form says so).
"""

from __future__ import annotations

import copy
import functools
import json
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat

from dashboard.resources.presentation import humanise_key
from dashboard.upstream import catalog
from dashboard.upstream.catalog.forms import FieldType, FormField, FormSpec


class SpecForm(forms.Form):
    """The form of one ``FormSpec``; ``choices`` maps a field's key to its (value, label)s."""

    def __init__(
        self,
        data=None,
        files=None,
        *,
        spec: FormSpec,
        choices: dict[str, list[tuple[str, str]]] | None = None,
        initial: dict | None = None,
    ):
        super().__init__(data, files, initial=initial)
        self.spec = spec
        for declared in spec.fields:
            offered = (choices or {}).get(declared.key)
            field = self.fields[declared.key] = django_field(declared, offered)
            field.declared_required = declared.required  # even where it depends on a choice
            # A choice of the team's own resources with none to choose: the page offers to
            # create one, rather than leaving an empty list.
            source = declared.choices
            field.empty_kind = (
                catalog.get(source.kind) if source and source.kind and not offered else None
            )
            # Which of them would do ("purpose “fine-tune”"), when not all of the kind would.
            field.empty_where = (
                ", ".join(f"{name} “{value}”" for name, value in source.where)
                if field.empty_kind
                else ""
            )

    def clean(self):
        cleaned = super().clean()
        for declared in self.spec.fields:
            if declared.when and not self.active(declared, cleaned):
                # Another alternative's field, hidden on the page: nothing of it counts.
                self._errors.pop(declared.key, None)
                cleaned.pop(declared.key, None)
                continue
            if not declared.required or not declared.when:
                continue
            if cleaned.get(declared.key) in (None, "", []):
                self.add_error(declared.key, "This is needed for the choice above.")
        return cleaned

    def active(self, declared: FormField, values: dict) -> bool:
        """Whether a field of one alternative (``when``) applies to what was chosen."""
        return all(str(values.get(key) or "") == value for key, value in declared.when)

    def advanced_fields(self):
        return [self[f.key] for f in self.spec.fields if f.advanced]

    def main_fields(self):
        return [self[f.key] for f in self.spec.fields if not f.advanced]


def django_field(declared: FormField, choices: list[tuple[str, str]] | None) -> forms.Field:
    # Alternatives are required only when chosen (``SpecForm.clean``), not by the field itself.
    required = declared.required and not declared.when
    common = {
        "label": declared.label,
        "help_text": declared.help,
        "required": required,
        "initial": declared.initial,
    }
    kind = declared.type
    if kind is FieldType.TEXTAREA:
        field = forms.CharField(
            widget=forms.Textarea(attrs={"rows": 5}),
            max_length=declared.max_length,
            min_length=declared.min_length,
            **common,
        )
    elif kind is FieldType.INTEGER:
        field = forms.IntegerField(
            min_value=declared.min_value, max_value=declared.max_value, **common
        )
    elif kind is FieldType.DECIMAL:
        field = forms.DecimalField(
            min_value=_decimal(declared.min_value),
            max_value=_decimal(declared.max_value),
            **common,
        )
    elif kind is FieldType.BOOLEAN:
        common["required"] = False  # an unticked box is an answer too
        field = forms.BooleanField(**common)
    elif kind is FieldType.CHOICE:
        offered = list(choices or (declared.choices.static if declared.choices else ()))
        blank = [] if required and declared.initial else [("", "—")]
        field = forms.ChoiceField(choices=blank + offered, **common)
    elif kind is FieldType.CHOICES:
        offered = list(choices or (declared.choices.static if declared.choices else ()))
        field = forms.MultipleChoiceField(
            choices=offered, widget=forms.CheckboxSelectMultiple, **common
        )
    elif kind is FieldType.FILE:
        field = forms.FileField(**common)
        field.validators.append(functools.partial(_check_file, declared))
        if declared.accept:
            field.widget.attrs["accept"] = ",".join(declared.accept)
    else:
        field = forms.CharField(
            max_length=declared.max_length, min_length=declared.min_length, **common
        )
    # The field's box says when it applies (forms.js hides it otherwise), so that a field
    # with nothing to choose from is hidden too.
    field.when = json.dumps(dict(declared.when)) if declared.when else ""
    return field


def _check_file(declared: FormField, uploaded) -> None:
    name = uploaded.name or ""
    if declared.accept and not name.lower().endswith(declared.accept):
        raise ValidationError(
            f"“{name}” is not a {' or '.join(declared.accept)} file: choose one that is."
        )
    if uploaded.size > declared.max_bytes:
        raise ValidationError(
            f"“{name}” is {filesizeformat(uploaded.size)}; the most accepted is "
            f"{filesizeformat(declared.max_bytes)}."
        )


def _decimal(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def body_of(form: SpecForm) -> dict:
    """The request body of a valid form (files are sent apart: see ``files_of``)."""
    spec, values = form.spec, form.cleaned_data
    body: dict = {}
    for path, value in spec.fixed:
        put(body, path, copy.deepcopy(value))  # the declaration's own objects stay as declared
    for declared in spec.fields:
        if declared.type is FieldType.FILE or not form.active(declared, values):
            continue
        value = wire_value(declared, values.get(declared.key))
        if value is None and not spec.keep_nulls:
            continue
        put(body, declared.body_path, value)
    return uppercased(body, spec)


SHOWN = "shown"  # an edit form's hidden field: the values it was shown with


def shown_values(spec: FormSpec, item: dict) -> str:
    """The values an edit form starts from, to post back with it (see ``changes_of``)."""
    return json.dumps(initial_from(spec, item), default=str, sort_keys=True)


def posted_shown(raw: str | None) -> dict | None:
    """What an edit form said it was shown with; None if it says nothing readable."""
    try:
        value = json.loads(raw or "")
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def changes_of(spec: FormSpec, body: dict, item: dict, shown: dict | None = None) -> dict:
    """Of an edit's body, only what the person changed, for an upstream whose update changes
    what it is sent and replaces objects whole. Changed means: other than the form showed
    (``shown``; else other than the resource is now), so a change made elsewhere meanwhile is
    not undone. A changed field inside an object sends the resource's own object (as it is
    now) with the change, so its other keys stay; a text emptied is sent empty."""
    current = initial_from(spec, item) if shown is None else shown
    sent = {declared.key: value for declared, value in _sent(spec, body)}
    changes: dict = {}
    for declared in spec.fields:
        if declared.type is FieldType.FILE:
            continue
        value = sent.get(declared.key)
        if _plain(current.get(declared.key)) == _plain(value):
            continue
        if value is None:
            if declared.type not in (FieldType.TEXT, FieldType.TEXTAREA):
                continue  # nothing given: left as it is
            value = ""
        top, _, inner = declared.body_path.partition(".")
        if inner and top not in changes and isinstance(item.get(top), dict):
            changes[top] = copy.deepcopy(item[top])
        put(changes, declared.body_path, value)
    return changes


def files_of(form: SpecForm) -> dict:
    """The multipart file parts of a valid form: ``{name: (filename, content, type)}``."""
    parts = {}
    for declared in form.spec.fields:
        uploaded = form.cleaned_data.get(declared.key)
        if declared.type is FieldType.FILE and uploaded:
            parts[declared.body_path] = (uploaded.name, uploaded.read(), "text/plain")
    return parts


def wire_value(declared: FormField, value: Any) -> Any:
    """A cleaned value as the upstream wants it (None: nothing was given)."""
    if value in (None, "", []) and declared.type is not FieldType.BOOLEAN:
        return None
    if isinstance(value, Decimal):
        return float(value)
    if declared.as_int:
        return [int(v) for v in value] if isinstance(value, list) else int(value)
    return value


def put(body: dict, path: str, value: Any) -> None:
    """Set ``value`` at a dotted ``path`` of ``body``, making the objects on the way."""
    *parents, last = path.split(".")
    node = body
    for part in parents:
        node = node.setdefault(part, {})
    if isinstance(value, dict) and isinstance(node.get(last), dict):
        node[last].update(value)
    else:
        node[last] = value


def uppercased(body: dict, spec: FormSpec) -> dict:
    """The body with the keys of the objects the upstream wants in upper case (tool configs)."""
    for path in spec.uppercase_keys_of:
        *parents, last = path.split(".")
        node = body
        for part in parents:
            node = node.get(part) or {}
        if isinstance(node.get(last), dict):
            node[last] = {key.upper(): value for key, value in node[last].items()}
    return body


def initial_from(spec: FormSpec, item: dict) -> dict:
    """An edit form's starting values: the resource's current ones, read at each field's path
    (any case of key, as some upstream objects write them in upper case)."""
    initial = {}
    for declared in spec.fields:
        value: Any = item
        for part in declared.read_path.split("."):
            if not isinstance(value, dict):
                value = None
                break
            value = value.get(part, value.get(part.upper(), value.get(part.lower())))
        if value is None:
            continue
        if declared.type is FieldType.CHOICES and isinstance(value, list):
            value = [str(v.get("id") if isinstance(v, dict) else v) for v in value]
        elif declared.type is FieldType.CHOICE:
            value = str(value)
        initial[declared.key] = value
    return initial


def errors_at_fields(form: SpecForm, field_errors: dict[str, str]) -> list[str]:
    """Put the upstream's errors on the fields they name (in any case of key: tool configs are
    sent in upper case); those naming no field come back, with the field they name."""
    values = form.cleaned_data
    by_path = {
        declared.body_path.lower(): declared
        for declared in form.spec.fields
        if form.active(declared, values)  # of fields sharing a path, the one that was sent
    }
    unplaced = []
    for path, message in field_errors.items():
        declared = by_path.get(path.lower()) or by_path.get(path.split(".")[0].lower())
        if declared is None:
            unplaced.append(f"{humanise_key(path.split('.')[-1])}: {message}")
        else:
            form.add_error(declared.key, f"The upstream said: {message}")
    return unplaced


def initial_from_query(spec: FormSpec, query) -> dict:
    """A create form's starting values from its address (``?model=…&training_files=…``), so
    another page can open it filled in; the form checks them as anything typed."""
    initial = {}
    for declared in spec.fields:
        if declared.key not in query or declared.type is FieldType.FILE:
            continue
        if declared.type is FieldType.CHOICES:
            initial[declared.key] = query.getlist(declared.key)
        else:
            initial[declared.key] = query.get(declared.key)
    return initial


def summary(spec: FormSpec, body: dict, before: dict | None, file_names=()) -> str:
    """A short account of what a form sends, for the action log: the name given (create), each
    value before and after (edits), or what was sent (other operations)."""
    if before is None or spec.name == "create":
        name = _at(body, "name") or _at(body, "training_config.experiment_name") or ""
        parts = [f"“{name}”"] if name else []
    elif spec.prefill:
        current = initial_from(spec, before)
        parts = [
            f"{declared.label} “{_short(current.get(declared.key))}” → “{_short(value)}”"
            for declared, value in _sent(spec, body)
            if _plain(current.get(declared.key)) != _plain(value)
        ] or ["nothing changed"]
    else:
        parts = [f"{declared.label}: {_short(value)}" for declared, value in _sent(spec, body)]
    parts += [f"“{name}”" for name in file_names]
    return f"{spec.label}: {'; '.join(parts)}" if parts else spec.label


def _sent(spec: FormSpec, body: dict):
    for declared in spec.fields:
        value = _at(body, declared.body_path)
        if value is not None:
            yield declared, value


def _at(body: dict, path: str) -> Any:
    """The value at a dotted path of a body (any case of key), None if absent."""
    value: Any = body
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part, value.get(part.upper()))
    return value


def _plain(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(_plain(v) for v in value)
    return "" if value is None else str(value)


def _short(value: Any) -> str:
    text = _plain(value)
    return text if len(text) <= 60 else text[:57] + "…"
