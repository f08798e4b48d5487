"""Forms for supervisor reports: writing one, and the supervisee's acknowledgement. Shape only; rules live in
app.services.supervisor_reports."""
from __future__ import annotations

from app.forms import WaymarkForm
from wtforms import DateField, RadioField, SelectChoice, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from app.portfolio.cpd_forms import strip
from app.services.supervisor_reports import MAX_TEXT, RECOMMENDATIONS, ReportInput


def _text(label: str, required: str | None = None) -> TextAreaField:
    first = [InputRequired(required)] if required else [Optional()]
    return TextAreaField(label, filters=[strip], validators=[
        *first, Length(max=MAX_TEXT, message=f"{label} must be {MAX_TEXT:,} characters or fewer")])


class ReportForm(WaymarkForm):
    period_from = DateField("Period from", validators=[InputRequired("Enter the start of the period")],
                            invalid_value_message="Period from must be a real date, like 2026-01-01")
    period_to = DateField("Period to", validators=[InputRequired("Enter the end of the period")],
                          invalid_value_message="Period to must be a real date, like 2026-06-30")
    caseload = _text("Caseload", "Describe the caseload")
    competence = _text("Competence", "Describe competence")
    concerns = _text("Concerns")
    recommendation = RadioField("Recommendation", choices=[SelectChoice(k, v) for k, v in RECOMMENDATIONS.items()],
                                validators=[InputRequired("Choose a recommendation")],
                                invalid_choice_message="Choose a recommendation")
    recommendation_text = _text("About the recommendation")

    def details(self) -> ReportInput:
        assert self.period_from.data and self.period_to.data
        return ReportInput(period_from=self.period_from.data, period_to=self.period_to.data,
                           caseload=self.caseload.data or "", competence=self.competence.data or "",
                           recommendation=self.recommendation.data or "", concerns=self.concerns.data,
                           recommendation_text=self.recommendation_text.data)


class AcknowledgeForm(WaymarkForm):
    comment = _text("Your comment")
