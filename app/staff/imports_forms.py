"""Forms for the staff import: the upload checks shape only; app.services.staff_import checks the file."""
from __future__ import annotations

from app.forms import WaymarkForm
from flask_wtf.file import FileAllowed, FileField, FileRequired, FileSize

from app.services.staff_import import MAX_BYTES


class StaffImportUploadForm(WaymarkForm):
    file = FileField("CSV file", validators=[
        FileRequired("Choose the CSV file to check"),
        FileAllowed(["csv"], "The file must be a CSV file whose name ends in .csv"),
        FileSize(MAX_BYTES, message=f"The file must be {MAX_BYTES // (1024 * 1024)} MB or smaller")])


class StaffImportApplyForm(WaymarkForm):
    """Only the CSRF token: the file applied is the one checked, kept on the server by its SHA-256."""
