"""The evidence library pages and services: upload, refusals, storage by hash, download, preview, sharing, links, delete."""
import datetime as dt
import hashlib
import html as html_lib
import io
import re

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from app import create_app
from app.services import evidence as evidence_service
from app.services.errors import DomainError
from competences.claims import ClaimStatus
from models import CpdActivity, RelationshipKind, Role
from models.claims import ClaimEvidence, CompetenceClaim
from models.evidence import CaseEvidence, CpdEvidence, EvidenceItem, StoredFile
from models.portfolio import ClinicalCase
from tests import evidence_files as files
from tests.factories import PASSWORD, make_organisation, make_relationship, make_service, make_team, make_user

TODAY = dt.date.today()
MB = 1024 * 1024
ACCEPTS = "Waymark accepts PDF, PNG, JPEG, Word (.docx) or plain text (.txt) files"


@pytest.fixture
def app(database_url, tmp_path):
    """The app with a 1 MB upload limit, so the limits can be crossed without megabytes of test data."""
    application = create_app({"ENV_NAME": "testing", "TESTING": True, "DATABASE_URL": database_url,
                              "UPLOAD_DIR": str(tmp_path / "uploads"), "MAX_UPLOAD_MB": 1},
                             instance_path=tmp_path / "instance")
    yield application
    application.extensions["waymark.engine"].dispose()


@pytest.fixture
def store_dir(tmp_path):
    return tmp_path / "uploads" / "evidence"


@pytest.fixture
def org(session):
    return make_organisation(session, name="Riverside NHS Foundation Trust")


@pytest.fixture
def team(session, org):
    return make_team(session, service=make_service(session, organisation=org))


@pytest.fixture
def owner(session, team):
    return make_user(session, team=team, full_name="Priya Practitioner")


@pytest.fixture
def supervisor(session, org, owner):
    sup = make_user(session, organisation=org, roles=(Role.SUPERVISOR,), profile=False, full_name="Sam Supervisor")
    make_relationship(session, senior=sup, junior=owner, starts_on=dt.date(2025, 1, 1))
    return sup


@pytest.fixture
def hr(session, org):
    return make_user(session, organisation=org, roles=(Role.HR,), profile=False, full_name="Harriet HR")


@pytest.fixture
def signed_in(app, client, session):
    """A client signed in as `user` (each call a fresh client, so several people can be compared)."""

    def sign_in(user):
        session.commit()
        client = app.test_client()
        response = client.submit("/login", {"email": user.email, "password": PASSWORD})
        assert response.status_code == 302
        return client

    return sign_in


def form(data=files.PDF, name="certificate.pdf", **fields):
    values = {"title": "PG Cert certificate", "kind": "certificate", "dated_on": "2025-07-01",
              "description": "Awarded with merit.", **fields}
    if data is not None:
        values["file"] = FileStorage(io.BytesIO(data), filename=name, content_type="application/octet-stream")
    return values


def upload(client, owner, data=files.PDF, name="certificate.pdf", **fields):
    url = f"/people/{owner.id}/evidence/new"
    values = {"csrf_token": client.csrf_token(url), **form(data, name, **fields)}
    # Encoded in memory: the test client would spool a large body to a temporary file it never closes.
    boundary, body = encode_multipart(values)
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def add(session, owner, data=files.PDF, media_type="application/pdf", **fields):
    """An item made directly (its file is not in the store: enough for pages that do not serve it)."""
    digest = hashlib.sha256(data).hexdigest()
    if session.get(StoredFile, digest) is None:
        session.add(StoredFile(sha256=digest, size=len(data), media_type=media_type))
    values = {"title": "Certificate", "kind": "certificate", "dated_on": dt.date(2025, 7, 1),
              "file_name": "certificate.pdf", "description": "Private words", **fields}
    item = EvidenceItem(owner_id=owner.id, file_sha256=digest, **values)
    session.add(item)
    session.flush()
    return item


def items(session, owner):
    session.expire_all()
    return list(session.scalars(select(EvidenceItem).where(EvidenceItem.owner_id == owner.id).order_by(EvidenceItem.id)))


