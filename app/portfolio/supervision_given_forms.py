"""Forms for a supervisor's own logs: supervision given outside the service, and supervision training.

Shape only; the rules (dates, limits, patient identifiers) live in app.services.supervision_given.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from app.forms import WaymarkForm
from wtforms import DateField, DecimalField, IntegerField, RadioField, StringField
from wtforms.validators import InputRequired, Length, Optional

from app.portfolio.cpd_forms import YES_NO, hours_text, strip
from app.services.supervision_given import MAX_TEXT, GivenInput, TrainingInput
from models.supervisor_work import OutsideSupervisionGiven, SupervisionTraining

YES = {True: "yes", False: "no"}


def _date(label: str, required: str | None = None) -> DateField:
    return DateField(label, validators=[InputRequired(required)] if required else [Optional()],
                     invalid_value_message=f"{label} must be a real date, like 2026-04-01")


def _yes_no(label: str, message: str, default: str) -> RadioField:
    return RadioField(label, choices=YES_NO, default=default, validators=[InputRequired(message)],
                      invalid_choice_message=message)


class GivenForm(WaymarkForm):
    given_on = _date("Date", "Enter the date you gave the supervision")
    minutes = IntegerField("Minutes", validators=[InputRequired("Enter the length in minutes, like 60")],
                           invalid_value_message="Enter the length as a whole number of minutes, like 60")
    group_size = IntegerField("Supervisees present", default=1,
                              validators=[InputRequired("Enter how many supervisees were present")],
                              invalid_value_message="Enter how many supervisees were present as a whole number")
    cbt = _yes_no("Was it CBT supervision?", "Say whether it was CBT supervision", "yes")
    supervisee_is_pwp = _yes_no("Were the supervisees psychological wellbeing practitioners?",
                                "Say whether the supervisees were PWPs", "no")
    setting = StringField("Where, or for which organisation", filters=[strip], validators=[
        InputRequired("Enter where, or for which organisation"),
        Length(max=MAX_TEXT, message=f"This must be {MAX_TEXT} characters or fewer")])

    @staticmethod
    def data_of(entry: OutsideSupervisionGiven) -> dict[str, Any]:
        return {"given_on": entry.given_on, "minutes": entry.minutes, "group_size": entry.group_size,
                "cbt": YES[entry.cbt], "supervisee_is_pwp": YES[entry.supervisee_is_pwp], "setting": entry.setting}

    def details(self) -> GivenInput:
        assert self.given_on.data is not None and self.minutes.data is not None and self.group_size.data is not None
        return GivenInput(given_on=self.given_on.data, minutes=self.minutes.data, group_size=self.group_size.data,
                          cbt=self.cbt.data == "yes", supervisee_is_pwp=self.supervisee_is_pwp.data == "yes",
                          setting=self.setting.data or "")


class TrainingForm(WaymarkForm):
    title = StringField("Course title", filters=[strip], validators=[
        InputRequired("Enter the course title"),
        Length(max=MAX_TEXT, message=f"Course title must be {MAX_TEXT} characters or fewer")])
    provider = StringField("Provider", filters=[strip], validators=[
        Optional(), Length(max=MAX_TEXT, message=f"Provider must be {MAX_TEXT} characters or fewer")])
    start_on = _date("Start date", "Enter the date the course started")
    end_on = _date("End date")
    hours = DecimalField("Hours", places=None, validators=[InputRequired("Enter the hours, like 6 or 7.5")],
                         invalid_value_message="Enter the hours as a number, like 6 or 7.5")

    @staticmethod
    def data_of(entry: SupervisionTraining) -> dict[str, Any]:
        return {"title": entry.title, "provider": entry.provider, "start_on": entry.start_on,
                "end_on": entry.end_on if entry.end_on != entry.start_on else None,
                "hours": Decimal(hours_text(entry.minutes))}

    def details(self) -> TrainingInput:
        assert self.start_on.data is not None and self.hours.data is not None
        return TrainingInput(title=self.title.data or "", provider=self.provider.data, start_on=self.start_on.data,
                             end_on=self.end_on.data, hours=self.hours.data)
