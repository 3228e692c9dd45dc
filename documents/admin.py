from django.contrib import admin

from core.admin import ViewOnly

from .models import Document


@admin.register(Document)
class DocumentAdmin(ViewOnly, admin.ModelAdmin):
    """Rendered documents, read-only: they are created on the pages that offer them."""

    list_display = ("kind", "object_id", "status", "size", "requested_by", "requested_at", "finished_at")
    list_filter = ("kind", "status")
    search_fields = ("sha256", "source_sha256", "filename")
    list_select_related = ("requested_by",)
    readonly_fields = [field.name for field in Document._meta.fields]
