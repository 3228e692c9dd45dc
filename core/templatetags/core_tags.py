from django import template

from core.html import plain_text, rich_text

register = template.Library()


@register.filter(name="rich_text")
def rich_text_filter(text: str):
    """A description as safe HTML: sanitised when it is HTML, paragraphs when it is plain text."""
    return rich_text(text)


@register.filter(name="plain_text")
def plain_text_filter(text: str) -> str:
    return plain_text(text)


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None
