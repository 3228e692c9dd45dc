"""How every email is written: links to the one public address, plain text rendered as text."""

from __future__ import annotations

from functools import cache

from django.conf import settings
from django.template import Context, Engine


def absolute_url(path: str) -> str:
    """The link people follow from an email or a file: SITE_URL (the address they reach Proficio at)
    plus the path. One rule for every email, whether a page or a background task sends it."""
    return settings.SITE_URL.rstrip("/") + "/" + path.lstrip("/")


@cache
def _text_engine() -> Engine:
    # Emails are plain text: HTML escaping would turn "R&D" into "R&amp;D".
    return Engine(dirs=[str(settings.BASE_DIR / "templates")], app_dirs=True, autoescape=False)


def render_plain(template_name: str, context: dict) -> str:
    """A text email's body from its template, without HTML escaping."""
    return _text_engine().get_template(template_name).render(Context(context, autoescape=False))


def duration_text(seconds: int) -> str:
    """How long a link works, as an email says it: "24 hours", "7 days", "90 minutes"."""
    if seconds % 86400 == 0 and seconds >= 2 * 86400:
        return f"{seconds // 86400} days"
    if seconds % 3600 == 0:
        hours = seconds // 3600
        return f"{hours} hour{'s' if hours != 1 else ''}"
    minutes = max(1, seconds // 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"
