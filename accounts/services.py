"""Use cases that change accounts: HR's account pages, invitations and password resets."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from core.db import queue_after_commit, save_unique
from core.emails import absolute_url, duration_text, render_plain

from .models import Invitation, Role, User, normalise_email
from .throttle import count_in_window
from .tokens import invitation_token_generator

#: Invitations are sent by one task per batch, so that one slow mail server holds no worker for long.
INVITATION_BATCH = 100


# --- HR's account pages ----------------------------------------------------------------------------


@transaction.atomic
def account_create(*, actor: User, email: str, first_name: str, last_name: str, role: str, admin: bool = False,
                   access_valid_from: datetime | None = None, access_valid_until: datetime | None = None) -> User:
    """A new account without a password; its owner chooses one from the invitation emailed to them."""
    user = User(email=normalise_email(email), first_name=first_name, last_name=last_name, role=role,
                is_staff=admin, is_superuser=admin, access_valid_from=access_valid_from,
                access_valid_until=access_valid_until)
    user.set_unusable_password()
    user._history_user = actor
    user.full_clean()
    save_unique(user, "email", "An account with this email was just created.")
    invitations_create(users=[user], actor=actor)
    return user


@transaction.atomic
def account_update(*, actor: User, account: User, email: str, first_name: str, last_name: str, role: str,
                   admin: bool, is_active: bool, access_valid_from: datetime | None = None,
                   access_valid_until: datetime | None = None) -> User:
    account = User.objects.select_for_update().get(pk=account.pk)
    if account.pk == actor.pk and (role != Role.HR or not is_active or (account.is_staff and not admin)):
        raise ValidationError("You cannot take away your own HR role, administration or access: "
                              "ask another HR manager to do it.")
    values = {"email": normalise_email(email), "first_name": first_name, "last_name": last_name, "role": role,
              "is_staff": admin, "is_superuser": admin, "is_active": is_active,
              "access_valid_from": access_valid_from if role == Role.AUDITOR else None,
              "access_valid_until": access_valid_until if role == Role.AUDITOR else None}
    if all(getattr(account, field) == value for field, value in values.items()):
        return account
    for field, value in values.items():
        setattr(account, field, value)
    account._history_user = actor
    account.full_clean()
    save_unique(account, "email", "Another account has this email.")
    _person_follows_account(account, actor)
    return account


def _person_follows_account(account: User, actor: User) -> None:
    """An account switched off takes its person out of lists and cycles; one switched on brings them back."""
    person = getattr(account, "person", None)
    if person is not None and person.active != account.is_active:
        person.active = account.is_active
        person._history_user = actor
        person.save()


# --- invitations ----------------------------------------------------------------------------------


def invitations_create(*, users: Iterable[User], actor: User | None) -> list[Invitation]:
    """Records an invitation for each account and queues the emails, one task per batch."""
    invitations = Invitation.objects.bulk_create(
        [Invitation(user_id=user.pk, created_by=actor) for user in users], batch_size=1000
    )
    ids = [invitation.pk for invitation in invitations]
    for start in range(0, len(ids), INVITATION_BATCH):
        queue_after_commit("accounts.tasks.send_invitations", ids[start:start + INVITATION_BATCH])
    return invitations


def invitations_send(*, invitation_ids: list[int]) -> int:
    """Sends each invitation not sent yet. Each is claimed under a row lock, sent, then marked, in
    its own transaction: a second run of the task (retry, redelivery, a doubled task) skips what
    was sent, and two runs at once never both send one."""
    sent = 0
    with mail.get_connection() as connection:
        for invitation_id in invitation_ids:
            with transaction.atomic():
                invitation = (
                    Invitation.objects.select_for_update(skip_locked=True).select_related("user")
                    .filter(pk=invitation_id, sent_at__isnull=True).first()
                )
                if invitation is None:
                    continue  # sent already, or being sent by another run
                user = invitation.user
                if user.is_active and user.last_login is None and not user.has_usable_password():
                    connection.send_messages([_invitation_email(user)])
                    sent += 1
                invitation.sent_at = timezone.now()  # also when no longer needed: nothing left to send
                invitation.save(update_fields=["sent_at"])
    return sent


def _invitation_email(user: User) -> mail.EmailMessage:
    return _link_email(user, "Your Proficio account", "accounts/email/invitation.txt", "accounts:invitation_accept",
                       invitation_token_generator, settings.INVITATION_TIMEOUT)


def _link_email(user: User, subject: str, template: str, url_name: str, tokens, timeout: int) -> mail.EmailMessage:
    """An email with the link, made of the user's id and a token, that signs `user` in once."""
    path = reverse(url_name, args=[urlsafe_base64_encode(force_bytes(user.pk)), tokens.make_token(user)])
    body = render_plain(template, {"user": user, "link": absolute_url(path), "validity": duration_text(timeout)})
    return mail.EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])


# --- password resets ------------------------------------------------------------------------------


def password_reset_request(*, email: str) -> None:
    """What the "forgot my password" page does for any address: count it and queue the email.

    The request does the same work whether or not an account has this email, so neither its answer
    nor its timing tells anyone which addresses have accounts; the task looks the account up.
    At most PASSWORD_RESETS_PER_HOUR emails go to one address in an hour.
    """
    email = normalise_email(email)
    if count_in_window(f"password-reset:{email}", 60 * 60) <= settings.PASSWORD_RESETS_PER_HOUR:
        queue_after_commit("accounts.tasks.send_password_reset", email)


def password_reset_send(*, email: str) -> int:
    """Emails a reset link to the active account with this email, also to one that was invited and
    never chose a password (Django's own form skips those)."""
    from django.contrib.auth.tokens import default_token_generator

    messages = [
        _link_email(user, "Set your Proficio password", "registration/password_reset_email.txt",
                    "accounts:password_reset_confirm", default_token_generator, settings.PASSWORD_RESET_TIMEOUT)
        for user in User.objects.filter(email=normalise_email(email), is_active=True)
    ]
    if messages:
        with mail.get_connection() as connection:
            connection.send_messages(messages)
    return len(messages)
