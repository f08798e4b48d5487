"""Forms for outside links and references. Shape only; the rules live in app.services.outside_links and references."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from app.forms import WaymarkForm
from wtforms import RadioField, SelectChoice, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from app.services.outside_links import MAX_COMMENT, Decision
from app.services.references import MAX_NAME, MAX_REFERENCE
from models import SupervisionSession
from models.countersigning import CountersignStatus


def strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _name() -> StringField:
    return StringField("Your full name", filters=[strip], validators=[
        InputRequired("Type your full name to confirm"),
        Length(max=MAX_NAME, message=f"Your name must be {MAX_NAME} characters or fewer")])


def _text() -> TextAreaField:
    return TextAreaField("Your reference", filters=[strip], validators=[
        InputRequired("Write the reference or countersignature"),
        Length(max=MAX_REFERENCE, message=f"This must be {MAX_REFERENCE:,} characters or fewer")])


class WriteReferenceForm(WaymarkForm):
    text = _text()


class OutsideReferenceForm(WaymarkForm):
    text = _text()
    name = _name()


class ConfirmSessionsBase(WaymarkForm):
    name = _name()

    session_ids: Sequence[int] = ()

    def decisions(self) -> dict[int, Decision]:
        out = {}
        for sid in self.session_ids:
            status = self[f"session_{sid}"].data
            if status in {s.value for s in CountersignStatus}:
                out[sid] = Decision(CountersignStatus(status), self[f"comment_{sid}"].data)
        return out


def confirm_sessions_form(sessions: Sequence[SupervisionSession]) -> ConfirmSessionsBase:
    """One confirm-or-dispute question and comment per linked session; fields for other ids do not exist."""

    class ConfirmSessionsForm(ConfirmSessionsBase):
        pass

    for s in sessions:
        setattr(ConfirmSessionsForm, f"session_{s.id}", RadioField(
            "Did this session take place as shown?",
            choices=[SelectChoice(CountersignStatus.CONFIRMED.value, "Yes, I confirm it"),
                     SelectChoice(CountersignStatus.DISPUTED.value, "No, something is wrong")],
            validators=[InputRequired("Say whether this session took place as shown")],
            invalid_choice_message="Say whether this session took place as shown"))
        setattr(ConfirmSessionsForm, f"comment_{s.id}", TextAreaField(
            "Comment (required if something is wrong)", filters=[strip], validators=[
                Optional(), Length(max=MAX_COMMENT, message=f"This must be {MAX_COMMENT:,} characters or fewer")]))
    form = ConfirmSessionsForm()
    form.session_ids = [s.id for s in sessions]
    return form


class SupervisionLinkForm(WaymarkForm):
    sessions = SelectMultipleField("Sessions to confirm", coerce=int, validate_choice=False)
    recipient_email = StringField("Their e-mail address (optional)", filters=[strip], validators=[
        Optional(), Length(max=255, message="The e-mail address must be 255 characters or fewer")])

    def __init__(self, sessions: Sequence[SupervisionSession], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sessions.choices = [SelectChoice(s.id, f"{s.occurred_on:%d %b %Y}, {s.minutes} minutes, "
                                                    f"{s.kind.label} with {s.outside_supervisor_name}")
                                 for s in sessions]
