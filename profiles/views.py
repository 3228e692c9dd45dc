"""Pages for org units, role profiles and people. Thin: permission, form or service, response."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from accounts.permissions import can, get_for_user, is_reader, permission_required
from core import outbox
from core.pagination import deferred_page
from core.responses import done, form_page, invalid, refuse
from core.uploads import ImportFailed
from signatures import services as signing

from . import selectors, services
from .filters import PersonFilter, ProfileFilter
from .forms import (
    ApproveProfileForm,
    BehaviourFormSet,
    KpiFormSet,
    MigrateProfileForm,
    OrgUnitForm,
    PeopleUploadForm,
    PersonForm,
    RequirementFormSet,
    RoleProfileForm,
)
from .importers import plan_people_import, read_table
from .models import ImportStatus, OrgUnit, PeopleImport, Person, ProfileStatus, RoleProfile

PEOPLE_PER_PAGE = 50
PREVIEW_ROWS = 200

# --- org units -------------------------------------------------------------------------------------


@permission_required("orgunit.browse")
def orgunit_tree(request: HttpRequest) -> HttpResponse:
    return render(request, "profiles/orgunit_tree.html", {
        "nodes": selectors.orgunit_tree(), "can_edit": can(request.user, "orgunit.edit"),
    })


@permission_required("orgunit.create")
@require_http_methods(["GET", "POST"])
def orgunit_create(request: HttpRequest) -> HttpResponse:
    return _orgunit_form(request, OrgUnit(), initial={"parent": request.GET.get("parent")})


@require_http_methods(["GET", "POST"])
def orgunit_edit(request: HttpRequest, pk: int) -> HttpResponse:
    unit = get_for_user(request.user, OrgUnit.objects.select_related("head__user"), "orgunit.edit", pk=pk)
    return _orgunit_form(request, unit)


def _orgunit_form(request: HttpRequest, unit: OrgUnit, initial: dict | None = None) -> HttpResponse:
    form = OrgUnitForm(request.POST or None, instance=unit, initial=initial)

    def save() -> HttpResponse:
        data = form.cleaned_data
        saved = services.orgunit_save(unit=unit, name=data["name"], code=data["code"], parent=data["parent"],
                                      head=data["head"], actor=request.user)
        return done(request, f"{saved.name} saved.", reverse("profiles:orgunit_tree") + f"#unit-{saved.pk}")

    return form_page(request, form, "profiles/orgunit_form.html", {"unit": unit}, save)


# --- role profiles ---------------------------------------------------------------------------------


@permission_required("profile.browse")
def profile_list(request: HttpRequest) -> HttpResponse:
    filterset = ProfileFilter(request.GET, queryset=selectors.profiles_for_list(request.user), request=request)
    profiles = list(filterset.qs)
    holders = selectors.holder_counts([profile.pk for profile in profiles])
    for profile in profiles:
        profile.people_count = holders.get(profile.pk, 0)
    return render(request, "profiles/profile_list.html", {
        "filter": filterset, "profiles": profiles, "can_create": can(request.user, "profile.create"),
    })


@permission_required("profile.create")
@require_http_methods(["GET", "POST"])
def profile_create(request: HttpRequest) -> HttpResponse:
    form = RoleProfileForm(request.POST or None)

    def create() -> HttpResponse:
        profile = services.profile_create(**form.cleaned_data, actor=request.user)
        return done(request, f"{profile.name} created. Set its requirements next.",
                    reverse("profiles:profile_requirements", args=[profile.pk]))

    return form_page(request, form, "profiles/profile_form.html", {}, create)


def _profile(request: HttpRequest, pk: int, action: str = "profile.view") -> RoleProfile:
    return get_for_user(
        request.user,
        RoleProfile.objects.select_related("framework_version__framework__scale", "approved_by", "created_by"),
        action, pk=pk,
    )


def profile_detail(request: HttpRequest, pk: int) -> HttpResponse:
    profile = _profile(request, pk)
    can_edit = can(request.user, "profile.edit", profile)
    return render(request, "profiles/profile_detail.html", {
        # Those who only read the profile see what is approved; changes in progress are the editors' business.
        "sheet": selectors.profile_sheet(profile, approved_only=not can_edit), "profile": profile,
        "can_edit": can_edit,
        "can_see_everyone": is_reader(request.user),
        "signatures": signing.signatures_for(profile),
    })


@require_http_methods(["GET", "POST"])
def profile_edit(request: HttpRequest, pk: int) -> HttpResponse:
    profile = _profile(request, pk, "profile.edit")
    form = RoleProfileForm(request.POST or None, instance=profile)

    def save() -> HttpResponse:
        data = form.cleaned_data
        services.profile_update(profile=profile, name=data["name"], code=data["code"], description=data["description"])
        return done(request, f"{profile.name} saved.", reverse("profiles:profile_detail", args=[pk]))

    return form_page(request, form, "profiles/profile_form.html", {"profile": profile}, save)


@require_http_methods(["GET", "POST"])
def profile_requirements(request: HttpRequest, pk: int) -> HttpResponse:
    """The requirements grid: every competency of the framework version, with the level the role needs."""
    profile = _profile(request, pk, "profile.edit")
    version = profile.framework_version
    levels = list(version.framework.scale.levels.all())
    competencies = list(version.competencies.select_related("area").order_by("area__position", "area_id", "position", "pk"))
    current = {r.competency_id: r for r in profile.requirements.all()}
    initial = [
        {"competency": c.pk, "required_level": current[c.pk].required_level if c.pk in current else None,
         "weight": current[c.pk].weight if c.pk in current else 1, "critical": current[c.pk].critical if c.pk in current else False}
        for c in competencies
    ]
    formset = RequirementFormSet(request.POST or None, initial=initial, version=version, levels=levels, prefix="req")
    by_pk = {c.pk: c for c in competencies}
    rows = [(by_pk.get(_as_int(form["competency"].value())), form) for form in formset.forms]
    context = {"profile": profile, "formset": formset, "levels": levels, "rows": rows}
    if request.method == "POST":
        if formset.is_valid():
            wanted = [
                services.RequirementInput(by_pk[f.cleaned_data["competency"]], f.cleaned_data["required_level"],
                                          f.cleaned_data["weight"], f.cleaned_data["critical"])
                for f in formset.forms if f.cleaned_data.get("required_level") is not None
            ]
            try:
                services.requirements_set(profile=profile, requirements=wanted)
            except ValidationError as error:
                context["service_errors"] = error.messages
                return invalid(request, "profiles/profile_requirements.html", context)
            messages.success(request, f"{len(wanted)} requirement{'s' if len(wanted) != 1 else ''} saved.")
            return redirect("profiles:profile_detail", pk=pk)
        return invalid(request, "profiles/profile_requirements.html", context)
    return render(request, "profiles/profile_requirements.html", context)


def _as_int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@require_http_methods(["GET", "POST"])
def profile_expectations(request: HttpRequest, pk: int) -> HttpResponse:
    """Expected behaviours and performance indicators (KPIs with targets) of the role."""
    profile = _profile(request, pk, "profile.edit")
    competencies = profile.framework_version.competencies.filter(requirements__profile=profile).order_by("code")
    behaviours = BehaviourFormSet(
        request.POST or None, prefix="behaviour", competencies=competencies,
        initial=[{"competency": b.competency_id, "text": b.text} for b in profile.behaviours.all()],
    )
    kpis = KpiFormSet(
        request.POST or None, prefix="kpi",
        initial=[{"name": k.name, "comparator": k.comparator, "target": k.target, "unit": k.unit,
                  "how_measured": k.how_measured} for k in profile.kpis.all()],
    )
    context = {"profile": profile, "behaviours": behaviours, "kpis": kpis, "has_requirements": competencies.exists()}
    if request.method == "POST":
        if behaviours.is_valid() and kpis.is_valid():
            try:
                services.expectations_set(profile=profile, behaviours=behaviours.entries(), kpis=kpis.entries())
            except ValidationError as error:
                context["service_errors"] = error.messages
                return invalid(request, "profiles/profile_expectations.html", context)
            messages.success(request, "Behaviours and performance indicators saved.")
            return redirect("profiles:profile_detail", pk=pk)
        return invalid(request, "profiles/profile_expectations.html", context)
    return render(request, "profiles/profile_expectations.html", context)


@require_http_methods(["GET", "POST"])
def profile_approve(request: HttpRequest, pk: int) -> HttpResponse:
    profile = _profile(request, pk, "profile.approve")
    if request.method == "GET" and profile.status == ProfileStatus.APPROVED:
        messages.info(request, f"{profile.name} is already approved (revision {profile.revision}).")
        return redirect("profiles:profile_detail", pk=pk)
    form = ApproveProfileForm(request.POST or None)

    def approve() -> HttpResponse:
        services.profile_approve(profile=profile, actor=request.user, **form.cleaned_data)
        return done(request, f"{profile.name} is approved.", reverse("profiles:profile_detail", args=[pk]))

    return form_page(request, form, "profiles/profile_approve.html", {
        "profile": profile, "segregation": signing.segregation_refusal(profile, request.user),
    }, approve)


@require_http_methods(["GET", "POST"])
def profile_migrate(request: HttpRequest, pk: int) -> HttpResponse:
    """Moves a profile to a newer published version of its framework, after showing what changes."""
    profile = _profile(request, pk, "profile.edit")
    data = request.POST if request.method == "POST" else (request.GET or None)
    form = MigrateProfileForm(data, profile=profile)
    context = {"profile": profile, "form": form, "rows": None}
    if form.is_bound and form.is_valid():
        target = form.cleaned_data["target"]
        context["rows"] = services.migration_preview(profile, target)
        context["target"] = target
        if request.method == "POST":
            try:
                services.profile_migrate(profile=profile, target=target, actor=request.user)
            except ValidationError as error:
                return refuse(request, error, reverse("profiles:profile_detail", args=[pk]))
            lost = sum(1 for row in context["rows"] if row.outcome == "lost")
            removed = (f"; {lost} requirement{' was' if lost == 1 else 's were'} removed with "
                       f"{'its competency' if lost == 1 else 'their competencies'}") if lost else ""
            messages.success(request, f"{profile.name} now follows {target}{removed}. Approve it again to put it in force.")
            return redirect("profiles:profile_detail", pk=pk)
    elif form.is_bound:
        return invalid(request, "profiles/profile_migrate.html", context)
    return render(request, "profiles/profile_migrate.html", context)


# --- people ----------------------------------------------------------------------------------------


@permission_required("person.browse")
def person_list(request: HttpRequest) -> HttpResponse:
    filterset = PersonFilter(request.GET, queryset=selectors.people_for_list(request.user), request=request)
    people = filterset.qs  # runs the filters, so that a narrow search has said how few it found
    page = deferred_page(people, request.GET.get("page"), PEOPLE_PER_PAGE, selectors.people_rows,
                         small=filterset.at_most)
    return render(request, "profiles/person_list.html", {
        "filter": filterset, "page": page, "can_import": can(request.user, "people.import"),
    })


def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_for_user(request.user, selectors.person_for_page(pk), "person.view", pk=pk)
    profile = person.role_profile
    reports = list(person.reports.select_related("user", "role_profile").order_by(*Person.LIST_ORDER))
    for report in reports:
        report.viewable = can(request.user, "person.view", report)
    return render(request, "profiles/person_detail.html", {
        "person": person,
        "reports": reports,
        "sheet": selectors.profile_sheet(profile, with_extras=False, approved_only=True) if profile else None,
        "can_edit": can(request.user, "person.edit", person),
        "can_open_profile": profile is not None and can(request.user, "profile.view", profile),
    })


@require_http_methods(["GET", "POST"])
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_for_user(request.user, selectors.person_for_page(pk), "person.edit", pk=pk)
    was_active = person.active  # before the form writes the posted values onto the person
    form = PersonForm(request.POST or None, instance=person)

    def save() -> HttpResponse:
        saved = services.person_update(person=person, actor=request.user, **{k: form.cleaned_data[k] for k in (
            "org_unit", "role_profile", "manager", "start_date_in_role", "active")})
        change = "" if saved.active == was_active else (
            " They can sign in again." if saved.active else " They are switched off and can no longer sign in.")
        return done(request, f"{saved} saved.{change}", reverse("profiles:person_detail", args=[pk]))

    return form_page(request, form, "profiles/person_form.html", {"person": person}, save)


@permission_required("people.import")
@require_http_methods(["GET", "POST"])
def people_import(request: HttpRequest) -> HttpResponse:
    form = PeopleUploadForm(request.POST or None, request.FILES or None)
    context = {"form": form}
    if request.method == "POST":
        if not form.is_valid():
            return invalid(request, "profiles/people_import.html", context)
        upload = form.cleaned_data["file"]
        raw = upload.read()
        try:
            plan_people_import(read_table(raw, upload.name, form.cleaned_data["encoding"]))
        except ImportFailed as failure:
            context["failure"] = failure
            return invalid(request, "profiles/people_import.html", context)
        job = PeopleImport.objects.create(created_by=request.user, filename=upload.name[:255], content=raw,
                                          encoding=form.cleaned_data["encoding"])
        return redirect("profiles:people_import_preview", pk=job.pk)
    return render(request, "profiles/people_import.html", context)


def _job(request: HttpRequest, pk: int) -> PeopleImport:
    return get_for_user(request.user, PeopleImport.objects.all(), "peopleimport.view", pk=pk)


def people_import_preview(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    context: dict = {"job": job, "plan": None, "failure": None, "preview_rows": PREVIEW_ROWS}
    if job.status == ImportStatus.PENDING:
        try:
            context["plan"] = plan_people_import(read_table(bytes(job.content), job.filename, job.encoding))
        except ImportFailed as failure:  # the people in Proficio changed since the upload
            context["failure"] = failure
    elif job.status == ImportStatus.QUEUED:  # the task queue was down when it was confirmed: the outbox holds it
        context["waiting"] = outbox.waiting("profiles.tasks.apply_people_import", job.pk)
        context["waiting_message"] = outbox.WAITING_MESSAGE
    return render(request, "profiles/people_import_preview.html", context)


@require_POST
def people_import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    if not services.people_import_queue(pending_id=job.pk):
        messages.info(request, "This file was already confirmed; the result is below.")
    return redirect("profiles:people_import_preview", pk=pk)
