"""Pages of the competency framework. Each view: permission check, a form or service call, a response.

Refusals because of a version's state (frozen, open comments, a double submit) come back as a message
on the page the user came from; invalid forms are shown again with status 400.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from accounts.permissions import can, get_for_user, permission_required
from accounts.shortcuts import apply_form_errors, done, form_page, invalid, refuse

from . import exporters, importers, selectors, services
from .filters import FrameworkFilter
from .forms import (
    ApproveForm,
    AreaForm,
    CommentForm,
    CompetencyForm,
    FrameworkCreateForm,
    ImportConfirmForm,
    ImportUploadForm,
    InviteForm,
    MoodleMappingForm,
    PublishForm,
    ResolveForm,
    default_scale,
)
from .models import (
    Competency,
    CompetencyArea,
    Framework,
    FrameworkImport,
    FrameworkVersion,
    ImportFormat,
    ProficiencyScale,
    ReviewComment,
)

FRAMEWORKS_PER_PAGE = 50


# --- frameworks ------------------------------------------------------------------------------------


@permission_required("framework.browse")
def framework_list(request: HttpRequest) -> HttpResponse:
    filterset = FrameworkFilter(request.GET, queryset=selectors.frameworks_for_list(request.user), request=request)
    page = Paginator(filterset.qs, FRAMEWORKS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "competency/framework_list.html", {
        "filter": filterset, "page": page, "can_create": can(request.user, "framework.create"),
    })


@permission_required("framework.create")
@require_http_methods(["GET", "POST"])
def framework_create(request: HttpRequest) -> HttpResponse:
    form = FrameworkCreateForm(request.POST or None)

    def create() -> HttpResponse:
        version = services.framework_create(**form.cleaned_data, owner=request.user)
        return done(request, f"{version.framework.name} created with an empty draft v1. Add its areas next.",
                    reverse("competency:version_detail", args=[version.pk]))

    return form_page(request, form, "competency/framework_form.html", {}, create)


def framework_detail(request: HttpRequest, pk: int) -> HttpResponse:
    framework = get_for_user(request.user, Framework.objects.select_related("owner", "scale"), "framework.view", pk=pk)
    return render(request, "competency/framework_detail.html", {
        "framework": framework, "versions": selectors.framework_versions(framework, request.user),
    })


# --- a version -------------------------------------------------------------------------------------


def _version(request: HttpRequest, pk: int, action: str = "version.view") -> FrameworkVersion:
    return get_for_user(request.user, selectors.version_for_page(pk), action, pk=pk)


def version_detail(request: HttpRequest, pk: int) -> HttpResponse:
    version = _version(request, pk)
    user = request.user
    return render(request, "competency/version_detail.html", {
        "version": version,
        "tree": selectors.version_tree(version),
        "can_edit": can(user, "version.edit", version),
        "can_manage": can(user, "version.manage", version),
        "can_comment": can(user, "version.comment", version),
        "previous": version.based_on if version.based_on and can(user, "version.view", version.based_on) else None,
    })


@require_POST
def version_submit(request: HttpRequest, pk: int) -> HttpResponse:
    return _transition(request, pk, services.version_submit_for_review, "{} is in review. Invite stakeholders to comment.")


@require_POST
def version_return(request: HttpRequest, pk: int) -> HttpResponse:
    return _transition(request, pk, services.version_return_to_draft, "{} is a draft again.")


@require_POST
def version_retire(request: HttpRequest, pk: int) -> HttpResponse:
    return _transition(request, pk, services.version_retire, "{} is retired.")


def _transition(request: HttpRequest, pk: int, service, success: str) -> HttpResponse:
    version = _version(request, pk, "version.manage")
    back = reverse("competency:version_detail", args=[pk])
    try:
        version = service(version=version, actor=request.user)
    except ValidationError as error:
        return refuse(request, error, back)
    messages.success(request, success.format(version))
    return redirect(back)


@require_POST
def version_revise(request: HttpRequest, pk: int) -> HttpResponse:
    version = _version(request, pk, "version.manage")
    try:
        draft = services.version_revise(version=version, actor=request.user)
    except ValidationError as error:
        return refuse(request, error, reverse("competency:version_detail", args=[pk]))
    messages.success(request, f"{draft} is a new draft copied from {version}. Its changes are shown against {version}.")
    return redirect("competency:version_detail", pk=draft.pk)


@require_http_methods(["GET", "POST"])
def version_approve(request: HttpRequest, pk: int) -> HttpResponse:
    version = _version(request, pk, "version.manage")
    form = ApproveForm(request.POST or None, initial={"change_note": version.change_note})

    def approve() -> HttpResponse:
        services.version_approve(version=version, actor=request.user, **form.cleaned_data)
        return done(request, f"{version} is approved. Publish it to put it in force.",
                    reverse("competency:version_detail", args=[pk]))

    return form_page(request, form, "competency/version_approve.html", {
        "version": version, "open_comments": version.comments.filter(status="open").count(),
    }, approve)


@require_http_methods(["GET", "POST"])
def version_publish(request: HttpRequest, pk: int) -> HttpResponse:
    version = _version(request, pk, "version.manage")
    form = PublishForm(request.POST or None)
    current = version.framework.versions.filter(status="published").exclude(pk=pk).first()

    def publish() -> HttpResponse:
        services.version_publish(version=version, actor=request.user, **form.cleaned_data)
        return done(request, f"{version} is published" + (f"; {current} is retired." if current else "."),
                    reverse("competency:version_detail", args=[pk]))

    return form_page(request, form, "competency/version_publish.html", {"version": version, "current": current}, publish)


def version_diff(request: HttpRequest, pk: int, other_pk: int) -> HttpResponse:
    new = _version(request, pk)
    old = _version(request, other_pk)
    if old.framework_id != new.framework_id:
        raise Http404("Versions of different frameworks cannot be compared.")
    if old.number > new.number:
        old, new = new, old
    return render(request, "competency/version_diff.html", {
        "diff": selectors.version_diff(old, new), "old": old, "new": new,
        "versions": selectors.framework_versions(new.framework, request.user),
    })


def version_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    version = _version(request, pk, "version.export")
    if fmt == "proficio-csv":
        body, content_type, extension = exporters.proficio_csv(version), "text/csv", "csv"
    elif fmt == "moodle-csv":
        body, content_type, extension = exporters.moodle_csv(version), "text/csv", "moodle.csv"
    elif fmt == "case-json":
        base = request.build_absolute_uri("/")
        body, content_type, extension = exporters.case_json(version, base_uri=base), "application/json", "case.json"
    else:
        raise Http404("Unknown export format.")
    response = HttpResponse(body, content_type=f"{content_type}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{exporters.export_filename(version, extension)}"'
    return response


# --- areas and competencies ------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def area_create(request: HttpRequest, pk: int) -> HttpResponse:
    version = _version(request, pk, "version.edit")
    form = AreaForm(request.POST or None)

    def create() -> HttpResponse:
        area = services.area_create(version=version, **form.cleaned_data)
        return done(request, f"Area {area.name} added.", reverse("competency:version_detail", args=[pk]) + f"#area-{area.pk}")

    return form_page(request, form, "competency/area_form.html", {"version": version}, create)


def _area(request: HttpRequest, pk: int, action: str) -> CompetencyArea:
    return get_for_user(request.user, CompetencyArea.objects.select_related("version__framework"), action, pk=pk)


@require_http_methods(["GET", "POST"])
def area_edit(request: HttpRequest, pk: int) -> HttpResponse:
    area = _area(request, pk, "area.edit")
    form = AreaForm(request.POST or None, instance=area)

    def save() -> HttpResponse:
        services.area_update(area=area, **{f: form.cleaned_data[f] for f in ("code", "name", "description")})
        return done(request, f"Area {area.name} saved.",
                    reverse("competency:version_detail", args=[area.version_id]) + f"#area-{area.pk}")

    return form_page(request, form, "competency/area_form.html", {"version": area.version, "area": area}, save)


@require_http_methods(["GET", "POST"])
def area_delete(request: HttpRequest, pk: int) -> HttpResponse:
    area = _area(request, pk, "area.edit")
    return _delete_page(request, area, "area", f"Area {area.name}", lambda: services.area_delete(area=area))


def _delete_page(request: HttpRequest, node, kind: str, label: str, delete) -> HttpResponse:
    """Asks before deleting an area or competency of a draft; a refusal (it still has content or
    comments) returns to the version with the reason."""
    back = reverse("competency:version_detail", args=[node.version_id])
    if request.method == "POST":
        try:
            delete()
        except ValidationError as error:
            return refuse(request, error, back)
        return done(request, f"{label} deleted.", back)
    return render(request, "competency/confirm_delete.html", {"object": node, "kind": kind, "back": back})


@require_POST
def area_move(request: HttpRequest, pk: int, direction: str) -> HttpResponse:
    area = _area(request, pk, "area.edit")
    services.node_move(node=area, direction=direction)
    return redirect(reverse("competency:version_detail", args=[area.version_id]) + f"#area-{area.pk}")


def _competency(request: HttpRequest, pk: int, action: str) -> Competency:
    return get_for_user(
        request.user, Competency.objects.select_related("version__framework__scale", "area"), action, pk=pk
    )


@require_http_methods(["GET", "POST"])
def competency_create(request: HttpRequest, pk: int) -> HttpResponse:
    area = _area(request, pk, "area.edit")
    levels = area.version.framework.scale.levels.all()
    form = CompetencyForm(request.POST or None, area=area, levels=levels, initial={"parent": request.GET.get("parent")})

    def create() -> HttpResponse:
        data = form.cleaned_data
        with transaction.atomic():
            competency = services.competency_create(
                area=area, code=data["code"], name=data["name"], description=data["description"],
                parent=data["parent"], clauses=data["clauses"],
            )
            services.indicators_replace(competency=competency, indicators=form.indicators())
        return done(request, f"Competency {competency.code} added.",
                    reverse("competency:version_detail", args=[area.version_id]) + f"#competency-{competency.pk}")

    return form_page(request, form, "competency/competency_form.html", {"version": area.version, "area": area}, create)


@require_http_methods(["GET", "POST"])
def competency_edit(request: HttpRequest, pk: int) -> HttpResponse:
    competency = _competency(request, pk, "competency.edit")
    levels = competency.version.framework.scale.levels.all()
    indicators: dict[int, list[str]] = {}
    for indicator in competency.indicators.all():
        indicators.setdefault(indicator.level, []).append(indicator.text)
    initial = {
        "code": competency.code, "name": competency.name, "description": competency.description,
        "parent": competency.parent_id, "clauses": ", ".join(c.number for c in competency.clauses.all()),
        **{f"level_{level}": "\n".join(texts) for level, texts in indicators.items()},
    }
    form = CompetencyForm(request.POST or None, area=competency.area, levels=levels, competency=competency,
                          initial=initial)

    def save() -> HttpResponse:
        data = form.cleaned_data
        services.competency_update(
            competency=competency, code=data["code"], name=data["name"], description=data["description"],
            clauses=data["clauses"], indicators=form.indicators(),
        )
        return done(request, f"Competency {competency.code} saved.",
                    reverse("competency:version_detail", args=[competency.version_id]) + f"#competency-{competency.pk}")

    return form_page(request, form, "competency/competency_form.html",
                     {"version": competency.version, "area": competency.area, "competency": competency}, save)


@require_http_methods(["GET", "POST"])
def competency_delete(request: HttpRequest, pk: int) -> HttpResponse:
    competency = _competency(request, pk, "competency.edit")
    return _delete_page(request, competency, "competency", f"Competency {competency.code}",
                        lambda: services.competency_delete(competency=competency))


@require_POST
def competency_move(request: HttpRequest, pk: int, direction: str) -> HttpResponse:
    competency = _competency(request, pk, "competency.edit")
    services.node_move(node=competency, direction=direction)
    return redirect(reverse("competency:version_detail", args=[competency.version_id]) + f"#competency-{competency.pk}")


# --- stakeholder review ----------------------------------------------------------------------------


def version_review(request: HttpRequest, pk: int) -> HttpResponse:
    version = _version(request, pk, "version.review")
    return render(request, "competency/version_review.html", _review_context(request, version))


def _review_context(request: HttpRequest, version: FrameworkVersion, **forms) -> dict:
    user = request.user
    can_manage = can(user, "version.manage", version)
    can_comment = can(user, "version.comment", version)
    return {
        "version": version,
        "tree": selectors.version_tree(version, with_comments=True),
        "invitations": version.invitations.select_related("user", "invited_by"),
        "can_manage": can_manage,
        "can_comment": can_comment,
        "invite_form": forms.get("invite_form") or (InviteForm(version=version) if can_manage and version.status == "in_review" else None),
        "comment_form": forms.get("comment_form") or (CommentForm(version=version) if can_comment else None),
        "resolve_form": ResolveForm() if can_manage else None,
    }


@require_POST
def version_invite(request: HttpRequest, pk: int) -> HttpResponse:
    version = _version(request, pk, "version.manage")
    form = InviteForm(request.POST, version=version)
    if not form.is_valid():
        return invalid(request, "competency/version_review.html", _review_context(request, version, invite_form=form))
    try:
        invited = services.review_invite(version=version, users=form.cleaned_data["users"], actor=request.user,
                                         base_url=request.build_absolute_uri("/").rstrip("/"))
    except ValidationError as error:
        return refuse(request, error, reverse("competency:version_review", args=[pk]))
    messages.success(request, f"Invited {len(invited)} stakeholder{'s' if len(invited) != 1 else ''}; each has an email with the link.")
    return redirect("competency:version_review", pk=pk)


@require_POST
def comment_add(request: HttpRequest, pk: int) -> HttpResponse:
    version = _version(request, pk, "version.comment")
    form = CommentForm(request.POST, version=version)
    if not form.is_valid():
        return invalid(request, "competency/version_review.html", _review_context(request, version, comment_form=form))
    try:
        comment = services.review_comment_add(version=version, author=request.user, **form.cleaned_data)
    except ValidationError as error:
        return refuse(request, error, reverse("competency:version_review", args=[pk]))
    messages.success(request, "Comment added. The framework's owner answers it before approval.")
    return redirect(reverse("competency:version_review", args=[pk]) + f"#comment-{comment.pk}")


@require_POST
def comment_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    comment = get_for_user(request.user, ReviewComment.objects.select_related("version"), "comment.resolve", pk=pk)
    back = reverse("competency:version_review", args=[comment.version_id]) + f"#comment-{comment.pk}"
    form = ResolveForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose accept or reject and write a reply to the stakeholder.")
        return redirect(back)
    try:
        services.review_comment_resolve(comment=comment, actor=request.user,
                                        accept=form.cleaned_data["decision"] == "accept", reply=form.cleaned_data["reply"])
    except ValidationError as error:
        return refuse(request, error, back)
    messages.success(request, "Reply saved.")
    return redirect(back)


# --- import ----------------------------------------------------------------------------------------


@permission_required("framework.import")
@require_http_methods(["GET", "POST"])
def framework_import(request: HttpRequest) -> HttpResponse:
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    context = {"form": form}
    if request.method == "POST":
        if not form.is_valid():
            return invalid(request, "competency/import_upload.html", context)
        data = form.cleaned_data
        upload = data["file"]
        try:
            text = importers.decode(upload.read(), data["encoding"])
            options = {"delimiter": data["delimiter"], "encoding": data["encoding"]}
            _read_plan(data["format"], text, options)  # a file that cannot be read is refused here
        except importers.ImportFailed as failure:
            context["failure"] = failure
            return invalid(request, "competency/import_upload.html", context)
        except NeedsMapping:
            pass  # the preview page asks for the column mapping
        pending = FrameworkImport.objects.create(
            created_by=request.user, format=data["format"], filename=upload.name[:255], content=text, options=options
        )
        return redirect("competency:import_preview", pk=pending.pk)
    return render(request, "competency/import_upload.html", context)


class NeedsMapping(Exception):
    """A Moodle file whose columns could not all be placed by position or header."""


def _read_plan(fmt: str, text: str, options: dict) -> importers.ImportPlan:
    if fmt == ImportFormat.MOODLE_CSV:
        mapping = options.get("mapping")
        if mapping is None and not importers.moodle_layout_is_standard(
            importers.moodle_header(text, options["delimiter"])
        ):
            raise NeedsMapping  # the user checks the suggested mapping before anything is read by it
        return importers.read_moodle_csv(text, delimiter=options["delimiter"], mapping=mapping)
    if fmt == ImportFormat.CASE_JSON:
        return importers.read_case_json(text)
    return importers.read_proficio_csv(text, delimiter=options["delimiter"])


def _pending_import(request: HttpRequest, pk: int, action: str) -> FrameworkImport:
    return get_for_user(request.user, FrameworkImport.objects.select_related("framework"), action, pk=pk)


def _already_imported(request: HttpRequest, pending: FrameworkImport) -> HttpResponse:
    messages.info(request, f"{pending.filename} has already been imported as {pending.framework.name}.")
    return redirect("competency:framework_detail", pk=pending.framework_id)


def _preview_context(pending: FrameworkImport, *, confirm_form=None, mapping_form=None) -> dict:
    options = pending.options
    context: dict = {"pending": pending, "plan": None, "failure": None, "mapping_form": mapping_form}
    if pending.format == ImportFormat.MOODLE_CSV:
        header = importers.moodle_header(pending.content, options["delimiter"])
        mapping = options.get("mapping") or importers.suggest_moodle_mapping(header)
        context["mapping_form"] = mapping_form or MoodleMappingForm(header=header, initial_mapping=mapping)
    try:
        plan = _read_plan(pending.format, pending.content, {**options, "mapping": options.get("mapping")})
    except importers.ImportFailed as failure:
        context["failure"] = failure
        return context
    except NeedsMapping:
        context["needs_mapping"] = True
        return context
    context["plan"] = plan
    context["tree_preview"] = plan.ordered()[:PREVIEW_NODES]
    context["more_nodes"] = max(0, len(plan.nodes) - PREVIEW_NODES)
    matched = importers.matching_scale(plan.scale) if plan.scale else None
    if plan.scale is None:
        choices, required, empty = ProficiencyScale.objects.all(), True, None
    else:
        choices = ProficiencyScale.objects.annotate(level_count=Count("levels")).filter(
            level_count=len(plan.scale.level_names)
        )
        required = False
        empty = (f"Use the matching scale “{matched.name}”" if matched
                 else f"Create “{plan.scale.name}” from the file's {len(plan.scale.level_names)} levels")
    context["matched_scale"] = matched
    if plan.scale:
        context["proficient_name"] = plan.scale.level_names[plan.scale.proficient_value - 1]
    context["confirm_form"] = confirm_form or ImportConfirmForm(
        initial={"name": plan.name, "code": plan.code, "scale": default_scale() if plan.scale is None else None},
        scale_choices=choices, scale_required=required, empty_label=empty,
    )
    return context


PREVIEW_NODES = 400


@require_http_methods(["GET", "POST"])
def import_preview(request: HttpRequest, pk: int) -> HttpResponse:
    pending = _pending_import(request, pk, "import.view")
    if pending.framework_id:
        return _already_imported(request, pending)
    if request.method == "POST":  # the Moodle column mapping
        if pending.format != ImportFormat.MOODLE_CSV:
            raise Http404("Only Moodle files have a column mapping.")
        header = importers.moodle_header(pending.content, pending.options["delimiter"])
        form = MoodleMappingForm(request.POST, header=header, initial_mapping={})
        if not form.is_valid():
            return invalid(request, "competency/import_preview.html", _preview_context(pending, mapping_form=form))
        pending.options = {**pending.options, "mapping": form.mapping()}
        pending.save(update_fields=["options"])
        context = _preview_context(pending)
        if context["failure"]:
            return invalid(request, "competency/import_preview.html", context)
        return redirect("competency:import_preview", pk=pk)
    return render(request, "competency/import_preview.html", _preview_context(pending))


@require_POST
def import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    pending = _pending_import(request, pk, "import.confirm")
    if pending.framework_id:
        return _already_imported(request, pending)
    context = _preview_context(pending)
    if context["plan"] is None:
        return invalid(request, "competency/import_preview.html", context)
    form = ImportConfirmForm(
        request.POST, scale_choices=context["confirm_form"].fields["scale"].queryset,
        scale_required=context["confirm_form"].fields["scale"].required,
        empty_label=context["confirm_form"].fields["scale"].empty_label,
    )
    context["confirm_form"] = form
    if not form.is_valid():
        return invalid(request, "competency/import_preview.html", context)
    try:
        with transaction.atomic():
            # The row lock makes a second confirm of the same upload wait, then find it already used.
            locked = FrameworkImport.objects.select_for_update().get(pk=pending.pk)
            if locked.framework_id:
                return _already_imported(request, locked)
            version = importers.apply_plan(
                context["plan"], actor=request.user, name=form.cleaned_data["name"], code=form.cleaned_data["code"],
                scale=form.cleaned_data["scale"], change_note=f"Imported from {pending.filename}.",
            )
            locked.framework = version.framework
            locked.save(update_fields=["framework"])
    except ValidationError as error:
        apply_form_errors(form, error)
        return invalid(request, "competency/import_preview.html", context)
    plan = context["plan"]
    messages.success(
        request,
        f"Imported {len(plan.areas)} area{'s' if len(plan.areas) != 1 else ''} and {len(plan.competencies)} "
        f"competenc{'ies' if len(plan.competencies) != 1 else 'y'} into {version}, a draft.",
    )
    return redirect("competency:version_detail", pk=version.pk)

