"""Fixtures: a database built by the migrations (SQLite by default, PostgreSQL when TEST_DATABASE_URL is set).

SQLite: the migrated database is built once per run and copied for each test.
PostgreSQL: built once per run; each test starts from emptied tables (the audit trail's
append-only triggers are bypassed for that cleanup only, with session_replication_role).
"""
from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, text
from sqlalchemy.engine import Engine

from app import create_app
from models import Base, schema
from models.db import make_engine

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not TEST_DATABASE_URL:
        skip = pytest.mark.skip(reason="needs TEST_DATABASE_URL (PostgreSQL)")
        for item in items:
            if "postgres" in item.keywords:
                item.add_marker(skip)


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """tests/browser is only collected when browser tests are asked for (`-m browser`, make test-browser):
    `make test` installs no Playwright, and its modules import it."""
    wanted = (config.getoption("markexpr") or "").replace("not browser", "")
    if collection_path.name == "browser" and collection_path.parent.name == "tests" and "browser" not in wanted:
        return True
    return None


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """URL of a database migrated to head, built once per test run."""
    if TEST_DATABASE_URL:
        engine = make_engine(TEST_DATABASE_URL)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        schema.upgrade(engine)
        engine.dispose()
        return TEST_DATABASE_URL
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    schema.upgrade(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return str(path)


def _reset_postgres(url: str) -> None:
    engine = make_engine(url)
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        conn.execute(text("INSERT INTO audit_chain_heads (id, seq, hash) VALUES (1, 0, :g)"), {"g": "0" * 64})
    engine.dispose()


@pytest.fixture
def database_url(migrated_template: str, tmp_path: Path) -> str:
    if TEST_DATABASE_URL:
        _reset_postgres(migrated_template)
        return migrated_template
    path = tmp_path / "waymark.db"
    shutil.copy(migrated_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    application = create_app({
        "ENV_NAME": "testing",
        "TESTING": True,
        "DATABASE_URL": database_url,
        "UPLOAD_DIR": str(tmp_path / "uploads"),
    }, instance_path=tmp_path / "instance")
    yield application
    # A job a test started on the in-process worker must end before the database is cleared for the next test.
    for name in ("waymark.jobs", "waymark.calls"):  # export jobs, and calls such as delivering an e-mail
        worker = application.extensions.get(name)
        if worker is not None:
            assert worker.wait(300), f"background work ({name}) was still running when the test ended"
    application.extensions["waymark.engine"].dispose()


@pytest.fixture
def engine(app: Flask) -> Engine:
    return app.extensions["waymark.engine"]  # type: ignore[no-any-return]


@pytest.fixture
def session(app: Flask) -> Iterator[Any]:
    """A session for arranging and checking data; tests commit what the app must see."""
    s = app.extensions["waymark.sessions"]()
    yield s
    s.rollback()
    s.close()


@pytest.fixture
def count_queries(engine: Engine) -> Callable[[], Any]:
    """Use as `with count_queries() as q: ...; q.count`."""

    class Counter:
        def __init__(self) -> None:
            self.count = 0
            self.statements: list[str] = []

        def __enter__(self) -> Counter:
            event.listen(engine, "before_cursor_execute", self._on)
            return self

        def __exit__(self, *exc: object) -> None:
            event.remove(engine, "before_cursor_execute", self._on)

        def _on(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            self.count += 1
            self.statements.append(statement)

    return Counter


# --- the web client -----------------------------------------------------------------------------

class PageChecker(HTMLParser):
    """Collects ids, labels and inputs so every page can be checked for basic accessibility."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.label_for: set[str] = set()
        self.inputs: list[tuple[str, dict[str, str | None]]] = []
        self.title = ""
        self._in_title = False
        self.h1 = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.append(a["id"] or "")
        if tag == "label" and a.get("for"):
            self.label_for.add(a["for"] or "")
        if tag in {"input", "select", "textarea"} and a.get("type") not in {"hidden", "submit"}:
            self.inputs.append((tag, a))
        if tag == "title":
            self._in_title = True
        if tag == "h1":
            self.h1 += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data


def check_page(html: str) -> PageChecker:
    page = PageChecker()
    page.feed(html)
    assert page.title.strip(), "page has no <title>"
    dupes = {i for i in page.ids if page.ids.count(i) > 1}
    assert not dupes, f"duplicate ids: {dupes}"
    for tag, attrs in page.inputs:
        ident = attrs.get("id")
        assert ident and ident in page.label_for, f"<{tag} name={attrs.get('name')}> has no label"
    assert page.h1 == 1, f"expected one <h1>, found {page.h1}"
    return page


class Client(FlaskClient):
    """A test client that checks every HTML page it receives and submits forms with their CSRF token."""

    def open(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        response = super().open(*args, **kwargs)
        if response.mimetype == "text/html" and response.status_code != 302:
            check_page(response.get_data(as_text=True))
        return response

    def csrf_token(self, url: str) -> str:
        html = self.get(url).get_data(as_text=True)
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
            r'value="([^"]+)"[^>]*name="csrf_token"', html)
        assert match, f"no CSRF token on {url}"
        return match.group(1)

    def submit(self, url: str, data: dict[str, Any] | None = None, *, form_url: str | None = None,
               **kwargs: Any) -> Any:
        """GET the form page for its token, then POST `data` to `url`."""
        payload = {"csrf_token": self.csrf_token(form_url or url), **(data or {})}
        return self.post(url, data=payload, **kwargs)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    app.test_client_class = Client
    return app.test_client()


@pytest.fixture
def login_as(client: Client) -> Callable[..., Any]:
    def login(user: Any, password: str = "correct horse battery") -> Any:
        response = client.submit("/login", {"email": user.email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)
        return response

    return login


@pytest.fixture(autouse=True)
def _fresh_reference_data_cache() -> Iterator[None]:
    """Each test's database starts empty, so no catalogue built from an earlier test's rows may linger."""
    from models.reference_data import forget_cached_catalogues

    forget_cached_catalogues()
    yield
    forget_cached_catalogues()


@pytest.fixture
def sign_in(app: Flask, client: Client, session: Any) -> Callable[[Any], Any]:
    """A fresh signed-in client per user, so one test can act as several people (login_as signs in only once)."""
    from tests.factories import PASSWORD

    def sign_in(user: Any) -> Any:
        session.commit()
        signed = app.test_client()
        assert signed.submit("/login", {"email": user.email, "password": PASSWORD}).status_code == 302
        return signed

    return sign_in
