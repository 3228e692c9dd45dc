"""What the read endpoints over cycles, results, gaps, training records, plans and evidence packs return.
Serializers only shape what the apps' selectors give: rules decide who sees what (views_read.py)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from assessments.progress import GROUP_ORDER, Counts
from assessments.models import CellLabel, CycleStatus, Group
from evidence.models import PackScope
from gaps.models import AnalysisStatus, GapStatus


def _url(name: str, context: dict, *args) -> str:
    return reverse(name, args=args, request=context.get("request"))


# --- cycles ------------------------------------------------------------------------------------------


class CountsSerializer(serializers.Serializer):
    """Questionnaires by where they stand; the response rate is submitted in % of the invited (null for none)."""

    invited = serializers.IntegerField()
    pending = serializers.IntegerField()
    started = serializers.IntegerField()
    submitted = serializers.IntegerField()
    declined = serializers.IntegerField()
    nominated = serializers.IntegerField(help_text="Nominations awaiting a decision (not invited yet).")
    rejected = serializers.IntegerField()
    response_rate = serializers.IntegerField(allow_null=True)


class GroupProgressSerializer(CountsSerializer):
    group = serializers.ChoiceField(choices=Group.choices)
    label = serializers.CharField()


class ProgressSerializer(serializers.Serializer):
    total = CountsSerializer()
    groups = GroupProgressSerializer(many=True)
    under_threshold = serializers.ListField(child=serializers.CharField(),
                                            help_text="Anonymous groups with fewer answers than their threshold.")


def _counts(counts: Counts) -> dict:
    return {"invited": counts.invited, "pending": counts.pending, "started": counts.started,
            "submitted": counts.submitted, "declined": counts.declined, "nominated": counts.nominated,
            "rejected": counts.rejected, "response_rate": counts.response_rate}


def progress_data(cycle, progress) -> dict:
    return {"total": _counts(progress.total),
            "groups": [dict(_counts(progress.groups[group]), group=group, label=Group(group).label)
                       for group in GROUP_ORDER],
            "under_threshold": progress.under_threshold(cycle)}


class CycleSerializer(serializers.Serializer):
    """A cycle as the cycle list shows it: its leaders and the response rate of its invited raters."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    status = serializers.ChoiceField(choices=CycleStatus.choices)
    framework = serializers.CharField(source="framework_version.framework.code")
    framework_version = serializers.IntegerField(source="framework_version.number")
    opens_on = serializers.DateField()
    closes_on = serializers.DateField()
    released_at = serializers.DateTimeField(allow_null=True)
    release_number = serializers.IntegerField()
    leaders = serializers.IntegerField(source="leader_count")
    invited = serializers.IntegerField(source="invited_count")
    submitted = serializers.IntegerField(source="submitted_count")
    response_rate = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    results_url = serializers.SerializerMethodField()

    def get_response_rate(self, cycle) -> int | None:
        from assessments.progress import response_rate

        return response_rate(cycle.submitted_count, cycle.invited_count)

    def get_url(self, cycle) -> str:
        return _url("api:cycle-detail", self.context, cycle.pk)

    def get_results_url(self, cycle) -> str | None:
        """Only once the results are released."""
        return _url("api:cycle-results", self.context, cycle.pk) if cycle.status == CycleStatus.RELEASED else None


class CycleDetailSerializer(CycleSerializer):
    progress = serializers.SerializerMethodField()

    @extend_schema_field(ProgressSerializer)
    def get_progress(self, cycle) -> dict:
        return progress_data(cycle, self.context["progress"])


# --- released results ----------------------------------------------------------------------------------


class CellSerializer(serializers.Serializer):
    """One stored, shown cell; `mean` is null when nobody rated it or when it is too few to show."""

    competency = serializers.CharField()
    label = serializers.ChoiceField(choices=CellLabel.choices)
    mean = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    count = serializers.IntegerField()
    responders = serializers.IntegerField()
    suppressed = serializers.BooleanField()


class ParticipantResultsSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    employee_id = serializers.CharField(source="person.employee_id")
    name = serializers.CharField(source="person.__str__")
    org_unit = serializers.CharField(source="person.org_unit.code", allow_null=True, default=None)
    released_at = serializers.DateTimeField(allow_null=True)
    comment_count = serializers.IntegerField(help_text="Comments shown on the leader's results (withheld ones not).")
    cells = serializers.SerializerMethodField()

    @extend_schema_field(CellSerializer(many=True))
    def get_cells(self, participant) -> list[dict]:
        return CellSerializer([{"competency": code, "label": figure.label, "mean": figure.mean, "count": figure.count,
                                "responders": figure.responders, "suppressed": figure.suppressed}
                               for code, figure in self.context["cells"].get(participant.pk, [])], many=True).data


