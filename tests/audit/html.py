"""Reading tables out of a page the way a person reads them: rows of cell texts."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Row:
    attrs: dict[str, str]
    cells: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)


class _TableReader(HTMLParser):
    def __init__(self, testid: str):
        super().__init__()
        self.testid = testid
        self.depth = 0  # >0 while inside the wanted table
        self.in_body = False
        self.in_head = False
        self.header: list[str] = []
        self.rows: list[Row] = []
        self.cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and (self.depth or attrs.get("data-testid") == self.testid):
            self.depth += 1
        if not self.depth:
            return
        if tag == "tbody":
            self.in_body = True
        elif tag == "thead":
            self.in_head = True
        elif tag == "th" and self.in_head:
            self.cell = []
        elif tag == "tr" and self.in_body:
            self.rows.append(Row({k: v or "" for k, v in attrs.items()}))
        elif tag in ("td", "th") and self.in_body and self.rows:
            self.cell = []
        elif tag == "a" and self.in_body and self.rows and attrs.get("href"):
            self.rows[-1].links.append(attrs["href"])

    def handle_endtag(self, tag):
        if not self.depth:
            return
        if tag in ("td", "th") and self.cell is not None:
            text = " ".join("".join(self.cell).split())
            (self.header if self.in_head else self.rows[-1].cells).append(text)
            self.cell = None
        elif tag == "thead":
            self.in_head = False
        elif tag == "tbody":
            self.in_body = False
        elif tag == "table":
            self.depth -= 1

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def table_rows(html: str, testid: str) -> list[Row]:
    """The body rows of the first table with ``data-testid=testid`` (and of tables inside it)."""
    reader = _TableReader(testid)
    reader.feed(html)
    return reader.rows


def table_header(html: str, testid: str) -> list[str]:
    """The column headings of the first table with ``data-testid=testid``."""
    reader = _TableReader(testid)
    reader.feed(html)
    return reader.header


def section_of(html: str, team_key: str) -> str:
    """The HTML of one team's section on the audit page."""
    start = html.index(f'data-testid="audit-team" data-team="{team_key}"')
    start = html.rindex("<section", 0, start)
    return html[start : html.index("</section>", start)]
