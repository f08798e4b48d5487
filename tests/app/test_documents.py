"""Issuing documents as jobs, who may ask for which, the verify page and command, and the bulk ZIP with its index."""
import csv
import datetime as dt
import io
import zipfile

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from app.jobs import runner
from app.services import verify
from exports.manifest import ManifestBuilder, changes_since, manifest_text
from models import CompetenceClaim, RelationshipKind, Role
from models.claims import ClaimStatus
from models.documents import IssuedDocument
from tests.factories import make_organisation, make_relationship, make_service, make_team, make_user


@pytest.fixture
def world(session):
    org = make_organisation(session, name="Document Trust")
    north, south = make_service(session, organisation=org, name="North"), make_service(session, organisation=org, name="South")
    team = make_team(session, service=north, name="North team")
    make_team(session, service=south)
    amira = make_user(session, team=team, full_name="Amira Hassan", job_title="Psychological wellbeing practitioner")
    priya = make_user(session, team=team, full_name="Priya Shah")
    hr = make_user(session, organisation=org, roles=(Role.HR,), profile=False, full_name="Joanne Kerr")
    south_hr = make_user(session, organisation=org, roles=((Role.HR, south),), profile=False, full_name="Sam South")
    supervisor = make_user(session, team=team, roles=(Role.PRACTITIONER, Role.SUPERVISOR), full_name="Rachel Adeyemi")
    make_relationship(session, senior=supervisor, junior=amira, kind=RelationshipKind.SUPERVISION,
                      starts_on=dt.date(2025, 1, 1))
    session.commit()
    return {"org": org, "amira": amira, "priya": priya, "hr": hr, "south_hr": south_hr, "supervisor": supervisor,
            "team": team}


def changed_byte(pdf):
    """One byte flipped in the middle of the file, as a tamperer's edit would."""
    n = len(pdf) // 2
    return pdf[:n] + bytes([pdf[n] ^ 0x01]) + pdf[n + 1:]


def _ask(client, person, kind="progression_pack"):
    page = f"/people/{person.id}/documents"
    return client.submit(f"{page}/{kind}", {}, form_url=page)


def _finish(app):
    assert runner.thread_worker(app).wait(120)


def _download(client, job_id):
    response = client.get(f"/jobs/{job_id}/download")
    assert response.status_code == 200
    data = response.get_data()
    response.close()
    return data


def _job_id(response):
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def test_hr_produce_a_progression_pack_that_the_verify_page_accepts(app, client, session, world, login_as):
    login_as(world["hr"])
    job_id = _job_id(_ask(client, world["amira"]))
    _finish(app)
    pdf = _download(client, job_id)
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(p.extract_text() for p in reader.pages)
    doc = session.scalar(select(IssuedDocument))
    assert "Progression pack" in text and "Amira Hassan" in text and doc.id in text and doc.digest in text
    assert "Page 1 of" in text
    assert "Pay progression standards" in text and "Band 5, step 1" in text
    assert reader.metadata.title == "Progression pack – Amira Hassan"

    client.get("/logout")
    anonymous = app.test_client()
    page = anonymous.submit("/verify", {"document": (io.BytesIO(pdf), "pack.pdf")}).get_data(as_text=True)
    assert "This is the document Waymark issued, unaltered" in page and "Current" in page

    altered = changed_byte(pdf)
    page = anonymous.submit("/verify", {"document": (io.BytesIO(altered), "pack.pdf")}).get_data(as_text=True)
    assert "This file has been altered" in page and doc.id in page

    world["amira"].profile.job_title = "Senior psychological wellbeing practitioner"
    session.commit()
    page = anonymous.submit("/verify", {"document_id": doc.id.lower().replace("-", " ")}).get_data(as_text=True)
    assert "Waymark issued a document with this id" in page and "Changed since" in page

    page = anonymous.submit("/verify", {"document": (io.BytesIO(b"%PDF-1.7 not ours"), "x.pdf")}).get_data(as_text=True)
    assert "Waymark did not issue this document" in page


def test_the_verify_page_needs_a_file_or_a_well_formed_id(client):
    response = client.submit("/verify", {"document_id": "not an id"})
    assert response.status_code == 400 and "A document id looks like WM-ABCD-EFGH-JKMN" in response.get_data(as_text=True)
    response = client.submit("/verify", {})
    assert response.status_code == 400 and "Choose the PDF to check" in response.get_data(as_text=True)


def test_a_withdrawn_sign_off_makes_the_document_superseded(session, world):
    claim = CompetenceClaim(owner_id=world["amira"].id, framework_id="ksa", framework_version=1, item_id="ksa-1",
                            status=ClaimStatus.SIGNED_OFF)
    session.add(claim)
    session.flush()
    builder = ManifestBuilder("portfolio", world["amira"].id)
    builder.record(claim)
    builder.signoff(claim.id, claim.status.value)
    text = manifest_text(builder.manifest())
    assert changes_since(session, text).unchanged
    claim.status = ClaimStatus.RETURNED  # a supervisor withdrew the sign-off
    session.flush()
    changes = changes_since(session, text)
    assert changes.withdrawn == (claim.id,) and changes.changed == (("competence_claims", str(claim.id)),)
    session.delete(claim)
    session.flush()
    assert changes_since(session, text).deleted == (("competence_claims", str(claim.id)),)


