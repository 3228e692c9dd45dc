"""Read endpoints over cycles and their progress, released results, gap analyses, training records,
development plans, and evidence packs (asked for, followed and downloaded). Each asks the permission
layer with the rule its page asks, and reads through the owning app's selectors: results only as the
stored, shown cells (`assessments.results`), never an answer."""

from __future__ import annotations

import datetime as dt

import django_filters
from django.db.models import OuterRef, Prefetch, QuerySet
from django.http import FileResponse, Http404
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import get_for_user, require, visible
from assessments import progress as cycle_progress
from assessments import results as released
from assessments.models import Cycle, CycleStatus, Participant
from devplans import selectors as plans
from evidence import packs
from evidence.models import EvidencePack, PackScope
from gaps import selectors as gap_selectors
from gaps.models import Analysis, AnalysisStatus, LeaderGap
from profiles.models import OrgUnit, Person, RoleProfile
from training.models import Certificate, EffectivenessReview, Enrolment, Qualification

from . import serializers_read as out
from .access import TokenScope
from .filters import ApiPlanFilter, org_unit_filter, role_profile_filter
from .views_api import _id


def _path_id(name: str, description: str) -> OpenApiParameter:
    return OpenApiParameter(name, int, OpenApiParameter.PATH, description=description)


CYCLE_ID = _path_id("id", "The cycle's id.")
ANALYSIS_ID = _path_id("id", "The analysis' id.")
PLAN_ID = _path_id("id", "The plan's id.")
PACK_ID = _path_id("id", "The pack's id.")


# --- cycles ------------------------------------------------------------------------------------------


class CycleFilter(django_filters.FilterSet):
    """The cycle list page's filter."""

    status = django_filters.ChoiceFilter(choices=CycleStatus.choices)

    class Meta:
        model = Cycle
        fields: list[str] = []


class CycleList(generics.ListAPIView):
    """Cycles with their leaders and the response rate of their invited raters, as the cycle list shows them."""

    queryset = Cycle.objects.none()  # the model, for the schema; get_queryset gives the rows
    serializer_class = out.CycleSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = CycleFilter

    def get_queryset(self) -> QuerySet[Cycle]:
        require(self.request.user, "cycle.browse")
        # One query: the page of cycles with their versions, and their counts as subqueries.
        return cycle_progress.cycles_for_list()


class CycleDetail(APIView):
    """One cycle and its progress: questionnaires per rater group by where they stand, and response rates."""

    @extend_schema(responses={200: out.CycleDetailSerializer}, parameters=[CYCLE_ID])
    def get(self, request: Request, pk: str) -> Response:
        cycle = get_for_user(request.user, cycle_progress.cycles_for_list(), "cycle.view", pk=_id(pk))
        context = {"request": request, "progress": cycle_progress.cycle_progress(cycle)}
        return Response(out.CycleDetailSerializer(cycle, context=context).data)


def _search(queryset, name, value):
    """Every word part of a name or email, or a whole employee id, as the cycle's leader list searches."""
    return queryset.filter(person__in=cycle_progress.matching_people(value).values("pk")) if value.strip() else queryset


class LeaderSearch(django_filters.FilterSet):
    """`q`, as the cycle page's leader list searches: for lists of a leader's rows (participants, gaps)."""

    q = django_filters.CharFilter(method=_search, max_length=200,
                                  help_text="Leaders whose name or email holds every word, or with this employee id.")


class ResultsFilter(LeaderSearch):
    """The filter of the cycle page's leader list, less its rater states (a released cycle's questionnaires
    are all closed)."""

    org_unit = org_unit_filter(method="filter_org_unit",
                               help_text="Leaders of this org unit and the units below it: its id or code.")

    class Meta:
        model = Participant
        fields: list[str] = []

    def filter_org_unit(self, queryset, name, value):
        from profiles.selectors import unit_and_below

        return queryset.filter(person__org_unit_id__in=unit_and_below(value.pk))


class CycleResults(generics.ListAPIView):
    """A released cycle's results per leader: the stored, shown cells (thin groups pooled, a pool under three
    suppressed) and how many comments are shown. 404 while the cycle's results are not released."""

    queryset = Participant.objects.none()  # the model, for the schema
    serializer_class = out.ParticipantResultsSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = ResultsFilter

    @extend_schema(parameters=[CYCLE_ID])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Participant]:
        user = self.request.user
        cycle = get_for_user(user, Cycle.objects.all(), "cycle.view", pk=_id(self.kwargs["pk"]))
        if cycle.status != CycleStatus.RELEASED:
            raise NotFound("This cycle's results are not released.")
        return visible(user, "participant", released.released_participants(cycle))

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        cells = released.shown_cells([participant.pk for participant in page])
        data = self.get_serializer(page, many=True, context={"request": request, "cells": cells}).data
        return self.get_paginated_response(data)


