from django import template
from django.utils.html import format_html

from ..models import VersionStatus

register = template.Library()

STATUS_STYLES = {
    VersionStatus.DRAFT: "text-bg-secondary",
    VersionStatus.IN_REVIEW: "text-bg-info",
    VersionStatus.APPROVED: "text-bg-primary",
    VersionStatus.PUBLISHED: "text-bg-success",
    VersionStatus.RETIRED: "text-bg-dark",
}


@register.simple_tag
def status_badge(status: str, label: str = "") -> str:
    return format_html(
        '<span class="badge {}" data-status="{}">{}</span>',
        STATUS_STYLES.get(status, "text-bg-light"), status, label or VersionStatus(status).label,
    )


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None
