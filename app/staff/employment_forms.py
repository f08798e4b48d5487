"""The form HR use to record a band, step, post or job title change."""
from __future__ import annotations

from collections.abc import Iterable

from app.forms import WaymarkForm
from wtforms import DateField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from app.services.employment import CHANGE_BANDS, MAX_REASON, MAX_TITLE, ChangeInput
from competences.bands import MAX_PAY_STEPS
from models import Post


def choices(pairs: Iterable[tuple[str, str]]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


def strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class EmploymentChangeForm(WaymarkForm):
    """Shape only; the service checks the band, that the step exists in it on the date, and the post."""

    effective_on = DateField("Date the change takes effect", validators=[
        InputRequired("Enter the date the change takes effect, like 2025-04-01")],
        invalid_value_message="Date the change takes effect must be a real date, like 2025-04-01")
    band = SelectField("New band", validate_choice=False,
                       choices=choices([("", "Choose a band"), *((b, f"Band {b}") for b in CHANGE_BANDS)]))
    pay_step = SelectField("New pay step", validate_choice=False,
                           choices=choices([("", "Choose a step"),
                                            *((str(n), f"Step {n}") for n in range(1, MAX_PAY_STEPS + 1))]))
    post_id = SelectField("Post", validate_choice=False)
    job_title = StringField("Job title", filters=[strip], validators=[
        DataRequired("Enter the job title"), Length(max=MAX_TITLE, message=f"Job title must be {MAX_TITLE} characters or fewer")])
    reason = TextAreaField("Reason for the change", filters=[strip], validators=[
        DataRequired("Enter the reason for the change, like “Passed the PG Diploma”"),
        Length(max=MAX_REASON, message=f"Reason must be {MAX_REASON} characters or fewer")])

    def set_posts(self, posts: Iterable[Post]) -> None:
        self.post_id.choices = choices([("", "No post"), *(
            (str(p.id), f"{p.number} – {p.title}, band {p.band} ({p.team.name})") for p in posts)])

    def values(self) -> ChangeInput:
        step, post = (self.pay_step.data or "").strip(), (self.post_id.data or "").strip()
        return ChangeInput(effective_on=self.effective_on.data, band=(self.band.data or "").strip(),
                           pay_step=int(step) if step.isdigit() else None,
                           post_id=int(post) if post.isdigit() else None,
                           job_title=self.job_title.data or "", reason=self.reason.data or "")
