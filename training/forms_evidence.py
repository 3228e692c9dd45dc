"""Forms of a person's competence record: certificates, qualifications, experience and sign-offs."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from competency.models import Competency, VersionStatus
from core.forms import PlainFormMixin

from .models import Enrolment, EnrolmentStatus, QualificationKind, ReviewMethod
from .uploads import ACCEPTED, max_bytes, read_evidence

DATE = {"widget": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}


def published_competencies():
    return (Competency.objects.filter(version__status=VersionStatus.PUBLISHED)
            .select_related("version__framework").order_by("version__framework__name", "code"))


class CompetencyChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.code} {obj.name} ({obj.version.framework.name})"


class SingleCompetencyChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.code} {obj.name} ({obj.version.framework.name})"


def _competencies_field() -> CompetencyChoice:
    return CompetencyChoice(queryset=published_competencies(), required=False,
                            widget=forms.SelectMultiple(attrs={"size": 6}),
                            help_text="The requirements this evidence supports.")


def _file_help() -> str:
    return f"{ACCEPTED} only, up to {max_bytes() / 1024 / 1024:.0f} MB. The type is read from the file's content."


class EvidenceUploadField(forms.FileField):
    """A file field that refuses anything but a PDF, PNG or JPEG (by content) within the size limit."""

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if upload:
            try:
                read_evidence(upload)
            except ValidationError as error:
                raise forms.ValidationError(error.messages) from None
        return upload


class CertificateForm(PlainFormMixin, forms.Form):
    title = forms.CharField(max_length=200)
    issuer = forms.CharField(max_length=200)
    issued_on = forms.DateField(**DATE)
    expires_on = forms.DateField(required=False, help_text="Leave empty when it does not expire.", **DATE)
    file = EvidenceUploadField(allow_empty_file=True,
                               widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg"}))
    enrolment = forms.ModelChoiceField(queryset=Enrolment.objects.none(), required=False,
                                       help_text="The training it came from, if any.")

    def __init__(self, *args, person, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _file_help()
        self.fields["competencies"] = _competencies_field()
        self.fields["enrolment"].queryset = (Enrolment.objects.filter(person=person, status=EnrolmentStatus.COMPLETED)
                                             .select_related("session__programme"))


class QualificationForm(PlainFormMixin, forms.Form):
    kind = forms.ChoiceField(choices=QualificationKind.choices)
    title = forms.CharField(max_length=200)
    issuer = forms.CharField(max_length=200)
    awarded_on = forms.DateField(**DATE)
    expires_on = forms.DateField(required=False, help_text="Leave empty when it does not expire.", **DATE)
    file = EvidenceUploadField(required=False, allow_empty_file=True,
                               widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = "Optional. " + _file_help()
        self.fields["competencies"] = _competencies_field()


class ExperienceForm(PlainFormMixin, forms.Form):
    role = forms.CharField(max_length=200)
    organisation = forms.CharField(max_length=200)
    started_on = forms.DateField(**DATE)
    ended_on = forms.DateField(required=False, help_text="Leave empty while it goes on.", **DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["competencies"] = _competencies_field()


class SignOffForm(PlainFormMixin, forms.Form):
    competency = SingleCompetencyChoice(queryset=Competency.objects.none())
    level = forms.IntegerField(min_value=1, help_text="The level on the competency's scale the person works at.")
    statement = forms.CharField(max_length=200, initial="Competent to work unsupervised")
    method = forms.ChoiceField(choices=ReviewMethod.choices, label="How you judged it")
    signed_on = forms.DateField(initial=timezone.localdate, **DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["competency"].queryset = published_competencies()
