"""Evidence pack pages: ask for a pack, follow its render, download it; check a pack file; HR's pack log.

Readers only (auditors, HR, quality): leaders and managers get 403 with the reason on the pages without
an object and 404 for a pack. Asking for a pack and checking a file are reads (auditors may do both)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from accounts.permissions import get_for_user, permission_required
from core.pagination import deferred_page
from core.responses import form_page
from profiles.models import OrgUnit, Person, RoleProfile

from . import packs
from .models import AccessEvent, EvidencePack, PackEvent, PackScope

PACKS_PER_PAGE = 25
EVENTS_PER_PAGE = 50
ACCESS_EVENTS_SHOWN = 20
#: The oldest "as at" day a pack may ask for (earlier days hold no records of Proficio's).
EARLIEST_AS_AT = dt.date(2000, 1, 1)
#: A pack file larger than this is refused before it is read (organisation packs with many certificates
#: are large; settings.MAX_PACK_FILE_BYTES overrides it).
DEFAULT_MAX_PACK_FILE_BYTES = 200 * 1024 * 1024


class PackForm(forms.Form):
    scope = forms.ChoiceField(label="Scope", choices=PackScope.choices, widget=forms.RadioSelect,
                              initial=PackScope.LEADER)
    employee_id = forms.CharField(label="Leader's employee id", required=False, max_length=40,
                                  help_text="For a leader's pack (the dossier page fills it in).")
    role_profile = forms.ModelChoiceField(label="Role", required=False, queryset=RoleProfile.objects.order_by("name"))
    org_unit = forms.ModelChoiceField(label="Org unit (with the units below it)", required=False,
                                      queryset=OrgUnit.objects.order_by("name"))
    as_at = forms.DateField(label="As at", required=False, widget=forms.DateInput(attrs={"type": "date"}),
                            help_text="Empty: today. A past day shows every record as it stood then.")

    def clean_as_at(self) -> dt.date | None:
        value = self.cleaned_data.get("as_at")
        if value is not None and value > timezone.localdate():
            raise ValidationError("The day cannot be in the future: a pack shows records as they stood.")
        if value is not None and value < EARLIEST_AS_AT:
            raise ValidationError(f"Choose a day from {EARLIEST_AS_AT:%d %B %Y} on.")
        return value

    def clean(self) -> dict:
        data = super().clean()
        scope = data.get("scope")
        if scope == PackScope.LEADER:
            code = (data.get("employee_id") or "").strip()
            if not code:
                self.add_error("employee_id", "Type the leader's employee id.")
            else:
                data["target"] = Person.objects.filter(employee_id__iexact=code).first()
                if data["target"] is None:
                    self.add_error("employee_id", f"Nobody has the employee id “{code}”.")
        elif scope == PackScope.ROLE:
            data["target"] = data.get("role_profile")
            if data["target"] is None:
                self.add_error("role_profile", "Choose the role.")
        elif scope == PackScope.UNIT:
            data["target"] = data.get("org_unit")
            if data["target"] is None:
                self.add_error("org_unit", "Choose the org unit.")
        else:
            data["target"] = None
        return data


@require_http_methods(["GET", "POST"])
@permission_required("pack.request")
def pack_new(request: HttpRequest) -> HttpResponse:
    initial = {}
    person_id = request.GET.get("person", "")
    if person_id.isdigit():
        person = Person.objects.filter(pk=int(person_id)).first()
        if person is not None:
            initial = {"scope": PackScope.LEADER, "employee_id": person.employee_id}
    form = PackForm(request.POST or None, initial=initial)

    def create() -> HttpResponse:
        data = form.cleaned_data
        pack, document = packs.pack_request(user=request.user, scope=data["scope"], target=data["target"],
                                            as_at=data["as_at"])
        if document.status == "done":
            messages.info(request, "This pack is ready: nothing in it changed since it was generated.")
        elif document.status == "failed":
            messages.error(request, f"The pack could not be generated: {document.error}")
        else:
            messages.success(request, "The pack is being generated: this page shows its progress.")
        return redirect("evidence:pack_detail", pack.pk)

    return form_page(request, form, "evidence/pack_new.html", {}, create)


def _pack_context(request: HttpRequest, pack: EvidencePack) -> dict:
    from documents.services import latest_document

    document = latest_document(packs.KIND, pack)
    return {"pack": pack, "document": document,
            "rendering": document is not None and document.active and not document.stalled}


@require_safe
def pack_detail(request: HttpRequest, pk: int) -> HttpResponse:
    pack = get_for_user(request.user, packs.pack_queryset(), "pack.view", pk=pk)
    return render(request, "evidence/pack_detail.html", _pack_context(request, pack))


@require_safe
def pack_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress bar, polled every two seconds while the pack is generated; then the download."""
    pack = get_for_user(request.user, packs.pack_queryset(), "pack.view", pk=pk)
    return render(request, "evidence/pack_progress.html", _pack_context(request, pack))


