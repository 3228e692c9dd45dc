"""The access matrix: every URL name × every role, with the status each must get.

Rows are grouped by app; `tests/test_access_matrix.py` fails when a URL has no row here. A row may
appear more than once for one URL name, with different objects (own record, a report's, a stranger's).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.http import urlencode

from tests.world import ROLES, World

Expect = dict[str, int]


def expect(signed_in: int, *, anonymous: int = 302, **by_role: int) -> Expect:
    """`signed_in` for every signed-in role unless overridden; anonymous visitors go to the login page."""
    result = {role: signed_in for role in ROLES}
    result["anonymous"] = anonymous
    result.update(by_role)
    return result


def everyone(status: int) -> Expect:
    return {role: status for role in ROLES}


# Managing roles write, auditors are refused by the read-only layer, leaders and managers by the rules.
def managers_only(ok: int, *, leader: int = 403, manager: int | None = None, auditor: int = 403) -> Expect:
    return expect(ok, leader=leader, manager=leader if manager is None else manager, auditor=auditor)


@dataclass
class Row:
    name: str
    get: Expect | None = None
    post: Expect | None = None
    kwargs: Callable[[World], dict] = field(default=lambda world: {})
    data: Callable[[World], dict] = field(default=lambda world: {})
    label: str = ""
    #: The query string of the URL (pages that take their object from it, e.g. ?cycle=3).
    query: Callable[[World], dict] = field(default=lambda world: {})

    @property
    def id(self) -> str:
        return f"{self.name}[{self.label}]" if self.label else self.name


ANONYMOUS_ALLOWED = {
    "accounts:login",
    "accounts:password_reset",
    "accounts:password_reset_done",
    "accounts:password_reset_confirm",
    "accounts:password_reset_complete",
    "healthz",
}

MATRIX: list[Row] = [
    # --- shell and operations
    Row("dashboard:home", get=expect(200)),
    Row("healthz", get=everyone(200)),
    Row("admin:*", get=expect(302, hr=200), label="admin index, staff only"),
    # --- accounts
    Row("accounts:login", get=expect(302, anonymous=200),
        post=expect(302, anonymous=200, auditor=403), data=lambda w: {"username": "nobody@example.com", "password": "wrong"}),
    Row("accounts:logout", get=expect(405), post=expect(302)),
    Row("accounts:password_change", get=expect(200), post=expect(200, auditor=200),
        data=lambda w: {"old_password": "wrong", "new_password1": "x", "new_password2": "y"}),
    Row("accounts:password_change_done", get=expect(200)),
    Row("accounts:password_reset", get=everyone(200), post=expect(302, anonymous=302, auditor=403),
        data=lambda w: {"email": "nobody@example.com"}),
    Row("accounts:password_reset_done", get=everyone(200)),
    Row("accounts:password_reset_confirm", get=everyone(200), kwargs=lambda w: {"uidb64": "MQ", "token": "bad-token"}),
    Row("accounts:password_reset_complete", get=everyone(200)),
]


def obj(name: str, kwarg: str = "pk") -> Callable[[World], dict]:
    return lambda world: {kwarg: world.objects[name].pk}


# Visibility of versions: `hr` and `quality` see all; the others see published ones; `leader` is also
# invited to review G. Drafts are therefore 404 for leaders, managers and auditors.
HIDDEN_FROM_READERS = {"leader": 404, "manager": 404, "auditor": 404}
OWNERS_ONLY_GET = expect(200, **HIDDEN_FROM_READERS)
OWNERS_ONLY_POST = dict(HIDDEN_FROM_READERS, auditor=403)  # the read-only layer answers before the view
REVIEW_GET = expect(200, manager=404, auditor=404)  # G in review: invited leader reads it
MATRIX += [
    Row("competency:framework_list", get=expect(200)),
    Row("competency:framework_create", get=managers_only(200), post=managers_only(400)),
    Row("competency:framework_import", get=managers_only(200), post=managers_only(400)),
    Row("competency:import_preview", kwargs=obj("pending_import"), label="someone else's upload is invisible",
        get=expect(404, hr=200), post=expect(404, hr=400, auditor=403)),
    Row("competency:import_confirm", kwargs=obj("pending_import"),
        post=expect(404, hr=400, auditor=403)),
    Row("competency:framework_detail", kwargs=obj("framework"), get=expect(200), label="published"),
    Row("competency:framework_edit", kwargs=obj("framework"), get=managers_only(200), post=managers_only(400)),
    Row("competency:framework_delete", kwargs=obj("draft_framework"), label="only a draft",
        get=expect(200, **HIDDEN_FROM_READERS), post=expect(302, **OWNERS_ONLY_POST)),
    Row("competency:framework_delete", kwargs=obj("framework"), label="published: kept on record",
        get=expect(403), post=expect(403)),
    Row("competency:framework_detail", kwargs=obj("review_framework"), get=REVIEW_GET, label="only in review"),
    Row("competency:version_detail", kwargs=obj("published"), get=expect(200), label="published"),
    Row("competency:version_detail", kwargs=obj("draft"), get=OWNERS_ONLY_GET, label="draft"),
    Row("competency:version_detail", kwargs=obj("review"), get=REVIEW_GET, label="in review"),
    Row("competency:version_submit", kwargs=obj("draft"), post=expect(302, **OWNERS_ONLY_POST)),
    Row("competency:version_return", kwargs=obj("review"), post=expect(302, leader=403, manager=404, auditor=403)),
    Row("competency:version_approve", kwargs=obj("review"), get=expect(200, leader=403, manager=404, auditor=404),
        post=expect(400, leader=403, manager=404, auditor=403)),
    Row("competency:version_publish", kwargs=obj("draft"), get=OWNERS_ONLY_GET, post=expect(400, **OWNERS_ONLY_POST)),
    Row("competency:version_retire", kwargs=obj("published"), post=expect(302, leader=403, manager=403, auditor=403)),
    Row("competency:version_revise", kwargs=obj("published"), post=expect(302, leader=403, manager=403, auditor=403)),
    Row("competency:version_diff", kwargs=lambda w: {"pk": w.objects["draft"].pk, "other_pk": w.objects["published"].pk},
        get=OWNERS_ONLY_GET),
    Row("competency:version_export", kwargs=lambda w: {"pk": w.objects["published"].pk, "fmt": "moodle-csv"},
        get=expect(200), label="published"),
    Row("competency:version_export", kwargs=lambda w: {"pk": w.objects["draft"].pk, "fmt": "case-json"},
        get=OWNERS_ONLY_GET, label="draft"),
    Row("competency:version_export", kwargs=lambda w: {"pk": w.objects["published"].pk, "fmt": "docx"},
        get=expect(404), label="unknown format"),
    Row("competency:area_create", kwargs=obj("draft"), get=OWNERS_ONLY_GET, post=expect(400, **OWNERS_ONLY_POST),
        label="draft"),
    Row("competency:area_create", kwargs=obj("published"), get=expect(403), post=expect(403), label="frozen"),
    Row("competency:area_edit", kwargs=obj("draft_area"), get=OWNERS_ONLY_GET, post=expect(400, **OWNERS_ONLY_POST)),
    Row("competency:area_edit", kwargs=obj("published_area"), get=expect(403), label="frozen"),
    Row("competency:area_delete", kwargs=obj("draft_area"), get=OWNERS_ONLY_GET, post=expect(302, **OWNERS_ONLY_POST)),
    Row("competency:area_move", kwargs=lambda w: {"pk": w.objects["draft_area"].pk, "direction": "up"},
        post=expect(302, **OWNERS_ONLY_POST)),
    Row("competency:competency_create", kwargs=obj("draft_area"), get=OWNERS_ONLY_GET,
        post=expect(400, **OWNERS_ONLY_POST)),
    Row("competency:competency_detail", kwargs=obj("published_competency"), get=expect(200), label="published"),
    Row("competency:competency_detail", kwargs=obj("draft_competency"), get=OWNERS_ONLY_GET, label="draft"),
    Row("competency:competency_edit", kwargs=obj("draft_competency"), get=OWNERS_ONLY_GET,
        post=expect(400, **OWNERS_ONLY_POST)),
    Row("competency:competency_delete", kwargs=obj("draft_competency"), get=OWNERS_ONLY_GET,
        post=expect(302, **OWNERS_ONLY_POST)),
    Row("competency:competency_move", kwargs=lambda w: {"pk": w.objects["draft_competency"].pk, "direction": "down"},
        post=expect(302, **OWNERS_ONLY_POST)),
    Row("competency:version_review", kwargs=obj("review"), get=REVIEW_GET, label="in review"),
    Row("competency:version_review", kwargs=obj("published"), get=expect(200, leader=403, manager=403),
        label="not invited; auditors read the review record"),
    Row("competency:version_invite", kwargs=obj("review"), post=expect(400, leader=403, manager=404, auditor=403)),
    Row("competency:comment_add", kwargs=obj("review"), post=expect(400, manager=404, auditor=403)),
    Row("competency:comment_resolve", kwargs=obj("comment"), post=expect(302, leader=403, manager=404, auditor=403)),
    Row("competency:scale_list", get=expect(200)),
    Row("competency:scale_create", get=managers_only(200), post=managers_only(400)),
    Row("competency:scale_detail", kwargs=obj("default_scale"), get=expect(200)),
    Row("competency:scale_edit", kwargs=obj("unused_scale"), get=managers_only(200), post=managers_only(400),
        label="used by no version beyond draft"),
    Row("competency:scale_edit", kwargs=obj("default_scale"), get=expect(403), post=expect(403),
        label="frozen by a published version"),
    Row("competency:scale_copy", kwargs=obj("default_scale"), post=managers_only(302)),
    Row("competency:scale_delete", kwargs=obj("unused_scale"), get=managers_only(200), post=managers_only(302),
        label="used by no framework"),
    Row("competency:scale_delete", kwargs=obj("default_scale"), get=expect(403), post=expect(403),
        label="in use"),
]

# Accounts: HR only. Anyone's own account is in their audience (403), other people's are not (404).
HR_ONLY = {"quality": 403, "leader": 403, "manager": 403, "auditor": 403}
OWN_OR_HR = {"quality": 404, "leader": 403, "manager": 404, "auditor": 404}
MATRIX += [
    Row("accounts:account_list", get=expect(200, **HR_ONLY)),
    Row("accounts:account_create", get=expect(200, **HR_ONLY), post=expect(400, **HR_ONLY)),
    Row("accounts:account_edit", kwargs=lambda w: {"pk": w.user("leader").pk}, get=expect(200, **OWN_OR_HR),
        post=expect(400, **dict(OWN_OR_HR, auditor=403)), label="the leader's account"),
    Row("accounts:account_invite", kwargs=lambda w: {"pk": w.user("leader").pk},
        post=expect(302, **dict(OWN_OR_HR, auditor=403))),
]

ANONYMOUS_ALLOWED.add("accounts:invitation_accept")
READERS = {"hr": 200, "quality": 200, "auditor": 200}


def person(name: str) -> Callable[[World], dict]:
    return lambda world: {"pk": world.people[name].pk}


MATRIX += [
    Row("accounts:invitation_accept", get=everyone(200), kwargs=lambda w: {"uidb64": "MQ", "token": "bad-token"}),
    Row("profiles:orgunit_tree", get=expect(200)),
    Row("profiles:orgunit_create", get=managers_only(200), post=managers_only(400)),
    Row("profiles:orgunit_edit", kwargs=obj("plant"), get=managers_only(200), post=managers_only(400)),
    Row("profiles:profile_list", get=expect(200)),
    Row("profiles:profile_create", get=managers_only(200), post=managers_only(400)),
    Row("profiles:profile_detail", kwargs=obj("profile_leader"), get=expect(200), label="the leader's own role"),
    Row("profiles:profile_detail", kwargs=obj("profile_manager"), get=expect(200, leader=404), label="the manager's"),
    Row("profiles:profile_detail", kwargs=obj("profile_colleague"), get=expect(200, leader=404, manager=404),
        label="a stranger's role"),
    Row("profiles:profile_edit", kwargs=obj("profile_leader"), get=managers_only(200), post=managers_only(400)),
    Row("profiles:profile_requirements", kwargs=obj("profile_leader"), get=managers_only(200), post=managers_only(400)),
    Row("profiles:profile_expectations", kwargs=obj("profile_leader"), get=managers_only(200), post=managers_only(400)),
    Row("profiles:profile_approve", kwargs=obj("profile_colleague"),
        get=expect(200, leader=404, manager=404, auditor=403), post=expect(400, leader=404, manager=404, auditor=403)),
    Row("profiles:profile_migrate", kwargs=obj("profile_leader"), get=managers_only(200), post=managers_only(400)),
    Row("profiles:person_list", get=expect(200, leader=403)),
    Row("profiles:person_detail", kwargs=person("leader"), get=expect(200), label="own page, a report of manager"),
    Row("profiles:person_detail", kwargs=person("manager"), get=expect(200, leader=404), label="the manager's page"),
    Row("profiles:person_detail", kwargs=person("colleague"), get=expect(200, leader=404, manager=404),
        label="a stranger's page"),
    Row("profiles:person_edit", kwargs=person("leader"), get=managers_only(200), post=managers_only(400)),
    Row("profiles:people_import", get=managers_only(200), post=managers_only(400)),
    Row("profiles:people_import_preview", kwargs=obj("people_import"), get=expect(404, hr=200)),
    Row("profiles:people_import_confirm", kwargs=obj("people_import"), post=expect(404, hr=302, auditor=403)),
]


# --- assessments: cycles are HR's, quality's and auditors' (leaders and managers get 404 for a cycle,
# 403 for the list and the create form; auditors 403 for every change). A questionnaire is its rater's
# alone: everyone else gets 404, HR and quality included. A personal link needs no account: its token
# is the credential.


def _answer_kwargs(world: World) -> dict:
    return {"pk": world.objects["self_questionnaire"].pk, "competency_id": world.objects["published_competency"].pk}


def _link(world: World) -> dict:
    return {"token": world.objects["external_token"]}


def _level(world: World) -> dict:
    return {f"c{world.objects['published_competency'].pk}-level": "3"}


def _export(cycle: str, fmt: str) -> Callable[[World], dict]:
    return lambda world: {"pk": world.objects[cycle].pk, "fmt": fmt}


_outside = {"leader": 404, "manager": 404}
_change = dict(_outside, auditor=403)
_own, _own_post = expect(404, leader=200), expect(404, leader=302, auditor=403)
_managers, _managers_post = expect(404, manager=200), expect(404, manager=302, auditor=403)
_link_post = {**everyone(302), "auditor": 403}
ANONYMOUS_ALLOWED |= {"assessments:link", "assessments:link_answer", "assessments:link_submit", "assessments:link_decline"}

MATRIX += [
    Row("assessments:cycle_list", get=expect(200, leader=403, manager=403)),
    Row("assessments:cycle_create", get=managers_only(200), post=managers_only(400)),
    Row("assessments:cycle_detail", kwargs=obj("cycle_draft"), get=expect(200, **_outside), label="draft"),
    Row("assessments:cycle_detail", kwargs=obj("open_cycle"), get=expect(200, **_outside), label="open"),
    Row("assessments:cycle_detail", kwargs=obj("released_cycle"), get=expect(200, **_outside), label="released"),
    Row("assessments:cycle_edit", kwargs=obj("cycle_draft"), get=expect(200, **_change), post=expect(400, **_change),
        label="draft"),
    Row("assessments:cycle_edit", kwargs=obj("open_cycle"), get=expect(302, **_change), label="open: refused, back"),
    Row("assessments:cycle_leaders", kwargs=obj("cycle_draft"), get=expect(200, **_change),
        post=expect(400, **_change), label="draft"),
    Row("assessments:cycle_leaders", kwargs=obj("open_cycle"), get=expect(302, **_change),
        label="open: refused, back"),
    Row("assessments:cycle_open", kwargs=obj("cycle_draft"), post=expect(302, **_change),
        label="refused with the leader named, back to the cycle"),
    Row("assessments:cycle_opening", kwargs=obj("cycle_draft"), get=expect(200, **_outside)),
    Row("assessments:cycle_close", kwargs=obj("open_cycle"), post=expect(302, **_change)),
    Row("assessments:cycle_extend", kwargs=obj("open_cycle"), get=expect(200, **_change), post=expect(400, **_change),
        label="open"),
    Row("assessments:cycle_extend", kwargs=obj("released_cycle"), get=expect(302, **_change),
        label="released: refused, back"),
    Row("assessments:cycle_remind", kwargs=obj("open_cycle"), post=expect(302, **_change)),
    Row("assessments:participant_detail", kwargs=obj("open_leader"), get=expect(200),
        label="the leader's own; the manager's report"),
    Row("assessments:participant_detail", kwargs=obj("open_manager"), get=expect(200, leader=404),
        label="rated by the leader as a direct report"),
    Row("assessments:participant_detail", kwargs=obj("released_leader"), get=expect(200), label="released"),
    Row("assessments:participant_remind", kwargs=obj("open_leader"),
        post=expect(302, leader=403, manager=403, auditor=403)),
    Row("assessments:nominate", kwargs=obj("open_leader"), post=expect(403, leader=400),
        label="only the leader; nothing chosen"),
    Row("assessments:nominations_submit", kwargs=obj("open_leader"), post=expect(403, leader=302),
        label="too few peers: refused, back"),
    Row("assessments:nominations_approve", kwargs=obj("open_leader"),
        post=expect(302, leader=403, auditor=403)),
    Row("assessments:nomination_decide", kwargs=obj("nomination"), post=expect(400, leader=403, auditor=403),
        label="no decision given"),
    Row("assessments:nomination_withdraw", kwargs=obj("nomination"), post=expect(302, manager=403, auditor=403)),
    Row("assessments:my_questionnaires", get=expect(200)),
    Row("assessments:questionnaire", kwargs=obj("self_questionnaire"), label="the leader's self-assessment",
        get=_own, post=_own_post, data=_level),
    Row("assessments:questionnaire", kwargs=obj("manager_questionnaire"), label="the manager's, about the leader",
        get=_managers, post=_managers_post),
    Row("assessments:questionnaire_answer", kwargs=_answer_kwargs, data=_level, get=expect(405), post=_own_post),
    Row("assessments:questionnaire_submit", kwargs=obj("self_questionnaire"), get=expect(405), post=_own_post,
        label="incomplete: refused, back with the reason"),
    Row("assessments:questionnaire_decline", kwargs=obj("manager_questionnaire"),
        data=lambda w: {"reason": "On leave all month"}, get=expect(405), post=_managers_post),
    Row("assessments:link", kwargs=_link, get=everyone(200), post=_link_post, data=_level),
    Row("assessments:link", kwargs=lambda w: {"token": "x" * 43}, label="tampered token",
        get=everyone(404), post={**everyone(404), "auditor": 403}),
    Row("assessments:link_answer", data=_level, get=everyone(405), post=_link_post,
        kwargs=lambda w: {**_link(w), "competency_id": w.objects["published_competency"].pk}),
    Row("assessments:link_submit", kwargs=_link, get=everyone(405), post=_link_post,
        label="incomplete: refused, back with the reason"),
    Row("assessments:link_decline", kwargs=_link, data=lambda w: {"reason": "I do not know them"},
        get=everyone(405), post=_link_post),
    Row("assessments:cycle_release", kwargs=obj("released_cycle"), get=expect(405),
        post=expect(302, leader=404, manager=404, auditor=403), label="released: refused, nothing new to release"),
    Row("assessments:cycle_release", kwargs=obj("open_cycle"), get=expect(405),
        post=expect(302, leader=404, manager=404, auditor=403), label="open: refused before the close"),
    Row("assessments:cycle_export", kwargs=_export("released_cycle", "csv"), get=expect(200, **_change), label="csv"),
    Row("assessments:cycle_export", kwargs=_export("released_cycle", "xlsx"), get=expect(200, **_change), label="xlsx"),
    Row("assessments:cycle_export", kwargs=_export("released_cycle", "pdf"), get=expect(404), label="unknown format"),
    Row("assessments:cycle_export", kwargs=_export("open_cycle", "csv"), get=expect(302, **_change),
        label="not released yet: back with a message"),
    Row("assessments:participant_results", kwargs=obj("released_leader"), get=expect(200),
        label="released: the leader, their manager, HR, quality, auditors"),
    Row("assessments:participant_results", kwargs=obj("open_leader"), get=expect(403), label="not released yet"),
    Row("assessments:comment_withhold", kwargs=obj("released_comment"),
        get=expect(200, leader=403, manager=403, auditor=403), post=expect(400, leader=403, manager=403, auditor=403),
        label="empty reason"),
]


# --- gaps: the organisation's analyses are HR's, quality's and auditors' (leaders and managers get 403
# for the pages, 404 for a run); a leader's gaps are read by whoever reads their released results (the
# leader, their manager, HR, quality, auditors; never `colleague`, who rated the leader anonymously).


def _gap_cell(world: World) -> dict:
    return {"cycle": world.objects["released_cycle"].pk, "by": "unit", "key": world.objects["plant"].pk,
            "competency": world.objects["published_competency"].pk}


_org = expect(200, leader=403, manager=403)

MATRIX += [
    Row("gaps:heatmap", get=_org, label="by org unit"),
    Row("gaps:heatmap", get=_org, query=lambda w: {"by": "role"}, label="by role profile"),
    Row("gaps:heatmap", get=expect(404, leader=403, manager=403), query=lambda w: {"cycle": w.objects["open_cycle"].pk},
        label="a cycle without an analysis"),
    Row("gaps:heatmap", get=expect(404, leader=403, manager=403), query=lambda w: {"cycle": "1 OR 1=1"},
        label="a forged cycle id"),
    Row("gaps:heatmap_export", kwargs=lambda w: {"fmt": "csv"}, get=_org, label="csv"),
    Row("gaps:heatmap_export", kwargs=lambda w: {"fmt": "xlsx"}, get=_org, query=lambda w: {"by": "role"}, label="xlsx"),
    Row("gaps:heatmap_export", kwargs=lambda w: {"fmt": "pdf"}, get=expect(404, leader=403, manager=403),
        label="unknown format"),
    Row("gaps:heatmap_cell", get=_org, query=_gap_cell, label="the plant's leaders"),
    Row("gaps:heatmap_cell", get=expect(404, leader=403, manager=403), query=lambda w: {**_gap_cell(w), "key": 0},
        label="a unit outside the analysis"),
    Row("gaps:trends", get=_org),
    Row("gaps:analysis_list", get=_org),
    Row("gaps:analysis_run", kwargs=obj("released_cycle", "cycle_pk"), get=expect(405),
        post=expect(302, leader=403, manager=403, auditor=403), label="released: a run starts"),
    Row("gaps:analysis_run", kwargs=obj("open_cycle", "cycle_pk"), post=expect(302, leader=403, manager=403, auditor=403),
        label="not released: refused, back with the reason"),
    Row("gaps:analysis_detail", kwargs=obj("gap_analysis"), get=expect(200, **_outside)),
    Row("gaps:analysis_progress", kwargs=obj("gap_analysis"), get=expect(200, **_outside)),
    Row("gaps:analysis_retry", kwargs=obj("gap_analysis"), get=expect(405), post=expect(302, **_change),
        label="done: refused, back with the reason"),
    Row("gaps:mine", get=expect(200)),
    Row("gaps:team", get=expect(200)),
    Row("gaps:leader", kwargs=obj("released_leader"), get=expect(200),
        label="the leader, their manager, HR, quality, auditors"),
    Row("gaps:leader", kwargs=obj("open_leader"), get=expect(403), label="not released yet"),
]


# --- training: each part's rows live beside its world objects (tests/access_training_*.py)


def _training_rows() -> list[Row]:
    from tests import access_training_catalogue, access_training_enrolments, access_training_evidence, access_training_reviews

    return [row for part in (access_training_catalogue, access_training_enrolments, access_training_evidence,
                             access_training_reviews) for row in part.ROWS]


MATRIX += _training_rows()


# --- documents (tests/access_documents.py)


def _documents_rows() -> list[Row]:
    from tests import access_documents

    return access_documents.ROWS


MATRIX += _documents_rows()


# --- development plans (tests/access_devplans.py)


def _devplans_rows() -> list[Row]:
    from tests import access_devplans

    return access_devplans.ROWS


MATRIX += _devplans_rows()


# --- evidence for auditors: the dossier and as-at matrix, the landing page and samples, the packs


def _evidence_rows() -> list[Row]:
    from tests import access_evidence_dossier, access_evidence_landing, access_evidence_packs

    return [row for part in (access_evidence_dossier, access_evidence_landing, access_evidence_packs)
            for row in part.ROWS]


MATRIX += _evidence_rows()


# --- awareness: controlled statements and acknowledgements, the management review (started for issue 13)


def _awareness_rows() -> list[Row]:
    from tests import access_awareness, access_awareness_review

    return access_awareness.ROWS + access_awareness_review.ROWS


MATRIX += _awareness_rows()


# --- api: HR's token pages, and the endpoints' answer to the sign-in session (tests/access_api.py)


def _api_rows() -> list[Row]:
    from tests import access_api

    ANONYMOUS_ALLOWED.update(access_api.ANONYMOUS_ALLOWED)
    return access_api.ROWS


MATRIX += _api_rows()


# --- sign-in security: two-factor sign-in, the security policy, sessions (issue 14)


def _accounts_security_rows() -> list[Row]:
    from tests import access_accounts_security

    return access_accounts_security.ROWS


MATRIX += _accounts_security_rows()


# --- walking the matrix: the access test, the fuzz tests and the accessibility test share these

#: Django's own admin: one row stands for all its pages, and its URL is the admin's index.
ADMIN = "admin:*"


def resolve_url(row: Row, world: World) -> str:
    """The row's URL with the world's objects (and its query string)."""
    name = "admin:index" if row.name == ADMIN else row.name
    query = row.query(world)
    return reverse(name, kwargs=row.kwargs(world)) + (f"?{urlencode(query)}" if query else "")


def rows(method: str, *, skip: Collection[str] = (ADMIN,)) -> list[Row]:
    """The rows that expect something of `method` ("get" or "post"), but those whose URL name is in `skip`
    (by default the admin's, which is Django's)."""
    return [row for row in MATRIX if getattr(row, method) and row.name not in skip]


def pages(role: str, world: World, *, method: str = "get", status: int = 200,
          skip: Collection[str] = (ADMIN,)) -> Iterator[tuple[Row, str]]:
    """(row, URL) of each URL name's first row whose `method` gives `role` the `status`: one page per URL name."""
    seen: set[str] = set()
    for row in rows(method, skip=skip):
        if row.name in seen or getattr(row, method).get(role) != status:
            continue
        seen.add(row.name)
        yield row, resolve_url(row, world)
