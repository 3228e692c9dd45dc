"""Responses every app's views share, so bad input is answered the same way everywhere.

- an invalid form is shown again with its errors and status 400;
- an action refused because of an object's state (frozen, already done, still open) comes back as a
  message on the page the user came from;
- a service's ValidationError lands on the form fields it names.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render


def invalid(request: HttpRequest, template: str, context: dict) -> HttpResponse:
    return render(request, template, context, status=400)


def refuse(request: HttpRequest, error: ValidationError, to: str) -> HttpResponse:
    messages.error(request, " ".join(error.messages))
    return redirect(to)


def apply_form_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def form_page(request: HttpRequest, form, template: str, context: dict, on_valid) -> HttpResponse:
    """The life of a form page: shown on GET; on a valid POST, `on_valid()` calls the service and returns
    the redirect; a ValidationError from it, or an invalid form, shows the page again with status 400."""
    context = {**context, "form": form}
    if request.method == "POST":
        if form.is_valid():
            try:
                return on_valid()
            except ValidationError as error:
                apply_form_errors(form, error)
        return invalid(request, template, context)
    return render(request, template, context)


def done(request: HttpRequest, message: str, to: str) -> HttpResponse:
    messages.success(request, message)
    return redirect(to)
