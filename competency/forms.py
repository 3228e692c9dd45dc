from __future__ import annotations

import re

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone

from accounts.models import Role
from core.forms import PlainFormMixin
from core.trees import natural_key, subtree
from core.uploads import DELIMITERS, ENCODINGS, limit_upload_size
from signatures.forms import SignatureForm

from .formats.moodle_csv import FIELDS as MOODLE_FIELDS
from .formats.plan import split_indicators
from .models import Competency, CompetencyArea, Framework, ImportFormat, IsoClause, ProficiencyScale
from .selectors import DEFAULT_SCALE_NAME

#: A scale has at most this many levels (the scale pages offer this many rows).
MAX_LEVELS = 10


def default_scale() -> ProficiencyScale | None:
    return ProficiencyScale.objects.filter(name=DEFAULT_SCALE_NAME).first()


def clean_framework_name(name: str, framework: Framework | None = None) -> str:
    """Two frameworks of one name cannot be told apart in lists and filters."""
    name = name.strip()
    others = Framework.objects.filter(name__iexact=name)
    if framework is not None:
        others = others.exclude(pk=framework.pk)
    if others.exists():
        raise forms.ValidationError(f"A framework called “{name}” exists already; give this one its own name.")
    return name


CODE_HELP = "A short unique identifier in lower case, digits and hyphens, e.g. iso9001-leadership."
CODE_ERROR = {"invalid": "Use lower-case letters, digits and hyphens only, e.g. iso9001-leadership."}


class FrameworkCreateForm(PlainFormMixin, forms.ModelForm):
    class Meta:
        model = Framework
        fields = ["name", "code", "description", "scale"]
        help_texts = {"scale": "Every version of the framework uses this scale; it cannot change later.",
                      "code": CODE_HELP}
        error_messages = {"code": CODE_ERROR}

    def clean_name(self) -> str:
        return clean_framework_name(self.cleaned_data["name"])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scale"].initial = default_scale()
        self.fields["scale"].queryset = ProficiencyScale.objects.filter(levels__isnull=False).distinct().order_by("name")
        self.fields["description"].widget.attrs["rows"] = 3


