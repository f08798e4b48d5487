"""Forms for recording and changing relationships; the rules live in app.services.relationships."""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from app.forms import WaymarkForm
from wtforms import DateField, RadioField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Optional

from models import RelationshipKind, Role, SupervisionKind, User


class DayField(DateField):
    """A date typed into <input type=date>, with a message a person can act on when it is not a date."""

    def __init__(self, label: str, *, invalid: str, **kwargs: Any) -> None:
        super().__init__(label, format="%Y-%m-%d", **kwargs)
        self.invalid = invalid

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(self.invalid) from None


def optional_id(value: object) -> int | None:
    if value in (None, ""):
        return None
    return int(str(value))


def person_choices(people: list[User], *, blank: str, roles: Sequence[Role] = ()) -> list[SelectChoice]:
    """Options for a select of people: the roles that matter here, and the e-mail where two share a name."""
    names = Counter(p.full_name for p in people)
    choices = [SelectChoice("", blank)]
    for p in people:
        label = p.full_name if names[p.full_name] == 1 else f"{p.full_name}, {p.email}"
        held = [r.label.lower() for r in roles if p.has_role(r)]
        choices.append(SelectChoice(str(p.id), f"{label} ({', '.join(held)})" if held else label))
    return choices


class RelationshipForm(WaymarkForm):
    kind = RadioField("Kind of relationship", choices=[SelectChoice(k.value, k.label) for k in RelationshipKind],
                      validators=[InputRequired("Choose the kind of relationship")])
    supervision_kind = SelectField(
        "Kind of supervision",
        choices=[SelectChoice("", "Not supervision")] + [SelectChoice(k.value, k.label) for k in SupervisionKind])
    # The lists are filled per request from the people in the actor's scope; the service re-checks
    # the chosen ids, so a tampered id is refused there rather than by matching choices here.
    senior_id = SelectField("Supervisor, line manager or tutor", coerce=optional_id, validate_choice=False,
                            validators=[DataRequired("Choose the supervisor, line manager or tutor")])
    junior_id = SelectField("Supervisee, report or trainee", coerce=optional_id, validate_choice=False,
                            validators=[DataRequired("Choose the supervisee, report or trainee")])
    starts_on = DayField("Start date", invalid="The start date must be a real date",
                         validators=[DataRequired("Enter the start date")])
    ends_on = DayField("End date (optional)", invalid="The end date must be a real date", validators=[Optional()])


class RelationshipDatesForm(WaymarkForm):
    starts_on = DayField("Start date", invalid="The start date must be a real date",
                         validators=[DataRequired("Enter the start date")])
    ends_on = DayField("End date (optional)", invalid="The end date must be a real date", validators=[Optional()])


class EndRelationshipForm(WaymarkForm):
    last_day = DayField("Last day of the relationship", invalid="The last day must be a real date",
                        validators=[DataRequired("Enter the last day of the relationship")])


class RelationshipFilterForm(WaymarkForm):
    """The list's filters: read from the query string, so no CSRF token (it changes nothing)."""

    class Meta:
        csrf = False

    kind = SelectField("Kind", choices=[SelectChoice("", "All kinds")]
                       + [SelectChoice(k.value, k.label) for k in RelationshipKind])
    status = SelectField("Status", choices=[
        SelectChoice("current", "Current"), SelectChoice("future", "Not started yet"),
        SelectChoice("ended", "Ended"), SelectChoice("all", "All")])
