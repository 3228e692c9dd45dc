"""What the API returns and accepts. Serializers only shape data: rules decide who sees what
(views.py, through `accounts.permissions`), and people writes go through the people import."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from competency import formats
from competency.models import Framework, FrameworkVersion
from profiles.models import OrgUnit, Person, Requirement, RoleProfile


class VersionSummarySerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = FrameworkVersion
        fields = ["id", "number", "status", "effective_date", "published_at", "retired_at", "url"]

    def get_url(self, version) -> str:
        return reverse("api:version-detail", args=[version.pk], request=self.context.get("request"))


class FrameworkSerializer(serializers.ModelSerializer):
    scale = serializers.CharField(source="scale.name")
    versions = VersionSummarySerializer(source="api_versions", many=True)

    class Meta:
        model = Framework
        fields = ["id", "code", "name", "description", "uuid", "scale", "versions"]


class ExportLinkSerializer(serializers.Serializer):
    format = serializers.CharField()
    label = serializers.CharField()
    content_type = serializers.CharField()
    url = serializers.URLField()


class CompetencySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    area = serializers.CharField(source="area.code")
    parent = serializers.CharField(source="parent.code", allow_null=True, default=None)


class VersionSerializer(VersionSummarySerializer):
    framework = serializers.CharField(source="framework.code")
    change_note = serializers.CharField()
    competencies = CompetencySerializer(source="api_competencies", many=True)
    exports = serializers.SerializerMethodField()

    class Meta(VersionSummarySerializer.Meta):
        fields = ["id", "framework", "number", "status", "change_note", "effective_date", "published_at",
                  "retired_at", "competencies", "exports"]

    @extend_schema_field(ExportLinkSerializer(many=True))
    def get_exports(self, version) -> list[dict]:
        request = self.context.get("request")
        return ExportLinkSerializer([
            {"format": slug, "label": export.label, "content_type": export.content_type,
             "url": reverse("api:version-export", args=[version.pk, slug], request=request)}
            for slug, export in formats.EXPORTS.items()
        ], many=True).data


class OrgUnitSerializer(serializers.ModelSerializer):
    parent = serializers.CharField(source="parent.code", allow_null=True, default=None)

    class Meta:
        model = OrgUnit
        fields = ["id", "code", "name", "parent"]


class RequirementSerializer(serializers.ModelSerializer):
    competency = serializers.CharField(source="competency.code")
    competency_name = serializers.CharField(source="competency.name")

    class Meta:
        model = Requirement
        fields = ["competency", "competency_name", "required_level", "weight", "critical"]


class RoleProfileSerializer(serializers.ModelSerializer):
    framework = serializers.CharField(source="framework_version.framework.code")
    framework_version = serializers.IntegerField(source="framework_version.number")
    requirements = RequirementSerializer(many=True)

    class Meta:
        model = RoleProfile
        fields = ["id", "code", "name", "description", "status", "revision", "approved_at", "framework",
                  "framework_version", "requirements"]


class PersonSerializer(serializers.ModelSerializer):
    """People as the people import reads them: the same columns, by the same codes."""

    first_name = serializers.CharField(source="user.first_name")
    last_name = serializers.CharField(source="user.last_name")
    email = serializers.EmailField(source="user.email")
    org_unit = serializers.CharField(source="org_unit.code")
    role_profile = serializers.CharField(source="role_profile.code", allow_null=True, default=None)
    manager_email = serializers.CharField(source="manager.user.email", allow_null=True, default=None)
    manager_employee_id = serializers.CharField(source="manager.employee_id", allow_null=True, default=None)

    class Meta:
        model = Person
        fields = ["employee_id", "first_name", "last_name", "email", "org_unit", "role_profile", "manager_email",
                  "manager_employee_id", "active", "start_date_in_role"]


class PersonWriteSerializer(serializers.Serializer):
    """One person as an HR system sends it. Only the shape is checked here: the values are checked by the
    people import (profiles.importers), the one validator of people, exactly as for a CSV file."""

    first_name = serializers.CharField(max_length=500, allow_blank=True)
    last_name = serializers.CharField(max_length=500, allow_blank=True)
    email = serializers.CharField(max_length=500, allow_blank=True)
    org_unit = serializers.CharField(max_length=200, allow_blank=True)
    role_profile = serializers.CharField(max_length=200, allow_blank=True, required=False, default="")
    manager_email = serializers.CharField(max_length=500, allow_blank=True, required=False, default="")
    active = serializers.BooleanField(required=False, allow_null=True, default=None)
    start_date_in_role = serializers.DateField(required=False, allow_null=True, default=None)


class BulkPersonSerializer(PersonWriteSerializer):
    employee_id = serializers.CharField(max_length=200, allow_blank=True)


class PeopleBulkSerializer(serializers.Serializer):
    people = BulkPersonSerializer(many=True, allow_empty=False, max_length=25_000)


class ImportResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    invited = serializers.IntegerField()


class ImportErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    errors = serializers.ListField(child=serializers.DictField())
