"""What the writers share."""

from __future__ import annotations

import csv
import io

from django.utils.text import slugify


def csv_text(rows: list[list[str]]) -> str:
    """Rows ending in "\n". The csv module quotes a cell holding the line terminator but not one holding a lone
    carriage return, which readers (and spreadsheets) take for a line break: a name "\r=HYPERLINK(…)" would
    start a new row with a live formula. A row with such a cell is written with every cell quoted."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    quoting = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_ALL)
    for row in rows:
        (quoting if any("\r" in str(cell) for cell in row) else writer).writerow(row)
    return buffer.getvalue()


def export_filename(version, extension: str) -> str:
    return f"{slugify(version.framework.code) or 'framework'}-v{version.number}.{extension}"
