"""Training pages: enrolments. HR, quality and managers enrol people in a session; a leader requests a
place and their manager decides; anyone involved withdraws; HR and quality record completion. "My
training" lists a person's own enrolments and, for managers, the requests waiting for their decision.

Thin: permission, form or service, response. An enrolment's audience is its person's record
(`record.view`: 404 outside it); inside it, the action's rule answers (403 with the reason).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import NoReverseMatch, path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from accounts.permissions import can, is_managing, require, visible
from core.responses import done, form_page, invalid, refuse
from profiles.models import Person
from profiles.rules import manages_anyone, person_of

from ..forms_enrolments import CompletionForm, DecideForm, EnrolForm
from ..models import ACTIVE_ENROLMENT, Enrolment, EnrolmentStatus, Session
from ..services import enrolments as services

TEMPLATES = "training/enrolments/"


def session_url(session: Session) -> str:
    """The session's page (the catalogue's), or the user's training when it has none."""
    try:
        return reverse("training:session_detail", args=[session.pk])
    except NoReverseMatch:
        return reverse("training:my_training")


def _back(request: HttpRequest, session: Session) -> str:
    """Where an action returns: the page it came from (`next`, on this site only) or the session's page."""
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return session_url(session)


def _enrolment(request: HttpRequest, pk: int, action: str) -> Enrolment:
    """The enrolment for `action`: 404 outside its person's record, 403 inside it without the right."""
    enrolment = get_object_or_404(Enrolment.objects.select_related("session__programme", "person__user"), pk=pk)
    if not can(request.user, "record.view", enrolment.person):
        raise Http404("No such enrolment.")
    require(request.user, action, enrolment)
    return enrolment


def enrollable_people(user):
    """The people `user` may enrol, for the select: every active person for HR and quality, the active
    people of their reporting line for a manager, nobody for anyone else."""
    people = Person.objects.filter(active=True).select_related("user").order_by(*Person.LIST_ORDER)
    if is_managing(user):
        return people
    own = person_of(user)
    if own is None:
        return people.none()
    return visible(user, "person", people).exclude(pk=own.pk)


# --- actions on a session ---------------------------------------------------------------------------


@require_POST
def enrol(request: HttpRequest, pk: int) -> HttpResponse:
    """HR, quality or a manager enrol a person (POST `person`): a place, or the waiting list when full."""
    session = get_object_or_404(Session.objects.select_related("programme"), pk=pk)
    if not (is_managing(request.user) or manages_anyone(request.user)):
        require(request.user, "enrolment.create")  # 403 with the rule's reason
    form = EnrolForm(request.POST, shown=enrollable_people(request.user))
    if not form.is_valid():
        return invalid(request, TEMPLATES + "enrol.html", {"session": session, "form": form, "back": _back(request, session)})
    person = form.cleaned_data["person"]
    require(request.user, "enrolment.create", person)
    try:
        enrolment = services.enrol(session, person, actor=request.user)
    except ValidationError as error:
        return refuse(request, error, _back(request, session))
    return done(request, _placed(enrolment), _back(request, session))


def _placed(enrolment: Enrolment) -> str:
    if enrolment.status == EnrolmentStatus.WAITING:
        return f"The session is full: {enrolment.person} is number {enrolment.waiting_position} on the waiting list."
    return f"{enrolment.person} is enrolled."


@require_POST
def request_place(request: HttpRequest, pk: int) -> HttpResponse:
    """A leader asks for a place for themself; their manager decides."""
    session = get_object_or_404(Session.objects.select_related("programme"), pk=pk)
    own = person_of(request.user)
    require(request.user, "enrolment.request", own)
    try:
        services.request_place(session, own, actor=request.user)
    except ValidationError as error:
        return refuse(request, error, _back(request, session))
    return done(request, "Your request is sent: your manager decides on it.", _back(request, session))


# --- actions on an enrolment ------------------------------------------------------------------------


