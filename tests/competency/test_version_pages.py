from __future__ import annotations

import csv
import html

import pytest

from competency import services
from competency.models import Competency, Framework, IsoClause, VersionStatus
from competency.starter import STARTER_CODE, load_starter_framework
from signatures import services as signing
from tests.helpers import build_framework, co_signer, publish, text
from tests.conftest import interop
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def grow(version, hr, competencies: int) -> None:
    """Adds competencies (with indicators and clauses) until the version holds `competencies` in 5 areas."""
    build_framework(version, areas=5, per_area=competencies // 5)


def test_the_version_page_shows_the_tree_with_indicators_per_level(client, draft, hr):
    build_framework(draft, areas=1, per_area=2)
    client.force_login(hr)
    page = html.unescape(client.get(f"/frameworks/versions/{draft.pk}/").content.decode())
    assert "A0-00" in page and "Shows 0.0 at level 3" in page
    assert "3</span> Proficient" in page and "ISO 7.2" in page
    assert "Send for review" in page


@pytest.mark.parametrize("size", [5, 200])
def test_tree_list_and_diff_queries_do_not_grow_with_the_framework(client, hr, scale, size, django_assert_num_queries):
    client.force_login(hr)
    draft = services.framework_create(name=f"F{size}", code=f"f{size}", description="", scale=scale, owner=hr)
    grow(draft, hr, size)
    assert draft.competencies.count() == size
    v1 = publish(draft, hr)
    v2 = services.version_revise(version=v1, actor=hr)
    services.competency_update(competency=v2.competencies.first(), code="CHANGED", name="Changed",
                               description="", clauses=[], indicators={1: ["New"]})
    pages = {
        # session, user, count, the page of frameworks (latest and published versions as subqueries)
        "/frameworks/": 4,
        # session, user, version, levels, areas, competencies, their clauses, related links, indicators,
        # "any comments?"; its signatures, and the content they cover (levels, areas, competencies, their
        # clauses and indicators) hashed again to tell whether each is still valid
        f"/frameworks/versions/{v1.pk}/": 16,
        # session, user, the two versions, two trees of six queries each, the version picker
        f"/frameworks/versions/{v2.pk}/diff/{v1.pk}/": 17,
        # session, user, framework, "may it be deleted?" (any version beyond draft), its versions with their
        # counts as subqueries
        f"/frameworks/{v1.framework_id}/": 5,
    }
    for url, expected in pages.items():
        with django_assert_num_queries(expected):
            assert client.get(url).status_code == 200, url


def test_a_leader_sees_published_frameworks_only(client, hr, scale):
    shown = services.framework_create(name="Shown", code="shown", description="", scale=scale, owner=hr)
    build_framework(shown, areas=1, per_area=1)
    publish(shown, hr)
    services.framework_create(name="Hidden draft", code="hidden", description="", scale=scale, owner=hr)
    client.force_login(UserFactory())
    page = client.get("/frameworks/").content.decode()
    assert "Shown" in page and "Hidden draft" not in page
    assert "New framework" not in page


def test_the_list_filters_by_name_and_status(client, hr, scale):
    one = services.framework_create(name="Operations", code="ops", description="", scale=scale, owner=hr)
    build_framework(one, areas=1, per_area=1)
    publish(one, hr)
    services.framework_create(name="Sales", code="sales", description="", scale=scale, owner=hr)
    client.force_login(hr)
    by_status = client.get("/frameworks/?status=published").content.decode()
    assert "Operations" in by_status and "Sales" not in by_status
    by_name = client.get("/frameworks/?name=sal").content.decode()
    assert "Sales" in by_name and "Operations" not in by_name
    assert "No framework matches this filter" in client.get("/frameworks/?name=zzz").content.decode()


def test_a_competency_form_with_bad_input_is_shown_again_with_its_errors(client, draft, hr):
    area = services.area_create(version=draft, code="SV", name="Strategic vision")
    services.competency_create(area=area, code="SV-01", name="Direction")
    client.force_login(hr)
    response = client.post(f"/frameworks/areas/{area.pk}/competencies/new/",
                           {"code": "SV-01", "name": "", "clauses": "7.2, 4.7"})
    page = html.unescape(response.content.decode())
    assert response.status_code == 400
    assert "This field is required." in page
    assert "Not an ISO 9001:2015 clause: 4.7." in page
    response = client.post(f"/frameworks/areas/{area.pk}/competencies/new/", {"code": "SV-01", "name": "Again"})
    assert response.status_code == 400
    assert "The code SV-01 is already used" in html.unescape(response.content.decode())
    assert Competency.objects.count() == 1


def test_a_competency_is_added_with_its_indicators_and_clauses(client, draft, hr):
    area = services.area_create(version=draft, code="SV", name="Strategic vision")
    client.force_login(hr)
    response = client.post(f"/frameworks/areas/{area.pk}/competencies/new/", {
        "code": "SV-02", "name": "Context", "clauses": "4.1; 4.2", "level_1": "Knows the context\n\n",
        "level_3": "- Reviews issues\n- Acts on changes",
    })
    assert response.status_code == 302
    competency = Competency.objects.get(code="SV-02")
    assert list(competency.clauses.values_list("number", flat=True)) == ["4.1", "4.2"]
    assert list(competency.indicators.values_list("level", "text")) == [
        (1, "Knows the context"), (3, "Reviews issues"), (3, "Acts on changes")]  # bullets dropped


def test_double_submitting_a_state_change_explains_and_changes_nothing(client, draft, hr):
    build_framework(draft, areas=1, per_area=1)
    client.force_login(hr)
    client.post(f"/frameworks/versions/{draft.pk}/submit/")
    again = client.post(f"/frameworks/versions/{draft.pk}/submit/", follow=True)
    assert "is in review, so it cannot be sent for review." in html.unescape(again.content.decode())
    draft.refresh_from_db()
    assert draft.status == VersionStatus.IN_REVIEW


def test_the_diff_lists_added_removed_and_changed_competencies(client, draft, hr):
    build_framework(draft, areas=1, per_area=3)
    v1 = publish(draft, hr)
    v2 = services.version_revise(version=v1, actor=hr)
    area = v2.areas.get()
    services.competency_delete(competency=v2.competencies.get(code="A0-02"))
    services.competency_create(area=area, code="A0-09", name="Brand new")
    changed = v2.competencies.get(code="A0-00")
    services.competency_update(competency=changed, code="A0-00", name="Renamed", description="",
                               clauses=[IsoClause.objects.get(number="9.2")],
                               indicators={1: ["Shows 0.0 at level 1"], 2: ["A new level 2 behaviour"]})
    client.force_login(hr)
    page = html.unescape(client.get(f"/frameworks/versions/{v2.pk}/diff/{v1.pk}/").content.decode())
    assert 'data-code="A0-09" data-kind="added"' in page
    assert 'data-code="A0-02" data-kind="removed"' in page
    assert 'data-code="A0-00" data-kind="changed"' in page
    assert 'data-code="A0-01"' not in page
    assert "Competency 0.0</del> → <ins>Renamed" in page
    assert "+ level 2: A new level 2 behaviour" in page and "− level 3: Shows 0.0 at level 3" in page
    assert "1 added" in page and "1 removed" in page and "1 changed" in page


def test_versions_of_different_frameworks_cannot_be_compared(client, draft, hr, scale):
    other = services.framework_create(name="Other", code="other", description="", scale=scale, owner=hr)
    client.force_login(hr)
    assert client.get(f"/frameworks/versions/{draft.pk}/diff/{other.pk}/").status_code == 404


def test_exports_download_with_a_file_name(client, draft, hr):
    build_framework(draft, areas=1, per_area=1)
    client.force_login(hr)
    for fmt, name in (("proficio-csv", "leadership-v1.csv"), ("moodle-csv", "leadership-v1.moodle.csv"),
                      ("case-json", "leadership-v1.case.json")):
        response = client.get(f"/frameworks/versions/{draft.pk}/export/{fmt}/")
        assert response.status_code == 200
        assert response["Content-Disposition"] == f'attachment; filename="{name}"'


# --- reference and starter data


def test_the_iso_clauses_match_the_published_list():
    with open(interop("iso9001-clauses.csv"), encoding="utf-8") as handle:
        expected = [(row["clause"], row["title"]) for row in csv.DictReader(handle)]
    assert list(IsoClause.objects.values_list("number", "title")) == expected  # in clause order, 10 after 9


def test_the_starter_framework_alone_waits_in_review_for_a_signed_approval(hr):
    version, created = load_starter_framework(owner=hr)
    assert created and version.status == VersionStatus.IN_REVIEW and not version.approved_by
    assert not signing.signatures_for(version)


def test_the_starter_framework_is_published_with_indicators_at_every_level(hr):
    quality = co_signer(hr)
    version, created = load_starter_framework(owner=hr, approver=quality, password=TEST_PASSWORD)
    assert created and version.status == VersionStatus.PUBLISHED and version.approved_by == quality
    assert version.created_by == hr and [s.signer for s in signing.signatures_for(version)] == [quality]
    assert list(version.areas.values_list("name", flat=True)) == [
        "Strategic Vision", "Process Improvement", "Compliance Awareness", "Risk Management",
        "People Management", "Quality Culture", "Customer Focus", "Digital & Data Literacy"]
    assert 18 <= version.competencies.count() <= 24
    for competency in version.competencies.prefetch_related("indicators", "clauses"):
        assert sorted({i.level for i in competency.indicators.all()}) == [1, 2, 3, 4, 5], competency.code
        assert competency.clauses.exists(), competency.code
    mapped = set(IsoClause.objects.filter(competencies__version=version).values_list("number", flat=True))
    assert {"5.1", "5.2", "6.1", "7.2", "7.3", "7.5", "9.1", "9.2", "9.3", "10.2", "10.3"} <= mapped
    assert load_starter_framework(owner=hr) == (version, False)
    assert Framework.objects.filter(code=STARTER_CODE).count() == 1


def test_the_review_page_costs_the_same_for_few_or_many_comments(client, draft, hr, django_assert_num_queries):
    build_framework(draft, areas=2, per_area=5)
    services.version_submit_for_review(version=draft, actor=hr)
    stakeholder = UserFactory()
    services.review_invite(version=draft, users=[stakeholder], actor=hr)
    competencies = list(draft.competencies.all())
    services.review_comment_add(version=draft, author=stakeholder, body="First", competency=competencies[0])
    client.force_login(hr)
    # session, user, version, the tree (levels, areas, competencies, clauses, related, indicators, comments),
    # the invitations, the competencies offered in the comment form
    review = f"/frameworks/versions/{draft.pk}/review/"
    with django_assert_num_queries(12):
        assert client.get(review).status_code == 200
    for n in range(40):
        comment = services.review_comment_add(version=draft, author=UserFactory(), body=f"Comment {n}",
                                              competency=competencies[n % len(competencies)])
        if n % 2:
            services.review_comment_resolve(comment=comment, actor=hr, accept=True, reply="Done")
    with django_assert_num_queries(12):
        assert client.get(review).status_code == 200


def test_inviting_an_unknown_address_or_an_auditor_is_refused_with_the_addresses(client, draft, hr):
    build_framework(draft, areas=1, per_area=1)
    services.version_submit_for_review(version=draft, actor=hr)
    UserFactory(email="aud@example.com", auditor=True)
    client.force_login(hr)
    response = client.post(f"/frameworks/versions/{draft.pk}/review/invite/", {"users": "nobody@example.com"})
    assert response.status_code == 400 and "No active account has the email nobody@example.com." in response.content.decode()
    response = client.post(f"/frameworks/versions/{draft.pk}/review/invite/", {"users": "aud@example.com"})
    assert response.status_code == 400 and "Auditors only read" in response.content.decode()
    assert not draft.invitations.exists()


def test_a_renamed_code_shows_as_a_change_not_as_added_and_removed(client, draft, hr):
    build_framework(draft, areas=1, per_area=2)
    v1 = publish(draft, hr)
    v2 = services.version_revise(version=v1, actor=hr)
    competency = v2.competencies.get(code="A0-00")
    services.competency_update(competency=competency, code="A0-99", name=competency.name, description="", clauses=[])
    services.node_move(node=v2.competencies.get(code="A0-01"), direction="up")
    client.force_login(hr)
    page = text(client.get(f"/frameworks/versions/{v2.pk}/diff/{v1.pk}/"))
    assert 'data-code="A0-99" data-kind="changed"' in page and "A0-00</del> → <ins>A0-99" in page
    assert 'data-kind="added"' not in page and 'data-kind="removed"' not in page
    assert "Order: <del>2</del> → <ins>1</ins>" in page


def test_an_imported_code_with_spaces_can_be_saved_unchanged(client, draft, hr):
    area = services.area_create(version=draft, code="A", name="Area")
    competency = services.competency_create(area=area, code="child #1", name="Child")
    client.force_login(hr)
    response = client.post(f"/frameworks/competencies/{competency.pk}/edit/", {"code": "child #1", "name": "Child 1"})
    assert response.status_code == 302
    response = client.post(f"/frameworks/competencies/{competency.pk}/edit/", {"code": "a,b", "name": "Child 1"})
    assert response.status_code == 400 and "without commas" in text(response)


def test_a_200_competency_tree_can_be_searched_collapsed_and_keeps_codes_whole(client, draft, hr):
    build_framework(draft, areas=5, per_area=40)
    client.force_login(hr)
    page = text(client.get(f"/frameworks/versions/{draft.pk}/"))
    assert page.count('<details class="card mb-3 tree-area"') == 5  # each area opens and closes
    assert 'data-tree-search' in page and "Open all areas" in page and "Close all areas" in page
    assert 'class="fw-semibold code"' in page  # .code never breaks inside (see proficio.css)
    assert 'data-search="a0-00 competency 0.0"' in page


def test_a_competency_page_shows_every_level_and_marks_the_one_asked_for(client, draft, hr):
    build_framework(draft, areas=1, per_area=1)
    v1 = publish(draft, hr)
    competency = v1.competencies.get()
    client.force_login(UserFactory())
    page = text(client.get(f"/frameworks/competencies/{competency.pk}/?level=4"))
    assert page.count('data-level="') == 5
    assert 'id="level-4" data-level="4"' in page and "the required level" in page
    assert "Shows 0.0 at level 4" in page
    assert client.get(f"/frameworks/competencies/{competency.pk}/?level=x").status_code == 200


def test_comment_and_behaviour_choices_list_codes_in_natural_order(draft, hr):
    from competency.forms import CommentForm

    area = services.area_create(version=draft, code="L", name="Levels")
    for code in ("L1.10", "L1.2", "L1.1"):
        services.competency_create(area=area, code=code, name=code)
    labels = [label for _value, label in CommentForm(version=draft).fields["competency"].choices][1:]
    assert [label.split()[0] for label in labels] == ["L1.1", "L1.2", "L1.10"]
