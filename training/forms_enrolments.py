"""Forms of the enrolment pages: enrol a person, decide on a request, record a completion."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from core.forms import PlainFormMixin
from profiles.models import Person

from .models import EnrolmentResult


class EnrolForm(PlainFormMixin, forms.Form):
    """The person to enrol. The select offers `shown` (the people the user may enrol); any existing person
    is accepted, so that one outside the user's line is refused by the rules (403), not hidden as a typo."""

    person = forms.ModelChoiceField(queryset=Person.objects.select_related("user"), label="Person",
                                    error_messages={"required": "Choose the person to enrol.",
                                                    "invalid_choice": "Choose the person to enrol from the list."})

    def __init__(self, *args, shown=None, **kwargs):
        super().__init__(*args, **kwargs)
        if shown is not None:
            self.fields["person"].widget.choices = [("", "Choose a person…")] + [(p.pk, str(p)) for p in shown]


class DecideForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("decline", "Decline")],
                                 error_messages={"required": "Choose to approve or decline.",
                                                 "invalid_choice": "Choose to approve or decline."})

    @property
    def approve(self) -> bool:
        return self.cleaned_data["decision"] == "approve"


class CompletionForm(PlainFormMixin, forms.Form):
    attended = forms.TypedChoiceField(
        choices=[("yes", "Attended"), ("no", "Did not attend")], coerce=lambda value: value == "yes",
        widget=forms.RadioSelect, label="Attendance",
        error_messages={"required": "Say whether the person attended."})
    completed_on = forms.DateField(required=False, label="Completed on", widget=forms.DateInput(attrs={"type": "date"}),
                                   help_text="Leave empty if the person did not complete the programme.")
    result = forms.ChoiceField(choices=EnrolmentResult.choices, required=False, label="Result")
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=2000, label="Note")

    def __init__(self, *args, session=None, **kwargs):
        super().__init__(*args, **kwargs)
        if session is not None:
            attrs = self.fields["completed_on"].widget.attrs
            attrs["min"] = timezone.localdate(session.starts_at).isoformat()
            attrs["max"] = timezone.localdate().isoformat()
