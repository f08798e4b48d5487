"""Every kind of document renders for the demo service, from the command line, and verifies."""
import datetime as dt
from pathlib import Path

from sqlalchemy import select

import app.services.document_kinds  # noqa: F401  (registers the kinds)
from app.services import documents, verify
from app.services.demo import load_demo
from models import User
from tests.factories import TEST_SETTINGS

TODAY = dt.date.today()


def test_every_document_kind_renders_for_someone_in_the_demo_from_the_cli(app, session, tmp_path):
    load_demo(session, TEST_SETTINGS, today=TODAY, evidence_dir=Path(app.config["UPLOAD_DIR"]) / "evidence")
    session.commit()
    people = list(session.scalars(select(User).order_by(User.id)))
    hr = next(u for u in people if u.email.startswith("joanne."))
    cli = app.test_cli_runner()
    rendered = {}
    for kind in documents.KINDS.values():
        subject = next((p for p in people if p.profile is not None and kind.applies(session, p, TODAY)), None)
        assert subject is not None, f"nobody in the demo is offered the {kind.title}"
        actor = hr if kind.audience == documents.HR else subject
        out = tmp_path / f"{kind.id}.pdf"
        result = cli.invoke(args=["documents", "issue", kind.id, "--person", subject.email, "--as", actor.email,
                                  "--out", str(out)])
        assert result.exit_code == 0, result.output
        assert verify.verify_file(session, out.read_bytes()).outcome == verify.AUTHENTIC, kind.id
        rendered[kind.id] = subject.full_name
    assert set(rendered) == set(documents.KINDS)