@require_safe
@permission_required("pack.browse")
def pack_list(request: HttpRequest) -> HttpResponse:
    page = deferred_page(EvidencePack.objects.order_by("-created_at", "-pk"), request.GET.get("page"),
                         PACKS_PER_PAGE, lambda pks: packs.pack_queryset().filter(pk__in=pks))
    return render(request, "evidence/pack_list.html", {"page": page})


class VerifyForm(forms.Form):
    file = forms.FileField(label="Evidence pack (PDF)", allow_empty_file=False)

    def clean_file(self):
        from django.conf import settings

        upload = self.cleaned_data["file"]
        limit = getattr(settings, "MAX_PACK_FILE_BYTES", DEFAULT_MAX_PACK_FILE_BYTES)
        if upload.size > limit:
            raise ValidationError(f"The file is {upload.size / 1024 / 1024:.1f} MB; packs up to "
                                  f"{limit // 1024 // 1024} MB are checked.")
        head = upload.read(1024)
        upload.seek(0)
        if b"%PDF-" not in head:
            raise ValidationError("This is not a PDF file: choose the evidence pack as it was downloaded.")
        return upload


@require_http_methods(["GET", "POST"])
@permission_required("pack.verify")
def verify(request: HttpRequest) -> HttpResponse:
    from .verify import verify_pack

    form = VerifyForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "evidence/verify.html", {"form": form}, status=400)
        upload = form.cleaned_data["file"]
        data = b"".join(upload.chunks())
        report = verify_pack(data)
        if report.manifest is None and not report.signature.present:
            form.add_error("file", report.manifest_problem or report.signature.problem
                           or "This file is not an evidence pack made by Proficio.")
            return render(request, "evidence/verify.html", {"form": form}, status=400)
        return render(request, "evidence/verify.html", {"form": VerifyForm(), "report": report,
                                                        "filename": upload.name[:200]})
    return render(request, "evidence/verify.html", {"form": form})


@require_safe
@permission_required("pack_log.browse")
def pack_log(request: HttpRequest) -> HttpResponse:
    page = deferred_page(PackEvent.objects.order_by("-at", "-pk"), request.GET.get("page"), EVENTS_PER_PAGE,
                         lambda pks: packs.events_for_log().filter(pk__in=pks))
    access = list(AccessEvent.objects.select_related("user").order_by("-at", "-pk")[:ACCESS_EVENTS_SHOWN])
    return render(request, "evidence/log.html", {"page": page, "access_events": access})


urlpatterns = [
    path("packs/", pack_list, name="pack_list"),
    path("packs/new/", pack_new, name="pack_new"),
    path("packs/<int:pk>/", pack_detail, name="pack_detail"),
    path("packs/<int:pk>/progress/", pack_progress, name="pack_progress"),
    path("verify/", verify, name="verify"),
    path("log/", pack_log, name="pack_log"),
]