def on_disk(store_dir):
    return sorted(p.name for p in store_dir.rglob("*") if p.is_file()) if store_dir.exists() else []


def field_error(html, field):
    match = re.search(rf'id="{field}-error"[^>]*>\s*<span class="nhsuk-u-visually-hidden">Error:\s*</span>\s*(.*?)\s*</span>',
                      html, re.DOTALL)
    return html_lib.unescape(" ".join(match.group(1).split())) if match else None


def fetch(client, url):
    """GET a file, read it and close the response (the file it streams from with it)."""
    response = client.get(url)
    data = response.get_data()
    response.close()
    return response, data


def uploaded(client, owner, session, data=files.PDF, name="certificate.pdf", **fields):
    response = upload(client, owner, data, name, **fields)
    assert response.status_code == 302, response.get_data(as_text=True)
    return items(session, owner)[-1]


# --- uploading -------------------------------------------------------------------------------------------

def test_practitioner_uploads_a_pdf_stored_under_its_hash_and_shown_with_it(session, owner, signed_in, store_dir):
    client = signed_in(owner)
    assert client.get(f"/people/{owner.id}/evidence/new").status_code == 200
    response = upload(client, owner, name="Documents/PG Cert.pdf")
    [item] = items(session, owner)
    assert response.headers["Location"].endswith(f"/people/{owner.id}/evidence/{item.id}")
    digest = hashlib.sha256(files.PDF).hexdigest()
    assert (item.title, item.kind, item.dated_on, item.file_name, item.file_sha256, item.shared_with_hr) == (
        "PG Cert certificate", "certificate", dt.date(2025, 7, 1), "PG Cert.pdf", digest, False)
    assert (item.file.size, item.file.media_type) == (len(files.PDF), "application/pdf")
    assert (store_dir / digest[:2] / digest).read_bytes() == files.PDF
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert digest in html and "Awarded with merit." in html and f"{len(files.PDF)} bytes" in html
    assert "Evidence “PG Cert certificate” uploaded." in html


def test_two_uploads_of_the_same_bytes_store_one_file_for_two_items(session, owner, signed_in, store_dir):
    client = signed_in(owner)
    first = uploaded(client, owner, session, files.png(), "scan.png", title="Scan")
    second = uploaded(client, owner, session, files.png(), "same scan.png", title="Same scan")
    assert first.id != second.id and first.file_sha256 == second.file_sha256
    assert session.scalar(select(func.count()).select_from(StoredFile)) == 1
    assert on_disk(store_dir) == [first.file_sha256]


BAD_FILES = [
    (files.EXE, "certificate.pdf", f"This file's name says PDF but it is a Windows program; {ACCEPTS}"),
    (files.png(), "certificate.pdf", "This file's name says PDF but it is a PNG image"),
    (files.docx(files.WORD_MACRO), "reference.docx",
     f"This file's name says Word document but it is a Word document with macros; {ACCEPTS}"),
    (b"", "certificate.pdf", "The file is empty; choose the file again, or a different one"),
    (files.PDF + b"%" * MB, "certificate.pdf", "The file must be 1 MB or smaller"),
    (files.PDF, "certificate.exe", f"A .exe file cannot be uploaded; {ACCEPTS}"),
    (files.PDF, "certificate", f"The file name has no extension; {ACCEPTS}"),
    (files.PDF, "../../", "The file name is only a folder path; choose a file with a proper name"),
    (files.PDF, "cert\x7f.pdf", "The file name contains control characters; rename the file and try again"),
    (None, None, "Choose a file to upload"),
]


@pytest.mark.parametrize(("data", "name", "message"), BAD_FILES)
def test_a_bad_file_is_refused_beside_the_file_with_nothing_saved_or_stored(
        session, owner, signed_in, store_dir, data, name, message):
    client = signed_in(owner)
    response = upload(client, owner, data, name, title="Kept title")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert field_error(html, "file") == message
    assert 'href="#file"' in html and 'value="Kept title"' in html
    assert items(session, owner) == [] and session.scalar(select(func.count()).select_from(StoredFile)) == 0
    assert on_disk(store_dir) == [] and not any(store_dir.rglob(".upload-*")) if store_dir.exists() else True


