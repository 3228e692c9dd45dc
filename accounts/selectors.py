"""Reads for HR's account pages."""

from __future__ import annotations

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet

from .models import Invitation, User
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
