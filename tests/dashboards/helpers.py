"""Reading the dashboards back: their tables, their chart data, French numbers."""

import json
from decimal import Decimal
from html.parser import HTMLParser


class _Tables(HTMLParser):
    """Collects every ``<table data-chart-table=…>`` / ``<table data-table=…>`` as rows of
    cells (text, attributes), and every ``<script type="application/json">``."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables, self.scripts = {}, {}
        self._table = self._section = self._row = self._cell = self._script = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            key = attrs.get("data-chart-table") or attrs.get("data-table")
            self._table = {"head": [], "body": [], "foot": []} if key else None
            if key:
                self.tables[key] = self._table
        elif self._table is not None and tag in ("thead", "tbody", "tfoot"):
            self._section = {"thead": "head", "tbody": "body", "tfoot": "foot"}[tag]
        elif self._table is not None and tag == "tr":
            self._row = []
        elif self._row is not None and tag in ("th", "td"):
            self._cell = ["", attrs]
        elif tag == "script" and attrs.get("type") == "application/json":
            self._script = [attrs.get("id"), ""]

    def handle_endtag(self, tag):
        if tag == "table":
            self._table = None
        elif tag in ("th", "td") and self._cell is not None:
            self._row.append((" ".join(self._cell[0].split()), self._cell[1]))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self._table[self._section or "body"].append(self._row)
            self._row = None
        elif tag == "script" and self._script is not None:
            self.scripts[self._script[0]] = json.loads(self._script[1])
            self._script = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell[0] += data
        if self._script is not None:
            self._script[1] += data


def parse(response):
    parser = _Tables()
    parser.feed(response.content.decode())
    return parser.tables, parser.scripts


def number(text):
    """``175 000,50 €`` → ``Decimal("175000.50")``; ``45,3 %`` → ``Decimal("45.3")``; ``—`` → None."""
    cleaned = text.replace("\u202f", "").replace("\u00a0", "").replace(" ", "").replace("€", "").replace("%", "")
    if cleaned in ("—", ""):
        return None
    return Decimal(cleaned.replace(",", "."))


def column(table, index, section="body"):
    return [row[index][0] for row in table[section]]


def cells_by_col(row):
    """``{data-col: text}`` of a table row."""
    return {attrs["data-col"]: text for text, attrs in row if "data-col" in attrs}
