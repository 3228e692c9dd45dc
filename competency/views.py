"""Pages of the competency framework. Each view: permission check, a form or service call, a response.

Refusals because of a version's state (frozen, open comments, a double submit) come back as a message
on the page the user came from; invalid forms are shown again with status 400.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from accounts.permissions import can, get_for_user, permission_required, require
from core.responses import apply_form_errors, done, form_page, invalid, refuse
from core.uploads import ImportFailed
from signatures import services as signing

from . import formats, selectors, services
from .filters import FrameworkFilter
from .forms import (
    ApproveForm,
    AreaForm,
    CommentForm,
    CompetencyForm,
    FrameworkCreateForm,
    FrameworkEditForm,
    ImportConfirmForm,
    ImportUploadForm,
    InviteForm,
    MoodleMappingForm,
    PublishForm,
    ResolveForm,
    ScaleForm,
)
from .formats import moodle_csv
from .models import (
    CommentStatus,
    Competency,
    CompetencyArea,
    Framework,
    FrameworkImport,
    FrameworkVersion,
    ImportFormat,
    ProficiencyScale,
    ReviewComment,
    VersionStatus,
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
        "can_edit": can(request.user, "framework.edit", framework),
        "can_delete": can(request.user, "framework.delete", framework),
    })


@require_http_methods(["GET", "POST"])
def framework_edit(request: HttpRequest, pk: int) -> HttpResponse:
    framework = get_for_user(request.user, Framework.objects.select_related("scale"), "framework.edit", pk=pk)
    form = FrameworkEditForm(request.POST or None, instance=framework)

    def save() -> HttpResponse:
        services.framework_update(framework=framework, actor=request.user, **form.cleaned_data)
        return done(request, f"{form.cleaned_data['name']} saved.", reverse("competency:framework_detail", args=[pk]))

    return form_page(request, form, "competency/framework_edit.html", {"framework": framework}, save)


@require_http_methods(["GET", "POST"])
def framework_delete(request: HttpRequest, pk: int) -> HttpResponse:
    framework = get_for_user(request.user, Framework.objects.all(), "framework.delete", pk=pk)
    return _delete_page(
        request, framework, "framework", framework.name,
        lambda: services.framework_delete(framework=framework, actor=request.user),
        back=reverse("competency:framework_detail", args=[pk]), then=reverse("competency:framework_list"),
        consequence="Its draft and everything in it are deleted. The audit history keeps a record of them.",
    )


# --- a version -------------------------------------------------------------------------------------


def _version(request: HttpRequest, pk: int, action: str = "version.view") -> FrameworkVersion:
    return get_for_user(request.user, selectors.version_for_page(pk), action, pk=pk)


def version_detail(request: HttpRequest, pk: int) -> HttpResponse:
    version = _version(request, pk)
    user = request.user
    tree = selectors.version_tree(version)
    return render(request, "competency/version_detail.html", {
        "version": version,
        "tree": tree,
        "can_edit": can(user, "version.edit", version),
        "can_manage": can(user, "version.manage", version),
        "can_comment": can(user, "version.comment", version),
        "has_comments": version.comments.exists(),
        "signatures": signing.signatures_for(version),
        "previous": version.based_on if version.based_on and can(user, "version.view", version.based_on) else None,
        "exports": formats.EXPORTS.values(),
        "moodle_shortened": moodle_csv.shortened_names(tree),
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
        "version": version, "open_comments": version.comments.filter(status=CommentStatus.OPEN).count(),
        "segregation": signing.segregation_refusal(version, request.user),
    }, approve)


@require_http_methods(["GET", "POST"])
def version_publish(request: HttpRequest, pk: int) -> HttpResponse:
    version = _version(request, pk, "version.manage")
    form = PublishForm(request.POST or None)
    current = version.framework.versions.filter(status=VersionStatus.PUBLISHED).exclude(pk=pk).first()

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
    export = formats.EXPORTS.get(fmt)
    if export is None:
        raise Http404("Unknown export format.")
    return export.download(version)


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


def _delete_page(request: HttpRequest, obj, kind: str, label: str, delete, *, back: str | None = None,
                 then: str | None = None, deleted: str | None = None, consequence: str = "") -> HttpResponse:
    """Asks before `delete()`; a refusal (the thing is in use, or has content or comments) returns to
    `back` with the reason, a deletion goes on to `then`. An area or competency of a draft returns to
    its version either way."""
    back = back or reverse("competency:version_detail", args=[obj.version_id])
    if request.method == "POST":
        try:
            delete()
        except ValidationError as error:
            return refuse(request, error, back)
        return done(request, deleted or f"{label} deleted.", then or back)
    return render(request, "competency/confirm_delete.html", {"object": obj, "kind": kind, "label": label,
                                                              "back": back, "consequence": consequence})


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


def competency_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One competency with the behaviours that show each level; `?level=3` marks the level a role requires."""
    competency = get_for_user(request.user, Competency.objects.select_related("version__framework__scale", "area"),
                              "competency.view", pk=pk)
    levels = list(competency.version.framework.scale.levels.order_by("value"))
    indicators: dict[int, list[str]] = {}
    for indicator in competency.indicators.order_by("level", "position", "pk"):
        indicators.setdefault(indicator.level, []).append(indicator.text)
    try:
        marked = int(request.GET.get("level", ""))
    except ValueError:
        marked = None
    return render(request, "competency/competency_detail.html", {
        "competency": competency, "version": competency.version, "marked": marked,
        "levels": [(level, indicators.get(level.value, [])) for level in levels],
        "clauses": competency.clauses.order_by("sort_key"),
    })


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
        "invite_form": forms.get("invite_form") or (
            InviteForm(version=version) if can_manage and version.status == VersionStatus.IN_REVIEW else None),
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
        invited = services.review_invite(version=version, users=form.cleaned_data["users"], actor=request.user)
    except ValidationError as error:
        return refuse(request, error, reverse("competency:version_review", args=[pk]))
    if invited:
        messages.success(request, f"Invited {len(invited)} stakeholder{'s' if len(invited) != 1 else ''}; "
                                  "each has an email with the link.")
    else:
        messages.info(request, "Everyone you named was invited already; nobody new was sent an email.")
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
        try:
            pending = services.framework_import_stage(
                actor=request.user, fmt=data["format"], filename=data["file"].name, raw=data["file"].read(),
                delimiter=data["delimiter"], encoding=data["encoding"],
            )
        except ImportFailed as failure:
            context["failure"] = failure
            return invalid(request, "competency/import_upload.html", context)
        return redirect("competency:import_preview", pk=pending.pk)
    return render(request, "competency/import_upload.html", context)


