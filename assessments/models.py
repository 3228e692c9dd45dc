"""360° assessment cycles: who is rated, who rates them, their answers, and what may be shown.

Raw answers (`Answer`) are read by exactly one function, `assessments.release.release_cycle`, which
stores per leader and competency the cells that may be shown (`ResultCell`) and the comments that
may be shown (`ResultComment`). Every page, export, PDF, roll-up and API reads only those.
"""

from __future__ import annotations

import hashlib
import secrets
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords


class CycleStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    OPENING = "opening", "Opening"
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"
    #: The release task is storing the results (`assessments.release.start_release`); nothing is shown yet.
    RELEASING = "releasing", "Releasing"
    RELEASED = "released", "Released"


class ResultsAudience(models.TextChoices):
    DIRECT = "direct", "Managers see their direct reports' results"
    LINE = "line", "Managers see their whole reporting line's results"


class Group(models.TextChoices):
    """Who a rater is to the person rated. Self and manager are shown with their labels; the other
    three are anonymous and shown only in groups of at least their threshold."""

    SELF = "self", "Self"
    MANAGER = "manager", "Manager"
    PEER = "peer", "Peers"
    DIRECT = "direct", "Direct reports"
    EXTERNAL = "external", "External"


ANONYMOUS_GROUPS = (Group.PEER, Group.DIRECT, Group.EXTERNAL)
NOMINATED_GROUPS = (Group.PEER, Group.EXTERNAL)


class CellLabel(models.TextChoices):
    """The label a shown figure carries: a group, the pool of thin groups, or all others combined."""

    SELF = "self", "Self"
    MANAGER = "manager", "Manager"
    PEER = "peer", "Peers"
    DIRECT = "direct", "Direct reports"
    EXTERNAL = "external", "External"
    OTHER = "other", "Other colleagues"
    OTHERS = "others", "All others"


def _default_reminders_after() -> list[int]:
    return [5, 10]


def _default_reminders_before() -> list[int]:
    return [2, 0]


