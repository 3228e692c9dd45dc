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


# --- downloads of a table --------------------------------------------------------------------------

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def csv_text(value) -> str:
    """A CSV cell: numbers as written (Decimals with two places), text formula-safe, None empty."""
    from decimal import Decimal

    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return formula_safe(value)


def xlsx_value(value) -> object:
    """An XLSX cell: numbers stay numbers, text is formula-safe."""
    return formula_safe(value) if isinstance(value, str) else value


class _Echo:
    def write(self, value: str) -> str:
        return value


def table_download(rows, *, fmt: str, filename: str, sheet: str, notes: list[str] = ()):
    """The response that downloads `rows` (an iterable of lists, the header first) as `filename`.`fmt`:
    CSV streamed row by row with a BOM (spreadsheets then read UTF-8), or XLSX written row by row with
    `notes` on a second sheet, "About". Text cells are formula-safe in both. `fmt` must be csv or xlsx."""
    import csv
    import io

    from django.http import HttpResponse, StreamingHttpResponse

    if fmt == "csv":
        writer = csv.writer(_Echo())

        def lines():
            yield "\ufeff"
            for row in rows:
                yield writer.writerow([csv_text(value) for value in row])

        response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    else:
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        data = workbook.create_sheet(sheet)
        for row in rows:
            data.append([xlsx_value(value) for value in row])
        if notes:
            about = workbook.create_sheet("About")
            for note in notes:
                about.append([formula_safe(note)])
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response
