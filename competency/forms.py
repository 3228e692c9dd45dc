from __future__ import annotations

import re

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone

from accounts.forms import PlainFormMixin, limit_upload_size
from accounts.models import Role

from .importers import DELIMITERS, ENCODINGS, MOODLE_FIELDS, split_indicators
from .trees import subtree
from .models import Competency, CompetencyArea, Framework, ImportFormat, IsoClause, ProficiencyScale

DEFAULT_SCALE_NAME = "Proficio 1-5"


def default_scale() -> ProficiencyScale | None:
    return ProficiencyScale.objects.filter(name=DEFAULT_SCALE_NAME).first()


class FrameworkCreateForm(PlainFormMixin, forms.ModelForm):
    class Meta:
        model = Framework
        fields = ["name", "code", "description", "scale"]
        help_texts = {"scale": "Every version of the framework uses this scale; it cannot change later."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scale"].initial = default_scale()
        self.fields["description"].widget.attrs["rows"] = 3


def _clean_code(value: str) -> str:
    """Codes are short, on one line, without commas (Moodle separates related codes with them).
    Imported codes such as Moodle's "child #1" stay valid, so that an imported competency can be saved."""
    value = value.strip()
    if not value or any(char in value for char in ",\n\r\t"):
        raise forms.ValidationError("Use a short code on one line without commas, e.g. SV-01.")
    return value


class AreaForm(PlainFormMixin, forms.ModelForm):
    class Meta:
        model = CompetencyArea
        fields = ["code", "name", "description"]
        help_texts = {"code": "Short and stable, e.g. SV for Strategic Vision."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["description"].widget.attrs["rows"] = 3

    def clean_code(self) -> str:
        return _clean_code(self.cleaned_data["code"])


class CompetencyForm(PlainFormMixin, forms.Form):
    """A competency with its clause mapping and, per proficiency level, its behavioural indicators."""

    code = forms.CharField(max_length=100, help_text="Stable code, e.g. SV-01.")
    name = forms.CharField(max_length=255)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    parent = forms.ModelChoiceField(
        queryset=Competency.objects.none(), required=False, empty_label="— directly in the area —",
        help_text="Nest it below another competency of the same area (optional).",
    )
    clauses = forms.CharField(
        label="ISO 9001 clauses", required=False,
        help_text="The clauses this competency supports, separated by commas, e.g. 5.1, 7.2, 9.2.",
    )

    def __init__(self, *args, area: CompetencyArea, levels, competency: Competency | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.area, self.levels, self.competency = area, list(levels), competency
        parents = Competency.objects.filter(area=area).order_by("position", "pk")
        if competency is not None:
            parents = parents.exclude(pk__in=_self_and_descendants(competency))
            self.fields["parent"].disabled = True  # moving within the tree is done with the arrows
        self.fields["parent"].queryset = parents
        for level in self.levels:
            self.fields[f"level_{level.value}"] = forms.CharField(
                label=f"Level {level.value} · {level.name}: behavioural indicators",
                required=False,
                widget=forms.Textarea(attrs={"rows": 3}),
                help_text="One observable behaviour per line.",
            )

    def clean_code(self) -> str:
        return _clean_code(self.cleaned_data["code"])

    def clean_clauses(self) -> list[IsoClause]:
        numbers = [n for n in re.split(r"[;,\s]+", self.cleaned_data["clauses"]) if n]
        found = {clause.number: clause for clause in IsoClause.objects.filter(number__in=numbers)}
        unknown = [n for n in numbers if n not in found]
        if unknown:
            raise forms.ValidationError(f"Not an ISO 9001:2015 clause: {', '.join(unknown)}.")
        return [found[n] for n in dict.fromkeys(numbers)]

    def indicators(self) -> dict[int, list[str]]:
        return {level.value: split_indicators(self.cleaned_data[f"level_{level.value}"]) for level in self.levels}


def _self_and_descendants(competency: Competency) -> set[int]:
    return subtree(Competency.objects.filter(area=competency.area_id).values_list("pk", "parent_id"), competency.pk)


class ApproveForm(PlainFormMixin, forms.Form):
    change_note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What this version changes and why. It is kept with the approval as part of the record.",
    )


class PublishForm(PlainFormMixin, forms.Form):
    effective_date = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), initial=timezone.localdate,
        help_text="From this date the version is in force; publishing retires the version it replaces.",
    )


