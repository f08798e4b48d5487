"""Forms for cases and contacts; they check shape only, the rules live in app.services.clinical_log."""
from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

from app.forms import WaymarkForm
from wtforms import BooleanField, DateField, IntegerField, RadioField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from app.services.clinical_log import FORMATS, MAX_CASE_REF, MODALITIES, score_field
from competences.outcomes import Measure, OutcomeMeasures
from models import ClinicalCase

STEP_CHOICES = [("2", "Step 2"), ("3", "Step 3")]
SORTS = [("newest", "Newest first"), ("oldest", "Oldest first")]


def strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def choices(pairs: Iterable[tuple[str, str]]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


def _date(label: str, *, required: str | None = None, called: str | None = None) -> DateField:
    first = [InputRequired(required)] if required else [Optional()]
    return DateField(label, validators=first,
                     invalid_value_message=f"{called or label} must be a real date, like 2025-04-01")


class WholeNumberField(IntegerField):
    """An integer input whose error names the field ("PHQ-9 at the first session must be a whole number")."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist or not str(valuelist[0]).strip():
            self.data = None
            return
        try:
            self.data = int(str(valuelist[0]).strip())
        except ValueError:
            self.data = None
            raise ValueError(f"{self.label.text} must be a whole number, like 12") from None


def _number(label: str, required: str | None = None) -> WholeNumberField:
    return WholeNumberField(label, validators=[InputRequired(required)] if required else [Optional()])


# --- cases -------------------------------------------------------------------------------------

def problem_label(data: OutcomeMeasures, problem_id: str) -> str:
    """"Social anxiety disorder (PHQ-9 and SPIN)": the problem with the two measures it is judged on."""
    codes = {m.id: m.code for m in data.measures}
    for p in data.problems:
        if p.id == problem_id:
            return f"{p.title} ({codes.get(p.depression_measure, p.depression_measure)} and " \
                   f"{codes.get(p.anxiety_measure, p.anxiety_measure)})"
    return problem_id


class CaseForm(WaymarkForm):
    case_ref = StringField("Case reference", filters=[strip], validators=[
        DataRequired("Enter the case reference"),
        Length(max=MAX_CASE_REF, message=f"Case reference must be {MAX_CASE_REF} characters or fewer")])
    problem = SelectField("Presenting problem", validators=[DataRequired("Choose the presenting problem")])
    step = RadioField("Step", choices=choices(STEP_CHOICES), validators=[InputRequired("Choose step 2 or step 3")])
    modality = SelectField("Modality", choices=choices([("", "Choose the modality"), *MODALITIES.items()]),
                           validators=[DataRequired("Choose the modality")])
    started_on = _date("Start date", required="Enter the start date")
    ended_on = _date("End date")
    training_case = BooleanField("Training case")
    closely_supervised = BooleanField("Closely supervised")
    assessed_case_study = BooleanField("Assessed case study")
    attended_sessions = _number("Attended treatment sessions", "Enter the number of attended treatment sessions")


@dataclasses.dataclass(frozen=True)
class ScoreInputs:
    """One measure's pair of inputs, and the problems that use it (for the label)."""

    measure: Measure
    first: str
    last: str
    used_for: tuple[str, ...]


def score_inputs(data: OutcomeMeasures) -> tuple[list[ScoreInputs], list[ScoreInputs]]:
    """(always shown: the depression measures and the fallback anxiety measure, the rest: in a details)."""
    main = {p.depression_measure for p in data.problems} | {data.fallback_anxiety_measure}
    shown: list[ScoreInputs] = []
    others: list[ScoreInputs] = []
    for m in data.measures:
        used_for = tuple(p.title for p in data.problems
                         if m.id in (p.anxiety_measure, *p.alternative_anxiety_measures)
                         and m.id != data.fallback_anxiety_measure)
        inputs = ScoreInputs(m, score_field("first", m.id), score_field("last", m.id), used_for)
        (shown if m.id in main else others).append(inputs)
    return shown, others


def case_form(data: OutcomeMeasures, case: ClinicalCase | None = None, **kwargs: Any) -> CaseForm:
    """A case form with a pair of score inputs for every measure in the outcome data in force."""

    class Form(CaseForm):
        pass

    for m in data.measures:
        for when in ("first", "last"):
            setattr(Form, score_field(when, m.id), _number(f"{m.code} at the {when} session"))
    if case is not None:
        kwargs.setdefault("data", {
            "case_ref": case.case_ref, "problem": case.problem, "step": str(case.step), "modality": case.modality,
            "started_on": case.started_on, "ended_on": case.ended_on, "training_case": case.training_case,
            "closely_supervised": case.closely_supervised, "assessed_case_study": case.assessed_case_study,
            "attended_sessions": case.attended_sessions,
            **{score_field(when, k): v for when, scores in (("first", case.first_scores), ("last", case.last_scores))
               for k, v in (scores or {}).items()}})
    form = Form(**kwargs)
    form.problem.choices = choices([("", "Choose the presenting problem"),
                                    *((p.id, problem_label(data, p.id)) for p in data.problems)])
    if case is not None and case.problem not in {p.id for p in data.problems}:
        form.problem.choices.append(SelectChoice(case.problem, case.problem))
    return form


def scores_from(form: CaseForm, data: OutcomeMeasures, when: str) -> dict[str, int]:
    return {m.id: value for m in data.measures if (value := form[score_field(when, m.id)].data) is not None}


class CaseFilterForm(WaymarkForm):
    """The filters above the case list, sent with GET so a view can be bookmarked."""

    class Meta:
        csrf = False

    status = SelectField("Open or closed", choices=choices([("", "Open and closed"), ("open", "Open"),
                                                           ("closed", "Closed")]), validators=[Optional()])
    step = SelectField("Step", choices=choices([("", "Any step"), *STEP_CHOICES]), validators=[Optional()])
    problem = SelectField("Presenting problem", validators=[Optional()])
    training = BooleanField("Training cases only")
    sort = SelectField("Sort by start date", choices=choices(SORTS), default="newest", validators=[Optional()])


def case_filter_form(data: OutcomeMeasures, args: Any) -> CaseFilterForm:
    form = CaseFilterForm(args)
    form.problem.choices = choices([("", "Any problem"), *((p.id, p.title) for p in data.problems)])
    return form


# --- contacts ----------------------------------------------------------------------------------

class ContactForm(WaymarkForm):
    entry = RadioField("What are you recording?", default="session", choices=choices([
        ("session", "One session"), ("week", "A week’s contacts")]), validators=[InputRequired("Choose one session or a week’s contacts")])
    occurred_on = _date("Date", required="Enter the date", called="The date")
    count = _number("Number of contacts", "Enter the number of contacts")
    minutes = _number("Total minutes", "Enter the total minutes")
    step = RadioField("Step", choices=choices(STEP_CHOICES), validators=[InputRequired("Choose step 2 or step 3")])
    format = SelectField("Format", choices=choices([("", "Choose the format"), *FORMATS.items()]),
                         validators=[DataRequired("Choose the format")])
    individual = RadioField("Individual or group", choices=choices([("individual", "Individual"), ("group", "Group")]),
                            validators=[InputRequired("Choose individual or group")])
    cbt = RadioField("CBT", choices=choices([("yes", "Yes, CBT"), ("no", "No, another approach")]),
                     validators=[InputRequired("Say whether it was CBT")])
    case_id = SelectField("Case (optional)", validators=[Optional()])


def contact_form(cases: Iterable[ClinicalCase], contact: Any = None, **kwargs: Any) -> ContactForm:
    """A contact form offering the given cases; for a change, filled from `contact`."""
    if contact is not None:
        kwargs.setdefault("data", {
            "entry": "week" if contact.count > 1 else "session", "occurred_on": contact.occurred_on,
            "count": contact.count, "minutes": contact.minutes, "step": str(contact.step), "format": contact.format,
            "individual": "individual" if contact.individual else "group", "cbt": "yes" if contact.cbt else "no",
            "case_id": str(contact.case_id) if contact.case_id else ""})
    else:
        kwargs.setdefault("data", {"count": 1, "individual": "individual"})
    form = ContactForm(**kwargs)
    form.case_id.choices = choices([("", "No case"), *((str(c.id), c.case_ref) for c in cases)])
    return form


class ContactFilterForm(WaymarkForm):
    class Meta:
        csrf = False

    start = _date("From")
    end = _date("To")
    step = SelectField("Step", choices=choices([("", "Any step"), *STEP_CHOICES]), validators=[Optional()])
    format = SelectField("Format", choices=choices([("", "Any format"), *FORMATS.items()]), validators=[Optional()])
    sort = SelectField("Sort by date", choices=choices(SORTS), default="newest", validators=[Optional()])

    def validate_end(self, field: DateField) -> None:
        if field.data and self.start.data and field.data < self.start.data:
            raise ValidationError("The ‘To’ date cannot be before the ‘From’ date")
