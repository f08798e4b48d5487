"""Waymark holds staff data only: free text that looks like a patient identifier is refused.

Refused: a valid NHS number (modulus 11, facts §12), a UK postcode, and a full date of birth
(a full date after "DOB"/"born", or any full date in a case reference).
"""
from __future__ import annotations

import re

from app.services.errors import DomainError
from competences.identifiers import find_nhs_numbers

POSTCODE = re.compile(r"\b(GIR ?0AA|[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2})\b", re.IGNORECASE)
_MONTHS = "jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec"
FULL_DATE = re.compile(
    # Digit lookarounds rather than word boundaries, so "NTT_12.03.1985" or "C12.03.1985" is caught too.
    rf"(?<!\d)(\d{{1,2}}[/.\-]\d{{1,2}}[/.\-](19|20)\d{{2}}|(19|20)\d{{2}}-\d{{2}}-\d{{2}}|\d{{1,2}}(st|nd|rd|th)? ({_MONTHS})[a-z]* (19|20)\d{{2}})(?!\d)",
    re.IGNORECASE)
DOB_CUE = re.compile(r"\b(d\.?o\.?b\.?|date of birth|born)\b", re.IGNORECASE)

WHY = "Waymark holds staff records only, never patient identifiers"


def patient_identifier_problem(text: str | None, *, any_full_date: bool = False) -> str | None:
    """Say what looks like a patient identifier in `text`, or None."""
    if not text:
        return None
    if find_nhs_numbers(text):
        return f"This looks like an NHS number. {WHY}: remove it."
    if POSTCODE.search(text):
        return f"This looks like a postcode. {WHY}: remove it."
    date = FULL_DATE.search(text)
    if date and (any_full_date or DOB_CUE.search(text)):
        return f"This looks like a date of birth. {WHY}: remove it."
    return None


def refuse_patient_identifiers(text: str | None, field: str, *, any_full_date: bool = False) -> None:
    problem = patient_identifier_problem(text, any_full_date=any_full_date)
    if problem:
        raise DomainError(problem, field=field)


def check_case_reference(ref: str, field: str = "case_ref") -> None:
    """A case reference is an anonymised local code: no NHS number, postcode or full date at all."""
    refuse_patient_identifiers(ref, field, any_full_date=True)
