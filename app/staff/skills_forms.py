"""Forms for the skill-mix pages: one skill record, one service target. Shape only; rules live in app.services.skill_mix."""
from __future__ import annotations

from typing import Any

from app.forms import WaymarkForm
from wtforms import DateField, IntegerField, RadioField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from app.services.skill_mix import MAX_DESCRIPTION, MAX_MINIMUM, MAX_NOTE, QUALIFIED, STATUS_LABELS, STATUSES, SkillInput
from competences.skills import CATEGORY_LABELS, RATED_CATEGORIES, TARGET_CATEGORIES, SkillVocabulary
from models import SkillRecord


def strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _date(label: str) -> DateField:
    return DateField(label, validators=[Optional()], invalid_value_message=f"{label} must be a real date, like 2026-04-01")


class SkillRecordForm(WaymarkForm):
    code = SelectField("What it is", choices=[], validators=[InputRequired("Choose one from the list")],
                       invalid_choice_message="Choose one from the list")
    status = RadioField("Status", choices=[SelectChoice(s, STATUS_LABELS[s]) for s in STATUSES], default=QUALIFIED,
                        validators=[InputRequired("Choose qualified or in training")],
                        invalid_choice_message="Choose qualified or in training")
    started_on = _date("Start date")
    ended_on = _date("End date")
    description = TextAreaField("Description", filters=[strip], validators=[
        Optional(), Length(max=MAX_DESCRIPTION, message=f"The description must be {MAX_DESCRIPTION:,} characters or fewer")])

    @classmethod
    def for_category(cls, category: str, vocab: SkillVocabulary, record: SkillRecord | None = None) -> SkillRecordForm:
        """The form for one kind: its entries to choose from; a status only where training comes first."""
        data = None
        if record is not None:
            data = {"code": record.code, "status": record.status, "started_on": record.started_on,
                    "ended_on": record.ended_on, "description": record.description}
        form = cls(data=data)
        form.code.label.text = CATEGORY_LABELS[category]
        form.code.choices = [SelectChoice("", "Choose one"), *(SelectChoice(s.id, s.title) for s in vocab.of(category))]
        if record is not None and not vocab.has(category, record.code):
            form.code.choices.append(SelectChoice(record.code, f"{record.code} (no longer listed)"))
        if category not in RATED_CATEGORIES:
            del form.status
        return form

    def details(self) -> SkillInput:
        status = self.status.data if "status" in self else QUALIFIED
        return SkillInput(code=self.code.data or "", status=status or QUALIFIED, started_on=self.started_on.data,
                          ended_on=self.ended_on.data, description=self.description.data)


class DeleteSkillForm(WaymarkForm):
    """The confirmation page's form: only its CSRF token."""


class TargetForm(WaymarkForm):
    code = SelectField("Competence area or skill", choices=[], validators=[InputRequired("Choose what the target is for")],
                       invalid_choice_message="Choose a competence area, modality, specialism or champion role from the list")
    minimum = IntegerField("At least this many people", validators=[
        InputRequired("Enter the number of people the service needs, 1 or more"),
        NumberRange(min=1, max=MAX_MINIMUM, message=f"The target must be between 1 and {MAX_MINIMUM} people")],
        invalid_value_message="Enter the target as a whole number of people, like 2")
    note = TextAreaField("Note", filters=[strip], validators=[
        Optional(), Length(max=MAX_NOTE, message=f"The note must be {MAX_NOTE} characters or fewer")])

    def set_choices(self, vocab: SkillVocabulary) -> None:
        self.code.choices = [SelectChoice("", "Choose one")] + [
            SelectChoice(f"{category}:{code}", f"{CATEGORY_LABELS[category]}: {title}")
            for category in TARGET_CATEGORIES for code, title in vocab.choices(category)]

    def target(self) -> tuple[str, str]:
        category, _, code = (self.code.data or "").partition(":")
        return category, code


class RemoveTargetForm(WaymarkForm):
    """A row's remove button: only its CSRF token."""
