"""A published version (and one in review) refuses edits through the models, the services, the pages and the admin."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from competency import services
from competency.models import BehaviouralIndicator, Competency, CompetencyArea, FrozenVersionError, IsoClause
from tests.helpers import build_framework, publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(draft, hr):
    build_framework(draft, areas=1, per_area=2)
    return publish(draft, hr)


@pytest.fixture
def draft_of_it(published, hr):
    return services.version_revise(version=published, actor=hr)


def test_the_models_refuse_to_change_or_delete_content(published):
    competency = published.competencies.first()
    competency.name = "Changed"
    with pytest.raises(FrozenVersionError, match="published: it is frozen"):
        competency.save()
    with pytest.raises(FrozenVersionError):
        competency.delete()
    with pytest.raises(FrozenVersionError):
        CompetencyArea(version=published, code="NEW", name="New").save()
    indicator = BehaviouralIndicator.objects.filter(competency__version=published).first()
    indicator.text = "Edited"
    with pytest.raises(FrozenVersionError):
        indicator.save()
    clause = IsoClause.objects.get(number="9.2")
    with pytest.raises(FrozenVersionError), transaction.atomic():
        competency.clauses.add(clause)
    assert Competency.objects.get(pk=competency.pk).name != "Changed"


def test_the_version_record_itself_cannot_be_rewritten(published):
    published.change_note = "Rewritten history"
    with pytest.raises(FrozenVersionError):
        published.save()
    with pytest.raises(FrozenVersionError):
        published.delete()


def test_the_services_refuse_with_a_message_that_says_how_to_proceed(published):
    area = published.areas.first()
    with pytest.raises(ValidationError, match="Revise it to make changes"):
        services.area_create(version=published, code="X", name="X")
    with pytest.raises(ValidationError, match="frozen"):
        services.area_update(area=area, code=area.code, name="Renamed", description="")
    with pytest.raises(ValidationError, match="frozen"):
        services.competency_update(competency=published.competencies.first(), code="Z", name="Z", description="",
                                   clauses=[])


def test_the_pages_refuse_edits_with_the_reason(client, published, hr):
    client.force_login(hr)
    competency = published.competencies.first()
    response = client.post(f"/frameworks/competencies/{competency.pk}/edit/", {"code": "X", "name": "X"})
    assert response.status_code == 403
    assert "is published: it is frozen. Revise it to make changes." in response.content.decode()
    page = client.get(f"/frameworks/versions/{published.pk}/").content.decode()
    assert "frozen" in page and "Revise into a new draft" in page
    assert f"/frameworks/competencies/{competency.pk}/edit/" not in page


def test_the_admin_shows_frozen_content_read_only(client, published, hr):
    hr.is_staff = hr.is_superuser = True
    hr.save()
    client.force_login(hr)
    competency = published.competencies.first()
    response = client.post(f"/admin/competency/competency/{competency.pk}/change/", {"code": "X", "name": "Changed"})
    assert response.status_code == 403
    page = client.get(f"/admin/competency/competency/{competency.pk}/change/").content.decode()
    assert 'name="name"' not in page  # shown, not editable
    assert Competency.objects.get(pk=competency.pk).name != "Changed"
    assert client.post(f"/admin/competency/competency/{competency.pk}/delete/", {"post": "yes"}).status_code == 403


def test_the_admin_adds_no_content_even_to_a_draft(client, published, draft_of_it, hr):
    """Content changes only through the pages' services (codes, positions, the life cycle); the admin reads."""
    hr.is_staff = hr.is_superuser = True
    hr.save()
    client.force_login(hr)
    for version in (published, draft_of_it):
        response = client.post("/admin/competency/competencyarea/add/", {
            "version": version.pk, "code": "NEW", "name": "New", "position": 1, "extra": "{}",
        })
        assert response.status_code == 403
    assert not CompetencyArea.objects.filter(code="NEW").exists()


def test_the_admin_history_page_reverts_nothing(client, published, hr):
    hr.is_staff = hr.is_superuser = True
    hr.save()
    client.force_login(hr)
    competency = published.competencies.first()
    history_id = competency.history.earliest().history_id
    url = f"/admin/competency/competency/{competency.pk}/history/{history_id}/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"code": "REVERTED", "name": "Reverted", "version": published.pk,
                                 "area": competency.area_id, "position": 1, "extra": "{}"})
    assert response.status_code == 403
    assert Competency.objects.get(pk=competency.pk).code != "REVERTED"


def test_a_draft_can_be_edited_and_denied_to_people_without_the_role(draft, client):
    from tests.factories import UserFactory

    leader = UserFactory()
    client.force_login(leader)
    assert client.get(f"/frameworks/versions/{draft.pk}/areas/new/").status_code == 404
    with pytest.raises(PermissionDenied):
        from accounts.permissions import require

        require(leader, "version.edit", draft)


def test_links_of_a_frozen_competency_do_not_change_from_the_other_end(published, draft_of_it):
    frozen = published.competencies.first()
    clause = IsoClause.objects.get(number="9.2")
    with pytest.raises(FrozenVersionError), transaction.atomic():
        clause.competencies.add(frozen)
    with pytest.raises(FrozenVersionError), transaction.atomic():
        draft_of_it.competencies.first().related.add(frozen)
    assert not frozen.clauses.filter(number="9.2").exists() and not frozen.related.exists()
