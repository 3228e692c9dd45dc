"""The pages HR and quality run a cycle with: create and edit a draft, choose its leaders, open it (with
its progress bar), extend, close and remind. Bad input answers 400 with the reason; a refused action
comes back as a message; neither changes anything."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from assessments.models import Cycle, CycleStatus, Participant, Questionnaire
from assessments.services import cycles
from profiles.models import Person
from tests.assessments.builders import answer, close, team_cycle
from tests.factories import OrgUnitFactory, PersonFactory, UserFactory
from tests.helpers import approved_profile, published_framework, text, visible_text

pytestmark = pytest.mark.django_db


def url(name: str, *args) -> str:
    return reverse(f"assessments:{name}", args=args)


@pytest.fixture
def version(hr):
    return published_framework(hr)


def cycle_data(version, **changes) -> dict:
    today = timezone.localdate()
    data = {
        "name": "Spring 360", "framework_version": version.pk, "opens_on": today.isoformat(),
        "closes_on": (today + timedelta(days=21)).isoformat(), "threshold_peer": 3, "threshold_direct": 3,
        "threshold_external": 3, "min_peers": 4, "max_peers": 8, "min_external": 0, "max_external": 4,
        "reminders_after_open": "5, 10", "reminders_before_close": "2, 0", "weight_manager": "1", "weight_peer": "1", "weight_direct": "1",
        "weight_external": "1", "blind_spot_gap": "", "results_audience": "direct",
    }
    data.update(changes)
    return data


def test_the_new_cycle_form_offers_the_issue_defaults_and_only_published_versions(client, hr, version):
    draft = version.framework.versions.model.objects.exclude(pk=version.pk)
    assert not draft.exists()
    from competency import services as competency_services

    revision = competency_services.version_revise(version=version, actor=hr)
    client.force_login(hr)
    response = client.get(url("cycle_create"))
    form = response.context["form"]
    assert list(form.fields["framework_version"].queryset) == [version]
    assert str(revision) not in visible_text(response).split("Framework version")[1].split("Opens on")[0]
    page = text(response)
    for name, value in (("threshold_peer", "3"), ("min_peers", "4"), ("max_peers", "8"),
                        ("reminders_after_open", "5, 10"), ("reminders_before_close", "2, 0")):
        assert f'name="{name}" value="{value}"' in page, name
    assert f'value="{(timezone.localdate() + timedelta(days=21)).isoformat()}"' in page


def test_creating_a_cycle_stores_its_settings_and_goes_on_to_the_leaders(client, hr, version):
    client.force_login(hr)
    response = client.post(url("cycle_create"), cycle_data(version, reminders_after_open="10; 5  3",
                                                           blind_spot_gap="0.75", results_audience="line"))
    cycle = Cycle.objects.get(name="Spring 360")
    assert response.status_code == 302 and response.url == url("cycle_leaders", cycle.pk)
    assert cycle.status == CycleStatus.DRAFT and cycle.created_by == hr
    assert cycle.reminders_after_open == [3, 5, 10] and cycle.reminders_before_close == [0, 2]
    assert str(cycle.blind_spot_gap) == "0.75" and cycle.results_audience == "line"
    assert cycle.history.get().history_user == hr


@pytest.mark.parametrize("changes, message", [
    ({"reminders_after_open": "5, ten"}, "“ten” is not a number of days: write whole numbers from 0 to 365 separated by commas"),
    ({"reminders_before_close": "2, 400, -1"}, "“400, -1” are not a number of days"),
    ({"threshold_peer": 2}, "A threshold below 3 would let single answers be told apart."),
    ({"min_peers": 6, "max_peers": 5}, "The most peers cannot be fewer than the fewest (6)."),
    ({"min_external": 2, "max_external": 1}, "The most external raters cannot be fewer than the fewest (2)."),
    ({"closes_on": timezone.localdate().isoformat()}, "The close date must come after the opening date."),
    ({"name": ""}, "This field is required."),
    ({"blind_spot_gap": "0"}, "Ensure this value is greater than or equal to 0.1."),
])
def test_bad_settings_answer_400_with_the_reason_and_create_nothing(client, hr, version, changes, message):
    client.force_login(hr)
    response = client.post(url("cycle_create"), cycle_data(version, **changes))
    assert response.status_code == 400
    assert message in text(response)
    assert not Cycle.objects.exists()


def test_an_unpublished_version_is_refused(client, hr, version):
    from competency import services as competency_services

    revision = competency_services.version_revise(version=version, actor=hr)
    client.force_login(hr)
    response = client.post(url("cycle_create"), cycle_data(revision))
    assert response.status_code == 400 and "Select a valid choice" in text(response)
    assert not Cycle.objects.exists()


def test_a_duplicate_name_is_refused(client, hr, version):
    client.force_login(hr)
    client.post(url("cycle_create"), cycle_data(version))
    response = client.post(url("cycle_create"), cycle_data(version))
    assert response.status_code == 400 and "Cycle with this Name already exists." in text(response)
    assert Cycle.objects.count() == 1


def test_a_draft_is_edited_and_an_open_cycle_is_not(client, hr):
    team = team_cycle(peers=0, reports=0, hr=hr, open_it=False)
    client.force_login(hr)
    response = client.post(url("cycle_edit", team.cycle.pk), cycle_data(team.version, name="Renamed", max_peers=6))
    assert response.status_code == 302
    team.cycle.refresh_from_db()
    assert (team.cycle.name, team.cycle.max_peers) == ("Renamed", 6)
    assert client.post(url("cycle_edit", team.cycle.pk), cycle_data(team.version, max_peers=2)).status_code == 400
    cycles.start_opening(team.cycle, actor=hr)
    for method in ("get", "post"):
        response = getattr(client, method)(url("cycle_edit", team.cycle.pk), cycle_data(team.version, name="Late"),
                                           follow=True)
        assert "its settings change only while it is a draft" in visible_text(response)
    assert Cycle.objects.get().name == "Renamed"


def test_leaders_and_managers_are_kept_out_of_the_cycle_pages(client):
    team = team_cycle(peers=0, reports=0)
    for user in (team.leader.user, team.manager.user):
        client.force_login(user)
        assert client.get(url("cycle_list")).status_code == 403
        assert client.get(url("cycle_create")).status_code == 403
        assert client.get(url("cycle_detail", team.cycle.pk)).status_code == 404
    client.force_login(UserFactory(auditor=True))
    assert client.get(url("cycle_detail", team.cycle.pk)).status_code == 200
    assert client.get(url("cycle_edit", team.cycle.pk)).status_code == 403


# --- leaders ---------------------------------------------------------------------------------------


@pytest.fixture
def draft(hr):
    """A draft cycle, with units HQ > Plant > Line and people in each holding an approved profile."""
    version = published_framework(hr, code="draft")
    profile = approved_profile(version, hr, code="line-leader")
    hq = OrgUnitFactory(name="HQ")
    plant = OrgUnitFactory(name="Plant", parent=hq)
    line = OrgUnitFactory(name="Line", parent=plant)
    people = {
        "hq": PersonFactory(org_unit=hq, role_profile=profile, user__first_name="Hugo", user__last_name="Head"),
        "plant": PersonFactory(org_unit=plant, role_profile=profile, user__first_name="Pia", user__last_name="Plant"),
        "line": PersonFactory(org_unit=line, role_profile=profile, user__first_name="Lars", user__last_name="Line"),
        "gone": PersonFactory(org_unit=line, role_profile=profile, active=False, user__first_name="Gus", user__last_name="Gone"),
        "stray": PersonFactory(org_unit=hq, user__first_name="Nora", user__last_name="Noprofile"),
    }
    today = timezone.localdate()
    cycle = cycles.create_cycle(actor=hr, name="Draft 360", framework_version=version, opens_on=today,
                                closes_on=today + timedelta(days=21))
    return {"cycle": cycle, "units": {"hq": hq, "plant": plant, "line": line}, "people": people, "profile": profile}


def leaders_in(cycle) -> set[str]:
    return {str(p.person) for p in Participant.objects.filter(cycle=cycle).select_related("person__user")}


def test_leaders_are_added_by_unit_with_or_without_sub_units(client, hr, draft):
    cycle, units = draft["cycle"], draft["units"]
    client.force_login(hr)
    leaders = url("cycle_leaders", cycle.pk)
    response = client.post(leaders, {"action": "unit", "unit-org_unit": units["plant"].pk}, follow=True)
    assert "1 leader of Plant added." in visible_text(response)
    assert leaders_in(cycle) == {"Pia Plant"}
    response = client.post(leaders, {"action": "unit", "unit-org_unit": units["hq"].pk, "unit-with_sub_units": "on"},
                           follow=True)
    assert "3 leaders of HQ added." in visible_text(response)  # the inactive person stays out
    assert leaders_in(cycle) == {"Pia Plant", "Hugo Head", "Lars Line", "Nora Noprofile"}
    page = visible_text(response)
    assert "4 leaders chosen; 1 without an approved role profile" in page
    assert "1 leader has no approved role profile: Nora Noprofile." in page


def test_leaders_are_added_by_role_and_one_by_one_from_a_search(client, hr, draft):
    cycle, people = draft["cycle"], draft["people"]
    client.force_login(hr)
    leaders = url("cycle_leaders", cycle.pk)
    response = client.post(leaders, {"action": "profile", "profile-role_profile": draft["profile"].pk}, follow=True)
    assert "3 leaders holding Line Leader added." in visible_text(response)
    Participant.objects.filter(cycle=cycle).delete()
    found = visible_text(client.get(leaders, {"find": "noprofile"}))
    assert "1 found, not yet in the cycle" in found and "Nora Noprofile" in found
    response = client.post(leaders, {"action": "people", "people": [people["stray"].pk, people["hq"].pk]}, follow=True)
    assert "2 leaders added." in visible_text(response)
    assert leaders_in(cycle) == {"Nora Noprofile", "Hugo Head"}
    response = client.post(leaders, {"action": "people", "find": "l", "everyone": "on"}, follow=True)
    assert leaders_in(cycle) == {"Nora Noprofile", "Hugo Head", "Pia Plant", "Lars Line"}


@pytest.mark.usefixtures("postgres")  # batch sizes (and a second connection) as on PostgreSQL, which production runs
def test_bulk_adding_a_thousand_leaders_is_one_insert_not_one_request_each(client, hr, draft, django_assert_max_num_queries):
    from accounts.models import User

    unit = draft["units"]["line"]
    users = User.objects.bulk_create([User(email=f"many{n}@example.com", first_name="Many", last_name=f"{n:04d}")
                                      for n in range(1000)])
    Person.objects.bulk_create([Person(user=user, employee_id=f"M{n}", org_unit=unit, role_profile=draft["profile"])
                                for n, user in enumerate(users)])
    client.force_login(hr)
    with django_assert_max_num_queries(20):
        response = client.post(url("cycle_leaders", draft["cycle"].pk), {"action": "unit", "unit-org_unit": unit.pk})
    assert response.status_code == 302
    assert Participant.objects.filter(cycle=draft["cycle"]).count() == 1001
    with django_assert_max_num_queries(25):
        response = client.post(url("cycle_leaders", draft["cycle"].pk), {"action": "remove", "everyone": "on", "q": "many"})
    assert response.status_code == 302
    assert leaders_in(draft["cycle"]) == {"Lars Line"}


def test_leaders_are_removed_ticked_or_all_those_listed(client, hr, draft):
    cycle = draft["cycle"]
    cycles.add_leaders(cycle, Person.objects.all(), actor=hr)
    client.force_login(hr)
    leaders = url("cycle_leaders", cycle.pk)
    listed = visible_text(client.get(leaders, {"problems": "on"}))
    assert "Nora Noprofile" in listed and "Hugo Head" not in listed
    response = client.post(leaders, {"action": "remove", "everyone": "on", "problems": "on"}, follow=True)
    assert "1 leader removed." in visible_text(response)
    assert "Opening would be refused" not in visible_text(response)
    hugo = Participant.objects.get(cycle=cycle, person=draft["people"]["hq"])
    client.post(leaders, {"action": "remove", "participants": [hugo.pk]})
    assert leaders_in(cycle) == {"Pia Plant", "Lars Line"}
    assert hugo.history.model.objects.filter(id=hugo.pk, history_type="-").get().history_user == hr


@pytest.mark.parametrize("data, message", [
    ({}, "Choose what to do"),
    ({"action": "unit"}, "This field is required."),
    ({"action": "profile", "profile-role_profile": "999999"}, "Select a valid choice."),
    ({"action": "people"}, "Search for people and tick those to add."),
    ({"action": "people", "people": ["x"]}, "The selection was not understood"),
    ({"action": "remove"}, "Tick the leaders to remove."),
])
def test_bad_leader_changes_answer_400_and_change_nothing(client, hr, draft, data, message):
    cycles.add_leaders(draft["cycle"], Person.objects.filter(pk=draft["people"]["hq"].pk), actor=hr)
    client.force_login(hr)
    response = client.post(url("cycle_leaders", draft["cycle"].pk), data)
    assert response.status_code == 400 and message in text(response)
    assert leaders_in(draft["cycle"]) == {"Hugo Head"}


def test_leaders_change_only_in_a_draft(client, hr):
    team = team_cycle(peers=0, reports=0, hr=hr)
    client.force_login(hr)
    response = client.post(url("cycle_leaders", team.cycle.pk), {"action": "remove", "everyone": "on"}, follow=True)
    assert "leaders are chosen only while it is a draft" in visible_text(response)
    assert Participant.objects.filter(cycle=team.cycle).count() == 1


# --- opening ---------------------------------------------------------------------------------------


def test_opening_refuses_with_a_message_naming_the_leaders(client, hr, draft):
    cycle = draft["cycle"]
    cycles.add_leaders(cycle, Person.objects.all(), actor=hr)
    client.force_login(hr)
    response = client.post(url("cycle_open", cycle.pk), follow=True)
    assert "1 leader has no approved role profile: Nora Noprofile." in visible_text(response)
    cycle.refresh_from_db()
    assert cycle.status == CycleStatus.DRAFT and not Questionnaire.objects.exists()


def test_opening_shows_progress_until_the_cycle_is_open(client, hr, draft, django_capture_on_commit_callbacks):
    cycle = draft["cycle"]
    cycles.add_leaders(cycle, Person.objects.filter(role_profile=draft["profile"]), actor=hr)
    client.force_login(hr)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post(url("cycle_open", cycle.pk), follow=True)
    assert "Opening Draft 360 for 3 leaders" in visible_text(response)
    assert len(queued) == 1  # the opening task, run once the request commits
    page = text(response)
    assert "Opening… 0 of 3 leaders ready." in page
    assert f'hx-get="{url("cycle_opening", cycle.pk)}" hx-trigger="every 2s"' in page
    assert '<noscript><meta http-equiv="refresh" content="5"></noscript>' in page
    Cycle.objects.filter(pk=cycle.pk).update(progress={"done": 2, "total": 3})
    fragment = client.get(url("cycle_opening", cycle.pk), headers={"HX-Request": "true"})
    assert "Opening… 2 of 3 leaders ready." in text(fragment) and 'aria-valuenow="2"' in text(fragment)
    queued[0]()  # the task runs
    cycle.refresh_from_db()
    assert cycle.status == CycleStatus.OPEN
    fragment = client.get(url("cycle_opening", cycle.pk), headers={"HX-Request": "true"})
    assert fragment["HX-Refresh"] == "true"
    page = visible_text(client.get(url("cycle_detail", cycle.pk)))
    assert "Progress" in page and "3 leaders" in page


def test_opening_twice_is_refused(client, hr):
    team = team_cycle(peers=0, reports=0, hr=hr)
    client.force_login(hr)
    response = client.post(url("cycle_open", team.cycle.pk), follow=True)
    assert "is open: it cannot open now." in visible_text(response)


# --- extend, close, remind -------------------------------------------------------------------------


def test_extending_needs_a_later_date(client, hr):
    team = team_cycle(peers=0, reports=0, hr=hr)
    cycle = team.cycle
    client.force_login(hr)
    assert client.get(url("cycle_extend", cycle.pk)).status_code == 200
    response = client.post(url("cycle_extend", cycle.pk), {"closes_on": cycle.closes_on.isoformat()})
    assert response.status_code == 400 and "Choose a date after the current close" in text(response)
    assert client.post(url("cycle_extend", cycle.pk), {"closes_on": "soon"}).status_code == 400
    later = cycle.closes_on + timedelta(days=7)
    response = client.post(url("cycle_extend", cycle.pk), {"closes_on": later.isoformat()}, follow=True)
    assert f"now closes on {later:%d %b %Y}" in visible_text(response)
    cycle.refresh_from_db()
    assert cycle.closes_on == later


def test_a_closed_cycle_extended_opens_again_but_a_draft_cannot_be_extended(client, hr):
    team = team_cycle(peers=0, reports=0, hr=hr)
    close(team.cycle, hr)
    client.force_login(hr)
    later = team.cycle.closes_on + timedelta(days=3)
    client.post(url("cycle_extend", team.cycle.pk), {"closes_on": later.isoformat()})
    team.cycle.refresh_from_db()
    assert team.cycle.status == CycleStatus.OPEN
    draft = team_cycle(peers=0, reports=0, hr=hr, code="other", open_it=False).cycle
    response = client.post(url("cycle_extend", draft.pk), {"closes_on": later.isoformat()}, follow=True)
    assert "only an open cycle, or a closed one not yet released, can be extended" in visible_text(response)


def test_closing_then_closing_again(client, hr):
    team = team_cycle(peers=0, reports=0, hr=hr)
    client.force_login(hr)
    response = client.post(url("cycle_close", team.cycle.pk), follow=True)
    assert "is closed: no more answers are taken" in visible_text(response)
    team.cycle.refresh_from_db()
    closed_at = team.cycle.closed_at
    response = client.post(url("cycle_close", team.cycle.pk), follow=True)
    assert "is closed: it cannot close now." in visible_text(response)
    team.cycle.refresh_from_db()
    assert team.cycle.closed_at == closed_at


@pytest.fixture
def reminders(monkeypatch):
    """remind_now, as the email part provides it, recorded instead of sending."""
    from assessments.services import emails

    calls = []

    def remind_now(cycle, *, participant=None, actor):
        calls.append((cycle.pk, participant.pk if participant else None, actor))
        return 3

    monkeypatch.setattr(emails, "remind_now", remind_now, raising=False)
    return calls


def test_hr_reminds_a_whole_cycle_or_one_leaders_raters(client, hr, reminders):
    team = team_cycle(peers=2, reports=1, hr=hr)
    client.force_login(hr)
    response = client.post(url("cycle_remind", team.cycle.pk), follow=True)
    assert "3 reminders sent to raters who have not answered yet." in visible_text(response)
    response = client.post(url("participant_remind", team.participant.pk), follow=True)
    assert "3 reminders sent to Lena Leader's raters who have not answered yet." in visible_text(response)
    assert reminders == [(team.cycle.pk, None, hr), (team.cycle.pk, team.participant.pk, hr)]


def test_reminders_are_refused_once_the_cycle_is_closed_and_for_leaders(client, hr, reminders):
    team = team_cycle(peers=2, reports=1, hr=hr)
    close(team.cycle, hr)
    client.force_login(hr)
    response = client.post(url("cycle_remind", team.cycle.pk), follow=True)
    assert "is closed: reminders go out while it is open." in visible_text(response)
    client.force_login(team.leader.user)
    assert client.post(url("participant_remind", team.participant.pk)).status_code == 403
    assert reminders == []


def test_release_and_export_show_once_closed_and_the_results_link_once_released(client, hr):
    from assessments.release import release_cycle

    team = team_cycle(peers=3, reports=0, hr=hr)
    for questionnaire in Questionnaire.objects.filter(participant=team.participant):
        answer(questionnaire, 3)
    client.force_login(hr)
    detail = url("cycle_detail", team.cycle.pk)
    assert 'data-testid="release"' not in text(client.get(detail))
    close(team.cycle, hr)
    page = text(client.get(detail))
    assert f'action="{url("cycle_release", team.cycle.pk)}"' in page and "Export CSV" not in page
    assert 'data-testid="results-link"' not in text(client.get(url("participant_detail", team.participant.pk)))
    release_cycle(team.cycle, actor=hr)
    page = text(client.get(detail))
    assert "Release again" in page and url("cycle_export", team.cycle.pk, "csv") in page
    results = url("participant_results", team.participant.pk)
    for user in (hr, team.leader.user, team.manager.user):
        client.force_login(user)
        assert f'href="{results}" data-testid="results-link"' in text(client.get(url("participant_detail", team.participant.pk)))


def test_the_release_shows_progress_until_the_cycle_is_released(client, hr, django_capture_on_commit_callbacks):
    team = team_cycle(peers=3, reports=0, hr=hr)
    for questionnaire in Questionnaire.objects.filter(participant=team.participant):
        answer(questionnaire, 3)
    close(team.cycle, hr)
    client.force_login(hr)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post(url("cycle_release", team.cycle.pk), follow=True)
    assert "Releasing results for 1 leader…" in visible_text(response)
    page = text(response)
    assert "Releasing results… 0 of 1 leader done." in page and 'data-status="releasing"' in page
    assert f'hx-get="{url("cycle_opening", team.cycle.pk)}" hx-trigger="every 2s"' in page
    assert '<noscript><meta http-equiv="refresh" content="5"></noscript>' in page
    assert 'data-testid="release"' not in page and "Export CSV" not in page  # neither twice nor half-done
    assert "Progress" in visible_text(response)
    fragment = client.get(url("cycle_opening", team.cycle.pk), headers={"HX-Request": "true"})
    assert "Releasing results… 0 of 1 leader done." in text(fragment)
    queued[0]()  # the task runs
    fragment = client.get(url("cycle_opening", team.cycle.pk), headers={"HX-Request": "true"})
    assert fragment["HX-Refresh"] == "true"
    page = text(client.get(url("cycle_detail", team.cycle.pk)))
    assert 'data-status="released"' in page and "Release again" in page and "Releasing results…" not in page
    list_page = visible_text(client.get(url("cycle_list")))
    assert "Released" in list_page


def test_a_failed_release_shows_its_reason_on_the_cycle_page(client, hr):
    team = team_cycle(peers=3, reports=0, hr=hr)
    close(team.cycle, hr)
    Cycle.objects.filter(pk=team.cycle.pk).update(progress={"error": "an unexpected error (RuntimeError) stopped it."})
    client.force_login(hr)
    page = client.get(url("cycle_detail", team.cycle.pk))
    assert "The release stopped: an unexpected error (RuntimeError) stopped it." in visible_text(page)
    assert 'data-testid="release"' in text(page)  # it may be tried again
    assert "hx-get" not in text(page)


def test_a_releasing_cycle_is_listed_as_releasing_and_cannot_be_extended(client, hr):
    team = team_cycle(peers=3, reports=0, hr=hr)
    close(team.cycle, hr)
    Cycle.objects.filter(pk=team.cycle.pk).update(status=CycleStatus.RELEASING, progress={"done": 0, "total": 1})
    client.force_login(hr)
    assert "Releasing" in visible_text(client.get(url("cycle_list")))
    with pytest.raises(Exception, match="is releasing: it cannot be extended now"):
        cycles.extend_cycle(team.cycle, timezone.localdate() + timedelta(days=3), actor=hr)


def test_quality_runs_cycles_too(client, hr, version):
    quality = UserFactory(role=Role.QUALITY)
    client.force_login(quality)
    assert client.post(url("cycle_create"), cycle_data(version)).status_code == 302
    assert Cycle.objects.get().created_by == quality
