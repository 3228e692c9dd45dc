"""Effectiveness reviews as their users see them: the manager records the levels, the method, the
evidence and the verdict (a correction keeps the earlier record in the history); bad levels, missing
evidence, someone who is not the manager or HR, and forged ids are refused with nothing changed; a
360° cycle released after the training shows its observed level beside the level before; the list
flags overdue reviews and shows each manager their own line only."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from assessments.models import CellLabel, Cycle, CycleStatus
from assessments.services import cycles
from tests.factories import PersonFactory, UserFactory
from tests.gaps.builders import analyse, stored_cycle, stored_leader
from training.models import (EffectivenessReview, Enrolment, EnrolmentStatus, Programme, ProgrammeKind,
                             ProgrammeTarget, ReviewMethod, Session)
from training.selectors_matrix import overdue_reviews

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())).strip()


def completed_review(person, competency, hr, *, completed_days_ago: int = 10, due_in: int = 80,
                     title: str = "Direction workshop") -> EffectivenessReview:
    """`person` completed a workshop aimed at `competency` level 4 `completed_days_ago` days ago; its review
    falls due `due_in` days from today (negative: overdue)."""
    programme = Programme.objects.create(title=title, kind=ProgrammeKind.WORKSHOP, duration_hours=Decimal(7),
                                         created_by=hr, review_method=ReviewMethod.OBSERVATION)
    ProgrammeTarget.objects.create(programme=programme, competency=competency, level=4)
    starts = timezone.now() - timedelta(days=completed_days_ago + 1)
    session = Session.objects.create(programme=programme, starts_at=starts, ends_at=starts + timedelta(hours=7),
                                     capacity=5, created_by=hr)
    completed = timezone.localdate() - timedelta(days=completed_days_ago)
    enrolment = Enrolment.objects.create(session=session, person=person, status=EnrolmentStatus.COMPLETED,
                                         requested_by=hr, attended=True, completed_on=completed)
    return EffectivenessReview.objects.create(enrolment=enrolment, competency=competency, planned_method=ReviewMethod.OBSERVATION,
                                              due_on=timezone.localdate() + timedelta(days=due_in))


@pytest.fixture
def team(hr):
    """A manager with a report (the leader), a stranger, and the leader's review in competency A of a
    released cycle's framework (scale 1-5)."""
    cycle, (a, b) = stored_cycle(hr, code="rev")
    manager = PersonFactory(user=UserFactory(first_name="Mara", last_name="Manager"))
    leader = PersonFactory(user=UserFactory(first_name="Leo", last_name="Leader"), manager=manager)
    stranger = PersonFactory(user=UserFactory(first_name="Sam", last_name="Stranger"))
    review = completed_review(leader, a, hr)
    return {"cycle": cycle, "a": a, "b": b, "manager": manager, "leader": leader, "stranger": stranger,
            "review": review}


GOOD = {"level_before": "2", "level_after": "3.5", "method_used": ReviewMethod.OBSERVATION,
        "evidence": "Ran the March process review unaided", "effective": "yes"}