# --- gap analyses ------------------------------------------------------------------------------------


class AnalysisFilter(django_filters.FilterSet):
    cycle = django_filters.NumberFilter(field_name="cycle_id", min_value=1, max_value=10**18)
    current = django_filters.BooleanFilter(help_text="Only the analysis each cycle's pages show.")
    status = django_filters.ChoiceFilter(choices=AnalysisStatus.choices)

    class Meta:
        model = Analysis
        fields: list[str] = []


class AnalysisList(generics.ListAPIView):
    """The gap analyses of released cycles (every run; `current=true` for the one each cycle's pages show)."""

    queryset = Analysis.objects.none()  # the model, for the schema
    serializer_class = out.AnalysisSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = AnalysisFilter

    def get_queryset(self) -> QuerySet[Analysis]:
        require(self.request.user, "analysis.browse")
        # One query: the page of analyses with their cycles and framework versions.
        return Analysis.objects.filter(cycle__status__in=[CycleStatus.RELEASED, CycleStatus.RELEASING]).select_related(
            "cycle", "framework_version__framework")


class LeaderGapFilter(LeaderSearch):
    """The heatmap's two ways of grouping leaders, as its cells' drill-down narrows them."""

    org_unit = org_unit_filter(method="filter_org_unit", help_text="Leaders of this org unit and the units below "
                               "it as the analysis found them (its heatmap's rows): the unit's id or code.")
    role_profile = role_profile_filter(field_name="role_profile",
                                       help_text="Leaders holding this role profile: its id or code.")

    class Meta:
        model = LeaderGap
        fields: list[str] = []

    def filter_org_unit(self, queryset, name, value):
        from gaps.models import UnitTree

        # The units the analysis summed under this one, as the heatmap cell's leaders are found.
        return queryset.filter(org_unit_id__in=UnitTree.objects.filter(analysis_id=OuterRef("analysis_id"),
                                                                       ancestor_id=value.pk).values("unit_id"))


class AnalysisLeaders(generics.ListAPIView):
    """The leaders of one analysis: their standing (readiness, gaps) and each requirement's line."""

    queryset = LeaderGap.objects.none()  # the model, for the schema
    serializer_class = out.LeaderGapSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = LeaderGapFilter

    @extend_schema(parameters=[ANALYSIS_ID])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[LeaderGap]:
        user = self.request.user
        self.analysis = get_for_user(user, Analysis.objects.all(), "analysis.view", pk=_id(self.kwargs["pk"]))
        return visible(user, "leadergap", LeaderGap.objects.filter(analysis=self.analysis)
                       .select_related("person__user", "org_unit", "role_profile"))

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        lines = gap_selectors.requirement_lines(self.analysis, [leader.participant_id for leader in page])
        data = self.get_serializer(page, many=True, context={"request": request, "lines": lines}).data
        return self.get_paginated_response(data)


# --- training records --------------------------------------------------------------------------------


class PersonTraining(APIView):
    """A person's training and competence record, as their record page holds it: enrolments, certificates,
    qualifications and effectiveness reviews (read by whoever may open the person)."""

    @extend_schema(responses={200: out.TrainingRecordSerializer})
    def get(self, request: Request, employee_id: str) -> Response:
        person = get_for_user(request.user, Person.objects.all(), "record.view", employee_id=employee_id)
        codes = Prefetch("competencies", queryset=_competencies())
        record = {
            "employee_id": person.employee_id,
            "enrolments": Enrolment.objects.filter(person=person).select_related("session__programme")
            .order_by("-session__starts_at", "-pk"),
            "certificates": Certificate.objects.filter(person=person).prefetch_related(codes)
            .order_by("-issued_on", "-pk"),
            "qualifications": Qualification.objects.filter(person=person).prefetch_related(codes)
            .order_by("-awarded_on", "-pk"),
            "effectiveness_reviews": EffectivenessReview.objects.filter(enrolment__person=person)
            .select_related("enrolment__session__programme", "competency").order_by("due_on", "pk"),
        }
        return Response(out.TrainingRecordSerializer(record).data)


def _competencies():
    from competency.models import Competency

    return Competency.objects.only("pk", "code")


# --- development plans -------------------------------------------------------------------------------


