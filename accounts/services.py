"""Use cases that change accounts: HR's account pages, invitations, password resets, two-factor sign-in,
the security policy and signed-in sessions."""

from __future__ import annotations

import math
import time
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

from .models import TWO_FACTOR_ROLES, Invitation, Role, SecurityPolicy, User, UserSession, normalise_email
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


# --- two-factor sign-in ---------------------------------------------------------------------------
# TOTP devices are django-otp's; a user has at most one, and only confirmed devices count.

TOTP_DEVICE_NAME = "Authenticator app"


class CodeThrottled(Exception):
    """Too many wrong codes in a row: django-otp makes the device wait (1, 2, 4 … seconds) before the next."""

    def __init__(self, seconds: int):
        super().__init__(f"Too many wrong codes in a row: wait {seconds} second{'s' if seconds != 1 else ''} "
                         "and enter the newest code from your app.")
        self.seconds = seconds


def _code_value(code: str) -> int | None:
    code = (code or "").replace(" ", "")
    return int(code) if code.isdigit() and len(code) == 6 else None


def two_factor_code_check(*, device, code: str) -> bool:
    """Whether `code` is the device's current code, not used before (django-otp keeps the last step
    verified, so a replayed code fails). Wrong codes count towards the device's throttle."""
    allowed, details = device.verify_is_allowed()
    if not allowed:
        until = (details or {}).get("locked_until")
        raise CodeThrottled(max(1, math.ceil((until - timezone.now()).total_seconds())) if until else 1)
    value = _code_value(code)
    return device.verify_token(value if value is not None else "not a code")  # a non-code fails and counts


@transaction.atomic
def two_factor_enrol(*, user: User, key: str, code: str):
    """Confirms the authenticator app holding the secret `key` (hex) by its first code and stores it."""
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    User.objects.select_for_update().get(pk=user.pk)  # one enrolment at a time per user
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise ValidationError("Two-factor sign-in is already on for your account.")
    value = _code_value(code)
    device = TOTPDevice(user=user, name=TOTP_DEVICE_NAME, key=key, confirmed=True)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, 0)
    if value is None or not totp.verify(value, tolerance=device.tolerance):
        raise ValidationError({"code": "That is not the code your app shows for this secret. Check the app's "
                                       "clock is right and enter the newest code."})
    device.last_t, device.drift = totp.t(), totp.drift  # the confirming code cannot be used again to sign in
    TOTPDevice.objects.filter(user=user).delete()  # unconfirmed leftovers
    device.full_clean()
    device.save()
    return device


def two_factor_remove(*, user: User, password: str, code: str) -> None:
    """Turns two-factor sign-in off for one's own account, given the password and a current code. Not one
    transaction: a wrong code must stay counted by the throttle when the removal is refused."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        raise ValidationError("Two-factor sign-in is not on for your account.")
    right_password = user.check_password(password)
    # The code is checked even after a wrong password, so that guesses count towards the throttle.
    right_code = two_factor_code_check(device=device, code=code)
    if not (right_password and right_code):
        raise ValidationError("The password or the code is not right. Nothing was changed.")
    TOTPDevice.objects.filter(user=user).delete()


@transaction.atomic
def two_factor_reset(*, actor: User, account: User) -> bool:
    """HR turns two-factor sign-in off for someone who lost their phone; their sessions end with it."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    if account.pk == actor.pk:
        raise ValidationError("Turn your own two-factor sign-in off from your account menu (password and code).")
    deleted, _ = TOTPDevice.objects.filter(user=account).delete()
    if deleted:
        sessions_end(user=account)
    return bool(deleted)


# --- the security policy --------------------------------------------------------------------------


