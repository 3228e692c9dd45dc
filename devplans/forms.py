"""Forms of the plan pages: an objective, an action, progress, the approval (a signature), returning and
completing a plan. The services check everything again (a forged post meets the same refusals)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.validators import MaxValueValidator

from core.forms import PlainFormMixin
from signatures.forms import SignatureForm
from signatures.models import Meaning

from .models import ActionKind, ActionStatus, CheckMethod
from .services.content import ActionInput, ObjectiveInput

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ObjectiveForm(PlainFormMixin, forms.Form):
    target_level = forms.IntegerField(label="Target level", min_value=1)
    due_date = forms.DateField(label="Due", widget=DATE, help_text="When the target level should be reached.")
    success_measure = forms.CharField(label="Success measure", max_length=2000,
                                      widget=forms.Textarea(attrs={"rows": 2}),
                                      help_text="What shows the objective is reached.")
    check_method = forms.ChoiceField(label="Effectiveness check", choices=CheckMethod.choices)
    check_due = forms.DateField(label="Check on", widget=DATE, help_text="On or after the due date.")

    def __init__(self, *args, top_level: int = 5, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["target_level"]
        field.validators.append(MaxValueValidator(
            top_level, f"The target level is one of the scale's levels, 1 to {top_level}."))
        field.widget.attrs["max"] = top_level

    @classmethod
    def initial_for(cls, objective) -> dict:
        return {name: getattr(objective, name) for name in
                ("target_level", "due_date", "success_measure", "check_method", "check_due")}

    def data_for_service(self) -> ObjectiveInput:
        return ObjectiveInput(**self.cleaned_data)


class ActionForm(PlainFormMixin, forms.Form):
    kind = forms.ChoiceField(choices=ActionKind.choices)
    title = forms.CharField(max_length=200)
    detail = forms.CharField(required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))
    owner = forms.ModelChoiceField(queryset=None, required=False, empty_label="The leader",
                                   error_messages={"invalid_choice": "Choose the owner from the list."})
    hours = forms.DecimalField(min_value=Decimal(0), max_value=Decimal(2000), decimal_places=1, initial=Decimal(0))
    budget = forms.DecimalField(min_value=Decimal(0), max_value=Decimal(1_000_000), decimal_places=2,
                                initial=Decimal(0))
    due_date = forms.DateField(label="Due", required=False, widget=DATE)

    def __init__(self, *args, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners
        self.fields["owner"].label_from_instance = lambda user: (
            f"{user.get_full_name() or user.email} ({user.get_role_display()})")

    @classmethod
    def initial_for(cls, action) -> dict:
        return {name: getattr(action, name) for name in
                ("kind", "title", "detail", "owner", "hours", "budget", "due_date")}

    def data_for_service(self) -> ActionInput:
        return ActionInput(**self.cleaned_data)


class ProgressForm(PlainFormMixin, forms.Form):
    status = forms.ChoiceField(choices=[("", "No change")] + ActionStatus.choices, required=False)
    note = forms.CharField(required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self):
        data = super().clean()
        if not data.get("status") and not (data.get("note") or "").strip():
            raise forms.ValidationError("Change the status or write a note.")
        return data


class ApproveForm(SignatureForm):
    """The approver's signature: their password again; an approval always means "approved"."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meaning"].choices = [(Meaning.APPROVED, Meaning.APPROVED.label)]


class ReturnForm(PlainFormMixin, forms.Form):
    comment = forms.CharField(max_length=4000, widget=forms.Textarea(attrs={"rows": 3}),
                              label="What should change", error_messages={"required": "Say what should change."})


class CompleteForm(PlainFormMixin, forms.Form):
    note = forms.CharField(max_length=4000, widget=forms.Textarea(attrs={"rows": 3}), label="Why it is complete",
                           error_messages={"required": "Say why the plan is complete."})
