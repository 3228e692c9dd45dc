"""Forms of the assessments pages. Each part keeps its own block (cycles and nominations:
assessments/forms_cycles.py)."""

from __future__ import annotations

from django import forms

from .services.answering import COMMENT_MAX, REASON_MAX, AnswerInput

# questionnaire -------------------------------------------------------------------------------------

NOT_OBSERVED = "none"


class AnswerForm(forms.Form):
    """One competency's answer, its fields prefixed by the competency ("c12-level", "c12-comment"), so
    that one page holds them all and a single competency can be posted on its own."""

    level = forms.ChoiceField(required=False, widget=forms.RadioSelect)
    comment = forms.CharField(required=False, max_length=COMMENT_MAX, widget=forms.Textarea(attrs={"rows": 2}),
                              strip=True)

    def __init__(self, *args, competency_id: int, level_values: list[int] | None = None, **kwargs):
        """`level_values`: the scale's levels, to refuse others on the field itself; without them any
        whole number passes here and the service refuses what is not on the scale."""
        kwargs.setdefault("prefix", self.prefix_for(competency_id))
        super().__init__(*args, **kwargs)
        self.competency_id = competency_id
        self.level_values = level_values
        field = self.fields["level"]
        if level_values is not None:
            choices = ", ".join(str(v) for v in level_values)
            field.choices = [(str(v), str(v)) for v in level_values] + [(NOT_OBSERVED, "Not observed")]
            field.error_messages["invalid_choice"] = (
                f"%(value)s is not a level of the scale: choose one of {choices} or “Not observed”.")
        else:
            self.fields["level"] = forms.CharField(required=False, max_length=10)

    def clean_level(self) -> str:
        level = self.cleaned_data.get("level") or ""
        if level and level != NOT_OBSERVED and not (level.isascii() and level.isdigit()):
            raise forms.ValidationError(
                f"{level} is not a level of the scale: choose one of its levels or “Not observed”.")
        return level

    @staticmethod
    def prefix_for(competency_id: int) -> str:
        return f"c{competency_id}"

    def has_answer(self) -> bool:
        """Whether the rater chose a level or "not observed" (the form must be valid)."""
        return bool(self.cleaned_data.get("level"))

    def clean(self):
        data = super().clean()
        if not data.get("level") and data.get("comment") and "level" not in self.errors:
            self.add_error("level", "Choose a level or “Not observed”: the comment is saved with it.")
        return data

    def answer(self) -> AnswerInput:
        level = self.cleaned_data["level"]
        return AnswerInput(None if level == NOT_OBSERVED else int(level), self.cleaned_data.get("comment", ""))


class DeclineForm(forms.Form):
    reason = forms.CharField(
        max_length=REASON_MAX, strip=True, widget=forms.Textarea(attrs={"rows": 3}),
        label="Why do you decline?",
        help_text="For example: you have not worked with them enough to judge. HR reads it; "
                  "the leader does not.",
        error_messages={"required": "Say why you decline: HR reads the reason; the leader does not."},
    )
