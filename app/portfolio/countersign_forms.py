"""Forms for countersigning; they check shape only, the rules live in app.services.countersigning."""
from __future__ import annotations

import datetime as dt
from typing import Any

from app.forms import WaymarkForm
from wtforms import HiddenField, RadioField, SelectMultipleField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from app.services.countersigning import COMMENT_MAX, Decision


def strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class DecisionForm(WaymarkForm):
    decision = RadioField("Your countersignature", choices=[
        SelectChoice("confirm", "Confirm: it is accurate"), SelectChoice("dispute", "Dispute: something is wrong")],
        validators=[InputRequired("Choose whether you confirm or dispute it")])
    comment = TextAreaField("Comment", filters=[strip], validators=[
        Length(max=COMMENT_MAX, message=f"The comment must be {COMMENT_MAX:,} characters or fewer")])
    #: When the row was last saved as the page showed it, so a change made meanwhile is noticed.
    seen = HiddenField()

    def decided(self) -> Decision:
        return Decision(confirm=self.decision.data == "confirm", comment=self.comment.data)

    def seen_at(self) -> dt.datetime | None:
        try:
            return dt.datetime.fromisoformat(self.seen.data) if self.seen.data else None
        except ValueError:
            return None


class BulkConfirmForm(WaymarkForm):
    sessions = SelectMultipleField("Sessions to confirm", coerce=int, choices=[],
                                   widget=ListWidget(prefix_label=False), option_widget=CheckboxInput(),
                                   validators=[InputRequired("Choose the sessions you confirm")])


