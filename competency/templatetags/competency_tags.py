from django import template
from django.utils.html import format_html

register = template.Library()

STATUS_STYLES = {
    "draft": "text-bg-secondary",
    "in_review": "text-bg-info",
    "approved": "text-bg-primary",
    "published": "text-bg-success",
    "retired": "text-bg-dark",
}


@register.simple_tag
def status_badge(status: str, label: str = "") -> str:
    return format_html(
        '<span class="badge {}" data-status="{}">{}</span>',
        STATUS_STYLES.get(status, "text-bg-light"), status, label or status.replace("_", " ").capitalize(),
    )


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None
