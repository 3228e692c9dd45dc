"""Cells for files people open in a spreadsheet.

A spreadsheet treats a cell that starts with =, +, -, @, a tab or a carriage return as a formula,
so a competency called `=HYPERLINK(...)` would run when the export is opened. Such cells are
written with a leading apostrophe, which spreadsheets show as text. Proficio's own importers take
the apostrophe off again, so an export reads back unchanged; a value that really starts with an
apostrophe before one of those characters gets a second one, so nothing is ambiguous.
"""

from __future__ import annotations

import re

_FORMULA_START = re.compile(r"^'*[=+\-@\t\r]")
_NEUTRALISED = re.compile(r"^'+[=+\-@\t\r]")


def formula_safe(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if _FORMULA_START.match(text) else text


def formula_restored(text: str) -> str:
    """The value `formula_safe` was given."""
    return text[1:] if _NEUTRALISED.match(text) else text


def safe_row(cells: list) -> list[str]:
    return [formula_safe(cell) for cell in cells]
