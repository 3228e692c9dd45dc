"""The questionnaire: "My questionnaires", one questionnaire's page, saving answers, submitting, declining.

Raters with an account reach a questionnaire by its id (anyone else's id is 404); external raters by
their personal link, whose token is the credential (no account, no login; CSRF still applies).

Autosave: the whole page is one form, one fieldset per competency. With JavaScript, each fieldset
posts its own answer (htmx) to `questionnaire_answer` as it is given — when a level is chosen, and a
moment after typing in the comment stops, on leaving the comment, and when the page is closed — and
gets back a small fragment ("Saved · n left"). Without JavaScript, each Save button posts the whole
page to the page's own URL, which saves every answer on it and comes back to the same competency;
Submit posts the whole page to `questionnaire_submit`, which saves it first, so nothing typed is lost
either way.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts.permissions import get_for_user, permission_required, visible
from core.responses import done, refuse
from profiles.rules import person_of

from .. import selectors
from ..forms import AnswerForm, DeclineForm
from ..models import Group, Questionnaire, QuestionnaireStatus
from ..services import answering
from ..services.answering import LinkRefused, Refused

PAGE = "assessments/questionnaire/page.html"
FRAGMENT = "assessments/questionnaire/_saved.html"


@dataclass(frozen=True)
class Access:
    """How the rater reached the questionnaire: by account (its id) or by personal link (its token)."""

    page: str
    submit: str
    decline: str
    answer_prefix: str  # the answer URL up to the competency id
    after_submit: str
    by_link: bool = False

    def answer(self, competency_id: int) -> str:
        return f"{self.answer_prefix}{competency_id}/"


def _account_access(questionnaire: Questionnaire) -> Access:
    pk = questionnaire.pk
    return Access(
        page=reverse("assessments:questionnaire", args=[pk]),
        submit=reverse("assessments:questionnaire_submit", args=[pk]),
        decline=reverse("assessments:questionnaire_decline", args=[pk]),
        answer_prefix=reverse("assessments:questionnaire_answer", args=[pk, 0])[:-2],
        after_submit=reverse("assessments:my_questionnaires"),
    )


def _link_access(token: str) -> Access:
    page = reverse("assessments:link", args=[token])
    return Access(
        page=page,
        submit=reverse("assessments:link_submit", args=[token]),
        decline=reverse("assessments:link_decline", args=[token]),
        answer_prefix=reverse("assessments:link_answer", args=[token, 0])[:-2],
        after_submit=page,
        by_link=True,
    )


def _own(request: HttpRequest, pk: int, action: str) -> Questionnaire:
    return get_for_user(request.user, selectors.rater_questionnaires(), action, pk=pk)


# --- My questionnaires ------------------------------------------------------------------------------


@permission_required("questionnaire.browse")
def my_questionnaires(request: HttpRequest) -> HttpResponse:
    mine = selectors.my_questionnaires(
        person_of(request.user), visible(request.user, "questionnaire", Questionnaire.objects.all()))
    return render(request, "assessments/questionnaire/mine.html",
                  {"mine": mine, "QuestionnaireStatus": QuestionnaireStatus})


# --- the page ---------------------------------------------------------------------------------------


def _answer_forms(page: selectors.QuestionnairePage, data=None) -> dict[int, AnswerForm]:
    values = [level.value for level in page.levels]
    forms = {}
    for item in page.items:
        initial = {}
        if item.answer is not None:
            initial = {"level": "none" if item.answer.level is None else str(item.answer.level),
                       "comment": item.answer.comment}
        forms[item.competency_id] = AnswerForm(data, competency_id=item.competency_id, level_values=values,
                                               initial=initial)
    return forms


def _render(request: HttpRequest, page: selectors.QuestionnairePage, access: Access, *,
            forms: dict[int, AnswerForm] | None = None, decline_form: DeclineForm | None = None,
            errors: list[str] | None = None, status: int = 200) -> HttpResponse:
    forms = forms or _answer_forms(page)
    for item in page.items:
        item.form = forms[item.competency_id]
        item.answer_url = access.answer(item.competency_id)
    questionnaire = page.questionnaire
    context = {
        "page": page, "questionnaire": questionnaire, "access": access, "errors": errors or [],
        "subject_first_name": page.questionnaire.participant.person.user.first_name or page.subject_name,
        "cycle": questionnaire.participant.cycle,
        "can_decline": page.editable and questionnaire.group != Group.SELF,
        "closed_notice": "" if page.editable or not questionnaire.is_open
        else answering.closed_message(questionnaire.participant.cycle),
        "decline_form": decline_form or DeclineForm(),
        "threshold": questionnaire.participant.cycle.threshold(questionnaire.group),
        "Group": Group, "QuestionnaireStatus": QuestionnaireStatus,
    }
    response = render(request, PAGE, context, status=status)
    if access.by_link:
        response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _posted_answers(request: HttpRequest, page: selectors.QuestionnairePage):
    """The answers the page posted (the whole form): (forms, {competency id: AnswerInput}), or the forms
    with errors and None."""
    forms = _answer_forms(page, request.POST)
    if not all(form.is_valid() for form in forms.values()):
        return forms, None
    return forms, {pk: form.answer() for pk, form in forms.items() if form.has_answer()}


def _save_page(request: HttpRequest, questionnaire: Questionnaire, access: Access, *,
               nothing_posted_is_fine: bool = False) -> HttpResponse | None:
    """Saves every answer the page posted. A response when that failed (400, or a refusal as a
    message), None when it was saved. When nothing was posted, only the state is checked (a save
    button pressed on a page that is no longer open is told so), unless `nothing_posted_is_fine`."""
    if not any(key.startswith("c") and key[1:2].isdigit() for key in request.POST):
        if nothing_posted_is_fine:
            return None
        try:
            answering.save_answers(questionnaire, {})
        except Refused as error:
            return refuse(request, error, access.page)
        return None
    page = selectors.questionnaire_page(questionnaire)
    forms, answers = _posted_answers(request, page)
    if answers is None:
        return _render(request, page, access, forms=forms, status=400,
                       errors=["Some answers could not be saved: see the competencies marked below."])
    try:
        answering.save_answers(questionnaire, answers)
    except Refused as error:
        return refuse(request, error, access.page)
    except ValidationError as error:
        return _render(request, page, access, forms=forms, errors=error.messages, status=400)
    return None


def _page(request: HttpRequest, questionnaire: Questionnaire, access: Access) -> HttpResponse:
    if request.method == "POST":  # the save button without JavaScript: every answer on the page
        failed = _save_page(request, questionnaire, access)
        if failed is not None:
            return failed
        answered, total = selectors.answered_count(questionnaire)
        anchor = request.POST.get("save", "")
        to = access.page + (f"#c-{anchor}" if anchor.isdigit() else "")
        return done(request, f"Answers saved: {total - answered} of {total} left.", to)
    return _render(request, selectors.questionnaire_page(questionnaire), access)


@require_http_methods(["GET", "POST"])
def questionnaire(request: HttpRequest, pk: int) -> HttpResponse:
    action = "questionnaire.answer" if request.method == "POST" else "questionnaire.view"
    found = _own(request, pk, action)
    return _page(request, found, _account_access(found))


# --- one answer (htmx, or a plain post) ---------------------------------------------------------------


def _fragment(request: HttpRequest, questionnaire: Questionnaire, *, message: str = "", ok: bool = True,
              status: int = 200, progress: tuple[int, int] | None = None) -> HttpResponse:
    """The "saved · n left" fragment; `progress` (answered, total) when the save just counted them."""
    answered, total = progress or selectors.answered_count(questionnaire)
    # A fragment, not a page: rendered without the page shell's context (navigation, messages).
    response = HttpResponse(render_to_string(FRAGMENT, {"ok": ok, "message": message, "answered": answered,
                                                        "total": total, "left": max(total - answered, 0)}),
                            status=status)
    response.headers["X-Answer-Status"] = "saved" if ok else "refused"
    return response


def _whole(questionnaire: Questionnaire) -> Questionnaire:
    """The questionnaire with everything its page shows, when it was fetched only for saving an answer."""
    if questionnaire.get_deferred_fields() or questionnaire.participant.get_deferred_fields():
        return selectors.rater_questionnaires().get(pk=questionnaire.pk)
    return questionnaire


def _answer(request: HttpRequest, questionnaire: Questionnaire, competency_id: int, access: Access) -> HttpResponse:
    """Saves one answer. The busy path of the questionnaire: the questionnaire was fetched with only what
    the save reads, the level is checked against the scale by the service, which also counts the
    answers for the fragment (the same few queries whatever the number of competencies)."""
    form = AnswerForm(request.POST, competency_id=competency_id)
    problem = None
    if competency_id not in selectors.required_ids(questionnaire.participant):
        problem = "That competency is not one this questionnaire asks about."
    elif not form.is_valid():
        problem = " ".join(message for errors in form.errors.values() for message in errors)
    elif not form.has_answer():
        problem = "Choose a level or “Not observed” to save an answer."
    if problem is None:
        given = form.answer()
        try:
            saved = answering.answer_one(questionnaire, competency_id, given.level, given.comment)
        except Refused as error:
            if request.htmx:
                return _fragment(request, questionnaire, message=" ".join(error.messages), ok=False, status=409)
            return refuse(request, error, access.page)
        except ValidationError as error:
            problem = " ".join(error.messages)
    if problem is not None:
        if request.htmx:
            return _fragment(request, questionnaire, message=problem, ok=False, status=400)
        page = selectors.questionnaire_page(_whole(questionnaire))
        forms = _answer_forms(page)
        if competency_id in forms:
            forms[competency_id] = form
        return _render(request, page, access, forms=forms, errors=[problem], status=400)
    if request.htmx:
        return _fragment(request, questionnaire, progress=(saved.answered, saved.total))
    return done(request, f"Answer saved: {saved.left} of {saved.total} left.", f"{access.page}#c-{competency_id}")


@require_POST
def questionnaire_answer(request: HttpRequest, pk: int, competency_id: int) -> HttpResponse:
    found = get_for_user(request.user, selectors.questionnaire_to_answer(), "questionnaire.answer", pk=pk)
    return _answer(request, found, competency_id, _account_access(found))


# --- submit and decline -------------------------------------------------------------------------------


def _submit(request: HttpRequest, questionnaire: Questionnaire, access: Access) -> HttpResponse:
    # Without JavaScript, Submit carries the page's answers; with it they are saved already.
    failed = _save_page(request, questionnaire, access, nothing_posted_is_fine=True)
    if failed is not None:
        return failed
    try:
        answering.submit(questionnaire)
    except Refused as error:
        return refuse(request, error, access.page)
    if questionnaire.group == Group.SELF:
        thanks = "Thank you: your self-assessment is submitted."
    else:
        thanks = f"Thank you: your answers about {questionnaire.participant.person} are submitted."
    return done(request, thanks, access.after_submit)


@require_POST
def questionnaire_submit(request: HttpRequest, pk: int) -> HttpResponse:
    found = _own(request, pk, "questionnaire.answer")
    return _submit(request, found, _account_access(found))


def _decline(request: HttpRequest, questionnaire: Questionnaire, access: Access) -> HttpResponse:
    form = DeclineForm(request.POST)
    if form.is_valid():
        try:
            answering.decline(questionnaire, form.cleaned_data["reason"])
        except Refused as error:
            return refuse(request, error, access.page)
        except ValidationError as error:
            form.add_error("reason", error.messages)
        else:
            return done(request, f"You declined the questionnaire about {questionnaire.participant.person}. "
                                 "Thank you for saying why.", access.after_submit)
    page = selectors.questionnaire_page(questionnaire)
    return _render(request, page, access, decline_form=form, status=400,
                   errors=["The questionnaire was not declined: " + " ".join(form.errors.get("reason", []))])


@require_POST
def questionnaire_decline(request: HttpRequest, pk: int) -> HttpResponse:
    found = _own(request, pk, "questionnaire.answer")
    return _decline(request, found, _account_access(found))


# --- personal links (external raters, no account) -----------------------------------------------------


def _link_closed(request: HttpRequest, error: LinkRefused) -> HttpResponse:
    return render(request, "assessments/questionnaire/link_closed.html",
                  {"message": " ".join(error.messages), "kind": error.kind}, status=410)


def _by_link(handler):
    """A view reached by personal link: the token opens the questionnaire (404 when it never did, 410
    when it no longer does); no login, never cached."""

    def view(request: HttpRequest, token: str, **kwargs) -> HttpResponse:
        try:
            found = answering.questionnaire_for_token(token)
        except LinkRefused as error:
            return _link_closed(request, error)
        return handler(request, found, access=_link_access(token), **kwargs)

    view.__name__ = handler.__name__
    view.__doc__ = handler.__doc__
    return login_not_required(never_cache(view))


@require_http_methods(["GET", "POST"])
@_by_link
def link(request: HttpRequest, questionnaire: Questionnaire, *, access: Access) -> HttpResponse:
    return _page(request, questionnaire, access)


@require_POST
@_by_link
def link_answer(request: HttpRequest, questionnaire: Questionnaire, *, access: Access,
                competency_id: int) -> HttpResponse:
    return _answer(request, questionnaire, competency_id, access)


@require_POST
@_by_link
def link_submit(request: HttpRequest, questionnaire: Questionnaire, *, access: Access) -> HttpResponse:
    return _submit(request, questionnaire, access)


@require_POST
@_by_link
def link_decline(request: HttpRequest, questionnaire: Questionnaire, *, access: Access) -> HttpResponse:
    return _decline(request, questionnaire, access)


urlpatterns = [
    path("mine/", my_questionnaires, name="my_questionnaires"),
    path("q/<int:pk>/", questionnaire, name="questionnaire"),
    path("q/<int:pk>/answer/<int:competency_id>/", questionnaire_answer, name="questionnaire_answer"),
    path("q/<int:pk>/submit/", questionnaire_submit, name="questionnaire_submit"),
    path("q/<int:pk>/decline/", questionnaire_decline, name="questionnaire_decline"),
    path("link/<str:token>/", link, name="link"),
    path("link/<str:token>/answer/<int:competency_id>/", link_answer, name="link_answer"),
    path("link/<str:token>/submit/", link_submit, name="link_submit"),
    path("link/<str:token>/decline/", link_decline, name="link_decline"),
]
