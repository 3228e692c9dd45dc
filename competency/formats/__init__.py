"""File formats of frameworks, one module per format, each with its reader and its writer:

- `proficio_csv`: Proficio's own CSV (docs/formats.md), formula-safe, lossless.
- `moodle_csv`: Moodle's competency framework CSV, both ways (formula-safe, or exact for Moodle).
- `case_json`: CASE CFPackage JSON, read from 1.0 and 1.1, written as 1.1.

Readers return an `ImportPlan` (see `plan`) without touching the database.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from . import case_json, moodle_csv, proficio_csv
from .plan import FRAMEWORK_LIMITS, ImportPlan, NodeSpec, ScaleSpec
from .writing import export_filename


@dataclass(frozen=True)
class ExportFormat:
    slug: str
    label: str
    note: str
    content_type: str
    extension: str
    write: Callable  # (version, base_uri) -> str
    #: Written with a UTF-8 byte-order mark, so that spreadsheets (Excel on Windows) read accents right.
    for_spreadsheets: bool = False

    def download(self, version):
        """The version in this format as a file download: the version page's export and the API's are this."""
        from django.http import HttpResponse

        from core.emails import absolute_url

        body = ("\ufeff" if self.for_spreadsheets else "") + self.write(version, absolute_url("/"))
        response = HttpResponse(body, content_type=f"{self.content_type}; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{export_filename(version, self.extension)}"'
        return response


class NeedsMapping(Exception):
    """A Moodle file whose columns are not where Moodle puts them: the user confirms a mapping first."""


def check_format(fmt: str, text: str) -> None:
    """Refuses, with the format to choose, a file that is plainly in another format than the one chosen."""
    from core.uploads import fail

    from ..models import ImportFormat

    start = text.lstrip()[:1]
    if fmt != ImportFormat.CASE_JSON and start in "{[" and start:
        raise fail("This file is JSON, not CSV: choose “CASE CFPackage JSON” as its format and upload it again.")
    if fmt == ImportFormat.CASE_JSON and start not in "{[":
        raise fail("This file is not JSON: for a CSV file, choose Proficio CSV or Moodle CSV as its format.")
    header = text.split("\n", 1)[0].lower()
    if fmt == ImportFormat.PROFICIO_CSV:
        if "idnumber" in header.replace(" ", "") and "isframework" in header.replace(" ", ""):
            raise fail("This is a Moodle competency framework file: choose “Moodle competency framework CSV” "
                       "as its format and upload it again.", line=1)
    if fmt == ImportFormat.MOODLE_CSV:
        cells = {cell.strip().strip('"').strip() for cell in re.split(r"[,;\t|]", header)}
        if set(proficio_csv.REQUIRED) <= cells and "idnumber" not in cells:
            raise fail("This is a Proficio CSV file (its header has area_code, area_name, code and name): choose "
                       "“Proficio CSV” as its format and upload it again.", line=1)


def read_plan(fmt: str, text: str, options: dict) -> ImportPlan:
    """The plan of an upload in format `fmt` (an ImportFormat value), or ImportFailed / NeedsMapping."""
    from ..models import ImportFormat

    check_format(fmt, text)
    if fmt == ImportFormat.MOODLE_CSV:
        mapping = options.get("mapping")
        if mapping is None and not moodle_csv.layout_is_standard(moodle_csv.header(text, options["delimiter"])):
            raise NeedsMapping
        return moodle_csv.read(text, delimiter=options["delimiter"], mapping=mapping)
    if fmt == ImportFormat.CASE_JSON:
        return case_json.read(text)
    return proficio_csv.read(text, delimiter=options["delimiter"])


EXPORTS: dict[str, ExportFormat] = {
    export.slug: export
    for export in [
        ExportFormat("proficio-csv", "Proficio CSV", "everything, safe to open in a spreadsheet", "text/csv", "csv",
                     lambda version, base_uri: proficio_csv.write(version), for_spreadsheets=True),
        ExportFormat("moodle-csv", "Moodle competency framework CSV",
                     "the tree only (Moodle has no indicators or ISO clauses); safe to open in a spreadsheet",
                     "text/csv", "moodle.csv", lambda version, base_uri: moodle_csv.write(version),
                     for_spreadsheets=True),
        ExportFormat("moodle-csv-exact", "Moodle CSV, exact values for Moodle's importer",
                     "values exactly as they are: import into Moodle, do not open in a spreadsheet",
                     "text/csv", "moodle-exact.csv", lambda version, base_uri: moodle_csv.write(version, exact=True)),
        ExportFormat("case-json", "CASE 1.1 JSON", "everything, indicators as a rubric", "application/json",
                     "case.json", lambda version, base_uri: case_json.write(version, base_uri=base_uri)),
    ]
}

__all__ = ["EXPORTS", "FRAMEWORK_LIMITS", "ExportFormat", "ImportPlan", "NeedsMapping", "NodeSpec", "ScaleSpec",
           "case_json", "export_filename", "moodle_csv", "proficio_csv", "read_plan"]
