"""The pages HR and quality run a cycle with, and the page of one leader in a cycle: nominations,
decisions, and progress (HR sees each rater's status; the leader and their manager one total only).

Thin: permission, form or service, response. Counts come from `assessments.progress`.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRefresh

from accounts.permissions import can, get_for_user, is_managing, is_reader, permission_required, require
from core.pagination import deferred_page
from core.responses import apply_form_errors, done, form_page, refuse
from profiles.models import Person
from profiles.rules import person_of

from .. import progress
from ..forms_cycles import (
    AddByProfileForm,
    AddByUnitForm,
    AddPeopleForm,
    CycleForm,
    CycleListFilterForm,
    DecideForm,
    ExtendForm,
    LeaderFilterForm,
    NominateExternalForm,
    NominatePeerForm,
    ProgressFilterForm,
    RemoveLeadersForm,
)
from ..models import Cycle, CycleStatus, Participant, Questionnaire
from ..services import cycles, nominations

CYCLES_PER_PAGE = 25
LEADERS_PER_PAGE = 50
#: People shown at once when searching for leaders to add (the rest are added with "everyone found").
FOUND_SHOWN = 50


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def _cycle(request: HttpRequest, pk: int, action: str = "cycle.view") -> Cycle:
    return get_for_user(request.user, Cycle.objects.select_related("framework_version__framework"), action, pk=pk)


def _detail(cycle: Cycle) -> str:
    return reverse("assessments:cycle_detail", args=[cycle.pk])


# --- cycles ----------------------------------------------------------------------------------------


@permission_required("cycle.browse")
def cycle_list(request: HttpRequest) -> HttpResponse:
    form = CycleListFilterForm(request.GET or None)
    status = form.cleaned_data["status"] if form.is_bound and form.is_valid() else ""
    page = Paginator(progress.cycles_for_list(status), CYCLES_PER_PAGE).get_page(request.GET.get("page"))
    for cycle in page.object_list:
        cycle.response_rate = progress.response_rate(cycle.submitted_count, cycle.invited_count)
    return render(request, "assessments/cycles/cycle_list.html", {
        "filter_form": form, "page": page, "can_create": can(request.user, "cycle.create"),
    })


@permission_required("cycle.create")
@require_http_methods(["GET", "POST"])
def cycle_create(request: HttpRequest) -> HttpResponse:
    form = CycleForm(request.POST or None)

    def create() -> HttpResponse:
        cycle = cycles.create_cycle(actor=request.user, **form.service_fields())
        return done(request, f"{cycle} created. Choose its leaders next.",
                    reverse("assessments:cycle_leaders", args=[cycle.pk]))

    return form_page(request, form, "assessments/cycles/cycle_form.html", {}, create)


def _draft_only(request: HttpRequest, cycle: Cycle, doing: str) -> HttpResponse | None:
    if cycle.status == CycleStatus.DRAFT:
        return None
    return refuse(request, ValidationError(
        f"{cycle} is {cycle.get_status_display().lower()}: {doing} only while it is a draft."), _detail(cycle))


@require_http_methods(["GET", "POST"])
def cycle_edit(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = _cycle(request, pk, "cycle.edit")
    if refused := _draft_only(request, cycle, "its settings change"):
        return refused
    form = CycleForm(request.POST or None, instance=cycle)

    def save() -> HttpResponse:
        saved = cycles.update_cycle(cycle, actor=request.user, **form.service_fields())
        return done(request, f"{saved} saved.", _detail(saved))

    return form_page(request, form, "assessments/cycles/cycle_form.html", {"cycle": cycle}, save)


def cycle_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A cycle's settings, and once open its progress: totals per group and one row per leader."""
    cycle = _cycle(request, pk)
    user = request.user
    context: dict = {
        "cycle": cycle,
        "can_edit": cycle.status == CycleStatus.DRAFT and can(user, "cycle.edit", cycle),
        "can_open": cycle.status == CycleStatus.DRAFT and can(user, "cycle.open", cycle),
        "can_close": cycle.status == CycleStatus.OPEN and can(user, "cycle.close", cycle),
        "can_extend": cycle.status in (CycleStatus.OPEN, CycleStatus.CLOSED) and not cycle.release_number
                      and can(user, "cycle.extend", cycle),
        "can_remind": cycle.status == CycleStatus.OPEN and can(user, "cycle.remind", cycle),
        "can_release": cycle.status in (CycleStatus.CLOSED, CycleStatus.RELEASED) and can(user, "cycle.release", cycle),
        "can_export": cycle.status == CycleStatus.RELEASED and can(user, "cycle.export", cycle),
    }
    if cycle.status == CycleStatus.DRAFT:
        context.update(leader_count=cycle.participants.count(), problems=cycles.opening_problems(cycle))
    elif cycle.status != CycleStatus.OPENING:
        form = ProgressFilterForm(request.GET or None)
        data = form.cleaned_data if form.is_bound and form.is_valid() else {}
        leaders = progress.leaders_of(cycle, unit=data.get("org_unit"), state=data.get("state") or "",
                                      q=data.get("q") or "")
        page = deferred_page(leaders, request.GET.get("page"), LEADERS_PER_PAGE,
                             lambda pks: progress.leader_rows(cycle, pks))
        me = person_of(user)
        for row in page.object_list:  # one's own raters are not shown group by group, even to HR
            row.own = me is not None and row.person_id == me.pk
        context.update(totals=progress.cycle_progress(cycle), page=page, filter_form=form)
    return render(request, "assessments/cycles/cycle_detail.html", context)