@pytest.mark.parametrize(("field", "value", "message"), [
    ("title", "", "Enter a title for the evidence"),
    ("kind", "passport", "Choose what kind of evidence this is"),
    ("dated_on", (TODAY + dt.timedelta(days=1)).isoformat(), "The date cannot be in the future"),
    ("dated_on", "2025-02-30", "Date must be a real date, like 2026-04-01"),
    ("description", "Seen at LS1 4AP",
     "This looks like a postcode. Waymark holds staff records only, never patient identifiers: remove it."),
])
def test_bad_details_are_refused_beside_their_field_and_the_file_is_not_kept(
        session, owner, signed_in, store_dir, field, value, message):
    client = signed_in(owner)
    response = upload(client, owner, **{field: value})
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), field) == message
    assert items(session, owner) == [] and on_disk(store_dir) == []


def test_a_request_over_the_size_limit_gets_a_page_naming_the_limit(owner, signed_in, session):
    client = signed_in(owner)
    response = upload(client, owner, files.PDF + b"%" * (2 * MB))
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert "The file is too large" in html and "Files can be up to 1 MB." in html
    assert items(session, owner) == []


def test_the_upload_limit_moves_the_request_limit_with_it(app):
    assert app.config["MAX_CONTENT_LENGTH"] == MB + 64 * 1024


# --- download and preview -------------------------------------------------------------------------------

def test_download_sends_the_bytes_as_an_attachment_with_a_safe_name(session, owner, signed_in):
    client = signed_in(owner)
    item = uploaded(client, owner, session, name="Résumé final.pdf")
    response, data = fetch(client, f"/people/{owner.id}/evidence/{item.id}/download")
    assert response.status_code == 200
    assert data == files.PDF
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=\"Resume final.pdf\"; filename*=UTF-8''R%C3%A9sum%C3%A9%20final.pdf")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "sandbox" in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize(("data", "name", "media_type"), [(files.PDF, "a.pdf", "application/pdf"),
                                                          (files.png(), "a.png", "image/png"),
                                                          (files.JPEG, "a.jpeg", "image/jpeg")])
def test_pdfs_and_images_preview_inline_in_a_sandbox(session, owner, signed_in, data, name, media_type):
    client = signed_in(owner)
    item = uploaded(client, owner, session, data, name)
    response, sent = fetch(client, f"/people/{owner.id}/evidence/{item.id}/preview")
    assert response.status_code == 200 and sent == data and response.mimetype == media_type
    assert response.headers["Content-Disposition"].startswith(f'inline; filename="{name}"')
    csp = [d.strip() for d in response.headers["Content-Security-Policy"].split(";")]
    assert "default-src 'none'" in csp and "sandbox" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize(("data", "name"), [(files.docx(), "reference.docx"), (files.TEXT, "notes.txt")])
def test_word_documents_and_text_have_no_preview(session, owner, signed_in, data, name):
    client = signed_in(owner)
    item = uploaded(client, owner, session, data, name)
    assert client.get(f"/people/{owner.id}/evidence/{item.id}/preview").status_code == 404
    html = client.get(f"/people/{owner.id}/evidence/{item.id}").get_data(as_text=True)
    assert "Preview it in the browser" not in html and f"Download {name}" in html


# --- who sees what --------------------------------------------------------------------------------------

def item_urls(owner_id, item_id):
    base = f"/people/{owner_id}/evidence"
    return {"list": ("GET", base), "shared": ("GET", f"{base}/shared"), "item": ("GET", f"{base}/{item_id}"),
            "download": ("GET", f"{base}/{item_id}/download"), "preview": ("GET", f"{base}/{item_id}/preview"),
            "new": ("GET", f"{base}/new"), "create": ("POST", f"{base}/new"), "edit": ("GET", f"{base}/{item_id}/edit"),
            "change": ("POST", f"{base}/{item_id}/edit"), "links": ("POST", f"{base}/{item_id}/links"),
            "delete": ("POST", f"{base}/{item_id}/delete"), "undo": ("POST", f"{base}/{item_id}/undo")}


