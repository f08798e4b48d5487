"""Forms for the supervision-received log; they check shape only, the rules live in app.services.supervision_log."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from app.forms import WaymarkForm
from wtforms import (DateField, FieldList, Form, FormField, IntegerField, RadioField, SelectField, StringField,
                     TextAreaField)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from app.services.supervision_log import (CASE_REF_MAX, CREDENTIALS_MAX, FORMATS, MAX_CASES, NAME_MAX, SORTS,
                                          THEMES_MAX, CaseMinutes, SupervisionDetails, SupervisionFilters,
                                          relationship_label)
from models import StaffRelationship, SupervisionKind, SupervisionSession

OUTSIDE = "outside"
YES_NO = [SelectChoice("yes", "Yes"), SelectChoice("no", "No")]
KINDS = [SelectChoice(k.value, k.label) for k in SupervisionKind]


def strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def supervisor_choices(relationships: Iterable[StaffRelationship]) -> list[SelectChoice]:
    return [SelectChoice("", "Choose your supervisor"),
            *(SelectChoice(str(rel.id), relationship_label(rel)) for rel in relationships),
            SelectChoice(OUTSIDE, "Someone outside Waymark")]


def _whole_minutes(label: str, **kwargs: Any) -> IntegerField:
    return IntegerField(label, invalid_value_message="Enter whole minutes, like 60", **kwargs)


def _day(label: str, *, invalid: str, **kwargs: Any) -> DateField:
    return DateField(label, format="%Y-%m-%d", invalid_value_message=invalid, **kwargs)


class CaseRowForm(Form):
    """One row of the cases discussed; blank rows are ignored by the service."""

    case_ref = StringField("Case reference", filters=[strip], validators=[
        Optional(), Length(max=CASE_REF_MAX, message=f"A case reference must be {CASE_REF_MAX} characters or fewer")])
    minutes = _whole_minutes("Minutes", validators=[Optional()])


class SupervisionForm(WaymarkForm):
    occurred_on = _day("Date of the session", validators=[InputRequired("Enter the date of the session")],
                           invalid="The date of the session must be a real date, like 2025-04-01")
    supervisor = SelectField("Supervisor", choices=supervisor_choices(()), validate_choice=False,
                             validators=[DataRequired("Choose your supervisor, or someone outside Waymark")])
    outside_name = StringField("Name of the supervisor from outside Waymark", filters=[strip], validators=[
        Length(max=NAME_MAX, message=f"The name must be {NAME_MAX} characters or fewer")])
    outside_credentials = StringField("Their credentials", filters=[strip], validators=[
        Length(max=CREDENTIALS_MAX, message=f"The credentials must be {CREDENTIALS_MAX} characters or fewer")])
    minutes = _whole_minutes("Length of the session in minutes",
                             validators=[InputRequired("Enter the length of the session in minutes")])
    kind = SelectField("Kind of supervision", default="", invalid_choice_message="Choose a kind from the list",
                       choices=[SelectChoice("", "As recorded for the supervision relationship"), *KINDS])
    format = RadioField("Individual or group supervision", default="individual",
                        choices=[SelectChoice(k, v) for k, v in FORMATS.items()],
                        validators=[InputRequired("Choose individual or group supervision")])
    group_size = IntegerField("Group size", validators=[Optional()],
                              invalid_value_message="Enter the group size as a whole number, like 4")
    cbt = RadioField("Was it CBT supervision?", default="yes", choices=YES_NO,
                     validators=[InputRequired("Say whether it was CBT supervision")])
    sampled = RadioField("Was live or recorded material of your practice sampled?", default="no", choices=YES_NO,
                         validators=[InputRequired("Say whether live or recorded material was sampled")])
    cases = FieldList(FormField(CaseRowForm), min_entries=MAX_CASES, max_entries=MAX_CASES)
    themes = TextAreaField("Themes discussed", validators=[
        Length(max=THEMES_MAX, message=f"Themes must be {THEMES_MAX:,} characters or fewer")])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for n, row in enumerate(self.cases, start=1):
            row.case_ref.label.text = f"Case {n}: reference"
            row.minutes.label.text = f"Case {n}: minutes"

    def validate_supervisor(self, field: SelectField) -> None:
        if field.data != OUTSIDE and not str(field.data).isdigit():
            raise ValidationError("Choose your supervisor from the list")

    def relationship_id(self) -> int | None:
        value = self.supervisor.data or ""
        return int(value) if value.isdigit() else None

    def details(self) -> SupervisionDetails:
        outside = self.supervisor.data == OUTSIDE
        group = self.format.data == "group"
        return SupervisionDetails(
            occurred_on=self.occurred_on.data, minutes=self.minutes.data,
            relationship_id=None if outside else self.relationship_id(),
            outside_name=self.outside_name.data if outside else None,
            outside_credentials=self.outside_credentials.data if outside else None,
            kind=SupervisionKind(self.kind.data) if self.kind.data else None,
            group=group, group_size=self.group_size.data if group else None,
            cbt=self.cbt.data == "yes", live_or_recorded_sampled=self.sampled.data == "yes",
            cases=[CaseMinutes(row.case_ref.data, row.minutes.data) for row in self.cases],
            themes=self.themes.data)


def entry_data(entry: SupervisionSession) -> dict[str, Any]:
    """A recorded session as the form's starting values."""
    return {
        "occurred_on": entry.occurred_on,
        "supervisor": str(entry.relationship_id) if entry.relationship_id else OUTSIDE,
        "outside_name": entry.outside_supervisor_name, "outside_credentials": entry.outside_supervisor_credentials,
        "minutes": entry.minutes, "kind": entry.kind.value,
        "format": "group" if entry.group_size > 1 else "individual",
        "group_size": entry.group_size if entry.group_size > 1 else None,
        "cbt": "yes" if entry.cbt else "no", "sampled": "yes" if entry.live_or_recorded_sampled else "no",
        "cases": [{"case_ref": c.case_ref, "minutes": c.minutes} for c in entry.cases],
        "themes": entry.themes,
    }


class SupervisionFilterForm(WaymarkForm):
    """The filters above the list, sent with GET so a view can be bookmarked."""

    class Meta:
        csrf = False

    start = _day("From", name="from", validators=[Optional()], invalid="The ‘from’ date must be a real date")
    end = _day("To", name="to", validators=[Optional()], invalid="The ‘to’ date must be a real date")
    kind = SelectField("Kind", default="", choices=[SelectChoice("", "Any kind"), *KINDS],
                       invalid_choice_message="Choose a kind from the list")
    format = SelectField("Individual or group", default="", invalid_choice_message="Choose from the list",
                         choices=[SelectChoice("", "Individual and group"),
                                  *(SelectChoice(k, v) for k, v in FORMATS.items())])
    sort = SelectField("Sort", default="newest", choices=[SelectChoice(k, v) for k, v in SORTS.items()],
                       invalid_choice_message="Choose an order from the list")

    def validate_end(self, field: DateField) -> None:
        if field.data and self.start.data and field.data < self.start.data:
            raise ValidationError("The ‘to’ date must be the same as or after the ‘from’ date")

    def filters(self, *, deleted: bool) -> SupervisionFilters:
        return SupervisionFilters(start=self.start.data, end=self.end.data,
                                  kind=SupervisionKind(self.kind.data) if self.kind.data else None,
                                  format=self.format.data or None, sort=self.sort.data or "newest", deleted=deleted)
