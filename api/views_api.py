"""The REST API's endpoints. Each asks the permission layer (`accounts.permissions`) as the pages do:
lists through `visible`, objects through `get_for_user`, actions through `require`."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpResponse
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import get_for_user, require, visible
from competency import formats
from competency.filters import FrameworkFilter
from competency.models import Competency, Framework, FrameworkVersion
from competency.rules import visible_versions_q
from core.uploads import ImportFailed
from profiles.models import OrgUnit, Person, Requirement, RoleProfile

from . import serializers
from .filters import ApiPersonFilter, ApiProfileFilter, whole_id
from .people import people_sync

#: A body that is not the right shape gets DRF's errors by field; one the people import refuses gets
#: `detail` and `errors` (ImportErrorSerializer), each with its line and field.
REFUSED = OpenApiResponse(OpenApiTypes.OBJECT, description="Nothing was changed: the errors by field, or the "
                                                           "people import's `detail` and `errors` (line, field, message).")


VERSION_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The version's id.")


def _id(value: str) -> int:
    number = whole_id(value)
    if number is None:
        raise NotFound("No such object.")
    return number


class FrameworkList(generics.ListAPIView):
    """Frameworks the token's role may read, each with the versions it may read."""

    queryset = Framework.objects.none()  # the model, for the schema; get_queryset gives the rows
    serializer_class = serializers.FrameworkSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = FrameworkFilter

    def get_queryset(self) -> QuerySet[Framework]:
        user = self.request.user
        require(user, "framework.browse")
        versions = FrameworkVersion.objects.filter(visible_versions_q(user)).distinct().order_by("number")
        # Queries: the page of frameworks with their scales, then their readable versions.
        return (visible(user, "framework", Framework.objects.select_related("scale"))
                .prefetch_related(Prefetch("versions", queryset=versions, to_attr="api_versions")))


@extend_schema_view(get=extend_schema(parameters=[VERSION_ID]))
class VersionDetail(generics.RetrieveAPIView):
    """One version: its competencies and a link to it in each export format."""

    serializer_class = serializers.VersionSerializer

    def get_object(self) -> FrameworkVersion:
        competencies = Competency.objects.select_related("area", "parent").order_by("area__position", "position", "pk")
        queryset = FrameworkVersion.objects.select_related("framework").prefetch_related(
            Prefetch("competencies", queryset=competencies, to_attr="api_competencies"))
        return get_for_user(self.request.user, queryset, "version.view", pk=_id(self.kwargs["pk"]))


class VersionExport(APIView):
    """A version in one of the export formats the version page offers (the same files)."""

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.STR, (200, "application/json"): OpenApiTypes.OBJECT,
                              404: OpenApiResponse(description="No such version, or no such format.")},
                   parameters=[VERSION_ID])
    def get(self, request: Request, pk: str, fmt: str) -> HttpResponse:
        version = get_for_user(request.user, FrameworkVersion.objects.select_related("framework"), "version.export",
                               pk=_id(pk))
        export = formats.EXPORTS.get(fmt)
        if export is None:
            raise Http404(f"Unknown export format; the formats are {', '.join(formats.EXPORTS)}.")
        return export.download(version)


class OrgUnitList(generics.ListAPIView):
    queryset = OrgUnit.objects.none()  # the model, for the schema; get_queryset gives the rows
    serializer_class = serializers.OrgUnitSerializer

    def get_queryset(self) -> QuerySet[OrgUnit]:
        require(self.request.user, "orgunit.browse")
        return visible(self.request.user, "orgunit", OrgUnit.objects.select_related("parent"))


class RoleProfileList(generics.ListAPIView):
    """Role profiles the token's role may read, with their requirements."""

    queryset = RoleProfile.objects.none()  # the model, for the schema; get_queryset gives the rows
    serializer_class = serializers.RoleProfileSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = ApiProfileFilter

    def get_queryset(self) -> QuerySet[RoleProfile]:
        user = self.request.user
        require(user, "profile.browse")
        requirements = Requirement.objects.select_related("competency").order_by("pk")
        # Queries: the page of profiles with their framework versions, then their requirements.
        return (visible(user, "profile", RoleProfile.objects.select_related("framework_version__framework"))
                .prefetch_related(Prefetch("requirements", queryset=requirements)))


def _people(user) -> QuerySet[Person]:
    return visible(user, "person", Person.objects.select_related("user", "org_unit", "role_profile", "manager__user"))


class PersonList(generics.ListAPIView):
    """People, filtered as on the people page (active ones unless `active=all` or `no`)."""

    queryset = Person.objects.none()  # the model, for the schema; get_queryset gives the rows
    serializer_class = serializers.PersonSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = ApiPersonFilter

    def get_queryset(self) -> QuerySet[Person]:
        require(self.request.user, "person.browse")
        return _people(self.request.user)


def _import_failed(failure: ImportFailed) -> Response:
    return Response({
        "detail": "Nothing was changed: " + (f"{len(failure.issues)} problem(s) found." if failure.issues else "."),
        "errors": [{"line": issue.line, "field": issue.column, "message": str(issue)} for issue in failure.issues],
    }, status=status.HTTP_400_BAD_REQUEST)


class PersonDetail(APIView):
    """One person by employee id. PUT creates or updates them, as one line of a people file would."""

    @extend_schema(responses={200: serializers.PersonSerializer})
    def get(self, request: Request, employee_id: str) -> Response:
        person = get_for_user(request.user, _people(request.user), "person.view", employee_id=employee_id)
        return Response(serializers.PersonSerializer(person, context={"request": request}).data)

    @extend_schema(request=serializers.PersonWriteSerializer,
                   responses={200: serializers.ImportResultSerializer, 400: REFUSED})
    def put(self, request: Request, employee_id: str) -> Response:
        require(request.user, "people.import")
        incoming = serializers.PersonWriteSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        person = dict(incoming.validated_data, employee_id=employee_id)
        try:
            return Response(people_sync(people=[person], token=request.auth))
        except ImportFailed as failure:
            return _import_failed(failure)


class PeopleBulk(APIView):
    """Many people at once, all or nothing, exactly as a people file of the same rows."""

    @extend_schema(request=serializers.PeopleBulkSerializer,
                   responses={200: serializers.ImportResultSerializer, 400: REFUSED})
    def post(self, request: Request) -> Response:
        require(request.user, "people.import")
        incoming = serializers.PeopleBulkSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        try:
            return Response(people_sync(people=incoming.validated_data["people"], token=request.auth))
        except ImportFailed as failure:
            return _import_failed(failure)