def _pending_import(request: HttpRequest, pk: int, action: str) -> FrameworkImport:
    return get_for_user(request.user, FrameworkImport.objects.select_related("framework"), action, pk=pk)


def _already_imported(request: HttpRequest, pending: FrameworkImport) -> HttpResponse:
    messages.info(request, f"{pending.filename} has already been imported as {pending.framework.name}.")
    return redirect("competency:framework_detail", pk=pending.framework_id)


def _preview_context(preview: selectors.ImportPreview, *, confirm_form=None, mapping_form=None) -> dict:
    plan = preview.plan
    context: dict = {"preview": preview, "pending": preview.pending, "plan": plan, "failure": preview.failure,
                     "needs_mapping": preview.needs_mapping}
    if preview.pending.format == ImportFormat.MOODLE_CSV and preview.header:
        context["mapping_form"] = mapping_form or MoodleMappingForm(header=preview.header,
                                                                    initial_mapping=preview.mapping)
    if plan is None:
        return context
    context["tree_preview"] = plan.ordered()[:selectors.PREVIEW_NODES]
    context["more_nodes"] = max(0, len(plan.nodes) - selectors.PREVIEW_NODES)
    if not preview.scale_problem:
        context["confirm_form"] = confirm_form or ImportConfirmForm(preview=preview, initial={
            "name": preview.suggested_name, "code": preview.suggested_code, "scale": preview.default_scale,
        })
    return context


@require_http_methods(["GET", "POST"])
def import_preview(request: HttpRequest, pk: int) -> HttpResponse:
    pending = _pending_import(request, pk, "import.view")
    if pending.framework_id:
        return _already_imported(request, pending)
    if request.method == "POST":  # the Moodle column mapping
        if pending.format != ImportFormat.MOODLE_CSV:
            raise Http404("Only Moodle files have a column mapping.")
        header = moodle_csv.header(pending.content, pending.options["delimiter"])
        form = MoodleMappingForm(request.POST, header=header, initial_mapping={})
        if not form.is_valid():
            return invalid(request, "competency/import_preview.html",
                           _preview_context(selectors.import_preview(pending), mapping_form=form))
        try:
            services.framework_import_set_mapping(pending=pending, mapping=form.mapping())
        except ImportFailed:
            preview = selectors.import_preview(pending, mapping=form.mapping())
            return invalid(request, "competency/import_preview.html", _preview_context(preview, mapping_form=form))
        return redirect("competency:import_preview", pk=pk)
    return render(request, "competency/import_preview.html", _preview_context(selectors.import_preview(pending)))


