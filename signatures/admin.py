from django.contrib import admin

from core.admin import ViewOnly

from .models import Signature


@admin.register(Signature)
class SignatureAdmin(ViewOnly, admin.ModelAdmin):
    list_display = ["record_label", "record_version", "meaning", "signer_name", "signer_role", "signed_at"]
    list_filter = ["meaning", "content_type"]
    search_fields = ["record_label", "signer_name", "signer_email", "content_sha256"]
    exclude = ["content"]
