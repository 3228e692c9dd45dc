"""Forms of the catalogue: a programme with its target competencies and prerequisites (two formsets of
competency + level rows), a session, and the filter bar of the programme list."""

from __future__ import annotations

from django import forms
from django.db import models

from competency.models import Competency, VersionStatus
from core.filters import style_widgets
from core.forms import PlainFormMixin
from core.trees import natural_key

from .models import Programme, ProgrammeKind, Session


def published_competencies() -> dict[int, Competency]:
    """The competencies of published framework versions: those a programme may name (one query)."""
    found = Competency.objects.filter(version__status=VersionStatus.PUBLISHED).select_related("version__framework")
    ordered = sorted(found, key=lambda c: (c.version.framework.name, natural_key(c.code)))
    return {c.pk: c for c in ordered}


class ProgrammeForm(PlainFormMixin, forms.ModelForm):
    class Meta:
        model = Programme
        fields = ["title", "kind", "provider", "duration_hours", "cost", "description", "review_after_days",
                  "review_method", "active"]
        labels = {"duration_hours": "Duration (hours)", "review_after_days": "Review effectiveness after (days)",
                  "review_method": "Review method"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["description"].widget.attrs["rows"] = 3
        self.fields["duration_hours"].widget.attrs["step"] = "0.5"


class LevelRowForm(forms.Form):
    """One row: a competency of a published framework version and a level on its scale."""

    competency = forms.TypedChoiceField(coerce=int, empty_value=None, required=False)
    level = forms.IntegerField(min_value=1, required=False,
                               widget=forms.NumberInput(attrs={"class": "form-control form-control-sm"}))

    def __init__(self, *args, competencies: dict[int, Competency], **kwargs):
        super().__init__(*args, **kwargs)
        self.competencies = competencies
        self.fields["competency"].choices = [("", "———")] + [
            (pk, f"{c.code} {c.name} · {c.version.framework.name}") for pk, c in competencies.items()]
        self.fields["competency"].widget.attrs["class"] = "form-select form-select-sm"

    def clean(self):
        data = super().clean()
        if data.get("competency") is not None and data.get("level") is None and "level" not in self.errors:
            self.add_error("level", "Give the level.")
        if data.get("level") is not None and data.get("competency") is None and "competency" not in self.errors:
            self.add_error("competency", "Choose the competency.")
        return data


class BaseLevelFormSet(forms.BaseFormSet):
    def __init__(self, *args, competencies: dict[int, Competency], **kwargs):
        self.competencies = competencies
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {"competencies": self.competencies}

    def clean(self):
        if any(self.errors):
            return
        seen = set()
        for form in self.forms:
            pk = form.cleaned_data.get("competency")
            if pk is not None and pk in seen:
                raise forms.ValidationError(f"{self.competencies[pk].code} appears twice; name each competency once.")
            seen.add(pk)

    def pairs(self) -> list[tuple[Competency, int]]:
        return [(self.competencies[f.cleaned_data["competency"]], f.cleaned_data["level"]) for f in self.forms
                if f.cleaned_data.get("competency") is not None]


LevelFormSet = forms.formset_factory(LevelRowForm, formset=BaseLevelFormSet, extra=2, max_num=100, validate_max=True)


def level_formset(data, *, prefix: str, rows, competencies) -> BaseLevelFormSet:
    """A formset of `rows` (targets or prerequisites) for the programme form."""
    initial = [{"competency": row.competency_id, "level": row.level} for row in rows]
    return LevelFormSet(data, prefix=prefix, initial=initial, competencies=competencies)


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


def _https_links(field, **kwargs):
    """Links typed without a scheme are read as https (Django 6's default, without its warning)."""
    if isinstance(field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return field.formfield(**kwargs)


class SessionForm(PlainFormMixin, forms.ModelForm):
    class Meta:
        model = Session
        formfield_callback = _https_links
        fields = ["starts_at", "ends_at", "place", "link", "trainer", "capacity"]
        labels = {"starts_at": "Starts", "ends_at": "Ends", "place": "Place", "link": "Link"}
        widgets = {"starts_at": DateTimeLocalInput(), "ends_at": DateTimeLocalInput()}
        help_texts = {"capacity": "Places, 1 to 1000. Those who enrol when it is full go on the waiting list."}

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", "The session must end after it starts.")
        return data


ACTIVE_CHOICES = [("yes", "Active"), ("no", "Inactive"), ("all", "Active and inactive")]


class ProgrammeFilterForm(forms.Form):
    q = forms.CharField(label="Search", required=False,
                        widget=forms.TextInput(attrs={"placeholder": "Title, provider or competency"}))
    competency = forms.CharField(label="Competency code", required=False, max_length=100,
                                 widget=forms.TextInput(attrs={"placeholder": "e.g. QC-01"}))
    kind = forms.ChoiceField(label="Kind", required=False, choices=[("", "any kind")] + ProgrammeKind.choices)
    active = forms.ChoiceField(label="Status", required=False, choices=ACTIVE_CHOICES)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_widgets(self)

    def filters(self) -> dict:
        """The selector's arguments; an invalid value (a forged kind) filters on nothing rather than failing."""
        data = self.cleaned_data if self.is_valid() else {}
        active = {"yes": True, "no": False, "all": None}.get(data.get("active") or "yes", True)
        return {"kind": data.get("kind", ""), "active": active, "competency": data.get("competency", "").strip(),
                "q": data.get("q", "").strip()}