@pytest.mark.parametrize(("who", "status"), [("south_hr", 404), ("priya", 404), ("supervisor", 403)])
def test_only_those_who_cover_the_person_produce_their_progression_pack(app, client, session, world, login_as, who,
                                                                         status):
    login_as(world[who])
    page = f"/people/{world['amira'].id}/documents"
    if status == 404:
        assert client.get(page).status_code == 404
    response = client.submit(f"{page}/progression_pack", {}, form_url="/account/password")
    assert response.status_code == status
    assert session.scalar(select(IssuedDocument)) is None


def test_the_person_produces_their_own_and_sees_every_document_about_them(app, client, session, world, login_as):
    login_as(world["hr"])
    _job_id(_ask(client, world["amira"]))
    _finish(app)
    client.get("/logout")
    own = app.test_client()
    own.submit("/login", {"email": world["amira"].email, "password": "correct horse battery"})
    page = own.get(f"/people/{world['amira'].id}/documents").get_data(as_text=True)
    doc = session.scalar(select(IssuedDocument))
    assert doc.id in page and "Joanne Kerr" in page and "Create PDF" in page


def test_bulk_documents_make_one_pdf_each_and_an_index(app, client, session, world, login_as):
    login_as(world["hr"])
    response = client.submit("/documents/bulk", {"kind": "progression_pack", "team": str(world["team"].id)})
    job_id = _job_id(response)
    _finish(app)
    archive = zipfile.ZipFile(io.BytesIO(_download(client, job_id)))
    index = list(csv.DictReader(io.StringIO(archive.read("index.csv").decode("utf-8-sig"))))
    assert sorted(r["Name"] for r in index) == ["Amira Hassan", "Priya Shah", "Rachel Adeyemi"]
    assert all(r["Status"] == "Done" and r["File"] in archive.namelist() for r in index)
    issued = {d.id: d for d in session.scalars(select(IssuedDocument))}
    for row in index:
        pdf = archive.read(row["File"])
        assert verify.verify_file(session, pdf).outcome == verify.AUTHENTIC
        assert issued[row["Document id"]].digest == row["Digest"]


def test_the_verify_command_checks_a_file_and_an_id(app, client, session, world, login_as, tmp_path):
    login_as(world["hr"])
    job_id = _job_id(_ask(client, world["amira"]))
    _finish(app)
    path = tmp_path / "pack.pdf"
    path.write_bytes(_download(client, job_id))
    cli = app.test_cli_runner()
    result = cli.invoke(args=["documents", "verify", str(path)])
    assert result.exit_code == 0 and "unaltered" in result.output and "Current" in result.output
    path.write_bytes(changed_byte(path.read_bytes()))
    result = cli.invoke(args=["documents", "verify", str(path)])
    assert result.exit_code == 1 and "altered" in result.output
    doc = session.scalar(select(IssuedDocument))
    result = cli.invoke(args=["documents", "verify", doc.id])
    assert result.exit_code == 0 and doc.id in result.output
    assert cli.invoke(args=["documents", "verify", "WM-AAAA-AAAA-AAAA"]).exit_code == 1


def test_a_former_supervisor_can_no_longer_download_the_private_portfolio_they_made(app, client, session, world,
                                                                                    login_as):
    from models import StaffRelationship

    login_as(world["supervisor"])
    job_id = _job_id(_ask(client, world["amira"], kind="portfolio"))
    _finish(app)
    assert _download(client, job_id)
    rel = session.scalar(select(StaffRelationship).where(StaffRelationship.junior_id == world["amira"].id))
    rel.ends_on = dt.date.today() - dt.timedelta(days=1)
    session.commit()
    for url in (f"/jobs/{job_id}", f"/jobs/{job_id}/download", f"/jobs/{job_id}/progress.json"):
        assert client.get(url).status_code == 404, url


def test_someone_who_has_left_cannot_produce_documents_about_others(session, world):
    from app.services import documents

    world["hr"].left_on = dt.date.today() - dt.timedelta(days=2)
    session.flush()
    kind = documents.KINDS["progression_pack"]
    assert not documents.may_issue(session, world["hr"], world["amira"], kind, dt.date.today())
    assert not documents.may_issue_all(session, world["hr"], [world["amira"].id, world["priya"].id], kind,
                                       dt.date.today())


def test_a_file_stuffed_with_document_ids_looks_up_only_a_few(session, world, count_queries):
    junk = b"%PDF-1.7\n" + b" ".join(f"WM-AAAA-BBBB-{i:04d}".replace("0", "2").replace("1", "3").encode()
                                      for i in range(5000))
    with count_queries() as queries:
        assert verify.verify_file(session, junk).outcome == verify.UNKNOWN
    assert queries.count <= 2


def test_signing_in_does_not_make_a_document_look_changed(app, client, session, world, login_as):
    login_as(world["hr"])
    _job_id(_ask(client, world["amira"]))
    _finish(app)
    doc = session.scalar(select(IssuedDocument))
    other = app.test_client()
    # Signing in sets last_login_at on the account row the pack shows.
    assert other.submit("/login", {"email": world["amira"].email, "password": "correct horse battery"}).status_code == 302
    session.expire_all()
    assert verify.verify_id(session, doc.id).changes.unchanged


def test_a_leaver_cannot_reopen_or_resume_the_bulk_job_they_started(app, client, session, world, login_as):
    login_as(world["hr"])
    job_id = _job_id(client.submit("/documents/bulk", {"kind": "progression_pack", "team": str(world["team"].id)}))
    _finish(app)
    world["hr"].left_on = dt.date.today() - dt.timedelta(days=1)
    session.commit()
    assert client.get(f"/jobs/{job_id}/download").status_code == 404
    assert client.get(f"/jobs/{job_id}").status_code == 404
    assert client.submit(f"/jobs/{job_id}/resume", {}, form_url="/account/password").status_code == 404
