"""Engine and session helpers usable without Flask (CLI, exports, queue workers, tests)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

from models import audit


class DatabaseURLError(ValueError):
    """DATABASE_URL cannot be used; the message says why, without a stack trace."""


def check_database_url(url: str) -> str:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseURLError(
            f"DATABASE_URL {url!r} is not a database URL; expected e.g. "
            "sqlite:////path/to/waymark.db or postgresql+psycopg://user@host:5432/dbname"
        ) from None
    if parsed.get_backend_name() not in {"sqlite", "postgresql"}:
        raise DatabaseURLError(f"DATABASE_URL uses {parsed.get_backend_name()!r}; Waymark runs on sqlite or postgresql")
    if parsed.drivername == "postgresql":
        # psycopg 3 is the driver we ship; plain "postgresql://" would ask for psycopg2.
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    elif parsed.drivername not in {"sqlite", "sqlite+pysqlite", "postgresql+psycopg"}:
        raise DatabaseURLError(f"DATABASE_URL names the driver {parsed.drivername!r}; use sqlite:/// or "
                               "postgresql:// (Waymark ships psycopg 3)")
    return url


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    # WAL lets the in-process worker write while pages read; busy_timeout makes writers queue, not fail.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def make_engine(url: str, **kwargs: Any) -> Engine:
    url = check_database_url(url)
    if make_url(url).get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"timeout": 10}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


class AuditedSession(Session):
    """A Session whose every flush is written to the audit chain in the same transaction."""


event.listen(AuditedSession, "after_flush", audit.after_flush)


def make_session_factory(engine: Engine) -> sessionmaker[AuditedSession]:
    return sessionmaker(bind=engine, class_=AuditedSession, expire_on_commit=False)
