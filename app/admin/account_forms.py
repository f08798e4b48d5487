"""Forms for the account and staff-record pages; they check shape only, the rules live in app.services."""
from __future__ import annotations

from collections.abc import Iterable

from app.forms import WaymarkForm
from wtforms import (DateField, DecimalField, EmailField, HiddenField, SearchField, SelectChoice, SelectField,
                     SelectMultipleField, StringField)
from wtforms.validators import AnyOf, DataRequired, Email, InputRequired, Length, Optional, ValidationError

from competences.bands import AFC_BANDS, MAX_PAY_STEPS
from competences.credentials import CREDENTIAL_KINDS, CredentialStatus
from models import LeaveKind, Regulator, Role, Service, Team

#: The roles whose grant can name a service: a service lead must, an HR officer may.
SERVICE_ROLES = {Role.SERVICE_LEAD.value, Role.HR.value}
NO_SERVICE = SelectChoice("", "No service (organisation-wide HR)")
ROLES = [(r.value, r.label) for r in Role]


def strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def choices(pairs: Iterable[tuple[str, str]]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


def _date(label: str, *, required: str | None = None, called: str | None = None) -> DateField:
    """A date input; `called` names the date in the error when the label alone reads badly there."""
    first = [InputRequired(required)] if required else [Optional()]
    return DateField(label, validators=first,
                     invalid_value_message=f"{called or label} must be a real date, like 2025-04-01")


def service_choices(services: Iterable[Service]) -> list[SelectChoice]:
    return [NO_SERVICE, *choices((str(s.id), s.name) for s in services)]


def team_choices(teams: Iterable[Team]) -> list[SelectChoice]:
    return choices([("", "Not recorded"), *((str(t.id), f"{t.name} – {t.service.name}") for t in teams)])


def _check_service_needed(form: AccountForm | AddRoleForm, roles: set[str]) -> None:
    if form.service.data and not roles & SERVICE_ROLES:
        raise ValidationError("Choose a service only for a service lead or an HR officer")


# --- accounts ----------------------------------------------------------------------------------

class AccountSearchForm(WaymarkForm):
    """The filters above the account list, sent with GET so a search can be bookmarked."""

    class Meta:
        csrf = False

    q = SearchField("Name or e-mail address", validators=[Optional(), Length(max=255)])
    role = SelectField("Role", choices=choices([("", "Any role"), *ROLES]),
                       validators=[Optional()])
    status = SelectField("Status", choices=choices([("", "Active and inactive"), ("active", "Active"),
                                                    ("inactive", "Inactive")]), validators=[Optional()])


class AccountForm(WaymarkForm):
    email = EmailField("E-mail address", filters=[strip], validators=[
        DataRequired("Enter the person's e-mail address"),
        Email("Enter an e-mail address in the correct format, like name@nhs.net"),
        Length(max=255, message="E-mail address must be 255 characters or fewer")])
    full_name = StringField("Full name", filters=[strip], validators=[
        DataRequired("Enter the person's full name"), Length(max=120, message="Full name must be 120 characters or fewer")])
    roles = SelectMultipleField("Roles", choices=choices(ROLES), invalid_choice_message="Choose roles from the list",
                                validators=[DataRequired("Choose at least one role")])
    service = SelectField("Service", choices=[NO_SERVICE], default="")

    def validate_service(self, field: SelectField) -> None:
        _check_service_needed(self, set(self.roles.data or ()))


class AddRoleForm(WaymarkForm):
    role = SelectField("Role", choices=choices([("", "Choose a role"), *ROLES]),
                       validators=[DataRequired("Choose the role to add")])
    service = SelectField("Service", choices=[NO_SERVICE], default="")

    def validate_service(self, field: SelectField) -> None:
        _check_service_needed(self, {self.role.data or ""})


class ActiveForm(WaymarkForm):
    """The deactivate / reactivate button; `active` says which."""

    active = HiddenField(validators=[AnyOf(("yes", "no"))])


# --- the staff profile -------------------------------------------------------------------------

class ProfileForm(WaymarkForm):
    job_title = StringField("Job title", validators=[
        DataRequired("Enter the job title"), Length(max=120, message="Job title must be 120 characters or fewer")])
    core_profession = StringField("Core profession", validators=[
        DataRequired("Enter the core profession"),
        Length(max=120, message="Core profession must be 120 characters or fewer")])
    team = SelectField("Team", choices=team_choices(()), default="", invalid_choice_message="Choose a team from the list")
    band = SelectField("Agenda for Change band", default="",
                       choices=choices([("", "Not recorded"), *((b, f"Band {b}") for b in AFC_BANDS)]))
    band_started_on = _date("Date the band started")
    pay_step = SelectField("Pay step", default="", choices=choices([("", "Not recorded"),
                                                        *((str(n), f"Step {n}") for n in range(1, MAX_PAY_STEPS + 1))]))
    step_started_on = _date("Date the pay step started")
    employee_number = StringField("Employee number", validators=[
        Optional(), Length(max=30, message="Employee number must be 30 characters or fewer")])


class WorkingPatternForm(WaymarkForm):
    starts_on = _date("Change from", required="Enter the date the new working pattern starts",
                      called="The date the new working pattern starts")
    wte = DecimalField("Whole-time equivalent", places=2,
                       validators=[InputRequired("Enter the whole-time equivalent, like 0.8")],
                       invalid_value_message="Whole-time equivalent must be a number, like 0.8")


class LeaveForm(WaymarkForm):
    kind = SelectField("Kind of leave", choices=choices([("", "Choose the kind of leave"),
                                                         *((k.value, k.label) for k in LeaveKind)]),
                       validators=[DataRequired("Choose the kind of leave")])
    starts_on = _date("First day of leave", required="Enter the first day of leave")
    ends_on = _date("Last day of leave")


class EndLeaveForm(WaymarkForm):
    ends_on = _date("Last day of leave", required="Enter the last day of leave")


class RegistrationForm(WaymarkForm):
    regulator = SelectField("Regulator or accrediting body",
                            choices=choices([("", "Choose a regulator"), *((r.value, r.label) for r in Regulator)]),
                            validators=[DataRequired("Choose the regulator or accrediting body")])
    kind = SelectField("What it is", choices=choices([("", "The body's usual registration or accreditation"),
                                                      *((k.id, k.label) for k in CREDENTIAL_KINDS)]),
                       validators=[Optional()], invalid_choice_message="Choose what it is from the list")
    body_name = StringField("Name of the university or awarding body", filters=[strip], validators=[
        Optional(), Length(max=120, message="The body's name must be 120 characters or fewer")])
    registration_number = StringField("Registration number", filters=[strip], validators=[
        Optional(), Length(max=40, message="Registration number must be 40 characters or fewer")])
    registered_on = _date("Date registered")
    renewal_due_on = _date("Renewal due")
    expires_on = _date("Expiry date")
    status = SelectField("Status", choices=choices((s.value, s.label) for s in CredentialStatus),
                         default=CredentialStatus.CURRENT.value, validators=[DataRequired("Choose the status")],
                         invalid_choice_message="Choose the status from the list")