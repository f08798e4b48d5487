"""Forms on the claim review page: sign off, return, withdraw. Shape only; the rules are app.services.claims'.

The three forms share one page, so their fields have distinct names (and ids); each carries the
claim's version and digest as the page showed them, as plain hidden inputs without ids.
"""
from __future__ import annotations

from typing import Any

from app.forms import WaymarkForm
from wtforms import HiddenField, IntegerField, RadioField, SelectChoice, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.services.claims import MAX_COMMENT, SIGN_OFF_METHODS


def strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _comment(label: str, *, required: str | None = None) -> TextAreaField:
    first = [DataRequired(required)] if required else [Optional()]
    return TextAreaField(label, filters=[strip], validators=[
        *first, Length(max=MAX_COMMENT, message=f"{label} must be {MAX_COMMENT:,} characters or fewer")])


class _Seen(WaymarkForm):
    """The claim as the reviewer saw it: a mismatch means someone acted meanwhile."""

    version = IntegerField(validators=[Optional()])
    digest = HiddenField()

    def seen(self) -> dict[str, Any]:
        return {"version": self.version.data, "digest": self.digest.data or None}


class SignOffForm(_Seen):
    method = RadioField("How did you see this competence?", choices=[SelectChoice(k, v) for k, v in SIGN_OFF_METHODS.items()],
                        validators=[InputRequired("Choose how you saw this competence")],
                        invalid_choice_message="Choose how you saw this competence")
    comment = _comment("Comment (optional)")


class ReturnForm(_Seen):
    #: The service names this field "comment"; the view maps it here.
    return_comment = _comment("What needs to change", required="Say what needs to change: the practitioner reads it")


class WithdrawForm(_Seen):
    reason = _comment("Why you are withdrawing your sign-off",
                      required="Give a reason for withdrawing your sign-off: the practitioner reads it")