def test_the_manager_records_a_review_and_a_correction_keeps_the_earlier_record(client, team):
    review = team["review"]
    client.force_login(team["manager"].user)
    url = reverse("training:review_record", args=[review.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, GOOD)
    assert response.status_code == 302 and response.url == reverse("training:review_list")
    review.refresh_from_db()
    assert (review.level_before, review.level_after, review.method_used, review.effective) == (
        Decimal("2.00"), Decimal("3.50"), ReviewMethod.OBSERVATION, True)
    assert review.evidence == "Ran the March process review unaided"
    assert review.reviewed_by == team["manager"].user and review.reviewed_on == timezone.localdate()
    assert review.history.first().history_user == team["manager"].user

    client.post(url, {**GOOD, "effective": "no", "level_after": "2"})
    review.refresh_from_db()
    assert (review.effective, review.level_after) == (False, Decimal("2.00"))
    verdicts = list(review.history.order_by("history_date").values_list("effective", flat=True))
    assert verdicts == [None, True, False]  # created open, recorded effective, corrected


@pytest.mark.parametrize("change, field", [
    ({"level_after": "6"}, "level_after"), ({"level_before": "0"}, "level_before"),
    ({"evidence": "  "}, "evidence"), ({"method_used": "guess"}, "method_used"), ({"effective": ""}, "effective"),
])
def test_bad_input_is_refused_with_400_and_nothing_changes(client, team, change, field):
    review = team["review"]
    client.force_login(team["manager"].user)
    response = client.post(reverse("training:review_record", args=[review.pk]), {**GOOD, **change})
    assert response.status_code == 400
    assert field in response.context["form"].errors
    review.refresh_from_db()
    assert review.reviewed_on is None and review.level_after is None and review.history.count() == 1


def test_the_service_refuses_a_level_off_the_scale(team, hr):
    from django.core.exceptions import ValidationError

    from training.services.reviews import record_review

    with pytest.raises(ValidationError) as caught:
        record_review(team["review"], 3, Decimal("5.5"), ReviewMethod.TEST, "Test passed", True, hr)
    assert "from 1 to 5" in str(caught.value)


def test_only_the_manager_hr_or_quality_record_and_forged_ids_are_404(client, team):
    review = team["review"]
    url = reverse("training:review_record", args=[review.pk])
    client.force_login(team["leader"].user)  # reads their own record, may not judge it
    assert client.get(url).status_code == 403
    assert client.post(url, GOOD).status_code == 403
    client.force_login(team["stranger"].user)  # outside the leader's audience
    assert client.post(url, GOOD).status_code == 404
    client.force_login(UserFactory(auditor=True))
    assert client.get(url).status_code == 403
    client.force_login(UserFactory(role=Role.QUALITY))
    assert client.get(reverse("training:review_record", args=[review.pk + 999])).status_code == 404
    review.refresh_from_db()
    assert review.reviewed_on is None
    assert client.post(url, GOOD).status_code == 302  # quality may


def _released_on(cycle: Cycle, when) -> None:
    Cycle.objects.filter(pk=cycle.pk).update(released_at=when)


def test_a_cycle_released_after_the_training_shows_its_level_beside_the_level_before(client, team, hr):
    """An earlier cycle (released before completion) observed 2 in A: it is not shown; the cycle released
    after completion observed 3.5 (manager 4, peers 3): shown on the list and on the form."""
    a, leader, review = team["a"], team["leader"], team["review"]
    earlier = cycles.create_cycle(actor=hr, name="Spring", framework_version=team["cycle"].framework_version,
                                  opens_on=timezone.localdate(), closes_on=timezone.localdate() + timedelta(days=9))
    Cycle.objects.filter(pk=earlier.pk).update(status=CycleStatus.RELEASED, release_number=1)
    earlier.refresh_from_db()
    stored_leader(earlier, requirements={a: (3, 1, False)}, cells={a: {CellLabel.MANAGER: 2}}, person=leader)
    analyse(earlier)
    _released_on(earlier, timezone.now() - timedelta(days=40))
    client.force_login(team["manager"].user)
    page = text(client.get(reverse("training:review_list")))
    assert "Later 360° level" in page and "Cycle rev" not in page and "(Spring)" not in page

    stored_leader(team["cycle"], requirements={a: (3, 1, False)},
                  cells={a: {CellLabel.MANAGER: 4, CellLabel.PEER: 3}}, person=leader)
    analyse(team["cycle"])
    response = client.get(reverse("training:review_list"))
    row = re.search(r'data-testid="later-level">(.*?)</td>', response.content.decode(), re.S).group(1)
    assert re.sub(r"<[^>]+>|\s+", " ", row).split() == ["3.50", "(Cycle", "rev)"]
    form = text(client.get(reverse("training:review_record", args=[review.pk])))
    assert "Observed in a 360° cycle released after completion 3.50 (Cycle rev, released" in form


def test_the_list_filters_flags_overdue_and_shows_a_manager_their_line_only(client, team, hr):
    a, leader = team["a"], team["leader"]
    overdue = completed_review(leader, a, hr, completed_days_ago=100, due_in=-10, title="Coaching on metrics")
    done = completed_review(leader, a, hr, completed_days_ago=200, due_in=-100, title="Corrective actions")
    EffectivenessReview.objects.filter(pk=done.pk).update(reviewed_on=timezone.localdate(), effective=True,
                                                          reviewed_by=hr, level_before=2, level_after=4)
    theirs = completed_review(team["stranger"], a, hr, title="Process optimisation")

    def shown(user, state=""):
        client.force_login(user)
        response = client.get(reverse("training:review_list"), {"state": state} if state else {})
        assert response.status_code == 200
        return [review.pk for review, *_ in response.context["rows"]]

    assert shown(hr) == [overdue.pk, team["review"].pk, theirs.pk, done.pk]
    assert shown(hr, "overdue") == [overdue.pk]
    assert shown(hr, "due") == [team["review"].pk, theirs.pk]
    assert shown(hr, "done") == [done.pk]
    assert shown(team["manager"].user) == [overdue.pk, team["review"].pk, done.pk]
    assert shown(team["stranger"].user) == [theirs.pk]
    client.force_login(team["manager"].user)
    html = client.get(reverse("training:review_list")).content.decode()
    assert html.count('data-testid="overdue">overdue<') == 1
    assert [r.pk for r in overdue_reviews(team["manager"].user, 5)] == [overdue.pk]
    assert overdue_reviews(team["stranger"].user, 5) == []
    assert client.get(reverse("training:review_list"), {"state": "bogus"}).status_code == 400