def cycle_opening(request: HttpRequest, pk: int) -> HttpResponse:
    """The opening's (or the release's) progress bar, polled by the detail page while the task runs."""
    cycle = _cycle(request, pk)
    if request.htmx and cycle.status not in (CycleStatus.OPENING, CycleStatus.RELEASING):
        return HttpResponseClientRefresh()
    return render(request, "assessments/cycles/_opening.html", {"cycle": cycle})


@require_http_methods(["GET", "POST"])
def cycle_leaders(request: HttpRequest, pk: int) -> HttpResponse:
    """Choose a draft's leaders: by org unit, by role profile or one by one; remove some or many."""
    cycle = _cycle(request, pk, "cycle.edit")
    if refused := _draft_only(request, cycle, "leaders are chosen"):
        return refused
    forms = {"unit_form": AddByUnitForm(prefix="unit"), "profile_form": AddByProfileForm(prefix="profile"),
             "people_form": None, "remove_form": None}
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            outcome = _change_leaders(request, cycle, action, forms)
        except ValidationError as error:
            return refuse(request, error, reverse("assessments:cycle_leaders", args=[cycle.pk]))
        if outcome is not None:
            return outcome
        if not any(forms[name] is not None and forms[name].is_bound for name in forms):
            forms["error"] = "Choose what to do: add leaders by unit, by role or from a search, or remove some."
        return _leaders_page(request, cycle, forms, status=400)
    return _leaders_page(request, cycle, forms)


def _change_leaders(request: HttpRequest, cycle: Cycle, action: str, forms: dict) -> HttpResponse | None:
    """Runs the posted action; returns the redirect, or None with the bound form left in `forms`."""
    to = reverse("assessments:cycle_leaders", args=[cycle.pk])
    actor = request.user
    if action == "unit":
        form = forms["unit_form"] = AddByUnitForm(request.POST, prefix="unit")
        if form.is_valid():
            unit = form.cleaned_data["org_unit"]
            people = cycles.people_in_units([unit.pk], with_sub_units=form.cleaned_data["with_sub_units"])
            added = cycles.add_leaders(cycle, people, actor=actor)
            return done(request, f"{_plural(added, 'leader')} of {unit} added.", to)
    elif action == "profile":
        form = forms["profile_form"] = AddByProfileForm(request.POST, prefix="profile")
        if form.is_valid():
            role = form.cleaned_data["role_profile"]
            added = cycles.add_leaders(cycle, Person.objects.filter(role_profile=role), actor=actor)
            return done(request, f"{_plural(added, 'leader')} holding {role} added.", to)
    elif action == "people":
        form = forms["people_form"] = AddPeopleForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            people = (progress.matching_people(data["find"]) if data["everyone"]
                      else Person.objects.filter(pk__in=data["people"]))
            added = cycles.add_leaders(cycle, people, actor=actor)
            return done(request, f"{_plural(added, 'leader')} added.", to)
    elif action == "remove":
        form = forms["remove_form"] = RemoveLeadersForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            if data["everyone"]:
                ids = _filtered_leaders(cycle, LeaderFilterForm(request.POST)).values_list("pk", flat=True)
            else:
                ids = data["participants"]
            removed = cycles.remove_leaders(cycle, ids, actor=actor)
            return done(request, f"{_plural(removed, 'leader')} removed.", to)
    return None