def call(client, method, url):
    if method == "GET":
        return fetch(client, url)[0]
    # A token from a page the caller can reach (their own password page), so CSRF never hides the status.
    return client.submit(url, {"title": "Changed", "kind": "other", "dated_on": "2025-01-01"},
                         form_url="/account/password")


def test_the_supervisor_reads_everything_but_changes_nothing(session, owner, supervisor, signed_in):
    client = signed_in(owner)
    item = uploaded(client, owner, session)
    client = signed_in(supervisor)
    for name, (method, url) in item_urls(owner.id, item.id).items():
        expected = 200 if method == "GET" and name not in {"new", "edit"} else 403
        assert call(client, method, url).status_code == expected, name
    html = client.get(f"/people/{owner.id}/evidence/{item.id}").get_data(as_text=True)
    assert "Awarded with merit." in html and "Upload evidence" not in html and "Delete this evidence" not in html
    assert items(session, owner)[0].title == "PG Cert certificate"


@pytest.mark.parametrize("who", ["colleague", "ended_supervisor", "admin"])
def test_others_get_404_on_every_evidence_page(session, org, team, owner, signed_in, who):
    item = add(session, owner, shared_with_hr=True)
    if who == "admin":
        viewer = make_user(session, organisation=org, roles=(Role.ADMIN,), profile=False)
    elif who == "ended_supervisor":
        viewer = make_user(session, organisation=org, roles=(Role.SUPERVISOR,), profile=False)
        make_relationship(session, senior=viewer, junior=owner, starts_on=dt.date(2024, 1, 1),
                          ends_on=TODAY - dt.timedelta(days=1))
    else:
        viewer = make_user(session, team=team)
    client = signed_in(viewer)
    for name, (method, url) in item_urls(owner.id, item.id).items():
        assert call(client, method, url).status_code == 404, name
    assert items(session, owner)[0].deleted_at is None


def test_hr_gets_404_for_an_unshared_item_and_sees_only_shared_ones_listed(session, owner, hr, signed_in):
    client = signed_in(owner)
    private = uploaded(client, owner, session, files.TEXT, "reflection.txt", title="My reflection", kind="reflective_account")
    shared = uploaded(client, owner, session, title="PG Cert", shared_with_hr="y")
    client = signed_in(hr)
    for name in ("item", "download", "preview"):
        assert call(client, *item_urls(owner.id, private.id)[name]).status_code == 404, name
    response = client.get(f"/people/{owner.id}/evidence")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/people/{owner.id}/evidence/shared")
    html = client.get(f"/people/{owner.id}/evidence/shared").get_data(as_text=True)
    assert "PG Cert" in html and "My reflection" not in html and "reflection.txt" not in html
    assert "1 item." in html
    assert shared.file_sha256[:12] in html


def test_hr_downloads_a_shared_item_but_never_sees_its_description(session, owner, hr, signed_in):
    client = signed_in(owner)
    item = uploaded(client, owner, session, title="PG Cert", shared_with_hr="y",
                    description="Only for my supervisor")
    client = signed_in(hr)
    html = client.get(f"/people/{owner.id}/evidence/{item.id}").get_data(as_text=True)
    assert "PG Cert" in html and item.file_sha256 in html and "certificate.pdf" in html
    assert "Only for my supervisor" not in html and "What it supports" not in html
    response, data = fetch(client, f"/people/{owner.id}/evidence/{item.id}/download")
    assert response.status_code == 200 and data == files.PDF
    for name in ("edit", "change", "links", "delete", "undo", "new", "create"):
        assert call(client, *item_urls(owner.id, item.id)[name]).status_code == 403, name


def test_a_line_manager_sees_shared_items_like_hr(session, org, owner, signed_in):
    manager = make_user(session, organisation=org, roles=(Role.LINE_MANAGER,), profile=False)
    make_relationship(session, senior=manager, junior=owner, kind=RelationshipKind.LINE_MANAGEMENT)
    shared, private = add(session, owner, title="Shared one", shared_with_hr=True), add(session, owner, title="Not shared")
    client = signed_in(manager)
    assert client.get(f"/people/{owner.id}/evidence/{shared.id}").status_code == 200
    assert client.get(f"/people/{owner.id}/evidence/{private.id}").status_code == 404


