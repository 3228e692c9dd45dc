"""The training catalogue as HR and leaders see it: programmes with the competencies they develop (at a level
on the competency's scale, of a published framework version only) and their prerequisites, sessions with
places taken and free, the list's filters, bad input refused with nothing changed, audit history naming
who acted, and page query counts that do not grow with the catalogue."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from competency import services as competency_services
from competency.models import ProficiencyScale
from tests.factories import PersonFactory, UserFactory
from tests.helpers import published_framework, visible_text
from training.models import (Enrolment, EnrolmentStatus, Prerequisite, Programme, ProgrammeKind, ProgrammeTarget,
                             ReviewMethod, Session)
from training.services import catalogue

pytestmark = pytest.mark.django_db


@pytest.fixture
def hr():
    return UserFactory(role=Role.HR)


@pytest.fixture
def hr_client(client, hr):
    client.force_login(hr)
    return client


@pytest.fixture
def version(hr):
    """A published framework: A0-00, A0-01, A1-00, A1-01 on the 1-5 scale."""
    return published_framework(hr, areas=2, per_area=2)


@pytest.fixture
def by_code(version):
    return {c.code: c for c in version.competencies.all()}


@pytest.fixture
def draft_competency(hr):
    scale = ProficiencyScale.objects.get(name="Proficio 1-5")
    draft = competency_services.framework_create(name="Drafty", code="drafty", description="", scale=scale, owner=hr)
    area = competency_services.area_create(version=draft, code="DR", name="Draft area")
    return competency_services.competency_create(area=area, code="DR-01", name="Not yet published")


def _rows(prefix: str, rows: list[tuple[object, object]], initial: int = 0) -> dict:
    data = {f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": str(initial),
            f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "100"}
    for i, (competency, level) in enumerate(rows):
        data[f"{prefix}-{i}-competency"] = str(competency)
        data[f"{prefix}-{i}-level"] = str(level)
    return data


def programme_post(targets=(), prerequisites=(), **fields) -> dict:
    data = {"title": "ISO 9001 workshop", "kind": "workshop", "provider": "Acme", "duration_hours": "7.5",
            "cost": "450.00", "description": "A day on the standard.", "review_after_days": "60",
            "review_method": "observation", "active": "on"}
    data.update(fields)
    data.update(_rows("target", list(targets)))
    data.update(_rows("prereq", list(prerequisites)))
    return data


def _programme(hr, title="Base", *, kind=ProgrammeKind.WORKSHOP, active=True, targets=()) -> Programme:
    return catalogue.programme_create(actor=hr, title=title, kind=kind, duration_hours=Decimal(3), active=active,
                                      targets=list(targets))


def _session(hr, programme, *, days: float, capacity: int = 10) -> Session:
    start = timezone.now() + timedelta(days=days)
    return catalogue.session_create(programme, actor=hr, starts_at=start, ends_at=start + timedelta(hours=3),
                                    place="Room 1", link="", trainer="Tess", capacity=capacity)


def _enrol(hr, session, count: int, status=EnrolmentStatus.ENROLLED) -> None:
    for _ in range(count):
        Enrolment.objects.create(session=session, person=PersonFactory(), status=status, requested_by=hr)


# --- programmes --------------------------------------------------------------------------------------------


def test_hr_creates_a_programme_with_targets_and_prerequisites_and_the_history_names_them(hr_client, hr, by_code):
    response = hr_client.post(reverse("training:programme_create"), programme_post(
        targets=[(by_code["A0-00"].pk, 4), (by_code["A1-01"].pk, 3)], prerequisites=[(by_code["A0-01"].pk, 2)]))
    programme = Programme.objects.get(title="ISO 9001 workshop")
    assert response.status_code == 302 and response.url == reverse("training:programme_detail", args=[programme.pk])
    assert (programme.kind, programme.provider, programme.duration_hours, programme.cost) == (
        "workshop", "Acme", Decimal("7.5"), Decimal("450.00"))
    assert (programme.review_after_days, programme.review_method, programme.active) == (60, "observation", True)
    assert sorted(programme.targets.values_list("competency__code", "level")) == [("A0-00", 4), ("A1-01", 3)]
    assert list(programme.prerequisites.values_list("competency__code", "level")) == [("A0-01", 2)]
    assert programme.history.get().history_user == hr
    assert {h.history_user for h in ProgrammeTarget.history.all()} == {hr}
    assert Prerequisite.history.get().history_user == hr

    page = visible_text(hr_client.get(response.url))
    assert "A0-00 Competency 0.0 — level 4" in page and "A1-01 Competency 1.1 — level 3" in page
    assert "A0-01 Competency 0.1 — at least level 2" in page
    assert "60 days after completion, by observation at work" in page


def test_editing_a_programme_changes_levels_and_removes_rows_with_history(hr_client, hr, by_code):
    programme = catalogue.programme_create(actor=hr, title="Old title", duration_hours=Decimal(2),
                                           targets=[(by_code["A0-00"], 3), (by_code["A0-01"], 2)],
                                           prerequisites=[(by_code["A1-00"], 1)])
    editor = UserFactory(role=Role.QUALITY)
    hr_client.force_login(editor)
    page = hr_client.get(reverse("training:programme_edit", args=[programme.pk]))
    assert page.status_code == 200 and "Old title" in page.content.decode()
    response = hr_client.post(reverse("training:programme_edit", args=[programme.pk]), programme_post(
        title="New title", targets=[(by_code["A0-00"].pk, 5), ("", "")], prerequisites=[]))
    assert response.status_code == 302
    programme.refresh_from_db()
    assert programme.title == "New title"
    assert list(programme.targets.values_list("competency__code", "level")) == [("A0-00", 5)]
    assert not programme.prerequisites.exists()
    assert programme.history.first().history_user == editor
    removed = ProgrammeTarget.history.filter(history_type="-").get()
    assert (removed.competency_id, removed.history_user) == (by_code["A0-01"].pk, editor)
    changed = ProgrammeTarget.history.filter(history_type="~").get()
    assert (changed.level, changed.history_user) == (5, editor)
    assert Prerequisite.history.filter(history_type="-").get().history_user == editor


@pytest.mark.parametrize("case", ["duration 0", "level outside the scale", "competency of a draft version",
                                  "competency twice"])
def test_bad_programme_input_is_refused_with_400_and_changes_nothing(hr_client, hr, by_code, draft_competency, case):
    programme = catalogue.programme_create(actor=hr, title="Kept", duration_hours=Decimal(2),
                                           targets=[(by_code["A0-00"], 3)])
    a = by_code["A0-01"].pk
    data = {
        "duration 0": programme_post(title="Changed", duration_hours="0", targets=[(a, 3)]),
        "level outside the scale": programme_post(title="Changed", targets=[(a, 6)]),
        "competency of a draft version": programme_post(title="Changed", targets=[(draft_competency.pk, 3)]),
        "competency twice": programme_post(title="Changed", targets=[(a, 3), (a, 4)]),
    }[case]
    before = (ProgrammeTarget.history.count(), Programme.history.count())
    response = hr_client.post(reverse("training:programme_edit", args=[programme.pk]), data)
    assert response.status_code == 400
    message = {
        "duration 0": "Ensure this value is greater than or equal to 0.5.",
        "level outside the scale": "Level 6 is not on the scale Proficio 1-5 of A0-01 (its levels are 1, 2, 3, 4, 5).",
        "competency of a draft version": "Select a valid choice.",
        "competency twice": "A0-01 appears twice; name each competency once.",
    }[case]
    assert message in visible_text(response)
    programme.refresh_from_db()
    assert programme.title == "Kept"
    assert list(programme.targets.values_list("competency__code", "level")) == [("A0-00", 3)]
    assert (ProgrammeTarget.history.count(), Programme.history.count()) == before
    assert hr_client.post(reverse("training:programme_create"), data).status_code == 400
    assert Programme.objects.count() == 1


def test_the_service_refuses_a_draft_competency_and_a_level_off_the_scale_atomically(hr, by_code, draft_competency):
    with pytest.raises(ValidationError, match="belongs to Drafty v1, which is draft"):
        catalogue.programme_create(actor=hr, title="Refused", duration_hours=Decimal(1),
                                   targets=[(draft_competency, 3)])
    with pytest.raises(ValidationError, match="Level 0 is not on the scale"):
        catalogue.programme_create(actor=hr, title="Refused", duration_hours=Decimal(1),
                                   prerequisites=[(by_code["A0-00"], 0)])
    assert not Programme.objects.exists() and not ProgrammeTarget.objects.exists()


def test_a_forged_programme_id_is_404(hr_client):
    assert hr_client.get(reverse("training:programme_edit", args=[987654])).status_code == 404
    assert hr_client.post(reverse("training:session_create", args=[987654]), {}).status_code == 404


def test_leaders_read_the_catalogue_but_cannot_open_the_forms(client, hr, by_code):
    programme = _programme(hr, "Open to all", targets=[(by_code["A0-00"], 4)])
    client.force_login(UserFactory(role=Role.LEADER))
    page = client.get(reverse("training:programme_list"))
    assert page.status_code == 200 and "New programme" not in page.content.decode()
    assert "A0-00 Competency 0.0 — level 4" in visible_text(page)
    assert client.get(reverse("training:programme_create")).status_code == 403
    assert client.get(reverse("training:programme_edit", args=[programme.pk])).status_code == 403
    assert client.post(reverse("training:programme_create"), programme_post()).status_code == 403
    assert not Programme.objects.filter(title="ISO 9001 workshop").exists()


# --- the list ----------------------------------------------------------------------------------------------


def test_the_list_filters_by_kind_status_competency_and_search(hr_client, hr, by_code):
    _programme(hr, "Audit workshop", targets=[(by_code["A0-00"], 3)])
    _programme(hr, "Metrics coaching", kind=ProgrammeKind.COACHING, targets=[(by_code["A1-00"], 4)])
    _programme(hr, "Old coaching", kind=ProgrammeKind.COACHING, active=False)

    def titles(**query) -> list[str]:
        response = hr_client.get(reverse("training:programme_list"), query)
        assert response.status_code == 200
        return [p.title for p in response.context["programmes"]]

    assert titles() == ["Audit workshop", "Metrics coaching"]  # active ones by default
    assert titles(active="all") == ["Audit workshop", "Metrics coaching", "Old coaching"]
    assert titles(active="no") == ["Old coaching"]
    assert titles(kind="coaching", active="all") == ["Metrics coaching", "Old coaching"]
    assert titles(competency="a1-00") == ["Metrics coaching"]
    assert titles(q="Competency 0.0") == ["Audit workshop"]  # a target's name
    assert titles(q="metrics") == ["Metrics coaching"]
    assert titles(kind="forged") == ["Audit workshop", "Metrics coaching"]
    assert "No programme matches this filter." in visible_text(
        hr_client.get(reverse("training:programme_list"), {"competency": "ZZ-99"}))


def test_the_list_shows_the_next_session_that_has_a_free_place(hr_client, hr):
    programme = _programme(hr, "Workshop")
    full = _session(hr, programme, days=3, capacity=2)
    _enrol(hr, full, 2)
    cancelled = _session(hr, programme, days=4)
    catalogue.session_cancel(cancelled, actor=hr)
    _session(hr, programme, days=-2)  # past
    later = _session(hr, programme, days=9, capacity=5)
    _enrol(hr, later, 2)
    _enrol(hr, later, 3, EnrolmentStatus.WAITING)  # waiting holds no place
    _enrol(hr, later, 1, EnrolmentStatus.WITHDRAWN)
    response = hr_client.get(reverse("training:programme_list"))
    [shown] = response.context["programmes"]
    assert shown.next_session.pk == later.pk
    assert (shown.next_session.taken, shown.next_session.free, shown.next_session.waiting) == (2, 3, 3)
    assert "2 of 5 taken · 3 free · 3 waiting" in visible_text(response)


# --- sessions ----------------------------------------------------------------------------------------------


def test_hr_plans_edits_and_cancels_a_session_that_stays_on_record(hr_client, hr):
    programme = _programme(hr, "Workshop")
    response = hr_client.post(reverse("training:session_create", args=[programme.pk]), {
        "starts_at": "2031-03-04T09:00", "ends_at": "2031-03-04T17:00", "place": "Room 4", "link": "",
        "trainer": "Tess", "capacity": "12"})
    session = Session.objects.get()
    assert response.status_code == 302 and response.url == reverse("training:session_detail", args=[session.pk])
    assert (session.capacity, session.place, session.created_by, session.history.get().history_user) == (
        12, "Room 4", hr, hr)
    assert timezone.localtime(session.starts_at).strftime("%Y-%m-%d %H:%M") == "2031-03-04 09:00"
    response = hr_client.post(reverse("training:session_edit", args=[session.pk]), {
        "starts_at": "2031-03-04T09:00", "ends_at": "2031-03-04T16:00", "place": "Room 5", "link": "meet.example/x",
        "trainer": "Tess", "capacity": "15"})
    assert response.status_code == 302
    session.refresh_from_db()
    assert (session.capacity, session.place, session.link) == (15, "Room 5", "https://meet.example/x")
    _enrol(hr, session, 1)
    assert hr_client.post(reverse("training:session_cancel", args=[session.pk])).status_code == 302
    session.refresh_from_db()
    enrolment = session.enrolments.get()  # kept on record, its place ended by the cancellation
    assert session.cancelled and enrolment.status == EnrolmentStatus.CANCELLED
    assert enrolment.history.first().history_user == hr
    assert session.history.first().history_user == hr and session.history.count() == 3
    again = hr_client.post(reverse("training:session_cancel", args=[session.pk]), follow=True)
    assert "This session is already cancelled." in visible_text(again)
    page = visible_text(hr_client.get(reverse("training:programme_detail", args=[programme.pk])))
    assert "Cancelled" in page and "0 of 15 taken · 15 free" in page


def test_cancelling_a_session_ends_its_places_waits_and_requests_and_tells_each_person_once(
        hr, django_capture_on_commit_callbacks, mailoutbox):
    from training.services import enrolments

    programme = _programme(hr, "Cancelled workshop")
    session = _session(hr, programme, days=6, capacity=1)
    people = [PersonFactory() for _ in range(3)]
    enrolments.enrol(session, people[0], actor=hr)  # the place
    enrolments.enrol(session, people[1], actor=hr)  # waiting
    requested = enrolments.request_place(session, people[2], actor=people[2].user)
    with django_capture_on_commit_callbacks(execute=True):
        catalogue.session_cancel(session, actor=hr)
    assert set(session.enrolments.values_list("status", flat=True)) == {EnrolmentStatus.CANCELLED}
    assert sorted(m.to[0] for m in mailoutbox) == sorted(p.user.email for p in people)
    assert all("has been cancelled" in m.body for m in mailoutbox)
    assert enrolments.send_cancellation_emails(session.pk) == 0 and len(mailoutbox) == 3  # a rerun sends none
    requested.refresh_from_db()
    assert requested.status == EnrolmentStatus.CANCELLED and requested.waiting_position is None


@pytest.mark.parametrize("case", ["ends before it starts", "capacity 0", "capacity 1001", "inactive programme"])
def test_bad_session_input_is_refused_with_400_and_changes_nothing(hr_client, hr, case):
    programme = _programme(hr, "Workshop", active=case != "inactive programme")
    data = {"starts_at": "2031-03-04T09:00", "ends_at": "2031-03-04T17:00", "place": "", "link": "", "trainer": "",
            "capacity": "10"}
    data.update({"ends before it starts": {"ends_at": "2031-03-04T08:00"}, "capacity 0": {"capacity": "0"},
                 "capacity 1001": {"capacity": "1001"}, "inactive programme": {}}[case])
    response = hr_client.post(reverse("training:session_create", args=[programme.pk]), data)
    assert response.status_code == 400
    assert {"ends before it starts": "The session must end after it starts.",
            "capacity 0": "Ensure this value is greater than or equal to 1.",
            "capacity 1001": "Ensure this value is less than or equal to 1000.",
            "inactive programme": "Workshop is inactive: make it active again before planning a session."}[case] \
        in visible_text(response)
    assert not Session.objects.exists()


def test_a_session_edit_refuses_a_capacity_below_the_enrolled_and_keeps_the_session(hr_client, hr):
    session = _session(hr, _programme(hr, "Workshop"), days=5, capacity=4)
    _enrol(hr, session, 3)
    start = timezone.localtime(session.starts_at)
    response = hr_client.post(reverse("training:session_edit", args=[session.pk]), {
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"), "ends_at": (start + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
        "place": "Elsewhere", "link": "", "trainer": "", "capacity": "2"})
    assert response.status_code == 400
    assert "3 people are enrolled: the capacity cannot be lower." in visible_text(response)
    session.refresh_from_db()
    assert (session.capacity, session.place, session.history.count()) == (4, "Room 1", 1)


def test_the_programme_page_splits_upcoming_and_past_sessions_with_places(hr_client, hr):
    programme = _programme(hr, "Workshop")
    upcoming = _session(hr, programme, days=2, capacity=3)
    _enrol(hr, upcoming, 1)
    past = _session(hr, programme, days=-5, capacity=6)
    _enrol(hr, past, 6, EnrolmentStatus.COMPLETED)
    response = hr_client.get(reverse("training:programme_detail", args=[programme.pk]))
    assert [s.pk for s in response.context["upcoming"]] == [upcoming.pk]
    assert [s.pk for s in response.context["past"]] == [past.pk]
    page = visible_text(response)
    assert "1 of 3 taken · 2 free" in page and "0 of 6 taken · 6 free" in page
    session_page = visible_text(hr_client.get(reverse("training:session_detail", args=[upcoming.pk])))
    assert "Places 1 of 3 taken · 2 free" in session_page and "Trainer Tess" in session_page


# --- query counts ------------------------------------------------------------------------------------------


def _catalogue(hr, by_code, size: int) -> Programme:
    codes = list(by_code)
    first = None
    for n in range(size):
        programme = _programme(hr, f"Programme {n:02d}", targets=[(by_code[codes[n % 4]], 3),
                                                                   (by_code[codes[(n + 1) % 4]], 4)])
        catalogue.programme_prerequisites_set(programme, [(by_code[codes[(n + 2) % 4]], 2)], actor=hr)
        for days in (2, -3):
            _enrol(hr, _session(hr, programme, days=days + n, capacity=3), 1)
        first = first or programme
    return first


@pytest.mark.parametrize("size", [2, 8])
def test_the_list_and_the_programme_page_ask_the_same_number_of_queries_at_any_size(
        hr_client, hr, by_code, size, django_assert_num_queries):
    first = _catalogue(hr, by_code, size)
    for extra in range(size):  # more sessions on the one programme whose page is measured
        _session(hr, first, days=20 + extra)
    # session + user, programmes with their next session, targets, the next sessions' places
    with django_assert_num_queries(5):
        response = hr_client.get(reverse("training:programme_list"))
    assert len(response.context["programmes"]) == size
    # session + user, the programme, its sessions with places, targets, prerequisites, (rules ask nothing)
    with django_assert_num_queries(6):
        response = hr_client.get(reverse("training:programme_detail", args=[first.pk]))
    assert len(response.context["upcoming"]) == size + 1


def test_the_world_programme_aims_at_the_published_competency(client):
    """The shared world's catalogue: what the other training parts build on."""
    from tests.world import build_world

    world = build_world()
    programme = world.objects["programme"]
    assert list(programme.targets.values_list("competency", "level")) == [(world.objects["published_competency"].pk, 4)]
    assert (programme.review_after_days, programme.review_method, programme.active) == (90, ReviewMethod.REASSESSMENT,
                                                                                         True)
    assert world.objects["session"].capacity == 2 and world.objects["session"].starts_at > timezone.now()
    assert world.objects["past_session"].ends_at < timezone.now() and world.objects["past_session"].capacity == 5
    assert not world.objects["inactive_programme"].active


def test_the_demo_catalogue_is_seeded_once_with_upcoming_sessions(hr):
    from competency.starter import load_starter_framework
    from demo.seed_training import seed_training

    from tests.factories import TEST_PASSWORD
    from tests.helpers import co_signer

    version, _created = load_starter_framework(owner=hr, approver=co_signer(hr), password=TEST_PASSWORD)
    competencies = {c.code: c for c in version.competencies.all()}
    first = seed_training(hr, competencies)
    again = seed_training(hr, competencies)
    assert len(first) == 3 and all("already there" in line for line in again)
    assert dict(Programme.objects.values_list("title", "kind")) == {
        "ISO 9001 compliance workshop": "workshop",
        "Coaching on performance metrics and corrective actions": "coaching",
        "Continuous improvement and process optimisation": "workshop"}
    assert sorted(ProgrammeTarget.objects.filter(programme__title__startswith="Coaching")
                  .values_list("competency__code", "level")) == [("DD-01", 3), ("PI-04", 4)]
    assert Session.objects.count() == 5 and not Session.objects.filter(starts_at__lte=timezone.now()).exists()
