"""Admins correct a data file by uploading a new version: checked like the built-in files, stored, seen everywhere."""
import html as html_lib
import io
import re

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from app.services import reference_data as service
from app.services.errors import DomainError
from competences import catalogue
from competences.datafile import DataFileError, Reader
from models import AuditEvent, ReferenceDataVersion, Role
from models.reference_data import catalogue_for, forget_cached_catalogues
from tests.factories import make_organisation, make_user

UPLOAD = "/admin/reference-data/upload"


# --- two small kinds this module controls, so the real data files do not matter here ----------

def parse_list(raw):
    """"test_list": a list of [[items]] with ids."""
    return tuple(item.str("id") for item in Reader(raw.name, "", raw.body).tables("items"))


def parse_ref(raw):
    """"test_ref": names another file and the items it needs from it."""
    r = Reader(raw.name, "", raw.body).table_of("ref")
    return r.str("refers_to"), r.str_list("needs")


def check_ref(loaded, cat):
    target, needs = loaded.content
    missing = [n for n in needs if n not in cat.current(target).content]
    if missing:
        raise DataFileError(loaded.name, "ref.needs", f"{target} has no item {missing[0]!r}")


def toml(file_id="test-scale", version=1, *, kind="test_list", title="Test scale", effective="2025-04-01",
         status="confirmed", items=("a", "b"), body=None):
    meta = (f'[meta]\nid = "{file_id}"\nkind = "{kind}"\nversion = {version}\ntitle = "{title}"\n'
            f'source = "https://example.org/source"\neffective_from = {effective}\nstatus = "{status}"\n')
    return meta + (body if body is not None else "".join(f'\n[[items]]\nid = "{i}"\n' for i in items))


PATHWAY = toml("test-pathway", kind="test_ref", title="Test pathway", status="uncertain",
               body='\n[ref]\nrefers_to = "test-scale"\nneeds = ["a"]\n')


@pytest.fixture(autouse=True)
def test_catalogue(request, monkeypatch):
    """Built-in files of the kinds above, unless the test asks for the real ones."""
    forget_cached_catalogues()
    if "real_catalogue" in request.fixturenames:
        yield
        forget_cached_catalogues()
        return
    monkeypatch.setitem(catalogue.KIND_PARSERS, "test_list", f"{__name__}:parse_list")
    monkeypatch.setitem(catalogue.KIND_PARSERS, "test_ref", f"{__name__}:parse_ref")
    monkeypatch.setitem(catalogue.KIND_CHECKS, "test_ref", f"{__name__}:check_ref")
    built_in = (catalogue.parse(toml(), "test-scale.toml"), catalogue.parse(PATHWAY, "test-pathway.toml"))
    monkeypatch.setattr(catalogue, "_built_in", lambda: built_in)
    yield
    forget_cached_catalogues()


@pytest.fixture
def real_catalogue():
    return catalogue.built_in_catalogue()


@pytest.fixture
def org(session):
    return make_organisation(session)


@pytest.fixture
def admin(session, org):
    return make_user(session, roles=(Role.ADMIN,), organisation=org, full_name="Alex Admin")


@pytest.fixture
def signed_in_admin(session, admin, login_as):
    session.commit()
    login_as(admin)
    return admin


def upload_file(client, data, note="The 2026 pay award was published", filename="test-scale.toml"):
    # Encoded here because the test client spools a body over 500 KB to a temporary file it never closes.
    boundary, body = encode_multipart({"csrf_token": client.csrf_token(UPLOAD), "note": note,
                                       "file": FileStorage(io.BytesIO(data), filename)})
    return client.post(UPLOAD, data=body, content_type=f'multipart/form-data; boundary="{boundary}"')


def stored(session):
    return session.scalar(select(func.count()).select_from(ReferenceDataVersion))


def error_beside(html, field):
    """The message the NHS.UK markup shows next to a field ."""
    match = re.search(rf'id="{field}-error"[^>]*>\s*<span class="nhsuk-u-visually-hidden">Error:\s*</span>(.*?)</span>',
                      html, re.S)
    assert match, f"no error beside {field}"
    return html_lib.unescape(" ".join(match.group(1).split()))


# --- a correction is stored and used ---------------------------------------------------------

