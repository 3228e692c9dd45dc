"""Scales under document control: made and edited on Proficio's pages, frozen with the versions that use them."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from competency import services
from competency.models import FrozenVersionError, ProficiencyLevel, ProficiencyScale
from core.history import history_mismatches
from tests.factories import UserFactory
from tests.helpers import build_framework, publish, text

pytestmark = pytest.mark.django_db


def scale_form(name="Four steps", proficient="3", levels=("Aware", "Practising", "Proficient", "Leading"), **extra):
    data = {"name": name, "description": "", "proficient_value": proficient}
    for value, level in enumerate(levels, start=1):
        data[f"level_{value}_name"] = level
        data[f"level_{value}_description"] = f"What {level.lower()} means"
    return data | extra


def test_hr_creates_a_scale_with_named_and_described_levels(client, hr):
    client.force_login(hr)
    response = client.post("/frameworks/scales/new/", scale_form())
    assert response.status_code == 302
    scale = ProficiencyScale.objects.get(name="Four steps")
    assert list(scale.levels.values_list("value", "name", "description")) == [
        (1, "Aware", "What aware means"), (2, "Practising", "What practising means"),
        (3, "Proficient", "What proficient means"), (4, "Leading", "What leading means")]
    page = text(client.get(response.url))
    assert "Leading" in page and "proficient from here" in page
    assert scale.history.latest().history_user == hr


@pytest.mark.parametrize("data, message", [
    pytest.param(scale_form(proficient="7"), "Level 7 is not on the scale: it has 4 levels.", id="proficient off the scale"),
    pytest.param(scale_form(proficient="1", levels=("One",)), "A scale needs at least two levels.", id="one level"),
    pytest.param(scale_form(proficient="1", levels=("Same", "same")), "each level needs its own name",
                 id="repeated name"),
    pytest.param(scale_form(levels=("One", "", "Three")), "Name the levels from level 1 on", id="gap"),
    pytest.param(scale_form(name="Proficio 1-5"), "Another scale has this name.", id="taken name"),
])
def test_a_scale_that_does_not_hold_together_is_refused_with_a_message(client, hr, data, message):
    client.force_login(hr)
    response = client.post("/frameworks/scales/new/", data)
    assert response.status_code == 400
    assert message in text(response)
    assert ProficiencyScale.objects.count() == 1


def test_a_scale_in_use_by_a_version_beyond_draft_is_frozen_everywhere(client, draft, hr, scale):
    build_framework(draft, areas=1, per_area=1)
    publish(draft, hr)
    scale.name = "Renamed behind the back"
    with pytest.raises(FrozenVersionError, match="is used by Leadership v1, which is published"):
        scale.save()
    level = scale.levels.get(value=5)
    level.name = "Guru"
    with pytest.raises(FrozenVersionError):
        level.save()
    with pytest.raises(FrozenVersionError):
        ProficiencyLevel(scale=scale, value=6, name="Beyond").save()
    with pytest.raises(FrozenVersionError):
        services.scale_update(actor=hr, scale=scale, name="X", description="", proficient_value=3,
                              levels=[services.LevelInput("a"), services.LevelInput("b"), services.LevelInput("c")])
    client.force_login(hr)
    assert client.post(f"/frameworks/scales/{scale.pk}/edit/", scale_form(name="Mine")).status_code == 403
    assert "Frozen: Leadership v1 uses this scale" in text(client.get(f"/frameworks/scales/{scale.pk}/"))
    scale.refresh_from_db()
    assert scale.name == "Proficio 1-5" and scale.levels.get(value=5).name == "Expert"


def test_the_admin_shows_scales_read_only(client, hr, scale):
    hr.is_staff = hr.is_superuser = True
    hr.save()
    client.force_login(hr)
    response = client.post(f"/admin/competency/proficiencyscale/{scale.pk}/change/",
                           {"name": "Renamed", "proficient_value": 3})
    assert response.status_code == 403
    assert client.post("/admin/competency/proficiencyscale/add/", {"name": "Empty", "proficient_value": 1}).status_code == 403
    assert ProficiencyScale.objects.get(pk=scale.pk).name == "Proficio 1-5"


def test_a_frozen_scale_is_copied_into_a_new_one_that_can_change(client, draft, hr, scale):
    build_framework(draft, areas=1, per_area=1)
    publish(draft, hr)
    client.force_login(hr)
    response = client.post(f"/frameworks/scales/{scale.pk}/copy/")
    copy = ProficiencyScale.objects.get(name="Proficio 1-5 (copy)")
    assert response.url == f"/frameworks/scales/{copy.pk}/edit/"
    assert copy.levels.count() == 5
    saved = client.post(response.url, scale_form(name="Six for engineers", proficient="4",
                                                 levels=("1", "2", "3", "4", "5", "6")))
    assert saved.status_code == 302
    copy.refresh_from_db()
    assert copy.name == "Six for engineers" and copy.levels.count() == 6 and copy.proficient_value == 4


def test_copies_of_one_scale_get_names_of_their_own(client, hr, scale):
    client.force_login(hr)
    for _ in range(3):
        assert client.post(f"/frameworks/scales/{scale.pk}/copy/").status_code == 302
    names = set(ProficiencyScale.objects.filter(name__startswith="Proficio 1-5 (copy)").values_list("name", flat=True))
    assert names == {"Proficio 1-5 (copy)", "Proficio 1-5 (copy) 2", "Proficio 1-5 (copy) 3"}


def test_levels_can_be_renamed_swapped_and_removed_while_no_version_uses_them(hr):
    scale = services.scale_create(actor=hr, name="Three", description="", proficient_value=2,
                                  levels=[services.LevelInput(n) for n in ("Low", "Mid", "High")])
    services.scale_update(actor=hr, scale=scale, name="Two", description="", proficient_value=1,
                          levels=[services.LevelInput("Mid"), services.LevelInput("Low")])
    assert list(scale.levels.values_list("value", "name")) == [(1, "Mid"), (2, "Low")]
    assert history_mismatches([ProficiencyScale, ProficiencyLevel]) == []


def test_a_level_with_indicators_in_a_draft_cannot_be_removed(draft, hr):
    scale = services.scale_create(actor=hr, name="Three", description="", proficient_value=2,
                                  levels=[services.LevelInput(n) for n in ("Low", "Mid", "High")])
    framework = services.framework_create(name="F", code="f", description="", scale=scale, owner=hr)
    build_framework(framework, areas=1, per_area=1, levels=3)
    with pytest.raises(ValidationError, match="Level 3 has behavioural indicators in A0-00"):
        services.scale_update(actor=hr, scale=scale, name="Two", description="", proficient_value=1,
                              levels=[services.LevelInput("Low"), services.LevelInput("Mid")])
    assert scale.levels.count() == 3


def test_long_scale_names_from_files_are_shortened_before_a_number_is_added(hr):
    from competency.formats import ScaleSpec

    spec = ScaleSpec(name="S" * 120, level_names=["a", "b"], proficient_value=1)
    first, second = services._create_scale_from(spec, hr), services._create_scale_from(spec, hr)
    assert len(first.name) <= 120 and len(second.name) <= 120 and first.name != second.name


def test_readers_see_scales_and_cannot_change_them(client, hr):
    client.force_login(UserFactory())
    assert client.get("/frameworks/scales/").status_code == 200
    assert client.post("/frameworks/scales/new/", scale_form()).status_code == 403
    assert ProficiencyScale.objects.count() == 1


def test_the_scale_list_costs_the_same_for_few_or_many_scales(client, hr, django_assert_num_queries):
    client.force_login(hr)
    for number in range(10):
        services.scale_create(actor=hr, name=f"S{number}", description="", proficient_value=1,
                              levels=[services.LevelInput("a"), services.LevelInput("b")])
    # session, user, scales with their framework counts, their levels
    with django_assert_num_queries(4):
        assert client.get("/frameworks/scales/").status_code == 200


def test_a_scale_no_framework_uses_can_be_deleted_and_one_in_use_cannot(client, hr, draft, scale):
    unused = services.scale_create(actor=hr, name="Leftover", description="", proficient_value=1,
                                   levels=[services.LevelInput("a"), services.LevelInput("b")])
    client.force_login(hr)
    refused = client.post(f"/frameworks/scales/{scale.pk}/delete/")
    assert refused.status_code == 403 and "a scale in use cannot be deleted" in text(refused)  # the draft uses it
    with pytest.raises(ValidationError, match="a scale in use cannot be deleted"):
        services.scale_delete(actor=hr, scale=scale)
    assert client.post(f"/frameworks/scales/{unused.pk}/delete/").status_code == 302
    assert not ProficiencyScale.objects.filter(name="Leftover").exists()
    assert history_mismatches([ProficiencyScale, ProficiencyLevel]) == []
