"""The load part of `make bench`, short: 5 raters saving answers for 5 s through gunicorn and locust."""

from __future__ import annotations

import pytest
from django.db import connection

from demo.bench_load import Figures, LoadReport, print_load_report, run_load_bench


@pytest.mark.services
@pytest.mark.django_db(transaction=True)  # gunicorn and seed_demo write to the test database itself: no transaction around it, emptied after
def test_five_raters_saving_for_five_seconds_lose_no_answer_and_get_no_error(postgres):
    lines: list[str] = []
    report = run_load_bench(lines.append, seconds=5, raters=5, probes=1, production=False,
                            database=connection.settings_dict["NAME"])
    output = "\n".join(lines)
    assert not report.failed, output
    assert report.saves.requests > 5 and report.saves.failures == 0, output
    assert report.probe.requests > 0 and report.probe.failures == 0, output
    assert report.lost == [] and report.unexpected == 0 and report.failures == [], output
    # Every confirmed save is in the database: one answer per competency saved, none lost.
    assert report.confirmed_saves == report.saves.requests and report.stored == report.cells > 0, output
    assert "No error, no lost answer." in lines
    assert "save / sign-in page: p50 " in output and "lost: 0;" in output


def test_the_report_names_a_lost_answer_and_fails():
    report = LoadReport(raters=1, probes=1, seconds=6.0, saves=Figures(10, 0, 40.0, 90.0, 2.0, [30.0] * 10),
                        probe=Figures(5, 0, 10.0, 30.0, 1.0, [5.0] * 5), total_per_second=3.0, confirmed_saves=10,
                        cells=4, stored=4, lost=["questionnaire 1, competency 2: sent (3, 'x'), stored (2, 'y')"],
                        unexpected=0, failures=[])
    lines: list[str] = []
    print_load_report(lines.append, report, seconds=5)
    assert report.failed
    assert "save / sign-in page: p50 4.00, p95 3.00 (server: p50 6.00, p95 6.00)" in lines
    assert "  ! questionnaire 1, competency 2: sent (3, 'x'), stored (2, 'y')" in lines
    assert lines[-1] == "FAILED: see the lines marked !"