def test_hr_in_another_organisation_gets_404_even_for_shared_items(session, owner, signed_in):
    outsider = make_user(session, organisation=make_organisation(session), roles=(Role.HR,), profile=False)
    item = add(session, owner, shared_with_hr=True)
    client = signed_in(outsider)
    for name in ("list", "shared", "item", "download"):
        assert call(client, *item_urls(owner.id, item.id)[name]).status_code == 404, name


def test_an_item_of_someone_else_is_not_found_under_your_own_library(session, team, owner, signed_in):
    theirs = add(session, make_user(session, team=team))
    client = signed_in(owner)
    for name, (method, url) in item_urls(owner.id, theirs.id).items():
        if name not in {"list", "shared", "new", "create"}:
            assert call(client, method, url).status_code == 404, name


# --- the list -------------------------------------------------------------------------------------------

def test_the_list_filters_by_kind_and_searches_titles(session, owner, signed_in):
    add(session, owner, title="PG Cert certificate")
    add(session, owner, title="CBT 100% course", kind="transcript")
    add(session, owner, title="Reference from tutor", kind="reference", shared_with_hr=True)
    client = signed_in(owner)

    def titles(query):
        html = client.get(f"/people/{owner.id}/evidence{query}").get_data(as_text=True)
        return sorted(re.findall(r'/evidence/\d+">([^<]+)</a>', html))

    assert titles("") == ["CBT 100% course", "PG Cert certificate", "Reference from tutor"]
    assert titles("?kind=reference") == ["Reference from tutor"]
    assert titles("?q=CERT") == ["PG Cert certificate"]
    assert titles("?q=100%25") == ["CBT 100% course"]
    assert titles("?q=_") == []
    assert client.get(f"/people/{owner.id}/evidence?kind=passport").status_code == 400
    assert "Shared with HR" in client.get(f"/people/{owner.id}/evidence").get_data(as_text=True)


def test_the_list_says_what_each_item_supports(session, owner, signed_in):
    item = add(session, owner)
    cpd = CpdActivity(owner_id=owner.id, start_on=dt.date(2025, 3, 1), end_on=dt.date(2025, 3, 1), title="Workshop",
                      category="clinical", minutes=60)
    session.add(cpd)
    session.flush()
    session.add(CpdEvidence(cpd_id=cpd.id, evidence_id=item.id))
    client = signed_in(owner)
    html = client.get(f"/people/{owner.id}/evidence").get_data(as_text=True)
    assert "1 CPD activity" in html


def test_the_list_costs_the_same_queries_for_3_and_30_items(session, owner, signed_in, count_queries):
    client = signed_in(owner)
    url = f"/people/{owner.id}/evidence"

    def queries_for(n):
        session.execute(EvidenceItem.__table__.delete())
        for i in range(n):
            add(session, owner, title=f"Item {i}", data=f"%PDF-{i}".encode(), shared_with_hr=bool(i % 2))
        session.commit()
        client.get(url)
        with count_queries() as q:
            assert client.get(url).status_code == 200
        return q.count

    assert queries_for(3) == queries_for(30)


# --- changing and linking -------------------------------------------------------------------------------

def test_changing_the_details_keeps_the_file(session, owner, signed_in):
    client = signed_in(owner)
    item = uploaded(client, owner, session)
    assert 'value="PG Cert certificate"' in client.get(f"/people/{owner.id}/evidence/{item.id}/edit").get_data(as_text=True)
    response = client.submit(f"/people/{owner.id}/evidence/{item.id}/edit",
                             {"title": "PG Cert", "kind": "transcript", "dated_on": "2025-06-30", "shared_with_hr": "y"})
    assert response.status_code == 302
    [changed] = items(session, owner)
    assert (changed.title, changed.kind, changed.dated_on, changed.shared_with_hr, changed.description) == (
        "PG Cert", "transcript", dt.date(2025, 6, 30), True, None)
    assert changed.file_sha256 == hashlib.sha256(files.PDF).hexdigest()


