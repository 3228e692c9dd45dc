"""core.pdf: templates become A4 PDF/A-3b files with embedded fonts, loading nothing over the network."""

from __future__ import annotations

import pytest
from core import pdf
from tests.documents.pdfcheck import check_pdf, page_count, pdf_text

SVG = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 60" width="200" height="60">'
       '<rect width="120" height="30" fill="#1d3557"/><text x="4" y="50" font-size="12">Spoke SV-01</text></svg>')


@pytest.fixture
def template(tmp_path, settings):
    """A PDF template in a folder of its own, extending templates/pdf/base.html."""
    folder = tmp_path / "templates"
    (folder / "test").mkdir(parents=True)
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], folder]}]

    def write(body: str) -> str:
        (folder / "test" / "doc.html").write_text('{% extends "pdf/base.html" %}{% block content %}' + body
                                                  + "{% endblock %}")
        return "test/doc.html"

    return write


def test_a_template_becomes_a_pdf_a_3b_with_the_title_author_header_and_page_numbers(template):
    name = template("<h1>Växjö review — {{ who }}</h1>" + "<p>Line of text.</p>" * 120 + "{{ svg|safe }}")
    data = pdf.render_pdf(name, {"who": "Åsa Öberg", "svg": SVG}, title="Quarterly review", subject="Test subject")
    check_pdf(data)
    text = pdf_text(data)
    assert "Växjö review — Åsa Öberg" in text
    assert "Proficio Quarterly review" in text  # the header: organisation and title on every page
    pages = page_count(data)
    assert pages >= 2
    assert f"Page 1 of {pages}" in text and f"Page {pages} of {pages}" in text
    assert "Spoke SV-01" in text  # inline SVG is drawn, its text kept as text

    import pikepdf
    from io import BytesIO

    with pikepdf.open(BytesIO(data)) as document:
        info = document.docinfo
        assert str(info["/Title"]) == "Quarterly review"
        assert str(info["/Author"]) == "Proficio"
        assert str(info["/Subject"]) == "Test subject"
        assert str(document.Root.Lang) == "en-gb"
        box = [float(v) for v in document.pages[0].MediaBox]
        assert box[2:] == pytest.approx([595.276, 841.89], abs=0.5)  # A4


def test_the_organisation_name_setting_heads_the_pdf_and_is_its_author(template, settings):
    settings.ORGANISATION_NAME = "Acme Valves Ltd"
    data = pdf.render_pdf(template("<p>x</p>"), {}, title="Plan")
    assert "Acme Valves Ltd Plan" in pdf_text(data)
    import pikepdf
    from io import BytesIO

    with pikepdf.open(BytesIO(data)) as document:
        assert str(document.docinfo["/Author"]) == "Acme Valves Ltd"


def test_the_fonts_are_dejavu_from_local_files_and_all_embedded(template):
    data = pdf.render_pdf(template("<p>Plain <b>bold</b> <i>italic</i> <code>mono</code></p>"), {}, title="Fonts")
    check_pdf(data)  # every font has its file embedded
    import pikepdf
    from io import BytesIO

    with pikepdf.open(BytesIO(data)) as document:
        names = {str(font.BaseFont) for page in document.pages for font in page.Resources.Font.values()}
    assert {name.split("+", 1)[1] for name in names} >= {"Proficio-Sans", "Proficio-Sans-Bold", "Proficio-Sans-Italic",
                                                        "Proficio-Mono"}


def test_a_missing_font_folder_stops_with_a_clear_message(template, settings, tmp_path):
    from django.core.exceptions import ImproperlyConfigured

    settings.PDF_FONT_DIR = str(tmp_path / "nowhere")
    with pytest.raises(ImproperlyConfigured, match="fonts-dejavu-core"):
        pdf.render_pdf(template("<p>x</p>"), {}, title="x")


@pytest.mark.parametrize("url", [
    "http://example.com/logo.png", "https://example.com/style.css", "ftp://example.com/x", "file:///etc/passwd",
    "file://evil.example.com/share/x.png", "file:///usr/share/fonts/truetype/dejavu/../../../../etc/passwd",
])
def test_the_fetcher_refuses_the_network_and_files_outside_the_project(url):
    with pytest.raises(pdf.RefusedURL):
        pdf.url_fetcher().fetch(url)


def test_the_fetcher_serves_project_files_fonts_and_data_uris(settings):
    static = settings.STATICFILES_DIRS[0]
    some_file = next(path for path in static.rglob("*") if path.is_file())
    assert pdf.url_fetcher().fetch(some_file.as_uri()).read() == some_file.read_bytes()
    assert pdf.url_fetcher().fetch("data:text/plain;base64,aGk=").read() == b"hi"
    font = pdf.font_dir() / "DejaVuSans.ttf"
    assert pdf.url_fetcher().fetch(font.as_uri()).read(4) == font.read_bytes()[:4]


def test_an_image_over_http_is_never_fetched(template, monkeypatch):
    import socket

    tried = []

    def no_network(*args, **kwargs):
        tried.append(args)
        raise AssertionError("a PDF tried to reach the network")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    name = template('<p>Logo:</p><img src="http://127.0.0.1:9/logo.png" alt="">'
                    '<link rel="stylesheet" href="https://cdn.example.com/x.css">')
    data = pdf.render_pdf(name, {}, title="No network")
    check_pdf(data)
    assert "Logo:" in pdf_text(data)
    assert tried == []