class Cycle(models.Model):
    name = models.CharField(max_length=200, unique=True)
    framework_version = models.ForeignKey(
        "competency.FrameworkVersion", on_delete=models.PROTECT, related_name="cycles",
        help_text="The published framework version the leaders are rated against.",
    )
    status = models.CharField(max_length=10, choices=CycleStatus.choices, default=CycleStatus.DRAFT)
    opens_on = models.DateField()
    closes_on = models.DateField()

    threshold_peer = models.PositiveSmallIntegerField(
        "peer threshold", default=3, validators=[MinValueValidator(3), MaxValueValidator(20)],
        help_text="Fewest peer answers shown as a group of their own.")
    threshold_direct = models.PositiveSmallIntegerField(
        "direct-report threshold", default=3, validators=[MinValueValidator(3), MaxValueValidator(20)])
    threshold_external = models.PositiveSmallIntegerField(
        "external threshold", default=3, validators=[MinValueValidator(3), MaxValueValidator(20)])
    min_peers = models.PositiveSmallIntegerField("fewest peers", default=4, validators=[MaxValueValidator(30)])
    max_peers = models.PositiveSmallIntegerField("most peers", default=8, validators=[MinValueValidator(1), MaxValueValidator(30)])
    min_external = models.PositiveSmallIntegerField("fewest external raters", default=0, validators=[MaxValueValidator(30)])
    max_external = models.PositiveSmallIntegerField("most external raters", default=4, validators=[MaxValueValidator(30)])
    reminders_after_open = models.JSONField(
        default=_default_reminders_after, blank=True, help_text="Days after opening on which reminders go out.")
    reminders_before_close = models.JSONField(
        default=_default_reminders_before, blank=True, help_text="Days before the close (0 is the close day).")
    weight_manager = models.DecimalField(
        max_digits=4, decimal_places=2, default=Decimal(1), validators=[MinValueValidator(0)],
        help_text="The manager's weight beside the anonymous groups in the observed level of a gap analysis.")
    weight_peer = models.DecimalField(max_digits=4, decimal_places=2, default=Decimal(1), validators=[MinValueValidator(0)])
    weight_direct = models.DecimalField(max_digits=4, decimal_places=2, default=Decimal(1), validators=[MinValueValidator(0)])
    weight_external = models.DecimalField(max_digits=4, decimal_places=2, default=Decimal(1), validators=[MinValueValidator(0)])
    blind_spot_gap = models.DecimalField(
        max_digits=4, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(Decimal("0.1"))],
        help_text="How far self and others must differ to show a blind spot or hidden strength. "
                  "Empty: a quarter of the scale's range (1.0 on a 1–5 scale).")
    results_audience = models.CharField(max_length=10, choices=ResultsAudience.choices, default=ResultsAudience.DIRECT)

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    release_number = models.PositiveSmallIntegerField(default=0, help_text="How many times results were released.")
    #: Progress of the opening or release task: {"done": n, "total": n, "error": "..."}.
    progress = models.JSONField(default=dict, blank=True, editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-opens_on", "name"]
        constraints = [
            models.CheckConstraint(condition=models.Q(closes_on__gt=models.F("opens_on")), name="cycle_closes_after_opening"),
            models.CheckConstraint(condition=models.Q(max_peers__gte=models.F("min_peers")), name="cycle_peer_range"),
            models.CheckConstraint(condition=models.Q(max_external__gte=models.F("min_external")), name="cycle_external_range"),
        ]

    def __str__(self) -> str:
        return self.name

    def threshold(self, group: str) -> int:
        return {Group.PEER: self.threshold_peer, Group.DIRECT: self.threshold_direct,
                Group.EXTERNAL: self.threshold_external}.get(group, 1)

    def weight(self, group: str) -> Decimal:
        return {Group.MANAGER: self.weight_manager, Group.PEER: self.weight_peer, Group.DIRECT: self.weight_direct,
                Group.EXTERNAL: self.weight_external}[group]

    def nomination_range(self, group: str) -> tuple[int, int]:
        if group == Group.PEER:
            return self.min_peers, self.max_peers
        return self.min_external, self.max_external

    @property
    def accepts_answers(self) -> bool:
        return self.status == CycleStatus.OPEN and timezone.localdate() <= self.closes_on

    def clean(self) -> None:
        if self.opens_on and self.closes_on and self.closes_on <= self.opens_on:
            raise ValidationError({"closes_on": "The close date must come after the opening date."})
        for field in ("reminders_after_open", "reminders_before_close"):
            days = getattr(self, field)
            if not isinstance(days, list) or not all(isinstance(d, int) and 0 <= d <= 365 for d in days):
                raise ValidationError({field: "Give whole numbers of days from 0 to 365."})


class Participant(models.Model):
    """A leader rated in a cycle, with what their role required at opening (frozen for this cycle)."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="participants")
    person = models.ForeignKey("profiles.Person", on_delete=models.PROTECT, related_name="cycle_participations")
    role_profile = models.ForeignKey(
        "profiles.RoleProfile", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    profile_revision = models.PositiveIntegerField(null=True, blank=True)
    #: The approved requirements at opening, as `RoleProfile.approved_requirements` held them.
    requirements = models.JSONField(default=list, blank=True, editable=False)
    manager = models.ForeignKey(
        "profiles.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="The manager at opening: they rate the leader and approve the nominations.")
    nominations_submitted_at = models.DateTimeField(null=True, blank=True)
    nominations_approved_at = models.DateTimeField(null=True, blank=True)
    nominations_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    #: Release bookkeeping: submitted answers per anonymous group at the last release.
    released_counts = models.JSONField(default=dict, blank=True, editable=False)
    released_at = models.DateTimeField(null=True, blank=True)

    #: `requirements` is left out of the history: it is the profile's approved snapshot at opening,
    #: which `role_profile` and `profile_revision` identify (the profile's own history holds it), and
    #: a 9 KB copy per leader and history row would make opening a large cycle slow.
    history = HistoricalRecords(excluded_fields=["requirements"])

    class Meta:
        ordering = ["person__sort_last_name", "person__sort_first_name", "person_id"]
        constraints = [models.UniqueConstraint(fields=["cycle", "person"], name="one_participation_per_cycle")]

    def __str__(self) -> str:
        return f"{self.person} in {self.cycle}"


class QuestionnaireStatus(models.TextChoices):
    NOMINATED = "nominated", "Nominated, awaiting approval"
    REJECTED = "rejected", "Nomination rejected"
    PENDING = "pending", "Not started"
    STARTED = "started", "Started"
    SUBMITTED = "submitted", "Submitted"
    DECLINED = "declined", "Declined"


#: Questionnaires a rater still has to answer.
OPEN_STATUSES = (QuestionnaireStatus.PENDING, QuestionnaireStatus.STARTED)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Questionnaire(models.Model):
    """One rater's questionnaire about one leader in one cycle."""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="questionnaires")
    group = models.CharField(max_length=10, choices=Group.choices)
    rater = models.ForeignKey(
        "profiles.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="questionnaires")
    external_name = models.CharField(max_length=200, blank=True)
    external_email = models.EmailField(blank=True)
    status = models.CharField(max_length=10, choices=QuestionnaireStatus.choices, default=QuestionnaireStatus.PENDING)
    nominated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="Who approved or rejected the nomination.")
    decline_reason = models.TextField(blank=True)
    #: sha256 of the personal link's token for raters without an account; the token itself is never stored.
    token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    invited_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["participant_id", "group", "id"]
        indexes = [
            models.Index(fields=["rater", "status"], name="questionnaire_rater_status"),
            models.Index(fields=["participant", "group", "status"], name="questionnaire_subject_group"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "rater"], condition=models.Q(rater__isnull=False),
                name="one_questionnaire_per_rater_and_subject"),
            models.UniqueConstraint(
                fields=["participant", "external_email"], condition=~models.Q(external_email=""),
                name="one_questionnaire_per_external_email"),
            models.CheckConstraint(
                condition=models.Q(rater__isnull=False) | ~models.Q(external_email=""), name="questionnaire_has_rater"),
        ]

    def __str__(self) -> str:
        return f"{self.get_group_display()} questionnaire about {self.participant.person}"

    @property
    def rater_name(self) -> str:
        return str(self.rater) if self.rater_id else (self.external_name or self.external_email)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def new_token(self) -> str:
        """Give the questionnaire a fresh personal link token; only its hash is kept."""
        token = secrets.token_urlsafe(32)
        self.token_hash = hash_token(token)
        return token


