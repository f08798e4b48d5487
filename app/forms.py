"""Form helpers shared by every blueprint: putting a DomainError beside its field."""
from __future__ import annotations

from flask_wtf import FlaskForm

from app.services.errors import DomainError


def attach_error(form: FlaskForm, error: DomainError) -> None:
    """Show a service's error next to the field it names, or at the top when it names none."""
    field = getattr(form, error.field, None) if error.field else None
    if field is None:
        field = next((f for f in form if f.type not in {"CSRFTokenField", "HiddenField", "SubmitField"}), None)
    if field is None:
        raise error
    if isinstance(field.errors, tuple):
        field.errors = list(field.errors)
    field.errors.append(error.message)
    # FlaskForm caches .errors after validate(); reset it so the summary shows this message too.
    form._errors = None
