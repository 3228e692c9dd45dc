from __future__ import annotations

from decimal import Decimal

from django import forms
from django.db.models import Q

from competency.models import Competency, FrameworkVersion, VersionStatus
from core.forms import PlainFormMixin
from core.trees import natural_key
from core.uploads import limit_upload_size
from signatures.forms import SignatureForm

from .models import Comparator, OrgUnit, Person, RoleProfile
from .selectors import unit_and_below


class PersonLookupField(forms.CharField):
    """A person given by email or employee id: a select of thousands of people helps nobody."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", "Email address or employee id.")
        super().__init__(*args, **kwargs)

    def clean(self, value):
        value = super().clean(value).strip()
        if not value:
            return None
        person = (
            Person.objects.select_related("user", "manager")
            .filter(Q(user__email=value.lower()) | Q(employee_id=value))
            .first()
        )
        if person is None:
            raise forms.ValidationError(f"Nobody in Proficio has the email or employee id {value}.")
        return person


def _person_label(person: Person | None) -> str:
    return person.user.email if person else ""


class OrgUnitForm(PlainFormMixin, forms.ModelForm):
    head = PersonLookupField(label="Head of the unit")

    class Meta:
        model = OrgUnit
        fields = ["name", "code", "parent"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        units = OrgUnit.objects.order_by("name")
        if self.instance.pk:
            units = units.exclude(pk__in=unit_and_below(self.instance.pk))
            self.initial["head"] = _person_label(self.instance.head)
        self.fields["parent"].queryset = units
        self.fields["parent"].empty_label = "— top of the organisation —"


class RoleProfileForm(PlainFormMixin, forms.ModelForm):
    class Meta:
        model = RoleProfile
        fields = ["name", "code", "description", "framework_version"]
        labels = {"framework_version": "Framework"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["description"].widget.attrs["rows"] = 3
        if self.instance.pk:
            del self.fields["framework_version"]  # moving to another version has its own page
        else:
            self.fields["framework_version"].queryset = FrameworkVersion.objects.filter(
                status=VersionStatus.PUBLISHED
            ).select_related("framework")
            self.fields["framework_version"].help_text = (
                "The published version the requirements are written against. Move the profile when a new version is published."
            )


class RequirementForm(forms.Form):
    """One row of the requirements grid: a competency of the framework and, if the role needs it, the level."""

    competency = forms.IntegerField(widget=forms.HiddenInput)
    required_level = forms.TypedChoiceField(coerce=int, empty_value=None, required=False)
    weight = forms.DecimalField(min_value=Decimal("0.01"), max_digits=5, decimal_places=2, initial=1, required=False,
                                widget=forms.NumberInput(attrs={"step": "0.5", "class": "form-control form-control-sm"}))
    critical = forms.BooleanField(required=False)

    def __init__(self, *args, levels, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["required_level"].choices = [("", "— not required —")] + [
            (level.value, f"{level.value} {level.name}") for level in levels
        ]
        self.fields["required_level"].widget.attrs["class"] = "form-select form-select-sm"

    def clean(self):
        data = super().clean()
        if data.get("required_level") is not None and data.get("weight") is None and "weight" not in self.errors:
            self.add_error("weight", "Give a weight above 0.")
        return data


class BaseRequirementFormSet(forms.BaseFormSet):
    def __init__(self, *args, version: FrameworkVersion, levels, **kwargs):
        self.version, self.levels = version, list(levels)
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {"levels": self.levels}

    def clean(self):
        if any(self.errors):
            return
        valid = set(self.version.competencies.values_list("pk", flat=True))
        seen = set()
        for form in self.forms:
            pk = form.cleaned_data.get("competency")
            if pk not in valid:
                raise forms.ValidationError("A row names a competency that is not in this framework version.")
            if pk in seen and form.cleaned_data.get("required_level") is not None:
                raise forms.ValidationError("A competency appears twice; each is required once at most.")
            seen.add(pk)


RequirementFormSet = forms.formset_factory(RequirementForm, formset=BaseRequirementFormSet, extra=0, max_num=2000,
                                           validate_max=True)


class BehaviourForm(forms.Form):
    competency = forms.TypedChoiceField(coerce=int, empty_value=None, required=False)
    text = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Expected behaviour")

    def __init__(self, *args, competencies: dict[int, Competency], **kwargs):
        super().__init__(*args, **kwargs)
        self.competencies = competencies
        ordered = sorted(competencies.items(), key=lambda item: natural_key(item[1].code))
        self.fields["competency"].choices = [("", "———")] + [(pk, str(c)) for pk, c in ordered]

    def clean_competency(self):
        pk = self.cleaned_data["competency"]
        return self.competencies[pk] if pk is not None else None

    def clean(self):
        data = super().clean()
        if data.get("text") and not data.get("competency"):
            self.add_error("competency", "Tie the behaviour to one of the profile's competencies.")
        if data.get("competency") and not data.get("text", "").strip():
            self.add_error("text", "Describe the behaviour.")
        return data


class BaseBehaviourFormSet(forms.BaseFormSet):
    def __init__(self, *args, competencies, **kwargs):
        self.competencies = {competency.pk: competency for competency in competencies}  # one query for all rows
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {"competencies": self.competencies}

    def entries(self) -> list[tuple[Competency, str]]:
        return [(f.cleaned_data["competency"], f.cleaned_data["text"]) for f in self.forms
                if f.cleaned_data.get("text") and not f.cleaned_data.get("DELETE")]


BehaviourFormSet = forms.formset_factory(BehaviourForm, formset=BaseBehaviourFormSet, extra=2, can_delete=True)


class KpiForm(forms.Form):
    name = forms.CharField(max_length=200, required=False, label="Indicator")
    comparator = forms.ChoiceField(choices=Comparator.choices, initial=Comparator.AT_LEAST)
    target = forms.DecimalField(max_digits=12, decimal_places=2, required=False)
    unit = forms.CharField(max_length=30, required=False)
    how_measured = forms.CharField(required=False, label="How it is measured")

    def clean(self):
        data = super().clean()
        if data.get("name") and data.get("target") is None:
            self.add_error("target", "Give the target value.")
        if data.get("target") is not None and not data.get("name"):
            self.add_error("name", "Name the indicator.")
        return data


class BaseKpiFormSet(forms.BaseFormSet):
    def entries(self) -> list[dict]:
        return [
            {key: f.cleaned_data[key] for key in ("name", "comparator", "target", "unit", "how_measured")}
            for f in self.forms if f.cleaned_data.get("name") and not f.cleaned_data.get("DELETE")
        ]


KpiFormSet = forms.formset_factory(KpiForm, formset=BaseKpiFormSet, extra=2, can_delete=True)


class ApproveProfileForm(SignatureForm):
    field_order = ["change_note", "meaning", "password"]
    change_note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}),
                                  help_text="What this revision changes and why. It is kept with the approval.")


class MigrateProfileForm(PlainFormMixin, forms.Form):
    target = forms.ModelChoiceField(queryset=FrameworkVersion.objects.none(), label="Move to")

    def __init__(self, *args, profile: RoleProfile, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = FrameworkVersion.objects.filter(
            framework_id=profile.framework_version.framework_id, status=VersionStatus.PUBLISHED
        ).exclude(pk=profile.framework_version_id).select_related("framework")


class PersonForm(PlainFormMixin, forms.ModelForm):
    manager = PersonLookupField(label="Manager")

    class Meta:
        model = Person
        fields = ["org_unit", "role_profile", "start_date_in_role", "active"]
        widgets = {"start_date_in_role": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial["manager"] = _person_label(self.instance.manager)
        self.fields["role_profile"].empty_label = "— no role profile —"
        self.fields["active"].help_text = ("Switched off, the person keeps their records, leaves lists and cycles, "
                                           "and their account can no longer sign in.")

    def clean_manager(self):
        manager = self.cleaned_data["manager"]
        if manager is not None and manager.pk == self.instance.pk:
            raise forms.ValidationError("A person cannot be their own manager.")
        return manager


class PeopleUploadForm(PlainFormMixin, forms.Form):
    file = forms.FileField(help_text="CSV (comma, semicolon or tab separated) or Excel .xlsx, up to 10 MB.")
    encoding = forms.ChoiceField(
        choices=[("utf-8", "UTF-8"), ("windows-1252", "Windows-1252 (Excel's CSV on Windows)"),
                 ("iso-8859-1", "ISO-8859-1"), ("utf-16", "UTF-16")],
        initial="utf-8", help_text="CSV files only.",
    )

    def clean_file(self):
        upload = limit_upload_size(self.cleaned_data["file"])
        if not upload.name.lower().endswith((".csv", ".txt", ".xlsx")):
            raise forms.ValidationError("Upload a .csv or .xlsx file.")
        return upload
