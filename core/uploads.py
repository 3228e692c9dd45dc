"""Reading uploaded files: bounded before they are parsed, with every problem named by its line.

Each reader checks the limits that make a file expensive (bytes, lines, rows, columns, nesting,
uncompressed size) before or while it streams through the file, and stops at the first limit
crossed, so a hostile file is refused in well under a second instead of holding a web worker for
minutes. Readers raise `ImportFailed` with `ImportIssue`s; nothing here touches the database.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime

from django import forms
from django.conf import settings

#: At most this many problems are listed; a file with more has bigger trouble than its details.
MAX_ISSUES = 50
ENCODINGS = {
    "utf-8": "UTF-8",
    "windows-1252": "Windows-1252 (Western European)",
    "iso-8859-1": "ISO-8859-1 (Latin-1)",
    "utf-16": "UTF-16",
}
DELIMITERS = {",": "Comma", ";": "Semicolon", "\t": "Tab"}


@dataclass(frozen=True)
class ImportIssue:
    message: str
    line: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = []
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.column:
            where.append(f"column “{self.column}”")
        prefix = ", ".join(where)
        if not where:
            return self.message[:1].upper() + self.message[1:]
        return prefix[:1].upper() + prefix[1:] + ": " + self.message


class ImportFailed(Exception):
    """A file that cannot be imported, with every problem found (up to MAX_ISSUES)."""

    def __init__(self, issues: list[ImportIssue]):
        self.issues = issues[:MAX_ISSUES]
        self.more = max(0, len(issues) - MAX_ISSUES)
        super().__init__("; ".join(str(issue) for issue in self.issues))


def fail(message: str, line: int | None = None, column: str | None = None) -> ImportFailed:
    return ImportFailed([ImportIssue(message, line, column)])


@dataclass(frozen=True)
class Limits:
    """What one kind of import accepts. `rows`: records after the header; `lines`: physical lines,
    blank ones included; `uncompressed_bytes`: what a workbook may unpack to."""

    rows: int
    columns: int = 60
    lines: int = 200_000
    json_depth: int = 32
    uncompressed_bytes: int = 40 * 1024 * 1024

    def too_many_rows(self, what: str = "rows") -> ImportFailed:
        return fail(f"The file has more than {self.rows:,} {what}; Proficio imports up to {self.rows:,} at a time. "
                    "Split it into smaller files.")


def limit_upload_size(upload):
    """Form field check: refuse files above MAX_IMPORT_FILE_BYTES before reading them."""
    limit = settings.MAX_IMPORT_FILE_BYTES
    if upload.size > limit:
        raise forms.ValidationError(
            f"The file is {upload.size / 1024 / 1024:.1f} MB; Proficio imports files up to {limit // 1024 // 1024} MB."
        )
    return upload


# --- text ------------------------------------------------------------------------------------------


def decode(raw: bytes, encoding: str, limits: Limits) -> str:
    """The file's text, refused when it is empty, binary, mis-encoded or has too many lines."""
    if not raw.strip():
        raise fail("The file is empty.")
    if encoding not in ENCODINGS:
        raise fail(f"Unknown encoding {encoding!r}.")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"  # the byte-order mark says so, whatever was chosen
    if encoding != "utf-16" and b"\x00" in raw:
        raise fail("This is not a text file (it contains NUL bytes). Export it as CSV or JSON.")
    try:
        text = raw.decode("utf-8-sig" if encoding == "utf-8" else encoding)
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise fail(
            f"byte 0x{raw[error.start]:02X} is not valid {ENCODINGS[encoding]}. "
            "Choose the file's encoding (often Windows-1252 for files saved by Excel) and upload it again.",
            line=line,
        ) from None
    if not text.strip():
        raise fail("The file is empty.")
    if "\x00" in text:
        raise fail("This is not a text file (it contains NUL characters).")
    lines = text.count("\n") + 1
    if lines > limits.lines:
        raise fail(f"The file has {lines:,} lines; Proficio reads files of up to {limits.lines:,} lines.")
    return text