class PlanList(generics.ListAPIView):
    """Development plans, filtered as on the plan list (status, org unit with sub-units, overdue actions)."""

    queryset = plans.Plan.objects.none()  # the model, for the schema
    serializer_class = out.PlanSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = ApiPlanFilter

    def get_queryset(self):
        require(self.request.user, "plan.browse")
        # One query: the page of plans with their people, counts and totals as subqueries.
        return plans.plans_for_list(self.request.user)


class PlanDetail(APIView):
    """One plan with its objectives and their actions."""

    @extend_schema(responses={200: out.PlanDetailSerializer}, parameters=[PLAN_ID])
    def get(self, request: Request, pk: str) -> Response:
        plan = get_for_user(request.user, plans.plan_queryset(), "plan.view", pk=_id(pk))
        return Response(out.PlanDetailSerializer(plans.plan_page(plan)).data)


# --- evidence packs ----------------------------------------------------------------------------------


class RequestsAPack(TokenScope):
    """Asking for a pack is a read of the organisation's records, as on the page (where auditors may ask
    for one through the read-only layer): a read-only token may ask too. Nothing else is let through."""

    def has_permission(self, request, view) -> bool:
        return super().has_permission(request, view) or request.method in (*SAFE_METHODS, "POST")


def _target(data: dict):
    """The pack's subject from its code, or a 400 naming the field (nothing written)."""
    scope = data["scope"]
    field, model, lookup = {PackScope.LEADER: ("person", Person, "employee_id__iexact"),
                            PackScope.ROLE: ("role_profile", RoleProfile, "code__iexact"),
                            PackScope.UNIT: ("org_unit", OrgUnit, "code__iexact")}.get(scope, (None, None, None))
    if field is None:
        return None
    code = data[field].strip()
    if not code:
        raise ValidationError({field: [f"Give the {field.replace('_', ' ')} the {scope} pack is about."]})
    target = model.objects.filter(**{lookup: code}).first()
    if target is None:
        raise ValidationError({field: [f"There is no {field.replace('_', ' ')} “{code}”."]})
    return target


class PackList(APIView):
    permission_classes = [RequestsAPack]

    @extend_schema(request=out.PackRequestSerializer,
                   responses={202: out.PackSerializer, 400: OpenApiResponse(description="Nothing was asked for: "
                                                                            "the errors by field.")})
    def post(self, request: Request) -> Response:
        """Asks for an evidence pack: a stored one is reused when nothing in it changed, else it is
        generated by a task. Follow `status_url` until `status` is done, then fetch `download_url`."""
        from evidence.views_packs import EARLIEST_AS_AT

        require(request.user, "pack.request")
        incoming = out.PackRequestSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        as_at: dt.date | None = data["as_at"]
        if as_at is not None and not EARLIEST_AS_AT <= as_at <= timezone.localdate():
            raise ValidationError({"as_at": [f"Choose a day from {EARLIEST_AS_AT:%d %B %Y} to today: a pack shows "
                                             "records as they stood."]})
        # The pack and its log name the HR manager who created the token: they answer for what it asks
        # for (a token's service identity is no account).
        pack, document = packs.pack_request(user=request.auth.created_by, scope=data["scope"], target=_target(data),
                                            as_at=as_at)
        return Response(out.pack_data(pack, document, {"request": request}), status=status.HTTP_202_ACCEPTED)


def _pack(request: Request, pk: str) -> EvidencePack:
    return get_for_user(request.user, packs.pack_queryset(), "pack.view", pk=_id(pk))


class PackDetail(APIView):
    @extend_schema(responses={200: out.PackSerializer}, parameters=[PACK_ID])
    def get(self, request: Request, pk: str) -> Response:
        """Where the pack's render stands, and once done its download link."""
        from documents.services import latest_document

        pack = _pack(request, pk)
        return Response(out.pack_data(pack, latest_document(packs.KIND, pack), {"request": request}))


class PackDownload(APIView):
    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY,
                              404: OpenApiResponse(description="No such pack, or its PDF is not ready.")},
                   parameters=[PACK_ID])
    def get(self, request: Request, pk: str) -> FileResponse:
        """The pack's PDF (signed, with its manifest), logged in the pack log as the page's download is."""
        from documents.models import DocumentStatus
        from documents.services import download, latest_document

        document = latest_document(packs.KIND, _pack(request, pk))
        if document is None or document.status != DocumentStatus.DONE:
            raise Http404("This pack's PDF is not ready: follow its status until it is done.")
        return download(document, user=request.auth.created_by, filename="evidence-pack.pdf")
