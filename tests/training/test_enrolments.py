"""Enrolments as their users meet them: HR and managers enrol people, a full session fills its waiting list
and the first on it moves up (with an email) when someone withdraws; a leader's request is approved or
declined by their manager; HR records completion, which opens one effectiveness review per competency the
programme aims at. Every refusal is a clear message and changes nothing; "my training" costs the same
number of queries however many enrolments it lists."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from training.models import (
    EffectivenessReview,
    Enrolment,
    EnrolmentStatus,
    Programme,
    ProgrammeKind,
    ProgrammeTarget,
    ReviewMethod,
    Session,
)
from training.services import enrolments as services
from tests.factories import PersonFactory, UserFactory
from tests.helpers import published_framework, visible_text

pytestmark = pytest.mark.django_db

E, W, R = EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITING, EnrolmentStatus.REQUESTED


@pytest.fixture
def team(hr):
    """A manager with four reports (Ann, Ben, Cid, Dee) and a stranger outside the line."""
    manager = PersonFactory(user=UserFactory(first_name="Mara", last_name="Manager", email="mara@example.com"))
    reports = [PersonFactory(user=UserFactory(first_name=name, last_name="Report", email=f"{name.lower()}@example.com"),
                             manager=manager) for name in ("Ann", "Ben", "Cid", "Dee")]
    stranger = PersonFactory(user=UserFactory(first_name="Sam", last_name="Stranger"))
    return manager, reports, stranger


@pytest.fixture
def programme(hr):
    """A workshop aiming at two competencies, reviewed by observation 90 days after completion."""
    version = published_framework(hr, code="quality", areas=1, per_area=2)
    programme = Programme.objects.create(title="ISO 9001 compliance", kind=ProgrammeKind.WORKSHOP,
                                         duration_hours=Decimal(7), review_after_days=90,
                                         review_method=ReviewMethod.OBSERVATION, created_by=hr)
    for competency in version.competencies.order_by("code"):
        ProgrammeTarget.objects.create(programme=programme, competency=competency, level=4)
    return programme


def session_of(programme, hr, *, days: int = 30, capacity: int = 2, **fields) -> Session:
    starts = timezone.now() + timedelta(days=days)
    return Session.objects.create(programme=programme, starts_at=starts, ends_at=starts + timedelta(hours=7),
                                  capacity=capacity, created_by=hr, **fields)


@pytest.fixture
def session(programme, hr):
    return session_of(programme, hr)


def started_enrolment(programme, hr, person, *, days_ago: int = 3) -> Enrolment:
    """A place taken before the session began (it began `days_ago` days ago and lasted a day)."""
    past = session_of(programme, hr, days=-days_ago, capacity=5)
    return Enrolment.objects.create(session=past, person=person, status=E, requested_by=hr)


def login(client, person_or_user):
    client.force_login(getattr(person_or_user, "user", person_or_user))
    return client


def states(session) -> list[tuple[str, str, int | None]]:
    return [(e.person.user.first_name, e.status, e.waiting_position)
            for e in session.enrolments.select_related("person__user").order_by("pk")]


# --- the waiting list --------------------------------------------------------------------------------


def test_a_full_session_fills_its_waiting_list_and_the_first_waiting_moves_up_with_an_email(
        client, team, session, django_capture_on_commit_callbacks):
    """Capacity 2: Ann and Ben take the places, Cid waits at 1, Dee at 2. When Ann withdraws, Cid gets her
    place and an email, and Dee is now first on the list."""
    manager, (ann, ben, cid, dee), _ = team
    login(client, manager)
    url = reverse("training:enrol", args=[session.pk])
    for person in (ann, ben, cid, dee):
        assert client.post(url, {"person": person.pk}).status_code == 302
    assert states(session) == [("Ann", E, None), ("Ben", E, None), ("Cid", W, 1), ("Dee", W, 2)]

    first = session.enrolments.get(person=ann)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("training:enrolment_withdraw", args=[first.pk]), follow=True)
    assert "Cid Report moved up from the waiting list" in visible_text(response)
    assert states(session) == [("Ann", EnrolmentStatus.WITHDRAWN, None), ("Ben", E, None), ("Cid", E, None),
                               ("Dee", W, 1)]
    assert [m.to for m in mail.outbox] == [["cid@example.com"]]
    assert "ISO 9001 compliance" in mail.outbox[0].subject
    assert "it is yours" in mail.outbox[0].body


def test_the_moved_up_email_goes_once_however_often_the_task_runs(team, session, hr, django_capture_on_commit_callbacks):
    _, (ann, ben, cid, _), _ = team
    for person in (ann, ben, cid):
        services.enrol(session, person, actor=hr)
    with django_capture_on_commit_callbacks(execute=True):
        _, moved_up = services.withdraw(session.enrolments.get(person=ann), actor=hr)
    assert services.send_moved_up_email(moved_up.pk) is False  # a redelivered task
    assert len(mail.outbox) == 1


def test_leaving_the_waiting_list_renumbers_it_and_frees_no_place(team, session, hr):
    _, (ann, ben, cid, dee), _ = team
    for person in (ann, ben, cid, dee):
        services.enrol(session, person, actor=hr)
    services.withdraw(session.enrolments.get(person=cid), actor=hr)
    assert states(session) == [("Ann", E, None), ("Ben", E, None), ("Cid", EnrolmentStatus.WITHDRAWN, None),
                               ("Dee", W, 1)]
    assert mail.outbox == []


# --- requests and decisions --------------------------------------------------------------------------


def test_a_leader_requests_a_place_and_the_manager_approves_it_from_my_training(client, team, session):
    manager, (ann, *_), _ = team
    login(client, ann)
    client.post(reverse("training:request_place", args=[session.pk]))
    request = session.enrolments.get(person=ann)
    assert (request.status, request.requested_by) == (R, ann.user)

    login(client, manager)
    page = visible_text(client.get(reverse("training:my_training")))
    assert "Requests waiting for your decision" in page and "Ann Report" in page
    response = client.post(reverse("training:enrolment_decide", args=[request.pk]),
                           {"decision": "approve", "next": reverse("training:my_training")}, follow=True)
    assert "Ann Report is enrolled." in visible_text(response)
    assert 'data-testid="to-decide"' not in response.content.decode()
    request.refresh_from_db()
    assert (request.status, request.decided_by) == (E, manager.user)


def test_an_approval_into_a_full_session_waits_and_a_decline_is_final(team, session, hr):
    manager, (ann, ben, cid, dee), _ = team
    services.enrol(session, ann, actor=hr)
    services.enrol(session, ben, actor=hr)
    cid_request = services.request_place(session, cid, actor=cid.user)
    dee_request = services.request_place(session, dee, actor=dee.user)
    services.decide(cid_request, True, actor=manager.user)
    services.decide(dee_request, False, actor=manager.user)
    assert states(session)[2:] == [("Cid", W, 1), ("Dee", EnrolmentStatus.DECLINED, None)]
    with pytest.raises(ValidationError, match="already decided"):
        services.decide(dee_request, True, actor=manager.user)


def test_a_leader_cannot_decide_their_own_request(client, team, session):
    _, (ann, *_), _ = team
    request = services.request_place(session, ann, actor=ann.user)
    response = login(client, ann).post(reverse("training:enrolment_decide", args=[request.pk]), {"decision": "approve"})
    assert response.status_code == 403
    request.refresh_from_db()
    assert request.status == R


# --- refusals: a clear message, nothing changed --------------------------------------------------------


@pytest.mark.parametrize("case, message", [
    ("inactive person", "no longer active"),
    ("inactive programme", "is inactive"),
    ("cancelled session", "cancelled"),
    ("started session", "already started"),
    ("twice", "already has a place"),
])
def test_an_enrolment_is_refused_with_the_reason_and_nothing_changes(client, team, session, hr, case, message):
    _, (ann, *_), _ = team
    if case == "inactive person":
        ann.active = False
        ann.save()
    elif case == "inactive programme":
        Programme.objects.filter(pk=session.programme_id).update(active=False)
    elif case == "cancelled session":
        Session.objects.filter(pk=session.pk).update(cancelled=True)
    elif case == "started session":
        Session.objects.filter(pk=session.pk).update(starts_at=timezone.now() - timedelta(minutes=5))
    elif case == "twice":
        services.enrol(session, ann, actor=hr)
    before = list(Enrolment.objects.values_list("pk", "status"))
    with pytest.raises(ValidationError, match=message):
        services.enrol(session, ann, actor=hr)
    with pytest.raises(ValidationError, match=message):
        services.request_place(session, ann, actor=ann.user)
    response = login(client, hr).post(reverse("training:enrol", args=[session.pk]), {"person": ann.pk}, follow=True)
    assert message in visible_text(response)
    assert list(Enrolment.objects.values_list("pk", "status")) == before


def test_a_manager_cannot_enrol_someone_outside_their_line(client, team, session):
    manager, _, stranger = team
    with pytest.raises(PermissionDenied):
        services.enrol(session, stranger, actor=manager.user)
    response = login(client, manager).post(reverse("training:enrol", args=[session.pk]), {"person": stranger.pk})
    assert response.status_code == 403
    assert not Enrolment.objects.exists()


def test_the_enrol_select_offers_a_manager_their_line_and_hr_everyone_active(client, team, session, hr):
    manager, (ann, ben, cid, dee), stranger = team
    dee.active = False
    dee.save()
    request = RequestFactory().get("/")
    template = Template("{% load training_enrolments %}{% session_enrolments session %}")

    def offered(user):
        request.user = user
        html = template.render(Context({"request": request, "session": session}))
        return [p.user.first_name for p in (manager, ann, ben, cid, dee, stranger) if f'value="{p.pk}"' in html]

    assert offered(manager.user) == ["Ann", "Ben", "Cid"]
    assert offered(hr) == ["Mara", "Ann", "Ben", "Cid", "Sam"]
    assert offered(ann.user) == []  # a leader requests a place instead


def test_a_forged_enrolment_id_is_404_and_a_strangers_enrolment_too(client, team, session, hr):
    manager, _, stranger = team
    enrolment = services.enrol(session, stranger, actor=hr)
    login(client, manager)
    assert client.post(reverse("training:enrolment_withdraw", args=[enrolment.pk + 1000])).status_code == 404
    assert client.post(reverse("training:enrolment_withdraw", args=[enrolment.pk])).status_code == 404
    enrolment.refresh_from_db()
    assert enrolment.status == E


# --- completion and effectiveness reviews --------------------------------------------------------------


def test_a_completion_opens_one_review_per_target_competency_due_after_the_programme_delay(client, team, programme, hr):
    _, (ann, *_), _ = team
    enrolment = started_enrolment(programme, hr, ann, days_ago=3)
    completed_on = timezone.localdate() - timedelta(days=2)
    response = login(client, hr).post(reverse("training:enrolment_complete", args=[enrolment.pk]), {
        "attended": "yes", "completed_on": completed_on.isoformat(), "result": "passed"}, follow=True)
    assert "2 effectiveness reviews fall due on" in visible_text(response)
    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.attended, enrolment.completed_on, enrolment.result) == (
        EnrolmentStatus.COMPLETED, True, completed_on, "passed")
    reviews = list(enrolment.reviews.order_by("competency__code").values_list("competency__code", "due_on",
                                                                              "planned_method"))
    assert reviews == [("A0-00", completed_on + timedelta(days=90), "observation"),
                       ("A0-01", completed_on + timedelta(days=90), "observation")]
    assert services.open_reviews(enrolment, actor=hr) == []  # idempotent
    with pytest.raises(ValidationError, match="already recorded"):
        services.record_completion(enrolment, attended=True, completed_on=completed_on, actor=hr)
    assert EffectivenessReview.objects.count() == 2


def test_no_attendance_is_not_completed_and_opens_no_review(team, programme, hr):
    _, (ann, *_), _ = team
    enrolment = services.record_completion(started_enrolment(programme, hr, ann), attended=False, completed_on=None,
                                           actor=hr)
    assert (enrolment.status, enrolment.attended) == (EnrolmentStatus.NOT_COMPLETED, False)
    assert not EffectivenessReview.objects.exists()


@pytest.mark.parametrize("case, message", [
    ("before the session starts", "before the session starts"),
    ("in the future", "in the future"),
    ("session not started", "has not started yet"),
    ("not attended but completed", "did not attend"),
])
def test_a_wrong_completion_is_refused_and_nothing_changes(client, team, programme, session, hr, case, message):
    _, (ann, *_), _ = team
    enrolment = started_enrolment(programme, hr, ann, days_ago=3)
    today = timezone.localdate()
    attended, completed_on = True, today
    if case == "before the session starts":
        completed_on = today - timedelta(days=4)
    elif case == "in the future":
        completed_on = today + timedelta(days=1)
    elif case == "session not started":
        enrolment = services.enrol(session, ann, actor=hr)
    else:
        attended = False
    with pytest.raises(ValidationError, match=message):
        services.record_completion(enrolment, attended=attended, completed_on=completed_on, actor=hr)
    response = login(client, hr).post(reverse("training:enrolment_complete", args=[enrolment.pk]), {
        "attended": "yes" if attended else "no", "completed_on": completed_on.isoformat()})
    assert response.status_code in (302, 400)
    if response.status_code == 400:
        assert message in visible_text(response)
    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.completed_on) == (E, None)
    assert not EffectivenessReview.objects.exists()


def test_only_hr_and_quality_record_completion(client, team, programme, hr):
    manager, (ann, *_), _ = team
    enrolment = started_enrolment(programme, hr, ann)
    assert login(client, manager).get(reverse("training:enrolment_complete", args=[enrolment.pk])).status_code == 403
    quality = UserFactory(role=Role.QUALITY)
    assert login(client, quality).get(reverse("training:enrolment_complete", args=[enrolment.pk])).status_code == 200


# --- my training, history --------------------------------------------------------------------------------


def test_my_training_lists_current_completed_and_other_enrolments(client, team, programme, session, hr):
    _, (ann, *_), _ = team
    services.enrol(session, ann, actor=hr)
    services.record_completion(started_enrolment(programme, hr, ann), attended=True,
                               completed_on=timezone.localdate(), result="passed", actor=hr)
    other = session_of(programme, hr, days=40)
    services.withdraw(services.request_place(other, ann, actor=ann.user), actor=ann.user)
    response = login(client, ann).get(reverse("training:my_training"))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('data-enrolment="') == 3
    assert 'data-status="enrolled"' in html and 'data-status="withdrawn"' in html
    assert "Passed" in visible_text(response)


@pytest.mark.parametrize("size", [2, 8])
def test_my_training_costs_the_same_queries_at_two_and_eight_enrolments(client, team, programme, hr, size,
                                                                        django_assert_num_queries):
    manager, (ann, ben, *_), _ = team
    for n in range(size):
        s = session_of(programme, hr, days=10 + n, capacity=5)
        services.enrol(s, manager, actor=hr)
        services.request_place(s, ann if n % 2 else ben, actor=(ann if n % 2 else ben).user)
    login(client, manager)
    client.get(reverse("training:my_training"))  # warms the session
    # session and user, the person, whether they manage anyone, their enrolments, the requests below them
    with django_assert_num_queries(6):
        response = client.get(reverse("training:my_training"))
    assert response.content.decode().count('data-enrolment="') == 2 * size


def test_each_change_writes_a_history_row_by_its_actor(team, session, hr):
    manager, (ann, ben, cid, _), _ = team
    first = services.enrol(session, ann, actor=manager.user)
    services.enrol(session, ben, actor=hr)
    waiting = services.enrol(session, cid, actor=hr)
    services.withdraw(first, actor=ann.user)
    assert [(h.status, h.history_user) for h in first.history.order_by("history_id")] == [
        (E, manager.user), (EnrolmentStatus.WITHDRAWN, ann.user)]
    assert [(h.status, h.waiting_position, h.history_user) for h in waiting.history.order_by("history_id")] == [
        (W, 1, hr), (E, None, ann.user)]
