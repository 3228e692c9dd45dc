"""What happens around sign-in."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import update_last_login
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver
from django.utils import timezone

from . import throttle

# Django records the last login with user.save(), which the audit history would keep as a change to
# the account at every sign-in. It is not a controlled change: record it without a history row.
user_logged_in.disconnect(update_last_login, dispatch_uid="update_last_login")


@receiver(user_logged_in, dispatch_uid="proficio_record_last_login")
def record_last_login(sender, user, **kwargs) -> None:
    now = timezone.now()
    get_user_model().objects.filter(pk=user.pk).update(last_login=now)
    user.last_login = now


@receiver(user_login_failed, dispatch_uid="proficio_count_failures_per_address")
def count_failure_per_address(sender, credentials=None, request=None, **kwargs) -> None:
    if request is not None:
        throttle.record_failure(request)


#: Set in the session of an account the policy requires two-factor sign-in for and that has no device:
#: `TwoFactorEnrolmentMiddleware` then lets it reach only the enrolment page until it has one.
ENROLMENT_REQUIRED_KEY = "_proficio_two_factor_enrolment_required"


@receiver(user_logged_in, dispatch_uid="proficio_record_session")
def record_session(sender, user, request=None, **kwargs) -> None:
    from .models import SecurityPolicy
    from .selectors import has_two_factor
    from .services import session_record

    if request is None or not hasattr(request, "session"):
        return
    session_record(request=request, user=user)
    if SecurityPolicy.current().requires_two_factor_for(user) and not has_two_factor(user):
        request.session[ENROLMENT_REQUIRED_KEY] = True
