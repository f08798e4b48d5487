"""Forms for the evidence library. Shape only: the file and the rules are checked in app.services.evidence."""
from __future__ import annotations

from typing import Any

from app.forms import WaymarkForm
from flask_wtf.file import FileField
from werkzeug.datastructures import FileStorage
from wtforms import BooleanField, DateField, RadioField, SelectChoice, SelectField, SelectMultipleField, StringField
from wtforms import TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from app.services.evidence import KINDS, MAX_DESCRIPTION, MAX_TITLE, EvidenceDetails
from models.evidence import EvidenceItem


#: Made before the other fields so it sorts first: the file comes first on the upload page and in its error summary.
_FILE = FileField("File")


def strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class EvidenceForm(WaymarkForm):
    """What is said about a file: used to change an item, and (with the file) to upload one."""

    title = StringField("Title", filters=[strip], validators=[
        InputRequired("Enter a title for the evidence"),
        Length(max=MAX_TITLE, message=f"The title must be {MAX_TITLE} characters or fewer")])
    kind = RadioField("Kind of evidence", choices=[SelectChoice(k, label) for k, label in KINDS],
                      validators=[InputRequired("Choose what kind of evidence this is")],
                      invalid_choice_message="Choose what kind of evidence this is")
    dated_on = DateField("Date", validators=[InputRequired("Enter the date on the evidence")],
                         invalid_value_message="Date must be a real date, like 2026-04-01")
    description = TextAreaField("Description", filters=[strip], validators=[
        Optional(), Length(max=MAX_DESCRIPTION, message=f"The description must be {MAX_DESCRIPTION:,} characters or fewer")])
    shared_with_hr = BooleanField("Share this item with HR")

    @staticmethod
    def data_of(item: EvidenceItem) -> dict[str, Any]:
        return {"title": item.title, "kind": item.kind, "dated_on": item.dated_on, "description": item.description,
                "shared_with_hr": item.shared_with_hr}

    def details(self) -> EvidenceDetails:
        return EvidenceDetails(title=self.title.data or "", kind=self.kind.data or "", dated_on=self.dated_on.data,
                               description=self.description.data, shared_with_hr=bool(self.shared_with_hr.data))


class EvidenceUploadForm(EvidenceForm):
    file = _FILE

    def chosen_file(self) -> FileStorage | None:
        # An empty file input still sends a part, with no file name: that is no file.
        data = self.file.data
        return data if isinstance(data, FileStorage) and data.filename else None


class EvidenceFilterForm(WaymarkForm):
    """The filters above the list, sent with GET so a view of the library can be bookmarked."""

    class Meta:
        csrf = False

    q = StringField("Title contains", filters=[strip], validators=[
        Optional(), Length(max=100, message="Search for 100 characters or fewer")])
    kind = SelectField("Kind", choices=[SelectChoice("", "Any kind"), *(SelectChoice(k, label) for k, label in KINDS)],
                       validators=[Optional()], invalid_choice_message="Choose a kind from the list")


class EvidenceLinksForm(WaymarkForm):
    """Which of the owner's CPD activities and cases the item supports; choices are set by the view."""

    cpd_ids = SelectMultipleField("CPD activities", coerce=int, choices=[],
                                  invalid_choice_message="Choose from your own CPD activities")
    case_ids = SelectMultipleField("Cases", coerce=int, choices=[],
                                   invalid_choice_message="Choose from your own cases")
