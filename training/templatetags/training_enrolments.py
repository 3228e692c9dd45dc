"""The enrolments panel of a session's page: `{% session_enrolments session %}` (needs `request`)."""

from __future__ import annotations

from django import template

from accounts.permissions import can, is_managing, visible
from profiles.rules import manages_anyone, person_of

from ..forms_enrolments import EnrolForm
from ..models import ACTIVE_ENROLMENT, Enrolment, EnrolmentStatus
from ..services.enrolments import has_started, places_taken

register = template.Library()


@register.inclusion_tag("training/enrolments/_panel.html", takes_context=True)
def session_enrolments(context, session):
    """The session's enrolments the user may see, with status, waiting position and the buttons the user
    may use; the enrol form for HR, quality and managers; "request a place" for a person with none."""
    from ..views.enrolments import enrollable_people

    request = context["request"]
    user = request.user
    started = has_started(session)
    open_ = not (started or session.cancelled or not session.programme.active)
    rows = list(visible(user, "record", Enrolment.objects.filter(session=session))
                .select_related("person__user").order_by("status", "waiting_position", "person__sort_last_name", "pk"))
    order = {EnrolmentStatus.ENROLLED: 0, EnrolmentStatus.WAITING: 1, EnrolmentStatus.REQUESTED: 2,
             EnrolmentStatus.COMPLETED: 3, EnrolmentStatus.NOT_COMPLETED: 4}
    rows.sort(key=lambda row: (order.get(row.status, 9), row.waiting_position or 0, row.person.sort_last_name, row.pk))
    recorder = can(user, "enrolment.record")
    for row in rows:
        row.session = session
        row.can_decide = row.status == EnrolmentStatus.REQUESTED and open_ and can(user, "enrolment.decide", row)
        row.can_withdraw = row.status in ACTIVE_ENROLMENT and not started and can(user, "enrolment.withdraw", row)
        row.can_complete = (recorder and started and not session.cancelled
                            and row.status in (EnrolmentStatus.ENROLLED, EnrolmentStatus.NOT_COMPLETED))
    own = person_of(user)
    may_enrol = open_ and (is_managing(user) or manages_anyone(user))
    has_active = own is not None and any(row.person_id == own.pk and row.status in ACTIVE_ENROLMENT for row in rows)
    return {
        "request": request, "csrf_token": context.get("csrf_token"), "session": session, "rows": rows,
        "taken": places_taken(session),
        "waiting": sum(1 for row in rows if row.status == EnrolmentStatus.WAITING) if is_managing(user) else None,
        "open": open_, "started": started,
        "enrol_form": EnrolForm(shown=enrollable_people(user)) if may_enrol else None,
        "may_request": open_ and own is not None and own.active and not has_active,
    }
