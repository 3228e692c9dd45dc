"""Drawing a sample (evidence.sampling): reproducible from its seed, within its filters, and logged."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from accounts.models import Role
from evidence import sampling
from evidence.models import SamplingLog
from tests.factories import OrgUnitFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def auditor():
    return UserFactory(auditor=True)


@pytest.fixture
def people():
    return [PersonFactory() for _ in range(12)]


def test_the_same_seed_chooses_the_same_people_again(auditor, people):
    first = sampling.sample_draw(actor=auditor, size=4, seed="audit-2026")
    again = sampling.sample_draw(actor=auditor, size=4, seed="audit-2026")
    assert first.person_ids == again.person_ids and len(first.person_ids) == 4
    assert sampling.sample_draw(actor=auditor, size=4, seed="another").person_ids != first.person_ids


def test_the_order_follows_the_hash_of_seed_and_person(auditor, people):
    log = sampling.sample_draw(actor=auditor, size=12, seed="s1")
    assert log.person_ids == sorted((p.pk for p in people), key=lambda pk: sampling.sample_key("s1", pk))


def test_a_drawn_seed_is_fresh_and_recorded_with_who_how_many_and_whom(auditor, people):
    one = sampling.sample_draw(actor=auditor, size=3)
    two = sampling.sample_draw(actor=auditor, size=3)
    assert len(one.seed) == 16 and one.seed != two.seed
    stored = SamplingLog.objects.get(pk=one.pk)
    assert stored.created_by == auditor and stored.size == 3 and stored.population == 12
    assert stored.filters == {} and stored.person_ids == one.person_ids
    # Repeating the recorded seed chooses the recorded people.
    assert sampling.sample_draw(actor=auditor, size=3, seed=stored.seed).person_ids == stored.person_ids


def test_a_sample_by_org_unit_takes_its_sub_units_and_by_role_only_that_role(auditor):
    from tests.helpers import approved_profile, published_framework

    top = OrgUnitFactory(name="Top")
    below = OrgUnitFactory(name="Below", parent=top)
    outside = OrgUnitFactory(name="Outside")
    inside = {PersonFactory(org_unit=top).pk, PersonFactory(org_unit=below).pk}
    PersonFactory(org_unit=outside)
    log = sampling.sample_draw(actor=auditor, size=10, org_unit=top)
    assert set(log.person_ids) == inside and log.population == 2
    assert log.filters == {"org_unit": {"id": top.pk, "name": "Top"}}

    hr = UserFactory(role=Role.HR)
    version = published_framework(hr, code="sampling", areas=1, per_area=1)
    role = approved_profile(version, hr, code="sampling-role",
                            levels={version.competencies.first().code: 2})
    holder = PersonFactory(org_unit=outside, role_profile=role)
    log = sampling.sample_draw(actor=auditor, size=10, role_profile=role)
    assert log.person_ids == [holder.pk] and log.filters["role_profile"]["name"] == role.name


def test_inactive_people_are_not_sampled(auditor):
    active = PersonFactory()
    PersonFactory(active=False)
    assert sampling.sample_draw(actor=auditor, size=5).person_ids == [active.pk]


@pytest.mark.parametrize("seed", ["two words", "x" * 65, "semi;colon", "ü"])
def test_a_typed_seed_with_other_characters_is_refused_and_nothing_logged(auditor, people, seed):
    with pytest.raises(ValidationError):
        sampling.sample_draw(actor=auditor, size=3, seed=seed)
    assert not SamplingLog.objects.exists()


@pytest.mark.parametrize("size", [0, -1, sampling.MAX_SAMPLE + 1])
def test_a_size_out_of_range_is_refused(auditor, people, size):
    with pytest.raises(ValidationError):
        sampling.sample_draw(actor=auditor, size=size)
    assert not SamplingLog.objects.exists()
