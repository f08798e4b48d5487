"""Forms for supervisee feedback: the supervisor's request and a supervisee's answer.

Shape only; how many supervisees, who may be asked and who may answer are app.services.feedback_forms' rules.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from app.forms import WaymarkForm
from wtforms import Field, RadioField, SelectChoice, SelectMultipleField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from app.portfolio.cpd_forms import YES_NO, strip
from app.services.feedback_forms import (
    MAX_SUPERVISEES,
    MAX_TEXT,
    MIN_SUPERVISEES,
    QUESTIONS,
    RATINGS,
)
from models import User

#: What each rating means, as the answer form shows it.
RATING_TEXT = {1: "Strongly disagree", 2: "Disagree", 3: "Neither agree nor disagree", 4: "Agree",
               5: "Strongly agree"}


class RequestForm(WaymarkForm):
    supervisees = SelectMultipleField(
        f"Which supervisees do you want to ask? Choose {MIN_SUPERVISEES} to {MAX_SUPERVISEES}", coerce=int,
        choices=[], invalid_choice_message="Choose supervisees from the list")
    anonymous = RadioField("Should answers be anonymous?", choices=YES_NO, default="yes",
                           validators=[InputRequired("Say whether answers should be anonymous")],
                           invalid_choice_message="Say whether answers should be anonymous")

    def __init__(self, *args: Any, supervisees: Iterable[User] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.supervisees.choices = [SelectChoice(p.id, p.full_name) for p in supervisees]


class AnswerForm(WaymarkForm):
    """One radio group per question in QUESTIONS, then the comments (added below, in that order, so that a new
    question needs no change here and the error summary follows the page)."""

    def ratings(self) -> dict[str, int]:
        return {q: self[q].data for q in QUESTIONS}

    def questions(self) -> list[Field]:
        return [self[q] for q in QUESTIONS]


for _qid, _text in QUESTIONS.items():
    setattr(AnswerForm, _qid, RadioField(
        _text, coerce=int, choices=[SelectChoice(n, f"{n} – {RATING_TEXT[n]}") for n in RATINGS],
        validators=[InputRequired("Choose a rating from 1 to 5")],
        invalid_choice_message="Choose a rating from 1 to 5"))
AnswerForm.comments = TextAreaField(  # type: ignore[attr-defined]
    "Anything else you would like to say about your supervision", filters=[strip],
    validators=[Optional(), Length(max=MAX_TEXT, message=f"This must be {MAX_TEXT:,} characters or fewer")])