# --- gap analyses --------------------------------------------------------------------------------------


class AnalysisSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    cycle = serializers.IntegerField(source="cycle_id")
    cycle_name = serializers.CharField(source="cycle.name")
    release_number = serializers.IntegerField()
    framework = serializers.CharField(source="framework_version.framework.code")
    framework_version = serializers.IntegerField(source="framework_version.number")
    status = serializers.ChoiceField(choices=AnalysisStatus.choices)
    current = serializers.BooleanField(help_text="The analysis the pages show for its cycle.")
    leaders = serializers.IntegerField()
    readiness = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    leaders_url = serializers.SerializerMethodField()

    def get_leaders_url(self, analysis) -> str:
        return _url("api:analysis-leaders", self.context, analysis.pk)


class GapLineSerializer(serializers.Serializer):
    competency = serializers.CharField(source="code")
    name = serializers.CharField()
    area = serializers.CharField()
    required_level = serializers.IntegerField(source="required")
    weight = serializers.DecimalField(max_digits=5, decimal_places=2)
    critical = serializers.BooleanField()
    observed = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    self_level = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    gap = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    weighted_gap = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    status = serializers.ChoiceField(choices=GapStatus.choices)
    next_level = serializers.IntegerField()


class LeaderGapSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    employee_id = serializers.CharField(source="person.employee_id")
    name = serializers.CharField(source="person.__str__")
    org_unit = serializers.CharField(source="org_unit.code", allow_null=True, default=None)
    role_profile = serializers.CharField(source="role_profile.code", allow_null=True, default=None)
    profile_revision = serializers.IntegerField(allow_null=True)
    requirements = serializers.IntegerField()
    met = serializers.IntegerField()
    gaps = serializers.IntegerField()
    critical_gaps = serializers.IntegerField()
    no_evidence = serializers.IntegerField()
    readiness = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    mean_gap = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    lines = serializers.SerializerMethodField()

    @extend_schema_field(GapLineSerializer(many=True))
    def get_lines(self, leader) -> list[dict]:
        return GapLineSerializer(self.context["lines"].get(leader.participant_id, []), many=True).data


# --- training records ----------------------------------------------------------------------------------


class CodesField(serializers.ListField):
    """The codes of the competencies a record is for (prefetched)."""

    child = serializers.CharField()

    def to_representation(self, manager):
        return [competency.code for competency in manager.all()]


class EnrolmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    programme = serializers.CharField(source="session.programme.title")
    kind = serializers.CharField(source="session.programme.kind")
    starts_at = serializers.DateTimeField(source="session.starts_at")
    ends_at = serializers.DateTimeField(source="session.ends_at")
    status = serializers.CharField()
    attended = serializers.BooleanField(allow_null=True)
    completed_on = serializers.DateField(allow_null=True)
    result = serializers.CharField()


class CertificateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    issuer = serializers.CharField()
    issued_on = serializers.DateField()
    expires_on = serializers.DateField(allow_null=True)
    verified_at = serializers.DateTimeField(allow_null=True)
    competencies = CodesField()


class QualificationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    title = serializers.CharField()
    issuer = serializers.CharField()
    awarded_on = serializers.DateField()
    expires_on = serializers.DateField(allow_null=True)
    verified_at = serializers.DateTimeField(allow_null=True)
    competencies = CodesField()


class ReviewSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    enrolment = serializers.IntegerField(source="enrolment_id")
    programme = serializers.CharField(source="enrolment.session.programme.title")
    competency = serializers.CharField(source="competency.code")
    due_on = serializers.DateField()
    planned_method = serializers.CharField()
    reviewed_on = serializers.DateField(allow_null=True)
    method_used = serializers.CharField()
    level_before = serializers.DecimalField(max_digits=4, decimal_places=2, allow_null=True)
    level_after = serializers.DecimalField(max_digits=4, decimal_places=2, allow_null=True)
    effective = serializers.BooleanField(allow_null=True)


class TrainingRecordSerializer(serializers.Serializer):
    employee_id = serializers.CharField()
    enrolments = EnrolmentSerializer(many=True)
    certificates = CertificateSerializer(many=True)
    qualifications = QualificationSerializer(many=True)
    effectiveness_reviews = ReviewSerializer(many=True)


# --- development plans ---------------------------------------------------------------------------------


class PlanSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    employee_id = serializers.CharField(source="person.employee_id")
    name = serializers.CharField(source="person.__str__")
    org_unit = serializers.CharField(source="person.org_unit.code", allow_null=True, default=None)
    status = serializers.CharField()
    version = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    approved_at = serializers.DateTimeField(allow_null=True)
    completed_at = serializers.DateTimeField(allow_null=True)
    objectives = serializers.IntegerField(source="objective_count")
    objectives_met = serializers.IntegerField(source="met_count")
    budget = serializers.DecimalField(source="budget_total", max_digits=12, decimal_places=2)
    overdue_actions = serializers.IntegerField(source="overdue_count")
    url = serializers.SerializerMethodField()

    def get_url(self, plan) -> str:
        return _url("api:plan-detail", self.context, plan.pk)


class ActionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    title = serializers.CharField()
    owner = serializers.EmailField(source="owner.email", allow_null=True, default=None)
    programme = serializers.CharField(source="programme.title", allow_null=True, default=None)
    hours = serializers.DecimalField(max_digits=6, decimal_places=1)
    budget = serializers.DecimalField(max_digits=10, decimal_places=2)
    due_date = serializers.DateField(allow_null=True)
    status = serializers.CharField()
    done_on = serializers.DateField(allow_null=True)


class ObjectiveSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    competency = serializers.CharField(source="competency.code")
    current_level = serializers.DecimalField(max_digits=4, decimal_places=2, allow_null=True)
    target_level = serializers.IntegerField()
    critical = serializers.BooleanField()
    due_date = serializers.DateField(allow_null=True)
    success_measure = serializers.CharField()
    check_method = serializers.CharField()
    check_due = serializers.DateField(allow_null=True)
    met_at = serializers.DateTimeField(allow_null=True)
    actions = ActionSerializer(source="actions.all", many=True)


class PlanDetailSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="plan.id")
    employee_id = serializers.CharField(source="plan.person.employee_id")
    name = serializers.CharField(source="plan.person.__str__")
    status = serializers.CharField(source="plan.status")
    version = serializers.IntegerField(source="plan.version")
    approved_at = serializers.DateTimeField(source="plan.approved_at", allow_null=True)
    approved_by = serializers.EmailField(source="plan.approved_by.email", allow_null=True, default=None)
    completed_at = serializers.DateTimeField(source="plan.completed_at", allow_null=True)
    hours = serializers.DecimalField(max_digits=12, decimal_places=1)
    budget = serializers.DecimalField(max_digits=12, decimal_places=2)
    objectives = ObjectiveSerializer(many=True)


# --- evidence packs ------------------------------------------------------------------------------------


class PackRequestSerializer(serializers.Serializer):
    """Whom the pack is about: a leader by employee id, a role profile or an org unit by code, or the
    whole organisation; as at a day (empty: today)."""

    scope = serializers.ChoiceField(choices=PackScope.choices)
    person = serializers.CharField(max_length=40, required=False, allow_blank=True, default="",
                                   help_text="The leader's employee id, for scope `leader`.")
    role_profile = serializers.CharField(max_length=60, required=False, allow_blank=True, default="",
                                         help_text="The role profile's code, for scope `role`.")
    org_unit = serializers.CharField(max_length=40, required=False, allow_blank=True, default="",
                                     help_text="The org unit's code, for scope `unit` (with the units below it).")
    as_at = serializers.DateField(required=False, allow_null=True, default=None)


class PackSerializer(serializers.Serializer):
    """A pack and where its render stands: `status` is queued, rendering, done or failed; once done,
    `download_url` gives the PDF."""

    id = serializers.IntegerField()
    scope = serializers.ChoiceField(choices=PackScope.choices)
    scope_label = serializers.CharField()
    as_at = serializers.DateField()
    status = serializers.CharField(allow_null=True)
    error = serializers.CharField()
    progress_done = serializers.IntegerField()
    progress_total = serializers.IntegerField()
    sha256 = serializers.CharField(allow_null=True, help_text="The PDF's SHA-256, once done.")
    status_url = serializers.URLField()
    download_url = serializers.URLField(allow_null=True)


def pack_data(pack, document, context: dict) -> dict:
    done = document is not None and document.status == "done"
    return {"id": pack.pk, "scope": pack.scope, "scope_label": pack.scope_label, "as_at": pack.as_at,
            "status": document.status if document is not None else None,
            "error": document.error if document is not None else "",
            "progress_done": pack.progress_done, "progress_total": pack.progress_total,
            "sha256": document.sha256 if done else None,
            "status_url": _url("api:pack-detail", context, pack.pk),
            "download_url": _url("api:pack-download", context, pack.pk) if done else None}
