from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_http_methods, require_POST

from core.responses import done, form_page

from . import selectors, services, throttle, views_security
from .filters import AccountFilter
from .forms import AccountForm, EmailLoginForm, PasswordResetRequestForm
from .permissions import get_for_user, permission_required
from .tokens import invitation_token_generator

ACCOUNTS_PER_PAGE = 50


def locked_out(request: HttpRequest, credentials: dict | None = None, *args, address: bool = False,
               **kwargs) -> HttpResponse:
    """What django-axes shows after too many failed sign-ins (AXES_LOCKOUT_CALLABLE), and what the
    sign-in page shows when an address has failed too often across accounts."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "registration/locked_out.html", {"lockout_minutes": minutes, "address": address},
                  status=429)


class SignInView(auth_views.LoginView):
    authentication_form = EmailLoginForm
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if throttle.address_paused(request):
            return locked_out(request, address=True)  # checked before any password is
        return super().post(request, *args, **kwargs)

    def form_valid(self, form) -> HttpResponse:
        user = form.get_user()
        if selectors.has_two_factor(user):  # the password was right; the code comes next
            return views_security.start_code_step(self.request, user, self.get_success_url())
        return super().form_valid(form)


class PasswordChangeView(auth_views.PasswordChangeView):
    """A new password also signs out every other session of the account (this one stays signed in)."""

    def form_valid(self, form) -> HttpResponse:
        from .models import UserSession

        this = UserSession.objects.filter(session_id=self.request.session.session_key).first()
        response = super().form_valid(form)  # gives this session a new key, which its row follows
        services.sessions_end(user=form.user, keep=self.request.session.session_key)
        services.session_record(request=self.request, user=form.user, signed_in_at=this.signed_in_at if this else None)
        return response


class PasswordResetView(auth_views.PasswordResetView):
    """Answers every address the same way, at the same speed: the email is looked up and sent by a task."""

    form_class = PasswordResetRequestForm
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form) -> HttpResponse:
        services.password_reset_request(email=form.cleaned_data["email"])
        return HttpResponseRedirect(self.get_success_url())


class InvitationAcceptView(auth_views.PasswordResetConfirmView):
    """Where the link in an invitation leads: the new person chooses their password."""

    token_generator = invitation_token_generator
    template_name = "registration/invitation_accept.html"
    reset_url_token = "set-password"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Setting a new password from the emailed link also lifts a sign-in lockout of that account, and
    signs out all its sessions."""

    def form_valid(self, form):
        from axes.utils import reset

        response = super().form_valid(form)
        reset(username=form.user.email)
        services.sessions_end(user=form.user)
        return response


@login_not_required
def admin_login(request: HttpRequest, extra_context=None) -> HttpResponse:
    """The admin's sign-in URL. There is one sign-in page for everything (so throttling and the email
    login apply to the admin too): visitors are sent there, administrators on to the admin, and
    signed-in people without admin rights are told so instead of being asked to sign in again."""
    target = request.GET.get("next", "")
    if not (target.startswith(reverse("admin:index")) and url_has_allowed_host_and_scheme(target, allowed_hosts=None)):
        target = reverse("admin:index")
    if not request.user.is_authenticated:
        return redirect(f"{reverse('accounts:login')}?{urlencode({'next': target})}")
    if not request.user.is_staff:
        raise PermissionDenied("The administration is for HR administrators only.")
    return redirect(target)


# --- HR's account pages ----------------------------------------------------------------------------


@permission_required("account.browse")
def account_list(request: HttpRequest) -> HttpResponse:
    filterset = AccountFilter(request.GET, queryset=selectors.accounts_for_list(request.user))
    page = Paginator(filterset.qs, ACCOUNTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "accounts/account_list.html", {"filter": filterset, "page": page})


@permission_required("account.create")
@require_http_methods(["GET", "POST"])
def account_create(request: HttpRequest) -> HttpResponse:
    form = AccountForm(request.POST or None, actor=request.user)

    def create() -> HttpResponse:
        account = services.account_create(actor=request.user, **form.service_values())
        return done(request, f"{account.email} created; an invitation to choose a password is on its way.",
                    reverse("accounts:account_list"))

    return form_page(request, form, "accounts/account_form.html", {}, create)


@require_http_methods(["GET", "POST"])
def account_edit(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_for_user(request.user, selectors.account_for_page(pk), "account.edit", pk=pk)
    form = AccountForm(request.POST or None, instance=account, actor=request.user)

    def save() -> HttpResponse:
        services.account_update(actor=request.user, account=account, **form.service_values())
        return done(request, f"{account.email} saved.", reverse("accounts:account_list"))

    return form_page(request, form, "accounts/account_form.html", {
        "account": account, "invitations": account.invitations.all()[:5],
        "sessions": selectors.sessions_of(account).count(), "two_factor": selectors.has_two_factor(account),
    }, save)


@require_POST
def account_invite(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_for_user(request.user, selectors.account_for_page(pk), "account.edit", pk=pk)
    back = reverse("accounts:account_edit", args=[pk])
    if account.has_usable_password() or account.last_login:
        messages.info(request, f"{account.email} has chosen a password already; they can reset it from the sign-in page.")
        return redirect(back)
    services.invitations_create(users=[account], actor=request.user)
    return done(request, f"A new invitation is on its way to {account.email}.", back)