def make_case(session, owner, ref="AB12", **fields):
    case = ClinicalCase(owner_id=owner.id, case_ref=ref, problem="depression", step=3, modality="cbt",
                        started_on=dt.date(2025, 1, 6), **fields)
    session.add(case)
    session.flush()
    return case


def make_cpd(session, owner, title="Workshop", **fields):
    entry = CpdActivity(owner_id=owner.id, start_on=dt.date(2025, 3, 1), end_on=dt.date(2025, 3, 1), title=title,
                        category="clinical", minutes=60, **fields)
    session.add(entry)
    session.flush()
    return entry


def test_the_owner_links_an_item_to_their_cpd_and_cases_and_unlinks_it(session, owner, signed_in):
    item = add(session, owner)
    workshop, reading = make_cpd(session, owner, "Workshop"), make_cpd(session, owner, "Reading")
    case = make_case(session, owner, training_case=True)
    gone = make_cpd(session, owner, "Deleted one", deleted_at=dt.datetime.now(dt.timezone.utc))
    session.add(CpdEvidence(cpd_id=gone.id, evidence_id=item.id))
    client = signed_in(owner)
    url = f"/people/{owner.id}/evidence/{item.id}"
    html = client.get(url).get_data(as_text=True)
    assert "Workshop" in html and "AB12 (training case)" in html and "Deleted one" not in html
    response = client.submit(f"{url}/links", {"cpd_ids": [str(workshop.id), str(reading.id)], "case_ids": [str(case.id)]},
                             form_url=url)
    assert response.status_code == 302
    links = lambda: sorted(session.scalars(select(CpdEvidence.cpd_id).where(CpdEvidence.evidence_id == item.id)))  # noqa: E731
    assert links() == sorted([workshop.id, reading.id, gone.id])
    assert list(session.scalars(select(CaseEvidence.case_id).where(CaseEvidence.evidence_id == item.id))) == [case.id]
    page = client.get(url).get_data(as_text=True)
    assert f'/people/{owner.id}/cpd/{workshop.id}">Workshop</a>' in page and f'/cases/{case.id}">AB12</a>' in page

    client.submit(f"{url}/links", {"cpd_ids": [str(reading.id)]}, form_url=url)
    session.expire_all()
    # The link to a deleted activity was not offered, so it stays.
    assert links() == sorted([reading.id, gone.id])
    assert session.scalar(select(func.count()).select_from(CaseEvidence)) == 0


def test_linking_to_another_persons_cpd_is_refused(session, team, owner, signed_in):
    item = add(session, owner)
    other = make_user(session, team=team)
    theirs = make_cpd(session, other, "Their workshop")
    client = signed_in(owner)
    url = f"/people/{owner.id}/evidence/{item.id}"
    response = client.submit(f"{url}/links", {"cpd_ids": [str(theirs.id)]}, form_url=url)
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), "cpd_ids") == "Choose from your own CPD activities"
    assert session.scalar(select(func.count()).select_from(CpdEvidence)) == 0
    with pytest.raises(DomainError, match="Evidence can only support your own CPD activities"):
        evidence_service.link_cpd(session, item, theirs)
    with pytest.raises(DomainError, match="Evidence can only support your own cases"):
        evidence_service.link_case(session, item, make_case(session, other))
    with pytest.raises(DomainError, match="Choose from your own CPD activities"):
        evidence_service.set_links(session, item, cpd_ids=[theirs.id], case_ids=[])


def test_a_tutor_sees_only_training_cases_among_what_an_item_supports(session, org, owner, signed_in):
    tutor = make_user(session, organisation=org, roles=(Role.COURSE_TUTOR,), profile=False)
    make_relationship(session, senior=tutor, junior=owner, kind=RelationshipKind.TUTORING)
    item = add(session, owner)
    for case in (make_case(session, owner, "TR01", training_case=True), make_case(session, owner, "NT02")):
        session.add(CaseEvidence(case_id=case.id, evidence_id=item.id))
    html = signed_in(tutor).get(f"/people/{owner.id}/evidence/{item.id}").get_data(as_text=True)
    assert "TR01" in html and "NT02" not in html


