"""Reading the generated forms of the create, edit and operation pages."""

from __future__ import annotations

import re
from html import unescape

from dashboard.audit.models import ActionLog

OPTION = re.compile(r'<option value="([^"]*)"[^>]*>([^<]*)</option>')
CHECKBOX = re.compile(r'<input type="checkbox" name="[^"]+" value="([^"]*)"[^>]*>\s*([^<]*)<')


def field_block(html: str, key: str) -> str:
    """The markup of one field of the form (label, input, help and errors)."""
    assert f'data-field="{key}"' in html, f"no field {key!r} on the page"
    return html.split(f'data-field="{key}"', 1)[1].split('<div class="field', 1)[0]


def field_errors(html: str, key: str) -> list[str]:
    block = field_block(html, key)
    if 'data-testid="field-error"' not in block:
        return []
    errors = block.split('data-testid="field-error"', 1)[1].split("</ul>", 1)[0]
    return [unescape(e) for e in re.findall(r"<li>(.*?)</li>", errors)]


def options(html: str, key: str) -> dict[str, str]:
    """A choice field's options as value → label (select or checkboxes), blank left out."""
    block = field_block(html, key)
    found = OPTION.findall(block) or CHECKBOX.findall(block)
    return {value: unescape(label.strip()) for value, label in found if value}


def form_problem(html: str) -> str:
    if 'data-testid="form-problem"' not in html:
        return ""
    return unescape(html.split('data-testid="form-problem">', 1)[1].split("</div>", 1)[0])


def entries(action: str) -> list[ActionLog]:
    return list(ActionLog.objects.filter(action=action).order_by("id"))
