"""What an approval of a plan signs: its objectives and actions as the leader wrote them (levels, clauses,
dates, measures, resources, owners), with the plan's version — not its status or progress, which move on
after the approval without changing what was approved."""

from __future__ import annotations

from .models import Plan


def signed_content(plan: Plan) -> dict:
    objectives = (plan.objectives.select_related("competency").prefetch_related("actions")
                  .order_by("position", "pk"))
    return {
        "plan": plan.pk, "person": plan.person_id, "version": plan.version,
        "objectives": [{
            "competency": objective.competency.code, "name": objective.competency.name,
            "current_level": objective.current_level, "target_level": objective.target_level,
            "iso_clauses": [clause["number"] for clause in objective.iso_clauses],
            "due_date": objective.due_date, "success_measure": objective.success_measure,
            "check_method": objective.check_method, "check_due": objective.check_due,
            "actions": [{
                "kind": action.kind, "title": action.title, "detail": action.detail, "owner": action.owner_id,
                "hours": action.hours, "budget": action.budget, "due_date": action.due_date,
                "programme": action.programme_id,
            } for action in sorted(objective.actions.all(), key=lambda a: (a.position, a.pk))],
        } for objective in objectives],
    }


def authors(plan: Plan) -> set[int]:
    return {plan.person.user_id, plan.created_by_id}


def signers(plan: Plan):
    from .selectors import approvers

    return approvers(plan)


def role(plan: Plan, user) -> str:
    """The capacity of the signer: the leader's manager (or one above them), or their account's role."""
    from profiles.models import Person

    from .selectors import managers_above

    if plan.person.manager_id and plan.person.manager.user_id == user.pk:
        return f"Manager of {plan.person}"
    if Person.objects.filter(pk__in=managers_above(plan.person_id), user_id=user.pk).exists():
        return f"Manager in the line of {plan.person}"
    return user.get_role_display()
