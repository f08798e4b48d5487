"""Forms for CTS-R ratings (12 items, each a score and a comment) and PWP live assessments. Shape only; rules live in app.services.ratings."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from app.forms import WaymarkForm
from wtforms import DateField, RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from app.portfolio.cpd_forms import strip
from app.services.ratings import (INTERVENTIONS, MAX_COMMENT, MAX_NAME, MAX_REF, MAX_TOOL, OUTCOMES, RATER_ROLES,
                                  CtsrInput, LiveAssessmentInput, comment_field, score_field)
from competences.frameworks import RatingScale
from models.training import CtsrRating, PwpLiveAssessment, TrainingCourse


def _date(label: str, required: str) -> DateField:
    return DateField(label, validators=[InputRequired(required)],
                     invalid_value_message=f"{label} must be a real date, like 2026-04-01")


def _text(label: str, limit: int, required: str | None = None, description: str = "") -> StringField:
    first = [InputRequired(required)] if required else [Optional()]
    return StringField(label, filters=[strip], description=description,
                       validators=[*first, Length(max=limit, message=f"{label} must be {limit:,} characters or fewer")])


class CtsrForm(WaymarkForm):
    """The recording's details; ctsr_form_class adds a score and a comment field for each item of the scale."""

    rated_on = _date("Date of the rating", "Enter the date of the rating")
    recording_ref = _text("Recording reference", MAX_REF, "Enter the recording reference",
                          "An anonymised reference, such as REC-07. Never a patient's name, NHS number or date of birth.")
    case_ref = _text("Case reference", MAX_REF, description="Optional. The anonymised case reference.")
    course_id = SelectField("Course", choices=[], validators=[Optional()],
                            description="The course's pass mark applies; with no course, the scale's usual pass mark.",
                            invalid_choice_message="Choose one of your courses, or no course")
    rater_role = RadioField("Who rated it?", choices=[SelectChoice(k, v) for k, v in RATER_ROLES.items()],
                            validators=[InputRequired("Choose who rated the recording")],
                            invalid_choice_message="Choose who rated the recording")
    rater_name = _text("Rater's name", MAX_NAME, description="Optional for a self-rating.")

    scale: RatingScale

    def __init__(self, *args: Any, courses: Sequence[TrainingCourse] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.course_id.choices = [SelectChoice("", "No course"),
                                  *(SelectChoice(str(c.id), c.title) for c in courses)]

    def score_fields(self) -> list[tuple[Any, Any, Any]]:
        """(scale item, score field, comment field) in item order, for the template's fieldsets."""
        return [(i, self[score_field(i)], self[comment_field(i)]) for i in self.scale.items]

    @staticmethod
    def data_of(rating: CtsrRating, scale: RatingScale) -> dict[str, Any]:
        data: dict[str, Any] = {"rated_on": rating.rated_on, "recording_ref": rating.recording_ref,
                                "case_ref": rating.case_ref, "course_id": str(rating.course_id or ""),
                                "rater_role": rating.rater_role, "rater_name": rating.rater_name}
        for i in scale.items:
            score = rating.scores.get(i.id)
            data[score_field(i)] = "" if score is None else str(score)
            data[comment_field(i)] = rating.comments.get(i.id)
        return data

    def details(self) -> CtsrInput:
        assert self.rated_on.data is not None
        return CtsrInput(
            rated_on=self.rated_on.data, recording_ref=self.recording_ref.data or "", case_ref=self.case_ref.data,
            course_id=int(self.course_id.data) if self.course_id.data else None, rater_role=self.rater_role.data or "",
            rater_name=self.rater_name.data,
            scores={i.id: self[score_field(i)].data for i in self.scale.items},
            comments={i.id: self[comment_field(i)].data for i in self.scale.items})


def ctsr_form_class(scale: RatingScale) -> type[CtsrForm]:
    """A CtsrForm with one score (a choice from the scale's range, none chosen at first) and one comment per item.

    The score field does not judge the choice itself (validate_choice=False): the service refuses a
    missing or out-of-range score with the same message the CLI and imports get.
    """
    anchors = {a.score: a.title for a in scale.anchors}
    choices = [SelectChoice("", "Choose a score")] + [
        SelectChoice(str(n), f"{n} – {anchors[n]}" if n in anchors else str(n))
        for n in range(scale.min_score, scale.max_score + 1)]
    fields: dict[str, Any] = {"scale": scale}
    for i in scale.items:
        fields[score_field(i)] = SelectField("Score", choices=choices, validate_choice=False)
        fields[comment_field(i)] = TextAreaField("Comment", filters=[strip], validators=[
            Optional(), Length(max=MAX_COMMENT, message=f"The comment must be {MAX_COMMENT:,} characters or fewer")])
    return type("ScaleCtsrForm", (CtsrForm,), fields)


class LiveAssessmentForm(WaymarkForm):
    assessed_on = _date("Date of the assessment", "Enter the date of the assessment")
    intervention = SelectField("Intervention assessed", choices=[SelectChoice("", "Choose the intervention"), *(
        SelectChoice(k, v) for k, v in INTERVENTIONS.items())], validators=[InputRequired("Choose the intervention assessed")],
        invalid_choice_message="Choose the intervention assessed")
    intervention_other = _text("If other, which intervention", MAX_NAME)
    assessor_name = _text("Assessor's name", MAX_NAME, "Enter the assessor's name")
    tool = _text("Assessment tool", MAX_TOOL, "Enter the tool the assessor used",
                 "For example, the IAPT PWP intervention skills mark sheet or the course's competency rating form.")
    outcome = RadioField("Outcome", choices=[SelectChoice(k, v) for k, v in OUTCOMES.items()],
                         validators=[InputRequired("Choose the outcome")], invalid_choice_message="Choose the outcome")
    comment = TextAreaField("Comment", filters=[strip], description="Optional. Do not include anything that could identify a patient.",
                            validators=[Optional(), Length(max=5000, message="The comment must be 5,000 characters or fewer")])

    @staticmethod
    def data_of(entry: PwpLiveAssessment) -> dict[str, Any]:
        return {"assessed_on": entry.assessed_on, "intervention": entry.intervention,
                "intervention_other": entry.intervention_other, "assessor_name": entry.assessor_name,
                "tool": entry.tool, "outcome": entry.outcome, "comment": entry.comment}

    def details(self) -> LiveAssessmentInput:
        assert self.assessed_on.data is not None
        return LiveAssessmentInput(assessed_on=self.assessed_on.data, intervention=self.intervention.data or "",
                                   intervention_other=self.intervention_other.data,
                                   assessor_name=self.assessor_name.data or "", tool=self.tool.data or "",
                                   outcome=self.outcome.data or "", comment=self.comment.data)
