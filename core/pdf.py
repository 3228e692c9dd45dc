"""PDFs: a Django template rendered to HTML, then by WeasyPrint to an A4 PDF/A-3b file.

`render_pdf(template_name, context, title=..., subject=...) -> bytes` is a pure function of its
arguments: it reads nothing over the network. Templates extend `templates/pdf/base.html` (blocks
`title` and `content`); images and stylesheets may only be local files under the project's templates
or static directories, or `data:` URIs. Charts from `core.charts` are SVG strings and go inline in the
HTML (`{{ chart_svg|safe }}`). Fonts are DejaVu from local files (`PDF_FONT_DIR`), declared here with
@font-face so that WeasyPrint embeds them (as subsets) whatever fontconfig would have chosen.

Documents by kind, their storage and their Celery queue live in the `documents` app; this module
knows nothing of the domain.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.template.loader import render_to_string
from django.utils import translation

DEFAULT_FONT_DIR = "/usr/share/fonts/truetype/dejavu"
PDF_VARIANT = "pdf/a-3b"
FONT_FAMILY = "Proficio Sans"
# (file name, CSS weight, CSS style) of the faces the PDFs use.
FONT_FACES = (
    ("DejaVuSans.ttf", "normal", "normal"),
    ("DejaVuSans-Bold.ttf", "bold", "normal"),
    ("DejaVuSans-Oblique.ttf", "normal", "italic"),
    ("DejaVuSans-BoldOblique.ttf", "bold", "italic"),
)
MONO_FAMILY = "Proficio Mono"
MONO_FACES = (("DejaVuSansMono.ttf", "normal", "normal"), ("DejaVuSansMono-Bold.ttf", "bold", "normal"))


# WeasyPrint logs each of its steps at INFO: one PDF would fill the worker's log.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


class RefusedURL(ValueError):
    """A PDF template asked for something that is not a local file of the project (or a data: URI)."""


def organisation_name() -> str:
    """The name in every PDF's header and its author: `ORGANISATION_NAME`, else "Proficio"."""
    return getattr(settings, "ORGANISATION_NAME", "") or "Proficio"


def font_dir() -> Path:
    return Path(getattr(settings, "PDF_FONT_DIR", "") or DEFAULT_FONT_DIR)


def _allowed_roots() -> tuple[Path, ...]:
    roots = [font_dir()]
    for engine in settings.TEMPLATES:
        roots.extend(Path(directory) for directory in engine.get("DIRS", ()))
    roots.extend(Path(entry[1] if isinstance(entry, (tuple, list)) else entry)
                 for entry in getattr(settings, "STATICFILES_DIRS", ()))
    if getattr(settings, "STATIC_ROOT", None):
        roots.append(Path(settings.STATIC_ROOT))
    return tuple(root.resolve() for root in roots)


def local_path(url: str) -> Path:
    """The file a file:// URL names when it lies under an allowed root; RefusedURL otherwise."""
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        raise RefusedURL(f"PDFs load local files only, not {url[:100]!r}")
    path = Path(unquote(parts.path)).resolve()
    if not any(path.is_relative_to(root) for root in _allowed_roots()):
        raise RefusedURL(f"PDFs load files of the project only, not {path}")
    if not path.is_file():
        raise RefusedURL(f"No such file: {path}")
    return path


@lru_cache(maxsize=1)
def _fetcher_class():
    from weasyprint import URLFetcher

    class LocalOnlyFetcher(URLFetcher):
        """Serves data: URIs and the project's own files; refuses everything else (never HTTP)."""

        def fetch(self, url, headers=None):
            if url[:5].lower() == "data:":
                return super().fetch(url, headers)
            return super().fetch(local_path(url).as_uri(), headers)

    return LocalOnlyFetcher


def url_fetcher():
    """A WeasyPrint URL fetcher that refuses every URL but data: URIs and local project files."""
    return _fetcher_class()(timeout=5, allowed_protocols={"file", "data"}, allow_redirects=False)


def font_css() -> str:
    """@font-face rules for the PDF fonts, from local files (ImproperlyConfigured when one is missing)."""
    rules = []
    for family, faces in ((FONT_FAMILY, FONT_FACES), (MONO_FAMILY, MONO_FACES)):
        for filename, weight, style in faces:
            path = font_dir() / filename
            if not path.is_file():
                raise ImproperlyConfigured(
                    f"PDF font {path} is missing: install Debian's fonts-dejavu-core or set PDF_FONT_DIR."
                )
            rules.append(f'@font-face {{ font-family: "{family}"; src: url("{path.as_uri()}"); '
                         f"font-weight: {weight}; font-style: {style}; }}")
    return "\n".join(rules)


def render_html(template_name: str, context: dict, *, title: str, subject: str = "") -> str:
    """The HTML a PDF is drawn from (tests and debugging read it)."""
    full = {
        "pdf_title": title,
        "pdf_subject": subject,
        "organisation_name": organisation_name(),
        "pdf_font_css": font_css(),
        "pdf_lang": translation.get_language() or settings.LANGUAGE_CODE,
        **context,
    }
    return render_to_string(template_name, full)


@lru_cache(maxsize=1)
def _font_configuration():
    """One Fontconfig configuration per process. Building one loads the configuration of every font on
    the system, a quarter of a small PDF's time; WeasyPrint keeps the @font-face files it has added to
    it (once per face, in a temporary folder of the process) and adds nothing twice."""
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


@dataclass(frozen=True)
class PdfAttachment:
    """A file embedded in the PDF (PDF/A-3 allows any file, named in the catalogue's /AF with its
    relationship to the document: "Data", "Source", "Supplement", "Alternative" or "Unspecified")."""

    name: str
    data: bytes
    description: str = ""
    relationship: str = "Supplement"


def render_pdf(template_name: str, context: dict, *, title: str, subject: str = "",
               attachments: Sequence[PdfAttachment] = ()) -> bytes:
    """Renders `template_name` with `context` to an A4 PDF/A-3b file and returns its bytes.

    The PDF's metadata: `title`, `subject`, author = the organisation, the language of the
    active translation. The template sees `pdf_title`, `pdf_subject` and `organisation_name` too.
    `attachments` are embedded as files (from memory: nothing is fetched).
    """
    from weasyprint import HTML, Attachment

    html = render_html(template_name, context, title=title, subject=subject)
    fonts = _font_configuration()
    base_url = Path(settings.TEMPLATES[0]["DIRS"][0]).resolve().as_uri() + "/"
    options = {"pdf_variant": PDF_VARIANT}
    document = HTML(string=html, base_url=base_url, url_fetcher=url_fetcher()).render(font_config=fonts, **options)
    metadata = document.metadata
    metadata.title = title
    metadata.description = subject or None
    metadata.authors = [organisation_name()]
    metadata.generator = "Proficio"
    metadata.lang = metadata.lang or (translation.get_language() or settings.LANGUAGE_CODE)
    files = [Attachment(file_obj=io.BytesIO(attachment.data), name=attachment.name,
                        description=attachment.description or None, relationship=attachment.relationship)
             for attachment in attachments]
    return document.write_pdf(attachments=files or None, **options)
