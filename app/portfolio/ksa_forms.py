"""Forms for the KSA route: route, biography, experience, self-directed study and reference requests. Shape only; rules live in app.services.ksa."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from app.forms import WaymarkForm
from wtforms import DateField, DecimalField, RadioField, SelectChoice, SelectField, SelectMultipleField, StringField
from wtforms import TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from app.portfolio.cpd_forms import YES_NO, hours_text, strip
from app.services.ksa import (MAX_BIOGRAPHY, MAX_LINE, MAX_TEXT, ExperienceInput, ReferenceInput, StudyInput)
from competences.frameworks import Framework, items
from models import User
from models.ksa import ExperienceKind, KsaExperience, KsaPortfolio, KsaStudy, ReferenceKind

FULL = "full"


def _date(label: str, *, required: str | None = None) -> DateField:
    first = [InputRequired(required)] if required else [Optional()]
    return DateField(label, validators=first, invalid_value_message=f"{label} must be a real date, like 2026-04-01")


def _text(label: str, limit: int = MAX_LINE, *, required: str | None = None) -> StringField:
    first = [InputRequired(required)] if required else [Optional()]
    return StringField(label, filters=[strip], validators=[
        *first, Length(max=limit, message=f"{label} must be {limit:,} characters or fewer")])


def _area(label: str, limit: int = MAX_TEXT) -> TextAreaField:
    return TextAreaField(label, filters=[strip], validators=[
        Optional(), Length(max=limit, message=f"{label} must be {limit:,} characters or fewer")])


def criterion_choices(framework: Framework, held: list[str] | None = None) -> list[SelectChoice]:
    known = items(framework)
    ids = {i.id for i in known}
    return ([SelectChoice(i.id, f"{i.code}. {i.title}") for i in known]
            + [SelectChoice(c, f"{c} (not in the current framework)") for c in (held or []) if c not in ids])


class RouteForm(WaymarkForm):
    route = RadioField("Which KSA route are you following?", validators=[InputRequired("Choose your KSA route")],
                       invalid_choice_message="Choose your KSA route")
    background = _text("Your background for this route")

    def __init__(self, *args: Any, framework: Framework, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.route.choices = [SelectChoice(FULL, "The full KSA (all 14 criteria)"),
                              *(SelectChoice(v.id, v.title) for v in framework.variants)]

    @staticmethod
    def data_of(portfolio: KsaPortfolio | None) -> dict[str, Any] | None:
        if portfolio is None:
            return None
        return {"route": portfolio.route or FULL, "background": portfolio.background}

    def chosen_route(self) -> str | None:
        return None if self.route.data == FULL else self.route.data


class BiographyForm(WaymarkForm):
    biography = _area("Your biography", MAX_BIOGRAPHY)


class ExperienceForm(WaymarkForm):
    kind = RadioField("Kind of experience", choices=[SelectChoice(k.value, k.label) for k in ExperienceKind],
                      validators=[InputRequired("Choose employment, volunteering or placement")],
                      invalid_choice_message="Choose employment, volunteering or placement")
    organisation = _text("Organisation", required="Enter the organisation")
    role_title = _text("Your role", 120, required="Enter your role")
    started_on = _date("Start date", required="Enter the date you started")
    ended_on = _date("End date")
    hours_per_week = DecimalField("Hours a week", places=None,
                                  validators=[InputRequired("Enter the hours a week, like 37.5")],
                                  invalid_value_message="Enter the hours a week as a number, like 37.5")
    mental_health_setting = RadioField("Was it in a mental health setting?", choices=YES_NO, default="no",
                                       validators=[InputRequired("Say whether it was a mental health setting")],
                                       invalid_choice_message="Say whether it was a mental health setting")
    accountable_to = _text("Senior clinician you were accountable to")
    description = _area("Your duties")

    @staticmethod
    def data_of(entry: KsaExperience) -> dict[str, Any]:
        return {"kind": entry.kind.value, "organisation": entry.organisation, "role_title": entry.role_title,
                "started_on": entry.started_on, "ended_on": entry.ended_on, "hours_per_week": entry.hours_per_week,
                "mental_health_setting": "yes" if entry.mental_health_setting else "no",
                "accountable_to": entry.accountable_to, "description": entry.description}

    def details(self) -> ExperienceInput:
        assert self.started_on.data is not None and self.hours_per_week.data is not None
        return ExperienceInput(kind=self.kind.data or "", organisation=self.organisation.data or "",
                               role_title=self.role_title.data or "", started_on=self.started_on.data,
                               ended_on=self.ended_on.data, hours_per_week=self.hours_per_week.data,
                               mental_health_setting=self.mental_health_setting.data == "yes",
                               description=self.description.data, accountable_to=self.accountable_to.data)


class StudyForm(WaymarkForm):
    topic = _text("Topic", required="Enter the topic you studied")
    source = _text("Material or source")
    started_on = _date("Date", required="Enter the date you studied")
    ended_on = _date("End date")
    hours = DecimalField("Hours", places=None, validators=[InputRequired("Enter the hours, like 1.5")],
                         invalid_value_message="Enter the hours as a number, like 1.5 or 6.25")
    criteria = SelectMultipleField("KSA criteria it supports", choices=[],
                                   validators=[InputRequired("Choose at least one KSA criterion")],
                                   invalid_choice_message="Choose criteria from the list")
    learned = _area("What did you learn?")

    def __init__(self, *args: Any, framework: Framework, held: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.criteria.choices = criterion_choices(framework, held)

    @staticmethod
    def data_of(entry: KsaStudy) -> dict[str, Any]:
        return {"topic": entry.topic, "source": entry.source, "started_on": entry.started_on,
                "ended_on": entry.ended_on if entry.ended_on != entry.started_on else None,
                "hours": Decimal(hours_text(entry.minutes)), "criteria": list(entry.criteria),
                "learned": entry.learned}

    def details(self) -> StudyInput:
        assert self.started_on.data is not None and self.hours.data is not None
        return StudyInput(started_on=self.started_on.data, ended_on=self.ended_on.data, topic=self.topic.data or "",
                          hours=self.hours.data, criteria=list(self.criteria.data or ()), source=self.source.data,
                          learned=self.learned.data)


SUPERVISOR, OUTSIDE = "supervisor", "outside"


class ReferenceForm(WaymarkForm):
    kind = RadioField("What are you asking for?", choices=[SelectChoice(k.value, k.label) for k in ReferenceKind],
                      validators=[InputRequired("Choose a reference or a countersignature")],
                      invalid_choice_message="Choose a reference or a countersignature")
    criteria = SelectMultipleField("Which KSA criteria?", choices=[],
                                   validators=[InputRequired("Choose at least one KSA criterion")],
                                   invalid_choice_message="Choose criteria from the list")
    referee_type = RadioField("Who are you asking?", choices=[
        SelectChoice(SUPERVISOR, "A supervisor in Waymark"), SelectChoice(OUTSIDE, "Someone outside Waymark")],
        validators=[InputRequired("Choose a supervisor or an outside referee")],
        invalid_choice_message="Choose a supervisor or an outside referee")
    referee_id = SelectField("Your supervisor", choices=[], default="",
                             invalid_choice_message="Choose one of your current supervisors")
    referee_name = _text("Referee's name", 120)
    referee_email = _text("Referee's e-mail address")
    referee_role = _text("Their role and how they know your work")
    message = _area("Message to the referee")

    def __init__(self, *args: Any, framework: Framework, supervisors: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.criteria.choices = criterion_choices(framework)
        self.referee_id.choices = [SelectChoice("", "Choose a supervisor"),
                                   *(SelectChoice(str(u.id), u.full_name) for u in supervisors)]

    def validate_referee_id(self, field: SelectField) -> None:
        if self.referee_type.data == SUPERVISOR and not field.data:
            raise ValidationError("Choose one of your current supervisors")

    def details(self) -> ReferenceInput:
        supervisor = self.referee_type.data == SUPERVISOR
        referee_id = int(self.referee_id.data) if supervisor and self.referee_id.data else None
        return ReferenceInput(kind=self.kind.data or "", criteria=list(self.criteria.data or ()),
                              referee_id=referee_id,
                              referee_name=None if supervisor else self.referee_name.data,
                              referee_email=None if supervisor else self.referee_email.data,
                              referee_role=None if supervisor else self.referee_role.data,
                              message=self.message.data)