def _filtered_leaders(cycle: Cycle, form: LeaderFilterForm):
    data = form.cleaned_data if form.is_valid() else {}
    leaders = progress.leaders_of(cycle, q=data.get("q") or "")
    if data.get("problems"):
        leaders = progress.without_approved_profile(leaders, cycle)
    return leaders


def _leaders_page(request: HttpRequest, cycle: Cycle, forms: dict, *, status: int = 200) -> HttpResponse:
    filter_form = LeaderFilterForm(request.GET or None)
    leaders = _filtered_leaders(cycle, filter_form)
    page = deferred_page(leaders, request.GET.get("page"), LEADERS_PER_PAGE,
                         lambda pks: progress.draft_leader_rows(cycle, pks))
    find = request.GET.get("find", "").strip()
    found, found_count = [], 0
    if find:
        candidates = (progress.matching_people(find).filter(active=True)
                      .exclude(pk__in=Participant.objects.filter(cycle=cycle).values("person_id"))
                      .order_by(*Person.LIST_ORDER))
        found_count = candidates.count()
        found = list(candidates.values_list("pk", "user__first_name", "user__last_name", "user__email",
                                            "employee_id", "org_unit__name", "role_profile__name")[:FOUND_SHOWN])
    all_leaders = Participant.objects.filter(cycle=cycle)
    return render(request, "assessments/cycles/cycle_leaders.html", {
        "cycle": cycle, **forms, "filter_form": filter_form, "page": page, "find": find, "found": found,
        "found_count": found_count, "leader_count": all_leaders.count(),
        "problem_count": progress.without_approved_profile(all_leaders, cycle).count(),
        "problems": cycles.opening_problems(cycle),
    }, status=status)


