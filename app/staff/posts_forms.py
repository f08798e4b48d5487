"""Forms for the establishment: a post, and the filters above the post list."""
from __future__ import annotations

from collections.abc import Iterable

from app.forms import WaymarkForm
from wtforms import BooleanField, DecimalField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.services.posts import MAX_NUMBER, MAX_TITLE, PostFilters, PostInput
from competences import pay
from competences.bands import AFC_BANDS
from models import Team

STATUSES = (("active", "Active posts"), ("inactive", "Deactivated posts"), ("all", "Active and deactivated"))


def choices(pairs: Iterable[tuple[str, str]]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


def strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def team_choices(teams: Iterable[Team], empty: str) -> list[SelectChoice]:
    return choices([("", empty), *((str(t.id), f"{t.name} – {t.service.name}") for t in teams)])


class PostForm(WaymarkForm):
    """Shape only: the service checks the number is unique, the team is HR's and the band and zone exist."""

    number = StringField("Post number", filters=[strip], description="The establishment or ESR position number.",
                         validators=[DataRequired("Enter the post number"),
                                     Length(max=MAX_NUMBER, message=f"Post number must be {MAX_NUMBER} characters or fewer")])
    title = StringField("Job title", filters=[strip], validators=[
        DataRequired("Enter the job title of the post"),
        Length(max=MAX_TITLE, message=f"Job title must be {MAX_TITLE} characters or fewer")])
    team_id = SelectField("Team", validate_choice=False)
    band = SelectField("Band", choices=choices([("", "Choose a band"), *((b, f"Band {b}") for b in AFC_BANDS)]),
                       validate_choice=False)
    funded_wte = DecimalField("Funded whole-time equivalent", places=2,
                              validators=[InputRequired("Enter the funded whole-time equivalent, like 1 or 2.5")],
                              invalid_value_message="Funded whole-time equivalent must be a number, like 1 or 2.5")
    hcas_zone = SelectField("High cost area supplement (HCAS) zone", validate_choice=False, default=pay.NO_ZONE)

    def set_choices(self, teams: Iterable[Team], zones: Iterable[pay.HcasZone]) -> None:
        self.team_id.choices = team_choices(teams, "Choose a team")
        self.hcas_zone.choices = choices((z.id, z.name) for z in zones)

    def values(self) -> PostInput:
        team = (self.team_id.data or "").strip()
        return PostInput(number=self.number.data or "", title=self.title.data or "",
                         team_id=int(team) if team.isdigit() else None, band=self.band.data or "",
                         funded_wte=self.funded_wte.data, hcas_zone=self.hcas_zone.data or "")


class PostSearchForm(WaymarkForm):
    class Meta:
        csrf = False

    team = SelectField("Team", validators=[Optional()], invalid_choice_message="Choose a team from the list")
    band = SelectField("Band", choices=choices([("", "Any band"), *((b, f"Band {b}") for b in AFC_BANDS)]),
                       validators=[Optional()], invalid_choice_message="Choose a band from the list")
    status = SelectField("Status", choices=choices(STATUSES), default="active", validators=[Optional()],
                         invalid_choice_message="Choose a status from the list")
    vacant = BooleanField("Only posts with a vacancy")

    def filters(self) -> PostFilters:
        return PostFilters(team_id=int(self.team.data) if self.team.data else None, band=self.band.data or None,
                           vacant_only=bool(self.vacant.data), status=self.status.data or "active")


FILTER_KEYS = ("team", "band", "status", "vacant")
