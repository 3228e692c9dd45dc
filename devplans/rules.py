"""Who reads and changes development plans.

A plan's audience is its person's (`person.view`): the leader, their managers up the line, HR, quality
and auditors; anyone else gets 404. Inside it:

- the leader drafts, edits (while it is a draft), submits and reopens their own plan;
- their managers up the line, HR and quality approve it (by signature) or return it, and close it;
  the leader never approves their own plan;
- the leader, their managers, HR and quality record progress on its actions;
- auditors read only.
"""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.permissions import Denied, RuleResult, can, is_managing, is_reader, rule, scope, visible
from accounts.models import Role
from profiles.models import Person
from profiles.rules import manages_anyone, person_of


def _own(user, plan) -> bool:
    return plan.person.user_id == user.pk


def _manages(user, plan) -> bool:
    """Above the plan's person in the line of managers."""
    return not _own(user, plan) and person_of(user) is not None and can(user, "person.view", plan.person)


@rule("plan.view")
def _view(user, plan) -> RuleResult:
    return can(user, "person.view", plan.person)


@rule("plan.draft")
def _draft(user, obj=None) -> RuleResult:
    if person_of(user) is not None:
        return True
    return Denied("Plans are drafted by leaders from their own gaps: your account is not a person's.")


@rule("plan.browse")
def _browse(user, obj=None) -> RuleResult:
    if is_reader(user) or person_of(user) is not None:
        return True  # a leader's list holds their own plans, a manager's those of their line
    return Denied("Sign in as a leader, or as HR, quality or an auditor.")


@rule("plan.edit", "plan.submit", "plan.reopen", "plan.request")
def _leader(user, plan) -> RuleResult:
    if _own(user, plan):
        return True
    if user.role == Role.AUDITOR:
        return Denied("Auditors have read-only access.")
    return Denied(f"Only {plan.person} works on the content of their plan.")


@rule("plan.approve", "plan.return", "plan.complete")
def _approver(user, plan) -> RuleResult:
    if _own(user, plan):
        return Denied("You cannot approve or close your own plan: your manager, HR or quality do.")
    if is_managing(user) or _manages(user, plan):
        return True
    if user.role == Role.AUDITOR:
        return Denied("Auditors have read-only access.")
    return Denied("The leader's manager, HR or quality decide on a plan.")


@rule("plan.progress")
def _progress(user, plan) -> RuleResult:
    if _own(user, plan) or is_managing(user) or _manages(user, plan):
        return True
    if user.role == Role.AUDITOR:
        return Denied("Auditors have read-only access.")
    return Denied("The leader, their manager, HR or quality record progress.")


@scope("plan")
def _visible_plans(user, queryset: QuerySet) -> QuerySet:
    if is_reader(user):
        return queryset
    own = person_of(user)
    if own is None:
        return queryset.none()
    if not manages_anyone(user):
        return queryset.filter(person_id=own.pk)
    line = visible(user, "person", Person.objects.all()).values("pk")
    return queryset.filter(person_id__in=line) | queryset.filter(person_id=own.pk)