@require_POST
def import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    pending = _pending_import(request, pk, "import.confirm")
    if pending.framework_id:
        return _already_imported(request, pending)
    preview = selectors.import_preview(pending)
    if preview.plan is None or preview.scale_problem:
        return invalid(request, "competency/import_preview.html", _preview_context(preview))
    form = ImportConfirmForm(request.POST, preview=preview)
    context = _preview_context(preview, confirm_form=form)
    if not form.is_valid():
        return invalid(request, "competency/import_preview.html", context)
    try:
        version = services.framework_import_confirm(pending=pending, actor=request.user, **form.cleaned_data)
    except ValidationError as error:
        pending.refresh_from_db()
        if pending.framework_id:
            return _already_imported(request, pending)
        apply_form_errors(form, error)
        return invalid(request, "competency/import_preview.html", context)
    plan = preview.plan
    messages.success(
        request,
        f"Imported {len(plan.areas)} area{'s' if len(plan.areas) != 1 else ''} and {len(plan.competencies)} "
        f"competenc{'ies' if len(plan.competencies) != 1 else 'y'} into {version}, a draft.",
    )
    return redirect("competency:version_detail", pk=version.pk)


# --- proficiency scales ----------------------------------------------------------------------------


@permission_required("scale.browse")
def scale_list(request: HttpRequest) -> HttpResponse:
    scales = list(selectors.scales_for_list())
    return render(request, "competency/scale_list.html", {
        "scales": scales, "can_create": can(request.user, "scale.create"),
    })


@permission_required("scale.create")
@require_http_methods(["GET", "POST"])
def scale_create(request: HttpRequest) -> HttpResponse:
    form = ScaleForm(request.POST or None, initial={"proficient_value": 3})

    def create() -> HttpResponse:
        scale = services.scale_create(actor=request.user, name=form.cleaned_data["name"],
                                      description=form.cleaned_data["description"],
                                      proficient_value=form.cleaned_data["proficient_value"], levels=form.levels())
        return done(request, f"Scale {scale.name} created.", reverse("competency:scale_detail", args=[scale.pk]))

    return form_page(request, form, "competency/scale_form.html", {}, create)


def scale_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scale = get_for_user(request.user, ProficiencyScale.objects.all(), "scale.view", pk=pk)
    frozen_by = scale.frozen_by()
    return render(request, "competency/scale_detail.html", {
        "scale": scale, "levels": scale.levels.order_by("value"), "frozen_by": frozen_by,
        "frameworks": scale.frameworks.order_by("name"),
        "can_edit": frozen_by is None and can(request.user, "scale.edit", scale),
        "can_delete": can(request.user, "scale.delete", scale),
        "can_copy": can(request.user, "scale.create"),
    })


@require_http_methods(["GET", "POST"])
def scale_edit(request: HttpRequest, pk: int) -> HttpResponse:
    scale = get_for_user(request.user, ProficiencyScale.objects.all(), "scale.edit", pk=pk)
    form = ScaleForm(request.POST or None, scale=scale, initial=ScaleForm.initial_for(scale))

    def save() -> HttpResponse:
        services.scale_update(actor=request.user, scale=scale, name=form.cleaned_data["name"],
                              description=form.cleaned_data["description"],
                              proficient_value=form.cleaned_data["proficient_value"], levels=form.levels())
        return done(request, f"Scale {form.cleaned_data['name']} saved.", reverse("competency:scale_detail", args=[pk]))

    return form_page(request, form, "competency/scale_form.html", {"scale": scale}, save)


@require_http_methods(["GET", "POST"])
def scale_delete(request: HttpRequest, pk: int) -> HttpResponse:
    scale = get_for_user(request.user, ProficiencyScale.objects.all(), "scale.delete", pk=pk)
    return _delete_page(
        request, scale, "scale", scale.name, lambda: services.scale_delete(actor=request.user, scale=scale),
        back=reverse("competency:scale_detail", args=[pk]), then=reverse("competency:scale_list"),
        deleted=f"Scale {scale.name} deleted.",
        consequence="No framework uses it. The audit history keeps a record of it.",
    )


@require_POST
def scale_copy(request: HttpRequest, pk: int) -> HttpResponse:
    scale = get_for_user(request.user, ProficiencyScale.objects.all(), "scale.view", pk=pk)
    require(request.user, "scale.create")
    with transaction.atomic():
        copy = services.scale_copy(actor=request.user, scale=scale)
    return done(request, f"{copy.name} created from {scale.name}; change it as you need.",
                reverse("competency:scale_edit", args=[copy.pk]))
