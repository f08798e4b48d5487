"""Forms for the credentials pages: one credential, and the evidence linked to it. Shape only; rules live in app.services.credentials."""
from __future__ import annotations

from typing import Any

from app.forms import WaymarkForm
from wtforms import DateField, SelectChoice, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from app.services.credentials import KINDS, MAX_BODY_NAME, MAX_NOTES, MAX_NUMBER, CredentialInput
from competences.credentials import CredentialStatus
from models import ProfessionalRegistration, Regulator


def strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _date(label: str) -> DateField:
    return DateField(label, validators=[Optional()], invalid_value_message=f"{label} must be a real date, like 2026-04-01")


class CredentialForm(WaymarkForm):
    regulator = SelectField("Awarding body", choices=[SelectChoice("", "Choose the body"),
                                                      *(SelectChoice(r.value, r.label) for r in Regulator)],
                            validators=[InputRequired("Choose the body that awarded it")],
                            invalid_choice_message="Choose the body from the list")
    body_name = StringField("Name of the university or awarding body", filters=[strip], validators=[
        Optional(), Length(max=MAX_BODY_NAME, message=f"The body's name must be {MAX_BODY_NAME} characters or fewer")])
    kind = SelectField("What it is", choices=[SelectChoice("", "Choose what it is"),
                                              *(SelectChoice(k.id, f"{k.label} ({k.type.label.lower()})")
                                                for k in KINDS)],
                       validators=[InputRequired("Choose what the credential is")],
                       invalid_choice_message="Choose what it is from the list")
    registration_number = StringField("Registration or membership number", filters=[strip], validators=[
        Optional(), Length(max=MAX_NUMBER, message=f"The number must be {MAX_NUMBER} characters or fewer")])
    registered_on = _date("Date awarded")
    renewal_due_on = _date("Next declaration or renewal date")
    expires_on = _date("Expiry date")
    status = SelectField("Status", choices=[SelectChoice(s.value, s.label) for s in CredentialStatus],
                         default=CredentialStatus.CURRENT.value, validators=[InputRequired("Choose the status")],
                         invalid_choice_message="Choose the status from the list")
    notes = TextAreaField("Notes", filters=[strip], validators=[
        Optional(), Length(max=MAX_NOTES, message=f"Notes must be {MAX_NOTES:,} characters or fewer")])

    @staticmethod
    def data_of(credential: ProfessionalRegistration) -> dict[str, Any]:
        return {"regulator": credential.regulator.value, "body_name": credential.body_name, "kind": credential.kind,
                "registration_number": credential.registration_number, "registered_on": credential.registered_on,
                "renewal_due_on": credential.renewal_due_on, "expires_on": credential.expires_on,
                "status": credential.status.value, "notes": credential.notes}

    def details(self) -> CredentialInput:
        return CredentialInput(regulator=Regulator(self.regulator.data), kind=self.kind.data or None,
                               registration_number=self.registration_number.data,
                               registered_on=self.registered_on.data, renewal_due_on=self.renewal_due_on.data,
                               expires_on=self.expires_on.data, status=CredentialStatus(self.status.data),
                               body_name=self.body_name.data, notes=self.notes.data)


class CredentialEvidenceForm(WaymarkForm):
    evidence = SelectMultipleField("Evidence that supports it", coerce=int, choices=[],
                                   invalid_choice_message="Choose evidence from your own library")


class DeleteCredentialForm(WaymarkForm):
    """The confirmation page's form: only its CSRF token."""
