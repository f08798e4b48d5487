"""The supervision contract form; it checks shape only, the rules live in app.services.contracts."""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from app.forms import WaymarkForm
from wtforms import DateField, IntegerField, RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from app.services.contracts import NOTES_MAX, ContractDetails
from models import StaffRelationship, SupervisionKind
from models.countersigning import SupervisionContract

FREQUENCIES = [SelectChoice("minutes", "As minutes a month"),
               SelectChoice("sessions", "As a number of sessions a month, each of a set length")]
FORMATS = [SelectChoice("individual", "Individual"), SelectChoice("group", "Group")]


def strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _whole(label: str, invalid: str) -> IntegerField:
    return IntegerField(label, validators=[Optional()], invalid_value_message=invalid)


def _day(label: str, *, required: str | None = None) -> DateField:
    return DateField(label, format="%Y-%m-%d", validators=[InputRequired(required) if required else Optional()],
                     invalid_value_message=f"{label} must be a real date, like 2026-04-01")


class ContractForm(WaymarkForm):
    kind = RadioField("Kind of supervision", choices=[SelectChoice(k.value, k.label) for k in SupervisionKind],
                      validators=[InputRequired("Choose the kind of supervision")],
                      invalid_choice_message="Choose the kind of supervision")
    format = RadioField("Individual or group supervision", choices=FORMATS, default="individual",
                        validators=[InputRequired("Choose individual or group supervision")],
                        invalid_choice_message="Choose individual or group supervision")
    group_size = _whole("Group size", "Enter the group size as a whole number, like 4")
    frequency = RadioField("How is the frequency agreed?", choices=FREQUENCIES, default="minutes",
                           validators=[InputRequired("Choose how the frequency is agreed")],
                           invalid_choice_message="Choose how the frequency is agreed")
    minutes_per_month = _whole("Minutes a month", "Enter whole minutes, like 90")
    sessions_per_month = _whole("Sessions a month", "Enter the number of sessions as a whole number, like 2")
    minutes_per_session = _whole("Minutes each session", "Enter whole minutes, like 60")
    starts_on = _day("Start date", required="Enter the date the contract starts")
    review_on = _day("Review date")
    notes = TextAreaField("Notes", filters=[strip], validators=[
        Length(max=NOTES_MAX, message=f"Notes must be {NOTES_MAX:,} characters or fewer")])

    def validate(self, extra_validators: Mapping[str, Any] | None = None) -> bool:
        """The fields the chosen options make required (shape only: the service checks the values)."""
        valid = super().validate(extra_validators)
        needed = []
        if self.format.data == "group":
            needed.append((self.group_size, "Enter how many supervisees are in the group, including the supervisee"))
        if self.frequency.data == "sessions":
            needed += [(self.sessions_per_month, "Enter the number of sessions a month"),
                       (self.minutes_per_session, "Enter the minutes of each session")]
        elif self.frequency.data == "minutes":
            needed.append((self.minutes_per_month, "Enter the agreed minutes of supervision a month"))
        for field, message in needed:
            if field.data is None and not field.errors:
                field.errors = [*field.errors, message]
                valid = False
        if self.format.data == "group" and self.group_size.data is not None and self.group_size.data < 2:
            message = "A group has 2 or more supervisees: enter the group size, or choose individual supervision"
            self.group_size.errors = [*self.group_size.errors, message]
            valid = False
        self._errors = None
        return valid

    @staticmethod
    def new_data(rel: StaffRelationship, today: dt.date) -> dict[str, Any]:
        kind = rel.supervision_kind or SupervisionKind.CLINICAL
        return {"kind": kind.value, "starts_on": today if rel.covers(today) else rel.starts_on}

    @staticmethod
    def data_of(contract: SupervisionContract) -> dict[str, Any]:
        sessions = contract.sessions_per_month
        return {"kind": contract.kind.value, "format": "group" if contract.group_size > 1 else "individual",
                "group_size": contract.group_size if contract.group_size > 1 else None,
                "frequency": "sessions" if sessions else "minutes",
                "minutes_per_month": None if sessions else contract.minutes_per_month,
                "sessions_per_month": sessions,
                "minutes_per_session": contract.minutes_per_month // sessions if sessions else None,
                "starts_on": contract.starts_on, "review_on": contract.review_on, "notes": contract.notes}

    def details(self) -> ContractDetails:
        assert self.starts_on.data is not None and self.kind.data is not None
        sessions = self.frequency.data == "sessions"
        return ContractDetails(
            kind=SupervisionKind(self.kind.data), starts_on=self.starts_on.data, review_on=self.review_on.data,
            minutes_per_month=None if sessions else self.minutes_per_month.data,
            sessions_per_month=self.sessions_per_month.data if sessions else None,
            minutes_per_session=self.minutes_per_session.data if sessions else None,
            group_size=(self.group_size.data or 1) if self.format.data == "group" else 1, notes=self.notes.data)
