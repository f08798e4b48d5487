"""Stored versions of data files: one row per (file, version), never changed, and one catalogue per process."""
import hashlib

import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError

import models.reference_data as reference_data
from competences import catalogue
from competences.datafile import Reader
from models import AuditEvent, ReferenceDataVersion, Role
from models.reference_data import catalogue_for, forget_cached_catalogues, stored_texts
from tests.factories import make_user


def parse_list(raw):
    """A test kind whose body is a list of [[items]] with ids."""
    return tuple(item.str("id") for item in Reader(raw.name, "", raw.body).tables("items"))


def toml(file_id="test-scale", version=1, items=("a", "b")):
    return (f'[meta]\nid = "{file_id}"\nkind = "test_list"\nversion = {version}\ntitle = "Test {file_id}"\n'
            f'source = "https://example.org"\neffective_from = 2025-04-01\nstatus = "confirmed"\n'
            + "".join(f'\n[[items]]\nid = "{i}"\n' for i in items))


@pytest.fixture(autouse=True)
def test_catalogue(monkeypatch):
    """Built-in files of a kind this module controls, whatever the real data files hold today."""
    monkeypatch.setitem(catalogue.KIND_PARSERS, "test_list", f"{__name__}:parse_list")
    built_in = tuple(catalogue.parse(toml(file_id), f"{file_id}.toml") for file_id in ("test-scale", "other"))
    monkeypatch.setattr(catalogue, "_built_in", lambda: built_in)
    forget_cached_catalogues()
    yield
    forget_cached_catalogues()


@pytest.fixture
def admin(session):
    return make_user(session, roles=(Role.ADMIN,))


def store(session, admin, file_id="test-scale", version=2, text=None, note="The source was corrected"):
    text = text if text is not None else toml(file_id, version)
    row = ReferenceDataVersion(file_id=file_id, version=version, kind="test_list", title=f"Test {file_id}",
                               effective_from=catalogue.parse(text, "x").meta.effective_from, status="confirmed",
                               content=text, sha256=hashlib.sha256(text.encode()).hexdigest(), uploaded_by=admin,
                               note=note)
    session.add(row)
    session.flush()
    return row


def test_a_file_can_have_each_version_stored_only_once(session, admin):
    store(session, admin, version=2)
    store(session, admin, version=3)
    store(session, admin, file_id="other", version=2)
    with pytest.raises(IntegrityError):
        store(session, admin, version=2, note="Again")


def test_a_stored_version_cannot_be_changed_or_removed(session, admin):
    row = store(session, admin)
    session.commit()
    with pytest.raises(DBAPIError, match="insert-only"):
        session.execute(update(ReferenceDataVersion).where(ReferenceDataVersion.id == row.id).values(note="Edited"))
    session.rollback()
    with pytest.raises(DBAPIError, match="insert-only"):
        session.execute(delete(ReferenceDataVersion).where(ReferenceDataVersion.id == row.id))
    session.rollback()
    assert session.scalar(select(ReferenceDataVersion.note)) == "The source was corrected"


def test_storing_a_version_is_audited_with_its_uploader(session, admin):
    row = store(session, admin)
    session.info["actor_id"] = admin.id
    other = store(session, admin, version=3)
    events = session.scalars(select(AuditEvent).where(AuditEvent.object_type == "reference_data_versions")
                             .order_by(AuditEvent.seq)).all()
    assert [(e.action, e.object_id) for e in events] == [("create", str(row.id)), ("create", str(other.id))]
    assert events[1].actor_id == admin.id


def test_stored_texts_are_named_by_file_and_version_in_the_order_they_were_stored(session, admin):
    store(session, admin, file_id="test-scale", version=3)
    store(session, admin, file_id="other", version=2)
    store(session, admin, file_id="test-scale", version=2)
    assert [name for name, _ in stored_texts(session)] == [
        "database:test-scale@v3", "database:other@v2", "database:test-scale@v2"]
    assert stored_texts(session)[1][1] == toml("other", 2)


def test_the_catalogue_holds_built_in_and_stored_versions_and_the_newest_is_current(session, admin):
    store(session, admin, text=toml(version=2, items=("a", "b", "c")))
    cat = catalogue_for(session)
    assert cat.current("test-scale").meta.version == 2
    assert cat.current("test-scale").content == ("a", "b", "c")
    assert cat.current("test-scale").origin == "database"
    assert cat.version("test-scale", 1).origin == "built-in"
    assert cat.version("test-scale", 1).content == ("a", "b")
    assert cat.current("other").meta.version == 1


def test_the_catalogue_is_rebuilt_only_when_a_version_is_stored(session, admin, monkeypatch, count_queries):
    builds = []
    real_build = reference_data.build_catalogue
    monkeypatch.setattr(reference_data, "build_catalogue", lambda *a, **k: builds.append(1) or real_build(*a, **k))
    first = catalogue_for(session)
    with count_queries() as cached:
        assert catalogue_for(session) is first
    assert len(builds) == 1 and cached.count == 1  # one cheap query, no rebuild

    store(session, admin)
    second = catalogue_for(session)
    assert second is not first and second.current("test-scale").meta.version == 2
    assert catalogue_for(session) is second
    assert len(builds) == 2


def test_a_worker_with_an_older_catalogue_sees_a_version_another_worker_stored(app, session, admin):
    session.commit()
    assert catalogue_for(session).current("test-scale").meta.version == 1
    worker = app.extensions["waymark.sessions"]()  # another worker's session on the same database
    try:
        store(worker, admin=worker.get(type(admin), admin.id))
        worker.commit()
    finally:
        worker.close()
    session.rollback()  # the reader's next transaction
    assert catalogue_for(session).current("test-scale").meta.version == 2


def test_a_database_emptied_and_refilled_under_the_same_url_is_not_mistaken_for_the_old_one(session, admin):
    # Same count (and on SQLite the same id) in both "databases"; only the text differs. Tests reuse a URL like this.
    first = store(session, admin, text=toml(version=2, items=("x",)))
    assert catalogue_for(session).current("test-scale").content == ("x",)
    session.rollback()
    admin = make_user(session, roles=(Role.ADMIN,))
    second = store(session, admin, text=toml(version=2, items=("y",)))
    assert session.scalar(select(func.count()).select_from(ReferenceDataVersion)) == 1
    assert first.version == second.version
    assert catalogue_for(session).current("test-scale").content == ("y",)
