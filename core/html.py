"""Descriptions that arrive as HTML (Moodle and CASE files, rich text editors) shown as HTML, safely.

Only structure survives (paragraphs, lists, emphasis, line breaks, links to http(s) and mail
addresses); scripts, styles, event attributes and anything else are removed by nh3, a maintained
sanitiser. Plain text is escaped and its line breaks kept.
"""

from __future__ import annotations

import html
import re

import nh3
from django.utils.html import escape, linebreaks
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {"p", "br", "ul", "ol", "li", "strong", "b", "em", "i", "u", "a", "blockquote", "code", "pre",
                "h3", "h4", "h5", "h6", "sub", "sup", "span"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
_LOOKS_LIKE_HTML = re.compile(r"<\s*(p|br|ul|ol|li|strong|b|em|i|u|a|div|span|h\d|blockquote|table)\b", re.I)


def looks_like_html(text: str) -> bool:
    return bool(_LOOKS_LIKE_HTML.search(text or ""))


def rich_text(text: str) -> SafeString:
    if not text:
        return mark_safe("")
    if looks_like_html(text):
        return mark_safe(nh3.clean(text, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                                   url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer"))
    return mark_safe(linebreaks(escape(text)))


def plain_text(text: str) -> str:
    """The words of a description without markup (for short summaries and exports)."""
    if not looks_like_html(text):
        return text or ""
    return html.unescape(" ".join(nh3.clean(text, tags=set()).split()))
