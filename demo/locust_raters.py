"""Locust users for `manage.py bench --part load` (demo/bench_load.py runs locust headless on this file).

- `Rater`: one per rater the bench signed in (each a different person with an open self-assessment). It saves
  answers as the questionnaire page's autosave does: the htmx POST of one competency's level and comment to
  `/assessments/q/<questionnaire>/answer/<competency>/`, with the session and CSRF cookies and the page's CSRF
  token, going round the questionnaire's competencies with another level and comment each time. A save
  counts only when it answers 200 with `X-Answer-Status: saved`; each counted save is written down, so the
  bench can check afterwards that the database holds every one of them.
- `Probe`: the trivial view beside it in the same run, the sign-in page as an anonymous visitor sees it (the
  reference of every other bench). /healthz is no such view: every 10 s it waits half a second for workers to answer.

Plain locust and the standard library only: this file runs in locust's own process (gevent), not Django's.
The bench passes what it prepared through environment variables:
PROFICIO_LOAD_RATERS (a JSON file: the raters' cookies, CSRF token, questionnaire and competencies),
PROFICIO_LOAD_SAVES (where the counted saves and locust's figures are written when locust quits) and PROFICIO_LOAD_PROBES (how many
probe users).
"""

from __future__ import annotations

import json
import os
from itertools import count

from locust import FastHttpUser, between, events, task

SAVE_NAME = "save an answer (htmx POST)"
PROBE_NAME = "sign-in page (GET)"
PROBE_PATH = "/accounts/login/"
#: A rater thinks between two answers: about one save a second each (50 raters offer about 50 saves a second).
THINK_SECONDS = (0.5, 1.5)
PROBE_SECONDS = (0.5, 1.5)
LEVELS = 5

_raters: list[dict] = json.loads(open(os.environ["PROFICIO_LOAD_RATERS"]).read()) if os.environ.get(
    "PROFICIO_LOAD_RATERS") else []
_next_rater = count()
#: (questionnaire, competency, level, comment) of every save the server confirmed, in the order each rater sent them.
_saved: list[list] = []


class Rater(FastHttpUser):
    fixed_count = len(_raters)
    wait_time = between(*THINK_SECONDS)

    def on_start(self) -> None:
        self.rater = _raters[next(_next_rater)]
        self.sent = 0
        questionnaire = self.rater["questionnaire"]
        self.page = f"{self.host}/assessments/q/{questionnaire}/"
        # The cookies as the browser sends them. The production stack marks them Secure, which a cookie jar
        # would not send over the loopback's plain HTTP.
        self.cookie = "; ".join(f"{name}={value}" for name, value in self.rater["cookies"].items())

    @task
    def save_an_answer(self) -> None:
        rater, competencies = self.rater, self.rater["competencies"]
        competency = competencies[self.sent % len(competencies)]
        level = 1 + (self.sent // len(competencies) + self.sent) % LEVELS
        comment = f"Load test: save {self.sent} by {rater['email']}"
        self.sent += 1
        form = {"csrfmiddlewaretoken": rater["csrf"], f"c{competency}-level": str(level),
                f"c{competency}-comment": comment}
        headers = {"Cookie": self.cookie, "HX-Request": "true", "HX-Current-URL": self.page,
                   "X-CSRFToken": rater["csrf"], "Referer": self.page}
        with self.client.post(f"/assessments/q/{rater['questionnaire']}/answer/{competency}/", data=form,
                              headers=headers, name=SAVE_NAME, catch_response=True,
                              allow_redirects=False) as response:
            if response.status_code == 200 and response.headers.get("X-Answer-Status") == "saved":
                _saved.append([rater["questionnaire"], competency, level, comment])
                response.success()
            else:
                response.failure(f"HTTP {response.status_code}, X-Answer-Status "
                                 f"{response.headers.get('X-Answer-Status')!r}: {(response.text or '')[:200]}")


class Probe(FastHttpUser):
    fixed_count = int(os.environ.get("PROFICIO_LOAD_PROBES", "0"))
    wait_time = between(*PROBE_SECONDS)

    @task
    def sign_in_page(self) -> None:
        self.client.get(PROBE_PATH, name=PROBE_NAME)


@events.quitting.add_listener
def _write_saves(environment, **_kwargs) -> None:
    """The confirmed saves and locust's figures, once every user has stopped: its CSV files are written
    before the requests still in flight at the time limit have finished, so they would count fewer."""
    target = os.environ.get("PROFICIO_LOAD_SAVES")
    if not target:
        return
    stats = environment.stats
    figures = {name: {"requests": entry.num_requests, "failures": entry.num_failures,
                      "p50": entry.get_response_time_percentile(0.5), "p95": entry.get_response_time_percentile(0.95),
                      "per_second": entry.total_rps}
               for (name, _method), entry in stats.entries.items()}
    errors = [f"{error.method} {error.name}: {error.error} (x{error.occurrences})" for error in stats.errors.values()]
    with open(target, "w") as file:
        json.dump({"saves": _saved, "figures": figures, "per_second": stats.total.total_rps, "errors": errors}, file)
