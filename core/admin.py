"""Bases for the Django admin: a window on every record and its audit history.

Controlled records change only through Proficio's services (the pages call them), which check the
life cycle, freeze what was approved and keep the history true. So the admin either shows a record
read-only (`ReadOnlyAdmin`) or, for plain records, sends its saves through the service
(`ServiceAdmin`). Neither lets the history page "revert" a record: that would write around the
services too.
"""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from simple_history.admin import SimpleHistoryAdmin


class NoAddOrDelete:
    """Nothing is added or deleted in the admin (a mixin for any ModelAdmin or inline)."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ViewOnly(NoAddOrDelete):
    """Shown, searched and filtered; nothing changes (a mixin for any ModelAdmin or inline)."""

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class HistoryAdmin(SimpleHistoryAdmin):
    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method != "GET":
            raise PermissionDenied("Earlier versions are shown for reading; nothing is reverted from the admin.")
        return super().history_form_view(request, object_id, version_id, extra_context)


class ReadOnlyAdmin(ViewOnly, HistoryAdmin):
    """Shown, searched and filtered; changed only on Proficio's pages."""


class ReadOnlyInline(ViewOnly, admin.TabularInline):
    extra = 0


class ServiceAdmin(NoAddOrDelete, HistoryAdmin):
    """Saves go through `save_through_service(request, obj, form)`; nothing is added or deleted here."""

    def save_model(self, request, obj, form, change) -> None:
        self.save_through_service(request, obj, form)

    def save_through_service(self, request, obj, form) -> None:  # pragma: no cover - each admin defines it
        raise NotImplementedError