class FrameworkEditForm(PlainFormMixin, forms.ModelForm):
    class Meta:
        model = Framework
        fields = ["name", "description"]
        help_texts = {"name": "Shown in lists, exports and on people's pages. The change is kept in the history."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["description"].widget.attrs["rows"] = 4

    def clean_name(self) -> str:
        return clean_framework_name(self.cleaned_data["name"], self.instance)

    def _post_clean(self):
        pass  # the service applies and validates the change


class ScaleForm(PlainFormMixin, forms.Form):
    """A scale with up to MAX_LEVELS named levels, numbered 1 to n in order; one of them is where
    proficiency starts."""

    name = forms.CharField(max_length=120)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    proficient_value = forms.TypedChoiceField(
        label="Proficient from level", coerce=int,
        help_text="The lowest level that counts as proficient; it must be one of the levels named below.",
    )

    def __init__(self, *args, scale: ProficiencyScale | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.scale = scale
        self.fields["proficient_value"].choices = [(value, str(value)) for value in range(1, MAX_LEVELS + 1)]
        for value in range(1, MAX_LEVELS + 1):
            self.fields[f"level_{value}_name"] = forms.CharField(
                label=f"Level {value}", max_length=80, required=False,
                widget=forms.TextInput(attrs={"placeholder": "Name" if value > 2 else "Name (required)"}),
            )
            self.fields[f"level_{value}_description"] = forms.CharField(
                label=f"What level {value} means", required=False, widget=forms.Textarea(attrs={"rows": 2}),
            )

    def level_rows(self) -> list[tuple]:
        return [(value, self[f"level_{value}_name"], self[f"level_{value}_description"])
                for value in range(1, MAX_LEVELS + 1)]

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        others = ProficiencyScale.objects.filter(name__iexact=name)
        if self.scale is not None:
            others = others.exclude(pk=self.scale.pk)
        if others.exists():
            raise forms.ValidationError("Another scale has this name.")
        return name

    def clean(self):
        data = super().clean()
        named = [value for value in range(1, MAX_LEVELS + 1) if (data.get(f"level_{value}_name") or "").strip()]
        if named != list(range(1, len(named) + 1)):
            gap = next(value for value in range(1, MAX_LEVELS + 1) if value not in named)
            raise forms.ValidationError(f"Name the levels from level 1 on, without leaving a gap: level {gap} has "
                                        "no name.")
        for value in range(1, MAX_LEVELS + 1):
            if value not in named and (data.get(f"level_{value}_description") or "").strip():
                self.add_error(f"level_{value}_name", "This level has a description but no name.")
        if data.get("proficient_value") and named and data["proficient_value"] > len(named):
            self.add_error("proficient_value", f"Level {data['proficient_value']} is not on the scale: it has "
                                               f"{len(named)} levels.")
        return data

    def levels(self):
        from .services import LevelInput

        data = self.cleaned_data
        return [LevelInput(data[f"level_{value}_name"].strip(), (data.get(f"level_{value}_description") or "").strip())
                for value in range(1, MAX_LEVELS + 1) if (data.get(f"level_{value}_name") or "").strip()]

    @staticmethod
    def initial_for(scale: ProficiencyScale) -> dict:
        initial = {"name": scale.name, "description": scale.description, "proficient_value": scale.proficient_value}
        for level in scale.levels.all():
            initial[f"level_{level.value}_name"] = level.name
            initial[f"level_{level.value}_description"] = level.description
        return initial


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


class ApproveForm(SignatureForm):
    field_order = ["change_note", "meaning", "password"]
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
        competencies = sorted(version.competencies.all(), key=lambda competency: natural_key(competency.code))
        self.fields["competency"].queryset = version.competencies.all()
        self.fields["competency"].choices = [("", "The framework as a whole")] + [(c.pk, str(c)) for c in competencies]


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
        choices = [("-1", "— not in this file —")] + [
            (str(i), f"{i + 1}: {(label[:57] + '…') if len(label) > 58 else (label or '(no header)')}")
            for i, label in enumerate(header)
        ]
        for key, label, _aliases in MOODLE_FIELDS:
            self.fields[key] = forms.TypedChoiceField(
                label=label, choices=choices, coerce=int, empty_value=-1, required=False,
                initial=str(initial_mapping.get(key, -1)),
            )

    def mapping(self) -> dict[str, int]:
        return {key: self.cleaned_data[key] for key, _label, _aliases in MOODLE_FIELDS}


class ImportConfirmForm(PlainFormMixin, forms.Form):
    """Name, code and scale of the framework an upload becomes. The scales offered are those that fit
    the file (every level with indicators is on them), so a level mismatch shows here, not afterwards."""

    name = forms.CharField(max_length=200, label="Framework name")
    code = forms.SlugField(max_length=100, help_text=CODE_HELP, error_messages=CODE_ERROR)
    scale = forms.ModelChoiceField(queryset=ProficiencyScale.objects.none(), required=False,
                                   help_text="The proficiency scale of the framework.")

    def __init__(self, *args, preview, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["scale"]
        field.queryset = ProficiencyScale.objects.filter(pk__in=[scale.pk for scale in preview.scale_choices])
        plan = preview.plan
        if plan.scale is None:
            field.required = True
            field.empty_label = None
        elif preview.matched_scale is not None:
            field.empty_label = f"The file's scale (the matching “{preview.matched_scale.name}”)"
        else:
            field.empty_label = f"The file's scale, created with its {len(plan.scale.level_names)} levels"

    def clean_name(self) -> str:
        return clean_framework_name(self.cleaned_data["name"])

    def clean_code(self) -> str:
        code = self.cleaned_data["code"]
        if Framework.objects.filter(code=code).exists():
            raise forms.ValidationError(f"A framework with the code {code} already exists; choose another.")
        return code
