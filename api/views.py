"""HR's pages for API tokens: the list, creating one (its key shown once), revoking one."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from accounts.permissions import get_for_user, permission_required, visible
from core.responses import done, form_page, refuse

from . import services
from .forms import TokenForm
from .models import ApiToken

TOKENS_PER_PAGE = 50


@permission_required("apitoken.browse")
def token_list(request: HttpRequest) -> HttpResponse:
    tokens = visible(request.user, "apitoken", ApiToken.objects.select_related("created_by", "revoked_by"))
    page = Paginator(tokens, TOKENS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "api/token_list.html", {"page": page})


@permission_required("apitoken.create")
@require_http_methods(["GET", "POST"])
def token_create(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)

    def create() -> HttpResponse:
        token, key = services.token_create(actor=request.user, **form.cleaned_data)
        # The key is shown on this response only: it is not stored, so it cannot be shown again.
        response = render(request, "api/token_created.html", {"token": token, "key": key})
        response["Cache-Control"] = "no-store"
        return response

    return form_page(request, form, "api/token_form.html", {}, create)


@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_for_user(request.user, ApiToken.objects.all(), "apitoken.revoke", pk=pk)
    from django.core.exceptions import ValidationError

    try:
        services.token_revoke(token=token, actor=request.user)
    except ValidationError as error:
        return refuse(request, error, reverse("api:token_list"))
    return done(request, f"{token.name} is revoked: its key no longer works.", reverse("api:token_list"))
