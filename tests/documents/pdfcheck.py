"""Checks of a PDF other test modules reuse: `check_pdf(data)` and `pdf_text(data)`.

`check_pdf` runs `qpdf --check` (structure and streams) and the machine-checkable parts of PDF/A-3b
that veraPDF would look at first: the XMP metadata names PDF/A part 3, conformance B; an output intent
carries an ICC profile; every font is embedded; nothing is encrypted and no JavaScript or other
action runs. qpdf and pdftotext are Debian packages (qpdf, poppler-utils: scripts/system-deps
--browser installs them); pikepdf is in requirements-dev.txt.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from io import BytesIO
from pathlib import Path

FONT_FILES = ("/FontFile", "/FontFile2", "/FontFile3")
FORBIDDEN_NAMES = ("/JavaScript", "/JS", "/Launch", "/SubmitForm", "/ImportData")


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        from tests.conftest import skip_or_fail

        skip_or_fail(f"{name} is not installed (scripts/system-deps --browser installs it)")
    return path


def _run(args: list[str], data: bytes, after: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "document.pdf"
        path.write_bytes(data)
        return subprocess.run([*args, str(path), *after], capture_output=True, timeout=60)


def qpdf_check(data: bytes) -> str:
    result = _run([_tool("qpdf"), "--check"], data)
    output = result.stdout.decode(errors="replace") + result.stderr.decode(errors="replace")
    assert result.returncode == 0, f"qpdf --check failed:\n{output}"
    assert "No syntax or stream encoding errors found" in output, output
    return output


def _fonts(pdf) -> list:
    """Every font dictionary the pages use, with the descendants of composite (Type0) fonts."""
    import pikepdf

    found, seen = [], set()

    def visit(font):
        key = font.objgen
        if key != (0, 0) and key in seen:
            return
        seen.add(key)
        found.append(font)
        for descendant in font.get("/DescendantFonts", []):
            visit(descendant)

    def resources(holder):
        fonts = holder.get("/Resources", {}).get("/Font", {}) if isinstance(holder, pikepdf.Dictionary) else {}
        for _name, font in fonts.items():
            visit(font)
        for _name, xobject in holder.get("/Resources", {}).get("/XObject", {}).items():
            if xobject.get("/Subtype") == "/Form" and xobject.objgen not in seen:
                seen.add(xobject.objgen)
                resources(xobject)

    for page in pdf.pages:
        resources(page.obj)
    return found


def check_pdf(data: bytes) -> None:
    """Fails the test unless `data` is a sound PDF/A-3b (as far as can be checked here)."""
    import pikepdf

    assert data[:5] == b"%PDF-", data[:20]
    qpdf_check(data)
    with pikepdf.open(BytesIO(data)) as pdf:
        assert not pdf.is_encrypted, "the PDF is encrypted"
        with pdf.open_metadata() as meta:
            assert meta.get("pdfaid:part") == "3", f"XMP pdfaid:part is {meta.get('pdfaid:part')!r}, not 3"
            assert str(meta.get("pdfaid:conformance", "")).upper() == "B", \
                f"XMP pdfaid:conformance is {meta.get('pdfaid:conformance')!r}, not B"
            assert meta.get("dc:title"), "the XMP metadata has no title"
        root = pdf.Root
        intents = root.get("/OutputIntents", [])
        assert len(intents) >= 1, "no output intent"
        assert any(intent.get("/S") == "/GTS_PDFA1" and "/DestOutputProfile" in intent for intent in intents), \
            "no PDF/A output intent with an ICC profile (DestOutputProfile)"
        for intent in intents:
            profile = intent.get("/DestOutputProfile")
            if profile is not None:
                icc = profile.read_bytes()
                assert icc[36:40] == b"acsp", "the output intent's profile is not an ICC profile"
        fonts = _fonts(pdf)
        assert fonts, "the PDF uses no font"
        for font in fonts:
            if font.get("/Subtype") == "/Type0":
                continue  # embedded through its descendant, checked on its own
            if font.get("/Subtype") == "/Type3":
                continue  # glyphs drawn inside the PDF itself
            descriptor = font.get("/FontDescriptor")
            assert descriptor is not None, f"font {font.get('/BaseFont')} has no descriptor (not embedded)"
            assert any(key in descriptor for key in FONT_FILES), f"font {font.get('/BaseFont')} is not embedded"
        assert "/Encrypt" not in pdf.trailer
        assert "/OpenAction" not in root or "/JS" not in str(root.get("/OpenAction"))
        assert "/JavaScript" not in root.get("/Names", {}), "the PDF carries JavaScript"
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Dictionary):
                for name in FORBIDDEN_NAMES:
                    assert name not in obj, f"the PDF has a {name} entry"
                    if obj.get("/S") == name:
                        raise AssertionError(f"the PDF has a {name} action")


def pdf_text(data: bytes) -> str:
    """The PDF's text as pdftotext reads it (layout kept), with runs of spaces made one."""
    result = _run([_tool("pdftotext"), "-layout", "-enc", "UTF-8"], data, ("-",))
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    return re.sub(r"[ \t]+", " ", result.stdout.decode())


def page_count(data: bytes) -> int:
    import pikepdf

    with pikepdf.open(BytesIO(data)) as pdf:
        return len(pdf.pages)


