"""Form helpers shared by every blueprint: the base form, and putting a DomainError beside its field."""
from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any

from flask_wtf import FlaskForm
from wtforms import DecimalField, Field, IntegerField
from wtforms.fields import FieldList, FormField

from app.services.errors import DomainError

#: Control characters no one types (all but tab, line feed and carriage return): PostgreSQL cannot store NUL in
#: text, and XLSX (XML) cannot hold any of them, so a value holding one is refused, never stored.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
CONTROL_MESSAGE = "{label} contains a hidden control character; retype it rather than pasting it"
#: Numbers no form means: 1e309 breaks rounding to minutes, and an integer beyond 32 bits overflows a
#: PostgreSQL integer column.
MAX_DIGITS = 9
MAX_INTEGER = 2**31 - 1


def _leaves(fields: Any) -> Iterator[Field]:
    for field in fields:
        if isinstance(field, FormField):
            yield from _leaves(field.form)
        elif isinstance(field, FieldList):
            for entry in field.entries:
                yield from _leaves([entry])
        else:
            yield field


def _holds_control(field: Field) -> bool:
    raw: Sequence[Any] = getattr(field, "raw_data", None) or ()
    return any(isinstance(value, str) and CONTROL.search(value) for value in raw)


def _problem(field: Field) -> str | None:
    """What makes the value unsafe to hand to any validator or service, if anything."""
    label = field.label.text
    if _holds_control(field):
        return CONTROL_MESSAGE.format(label=label)
    data = field.data
    # NaN and infinities are left to each form's own rule (their messages differ); only size is checked here.
    if isinstance(field, DecimalField) and isinstance(data, Decimal) and data.is_finite() \
            and data.adjusted() >= MAX_DIGITS:
        return f"{label} is too large"
    if isinstance(field, IntegerField) and isinstance(data, int) and abs(data) > MAX_INTEGER:
        return f"{label} is too large"
    return None


def _forget_cached_errors(form: Any) -> None:
    form._errors = None
    for field in form:
        if isinstance(field, FormField):
            _forget_cached_errors(field.form)
        elif isinstance(field, FieldList):
            for entry in field.entries:
                if isinstance(entry, FormField):
                    _forget_cached_errors(entry.form)
            field.errors = [entry.errors for entry in field.entries]


class WaymarkForm(FlaskForm):
    """The base of every Waymark form: a control character or an absurd number is refused before any validator
    (or a query in one) sees it; CSRF is checked for every POST by CSRFProtect before the view runs."""

    def validate(self, extra_validators: Any = None) -> bool:
        problems = {id(f): _problem(f) for f in _leaves(self)}
        if not any(problems.values()):
            return bool(super().validate(extra_validators=extra_validators))
        for field in _leaves(self):
            problem = problems[id(field)]
            field.errors = [problem] if problem else []
        _forget_cached_errors(self)
        return False


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
