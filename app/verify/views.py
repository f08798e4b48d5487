"""Verify a document: upload the PDF, or type its id. Reachable without signing in; it shows only what the
document itself already shows (its title, whose it is, when it was issued and its digest), never its contents."""
from __future__ import annotations

from flask import current_app, render_template
from app.forms import WaymarkForm
from flask_wtf.file import FileField
from wtforms import StringField

from app.database import db
from app.security import public
from app.services import verify as service
from app.verify import bp


def _strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


class VerifyForm(WaymarkForm):
    document = FileField("Upload the PDF")
    document_id = StringField("Or type the document id", filters=[_strip])

    def validate(self, extra_validators: object = None) -> bool:  # type: ignore[override]
        if not super().validate():
            return False
        if not self.document.data and not self.document_id.data:
            self.document.errors = ["Choose the PDF to check, or type its document id"]
            return False
        if not self.document.data and service.normalise_id(self.document_id.data or "") is None:
            self.document_id.errors = ["A document id looks like WM-ABCD-EFGH-JKMN: it is on every page of the document"]
            return False
        return True


@bp.route("/verify", methods=["GET", "POST"])
@public
def verify() -> tuple[str, int]:
    form = VerifyForm()
    verdict = None
    if form.validate_on_submit():
        if form.document.data:
            limit = int(current_app.config["MAX_UPLOAD_MB"]) * 1024 * 1024
            data = form.document.data.read(limit + 1)
            if len(data) > limit:
                form.document.errors = [f"The file must be {current_app.config['MAX_UPLOAD_MB']} MB or smaller"]
            else:
                verdict = service.verify_file(db(), data)
        else:
            verdict = service.verify_id(db(), form.document_id.data or "")
    return render_template("verify/verify.html", form=form, verdict=verdict), 400 if form.errors else 200