@transaction.atomic
def security_policy_set(*, actor: User, require_two_factor: bool, idle_minutes: int | None = None) -> int:
    """Saves the policy (with a history row naming `actor`, only when something changed); `idle_minutes`
    None keeps the sign-out after inactivity as it is. Turning the two-factor requirement on signs out the
    accounts it covers that have no device yet, so each is sent to enrolment at its next sign-in; the HR
    manager doing it must have set up their own first. Returns how many sessions were ended."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    policy = SecurityPolicy.objects.select_for_update().filter(pk=1).first() or SecurityPolicy(pk=1)
    if require_two_factor and not TOTPDevice.objects.filter(user=actor, confirmed=True).exists():
        raise ValidationError({"require_two_factor": "Set up two-factor sign-in for your own account first "
                                                     "(account menu, Two-factor sign-in): otherwise this would lock "
                                                     "you out too."})
    if idle_minutes is None:
        idle_minutes = policy.idle_minutes
    if policy.require_two_factor == require_two_factor and policy.idle_minutes == idle_minutes:
        return 0  # nothing changes (the defaults need no row either): no history row
    turning_on = require_two_factor and not policy.require_two_factor
    policy.require_two_factor = require_two_factor
    policy.idle_minutes = idle_minutes
    policy._history_user = actor
    policy.full_clean()
    policy.save()
    if not turning_on:
        return 0
    uncovered = (User.objects.filter(role__in=TWO_FACTOR_ROLES, is_active=True).exclude(pk=actor.pk)
                 .exclude(pk__in=TOTPDevice.objects.filter(confirmed=True).values("user_id")))
    return sessions_end(users=uncovered)


# --- sessions -------------------------------------------------------------------------------------

#: How often a session's "last seen" is written, at most.
SESSION_SEEN_EVERY = 60
#: Kept in the session itself: when its row was last written (so most requests write nothing).
SESSION_SEEN_KEY = "_proficio_seen"
#: Kept in the session itself: when its owner signed in (a password change keeps it), for the absolute
#: lifetime of SESSION_COOKIE_AGE (the cookie's own expiry moves on whenever the session is saved).
SESSION_SIGNED_IN_KEY = "_proficio_signed_in"


def session_record(*, request, user: User, signed_in_at: datetime | None = None) -> None:
    """Notes a new signed-in session (at sign-in: the session key is the fresh one Django just made)."""
    from django.contrib.sessions.models import Session

    from .backends import client_ip

    now = timezone.now()
    request.session[SESSION_SEEN_KEY] = int(now.timestamp())
    request.session[SESSION_SIGNED_IN_KEY] = int((signed_in_at or now).timestamp())
    key = getattr(request.session, "session_key", None)
    if not key or not Session.objects.filter(session_key=key).exists():
        return  # a session engine that keeps no rows (signed cookies): nothing to list
    UserSession.objects.update_or_create(session_id=key, defaults={
        "user": user, "user_agent": request.META.get("HTTP_USER_AGENT", "")[:400],
        "ip_address": client_ip(request)[:45], "signed_in_at": signed_in_at or now, "last_seen_at": now})


def session_expired(*, request) -> str | None:
    """Why this signed-in session must end now, or None: it was signed in longer ago than SESSION_COOKIE_AGE
    (12 hours), or nothing came from it for longer than the security policy's idle minutes. Costs no query
    unless the session was quiet for at least the shortest idle limit HR can choose."""
    from django.contrib.auth import SESSION_KEY

    from .models import IDLE_MINUTES_MIN

    session = request.session
    if SESSION_KEY not in session:
        return None
    now = int(time.time())
    signed_in = session.get(SESSION_SIGNED_IN_KEY)
    if isinstance(signed_in, int) and now - signed_in >= settings.SESSION_COOKIE_AGE:
        return (f"You were signed out: a session lasts {duration_text(settings.SESSION_COOKIE_AGE)} "
                "after signing in. Sign in again to continue.")
    seen = session.get(SESSION_SEEN_KEY)
    if not isinstance(seen, int):
        return None
    # "Last seen" is written at most once a minute, so the last request may have come up to a minute
    # after it: the quiet time is counted from then, and nobody is signed out early.
    quiet = now - seen - SESSION_SEEN_EVERY
    if quiet < IDLE_MINUTES_MIN * 60:
        return None
    minutes = SecurityPolicy.current().idle_minutes
    if quiet < minutes * 60:
        return None
    return (f"You were signed out after {minutes} minutes without activity, to protect your account. "
            "Sign in again to continue.")


def session_seen(*, request) -> None:
    """Refreshes the session's "last seen" and address, at most once every SESSION_SEEN_EVERY seconds."""
    from django.contrib.auth import SESSION_KEY

    from .backends import client_ip

    session = request.session
    if SESSION_KEY not in session:
        return
    now = int(time.time())
    seen = session.get(SESSION_SEEN_KEY)
    if isinstance(seen, int) and now - seen < SESSION_SEEN_EVERY:
        return
    updated = UserSession.objects.filter(session_id=session.session_key).update(
        last_seen_at=timezone.now(), ip_address=client_ip(request)[:45])
    if not updated and request.user.is_authenticated:
        session_record(request=request, user=request.user)  # a session from before sessions were listed
    session[SESSION_SEEN_KEY] = now
    session.setdefault(SESSION_SIGNED_IN_KEY, now)  # a session from before its sign-in time was kept


def sessions_end(*, user: User | None = None, users=None, keep: str | None = None) -> int:
    """Signs out every session of `user` (or of the accounts in the queryset `users`) but `keep` (a
    session key), through the session engine, so a cached session ends too. Returns how many ended."""
    from importlib import import_module

    rows = UserSession.objects.filter(user=user) if user is not None else UserSession.objects.filter(user__in=users)
    keys = list(rows.exclude(session_id=keep or "").values_list("session_id", flat=True))
    store = import_module(settings.SESSION_ENGINE).SessionStore
    for key in keys:
        store().delete(key)
    UserSession.objects.filter(session_id__in=keys).delete()  # gone with their sessions already, unless cached
    return len(keys)


def session_end(*, session: UserSession) -> None:
    """Signs out one session (its owner's next request from it goes to the sign-in page)."""
    from importlib import import_module

    import_module(settings.SESSION_ENGINE).SessionStore().delete(session.session_id)
    UserSession.objects.filter(pk=session.pk).delete()
