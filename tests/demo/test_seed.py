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


def test_it_publishes_the_quality_policy_in_two_signed_revisions_and_two_objectives():
    from django.contrib.contenttypes.models import ContentType

    from awareness.models import RevisionStatus, Statement, StatementKind, StatementRevision
    from signatures.models import Meaning, Signature

    seed_demo_organisation(leaders=30)
    hr, quality = User.objects.get(role=Role.HR), User.objects.get(role=Role.QUALITY)
    policy = Statement.objects.get(kind=StatementKind.POLICY)
    assert [(r.number, r.status) for r in policy.revisions.order_by("number")] == [
        (1, RevisionStatus.SUPERSEDED), (2, RevisionStatus.PUBLISHED)]
    assert policy.current_revision.number == 2
    revisions = StatementRevision.objects.all()
    assert {(r.created_by, r.approved_by) for r in revisions} == {(hr, quality)}  # HR writes, quality signs
    approvals = Signature.objects.filter(content_type=ContentType.objects.get_for_model(StatementRevision),
                                         meaning=Meaning.APPROVED)
    assert sorted(approvals.values_list("signer__email", flat=True)) == [quality.email] * 4
    # the newest history row of each revision was written by whoever changed it last (HR published them)
    assert {r.history.latest().history_user for r in revisions} == {hr}
    objectives = Statement.objects.filter(kind=StatementKind.OBJECTIVE)
    assert objectives.count() == 2 and all(o.measure and o.target and o.current_revision.number == 1
                                           for o in objectives)


def test_running_it_again_adds_no_statement_revision_or_acknowledgement():
    from awareness.models import Acknowledgement, Statement, StatementRevision
    from signatures.models import Signature

    def counts():
        return (Statement.objects.count(), StatementRevision.objects.count(), Acknowledgement.objects.count(),
                Signature.objects.count(), StatementRevision.history.count(), Statement.history.count())

    seed_demo_organisation(leaders=30)
    before = counts()
    assert before[:3] == (3, 4, 70)  # policy (2 revisions) and 2 objectives; 60 current + 10 of policy 1
    report = seed_demo_organisation(leaders=30)
    assert counts() == before
    assert report.awareness[-1] == "Acknowledgements: already there."
