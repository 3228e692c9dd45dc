"""Access-matrix rows for the questionnaire pages (helper B). They need only what
`tests.world.add_assessments` builds: `self_questionnaire` (the leader's, in the open cycle),
`manager_questionnaire` (the manager's about the leader), `external_token` (the external rater's
personal link) and `published_competency` (the one competency the leader's profile requires).

For tests/access.py: append `QUESTIONNAIRE_ROWS` to `MATRIX` and add `LINK_URL_NAMES` to
`ANONYMOUS_ALLOWED` (a personal link needs no account: its token is the credential).

Each POST runs in a rolled-back savepoint, so one role's save, submit or decline does not change what
the next role sees. POSTs without JavaScript redirect (302): a saved answer back to the page, a refused
submit (the questionnaire is not complete) back with the reason, a decline to "My questionnaires".
"""

from __future__ import annotations

from tests.world import World

LINK_URL_NAMES = frozenset({"assessments:link", "assessments:link_answer", "assessments:link_submit",
                            "assessments:link_decline"})


def _rows():
    from tests.access import Row, everyone, expect

    def obj(name: str):
        return lambda world: {"pk": world.objects[name].pk}

    def answer_kwargs(world: World) -> dict:
        return {"pk": world.objects["self_questionnaire"].pk, "competency_id": world.objects["published_competency"].pk}

    def link_kwargs(world: World) -> dict:
        return {"token": world.objects["external_token"]}

    def level(world: World) -> dict:
        return {f"c{world.objects['published_competency'].pk}-level": "3"}

    # A questionnaire is its rater's alone: everyone else gets 404, HR and quality included; auditors
    # are refused every write before any view (403).
    own = expect(404, leader=200)
    own_post = expect(404, leader=302, auditor=403)
    managers = expect(404, manager=200)
    managers_post = expect(404, manager=302, auditor=403)
    link_post = {**everyone(302), "auditor": 403}
    return [
        Row("assessments:my_questionnaires", get=expect(200)),
        Row("assessments:questionnaire", kwargs=obj("self_questionnaire"), label="the leader's self-assessment",
            get=own, post=own_post, data=level),
        Row("assessments:questionnaire", kwargs=obj("manager_questionnaire"), label="the manager's, about the leader",
            get=managers, post=managers_post),
        Row("assessments:questionnaire_answer", kwargs=answer_kwargs, data=level, get=expect(405), post=own_post),
        Row("assessments:questionnaire_submit", kwargs=obj("self_questionnaire"), get=expect(405), post=own_post,
            label="incomplete: refused, back with the reason"),
        Row("assessments:questionnaire_decline", kwargs=obj("manager_questionnaire"),
            data=lambda w: {"reason": "On leave all month"}, get=expect(405), post=managers_post),
        Row("assessments:link", kwargs=link_kwargs, get=everyone(200), post=link_post, data=level),
        Row("assessments:link", kwargs=lambda w: {"token": "x" * 43}, label="tampered token",
            get=everyone(404), post={**everyone(404), "auditor": 403}),
        Row("assessments:link_answer", data=level, get=everyone(405), post=link_post,
            kwargs=lambda w: {**link_kwargs(w), "competency_id": w.objects["published_competency"].pk}),
        Row("assessments:link_submit", kwargs=link_kwargs, get=everyone(405), post=link_post,
            label="incomplete: refused, back with the reason"),
        Row("assessments:link_decline", kwargs=link_kwargs, data=lambda w: {"reason": "I do not know them"},
            get=everyone(405), post=link_post),
    ]


def __getattr__(name: str):
    if name == "QUESTIONNAIRE_ROWS":  # built on first use: tests.access imports the world
        return _rows()
    raise AttributeError(name)
