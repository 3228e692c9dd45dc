"""A small organisation with a past, for the evidence tests (E1 dossier/as-at, E2 packs, E3 landing).

`build_evidence_org(hr=None)` returns an `EvidenceOrg`. Its records were made by the services and
then *dated*: every history row, signature, approval time and analysis made in a stage is moved back
to that stage's day (`dated(day)`), so "as at" a past day reads what the audit history says then.
T = today; days before today:

    T-400  framework "Evidence" v1 published (effective T-400; competencies A0-00 … A0-03, all 7.2)
           role "Plant leader" (org.role) revision 1: A0-00 ≥ 3, A0-01 ≥ 3 critical, A0-02 ≥ 4
           role "Certified operator" (org.cert_role) revision 1: A0-00 ≥ 3
           unit "Plant evidence": Mona (manager), Lena (leader, Plant leader, managed by Mona),
           Gus (leader, Plant leader, managed by Mona), Cora (Certified operator, managed by Mona);
           Sam (no role profile) in another unit; programme "Planning workshop" → A0-02 level 4,
           effectiveness review 60 days after completion (observation)
           Lena, Gus and Cora acknowledge their role profile's revision 1 (awareness, ISO 9001 7.3)
    T-350  certificates "Safety licence" (A0-00) for Lena and for Cora: issued T-350, expire T-30
           (each with a PDF file in private storage, verified by HR)
    T-300  cycle "Cycle evidence" released (release 1) with its current gap analysis:
             Lena  A0-00 3.5 met · A0-01 2 critical gap · A0-02 2 gap
             Gus   A0-00 3 met   · A0-01 3 met          · A0-02 2 gap
             Cora  A0-00 3.5 met
           (stored shown cells, manager label only; no answers)
    T-290  Lena's development plan drafted from her gaps (objectives A0-01 and A0-02), submitted and
           approved by Mona (signature). Gus has no plan.
    T-210  session of the workshop (started T-201); Lena and Gus enrolled
    T-200  both completed (reviews due T-140); Lena's A0-02 training action is done through it
    T-150  Lena's effectiveness review recorded by Mona: 2 → 4, observation, effective
    T-50   role "Plant leader" revised: A0-00 ≥ 4 now (revision 2, approved again); Lena and Gus
           acknowledge revision 2

So `org.earlier` (T-100) vs today:
- Cora: qualified at T-100 (met, certificate valid, no flag); today flagged `expired_certificate`
  and her A0-00 requirement is not met (acceptance test 2).
- Lena: profile revision 1 at T-100, revision 2 today; gaps with actions; review recorded; today
  `expired_certificate`.
- Gus: `gap_without_action` (A0-02, no plan) and `action_without_review` (his review is overdue).
- Sam: `no_competence_defined`.
- Mona: no role profile either (`no_competence_defined`), no participation.

`org.auditor` is an auditor inside their access window, `org.hr`, `org.quality` the managing roles.
Outside a transactional test nothing queued after a commit runs (no analysis or PDF task starts).
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.utils import timezone

from accounts.models import Role
from assessments.models import CellLabel, Cycle, CycleStatus, Participant
from tests.factories import TEST_PASSWORD, OrgUnitFactory, PersonFactory, UserFactory

M = CellLabel.MANAGER
#: A tiny PDF (the evidence upload accepts it by its content).
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"


@dataclass
class EvidenceOrg:
    hr: Any
    quality: Any
    auditor: Any
    version: Any
    competencies: list
    role: Any
    cert_role: Any
    unit: Any
    manager: Any
    leader: Any  # Lena
    gus: Any
    cora: Any
    stranger: Any  # Sam, no role profile
    programme: Any
    session: Any
    cycle: Any
    analysis: Any
    plan: Any
    certificate: Any  # Lena's
    cora_certificate: Any
    enrolment: Any  # Lena's
    gus_enrolment: Any
    review: Any  # Lena's recorded review
    today: date
    earlier: date  # T-100

    def days_ago(self, days: int) -> date:
        return self.today - timedelta(days=days)


def _history_models() -> list[type[models.Model]]:
    from django.apps import apps

    return [model for model in apps.get_models() if getattr(model._meta, "simple_history_manager_attribute", None)]


def _shift(queryset, since: datetime, delta: timedelta, today: date, day: date, *, skip=("history_date",)) -> None:
    """Moves the datetimes set since `since` back by `delta` and the dates set to today to `day`."""
    for f in queryset.model._meta.concrete_fields:
        if f.name in skip:
            continue
        if isinstance(f, models.DateTimeField):
            queryset.filter(**{f"{f.attname}__gte": since}).update(**{f.attname: models.F(f.attname) - delta})
        elif isinstance(f, models.DateField):
            queryset.filter(**{f.attname: today}).update(**{f.attname: day})


@contextmanager
def dated(day: date):
    """Everything recorded inside the block is moved back to `day` (10:00 local time, keeping its order):
    history rows, the records' own datetimes set meanwhile (approved_at, signed_at, created_at …) and the
    dates set to today (effective dates, review dates)."""
    from awareness.models import Acknowledgement
    from gaps.models import Analysis
    from signatures.models import Signature

    since = timezone.now()
    yield
    today = timezone.localdate()
    target = timezone.make_aware(datetime.combine(day, time(10)))
    delta = since - target
    for model in _history_models():
        history = model.history.model.objects.filter(history_date__gte=since)
        pks = list(history.values_list(model._meta.pk.attname, flat=True).distinct())
        if not pks:
            continue
        _shift(history, since, delta, today, day)
        history.update(history_date=models.F("history_date") - delta)
        _shift(model.objects.filter(pk__in=pks), since, delta, today, day)
    for model in (Signature, Analysis, Acknowledgement):
        _shift(model.objects.all(), since, delta, today, day)


def _certificate(person, competency, *, hr, today):
    from training.services import evidence

    made = evidence.certificate_add(
        person=person, title="Safety licence", issuer="Safety Board", issued_on=today - timedelta(days=350),
        expires_on=today - timedelta(days=30), upload=SimpleUploadedFile("licence.pdf", PDF),
        competencies=[competency], actor=hr)
    return evidence.certificate_verify(made, actor=hr)


def build_evidence_org(hr=None, *, code: str = "evidence") -> EvidenceOrg:
    from assessments.services import cycles
    from awareness.services import acknowledge_profile
    from devplans.models import Action, ActionKind
    from devplans.services.drafting import plan_draft
    from devplans.services.flow import plan_approve, plan_submit
    from devplans.services.progress import complete_from_training
    from tests.gaps.builders import analyse, set_requirements, stored_leader
    from tests.helpers import approved_profile, published_framework
    from training.models import EffectivenessReview, Programme, ProgrammeKind, ProgrammeTarget, ReviewMethod, Session
    from training.services.enrolments import enrol, record_completion
    from training.services.reviews import record_review

    today = timezone.localdate()
    ago = lambda days: today - timedelta(days=days)  # noqa: E731

    with dated(ago(400)):
        hr = hr or UserFactory(role=Role.HR, first_name="Hannah", last_name="Reid")
        quality = UserFactory(role=Role.QUALITY, first_name="Quinn", last_name="Quality")
        version = published_framework(hr, code=code, areas=1, per_area=4)
        comps = list(version.competencies.order_by("position", "pk"))
        role = approved_profile(version, hr, code=f"{code}-plant-leader",
                                levels={comps[0].code: 3, comps[1].code: 3, comps[2].code: 4}, critical=(comps[1].code,))
        cert_role = approved_profile(version, hr, code=f"{code}-certified-operator", levels={comps[0].code: 3})
        unit = OrgUnitFactory(name=f"Plant {code}")
        manager = PersonFactory(org_unit=unit, user__first_name="Mona", user__last_name="Manager")
        leader = PersonFactory(org_unit=unit, manager=manager, role_profile=role, user__first_name="Lena",
                               user__last_name="Leader", start_date_in_role=ago(400))
        gus = PersonFactory(org_unit=unit, manager=manager, role_profile=role, user__first_name="Gus",
                            user__last_name="Gap", start_date_in_role=ago(400))
        cora = PersonFactory(org_unit=unit, manager=manager, role_profile=cert_role, user__first_name="Cora",
                             user__last_name="Certified", start_date_in_role=ago(400))
        stranger = PersonFactory(user__first_name="Sam", user__last_name="Stranger")
        programme = Programme.objects.create(title="Planning workshop", kind=ProgrammeKind.WORKSHOP,
                                             duration_hours=Decimal(7), cost=Decimal("450.00"), created_by=hr,
                                             review_after_days=60, review_method=ReviewMethod.OBSERVATION)
        ProgrammeTarget.objects.create(programme=programme, competency=comps[2], level=4)
        for holder in (leader, gus, cora):
            acknowledge_profile(person=holder, password=TEST_PASSWORD)

    with dated(ago(350)):
        certificate = _certificate(leader, comps[0], hr=hr, today=today)
        cora_certificate = _certificate(cora, comps[0], hr=hr, today=today)

    with dated(ago(300)):
        cycle = cycles.create_cycle(actor=hr, name=f"Cycle {code}", framework_version=version,
                                    opens_on=ago(330), closes_on=ago(305))
        Cycle.objects.filter(pk=cycle.pk).update(status=CycleStatus.RELEASED, release_number=1,
                                                 released_at=timezone.now())
        cycle.refresh_from_db()
        cycle._history_user = hr
        cycle.save()  # the history row of the release
        plant = {comps[0]: (3, 1, False), comps[1]: (3, 1, True), comps[2]: (4, 1, False)}
        stored_leader(cycle, person=leader, role_profile=role, requirements=plant,
                      cells={comps[0]: {M: 3.5}, comps[1]: {M: 2}, comps[2]: {M: 2}})
        stored_leader(cycle, person=gus, role_profile=role, requirements=plant,
                      cells={comps[0]: {M: 3}, comps[1]: {M: 3}, comps[2]: {M: 2}})
        stored_leader(cycle, person=cora, role_profile=cert_role, requirements={comps[0]: (3, 1, False)},
                      cells={comps[0]: {M: 3.5}})
        Participant.objects.filter(cycle=cycle).update(released_at=timezone.now())
        analysis = analyse(cycle)

    with dated(ago(290)):
        plan = plan_draft(person=leader, actor=leader.user)[0]
        plan = plan_submit(plan, actor=leader.user)
        plan = plan_approve(plan, actor=manager.user, password=TEST_PASSWORD)[0]

    with dated(ago(210)):
        starts = timezone.now() + timedelta(hours=1)
        session = Session.objects.create(programme=programme, starts_at=starts, ends_at=starts + timedelta(hours=7),
                                         capacity=5, created_by=hr)
        enrolment = enrol(session, leader, actor=hr)
        gus_enrolment = enrol(session, gus, actor=hr)
        action = Action.objects.filter(objective__plan=plan, objective__competency=comps[2],
                                       kind=ActionKind.TRAINING).first()
        if action is None:
            action = Action.objects.filter(objective__plan=plan, objective__competency=comps[2]).first()
        action.enrolment = enrolment
        action._history_user = hr
        action.save()
    # The session took place at T-201, as every row of its history says.
    held = timezone.make_aware(datetime.combine(ago(201), time(9)))
    for rows in (Session.objects.filter(pk=session.pk), Session.history.filter(id=session.pk)):
        rows.update(starts_at=held, ends_at=held + timedelta(hours=7))

    with dated(ago(200)):
        enrolment = record_completion(enrolment, attended=True, completed_on=ago(200), result="passed", actor=hr)
        gus_enrolment = record_completion(gus_enrolment, attended=True, completed_on=ago(200), result="passed",
                                          actor=hr)
        complete_from_training(enrolment.pk)

    with dated(ago(150)):
        review = EffectivenessReview.objects.get(enrolment=enrolment)
        review = record_review(review, 2, 4, ReviewMethod.OBSERVATION, "Planned the shutdown unaided.", True,
                               actor=manager.user)

    with dated(ago(50)):
        set_requirements(role, hr, {comps[0]: (4, 1, False), comps[1]: (3, 1, True), comps[2]: (4, 1, False)})
        for holder in (leader, gus):
            acknowledge_profile(person=holder, password=TEST_PASSWORD)

    # Outside every dated stage: the access window runs from yesterday to a fortnight ahead.
    auditor = UserFactory(auditor=True, first_name="Ada", last_name="Auditor")
    for obj in (role, cert_role, plan, certificate, cora_certificate, enrolment, gus_enrolment, review, cycle,
                analysis, session, version):
        obj.refresh_from_db()
    return EvidenceOrg(
        hr=hr, quality=quality, auditor=auditor, version=version, competencies=comps, role=role, cert_role=cert_role,
        unit=unit, manager=manager, leader=leader, gus=gus, cora=cora, stranger=stranger, programme=programme,
        session=session, cycle=cycle, analysis=analysis, plan=plan, certificate=certificate,
        cora_certificate=cora_certificate, enrolment=enrolment, gus_enrolment=gus_enrolment, review=review,
        today=today, earlier=ago(100))