def test_an_uploaded_correction_is_stored_audited_and_becomes_current_while_version_1_stays(
        client, session, signed_in_admin):
    text = toml(version=2, effective="2026-04-01", items=("a", "b", "c"))
    response = upload_file(client, text.encode())
    assert response.status_code == 302 and response.location == "/admin/reference-data/test-scale"
    page = client.get(response.location).get_data(as_text=True)
    assert "Test scale version 2 stored; it applies from 1 April 2026." in page

    row = session.scalars(select(ReferenceDataVersion)).one()
    assert (row.file_id, row.version, row.kind, row.title, row.status) == ("test-scale", 2, "test_list", "Test scale",
                                                                           "confirmed")
    assert row.content == text and row.sha256 == service.sha256_of(text)
    assert row.uploaded_by_id == signed_in_admin.id and row.note == "The 2026 pay award was published"
    event = session.scalars(select(AuditEvent).where(AuditEvent.object_type == "reference_data_versions")).one()
    assert (event.action, event.object_id, event.actor_id) == ("create", str(row.id), signed_in_admin.id)

    forget_cached_catalogues()  # as a freshly started worker would
    cat = catalogue_for(session)
    assert cat.current("test-scale").meta.version == 2 and cat.current("test-scale").content == ("a", "b", "c")
    assert cat.version("test-scale", 1).origin == "built-in" and cat.version("test-scale", 1).content == ("a", "b")


def test_pasted_text_is_stored_with_the_newlines_typed_not_the_browsers(client, session, signed_in_admin):
    text = toml(version=2)
    response = client.submit(UPLOAD, {"text": text.replace("\n", "\r\n"), "note": "Typo in item b"})
    assert response.status_code == 302
    assert session.scalars(select(ReferenceDataVersion.content)).one() == text


def test_a_file_saved_with_a_byte_order_mark_is_accepted_without_it(client, session, signed_in_admin):
    assert upload_file(client, b"\xef\xbb\xbf" + toml(version=2).encode()).status_code == 302
    assert session.scalars(select(ReferenceDataVersion.content)).one() == toml(version=2)


def test_a_later_correction_supersedes_an_earlier_one(client, session, signed_in_admin):
    assert upload_file(client, toml(version=2).encode()).status_code == 302
    assert upload_file(client, toml(version=5, items=("a",)).encode(), note="Item b withdrawn").status_code == 302
    cat = catalogue_for(session)
    assert [v.meta.version for v in cat.versions("test-scale")] == [1, 2, 5]
    assert cat.current("test-scale").content == ("a",)


# --- what is refused -------------------------------------------------------------------------

REFUSED = {
    "same version": (toml(version=1).encode(), "file",
                     "Test scale (test-scale) is already at version 1; a correction needs version 2 or higher"),
    "malformed TOML": (b"[meta\nid = ", "file", "Uploaded file: is not valid TOML"),
    "unknown kind": (toml(version=2, kind="astrology").encode(), "file",
                     "Uploaded file: meta.kind: unknown kind 'astrology'; known:"),
    "missing meta field": (toml(version=2).replace('title = "Test scale"\n', "").encode(), "file",
                           "Uploaded file: meta.title: is missing"),
    "a new id": (toml("test-scael", version=2).encode(), "file",
                 "There is no data file with the id 'test-scael' to correct."),
    "another file's kind": (toml(version=2, kind="test_ref", body='\n[ref]\nrefers_to = "test-scale"\nneeds = []\n').encode(),
                            "file", "test-scale is a test_list in test-scale.toml, not test_ref"),
    "a broken reference from another file": (toml(version=2, items=("b",)).encode(), "file",
                                             "test-pathway.toml: ref.needs: test-scale has no item 'a'"),
    "a title too long to store": (toml(version=2, title="T" * 256).encode(), "file",
                                  "Uploaded file: meta.title: must be 255 characters or fewer"),
    "not UTF-8": (toml(version=2, title="Test scale \xe9").encode("latin-1"), "file", "The file is not UTF-8 text"),
    "oversize": (toml(version=2).encode() + b"#" * (512 * 1024), "file", "The file must be 512 KB or smaller"),
}


