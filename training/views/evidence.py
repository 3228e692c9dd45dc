"""Training pages: a person's competence record (the evidence per requirement of their role) and the
pages that add to it — certificates (uploaded, verified, downloaded through the permission layer),
qualifications, experience and named assessors' sign-offs."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.permissions import can, get_for_user, require
from core.responses import done, form_page, refuse
from profiles.models import Person

from ..forms_evidence import CertificateForm, ExperienceForm, QualificationForm, SignOffForm
from ..models import Certificate, EffectivenessReview, Enrolment, EnrolmentStatus, Experience, Qualification, SignOff
from ..services import evidence as services

# --- the record ------------------------------------------------------------------------------------------


@dataclass
class RequirementEvidence:
    code: str
    name: str
    required_level: int
    critical: bool
    certificates: list = field(default_factory=list)
    qualifications: list = field(default_factory=list)
    experience: list = field(default_factory=list)
    sign_offs: list = field(default_factory=list)
    effective_reviews: list = field(default_factory=list)  # reviews that found a training effective
    trainings: list = field(default_factory=list)

    @property
    def has_evidence(self) -> bool:
        return bool(self.certificates or self.qualifications or self.experience or self.sign_offs
                    or self.effective_reviews)


@dataclass
class CompetenceRecord:
    person: Person
    requirements: list[RequirementEvidence]
    certificates: list
    qualifications: list
    experience: list
    sign_offs: list
    effective_reviews: list
    trainings: list  # completed enrolments, each with `.evidenced` (other evidence for what it aimed at)
    today: object


def _codes(obj) -> set[str]:
    return {competency.code for competency in obj.competencies.all()}


def competence_record(person: Person) -> CompetenceRecord:
    """Everything on `person`'s record, and per requirement of their current role profile (as approved)
    which evidence supports it: verified certificates (expired ones flagged), qualifications, experience,
    sign-offs at or above the required level, and effectiveness reviews that found a training effective
    for it (attendance alone is never evidence). A fixed number of queries, whatever the record holds.
    Competencies match by code, so evidence for a competency of an earlier framework version still counts."""
    today = timezone.localdate()
    competencies = Prefetch("competencies", queryset=_competency_qs())
    certificates = list(Certificate.objects.filter(person=person).select_related("file", "verified_by")
                        .prefetch_related(competencies))
    qualifications = list(Qualification.objects.filter(person=person).select_related("file", "verified_by")
                          .prefetch_related(competencies))
    experience = list(Experience.objects.filter(person=person).prefetch_related(competencies))
    sign_offs = list(SignOff.objects.filter(person=person).select_related("competency", "assessor"))
    effective_reviews = list(EffectivenessReview.objects
                             .filter(enrolment__person=person, reviewed_on__isnull=False, effective=True)
                             .select_related("enrolment__session__programme", "competency", "reviewed_by")
                             .order_by("-reviewed_on", "-pk"))
    trainings = list(Enrolment.objects.filter(person=person, status=EnrolmentStatus.COMPLETED)
                     .select_related("session__programme")
                     .prefetch_related("session__programme__targets__competency")
                     .order_by("-completed_on", "-pk"))
    profile = person.role_profile
    rows = profile.approved_requirements if profile is not None and profile.revision > 0 else []
    requirements = []
    for row in sorted(rows, key=lambda r: (r["area_position"], r["area_id"], r["position"], r["competency_id"])):
        code = row["code"]
        line = RequirementEvidence(code=code, name=row["name"], required_level=row["required_level"],
                                   critical=row["critical"])
        line.certificates = [c for c in certificates if c.verified_at is not None and code in _codes(c)]
        line.qualifications = [q for q in qualifications if code in _codes(q)]
        line.experience = [e for e in experience if code in _codes(e)]
        line.sign_offs = [s for s in sign_offs if s.competency.code == code and s.level >= row["required_level"]]
        line.effective_reviews = [r for r in effective_reviews if r.competency.code == code]
        line.trainings = [t for t in trainings
                          if code in {target.competency.code for target in t.session.programme.targets.all()}]
        requirements.append(line)
    by_code = {line.code: line for line in requirements}
    for training in trainings:
        aimed = {target.competency.code for target in training.session.programme.targets.all()}
        certified = any(c.enrolment_id == training.pk and c.verified_at is not None for c in certificates)
        training.evidenced = certified or any(by_code[code].has_evidence for code in aimed if code in by_code)
    for certificate in certificates:
        certificate.is_expired = certificate.expired(today)
    for qualification in qualifications:
        qualification.is_expired = qualification.expires_on is not None and qualification.expires_on < today
    return CompetenceRecord(person=person, requirements=requirements, certificates=certificates,
                            qualifications=qualifications, experience=experience, sign_offs=sign_offs,
                            effective_reviews=effective_reviews, trainings=trainings, today=today)


def _competency_qs():
    from competency.models import Competency

    return Competency.objects.only("pk", "code", "name")


def _person(request: HttpRequest, pk: int, action: str | None = None) -> Person:
    """The person, 404 outside the audience of their record, 403 inside it without `action`'s right."""
    person = get_for_user(request.user, Person.objects.select_related("user", "role_profile", "manager__user"),
                          "record.view", pk=pk)
    if action is not None:
        require(request.user, action, person)
    return person


