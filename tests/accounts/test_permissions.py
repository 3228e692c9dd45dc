from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from accounts import permissions
from accounts.models import User
from tests.world import build_world

pytestmark = pytest.mark.django_db


def test_an_unknown_action_is_a_programming_error_not_a_silent_no():
    with pytest.raises(ImproperlyConfigured, match="no.such"):
        permissions.can(User(email="x@example.com"), "no.such")


def test_anonymous_and_inactive_users_may_do_nothing():
    inactive = User(email="x@example.com", is_active=False)
    assert not permissions.can(AnonymousUser(), "dashboard.view")
    assert not permissions.can(inactive, "dashboard.view")


def test_require_carries_the_reason_of_a_refusal(monkeypatch):
    monkeypatch.setitem(permissions._RULES, "test.change", lambda user, obj: permissions.Denied("Frozen."))
    world = build_world()
    with pytest.raises(PermissionDenied, match="Frozen."):
        permissions.require(world.user("hr"), "test.change")


def test_get_for_user_hides_objects_outside_the_audience_and_refuses_inside_it(monkeypatch):
    world = build_world()
    monkeypatch.setitem(permissions._RULES, "test.view", lambda user, obj: user.pk == obj.pk)
    monkeypatch.setitem(permissions._RULES, "test.change", lambda user, obj: False)
    leader = world.user("leader")
    with pytest.raises(Http404):
        permissions.get_for_user(world.user("colleague"), User, "test.view", pk=leader.pk)
    with pytest.raises(PermissionDenied):
        permissions.get_for_user(leader, User, "test.change", pk=leader.pk)
    assert permissions.get_for_user(leader, User, "test.view", pk=leader.pk) == leader


def test_a_leader_with_reports_counts_as_a_manager():
    from profiles.rules import manages_anyone

    world = build_world()
    assert manages_anyone(world.user("manager"))
    assert not manages_anyone(world.user("leader"))
    assert not manages_anyone(world.user("hr"))  # no person record at all


#: Which app each kind of object belongs to: its rules live in that app's rules.py.
OWNERS = {
    "account": "accounts", "dashboard": "dashboard",
    "security": "accounts", "two_factor": "accounts", "user_session": "accounts",
    "framework": "competency", "version": "competency", "area": "competency", "competency": "competency",
    "comment": "competency", "import": "competency", "scale": "competency",
    "profile": "profiles", "person": "profiles", "people": "profiles", "peopleimport": "profiles",
    "orgunit": "profiles",
    "cycle": "assessments", "questionnaire": "assessments", "participant": "assessments", "resultcomment": "assessments",
    "analysis": "gaps", "gaps": "gaps", "leadergap": "gaps",
    "programme": "training", "session": "training", "enrolment": "training", "certificate": "training",
    "record": "training", "evidence": "training", "signoff": "training", "review": "training", "matrix": "training",
    "plan": "devplans",
    "dossier": "evidence", "sampling": "evidence", "access_log": "evidence", "pack": "evidence", "pack_log": "evidence",
    "statement": "awareness", "mreview": "awareness",
    "apitoken": "api",
}


def test_every_rule_and_scope_lives_beside_the_app_whose_objects_it_decides():
    for action, check in permissions.registered_rules().items():
        thing = action.split(".", 1)[0]
        assert check.__module__.startswith(f"{OWNERS[thing]}.rules"), f"{action} is decided in {check.__module__}"
    for thing, narrow in permissions.registered_scopes().items():
        assert narrow.__module__.startswith(f"{OWNERS[thing]}.rules"), f"the {thing} scope is in {narrow.__module__}"


def test_the_engine_holds_no_rule_and_imports_no_app():
    from pathlib import Path

    source = Path(permissions.__file__).read_text()
    assert "\n@rule(" not in source and "\n@scope(" not in source
    for app in ("signatures", "documents", "competency", "profiles", "dashboard", "assessments", "gaps", "training",
                "devplans", "awareness", "evidence"):
        assert f"from {app}" not in source and f"import {app}" not in source and f'"{app}"' not in source


def test_a_rule_cannot_be_registered_twice():
    with pytest.raises(ImproperlyConfigured):
        permissions.rule("dashboard.view")(lambda user, obj: True)
