"""Engine helpers: which database URLs are accepted, SQLite's settings, and UTC datetimes on both databases."""
import datetime as dt

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import StatementError

from models import LoginThrottle
from models.base import UTCDateTime, utcnow
from models.db import DatabaseURLError, check_database_url, make_engine


@pytest.mark.parametrize("url", ["not a url", "", "://nothing", "postgresql//missing-colon"])
def test_a_malformed_database_url_is_refused_with_an_example(url):
    with pytest.raises(DatabaseURLError, match="is not a database URL; expected e.g. sqlite:////"):
        check_database_url(url)


@pytest.mark.parametrize("url, backend", [
    ("mysql://user@localhost/waymark", "mysql"), ("oracle://user@localhost/waymark", "oracle"),
    ("mssql+pyodbc://user@dsn", "mssql"),
])
def test_other_database_backends_are_refused_by_name(url, backend):
    with pytest.raises(DatabaseURLError, match=f"uses '{backend}'; Waymark runs on sqlite or postgresql"):
        check_database_url(url)


def test_the_error_message_is_a_value_error_without_a_chained_cause():
    with pytest.raises(ValueError) as caught:
        check_database_url("not a url")
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


@pytest.mark.parametrize("url, expected", [
    ("postgresql://waymark@db:5432/waymark", "postgresql+psycopg://waymark@db:5432/waymark"),
    ("postgresql://waymark:s%40cret@db/waymark", "postgresql+psycopg://waymark:s%40cret@db/waymark"),
    ("postgresql+psycopg://waymark@db/waymark", "postgresql+psycopg://waymark@db/waymark"),
    ("sqlite:////srv/waymark/waymark.db", "sqlite:////srv/waymark/waymark.db"),
    ("sqlite:///relative.db", "sqlite:///relative.db"),
])
def test_plain_postgresql_urls_get_the_psycopg_driver_and_others_pass_unchanged(url, expected):
    assert check_database_url(url) == expected


def test_make_engine_applies_the_same_check():
    with pytest.raises(DatabaseURLError):
        make_engine("mysql://user@localhost/waymark")


def test_sqlite_connections_use_wal_a_busy_timeout_and_foreign_keys(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'pragmas.db'}")
    try:
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 10000
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert conn.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL
    finally:
        engine.dispose()


def test_sqlite_enforces_foreign_keys(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'fk.db'}")
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE parents (id INTEGER PRIMARY KEY)"))
            conn.execute(text("CREATE TABLE children (id INTEGER PRIMARY KEY, "
                              "parent_id INTEGER NOT NULL REFERENCES parents (id))"))
        with pytest.raises(Exception, match="FOREIGN KEY"):
            with engine.begin() as conn:
                conn.execute(text("INSERT INTO children (id, parent_id) VALUES (1, 42)"))
    finally:
        engine.dispose()


def test_the_test_database_enforces_foreign_keys_too(engine):
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1


@pytest.mark.parametrize("moment", [
    dt.datetime(2026, 3, 29, 0, 30, 15, 123456, tzinfo=dt.timezone.utc),
    dt.datetime(2026, 3, 29, 2, 30, tzinfo=dt.timezone(dt.timedelta(hours=1))),  # BST, stored as 01:30 UTC
    dt.datetime(2026, 11, 30, 23, 59, 59, 999999, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
])
def test_utc_datetimes_round_trip_as_aware_utc(app, session, moment):
    session.add(LoginThrottle(key="k" * 64, failures=1, locked_until=moment))
    session.commit()
    with app.extensions["waymark.sessions"]() as fresh:
        stored = fresh.scalar(select(LoginThrottle.locked_until))
    assert stored == moment
    assert stored.tzinfo == dt.timezone.utc and stored.utcoffset() == dt.timedelta(0)


def test_utc_datetimes_compare_correctly_in_queries(session):
    now = utcnow()
    session.add_all([LoginThrottle(key="a" * 64, locked_until=now - dt.timedelta(minutes=1)),
                     LoginThrottle(key="b" * 64, locked_until=now + dt.timedelta(minutes=1))])
    session.commit()
    later = now.astimezone(dt.timezone(dt.timedelta(hours=2)))  # the same instant written differently
    assert list(session.scalars(select(LoginThrottle.key).where(LoginThrottle.locked_until > later))) == ["b" * 64]


def test_a_naive_datetime_is_refused(session):
    session.add(LoginThrottle(key="n" * 64, locked_until=dt.datetime(2026, 11, 30, 12, 0)))
    with pytest.raises(StatementError, match="naive datetime"):
        session.flush()


def test_utc_datetime_binds_none_and_reads_none():
    from sqlalchemy.dialects import postgresql, sqlite

    column_type = UTCDateTime()
    for dialect in (sqlite.dialect(), postgresql.dialect()):
        assert column_type.process_bind_param(None, dialect) is None
        assert column_type.process_result_value(None, dialect) is None


def test_utc_datetime_stores_naive_utc_on_sqlite_and_aware_utc_on_postgresql():
    from sqlalchemy.dialects import postgresql, sqlite

    moment = dt.datetime(2026, 6, 1, 13, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    assert UTCDateTime().process_bind_param(moment, sqlite.dialect()) == dt.datetime(2026, 6, 1, 12, 0)
    on_pg = UTCDateTime().process_bind_param(moment, postgresql.dialect())
    assert on_pg == moment and on_pg.tzinfo == dt.timezone.utc


@pytest.mark.parametrize("url", ["postgresql+asyncpg://u@db/w", "postgresql+psycopg2://u@db/w", "sqlite+aiosqlite:///x.db"])
def test_drivers_waymark_does_not_ship_are_refused_by_name(url):
    with pytest.raises(DatabaseURLError, match="names the driver"):
        check_database_url(url)