@require_POST
def enrolment_decide(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = _enrolment(request, pk, "enrolment.decide")
    form = DecideForm(request.POST)
    if not form.is_valid():
        return invalid(request, TEMPLATES + "invalid.html", {"form": form, "enrolment": enrolment,
                                                             "back": _back(request, enrolment.session)})
    try:
        decided = services.decide(enrolment, form.approve, actor=request.user)
    except ValidationError as error:
        return refuse(request, error, _back(request, enrolment.session))
    message = _placed(decided) if form.approve else f"The request of {decided.person} is declined."
    return done(request, message, _back(request, enrolment.session))


@require_POST
def enrolment_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = _enrolment(request, pk, "enrolment.withdraw")
    try:
        withdrawn, moved_up = services.withdraw(enrolment, actor=request.user)
    except ValidationError as error:
        return refuse(request, error, _back(request, enrolment.session))
    message = f"{withdrawn.person} is withdrawn."
    if moved_up is not None:
        message += f" {moved_up.person} moved up from the waiting list into the place and is told by email."
    return done(request, message, _back(request, enrolment.session))


@require_http_methods(["GET", "POST"])
def enrolment_complete(request: HttpRequest, pk: int) -> HttpResponse:
    """HR and quality record attendance, completion date and result once the session has started."""
    enrolment = _enrolment(request, pk, "enrolment.record")
    session = enrolment.session
    back = _back(request, session)
    if enrolment.status not in (EnrolmentStatus.ENROLLED, EnrolmentStatus.NOT_COMPLETED):
        return refuse(request, ValidationError(
            f"Only an enrolled person's attendance is recorded; this enrolment is "
            f"{enrolment.get_status_display().lower()}."), back)
    if not services.has_started(session):
        return refuse(request, ValidationError("The session has not started yet: record the completion after it."), back)
    form = CompletionForm(request.POST or None, session=session)

    def save() -> HttpResponse:
        data = form.cleaned_data
        recorded = services.record_completion(enrolment, attended=data["attended"], completed_on=data["completed_on"],
                                              result=data["result"] or "", note=data["note"], actor=request.user)
        if recorded.status == EnrolmentStatus.COMPLETED:
            count = recorded.reviews.count()
            return done(request, f"{recorded.person} completed the programme; {count} effectiveness "
                                 f"review{'s' if count != 1 else ''} fall{'s' if count == 1 else ''} due on "
                                 f"{recorded.reviews.first().due_on:%d %b %Y}." if count else
                        f"{recorded.person} completed the programme.", back)
        return done(request, f"{recorded.person}: recorded as not completed.", back)

    return form_page(request, form, TEMPLATES + "complete.html", {"enrolment": enrolment, "session": session,
                                                                 "back": back}, save)


# --- my training ------------------------------------------------------------------------------------


def _rows(queryset):
    return queryset.select_related("session__programme", "person__user").order_by("session__starts_at", "pk")


@require_http_methods(["GET"])
def my_training(request: HttpRequest) -> HttpResponse:
    """The user's own enrolments (current, completed, the others) and the requests they decide on."""
    own = person_of(request.user)
    current, completed, other = [], [], []
    if own is not None:
        for row in _rows(Enrolment.objects.filter(person=own)):
            row.can_withdraw = row.status in ACTIVE_ENROLMENT and not services.has_started(row.session)
            (current if row.status in ACTIVE_ENROLMENT else
             completed if row.status == EnrolmentStatus.COMPLETED else other).append(row)
    to_decide = []
    if is_managing(request.user) or manages_anyone(request.user):
        requests = visible(request.user, "record", Enrolment.objects.filter(status=EnrolmentStatus.REQUESTED))
        if own is not None:
            requests = requests.exclude(person=own)
        to_decide = list(_rows(requests))
    return render(request, TEMPLATES + "my_training.html", {
        "person": own, "current": current, "completed": completed, "other": other, "to_decide": to_decide,
    })


urlpatterns = [
    path("sessions/<int:pk>/enrol/", enrol, name="enrol"),
    path("sessions/<int:pk>/request/", request_place, name="request_place"),
    path("enrolments/<int:pk>/decide/", enrolment_decide, name="enrolment_decide"),
    path("enrolments/<int:pk>/withdraw/", enrolment_withdraw, name="enrolment_withdraw"),
    path("enrolments/<int:pk>/complete/", enrolment_complete, name="enrolment_complete"),
    path("mine/", my_training, name="my_training"),
]