def test_cpd_and_case_pages_can_fetch_their_evidence_in_one_query(session, owner, count_queries):
    item, other = add(session, owner, title="Certificate"), add(session, owner, title="Gone",
                                                                 deleted_at=dt.datetime.now(dt.timezone.utc))
    first, second = make_cpd(session, owner), make_cpd(session, owner)
    session.add_all([CpdEvidence(cpd_id=first.id, evidence_id=item.id), CpdEvidence(cpd_id=first.id, evidence_id=other.id)])
    session.flush()
    with count_queries() as q:
        found = evidence_service.evidence_for_cpd(session, [first.id, second.id])
    assert q.count == 1
    assert [e.title for e in found[first.id]] == ["Certificate"] and found[second.id] == []
    assert evidence_service.evidence_for_cases(session, []) == {}


# --- delete and undo ------------------------------------------------------------------------------------

def claim(session, owner, item, status, item_id="ksa-8"):
    made = CompetenceClaim(owner_id=owner.id, framework_id="ksa", framework_version=1, item_id=item_id, status=status)
    session.add(made)
    session.flush()
    session.add(ClaimEvidence(claim_id=made.id, evidence_id=item.id, evidence_type="reference"))
    session.flush()
    return made


@pytest.mark.parametrize("status", [ClaimStatus.SIGNED_OFF, ClaimStatus.NEEDS_RESIGNING, ClaimStatus.SUBMITTED])
def test_deleting_evidence_behind_a_signed_or_submitted_claim_is_refused_naming_the_claim(session, owner, signed_in, status):
    item = add(session, owner)
    claim(session, owner, item, status)
    claim(session, owner, item, ClaimStatus.DRAFT, "ksa-9")
    client = signed_in(owner)
    url = f"/people/{owner.id}/evidence/{item.id}"
    response = client.submit(f"{url}/delete", form_url=url)
    assert response.status_code == 302 and response.headers["Location"].endswith(url)
    html = client.get(url).get_data(as_text=True)
    assert ("This evidence supports claims that are signed off or waiting for sign-off, so it cannot be deleted: "
            "BABCP KSA portfolio: Knowledge, Skills and Attitudes criteria: 8 Awareness of risk.") in html
    assert "ksa-9" not in html.split("cannot be deleted")[1].split("</p>")[0]
    assert items(session, owner)[0].deleted_at is None


def test_a_claim_on_an_unknown_framework_item_is_named_by_its_ids(session, owner):
    item = add(session, owner)
    claim(session, owner, item, ClaimStatus.SIGNED_OFF, "ksa-99")
    with pytest.raises(DomainError, match="cannot be deleted: ksa ksa-99. "):
        evidence_service.delete(session, item)


def test_delete_then_undo_restores_the_item_and_only_the_owner_sees_it_meanwhile(
        session, owner, supervisor, signed_in):
    item = add(session, owner, title="Draft-only evidence")
    claim(session, owner, item, ClaimStatus.RETURNED)
    client = signed_in(owner)
    url = f"/people/{owner.id}/evidence/{item.id}"
    response = client.submit(f"{url}/delete", form_url=url)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/people/{owner.id}/evidence")
    assert items(session, owner)[0].deleted_at is not None
    html = client.get(f"/people/{owner.id}/evidence").get_data(as_text=True)
    assert "Evidence “Draft-only evidence” deleted." in html and f'action="{url}/undo"' in html
    assert "Draft-only evidence</a>" not in html
    assert "Draft-only evidence</a>" in client.get(f"/people/{owner.id}/evidence?deleted=1").get_data(as_text=True)
    assert client.get(url).status_code == 200 and client.get(f"{url}/edit").status_code == 404

    watcher = signed_in(supervisor)
    for name in ("item", "download"):
        assert fetch(watcher, item_urls(owner.id, item.id)[name][1])[0].status_code == 404, name
    assert watcher.get(f"/people/{owner.id}/evidence?deleted=1").status_code == 404

    client = signed_in(owner)
    assert client.submit(f"{url}/undo", form_url=f"/people/{owner.id}/evidence").status_code == 302
    assert items(session, owner)[0].deleted_at is None
    assert "Draft-only evidence</a>" in client.get(f"/people/{owner.id}/evidence").get_data(as_text=True)
