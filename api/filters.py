"""The pages' filters, as the API offers them (the same filter sets, described for the schema)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from profiles.filters import ProfileFilter


class ApiProfileFilter(ProfileFilter):
    @extend_schema_field(OpenApiTypes.INT)  # an org unit's id
    def filter_org_unit(self, queryset, name, value):
        return super().filter_org_unit(queryset, name, value)
