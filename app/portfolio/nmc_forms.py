"""Forms for the NMC revalidation evidence; they check shape only, the rules live in app.services.nmc."""
from __future__ import annotations

from app.forms import WaymarkForm
from wtforms import DateField, DecimalField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from app.admin.account_forms import choices, strip
from app.services.nmc import CODE_THEMES, FEEDBACK_SOURCES, KINDS


def _date(label: str, *, called: str) -> DateField:
    return DateField(label, validators=[InputRequired(f"Enter {called}")],
                     invalid_value_message=f"{called[0].upper()}{called[1:]} must be a real date, like 2026-03-01")


def _text(label: str, *, what: str, max_chars: int, required: bool = True) -> TextAreaField:
    first = [DataRequired(f"Enter {what}")] if required else [Optional()]
    return TextAreaField(label, filters=[strip], validators=[
        *first, Length(max=max_chars, message=f"{label} must be {max_chars:,} characters or fewer")])


class PracticeHoursForm(WaymarkForm):
    start_on = _date("First day", called="the first day of the period")
    end_on = _date("Last day", called="the last day of the period")
    hours = DecimalField("Hours practised", places=2, validators=[InputRequired("Enter the hours you practised")],
                         invalid_value_message="Hours must be a number, like 37.5")
    setting = StringField("Setting and scope of practice", filters=[strip], validators=[
        DataRequired("Enter where you practised and in what scope of practice"),
        Length(max=255, message="Setting and scope of practice must be 255 characters or fewer")])


class FeedbackForm(WaymarkForm):
    received_on = _date("Date received", called="the date you received the feedback")
    source = SelectField("Where the feedback came from",
                         choices=choices([("", "Choose where it came from"), *FEEDBACK_SOURCES.items()]),
                         validators=[DataRequired("Choose where the feedback came from")],
                         invalid_choice_message="Choose where the feedback came from")
    summary = _text("Summary of the feedback", what="a summary of the feedback", max_chars=2000)
    what_changed = _text("What you changed as a result", what="what you changed", max_chars=2000, required=False)


class ReflectiveAccountForm(WaymarkForm):
    written_on = _date("Date of the account", called="the date of the account")
    nature_of_experience = _text("What was the nature of the CPD activity, practice-related feedback or event "
                                 "or experience in your practice?", what="the nature of the activity, feedback or "
                                 "experience", max_chars=5000)
    what_learned = _text("What did you learn from it?", what="what you learned", max_chars=5000)
    how_changed_practice = _text("How did you change or improve your practice as a result?",
                                 what="how you changed or improved your practice", max_chars=5000)
    code_themes = SelectMultipleField("How is this relevant to the Code?", choices=choices(CODE_THEMES.items()),
                                      validators=[DataRequired("Choose at least one of the Code's themes")],
                                      invalid_choice_message="Choose themes from the list")


class ReflectiveDiscussionForm(WaymarkForm):
    held_on = _date("Date of the discussion", called="the date of the discussion")
    partner_name = StringField("Name of the NMC registrant", filters=[strip], validators=[
        DataRequired("Enter the name of the registrant you talked with"),
        Length(max=120, message="Name must be 120 characters or fewer")])
    partner_pin = StringField("Their NMC PIN", filters=[strip], validators=[
        DataRequired("Enter their NMC PIN"), Length(max=12, message="An NMC PIN has 8 characters, like 12A3456E")])


class NmcFilterForm(WaymarkForm):
    """The filters above the evidence, sent with GET so a view can be bookmarked."""

    class Meta:
        csrf = False

    kind = SelectField("Show", choices=choices([("", "All evidence"), *((k.slug, k.title) for k in KINDS.values())]),
                       validators=[Optional()], invalid_choice_message="Choose what to show from the list")
    since = DateField("From", name="from", validators=[Optional()],
                      invalid_value_message="From must be a real date, like 2026-03-01")
    until = DateField("To", name="to", validators=[Optional()],
                      invalid_value_message="To must be a real date, like 2026-03-01")
    sort = SelectField("Order", choices=choices([("newest", "Newest first"), ("oldest", "Oldest first")]),
                       default="newest", validators=[Optional()],
                       invalid_choice_message="Choose an order from the list")

    def validate_until(self, field: DateField) -> None:
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError("To must be the same as or after From")