def _record_page(person: Person) -> str:
    return reverse("training:record", kwargs={"pk": person.pk})


@require_safe
def record(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request, pk)
    return render(request, "training/evidence/record.html", {
        "record": competence_record(person), "person": person,
        "can_add": can(request.user, "evidence.add", person), "can_sign_off": can(request.user, "signoff.add", person),
        "can_verify": can(request.user, "certificate.verify"),
    })


# --- certificates ----------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def certificate_add(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request, pk, "evidence.add")
    form = CertificateForm(request.POST or None, request.FILES or None, person=person)

    def save() -> HttpResponse:
        data = form.cleaned_data
        certificate = services.certificate_add(
            person=person, title=data["title"], issuer=data["issuer"], issued_on=data["issued_on"],
            expires_on=data["expires_on"], upload=data["file"], competencies=data["competencies"],
            enrolment=data["enrolment"], actor=request.user)
        return done(request, f"Certificate “{certificate.title}” added to {person}'s record. It counts as evidence "
                             "once HR or quality have verified it.", _record_page(person))

    return form_page(request, form, "training/evidence/form.html", {
        "person": person, "heading": "Add a certificate", "multipart": True, "button": "Upload certificate"}, save)


def _certificate(request: HttpRequest, pk: int) -> Certificate:
    certificate = get_object_or_404(Certificate.objects.select_related("person__user", "file"), pk=pk)
    if not can(request.user, "record.view", certificate.person):
        raise Http404("No such certificate.")
    return certificate


@require_POST
def certificate_verify(request: HttpRequest, pk: int) -> HttpResponse:
    certificate = _certificate(request, pk)
    require(request.user, "certificate.verify", certificate)
    try:
        certificate = services.certificate_verify(certificate, actor=request.user)
    except ValidationError as error:
        return refuse(request, error, _record_page(certificate.person))
    return done(request, f"“{certificate.title}” is verified by you.", _record_page(certificate.person))


@require_safe
def certificate_download(request: HttpRequest, pk: int) -> FileResponse:
    """The file, for those who may read the person's record only (404 for anyone else), as an attachment
    of the type its content showed, never rendered by the browser."""
    certificate = _certificate(request, pk)
    evidence = certificate.file
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError:
        raise Http404("The file is missing from the evidence store.") from None
    response = FileResponse(handle, as_attachment=True, filename=evidence.filename or "certificate",
                            content_type=evidence.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- qualifications, experience, sign-offs ----------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def qualification_add(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request, pk, "evidence.add")
    form = QualificationForm(request.POST or None, request.FILES or None)

    def save() -> HttpResponse:
        data = form.cleaned_data
        qualification = services.qualification_add(
            person=person, kind=data["kind"], title=data["title"], issuer=data["issuer"],
            awarded_on=data["awarded_on"], expires_on=data["expires_on"], upload=data["file"] or None,
            competencies=data["competencies"], actor=request.user)
        return done(request, f"Qualification “{qualification.title}” added to {person}'s record.", _record_page(person))

    return form_page(request, form, "training/evidence/form.html", {
        "person": person, "heading": "Add a qualification", "multipart": True, "button": "Add qualification"}, save)


@require_http_methods(["GET", "POST"])
def experience_add(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request, pk, "evidence.add")
    form = ExperienceForm(request.POST or None)

    def save() -> HttpResponse:
        data = form.cleaned_data
        services.experience_add(person=person, role=data["role"], organisation=data["organisation"],
                                started_on=data["started_on"], ended_on=data["ended_on"],
                                competencies=data["competencies"], actor=request.user)
        return done(request, f"Experience as {data['role']} added to {person}'s record.", _record_page(person))

    return form_page(request, form, "training/evidence/form.html", {
        "person": person, "heading": "Add experience", "button": "Add experience"}, save)


@require_http_methods(["GET", "POST"])
def signoff_add(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request, pk, "signoff.add")
    form = SignOffForm(request.POST or None)

    def save() -> HttpResponse:
        data = form.cleaned_data
        sign_off = services.signoff_add(person=person, competency=data["competency"], level=data["level"],
                                        statement=data["statement"], method=data["method"],
                                        signed_on=data["signed_on"], actor=request.user)
        return done(request, f"You signed off {person} on {sign_off.competency.code} at level {sign_off.level}.",
                    _record_page(person))

    return form_page(request, form, "training/evidence/form.html", {
        "person": person, "heading": "Sign off a requirement", "button": "Sign off",
        "note": "You sign as the named assessor: your name and the date are kept on the record."}, save)


urlpatterns = [
    path("people/<int:pk>/record/", record, name="record"),
    path("people/<int:pk>/certificates/add/", certificate_add, name="certificate_add"),
    path("certificates/<int:pk>/verify/", certificate_verify, name="certificate_verify"),
    path("certificates/<int:pk>/download/", certificate_download, name="certificate_download"),
    path("people/<int:pk>/qualifications/add/", qualification_add, name="qualification_add"),
    path("people/<int:pk>/experience/add/", experience_add, name="experience_add"),
    path("people/<int:pk>/sign-offs/add/", signoff_add, name="signoff_add"),
]
