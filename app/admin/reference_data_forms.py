"""The form for uploading a corrected data file; it checks shape only, app.services.reference_data checks the file."""
from __future__ import annotations

from app.forms import WaymarkForm
from flask_wtf.file import FileAllowed, FileField, FileSize
from werkzeug.datastructures import FileStorage
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from app.services.reference_data import MAX_BYTES, MAX_NOTE


def unix_newlines(value: str | None) -> str | None:
    """Browsers send a textarea's lines ending in CRLF; store what the admin typed, not that."""
    return value.replace("\r\n", "\n") if isinstance(value, str) else value


class ReferenceDataUploadForm(WaymarkForm):
    file = FileField("TOML file", validators=[
        FileAllowed(["toml"], "The file must be a TOML file whose name ends in .toml"),
        FileSize(MAX_BYTES, message=f"The file must be {MAX_BYTES // 1024} KB or smaller")])
    text = TextAreaField("Or paste the TOML text", filters=[unix_newlines])
    note = TextAreaField("Why is this correction needed?", validators=[
        DataRequired("Enter why this correction is needed"),
        Length(max=MAX_NOTE, message=f"The reason must be {MAX_NOTE} characters or fewer")])

    def has_file(self) -> bool:
        # An empty file input still sends a part, with no file name: that is no file.
        return isinstance(self.file.data, FileStorage) and bool(self.file.data.filename)

    def validate_file(self, field: FileField) -> None:
        pasted = bool(self.text.data and self.text.data.strip())
        if self.has_file() and pasted:
            raise ValidationError("Upload a file or paste the text, not both")
        if not self.has_file() and not pasted:
            raise ValidationError("Choose a TOML file to upload, or paste its text")