@pytest.mark.parametrize("data, field, message", REFUSED.values(), ids=REFUSED.keys())
def test_a_file_that_cannot_be_used_is_refused_beside_the_field_and_nothing_is_stored(
        client, session, signed_in_admin, data, field, message):
    response = upload_file(client, data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in html and "<title>Error:" in html
    assert message in error_beside(html, field)
    assert f'href="#{field}"' in html
    assert stored(session) == 0


def test_a_lower_version_than_a_stored_correction_is_refused(client, session, signed_in_admin):
    assert upload_file(client, toml(version=3).encode()).status_code == 302
    response = upload_file(client, toml(version=2).encode())
    assert response.status_code == 400
    assert "is already at version 3; a correction needs version 4 or higher" in error_beside(
        response.get_data(as_text=True), "file")
    assert stored(session) == 1


def test_a_correction_needs_a_reason(client, session, signed_in_admin):
    response = upload_file(client, toml(version=2).encode(), note="   ")
    assert response.status_code == 400
    assert error_beside(response.get_data(as_text=True), "note") == "Enter why this correction is needed"
    assert stored(session) == 0


def test_pasted_text_that_cannot_be_used_is_refused_beside_the_text_box(client, session, signed_in_admin):
    response = client.submit(UPLOAD, {"text": "[meta]\nid = [\n", "note": "Fixing it"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Uploaded file: is not valid TOML" in error_beside(html, "text")
    assert 'href="#text"' in html and stored(session) == 0


@pytest.mark.parametrize("data, message", [
    ({"note": "Why"}, "Choose a TOML file to upload, or paste its text"),
    ({"note": "Why", "text": toml(version=2), "file": (io.BytesIO(toml(version=2).encode()), "x.toml")},
     "Upload a file or paste the text, not both"),
    ({"note": "Why", "file": (io.BytesIO(toml(version=2).encode()), "scale.txt")},
     "The file must be a TOML file whose name ends in .toml"),
], ids=["neither", "both", "not .toml"])
def test_the_form_needs_exactly_one_toml_file_or_pasted_text(client, session, signed_in_admin, data, message):
    response = client.submit(UPLOAD, data)
    assert response.status_code == 400
    assert error_beside(response.get_data(as_text=True), "file") == message
    assert stored(session) == 0


def test_a_version_stored_by_someone_else_meanwhile_is_refused_not_an_error_page(session, admin, monkeypatch):
    text = toml(version=2)
    service.upload_correction(session, text=text, note="First", actor=admin)
    # This admin's check ran before the other's insert: it saw only the built-in files.
    monkeypatch.setattr(service, "catalogue_for", lambda _s: catalogue.Catalogue(catalogue._built_in()))
    monkeypatch.setattr(service, "stored_texts", lambda _s: [])
    with pytest.raises(DomainError, match="has just been stored by someone else") as err:
        service.upload_correction(session, text=text, note="Second", actor=admin)
    assert err.value.field == "file"
    session.commit()  # the session is still usable and keeps the first version
    assert stored(session) == 1


def test_a_service_caller_gets_the_same_checks_as_the_web_page(session, admin):
    with pytest.raises(DomainError, match="Enter why") as err:
        service.upload_correction(session, text=toml(version=2), note="", actor=admin)
    assert err.value.field == "note"
    with pytest.raises(DomainError, match="512 KB") as err:
        service.upload_correction(session, text=toml(version=2) + "#" * 600_000, note="Why", actor=admin)
    assert err.value.field == "file"
    assert stored(session) == 0


# --- the pages -------------------------------------------------------------------------------

def test_the_list_shows_every_file_with_its_newest_version_status_and_origin(client, session, signed_in_admin):
    html = client.get("/admin/reference-data").get_data(as_text=True)
    assert "Test scale" in html and "Test pathway" in html and "test list" in html
    assert html.count("Built in") == 2 and "Uncertain: check it" in html and "1 April 2025" in html
    upload_file(client, toml(version=2, effective="2999-01-01").encode())
    html = client.get("/admin/reference-data").get_data(as_text=True)
    assert "Corrected on" in html and "by Alex Admin" in html and "(not yet in force)" in html
    assert html.count("Built in") == 1


def test_the_file_page_lists_every_version_with_who_why_and_its_hash(client, session, signed_in_admin):
    upload_file(client, toml(version=2).encode(), note="Item c was missing")
    html = client.get("/admin/reference-data/test-scale").get_data(as_text=True)
    assert "Uploaded by Alex Admin" in html and "Item c was missing" in html
    assert service.sha256_of(toml(version=2)) in html and service.sha256_of(toml()) in html
    assert 'href="/admin/reference-data/test-scale/v1"' in html and 'href="/admin/reference-data/test-scale/v2"' in html
    assert 'href="/admin/reference-data/test-scale/download"' in html


def test_each_version_shows_its_toml_text(client, session, signed_in_admin):
    upload_file(client, toml(version=2, items=("a", "z")).encode())
    v1 = client.get("/admin/reference-data/test-scale/v1").get_data(as_text=True)
    v2 = client.get("/admin/reference-data/test-scale/v2").get_data(as_text=True)
    assert html_lib.unescape(re.search(r"<pre>(.*?)</pre>", v1, re.S).group(1)) == toml()
    assert html_lib.unescape(re.search(r"<pre>(.*?)</pre>", v2, re.S).group(1)) == toml(version=2, items=("a", "z"))
    assert "Built in" in v1 and "The 2026 pay award" in v2 and "by Alex Admin" in v2


def test_the_download_is_the_newest_version_as_a_toml_attachment(client, session, signed_in_admin):
    response = client.get("/admin/reference-data/test-scale/download")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == "attachment; filename=test-scale-v1.toml"
    assert response.get_data(as_text=True) == toml()
    upload_file(client, toml(version=2).encode())
    response = client.get("/admin/reference-data/test-scale/download")
    assert response.headers["Content-Disposition"] == "attachment; filename=test-scale-v2.toml"
    assert response.get_data(as_text=True) == toml(version=2)


def test_the_upload_page_renders_with_a_labelled_file_input(client, signed_in_admin):
    html = client.get(UPLOAD).get_data(as_text=True)
    assert re.search(r'<label class="nhsuk-label" for="file">\s*TOML file', html) and 'type="file"' in html
    assert 'enctype="multipart/form-data"' in html


def test_the_administration_page_links_to_reference_data(client, signed_in_admin):
    assert 'href="/admin/reference-data"' in client.get("/admin").get_data(as_text=True)


@pytest.mark.parametrize("url", ["/admin/reference-data/no-such-file", "/admin/reference-data/test-scale/v9",
                                 "/admin/reference-data/no-such-file/v1",
                                 "/admin/reference-data/no-such-file/download"])
def test_an_unknown_file_or_version_is_not_found(client, signed_in_admin, url):
    assert client.get(url).status_code == 404


def test_hr_read_every_version_and_its_sources_but_cannot_upload(client, session, org, login_as):
    viewer = make_user(session, organisation=org, roles=(Role.HR,))
    session.commit()
    login_as(viewer)
    for url in ("/admin/reference-data", "/admin/reference-data/test-scale", "/admin/reference-data/test-scale/v1",
                "/admin/reference-data/test-scale/download"):
        assert client.get(url).status_code == 200, url
    html = client.get("/admin/reference-data").get_data(as_text=True)
    assert "Only an administrator can upload" in html and UPLOAD not in html
    assert client.get(UPLOAD).status_code == 403
    response = client.submit(UPLOAD, {"text": toml(version=2), "note": "Sneaky"}, form_url="/account/password")
    assert response.status_code == 403
    assert stored(session) == 0


@pytest.mark.parametrize("roles", [(Role.PRACTITIONER,), (Role.SERVICE_LEAD, Role.LINE_MANAGER)],
                         ids=["practitioner", "lead and manager"])
def test_people_without_the_admin_role_get_403_on_every_reference_data_page(client, session, org, login_as, roles):
    if Role.SERVICE_LEAD in roles:
        from tests.factories import make_service
        roles = tuple((r, make_service(session, organisation=org)) if r is Role.SERVICE_LEAD else r for r in roles)
    viewer = make_user(session, organisation=org, roles=roles)
    session.commit()
    login_as(viewer)
    for url in ("/admin/reference-data", "/admin/reference-data/test-scale", "/admin/reference-data/test-scale/v1",
                "/admin/reference-data/test-scale/download", UPLOAD):
        assert client.get(url).status_code == 403, url
    response = client.submit(UPLOAD, {"text": toml(version=2), "note": "Sneaky"}, form_url="/account/password")
    assert response.status_code == 403
    assert stored(session) == 0


# --- the real data files -------------------------------------------------------------------------

def next_version(text):
    """The file with its [meta] version raised by one, as an admin would edit a download."""
    return re.sub(r"^version\s*=\s*(\d+)", lambda m: f"version = {int(m.group(1)) + 1}", text, count=1, flags=re.M)


def test_every_real_data_file_can_be_downloaded_raised_one_version_and_uploaded(client, session, signed_in_admin,
                                                                                real_catalogue):
    ids = real_catalogue.ids()
    first, *rest = ids
    downloaded = client.get(f"/admin/reference-data/{first}/download").get_data(as_text=True)
    assert upload_file(client, next_version(downloaded).encode(), filename=f"{first}.toml").status_code == 302
    for file_id in rest:  # the same path without the web round trip, to keep this quick
        text = next_version(real_catalogue.current(file_id).text)
        service.upload_correction(session, text=text, note="Checked against the source", actor=signed_in_admin)
    session.commit()
    cat = catalogue_for(session)
    for file_id in ids:
        assert cat.current(file_id).meta.version == real_catalogue.current(file_id).meta.version + 1, file_id
        assert cat.current(file_id).origin == "database"
        assert cat.version(file_id, real_catalogue.current(file_id).meta.version).origin == "built-in"
    assert client.get("/admin/reference-data").get_data(as_text=True).count("Corrected on") == len(ids)
