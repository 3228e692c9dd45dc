"""Uploads are bounded before they are parsed, and refused within a second with a clear message."""

from __future__ import annotations

import io
import time
import zipfile

import pytest

from core.uploads import ImportFailed, Limits, csv_rows, decode, json_depth, load_json, xlsx_rows

LIMITS = Limits(rows=1000, columns=40, lines=5000)


def refused_quickly(action, match: str) -> None:
    """Refused within a second or two of this process's own time (CPU time: another test process on the
    machine must not make it look slow)."""
    started = time.process_time()
    with pytest.raises(ImportFailed, match=match):
        action()
    assert time.process_time() - started < 2, "a hostile file must be refused within a second or two"


def test_a_utf16_file_is_read_whatever_encoding_was_chosen():
    raw = "area_code,area_name,code,name\nA,Área,A-1,Één\n".encode("utf-16")
    assert "Área" in decode(raw, "utf-8", LIMITS)


def test_a_csv_with_100000_columns_is_refused_at_its_header():
    text = ",".join(f"c{i}" for i in range(100_000)) + "\n"
    refused_quickly(lambda: csv_rows(text, ",", LIMITS), "Line 1: the row has 100,000 columns; Proficio reads files "
                                                          "of up to 40 columns")


def test_ten_megabytes_of_one_character_lines_are_refused_by_their_line_count():
    raw = b"x\n" * (5 * 1024 * 1024)
    refused_quickly(lambda: decode(raw, "utf-8", LIMITS), "The file has 5,242,881 lines; Proficio reads files of up "
                                                           "to 5,000 lines")


def test_more_rows_than_the_limit_are_refused_after_the_limit_not_at_the_end():
    text = "a,b\n" + "1,2\n" * 4000
    refused_quickly(lambda: csv_rows(text, ",", LIMITS), "more than 1,000 rows")


def test_json_nesting_is_measured_without_parsing():
    assert json_depth('{"a": [1, {"b": "[[[["}]}') == 3
    refused_quickly(lambda: load_json("[" * 100_000 + "]" * 100_000, LIMITS), "nests 100,000 levels deep")


def _workbook(rows: int, *, columns: int = 3, value: str = "x") -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    for row in range(rows):
        sheet.append([f"{value}{row}"] * columns)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def million_row_workbook() -> bytes:
    """A small .xlsx of a million one-cell rows, written as its parts directly (openpyxl takes half a
    minute to write one): the kind of file that once held a web worker for 29 seconds."""
    return raw_workbook('<row><c t="inlineStr"><is><t>x</t></is></c></row>' * 1_000_000)


def raw_workbook(rows_xml: str) -> bytes:
    """An .xlsx whose first sheet holds `rows_xml`, written as its parts directly."""
    parts = {
        "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships'
        '+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override '
        'PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        'spreadsheetml.worksheet+xml"/></Types>',
        "_rels/.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
        'relationships"><Relationship Id="r1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
        '2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet '
        'name="People" sheetId="1" r:id="r1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
        'package/2006/relationships"><Relationship Id="r1" Type="http://schemas.openxmlformats.org/officeDocument/'
        '2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
        'spreadsheetml/2006/main"><sheetData>' + rows_xml + "</sheetData></worksheet>",
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_a_workbook_of_a_million_rows_is_refused_within_a_second_or_two():
    raw = million_row_workbook()
    assert len(raw) < 1024 * 1024
    refused_quickly(lambda: xlsx_rows(raw, Limits(rows=25_000, columns=40, lines=100_000)), "more than|unpacks to")


def test_a_workbook_with_more_rows_than_the_limit_is_refused_while_it_is_streamed():
    raw = _workbook(30_000, columns=1)
    refused_quickly(lambda: xlsx_rows(raw, Limits(rows=25_000, columns=40, lines=100_000)), "more than 25,000 rows")


def test_a_workbook_that_unpacks_to_more_than_the_limit_is_refused_before_it_is_opened():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"<" + b"a" * (60 * 1024 * 1024))
    raw = buffer.getvalue()
    assert len(raw) < 1024 * 1024
    refused_quickly(lambda: xlsx_rows(raw, Limits(rows=10)), "unpacks to 60 MB")


def test_a_sheet_wider_than_the_limit_is_refused():
    refused_quickly(lambda: xlsx_rows(_workbook(2, columns=100), LIMITS), "more than 40 columns")


def test_a_sheet_within_the_limits_is_read_as_text():
    assert xlsx_rows(_workbook(2, columns=2), LIMITS) == [(1, ["x0", "x0"]), (2, ["x1", "x1"])]


def test_the_rows_of_a_sheet_are_counted_across_the_chunks_it_unpacks_in():
    from core.uploads import _count_sheet_rows

    for rows in (1, 7, 30_000):
        with zipfile.ZipFile(io.BytesIO(_workbook(rows, columns=2))) as archive:
            assert _count_sheet_rows(archive) == (rows, 2 * rows)


def test_one_row_of_three_million_cells_is_refused_before_it_is_parsed():
    raw = raw_workbook('<row><c t="inlineStr"><is><t>name</t></is></c></row>'
                       '<row>' + '<c r="ZZ3"/>' * 3_000_000 + "</row>")
    assert len(raw) < 1024 * 1024
    refused_quickly(lambda: xlsx_rows(raw, Limits(rows=25_000, columns=40, lines=100_000)),
                    "a row has more than 40 columns")


def test_strings_that_never_close_are_measured_in_one_pass():
    hostile = '{"CFDocument": "' + '\\"' * 2_000_000  # 4 MB of escaped quotes in a string that never ends
    started = time.process_time()
    assert json_depth(hostile) == 1
    assert time.process_time() - started < 2