def separator_hint(text: str, delimiter: str) -> str:
    """A hint when the header looks split by another separator than the one chosen."""
    header = text.split("\n", 1)[0]
    for candidate, name in DELIMITERS.items():
        if candidate != delimiter and header.count(candidate) > header.count(delimiter):
            return f" The header seems to be separated by {name.lower()}s: choose that separator."
    return ""


def sniff_delimiter(text: str) -> str:
    """Comma, semicolon or tab, as the start of the file suggests (comma when unsure)."""
    try:
        return csv.Sniffer().sniff(text[:4096], delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        return ","


def csv_rows(text: str, delimiter: str, limits: Limits) -> list[tuple[int, list[str]]]:
    """(first physical line of the record, cells) for every non-blank record, header included.

    Stops at the first record wider than `limits.columns` or beyond `limits.rows` records.
    """
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for cells in reader:
            if len(cells) > limits.columns:
                raise fail(f"the row has {len(cells):,} columns; Proficio reads files of up to {limits.columns} "
                           "columns." + (separator_hint(text, delimiter) if not rows else ""), line=start)
            if any(cell.strip() for cell in cells):
                if len(rows) > limits.rows:  # the header plus `rows` records
                    raise limits.too_many_rows()
                rows.append((start, cells))
            start = reader.line_num + 1
    except csv.Error as error:
        raise fail(f"the file is not valid CSV ({error}).", line=reader.line_num) from None
    return rows


# --- JSON ------------------------------------------------------------------------------------------

# A string runs to its closing quote, or to the end of the text when it has none: either way the scan
# goes on after it, so the whole text is read once (a string that never closes cannot make it quadratic).
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.?)*(?:"|\Z)', re.DOTALL)
_JSON_BRACKET = re.compile(r"[\[\]{}]")


def json_depth(text: str) -> int:
    """How deeply the text's arrays and objects nest, without parsing it (strings are skipped)."""
    deepest = depth = 0
    for match in _JSON_BRACKET.finditer(_JSON_STRING.sub('""', text)):
        depth += 1 if match.group() in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def load_json(text: str, limits: Limits):
    """Parsed JSON, refused with a line number when malformed or nested deeper than `limits.json_depth`."""
    depth = json_depth(text)
    if depth > limits.json_depth:
        raise fail(f"the file nests {depth:,} levels deep; Proficio reads JSON nested up to {limits.json_depth} "
                   "levels. This is not a file Proficio or another competency system writes.")
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise fail(f"the file is not valid JSON ({error.msg}, column {error.colno}).", line=error.lineno) from None
    except (ValueError, RecursionError) as error:  # e.g. a number of more than 4,300 digits
        raise fail(f"the file is not JSON Proficio can read ({error}).") from None


# --- Excel workbooks ------------------------------------------------------------------------------


def xlsx_rows(raw: bytes, limits: Limits) -> list[tuple[int, list[str]]]:
    """(row number, cells as text) for every non-blank row of the first sheet of an .xlsx workbook.

    The zip's uncompressed size is checked before the workbook is opened, and the sheet is streamed
    so that a file of a million rows stops at the first row beyond the limits.
    """
    if not raw:
        raise fail("The file is empty.")
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
    except (zipfile.BadZipFile, OSError, ValueError):
        raise fail("This is not an Excel workbook (.xlsx) that can be read.") from None
    with archive:
        entries = archive.infolist()
        unpacked = sum(entry.file_size for entry in entries)
        if len(entries) > 1000 or unpacked > limits.uncompressed_bytes:
            raise fail(f"The workbook unpacks to {unpacked / 1024 / 1024:,.0f} MB; Proficio reads workbooks of up "
                       f"to {limits.uncompressed_bytes // 1024 // 1024} MB unpacked. Save the sheet as CSV, or "
                       "split it.")
        counted = _count_sheet_rows(archive)
    if counted is not None:
        rows, cells = counted
        if rows > limits.rows + 1:  # the header and `rows` records
            raise limits.too_many_rows()
        if cells > max(rows, 1) * limits.columns:
            raise fail(f"The sheet holds {cells:,} cells in {rows:,} rows: a row has more than {limits.columns} "
                       f"columns, and Proficio reads sheets of up to {limits.columns} columns.")

    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - a damaged workbook can fail in zip, XML or cell parsing alike
        raise fail("This is not an Excel workbook (.xlsx) that can be read.") from None
    try:
        return _sheet_rows(workbook.worksheets[0], limits)
    except ImportFailed:
        raise
    except Exception:  # noqa: BLE001
        raise fail("This is not an Excel workbook (.xlsx) that can be read.") from None
    finally:
        workbook.close()


_ROW_TAG = re.compile(rb"<(?:\w+:)?row[\s>/]")
_CELL_TAG = re.compile(rb"<(?:\w+:)?c[\s>/]")
_FIRST_SHEET = re.compile(rb"<(?:\w+:)?sheet\b[^>]*?\b(?:\w+:)?id=\"([^\"]+)\"")


def _first_sheet_path(archive: zipfile.ZipFile) -> str | None:
    """The part that holds the workbook's first sheet, from workbook.xml and its relationships."""
    try:
        workbook = archive.read("xl/workbook.xml")
        relations = archive.read("xl/_rels/workbook.xml.rels")
    except KeyError:
        return None
    match = _FIRST_SHEET.search(workbook)
    if match is None:
        return None
    relation = re.search(rb'<Relationship\b[^>]*?Id="' + re.escape(match.group(1)) + rb'"[^>]*?>', relations)
    target = re.search(rb'Target="([^"]+)"', relation.group(0)) if relation else None
    if target is None:
        return None
    path = target.group(1).decode()
    return path.lstrip("/") if path.startswith("/") else f"xl/{path}"


def _count_sheet_rows(archive: zipfile.ZipFile) -> tuple[int, int] | None:
    """How many rows and cells the first sheet holds, counted in its XML as it unpacks (no parsing),
    so that a sheet of a million rows, or one row of a million cells, is refused before openpyxl reads it."""
    path = _first_sheet_path(archive)
    if path is None or path not in archive.namelist():
        return None
    counts, tail = [0, 0], b""
    with archive.open(path) as sheet:
        while chunk := sheet.read(1024 * 1024):
            data = tail + chunk
            tail = data[-8:]
            for index, tag in enumerate((_ROW_TAG, _CELL_TAG)):
                # a tag across two chunks is counted with the next one, which starts with this tail
                counts[index] += len(tag.findall(data)) - len(tag.findall(tail))
    return counts[0] + len(_ROW_TAG.findall(tail)), counts[1] + len(_CELL_TAG.findall(tail))


def _sheet_rows(sheet, limits: Limits) -> list[tuple[int, list[str]]]:
    rows = []
    # One column more than allowed is read, to tell a sheet that is too wide; wider cells are never built.
    for line, values in enumerate(sheet.iter_rows(values_only=True, max_col=limits.columns + 1), start=1):
        if line > limits.lines:
            raise fail(f"The sheet has more than {limits.lines:,} rows; Proficio reads up to {limits.lines:,}.")
        cells = [_cell_text(value) for value in values]
        while cells and not cells[-1]:
            cells.pop()
        if len(cells) > limits.columns:
            raise fail(f"the row has more than {limits.columns} columns; Proficio reads sheets of up to "
                       f"{limits.columns} columns.", line=line)
        if any(cells):
            if len(rows) > limits.rows:
                raise limits.too_many_rows()
            rows.append((line, cells))
    return rows


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # employee numbers typed as numbers
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()
