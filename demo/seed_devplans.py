"""The demo's development plans, drafted from the pilot cycle's gap analysis through the services a
leader's and a manager's clicks run:

- the first of Maria Jensen's reports with a gap: a plan submitted and waiting for her signature, so
  her home page and the plans list show one to decide;
- the next two leaders with gaps (not Hugo Novak, whose plan is left for a visitor to draft): plans
  approved by their manager's signature, one of them with progress on its first action.

Idempotent: a leader who has a plan is left as they are."""

from __future__ import annotations

from django.db import transaction

from accounts.models import User
from devplans.models import Plan
from devplans.services import drafting, flow, progress
from gaps.models import Analysis, AnalysisStatus, LeaderGap
from profiles.models import Person


def _leaders_with_gaps(domain: str) -> list[Person]:
    analysis = Analysis.objects.filter(current=True, status=AnalysisStatus.DONE).order_by("-finished_at").first()
    if analysis is None:
        return []
    ids = (LeaderGap.objects.filter(analysis=analysis).exclude(gaps=0, critical_gaps=0)
           .values_list("person_id", flat=True))
    return list(Person.objects.filter(pk__in=ids, manager__isnull=False, user__email__endswith=f"@{domain}")
                .exclude(user__email=f"hugo.novak@{domain}").select_related("user", "manager__user")
                .order_by("employee_id"))


@transaction.atomic
def seed_devplans(*, domain: str, password: str) -> list[str]:
    leaders = _leaders_with_gaps(domain)
    if not leaders:
        return ["Development plans: none (the demo has no released gap analysis)."]
    maria = User.objects.filter(email=f"maria.jensen@{domain}").first()
    waiting = [p for p in leaders if maria is not None and p.manager.user_id == maria.pk][:1]
    approved = [p for p in leaders if p not in waiting][:2]
    lines = []
    for person in waiting + approved:
        if Plan.objects.filter(person=person).exists():
            lines.append(f"Development plan of {person}: already there.")
            continue
        plan, _created = drafting.plan_draft(person=person, actor=person.user)
        plan = flow.plan_submit(plan, actor=person.user)
        if person in approved:
            plan, _signature, _requests = flow.plan_approve(plan, actor=person.manager.user, password=password)
            if person == approved[0]:
                action = plan.objectives.order_by("position").first().actions.order_by("pk").first()
                progress.note_add(action, actor=person.user, text="Agreed the first steps with my manager.")
        plan.refresh_from_db()
        lines.append(f"Development plan of {person}: {plan.get_status_display().lower()}.")
    return lines
