"""The released 360° report as a PDF: what it shows, what it never shows, and who may fetch it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from assessments.pdf import render_results_pdf
from assessments.results import results_participants
from documents import services
from documents.models import Document, DocumentStatus
from tests.documents.builders import released
from tests.documents.pdfcheck import check_pdf, pdf_text
from tests.factories import UserFactory
from tests.helpers import text

pytestmark = pytest.mark.django_db


def participant_of(team):
    return results_participants().get(pk=team.participant.pk)


def test_the_results_pdf_is_pdf_a_and_holds_the_leader_competencies_figures_chart_and_comments():
    team = released()
    data = render_results_pdf(participant_of(team))
    check_pdf(data)
    shown = pdf_text(data)
    assert "360° results: Lena Leader" in shown
    assert team.cycle.name in shown
    for competency in team.competencies():
        assert competency.name in shown and competency.code in shown
    assert "Keeps the team on course" in shown  # the self comment
    assert "3.00" in shown and "rated by 3 of 3" in shown  # peers 2-3-4
    assert "Self" in shown and "All others" in shown and "Required level" in shown  # the radar's legend
    assert "Page 1 of" in shown


def test_a_suppressed_pool_is_never_shown_in_the_pdf():
    team = released(suppressed=True)
    shown = pdf_text(render_results_pdf(participant_of(team)))
    assert "2 responses — too few to show" in shown
    assert "1.50" not in shown  # the pool's mean (peer 1, report 2)
    assert "Secret" not in shown


def test_the_page_offers_the_pdf_and_the_leader_downloads_it(client, django_capture_on_commit_callbacks):
    team = released()
    page = reverse("assessments:participant_results", args=[team.participant.pk])
    client.force_login(team.leader.user)
    assert "Create PDF" in text(client.get(page))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("documents:request", args=["results", team.participant.pk]), {"next": page})
    assert response["Location"] == page
    shown = text(client.get(page))
    assert "The 360° report PDF is being created" in shown  # the message of the request
    document = Document.objects.get()
    assert "Download PDF" in shown and f"{document.finished_at:%-d %b %Y}" in shown
    download = client.get(reverse("documents:download", args=[document.pk]))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Disposition"].startswith("attachment;")
    assert document.filename in download["Content-Disposition"]
    check_pdf(b"".join(download.streaming_content))


def test_asking_again_with_nothing_changed_says_so(client, django_capture_on_commit_callbacks):
    team = released()
    url = reverse("documents:request", args=["results", team.participant.pk])
    client.force_login(team.hr)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)
    response = client.post(url, follow=True)
    assert response.redirect_chain[-1][0] == reverse("assessments:participant_results", args=[team.participant.pk])
    assert "The 360° report PDF is up to date: nothing in it changed since it was created." in text(response)
    assert Document.objects.count() == 1


@pytest.fixture
def rendered(django_capture_on_commit_callbacks):
    team = released()
    with django_capture_on_commit_callbacks(execute=True):
        document = services.request_document("results", team.participant, user=team.hr)
    document.refresh_from_db()
    assert document.status == DocumentStatus.DONE
    return team, document


def test_the_manager_and_hr_download_it_another_leader_and_the_raters_get_404(client, rendered):
    team, document = rendered
    url = reverse("documents:download", args=[document.pk])
    other = released(code="other")  # another leader, with their own manager
    for user, status in ((team.leader.user, 200), (team.manager.user, 200), (team.hr, 200),
                         (other.leader.user, 404), (other.manager.user, 404), (team.peers[0].user, 404)):
        client.force_login(user)
        assert client.get(url).status_code == status, user
        assert client.get(reverse("documents:status", args=[document.pk])).status_code == status, user


def test_an_auditor_downloads_it_but_cannot_ask_for_one(client, rendered):
    team, document = rendered
    auditor = UserFactory(auditor=True)
    client.force_login(auditor)
    assert client.get(reverse("documents:download", args=[document.pk])).status_code == 200
    assert client.post(reverse("documents:request", args=["results", team.participant.pk])).status_code == 403
    page = text(client.get(reverse("assessments:participant_results", args=[team.participant.pk])))
    assert "Download PDF" in page and "Update PDF" not in page


def test_forged_ids_and_kinds_give_404_and_change_nothing(client, rendered):
    team, document = rendered
    client.force_login(team.hr)
    assert client.get(reverse("documents:download", args=[document.pk + 999])).status_code == 404
    assert client.get(reverse("documents:status", args=[document.pk + 999])).status_code == 404
    assert client.post(reverse("documents:request", args=["results", team.participant.pk + 999])).status_code == 404
    assert client.post(reverse("documents:request", args=["payslips", team.participant.pk])).status_code == 404
    assert client.get(reverse("documents:request", args=["results", team.participant.pk])).status_code == 405
    assert Document.objects.count() == 1


def test_a_document_not_done_cannot_be_downloaded(client, django_capture_on_commit_callbacks):
    team = released()
    with django_capture_on_commit_callbacks(execute=False):
        document = services.request_document("results", team.participant, user=team.hr)
    client.force_login(team.hr)
    assert client.get(reverse("documents:download", args=[document.pk])).status_code == 404


def test_results_not_released_give_403_with_the_reason(client):
    from tests.assessments.builders import team_cycle

    team = team_cycle(peers=3, reports=0)
    client.force_login(team.leader.user)
    response = client.post(reverse("documents:request", args=["results", team.participant.pk]))
    assert response.status_code == 403
    assert Document.objects.count() == 0


def test_the_status_partial_polls_while_rendering_and_offers_the_download_when_done(
        client, django_capture_on_commit_callbacks):
    team = released()
    with django_capture_on_commit_callbacks(execute=False) as queued:
        document = services.request_document("results", team.participant, user=team.hr)
    client.force_login(team.leader.user)
    status_url = reverse("documents:status", args=[document.pk])
    partial = client.get(status_url, headers={"HX-Request": "true"}).content.decode()
    assert 'hx-trigger="every 2s"' in partial and 'aria-live="polite"' in partial
    assert "waiting for a worker" in partial
    page = client.get(reverse("assessments:participant_results", args=[team.participant.pk])).content.decode()
    assert "htmx-2.min.js" in page and 'hx-trigger="every 2s"' in page
    queued[0]()
    partial = client.get(status_url, headers={"HX-Request": "true"}).content.decode()
    assert "every 2s" not in partial and "Download PDF" in partial
    assert reverse("documents:download", args=[document.pk]) in partial


def test_an_htmx_request_answers_with_the_panel(client, django_capture_on_commit_callbacks):
    team = released()
    client.force_login(team.leader.user)
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(reverse("documents:request", args=["results", team.participant.pk]),
                               headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert 'data-testid="document-panel"' in response.content.decode()
    assert "waiting for a worker" in response.content.decode()


def test_the_panel_and_status_cost_the_same_queries_however_many_documents_exist(
        client, django_capture_on_commit_callbacks, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from assessments.models import ResultComment
    from assessments.services.results import withhold_comment

    team = released()
    client.force_login(team.leader.user)
    status_counts = []
    for _round in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            document = services.request_document("results", team.participant, user=team.hr)
        client.get(reverse("documents:status", args=[document.pk]))  # warm the session
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("documents:status", args=[document.pk])).status_code == 200
        status_counts.append(len(queries))
        comment = ResultComment.objects.filter(participant=team.participant, withheld=False).first()
        if comment:
            withhold_comment(comment, "changed", actor=team.hr)
    assert Document.objects.count() == 2
    assert status_counts[0] == status_counts[1], status_counts
    first, second = Document.objects.order_by("pk")
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("documents:download", args=[first.pk]))
    with django_assert_num_queries(len(queries)):
        client.get(reverse("documents:download", args=[second.pk]))
    page = reverse("assessments:participant_results", args=[team.participant.pk])
    with CaptureQueriesContext(connection) as with_documents:
        client.get(page)
    Document.objects.all().delete()
    with CaptureQueriesContext(connection) as without:
        client.get(page)
    assert len(with_documents) == len(without)
