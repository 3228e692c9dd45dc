"""Plans, objectives and actions keep an audit trail whose newest row equals the record, whichever service
changed it (drafting, edits, the flow, progress, the listeners); notes are append-only and keep none."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from core.history import history_mismatches, tracked_models
from devplans.models import Action, ActionKind, ActionStatus, Objective, Plan, ProgressNote
from devplans.services import content, flow, progress
from devplans.services.progress import meet_from_analysis
from tests.devplans.builders import later_cycle
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def test_plans_objectives_and_actions_are_tracked_and_notes_are_not():
    labels = {model._meta.label for model in tracked_models()}
    assert {"devplans.Plan", "devplans.Objective", "devplans.Action"} <= labels
    assert "devplans.ProgressNote" not in labels


def test_the_newest_history_row_equals_the_record_after_every_path(org, plan):
    objective = plan.objectives.order_by("position").first()
    content.objective_update(objective, content.ObjectiveInput(
        target_level=4, due_date=objective.due_date, success_measure="Better", check_method="observation",
        check_due=objective.check_due), actor=org.leader.user)
    extra = content.action_create(objective, content.ActionInput(
        kind=ActionKind.OTHER, title="Extra", detail="", owner=None, hours=Decimal(1), budget=Decimal(0),
        due_date=timezone.localdate() + timedelta(days=3)), actor=org.leader.user)
    content.action_remove(extra, actor=org.leader.user)
    flow.plan_submit(plan, actor=org.leader.user)
    flow.plan_approve(plan, actor=org.manager.user, password=TEST_PASSWORD)
    reading = Action.objects.filter(objective__plan=plan, kind=ActionKind.READING).first()
    progress.action_set_status(reading, actor=org.leader.user, status=ActionStatus.IN_PROGRESS)
    meet_from_analysis(later_cycle(org, {0: 3, 1: 4, 2: 4}).pk)
    assert history_mismatches([Plan, Objective, Action]) == []
    newest = Plan.history.filter(id=plan.pk).order_by("-history_date", "-history_id").first()
    assert newest.status == "completed" and newest.history_user is None  # completed by the cycle, not a person
    assert Plan.history.filter(id=plan.pk, history_user=org.manager.user, status="approved").exists()
    assert ProgressNote.objects.filter(action=reading).count() == 1
