"""Forms for the CPD log: one activity, and the filters above the list. Shape only; rules live in app.services.cpd."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from app.forms import WaymarkForm
from wtforms import DateField, DecimalField, RadioField, SelectChoice, SelectField, SelectMultipleField, StringField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from app.services.cpd import CATEGORIES, HCPC_STANDARDS, MAX_TEXT, MAX_TITLE, CpdInput, linkable_competences
from models import CpdActivity

YES_NO = [SelectChoice("yes", "Yes"), SelectChoice("no", "No")]
ANY_YES_NO = [SelectChoice("", "Either"), SelectChoice("yes", "Yes"), SelectChoice("no", "No")]
SORTS = [SelectChoice("newest", "Newest first"), SelectChoice("oldest", "Oldest first"),
         SelectChoice("longest", "Longest first")]


def strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _date(label: str, *, required: str | None = None, name: str | None = None) -> DateField:
    first = [InputRequired(required)] if required else [Optional()]
    return DateField(label, name=name, validators=first,
                     invalid_value_message=f"{label} must be a real date, like 2026-04-01")


def _yes_no(label: str, message: str, default: str) -> RadioField:
    return RadioField(label, choices=YES_NO, default=default, validators=[InputRequired(message)],
                      invalid_choice_message=message)


def _text(label: str, limit: int = MAX_TEXT) -> StringField:
    return StringField(label, filters=[strip], validators=[
        Optional(), Length(max=limit, message=f"{label} must be {limit:,} characters or fewer")])


def hours_text(minutes: int) -> str:
    """Minutes as the decimal hours a person would type: 90 → "1.5", 75 → "1.25", 360 → "6"."""
    text = f"{Decimal(minutes) / 60:.2f}"
    return text.rstrip("0").rstrip(".")


def competence_choices(extra: Iterable[str] = ()) -> list[SelectChoice]:
    """KSA criteria and UCL CBT competences; ids held from older framework versions stay choosable."""
    known = linkable_competences()
    choices = [SelectChoice(c.id, f"{c.code} {c.title}") for c in known]
    ids = {c.id for c in known}
    return choices + [SelectChoice(i, f"{i} (not in the current framework)") for i in extra if i not in ids]


class CpdForm(WaymarkForm):
    start_on = _date("Start date", required="Enter the date the activity started")
    end_on = _date("End date")
    title = StringField("Title", filters=[strip], validators=[
        InputRequired("Enter the title of the activity"),
        Length(max=MAX_TITLE, message=f"Title must be {MAX_TITLE} characters or fewer")])
    provider = _text("Provider", MAX_TITLE)
    category = RadioField("BABCP category", choices=[SelectChoice(k, v[0]) for k, v in CATEGORIES.items()],
                          validators=[InputRequired("Choose the BABCP category")],
                          invalid_choice_message="Choose the BABCP category")
    hours = DecimalField("Hours", places=None, validators=[InputRequired("Enter the hours, like 1.5")],
                         invalid_value_message="Enter the hours as a number, like 1.5 or 6.25")
    cbt = _yes_no("Was it CBT?", "Say whether the activity was CBT", "yes")
    cbt_skills = _yes_no("Was it CBT skills training?", "Say whether it was CBT skills training", "no")
    participatory = _yes_no("Was it participatory?", "Say whether the activity was participatory", "no")
    hcpc_standards = SelectMultipleField(
        "HCPC standards it helps you meet", coerce=int,
        choices=[SelectChoice(n, f"{n}. {text}") for n, text in HCPC_STANDARDS.items()],
        invalid_choice_message="Choose HCPC standards from the list")
    reflection_learned = _text("What did you learn?")
    reflection_practice = _text("How will it change your practice?")
    competences = SelectMultipleField("Competences it supports", choices=[],
                                      invalid_choice_message="Choose competences from the list")

    def __init__(self, *args: Any, held: Iterable[str] = (), **kwargs: Any) -> None:
        """`held`: the competence ids the entry already links, kept choosable if a framework has moved on."""
        super().__init__(*args, **kwargs)
        self.competences.choices = competence_choices(held)

    @staticmethod
    def data_of(entry: CpdActivity) -> dict[str, Any]:
        yes = {True: "yes", False: "no"}
        return {"start_on": entry.start_on, "end_on": entry.end_on if entry.end_on != entry.start_on else None,
                "title": entry.title, "provider": entry.provider, "category": entry.category,
                "hours": Decimal(hours_text(entry.minutes)), "cbt": yes[entry.cbt], "cbt_skills": yes[entry.cbt_skills],
                "participatory": yes[entry.participatory], "hcpc_standards": list(entry.hcpc_standards),
                "reflection_learned": entry.reflection_learned, "reflection_practice": entry.reflection_practice,
                "competences": list(entry.competences)}

    def details(self) -> CpdInput:
        assert self.start_on.data is not None and self.hours.data is not None
        return CpdInput(start_on=self.start_on.data, end_on=self.end_on.data, title=self.title.data or "",
                        provider=self.provider.data, category=self.category.data or "", hours=self.hours.data,
                        cbt=self.cbt.data == "yes", cbt_skills=self.cbt_skills.data == "yes",
                        participatory=self.participatory.data == "yes",
                        hcpc_standards=list(self.hcpc_standards.data or ()),
                        reflection_learned=self.reflection_learned.data,
                        reflection_practice=self.reflection_practice.data,
                        competences=list(self.competences.data or ()))


class CpdFilterForm(WaymarkForm):
    """The filters above the list, sent with GET so a view of the log can be bookmarked."""

    class Meta:
        csrf = False

    date_from = _date("From", name="from")
    date_to = _date("To", name="to")
    category = SelectField("Category", choices=[SelectChoice("", "Any category"),
                                                *(SelectChoice(k, v[0]) for k, v in CATEGORIES.items())],
                           validators=[Optional()], invalid_choice_message="Choose a category from the list")
    cbt = SelectField("CBT", choices=ANY_YES_NO, validators=[Optional()], invalid_choice_message="Choose from the list")
    cbt_skills = SelectField("CBT skills training", choices=ANY_YES_NO, validators=[Optional()],
                             invalid_choice_message="Choose from the list")
    participatory = SelectField("Participatory", choices=ANY_YES_NO, validators=[Optional()],
                                invalid_choice_message="Choose from the list")
    sort = SelectField("Sort", choices=SORTS, default="newest", validators=[Optional()],
                       invalid_choice_message="Choose an order from the list")

    def validate_date_to(self, field: DateField) -> None:
        start: dt.date | None = self.date_from.data
        if start and field.data and field.data < start:
            raise ValidationError("To must be the same as or after From")
