"""One database session per request (or CLI command); only the edge commits."""
from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy.orm import sessionmaker

from models.db import AuditedSession, make_engine, make_session_factory


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["waymark.engine"] = engine
    app.extensions["waymark.sessions"] = make_session_factory(engine)
    app.teardown_appcontext(_close_session)


def session_factory() -> sessionmaker[AuditedSession]:
    return current_app.extensions["waymark.sessions"]  # type: ignore[no-any-return]


def db() -> AuditedSession:
    """The request's session, created on first use; uncommitted work is rolled back at teardown."""
    if "db_session" not in g:
        g.db_session = session_factory()()
    return g.db_session  # type: ignore[no-any-return]


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.rollback()
        session.close()
