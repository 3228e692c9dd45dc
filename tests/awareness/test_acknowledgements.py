"""A leader acknowledges, with their password, the current revision of each statement that applies to them and
of their own role profile; a new revision asks again while the old acknowledgement stays for its revision;
reminders go once to those who have not acknowledged after ACK_REMINDER_DAYS."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from awareness import services
from awareness.models import Acknowledgement, AckReminder, StatementKind
from profiles import services as profile_services
from signatures.models import Meaning, Signature
from tests.awareness.test_statements import new_revision, org, published  # noqa: F401  (fixture)
from tests.factories import TEST_PASSWORD, UserFactory
from tests.helpers import co_signer, text

pytestmark = pytest.mark.django_db


def mine(client, person):
    client.force_login(person.user)
    return client.get(reverse("awareness:mine"))


def ack(client, revision, password=TEST_PASSWORD):
    return client.post(reverse("awareness:acknowledge", args=[revision.pk]),
                       {"meaning": "acknowledged", "password": password})


def revise_profile(org, description: str):
    profile = profile_services.profile_update(profile=org.profile, name=org.profile.name, code=org.profile.code,
                                              description=description)
    return profile_services.profile_approve(profile=profile, actor=co_signer(org.hr), password=TEST_PASSWORD,
                                            change_note="Clarified")


def test_a_leader_sees_the_current_revision_and_their_role_profile_waiting(client, org):
    published(org)
    page = text(mine(client, org.leader))
    assert "Quality policy, revision 1" in page and "We deliver what we promise." in page
    assert "(quality policy)" not in page  # the kind is not said twice
    assert "Your role profile: Team Leader, revision 1" in page
    assert page.count('>Waiting<') == 2 and "2 waiting for your acknowledgement" in page


def test_acknowledging_with_the_password_signs_the_revision(client, org):
    statement = published(org)
    client.force_login(org.leader.user)
    response = ack(client, statement.current_revision)
    assert response.status_code == 302
    acknowledgement = Acknowledgement.objects.get()
    assert (acknowledgement.person, acknowledgement.revision) == (org.leader, statement.current_revision)
    assert acknowledgement.signature.meaning == Meaning.ACKNOWLEDGED
    assert acknowledgement.signature.signer == org.leader.user
    assert acknowledgement.signature.record_version == 1
    page = text(client.get(reverse("awareness:mine")))
    assert "Acknowledged. Thank you." in page and "Quality policy, revision 1 —" in page
    assert "1 waiting for your acknowledgement" in page  # their role profile still waits


def test_a_wrong_password_stores_nothing(client, org):
    statement = published(org)
    signatures = Signature.objects.count()
    mine(client, org.leader)
    response = ack(client, statement.current_revision, password="wrong")
    assert response.status_code == 400 and "not your password" in text(response)
    assert not Acknowledgement.objects.exists() and Signature.objects.count() == signatures


def test_each_acknowledgement_has_its_own_password_field_and_a_refusal_shows_beside_its_own(client, org):
    statement = published(org)
    objective = published(org, "On-time delivery", kind=StatementKind.OBJECTIVE)
    html = mine(client, org.leader).content.decode()
    fields = [f"id_revision_{statement.current_revision.pk}_password",
              f"id_revision_{objective.current_revision.pk}_password", "id_profile_password"]
    for field in fields:  # each label names its own field
        assert html.count(f'id="{field}"') == 1 and f'for="{field}"' in html
    assert "On-time delivery (quality objective), revision 1" in text(mine(client, org.leader))
    response = ack(client, objective.current_revision, password="wrong")
    assert response.status_code == 400
    cards = {re.search(r'data-revision="(\d+)"', card).group(1): card
             for card in response.content.decode().split("<section")[1:] if "data-revision" in card}
    assert "not your password" in cards[str(objective.current_revision.pk)]
    assert "not your password" not in cards[str(statement.current_revision.pk)]


def test_a_double_submit_keeps_one_acknowledgement(client, org):
    statement = published(org)
    mine(client, org.leader)
    ack(client, statement.current_revision)
    response = ack(client, statement.current_revision)
    assert response.status_code == 302
    assert Acknowledgement.objects.count() == 1
    assert "acknowledged this already" in text(client.get(reverse("awareness:mine")))


def test_a_new_revision_asks_again_and_the_old_acknowledgement_stays_for_its_revision(client, org):
    statement = published(org)
    first = statement.current_revision
    mine(client, org.leader)
    ack(client, first)
    second = new_revision(org, statement, "We deliver what we promise, on time.")
    page = text(client.get(reverse("awareness:mine")))
    assert "revision 2" in page and "on time." in page and "Waiting" in page
    assert "Quality policy, revision 1 —" in page  # the earlier acknowledgement, for its revision
    ack(client, second)
    assert list(Acknowledgement.objects.order_by("pk").values_list("revision__number", flat=True)) == [1, 2]
    mine(client, org.colleague)
    response = ack(client, first)  # the superseded revision, never acknowledged: refused, nothing stored
    assert "not the current one" in text(client.get(response.url))
    assert not Acknowledgement.objects.filter(person=org.colleague).exists()


def test_a_statement_for_another_unit_is_neither_shown_nor_acknowledged(client, org):
    other = published(org, "Office rules", kind=StatementKind.OTHER, applies_to_everyone=False,
                      org_units=[org.office])
    assert "Office rules" not in text(mine(client, org.leader))
    response = ack(client, other.current_revision)
    assert "does not apply to you" in text(client.get(response.url))
    assert not Acknowledgement.objects.exists()
    assert "Office rules" in text(mine(client, org.colleague))


def test_a_draft_or_forged_revision_is_not_found(client, org):
    statement = published(org)
    draft = services.statement_revise(statement=statement, title=statement.title, revision=services.RevisionInput(
        text="Draft words", effective_date=timezone.localdate()), actor=org.hr)
    mine(client, org.leader)
    assert ack(client, draft).status_code == 404
    assert client.post(reverse("awareness:acknowledge", args=[987654]), {"password": TEST_PASSWORD}).status_code == 404
    assert not Acknowledgement.objects.exists()


def test_accounts_without_a_person_have_nothing_to_acknowledge(client, org):
    client.force_login(org.hr)
    response = client.get(reverse("awareness:mine"))
    assert response.status_code == 403


def test_a_new_role_profile_revision_shows_the_earlier_acknowledgement_as_for_the_old_revision(client, org):
    mine(client, org.leader)
    response = client.post(reverse("awareness:acknowledge_profile"), {"password": TEST_PASSWORD})
    assert response.status_code == 302
    first = Acknowledgement.objects.get()
    assert (first.role_profile, first.profile_revision) == (org.profile, 1)
    revise_profile(org, "Now also leads the plant's safety walks.")
    page = text(client.get(reverse("awareness:mine")))
    assert "Your role profile: Team Leader, revision 2" in page and "Waiting" in page
    assert "Role profile Team Leader, revision 1 —" in page
    client.post(reverse("awareness:acknowledge_profile"), {"password": TEST_PASSWORD})
    assert list(Acknowledgement.objects.order_by("pk").values_list("profile_revision", flat=True)) == [1, 2]


def test_a_wrong_password_acknowledges_no_role_profile(client, org):
    mine(client, org.leader)
    response = client.post(reverse("awareness:acknowledge_profile"), {"password": "wrong"})
    assert response.status_code == 400 and not Acknowledgement.objects.exists()


def test_a_role_profile_being_revised_waits_for_its_approval(client, org):
    profile_services.profile_update(profile=org.profile, name=org.profile.name, code=org.profile.code,
                                    description="Changing")
    mine(client, org.leader)
    response = client.post(reverse("awareness:acknowledge_profile"), {"password": TEST_PASSWORD})
    assert "being revised" in text(client.get(response.url)) and not Acknowledgement.objects.exists()


@pytest.mark.parametrize("extra", [0, 4])
def test_the_waiting_page_costs_the_same_queries_at_two_sizes(client, org, extra, django_assert_num_queries):
    published(org)
    for n in range(extra):
        statement = published(org, f"Statement {n}")
        services.acknowledge_revision(person=org.leader, revision=statement.current_revision, password=TEST_PASSWORD)
    client.force_login(org.leader.user)
    # session, user, person, their role profile, the current revisions with "acknowledged", the profile's
    # acknowledgement, the leader's acknowledgements, the navigation's "manages anyone"
    with django_assert_num_queries(8):
        response = client.get(reverse("awareness:mine"))
    assert len(response.context["revisions"]) == 1 + extra


# --- reminders ------------------------------------------------------------------------------------------


def test_reminders_go_once_to_those_who_have_not_acknowledged_after_the_days(org, settings):
    settings.ACK_REMINDER_DAYS = 7
    statement = published(org)
    services.acknowledge_revision(person=org.colleague, revision=statement.current_revision, password=TEST_PASSWORD)
    services.acknowledge_profile(person=org.colleague, password=TEST_PASSWORD)
    assert services.send_reminders(timezone.now() + timedelta(days=6)) == 0  # not yet
    assert services.send_reminders(timezone.now() + timedelta(days=8)) == 1
    assert [message.to for message in mail.outbox] == [["leo@example.com"]]
    body = mail.outbox[0].body
    assert "Quality policy, revision 1" in body and "role profile “Team Leader”, revision 1" in body
    assert "/awareness/mine/" in body
    assert services.send_reminders(timezone.now() + timedelta(days=9)) == 0  # nobody twice
    assert len(mail.outbox) == 1
    assert AckReminder.objects.filter(sent_at__isnull=False).count() == 2


def test_a_new_revision_is_reminded_of_again(org, settings):
    settings.ACK_REMINDER_DAYS = 7
    statement = published(org)
    services.acknowledge_profile(person=org.leader, password=TEST_PASSWORD)
    services.acknowledge_profile(person=org.colleague, password=TEST_PASSWORD)
    services.send_reminders(timezone.now() + timedelta(days=8))
    new_revision(org, statement, "New words")
    mail.outbox.clear()
    assert services.send_reminders(timezone.now() + timedelta(days=8)) == 2
    assert all("revision 2" in message.body for message in mail.outbox)


def test_the_command_sends_the_reminders_without_celery(org, settings, capsys):
    settings.ACK_REMINDER_DAYS = 0
    published(org)
    call_command("send_ack_reminders")
    assert "2 acknowledgement reminders sent." in capsys.readouterr().out
    call_command("send_ack_reminders")
    assert "0 acknowledgement reminders sent." in capsys.readouterr().out
    assert len(mail.outbox) == 2


def test_the_task_sends_the_reminders(org, settings):
    from awareness.tasks import send_ack_reminders

    settings.ACK_REMINDER_DAYS = 0
    published(org)
    assert send_ack_reminders.apply().get() == 2
    assert send_ack_reminders.apply().get() == 0


def test_inactive_people_get_no_reminder(org, settings):
    settings.ACK_REMINDER_DAYS = 0
    published(org)
    org.colleague.active = False
    org.colleague.save()
    assert services.send_reminders() == 1


def test_anonymous_visitors_go_to_the_login_page(client, org):
    statement = published(org)
    response = ack(client, statement.current_revision)
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))
    assert not Acknowledgement.objects.exists()


def test_an_auditor_cannot_acknowledge(client, org):
    statement = published(org)
    client.force_login(UserFactory(email="a2@example.com", auditor=True))
    assert ack(client, statement.current_revision).status_code == 403
