"""Reads for HR's account pages, two-factor sign-in and the lists of sessions."""

from __future__ import annotations

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, OuterRef, Q, QuerySet
from django.utils import timezone

from .models import TWO_FACTOR_ROLES, Invitation, User, UserSession
from .permissions import visible


def accounts_for_list(user) -> QuerySet[User]:
    """Accounts the reader may manage, with whether an invitation is still waiting to be accepted."""
    return (
        visible(user, "account", User.objects.all())
        .annotate(invited=Exists(Invitation.objects.filter(user=OuterRef("pk"))),
                  has_password=ExpressionWrapper(~Q(password__startswith=UNUSABLE_PASSWORD_PREFIX),
                                                 output_field=BooleanField()))
        .order_by("last_name", "first_name", "id")  # the order of the index user_name_order
    )


def account_for_page(pk: int) -> QuerySet[User]:
    return User.objects.filter(pk=pk)


# --- two-factor sign-in, the security policy and sessions ------------------------------------------


def two_factor_device(user):
    """The user's confirmed authenticator app, or None."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def has_two_factor(user) -> bool:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def sessions_of(user) -> QuerySet[UserSession]:
    """The user's sessions that still work, the most recently used first."""
    return UserSession.objects.filter(user=user, session__expire_date__gt=timezone.now()).order_by("-last_seen_at", "-id")


def two_factor_coverage() -> dict:
    """How many active HR, quality and auditor accounts have set up two-factor sign-in (one query)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return User.objects.filter(role__in=TWO_FACTOR_ROLES, is_active=True).aggregate(
        accounts=Count("pk"),
        enrolled=Count("pk", filter=Q(Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)))),
    )