@require_POST
def cycle_open(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = _cycle(request, pk, "cycle.open")
    try:
        cycle = cycles.start_opening(cycle, actor=request.user)
    except ValidationError as error:
        for message in error.messages:  # each names the leaders or the version to fix
            messages.error(request, message)
        return redirect(_detail(cycle))
    total = cycle.progress.get("total", 0)
    return done(request, f"Opening {cycle} for {_plural(total, 'leader')}: their questionnaires are being built.",
                _detail(cycle))


@require_POST
def cycle_close(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = _cycle(request, pk, "cycle.close")
    try:
        cycles.close_cycle(cycle, actor=request.user)
    except ValidationError as error:
        return refuse(request, error, _detail(cycle))
    return done(request, f"{cycle} is closed: no more answers are taken. Release the results when you are ready.",
                _detail(cycle))


@require_http_methods(["GET", "POST"])
def cycle_extend(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = _cycle(request, pk, "cycle.extend")
    if cycle.status not in (CycleStatus.OPEN, CycleStatus.CLOSED) or cycle.release_number:
        return refuse(request, ValidationError(
            f"{cycle} is {cycle.get_status_display().lower()}: only an open cycle, or a closed one not yet "
            "released, can be extended."), _detail(cycle))
    form = ExtendForm(request.POST or None, initial={"closes_on": cycle.closes_on + timedelta(days=7)})

    def extend() -> HttpResponse:
        extended = cycles.extend_cycle(cycle, form.cleaned_data["closes_on"], actor=request.user)
        return done(request, f"{extended} now closes on {extended.closes_on:%d %b %Y}.", _detail(extended))

    return form_page(request, form, "assessments/cycles/cycle_extend.html", {"cycle": cycle}, extend)


def _remind(cycle: Cycle, actor, participant: Participant | None = None) -> int:
    from ..services import emails  # written beside this part; imported when a reminder is asked for

    return emails.remind_now(cycle, participant=participant, actor=actor)


def _require_open_for_reminders(cycle: Cycle) -> None:
    if cycle.status != CycleStatus.OPEN:
        raise ValidationError(f"{cycle} is {cycle.get_status_display().lower()}: reminders go out while it is open.")


@require_POST
def cycle_remind(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = _cycle(request, pk, "cycle.remind")
    try:
        _require_open_for_reminders(cycle)
        sent = _remind(cycle, request.user)
    except ValidationError as error:
        return refuse(request, error, _detail(cycle))
    return done(request, f"{_plural(sent, 'reminder')} sent to raters who have not answered yet.", _detail(cycle))


# --- one leader in a cycle -------------------------------------------------------------------------


def _participants():
    return Participant.objects.select_related(
        "cycle__framework_version__framework", "person__user", "person__org_unit", "manager__user")


def _participant(request: HttpRequest, pk: int, action: str = "participant.view") -> Participant:
    return get_for_user(request.user, _participants(), action, pk=pk)


def _participant_url(participant: Participant) -> str:
    return reverse("assessments:participant_detail", args=[participant.pk])


def participant_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _participant_page(request, _participant(request, pk))


def _participant_page(request: HttpRequest, participant: Participant, *, status: int = 200, **forms) -> HttpResponse:
    """HR, quality and auditors see every rater with their status (never an answer). The leader sees
    their nominations and one total of their raters' progress; the manager the nominations to decide
    and the same total. Nobody sees who has answered but those who run the cycle."""
    user = request.user
    cycle = participant.cycle
    me = person_of(user)
    is_subject = me is not None and participant.person_id == me.pk
    runs_cycle = is_reader(user) and not is_subject  # one's own raters stay anonymous, whatever one's role
    can_nominate = is_subject and can(user, "participant.nominate", participant)
    can_decide = not is_subject and can(user, "participant.decide", participant)
    context: dict = {
        "participant": participant, "cycle": cycle, "leader": participant.person, "is_subject": is_subject,
        "runs_cycle": runs_cycle, "can_nominate": can_nominate, "can_decide": can_decide,
        "can_remind": runs_cycle and cycle.status == CycleStatus.OPEN and can(user, "cycle.remind", cycle),
        "can_see_results": cycle.status == CycleStatus.RELEASED and can(user, "participant.results", participant),
        "opened": cycle.status not in (CycleStatus.DRAFT, CycleStatus.OPENING),
        "peer_form": forms.get("peer_form"), "external_form": forms.get("external_form") or NominateExternalForm(),
        "decide_form": forms.get("decide_form"),
    }
    if context["opened"]:
        context["groups"] = progress.nominations(participant)
        context["awaiting"] = [row for group in context["groups"] for row in group.rows if row.awaiting]
        if runs_cycle:
            context["raters"] = progress.raters(participant)
        else:
            context["total"] = progress.leader_total(participant)
    if can_nominate:
        query = request.GET.get("q", "").strip()
        context.update(query=query, candidates=progress.nomination_candidates(participant, query))
    return render(request, "assessments/cycles/participant_detail.html", context, status=status)


@require_POST
def participant_remind(request: HttpRequest, pk: int) -> HttpResponse:
    participant = _participant(request, pk)
    require(request.user, "cycle.remind", participant.cycle)
    try:
        _require_open_for_reminders(participant.cycle)
        sent = _remind(participant.cycle, request.user, participant)
    except ValidationError as error:
        return refuse(request, error, _participant_url(participant))
    return done(request, f"{_plural(sent, 'reminder')} sent to {participant.person}'s raters who have not answered yet.",
                _participant_url(participant))


@require_POST
def nominate(request: HttpRequest, pk: int) -> HttpResponse:
    """The leader nominates a peer (picked from a search) or an external rater (name and email)."""
    participant = _participant(request, pk, "participant.nominate")
    if request.POST.get("kind") == "external":
        form, slot = NominateExternalForm(request.POST), "external_form"

        def run() -> Questionnaire:
            return nominations.nominate_external(participant, form.cleaned_data["name"], form.cleaned_data["email"],
                                                 actor=request.user)
    else:
        form, slot = NominatePeerForm(request.POST), "peer_form"

        def run() -> Questionnaire:
            return nominations.nominate_peer(participant, form.cleaned_data["person"], actor=request.user)

    if form.is_valid():
        try:
            questionnaire = run()
        except ValidationError as error:
            apply_form_errors(form, error)
        else:
            if questionnaire.warning:
                messages.warning(request, questionnaire.warning)
            return done(request, f"{questionnaire.rater_name} nominated.", _participant_url(participant))
    return _participant_page(request, participant, status=400, **{slot: form})


@require_POST
def nominations_submit(request: HttpRequest, pk: int) -> HttpResponse:
    participant = _participant(request, pk, "participant.nominate")
    try:
        nominations.submit_nominations(participant, actor=request.user)
    except ValidationError as error:
        return refuse(request, error, _participant_url(participant))
    who = participant.manager or participant.person.manager
    return done(request, f"Your nominations are with {who or 'HR'} for approval.", _participant_url(participant))


@require_POST
def nominations_approve(request: HttpRequest, pk: int) -> HttpResponse:
    """Approves every nomination of the leader that awaits a decision (the manager, or HR directly)."""
    participant = _participant(request, pk, "participant.decide")
    try:
        decided = nominations.decide_all(participant, True, actor=request.user)
    except ValidationError as error:
        return refuse(request, error, _participant_url(participant))
    for questionnaire in decided:
        if questionnaire.warning:
            messages.warning(request, questionnaire.warning)
    return done(request, f"{_plural(len(decided), 'nomination')} of {participant.person} approved: "
                         "the raters are invited.", _participant_url(participant))


def _nomination(request: HttpRequest, pk: int, action: str) -> tuple[Questionnaire, Participant]:
    questionnaire = get_object_or_404(Questionnaire.objects.select_related("rater__user"), pk=pk)
    participant = _participant(request, questionnaire.participant_id, action)
    questionnaire.participant = participant
    return questionnaire, participant


@require_POST
def nomination_decide(request: HttpRequest, pk: int) -> HttpResponse:
    questionnaire, participant = _nomination(request, pk, "participant.decide")
    form = DecideForm(request.POST)
    if not form.is_valid():
        return _participant_page(request, participant, status=400, decide_form=form)
    try:
        decided = nominations.decide(questionnaire, form.approve, actor=request.user)
    except ValidationError as error:
        return refuse(request, error, _participant_url(participant))
    if decided.warning:
        messages.warning(request, decided.warning)
    outcome = "approved: they are invited" if form.approve else "rejected"
    return done(request, f"The nomination of {decided.rater_name} is {outcome}.", _participant_url(participant))


@require_POST
def nomination_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """The leader (or HR and quality) takes back a nomination that awaits a decision."""
    questionnaire, participant = _nomination(request, pk, "participant.view")
    me = person_of(request.user)
    if me is not None and participant.person_id == me.pk:
        require(request.user, "participant.nominate", participant)
    elif is_managing(request.user):
        require(request.user, "participant.decide", participant)
    else:
        raise PermissionDenied("Only the leader, HR or quality withdraw a nomination.")
    try:
        nominations.withdraw(questionnaire, actor=request.user)
    except ValidationError as error:
        return refuse(request, error, _participant_url(participant))
    return done(request, f"The nomination of {questionnaire.rater_name} is withdrawn.", _participant_url(participant))


urlpatterns = [
    path("", cycle_list, name="cycle_list"),
    path("new/", cycle_create, name="cycle_create"),
    path("<int:pk>/", cycle_detail, name="cycle_detail"),
    path("<int:pk>/edit/", cycle_edit, name="cycle_edit"),
    path("<int:pk>/leaders/", cycle_leaders, name="cycle_leaders"),
    path("<int:pk>/open/", cycle_open, name="cycle_open"),
    path("<int:pk>/opening/", cycle_opening, name="cycle_opening"),
    path("<int:pk>/close/", cycle_close, name="cycle_close"),
    path("<int:pk>/extend/", cycle_extend, name="cycle_extend"),
    path("<int:pk>/remind/", cycle_remind, name="cycle_remind"),
    path("participants/<int:pk>/", participant_detail, name="participant_detail"),
    path("participants/<int:pk>/remind/", participant_remind, name="participant_remind"),
    path("participants/<int:pk>/nominate/", nominate, name="nominate"),
    path("participants/<int:pk>/nominations/submit/", nominations_submit, name="nominations_submit"),
    path("participants/<int:pk>/nominations/approve/", nominations_approve, name="nominations_approve"),
    path("nominations/<int:pk>/decide/", nomination_decide, name="nomination_decide"),
    path("nominations/<int:pk>/withdraw/", nomination_withdraw, name="nomination_withdraw"),
]
