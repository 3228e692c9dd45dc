"""Forms of statements and acknowledgements."""

from __future__ import annotations

from django import forms

from core.forms import PlainFormMixin
from profiles.models import OrgUnit, RoleProfile
from signatures.forms import SignatureForm
from signatures.models import Meaning

from .models import StatementKind
from .services import RevisionInput


class StatementForm(PlainFormMixin, forms.Form):
    """A statement and the words of its revision (the kind is chosen once, when it is created)."""

    kind = forms.ChoiceField(choices=StatementKind.choices)
    title = forms.CharField(max_length=200)
    measure = forms.CharField(max_length=300, required=False, help_text="Quality objectives: how it is measured.")
    target = forms.CharField(max_length=200, required=False, help_text="Quality objectives: the target.")
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 8}), max_length=50000,
                           help_text="Plain text, or HTML (only structure is kept).")
    effective_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    applies_to_everyone = forms.BooleanField(required=False, initial=True, label="Applies to everyone")
    org_units = forms.ModelMultipleChoiceField(queryset=OrgUnit.objects.order_by("name"), required=False,
                                               help_text="When not everyone: people in these org units…")
    role_profiles = forms.ModelMultipleChoiceField(queryset=RoleProfile.objects.order_by("name"), required=False,
                                                   help_text="…and people holding these role profiles.")
    change_note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=4000, required=False,
                                  label="What changed")

    def __init__(self, *args, statement=None, **kwargs):
        super().__init__(*args, **kwargs)
        if statement is not None:
            del self.fields["kind"]
            self.kind = statement.kind
        else:
            self.kind = None

    def clean(self):
        data = super().clean()
        kind = self.kind or data.get("kind")
        if kind == StatementKind.OBJECTIVE:
            for name in ("measure", "target"):
                if not (data.get(name) or "").strip():
                    self.add_error(name, "A quality objective needs its measure and its target.")
        if not data.get("applies_to_everyone") and not (data.get("org_units") or data.get("role_profiles")):
            self.add_error("applies_to_everyone", "Choose everyone, or at least one org unit or role profile.")
        return data

    def revision_input(self) -> RevisionInput:
        data = self.cleaned_data
        return RevisionInput(text=data["text"], effective_date=data["effective_date"],
                             applies_to_everyone=data["applies_to_everyone"], org_units=list(data["org_units"]),
                             role_profiles=list(data["role_profiles"]), change_note=data["change_note"])

    @staticmethod
    def initial_for(statement, revision) -> dict:
        initial = {"title": statement.title, "measure": statement.measure, "target": statement.target}
        if revision is not None:
            initial.update(text=revision.text, effective_date=revision.effective_date,
                           applies_to_everyone=revision.applies_to_everyone,
                           org_units=list(revision.org_units.all()), role_profiles=list(revision.role_profiles.all()))
        return initial


class ApproveForm(SignatureForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meaning"].choices = [(Meaning.APPROVED, Meaning.APPROVED.label)]


class AcknowledgeForm(SignatureForm):
    """A leader's acknowledgement: their password; it always means "I have read and understood"."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meaning"].choices = [(Meaning.ACKNOWLEDGED, Meaning.ACKNOWLEDGED.label)]
        self.fields["meaning"].initial = Meaning.ACKNOWLEDGED
        self.fields["meaning"].required = False

    def clean_meaning(self):
        return Meaning.ACKNOWLEDGED