class InviteForm(PlainFormMixin, forms.Form):
    users = forms.CharField(
        label="Stakeholders", widget=forms.Textarea(attrs={"rows": 3, "placeholder": "name@example.com"}),
        help_text="Email addresses of people with a Proficio account, separated by commas or new lines. "
                  "Each receives an email with a link to the review.",
    )

    def __init__(self, *args, version, **kwargs):
        super().__init__(*args, **kwargs)
        self.version = version

    def clean_users(self) -> list:
        emails = list(dict.fromkeys(e.strip().lower() for e in re.split(r"[,;\s]+", self.cleaned_data["users"]) if e.strip()))
        users = {u.email: u for u in get_user_model().objects.filter(email__in=emails, is_active=True)}
        unknown = [email for email in emails if email not in users]
        if unknown:
            raise forms.ValidationError(f"No active account has the email {', '.join(unknown)}.")
        auditors = [email for email, user in users.items() if user.role == Role.AUDITOR]
        if auditors:
            raise forms.ValidationError(f"Auditors only read; they cannot review: {', '.join(auditors)}.")
        return [users[email] for email in emails]


class CommentForm(PlainFormMixin, forms.Form):
    competency = forms.ModelChoiceField(
        queryset=Competency.objects.none(), required=False, empty_label="The framework as a whole",
        label="About",
    )
    body = forms.CharField(label="Comment", widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, version, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["competency"].queryset = version.competencies.order_by("code")


class ResolveForm(PlainFormMixin, forms.Form):
    decision = forms.ChoiceField(choices=[("accept", "Accept"), ("reject", "Reject")], widget=forms.RadioSelect)
    reply = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), help_text="Tell the stakeholder what you did.")


class ImportUploadForm(PlainFormMixin, forms.Form):
    file = forms.FileField(help_text="CSV or JSON, up to 10 MB.")
    format = forms.ChoiceField(choices=ImportFormat.choices, widget=forms.RadioSelect, initial=ImportFormat.MOODLE_CSV)
    delimiter = forms.ChoiceField(choices=list(DELIMITERS.items()), initial=",", help_text="CSV files only.")
    encoding = forms.ChoiceField(choices=list(ENCODINGS.items()), initial="utf-8")

    def clean_file(self):
        return limit_upload_size(self.cleaned_data["file"])


class MoodleMappingForm(PlainFormMixin, forms.Form):
    """Which column of the file holds each of Moodle's fields (older exports order them differently)."""

    def __init__(self, *args, header: list[str], initial_mapping: dict[str, int], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("-1", "— not in this file —")] + [(str(i), f"{i + 1}: {label or '(no header)'}") for i, label in enumerate(header)]
        for key, label, _aliases in MOODLE_FIELDS:
            self.fields[key] = forms.TypedChoiceField(
                label=label, choices=choices, coerce=int, empty_value=-1, required=False,
                initial=str(initial_mapping.get(key, -1)),
            )

    def mapping(self) -> dict[str, int]:
        return {key: self.cleaned_data[key] for key, _label, _aliases in MOODLE_FIELDS}


class ImportConfirmForm(PlainFormMixin, forms.Form):
    name = forms.CharField(max_length=200, label="Framework name")
    code = forms.SlugField(max_length=100, help_text="A short unique identifier, e.g. oecd-core.")
    scale = forms.ModelChoiceField(
        queryset=ProficiencyScale.objects.none(), required=False,
        help_text="The proficiency scale of the framework.",
    )

    def __init__(self, *args, scale_choices, scale_required: bool, empty_label: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scale"].queryset = scale_choices
        self.fields["scale"].required = scale_required
        self.fields["scale"].empty_label = empty_label

    def clean_code(self) -> str:
        code = self.cleaned_data["code"]
        if Framework.objects.filter(code=code).exists():
            raise forms.ValidationError(f"A framework with the code {code} already exists; choose another.")
        return code