class Answer(models.Model):
    """A raw answer. Read only by `assessments.release` (and the rater's own questionnaire page).
    No history: a history table would be a second copy of raw answers."""

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="answers")
    competency = models.ForeignKey("competency.Competency", on_delete=models.PROTECT, related_name="+")
    #: The level's value on the framework's scale, or None for "not observed".
    level = models.PositiveSmallIntegerField(null=True, blank=True)
    comment = models.TextField(blank=True, max_length=4000)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["questionnaire", "competency"], name="one_answer_per_competency")]


class ResultCell(models.Model):
    """A figure that may be shown: one label's mean for one leader and competency, from `count` ratings
    out of `responders` submitted questionnaires. Suppressed pools are stored with no mean, so pages can
    say "n responses — too few to show"."""

    # No database constraints on these two keys (Django still cascades and protects): a release writes
    # millions of cells, and PostgreSQL would check each key of each cell at the commit, nearly half
    # the release's time. Only `release_cycle` writes cells, from the participants and the frozen
    # requirements' competencies it has just read inside the same transaction; a participant's cells
    # go with it through the ORM's cascade (deleting a participant or a cycle), and a competency with
    # cells is protected by the ORM as before. The participant needs no index of its own: the unique
    # constraint's index starts with it.
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="cells", db_constraint=False,
                                    db_index=False)
    competency = models.ForeignKey("competency.Competency", on_delete=models.PROTECT, related_name="+",
                                   db_constraint=False)
    label = models.CharField(max_length=10, choices=CellLabel.choices)
    mean = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    count = models.PositiveIntegerField(help_text="How many rated it (not observed left out).")
    responders = models.PositiveIntegerField(help_text="How many submitted questionnaires stand behind the label.")
    suppressed = models.BooleanField(default=False)
    #: The weight this figure carries in the observed level of a gap analysis: the cycle's weight of
    #: the manager or of the anonymous group, the mean of the weights of the groups in it for a pool; 0 for self,
    #: for "all others" (made of the shown anonymous cells, already counted) and for a suppressed pool.
    weight = models.DecimalField(max_digits=8, decimal_places=4, default=Decimal(0))
    release_number = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["participant_id", "competency_id", "label"]
        constraints = [models.UniqueConstraint(fields=["participant", "competency", "label"], name="one_cell_per_label")]


class ResultComment(models.Model):
    """A comment that may be shown, verbatim, labelled only by a shown cell's label, in shuffled order."""

    # No database constraints, as for `ResultCell` (written only by the release, cascaded by the ORM).
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="comments",
                                    db_constraint=False)
    competency = models.ForeignKey("competency.Competency", on_delete=models.PROTECT, related_name="+",
                                   db_constraint=False)
    label = models.CharField(max_length=10, choices=CellLabel.choices)
    text = models.TextField()
    position = models.PositiveIntegerField()
    withheld = models.BooleanField(default=False)
    withheld_reason = models.TextField(blank=True)
    withheld_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    withheld_at = models.DateTimeField(null=True, blank=True)

    # The history's user carries no database constraint either: a release writes a history row per
    # comment (hundreds of thousands at 10,000 leaders), each a key check at the commit otherwise.
    history = HistoricalRecords(excluded_fields=["text"], user_db_constraint=False)

    class Meta:
        ordering = ["participant_id", "competency_id", "position"]


class Release(models.Model):
    """One release of a cycle's results: who, when, and how many answers it added."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="releases")
    number = models.PositiveSmallIntegerField()
    released_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    released_at = models.DateTimeField(default=timezone.now)
    leaders = models.PositiveIntegerField(default=0)
    answers_added = models.PositiveIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["cycle_id", "number"]
        constraints = [models.UniqueConstraint(fields=["cycle", "number"], name="one_release_per_number")]


class EmailKind(models.TextChoices):
    INVITATION = "invitation", "Invitation"
    NOMINATION = "nomination", "Nomination request"
    NOMINATE = "nominate", "Please nominate raters"
    REMINDER = "reminder", "Reminder"
    RESULTS = "results", "Results released"


class CycleEmail(models.Model):
    """An email recorded before it is sent; `key` makes each one unique (e.g. "reminder:5-after"), so a
    task that runs twice or is redelivered sends nothing twice."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="emails")
    questionnaire = models.ForeignKey(
        Questionnaire, null=True, blank=True, on_delete=models.CASCADE, related_name="emails")
    participant = models.ForeignKey(
        Participant, null=True, blank=True, on_delete=models.CASCADE, related_name="emails")
    kind = models.CharField(max_length=12, choices=EmailKind.choices)
    key = models.CharField(max_length=80)
    to = models.EmailField()
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cycle", "to", "key"], name="one_email_per_key")]
        indexes = [models.Index(fields=["cycle", "sent_at"], name="cycle_email_unsent")]
