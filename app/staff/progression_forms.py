"""Forms for the pay-step progression pages. Shape only; the rules live in app.services.progression."""
from __future__ import annotations

from typing import Any

from app.forms import WaymarkForm
from wtforms import BooleanField, DateField, RadioField, SearchField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from app.services.progression import MAX_TEXT
from models.hr import AppraisalOutcome, HrStanding, ProgressionDecision, ProgressionOutcome

WINDOWS = [SelectChoice("next3", "Next 3 months"), SelectChoice("overdue", "Overdue only"),
           SelectChoice("custom", "Dates I choose")]
TRI_STATE = {"yes": True, "no": False, "unknown": None}


def _tri(yes: str, no: str = "None") -> list[SelectChoice]:
    return [SelectChoice("yes", yes), SelectChoice("no", no), SelectChoice("unknown", "Not recorded")]


def strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _date(label: str) -> DateField:
    return DateField(label, validators=[Optional()],
                     invalid_value_message=f"{label} must be a real date, like 2026-04-01")


def _text(label: str, what: str) -> TextAreaField:
    return TextAreaField(label, filters=[strip], validators=[
        Optional(), Length(max=MAX_TEXT, message=f"{what} must be {MAX_TEXT:,} characters or fewer")])


def tri_state(value: bool | None) -> str:
    return {True: "yes", False: "no", None: "unknown"}[value]


class RoundFilterForm(WaymarkForm):
    """The filters above the round, sent with GET so a view can be bookmarked and exported."""

    class Meta:
        csrf = False

    window = SelectField("Show", choices=WINDOWS, default="next3", validators=[Optional()],
                         invalid_choice_message="Choose what to show from the list")
    start = _date("From")
    end = _date("To")
    team = SelectField("Team", choices=[SelectChoice("", "All teams")], validators=[Optional()],
                       invalid_choice_message="Choose a team from the list")
    q = SearchField("Name", filters=[strip], validators=[Optional(), Length(max=120)])

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        if ok and self.window.data == "custom":
            if self.start.data is None:
                self.start.errors = ["Enter the first date of the window"]
                ok = False
            if self.end.data is None:
                self.end.errors = ["Enter the last date of the window"]
                ok = False
            if ok and self.end.data < self.start.data:
                self.end.errors = ["The last date must be on or after the first date"]
                ok = False
        return ok


class AppraisalForm(WaymarkForm):
    held_on = DateField("Date of the appraisal", validators=[InputRequired("Enter the date the appraisal was held")],
                        invalid_value_message="Date of the appraisal must be a real date, like 2026-04-01")
    outcome = RadioField("Outcome", choices=[SelectChoice(o.value, o.label) for o in AppraisalOutcome],
                         validators=[InputRequired("Choose the outcome of the appraisal")],
                         invalid_choice_message="Choose the outcome of the appraisal")
    summary = _text("Summary (optional)", "The summary")


class StandingForm(WaymarkForm):
    mandatory_training = RadioField(
        "Statutory and mandatory training", choices=_tri("Complete", "Not complete"), default="unknown",
        validators=[InputRequired("Choose whether their training is complete")])
    checked_on = _date("Date the training record was checked")
    capability = RadioField(
        "Formal capability process", choices=_tri("Subject to a formal capability process"), default="unknown",
        validators=[InputRequired("Choose whether they are in a capability process")])
    disciplinary = RadioField(
        "Formal disciplinary sanction", choices=_tri("Has a formal disciplinary sanction"), default="unknown",
        validators=[InputRequired("Choose whether they have a disciplinary sanction")])
    sanction_live_until = _date("Sanction live until")

    @staticmethod
    def data_of(standing: HrStanding | None) -> dict[str, Any] | None:
        if standing is None:
            return None
        return {"mandatory_training": tri_state(standing.mandatory_training_complete),
                "checked_on": standing.mandatory_training_checked_on,
                "capability": tri_state(standing.capability_process),
                "disciplinary": tri_state(standing.disciplinary_sanction),
                "sanction_live_until": standing.sanction_live_until}


class DecisionForm(WaymarkForm):
    outcome = RadioField("Decision", choices=[SelectChoice(ProgressionOutcome.CONFIRMED.value, "Confirm the step"),
                                              SelectChoice(ProgressionOutcome.DEFERRED.value, "Defer the step")],
                         validators=[InputRequired("Choose whether to confirm or defer the step")],
                         invalid_choice_message="Choose whether to confirm or defer the step")
    reason = _text("Reason", "The reason")
    effective_on = _date("Date the new step starts")
    plan = _text("Support plan", "The support plan")
    review_on = _date("Review date")
    override = BooleanField("Confirm although a standard is not met")

    def values(self) -> dict[str, Any]:
        return {"outcome": ProgressionOutcome(self.outcome.data) if self.outcome.data else None,
                "reason": self.reason.data, "plan": self.plan.data, "review_on": self.review_on.data,
                "effective_on": self.effective_on.data}


class CorrectionForm(DecisionForm):
    correction_reason = _text("Why the decision is corrected", "The correction reason")

    @staticmethod
    def data_of(decision: ProgressionDecision) -> dict[str, Any]:
        return {"outcome": decision.outcome.value, "reason": decision.reason, "plan": decision.plan,
                "review_on": decision.review_on, "effective_on": decision.effective_on}


class DecisionFilterForm(WaymarkForm):
    class Meta:
        csrf = False

    outcome = SelectField("Outcome", choices=[
        SelectChoice("", "All decisions"), SelectChoice("confirmed", "Confirmed"), SelectChoice("deferred", "Deferred"),
        SelectChoice("corrected", "Corrected")],
                          validators=[Optional()], invalid_choice_message="Choose an outcome from the list")
