"""What the writers share."""

from __future__ import annotations

import csv
import io

from django.utils.text import slugify


def csv_text(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerows(rows)
    return buffer.getvalue()


def export_filename(version, extension: str) -> str:
    return f"{slugify(version.framework.code) or 'framework'}-v{version.number}.{extension}"
