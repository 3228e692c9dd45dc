"""The auditor's landing page: sampling at random (logged, repeatable), people by role or org unit with
their 7.2 status at a glance, the organisation's red flag, samples and their log, and who may use them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from evidence.models import SamplingLog
from tests.evidence.builders import build_evidence_org
from tests.factories import PersonFactory, UserFactory

pytestmark = pytest.mark.django_db
LANDING = reverse("evidence:landing")


@pytest.fixture
def org():
    org = build_evidence_org()
    # The builder makes its users "400 days ago", when an auditor's window of a few weeks was open; the
    # auditor here is one whose window is open today.
    org.auditor = UserFactory(auditor=True, first_name="Ada", last_name="Auditor")
    return org


@pytest.fixture
def auditor_client(client, org):
    client.force_login(org.auditor)
    return client


def _draw(client, **data):
    return client.post(LANDING, {f"sample-{key}": value for key, value in {"size": 3, "seed": "", **data}.items()})


def test_an_auditor_draws_three_at_random_and_lands_on_the_logged_sample(auditor_client, org):
    response = _draw(auditor_client)
    log = SamplingLog.objects.get()
    assert response.status_code == 302 and response.url == reverse("evidence:sample", args=[log.pk])
    assert log.created_by == org.auditor and log.size == 3 and len(log.person_ids) == 3
    page = auditor_client.get(response.url)
    assert page.status_code == 200
    rows = page.context["rows"]
    assert [row.person.pk for row in rows] == log.person_ids  # in the order drawn
    html = page.content.decode()
    assert log.seed in html
    for pk in log.person_ids:  # landing -> sample -> dossier: the second click opens the dossier
        assert f'href="{reverse("evidence:dossier", args=[pk])}"' in html


def test_typing_a_logged_seed_repeats_the_sample(auditor_client, org):
    _draw(auditor_client)
    first = SamplingLog.objects.get()
    _draw(auditor_client, seed=first.seed)
    again = SamplingLog.objects.order_by("-pk").first()
    assert again.pk != first.pk and again.person_ids == first.person_ids and again.seed == first.seed


def test_a_sample_within_a_role_takes_only_its_holders(auditor_client, org):
    _draw(auditor_client, size=10, role_profile=org.role.pk)
    assert set(SamplingLog.objects.get().person_ids) == {org.leader.pk, org.gus.pk}


@pytest.mark.parametrize("data", [{"size": 0}, {"size": "many"}, {"size": 201}, {"seed": "two words"},
                                  {"role_profile": 987654}, {"org_unit": "x"}])
def test_bad_sampling_input_is_answered_400_and_logs_nothing(auditor_client, org, data):
    response = _draw(auditor_client, **data)
    assert response.status_code == 400
    assert not SamplingLog.objects.exists()
    assert response.context["sample_form"].errors


def test_people_by_role_show_their_status_and_flags(auditor_client, org):
    response = auditor_client.get(LANDING, {"role_profile": org.role.pk})
    assert response.status_code == 200
    rows = {row.person.pk: row for row in response.context["rows"]}
    assert set(rows) == {org.leader.pk, org.gus.pk}
    html = response.content.decode()
    assert 'data-flags="gap_without_action action_without_review"' in html
    assert f'href="{reverse("evidence:dossier", args=[org.gus.pk])}"' in html


def test_people_by_org_unit_include_its_sub_units(auditor_client, org):
    from tests.factories import OrgUnitFactory

    below = OrgUnitFactory(name="Below the plant", parent=org.unit)
    deep = PersonFactory(org_unit=below)
    response = auditor_client.get(LANDING, {"org_unit": org.unit.pk})
    pks = {row.person.pk for row in response.context["rows"]}
    assert pks == {org.manager.pk, org.leader.pk, org.gus.pk, org.cora.pk, deep.pk}


def test_as_at_an_earlier_day_the_certified_person_shows_no_flag(auditor_client, org):
    """Acceptance 2 through the page: qualified at T-100, flagged today; the dossier link keeps the day."""
    today = auditor_client.get(LANDING, {"role_profile": org.cert_role.pk})
    earlier = auditor_client.get(LANDING, {"role_profile": org.cert_role.pk, "as_at": org.earlier.isoformat()})
    assert [row.flags for row in today.context["rows"]] == [["expired_certificate"]]
    assert [row.flags for row in earlier.context["rows"]] == [[]]
    dossier = reverse("evidence:dossier", args=[org.cora.pk])
    assert f"{dossier}?as_at={org.earlier.isoformat()}" in earlier.content.decode()


@pytest.mark.parametrize("query", [{"as_at": "2999-01-01", "role_profile": "1"}, {"as_at": "yesterday"},
                                   {"role_profile": "987654"}])
def test_bad_filters_are_answered_400(auditor_client, org, query):
    if query.get("role_profile") == "1":
        query["role_profile"] = org.role.pk
    assert auditor_client.get(LANDING, query).status_code == 400


def test_the_organisation_flag_names_roles_held_without_defined_competence(auditor_client, org):
    from profiles.models import ProfileStatus, RoleProfile

    RoleProfile.objects.filter(pk=org.cert_role.pk).update(status=ProfileStatus.DRAFT)
    response = auditor_client.get(LANDING)
    html = response.content.decode()
    assert f'data-profile="{org.cert_role.pk}"' in html and f'data-profile="{org.role.pk}"' not in html
    assert 'data-testid="without-role"' in html  # Mona and Sam hold no role


def test_the_sampling_log_lists_every_sample_with_its_seed(auditor_client, org):
    for seed in ("one", "two"):
        _draw(auditor_client, seed=seed)
    html = auditor_client.get(reverse("evidence:sample_list")).content.decode()
    assert 'data-seed="one"' in html and 'data-seed="two"' in html
    assert 'data-seed="two"' in auditor_client.get(LANDING).content.decode()


def test_the_sample_as_at_a_past_day(auditor_client, org):
    _draw(auditor_client, size=1, seed="x", role_profile=org.cert_role.pk)
    log = SamplingLog.objects.get()
    url = reverse("evidence:sample", args=[log.pk])
    assert auditor_client.get(url, {"as_at": org.earlier.isoformat()}).context["rows"][0].flags == []
    assert auditor_client.get(url).context["rows"][0].flags == ["expired_certificate"]
    assert auditor_client.get(url, {"as_at": "2999-01-01"}).status_code == 400


@pytest.mark.parametrize("role", ["hr", "quality"])
def test_hr_and_quality_use_the_landing_page_too(client, org, role):
    client.force_login(org.hr if role == "hr" else org.quality)
    assert client.get(LANDING).status_code == 200
    assert _draw(client).status_code == 302


def test_leaders_and_managers_are_refused_and_cannot_open_a_sample(client, org):
    _sample = SamplingLog.objects.create(created_by=org.auditor, seed="s", size=1, population=1,
                                         person_ids=[org.leader.pk])
    for person in (org.leader, org.manager):
        client.force_login(person.user)
        assert client.get(LANDING).status_code == 403
        assert _draw(client).status_code == 403
        assert client.get(reverse("evidence:sample", args=[_sample.pk])).status_code == 404
    assert SamplingLog.objects.count() == 1


def test_a_forged_sample_id_is_404(auditor_client):
    assert auditor_client.get(reverse("evidence:sample", args=[987654])).status_code == 404


def test_a_signed_in_auditor_whose_access_window_ended_is_refused(auditor_client, org):
    assert auditor_client.get(LANDING).status_code == 200
    type(org.auditor).objects.filter(pk=org.auditor.pk).update(access_valid_until=timezone.now() - timedelta(minutes=1))
    for url in (LANDING, reverse("evidence:sample_list"), reverse("evidence:dossier", args=[org.leader.pk])):
        response = auditor_client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))
    assert _draw(auditor_client).status_code == 302
    assert not SamplingLog.objects.exists()


def test_an_auditor_whose_window_has_not_begun_is_refused_too(client, org):
    auditor = UserFactory(role=Role.AUDITOR, access_valid_from=timezone.now() + timedelta(days=1),
                          access_valid_until=timezone.now() + timedelta(days=5))
    client.force_login(auditor)
    assert client.get(LANDING).status_code == 302


# --- query counts ----------------------------------------------------------------------------------------


def _grow(org, n: int) -> None:
    for _ in range(n):
        PersonFactory(org_unit=org.unit, role_profile=org.role, manager=org.manager)


def test_the_role_list_costs_the_same_queries_at_two_sizes(auditor_client, org, django_assert_num_queries):
    query = {"role_profile": org.role.pk}
    auditor_client.get(LANDING, query)  # warm the content types and the session
    # session, user, undefined roles, people without a role, latest samples, the chosen role, the count,
    # the page's ids, the page's people with their status, then the role and unit choices of both forms; and
    # the access log's insert (every page an auditor opens is logged)
    with django_assert_num_queries(14):
        small = auditor_client.get(LANDING, query)
    _grow(org, 30)
    with django_assert_num_queries(14):
        large = auditor_client.get(LANDING, query)
    assert len(small.context["rows"]) == 2 and len(large.context["rows"]) == 25


def test_a_sample_page_costs_the_same_queries_at_two_sizes(auditor_client, org, django_assert_num_queries):
    _draw(auditor_client, size=3, seed="small")
    _grow(org, 30)
    _draw(auditor_client, size=25, seed="large")
    small, large = SamplingLog.objects.order_by("pk")
    auditor_client.get(reverse("evidence:sample", args=[small.pk]))
    # session, user, the log, the sampled people with their status, and the access log's insert
    with django_assert_num_queries(5):
        assert len(auditor_client.get(reverse("evidence:sample", args=[small.pk])).context["rows"]) == 3
    with django_assert_num_queries(5):
        assert len(auditor_client.get(reverse("evidence:sample", args=[large.pk])).context["rows"]) == 25
