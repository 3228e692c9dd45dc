"""Who may run cycles, answer questionnaires, nominate raters and read results.

HR and quality run cycles; auditors read them (progress and results, never raw answers: nothing
does). A rater opens only their own questionnaires (others get 404). A leader nominates raters for
their own participation; the manager at opening (or HR and quality) decides on the nominations.
Results, once released, are read by the leader, their manager (the whole reporting line when the
cycle says so), HR, quality and auditors — never by a peer, direct report or external rater of that
leader, whatever else they are.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.permissions import Denied, RuleResult, is_managing, is_reader, managing_only, request_cache, rule, scope
from profiles.rules import person_of
from profiles.selectors import in_reporting_line, reporting_line_ids

from .models import ANONYMOUS_GROUPS, CycleStatus, Participant, Questionnaire, ResultsAudience


@rule("cycle.browse", "cycle.view")
def _readers(user, obj=None) -> RuleResult:
    if is_reader(user):
        return True
    return Denied("Cycles are run by HR and quality. Your questionnaires are under “My questionnaires”.")


@rule("cycle.create", "cycle.edit", "cycle.open", "cycle.close", "cycle.extend", "cycle.release", "cycle.remind",
      "cycle.export", "resultcomment.withhold")
def _managing(user, obj=None) -> RuleResult:
    return managing_only(user)


@rule("questionnaire.browse")
def _anyone(user, obj=None) -> RuleResult:
    return True


@rule("questionnaire.view", "questionnaire.answer")
def _own_questionnaire(user, questionnaire: Questionnaire) -> RuleResult:
    if questionnaire.rater_id is None:
        return False  # an external rater's: reached only through its personal link
    if Questionnaire.rater.is_cached(questionnaire):  # loaded with it: no query for the reader's person
        return questionnaire.rater.user_id == user.pk
    person = person_of(user)
    return person is not None and questionnaire.rater_id == person.pk


def _is_subject(user, participant: Participant) -> bool:
    person = person_of(user)
    return person is not None and participant.person_id == person.pk


def _manages(user, participant: Participant) -> bool:
    person = person_of(user)
    if person is None:
        return False
    if participant.manager_id == person.pk or participant.person.manager_id == person.pk:
        return True
    if participant.cycle.results_audience == ResultsAudience.LINE:
        cache = request_cache(user, "line_people")
        if participant.person_id not in cache:
            cache[participant.person_id] = in_reporting_line(participant.person_id, person.pk)
        return cache[participant.person_id]
    return False


def rated_anonymously(user, participant: Participant) -> bool:
    """Whether the user is a peer, direct-report or external rater of this leader in this cycle."""
    person = person_of(user)
    if person is None:
        return False
    cache = request_cache(user, "rated")
    if participant.pk not in cache:
        cache[participant.pk] = Questionnaire.objects.filter(
            participant=participant, rater=person, group__in=ANONYMOUS_GROUPS).exists()
    return cache[participant.pk]


@rule("participant.view")
def _participant_view(user, participant: Participant) -> RuleResult:
    """Who may open a leader's page of a cycle (nominations, progress, results when released)."""
    if is_reader(user) or _is_subject(user, participant):
        return True
    return _manages(user, participant) and not rated_anonymously(user, participant)


@rule("participant.nominate")
def _nominate(user, participant: Participant) -> RuleResult:
    if not _is_subject(user, participant):
        return Denied("Only the leader nominates their own raters.")
    if participant.cycle.status != CycleStatus.OPEN:
        return Denied("Nominations are made while the cycle is open.")
    return True


@rule("participant.decide")
def _decide(user, participant: Participant) -> RuleResult:
    if participant.cycle.status != CycleStatus.OPEN:
        return Denied("Nominations are decided while the cycle is open.")
    if is_managing(user):
        return True
    person = person_of(user)
    if person is not None and participant.manager_id == person.pk:
        return True
    return Denied("The leader's manager, HR or quality decide on nominations.")


@rule("participant.results")
def _results(user, participant: Participant) -> RuleResult:
    if participant.cycle.status == CycleStatus.RELEASING:  # a re-release too: nothing shows until it is done
        return Denied("The results are being released: they are shown once the release is done.")
    if participant.cycle.status != CycleStatus.RELEASED:
        return Denied("Results are shown once HR releases them.")
    if is_reader(user) or _is_subject(user, participant):
        return True
    if rated_anonymously(user, participant):
        return Denied("Raters see none of the results of the people they rated.")
    if _manages(user, participant):
        return True
    return Denied("Results are read by the leader, their manager, HR, quality and auditors.")


@scope("questionnaire")
def _own_questionnaires(user, queryset: QuerySet) -> QuerySet:
    person = person_of(user)
    return queryset.filter(rater=person) if person is not None else queryset.none()


@scope("participant")
def _visible_participants(user, queryset: QuerySet) -> QuerySet:
    """Leaders' participations a user may open: all for readers, their own and their reports' for
    others (direct reports, or the whole line where the cycle says so), never those they rated
    anonymously."""
    if is_reader(user):
        return queryset
    person = person_of(user)
    if person is None:
        return queryset.none()
    rated = Questionnaire.objects.filter(rater=person, group__in=ANONYMOUS_GROUPS).values("participant_id")
    return queryset.filter(
        Q(person=person)
        | ((Q(manager=person) | Q(person__manager=person)
            | Q(cycle__results_audience=ResultsAudience.LINE, person_id__in=reporting_line_ids(person.pk)))
           & ~Q(pk__in=rated))
    )
