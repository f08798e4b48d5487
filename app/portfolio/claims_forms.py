"""The claim form, built for one framework item: a textarea per statement component, a choice per evidence item.

Shape only (lengths, choices); what a claim needs before it is submitted is in app.services.claims.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from flask import request
from app.forms import WaymarkForm
from wtforms import Field, HiddenField, RadioField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from app.services.claims import MAX_STATEMENT, ClaimInput, components, statement_field
from competences.frameworks import Framework, Item, Level
from models.claims import CompetenceClaim
from models.evidence import EvidenceItem

#: The evidence choice for a framework that names no kinds of evidence.
LINKED = "linked"


def strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def evidence_field_name(evidence_id: int) -> str:
    return f"evidence_{evidence_id}"


class ClaimForm(WaymarkForm):
    """Fields are added per framework by claim_form(); `evidence` only carries the message about missing evidence."""

    evidence = HiddenField("Evidence")

    def statement(self, framework: Framework) -> dict[str, str | None]:
        return {c.id: self[statement_field(c.id)].data for c in components(framework)}

    def evidence_fields(self) -> list[Field]:
        return [f for f in self if f.name.startswith("evidence_")]

    def details(self, framework: Framework, library: Sequence[EvidenceItem]) -> ClaimInput:
        chosen: dict[int, str | None] = {}
        for item in library:
            value = self[evidence_field_name(item.id)].data
            if value:
                chosen[item.id] = None if value == LINKED else value
        return ClaimInput(statement=self.statement(framework), evidence=chosen)

    @property
    def submitting(self) -> bool:
        """The person pressed "Save and submit" rather than "Save as draft"."""
        return request.form.get("action") == "submit"


def _levels(item: Item, framework: Framework) -> Iterable[Level]:
    return item.levels or framework.levels


def claim_form(framework: Framework, library: Sequence[EvidenceItem], *, item: Item | None = None,
               filled_from: CompetenceClaim | None = None, **kwargs: Any) -> ClaimForm:
    """A form for a new claim to `item` (the level is asked on levelled frameworks) or for changing a claim.

    `filled_from`: show that claim's stored statement and evidence (a GET, or a refused submit).
    """
    fields: dict[str, Any] = {}
    if item is not None and framework.structure == "levelled":
        fields["level"] = RadioField(
            "Level", coerce=int,
            choices=[SelectChoice(level.number, f"Level {level.number}: {level.title}")
                     for level in _levels(item, framework)],
            validators=[InputRequired("Choose the level you are claiming")],
            invalid_choice_message="Choose the level you are claiming")
    for component in components(framework):
        fields[statement_field(component.id)] = TextAreaField(component.title, filters=[strip], validators=[
            Optional(), Length(max=MAX_STATEMENT,
                               message=f"{component.title} must be {MAX_STATEMENT:,} characters or fewer")])
    types = [SelectChoice(t.id, f"{t.form_code}: {t.title}" if t.form_code else t.title)
             for t in framework.evidence_types]
    choices = [SelectChoice("", "Not linked"), *(types or [SelectChoice(LINKED, "Supports this claim")])]
    for entry in library:
        fields[evidence_field_name(entry.id)] = SelectField(
            entry.title, choices=choices, validators=[Optional()],
            invalid_choice_message="Choose from the list")
    form_class = type("BuiltClaimForm", (ClaimForm,), fields)
    form: ClaimForm = form_class(data=_data_of(filled_from) if filled_from is not None else None, **kwargs)
    return form


def _data_of(claim: CompetenceClaim) -> dict[str, Any]:
    data: dict[str, Any] = {statement_field(k): v for k, v in (claim.statement or {}).items()}
    for link in claim.evidence_links:
        data[evidence_field_name(link.evidence_id)] = link.evidence_type or LINKED
    return data
