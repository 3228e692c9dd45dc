from __future__ import annotations

import pytest
from django.core.management import call_command

from accounts.models import Role, User
from demo.seed import DEMO_PASSWORD, seed_demo_organisation
from profiles.models import OrgUnit, Person

pytestmark = pytest.mark.django_db


def test_it_builds_an_organisation_with_managers_and_every_role():
    report = seed_demo_organisation(leaders=30)
    assert Person.objects.count() == 30
    assert Person.objects.filter(manager__isnull=True).count() == 1  # the managing director
    assert OrgUnit.objects.filter(parent__isnull=True).count() == 1
    assert set(User.objects.values_list("role", flat=True)) == {Role.HR, Role.QUALITY, Role.LEADER, Role.AUDITOR}
    hr = User.objects.get(email="hr@demo.proficio.example")
    assert hr.check_password(DEMO_PASSWORD) and hr.is_staff
    assert User.objects.get(role=Role.AUDITOR).access_window_open()
    assert {email for _, email, _ in report.logins} >= {"hr@demo.proficio.example", "auditor@demo.proficio.example"}


def test_running_it_again_changes_nothing():
    seed_demo_organisation(leaders=30)
    snapshot = list(Person.objects.order_by("pk").values_list("pk", "manager_id", "org_unit_id"))
    report = seed_demo_organisation(leaders=30)
    assert (report.created_users, report.created_people, report.updated_managers) == (0, 0, 0)
    assert list(Person.objects.order_by("pk").values_list("pk", "manager_id", "org_unit_id")) == snapshot


def test_no_one_is_their_own_manager_through_a_chain():
    seed_demo_organisation(leaders=200)
    managers = dict(Person.objects.values_list("pk", "manager_id"))
    for start in managers:
        seen, current = set(), start
        while current is not None:
            assert current not in seen
            seen.add(current)
            current = managers[current]


def test_the_command_prints_the_logins(capsys, settings):
    settings.DEBUG = True
    call_command("seed_demo", "--leaders", "8")
    output = capsys.readouterr().out
    assert "hr@demo.proficio.example" in output
    assert "password for all: proficio-demo" in output


def test_the_command_leaves_a_database_with_real_people_alone(settings, capsys):
    from tests.factories import UserFactory

    settings.DEBUG = True
    UserFactory(email="real.person@acme.example")
    call_command("seed_demo")
    assert "Demo data skipped" in capsys.readouterr().out
    assert User.objects.count() == 1


def test_the_command_refuses_a_production_system(settings):
    from django.core.management.base import CommandError

    settings.DEBUG = False
    with pytest.raises(CommandError, match="Refusing to create demo accounts"):
        call_command("seed_demo")
    assert not User.objects.exists()
