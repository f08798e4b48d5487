"""The directory's filters, sent with GET so a search can be bookmarked and exported as it stands."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from app.forms import WaymarkForm
from wtforms import IntegerField, SearchField, SelectChoice, SelectField
from wtforms.validators import Length, NumberRange, Optional

from app.services.directory import CREDENTIAL_STATES, MAX_MONTHS, SORTS, DirectoryFilters
from competences.bands import AFC_BANDS
from models import Role, Service, Team


def choices(pairs: Iterable[tuple[str, str]]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


class MonthsField(IntegerField):
    """A whole number of months; the error names the field instead of WTForms' generic one."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist or not str(valuelist[0]).strip():
            self.data = None
            return
        try:
            self.data = int(str(valuelist[0]).strip())
        except ValueError:
            self.data = None
            raise ValueError(f"Months must be a whole number from 1 to {MAX_MONTHS}, like 3") from None


class DirectorySearchForm(WaymarkForm):
    class Meta:
        csrf = False

    q = SearchField("Name, e-mail address or employee number", validators=[Optional(), Length(max=120)])
    service = SelectField("Service", validators=[Optional()], invalid_choice_message="Choose a service from the list")
    team = SelectField("Team", validators=[Optional()], invalid_choice_message="Choose a team from the list")
    band = SelectField("Band", choices=choices([("", "Any band"), *((b, f"Band {b}") for b in AFC_BANDS)]),
                       validators=[Optional()], invalid_choice_message="Choose a band from the list")
    role = SelectField("Role", choices=choices([("", "Any role"), *((r.value, r.label) for r in Role)]),
                       validators=[Optional()], invalid_choice_message="Choose a role from the list")
    credential = SelectField("Credential status", choices=choices([("", "Any status"), *CREDENTIAL_STATES.items()]),
                             validators=[Optional()], invalid_choice_message="Choose a credential status from the list")
    next_step = MonthsField("Next pay step due within (months)", validators=[
        Optional(), NumberRange(1, MAX_MONTHS, f"Months must be a whole number from 1 to {MAX_MONTHS}, like 3")])
    sort = SelectField("Sort by", choices=choices(SORTS.items()), default="name", validators=[Optional()],
                       invalid_choice_message="Choose what to sort by from the list")
    order = SelectField("Order", choices=choices([("asc", "Ascending"), ("desc", "Descending")]), default="asc",
                        validators=[Optional()], invalid_choice_message="Choose ascending or descending")

    def set_places(self, services: Iterable[Service], teams: Iterable[Team]) -> None:
        self.service.choices = choices([("", "Any service"), *((str(s.id), s.name) for s in services)])
        self.team.choices = choices([("", "Any team"), *((str(t.id), f"{t.name} – {t.service.name}") for t in teams)])

    def filters(self) -> DirectoryFilters:
        return DirectoryFilters(
            q=(self.q.data or "").strip(), service_id=int(self.service.data) if self.service.data else None,
            team_id=int(self.team.data) if self.team.data else None, band=self.band.data or None,
            role=Role(self.role.data) if self.role.data else None, credential=self.credential.data or None,
            next_step_months=self.next_step.data, sort=self.sort.data or "name", descending=self.order.data == "desc")


#: The query-string keys a directory link carries to keep its filters.
FILTER_KEYS = ("q", "service", "team", "band", "role", "credential", "next_step", "sort", "order")
