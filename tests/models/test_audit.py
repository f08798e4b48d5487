"""The hash-chained, append-only audit trail: what it records, what it hides, and how tampering shows."""
import os
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from models import AuditChainHead, AuditEvent, Organisation, Team, User
from models.audit import GENESIS_HASH, ChainReport, EventData, append_events, digest, verify_chain
from models.db import make_engine, make_session_factory
from tests.factories import make_organisation, make_service, make_user


def tamper(engine, statement, **params):
    """Run `statement` on audit_events past the append-only guard, as an attacker with database access could."""
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        else:
            conn.execute(text("DROP TRIGGER IF EXISTS audit_events_no_update"))
            conn.execute(text("DROP TRIGGER IF EXISTS audit_events_no_delete"))
        conn.execute(text(statement), params)


def _events(session, **where):
    q = select(AuditEvent).order_by(AuditEvent.seq)
    for column, value in where.items():
        q = q.where(getattr(AuditEvent, column) == value)
    return list(session.scalars(q))


@pytest.fixture
def sessions(engine):
    return make_session_factory(engine)


@pytest.fixture
def trail(sessions):
    """Ten committed events from ordinary changes; returns a fresh session."""
    with sessions() as s:
        org = Organisation(name="Northshire Healthcare NHS Foundation Trust")
        s.add(org)
        s.commit()
        for n in range(9):
            org.ods_code = f"R{n:02d}"
            s.commit()
    s = sessions()
    assert s.scalar(select(func.count()).select_from(AuditEvent)) == 10
    yield s
    s.close()


# --- what is recorded ---------------------------------------------------------------------------

def test_changes_through_the_audited_session_record_create_update_and_delete_events(sessions):
    with sessions() as s:
        s.info["actor_id"] = None
        service = make_service(s)
        team = Team(service=service, name="Step 2 – North")
        s.add(team)
        s.commit()
        team.name = "Step 2 – North and East"
        s.commit()
        s.delete(team)
        s.commit()
        team_events = _events(s, object_type="teams")
    assert [e.action for e in team_events] == ["create", "update", "delete"]
    create, update, delete = team_events
    assert create.before_digest is None and len(create.after_digest) == 64
    assert update.before_digest == create.after_digest
    assert update.after_digest not in (None, update.before_digest)
    assert update.detail == {"fields": ["name"]}
    assert delete.before_digest == update.after_digest and delete.after_digest is None
    assert create.object_id == update.object_id == delete.object_id == str(team.id)


def test_the_after_digest_is_the_digest_of_the_row_as_written(sessions):
    with sessions() as s:
        org = Organisation(name="Digest Trust", ods_code="RZZ")
        s.add(org)
        s.commit()
        (event,) = _events(s, object_type="organisations")
    assert event.after_digest == digest({"id": org.id, "name": "Digest Trust", "ods_code": "RZZ"})


def test_events_carry_the_sessions_actor(sessions, session):
    actor = make_user(session)
    session.commit()
    with sessions() as s:
        s.info["actor_id"] = actor.id
        s.add(Organisation(name="Acted Trust"))
        s.commit()
        (event,) = _events(s, object_type="organisations", action="create", object_id=str(actor.organisation_id + 1))
    assert event.actor_id == actor.id


def test_the_trail_holds_digests_and_field_names_never_the_values(session):
    user = make_user(session, full_name="Zebedee Quartermaine-Smythe", email="zebedee@northshire.example")
    session.commit()
    user.full_name = "Zebedee Quartermaine-Jones"
    session.commit()
    secrets = [user.password_hash, "Quartermaine", "zebedee@northshire.example", user.session_token]
    events = _events(session)
    assert any(e.action == "update" and e.detail == {"fields": ["full_name"]} for e in events)
    for e in events:
        everything = repr([e.action, e.object_type, e.object_id, e.before_digest, e.after_digest, e.detail])
        for secret in secrets:
            assert secret not in everything


def test_a_web_login_records_a_login_event_by_the_person(session, client, login_as):
    user = make_user(session)
    session.commit()
    login_as(user)
    session.rollback()
    (event,) = _events(session, action="login")
    assert event.actor_id == user.id and event.object_id == str(user.id)


def test_a_failed_web_login_records_login_failed_without_an_actor(session, client):
    user = make_user(session)
    session.commit()
    response = client.submit("/login", {"email": user.email, "password": "not the password"})
    assert response.status_code == 400
    session.rollback()
    (event,) = _events(session, action="login_failed")
    assert event.actor_id is None and event.object_id == str(user.id)
    assert event.detail == {"locked": False}
    assert verify_chain(session).ok


def test_a_failed_login_for_an_unknown_address_records_no_object(session, client):
    client.submit("/login", {"email": "nobody@northshire.example", "password": "whatever it is"})
    session.rollback()
    (event,) = _events(session, action="login_failed")
    assert event.actor_id is None and event.object_id is None
    assert "nobody" not in repr(event.detail)


# --- verifying ----------------------------------------------------------------------------------

def test_an_empty_trail_verifies(session):
    assert verify_chain(session) == ChainReport(checked=0, ok=True)


def test_the_chain_links_each_event_to_the_one_before(trail):
    events = _events(trail)
    assert [e.seq for e in events] == list(range(1, 11))
    assert events[0].prev_hash == GENESIS_HASH
    assert all(b.prev_hash == a.hash for a, b in zip(events, events[1:]))
    head = trail.get(AuditChainHead, 1)
    assert (head.seq, head.hash) == (10, events[-1].hash)
    report = verify_chain(trail)
    assert report.ok and report.checked == 10


def test_verify_walks_the_chain_in_batches(trail):
    assert verify_chain(trail, batch=3).ok


@pytest.mark.parametrize("column, value", [
    ("action", "'delete'"), ("object_type", "'users'"), ("object_id", "'999'"),
    ("detail", "'{\"fields\": []}'"), ("before_digest", "NULL"), ("after_digest", f"'{'0' * 64}'"),
])
def test_an_altered_field_is_found_at_its_event(engine, trail, column, value):
    tamper(engine, f"UPDATE audit_events SET {column} = {value} WHERE seq = 4")
    report = verify_chain(trail)
    assert not report.ok
    assert report.broken_seq == 4 and report.checked == 3
    assert "altered" in report.problem


def test_an_altered_timestamp_is_found_at_its_event(engine, trail):
    later = ("occurred_at + interval '1 second'" if engine.dialect.name == "postgresql"
             else "datetime(occurred_at, '+1 second')")
    tamper(engine, f"UPDATE audit_events SET occurred_at = {later} WHERE seq = 5")
    report = verify_chain(trail)
    assert (report.ok, report.broken_seq) == (False, 5)


def test_an_event_rehashed_after_alteration_breaks_the_next_link(engine, trail):
    tamper(engine, "UPDATE audit_events SET object_id = '999', hash = :h WHERE seq = 6", h="f" * 64)
    report = verify_chain(trail)
    assert (report.ok, report.broken_seq) == (False, 6)


def test_a_deleted_event_is_found_at_the_gap(engine, trail):
    tamper(engine, "DELETE FROM audit_events WHERE seq = 3")
    report = verify_chain(trail)
    assert (report.ok, report.broken_seq, report.checked) == (False, 4, 2)
    assert "expected event 3" in report.problem


def test_deleted_last_events_are_found_through_the_chain_head(engine, trail):
    tamper(engine, "DELETE FROM audit_events WHERE seq >= 9")
    report = verify_chain(trail)
    assert (report.ok, report.broken_seq, report.checked) == (False, 9, 8)
    assert "events removed" in report.problem


def test_swapped_events_are_found_at_the_first_swapped_seq(engine, trail):
    tamper(engine, "UPDATE audit_events SET seq = 1000 WHERE seq = 5")
    tamper(engine, "UPDATE audit_events SET seq = 5 WHERE seq = 6")
    tamper(engine, "UPDATE audit_events SET seq = 6 WHERE seq = 1000")
    report = verify_chain(trail)
    assert (report.ok, report.broken_seq, report.checked) == (False, 5, 4)


def test_a_renumbered_event_is_found_where_the_sequence_breaks(engine, trail):
    tamper(engine, "UPDATE audit_events SET seq = 1000 WHERE seq = 7")
    report = verify_chain(trail)
    assert (report.ok, report.broken_seq, report.checked) == (False, 8, 6)
    assert "missing or reordered" in report.problem


def test_a_chain_head_ahead_of_the_trail_is_found(engine, trail):
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_chain_heads SET seq = 12 WHERE id = 1"))
    report = verify_chain(trail)
    assert (report.ok, report.broken_seq, report.checked) == (False, 11, 10)


def test_a_chain_head_behind_the_trail_names_the_first_event_it_does_not_vouch_for(engine, trail):
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_chain_heads SET seq = 8 WHERE id = 1"))
    report = verify_chain(trail)
    assert (report.ok, report.broken_seq, report.checked) == (False, 9, 10)


def test_a_chain_head_with_the_wrong_hash_is_found(engine, trail):
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_chain_heads SET hash = :h WHERE id = 1"), {"h": "e" * 64})
    report = verify_chain(trail)
    assert (report.ok, report.broken_seq) == (False, 10)


def test_a_missing_chain_head_is_reported(engine, trail):
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_chain_heads"))
    report = verify_chain(trail)
    assert not report.ok and "head" in report.problem


# --- the database guards the trail --------------------------------------------------------------

@pytest.mark.parametrize("statement", ["UPDATE audit_events SET action = 'x'", "DELETE FROM audit_events"])
def test_the_database_refuses_to_change_or_remove_audit_events(engine, trail, statement):
    with pytest.raises(DBAPIError) as caught:
        with engine.begin() as conn:
            conn.execute(text(statement))
    assert "append-only" in str(caught.value)
    assert verify_chain(trail).ok


def test_the_orm_cannot_change_an_audit_event_either(trail):
    event = _events(trail)[0]
    event.action = "nothing happened"
    with pytest.raises(DBAPIError, match="append-only"):
        trail.commit()
    trail.rollback()


@pytest.mark.postgres
def test_postgresql_refuses_to_truncate_audit_events(engine, trail):
    trail.rollback()  # TRUNCATE waits for every open reader of the table to finish
    with pytest.raises(DBAPIError, match="append-only"):
        with engine.begin() as conn:
            conn.execute(text("TRUNCATE audit_events CASCADE"))


# --- appending ----------------------------------------------------------------------------------

def test_append_events_chains_a_batch_of_a_thousand_in_one_call(engine, session):
    with engine.begin() as conn:
        append_events(conn, [EventData("export", "staff_profiles", str(n), detail={"n": n}) for n in range(1000)])
    report = verify_chain(session)
    assert report.ok and report.checked == 1000
    assert session.get(AuditChainHead, 1).seq == 1000


def test_append_events_with_nothing_to_append_leaves_the_head_alone(engine, session):
    with engine.begin() as conn:
        append_events(conn, [])
    assert session.get(AuditChainHead, 1).seq == 0


def test_a_rolled_back_change_leaves_no_event(sessions, session):
    with sessions() as s:
        s.add(Organisation(name="Never Trust"))
        s.flush()
        s.rollback()
    assert _events(session) == []
    assert verify_chain(session).ok


_text = st.text(st.characters(codec="utf-8"), max_size=20)
#: Column values: PostgreSQL text cannot hold NUL, and the app only writes names it chose itself.
_name = st.characters(codec="utf-8", exclude_characters="\x00")
_json = st.recursive(st.none() | st.booleans() | st.integers(-2**53, 2**53) | _text,
                     lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text, inner, max_size=3),
                     max_leaves=8)
_event = st.builds(EventData, action=st.text(_name, min_size=1, max_size=60),
                   object_type=st.text(_name, min_size=1, max_size=60),
                   object_id=st.none() | st.text(_name, max_size=40),
                   before_digest=st.none() | st.text("0123456789abcdef", min_size=64, max_size=64),
                   detail=st.dictionaries(_text, _json, max_size=4))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(events=st.lists(_event, max_size=25), data=st.data())
def test_appending_in_batches_chains_like_appending_one_at_a_time(engine, session, events, data):
    # The fixtures are shared by every example, so the test compares what each example adds.
    def added_since(before):
        session.rollback()
        rows = _events(session)[before:]
        return [(r.action, r.object_type, r.object_id, r.before_digest, r.detail) for r in rows]

    expected = [(e.action, e.object_type, e.object_id, e.before_digest, e.detail) for e in events]
    start = session.scalar(select(func.count()).select_from(AuditEvent))
    rest = list(events)
    with engine.begin() as conn:
        while rest:
            size = data.draw(st.integers(1, len(rest)), label="batch size")
            append_events(conn, rest[:size])
            rest = rest[size:]
    batched = added_since(start)
    middle = start + len(batched)
    for e in events:
        with engine.begin() as conn:
            append_events(conn, [e])
    single = added_since(middle)
    assert batched == single == expected
    report = verify_chain(session)
    assert report.ok, report
    assert report.checked == start + 2 * len(events)


# --- concurrent writers (PostgreSQL) ------------------------------------------------------------

@pytest.mark.postgres
def test_concurrent_writers_on_postgresql_never_fork_the_chain(database_url, session):
    engine = make_engine(database_url, pool_size=8, max_overflow=0)
    sessions = make_session_factory(engine)
    threads, writes = 8, 20
    start = threading.Barrier(threads)
    errors = []

    def writer(n):
        try:
            with sessions() as s:
                start.wait(timeout=30)
                org = Organisation(name=f"Concurrent Trust {n}")
                s.add(org)
                s.commit()
                for i in range(writes - 1):
                    org.ods_code = f"{n}-{i}"
                    s.commit()
        except Exception as exc:  # reported below, in the test's own thread
            errors.append(exc)

    workers = [threading.Thread(target=writer, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
    engine.dispose()
    assert not errors, errors
    seqs = list(session.scalars(select(AuditEvent.seq).order_by(AuditEvent.seq)))
    assert len(seqs) == threads * writes
    assert seqs == list(range(1, len(seqs) + 1))
    report = verify_chain(session)
    assert report.ok and report.checked == threads * writes


def test_sqlite_writers_in_threads_queue_and_keep_the_chain_whole(database_url, session):
    if os.environ.get("TEST_DATABASE_URL"):
        pytest.skip("the PostgreSQL version of this test runs instead")
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    errors = []

    def writer(n):
        try:
            for i in range(5):
                with sessions() as s:
                    s.add(Organisation(name=f"Thread {n} Trust {i}"))
                    s.commit()
        except Exception as exc:  # reported below
            errors.append(exc)

    workers = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
    engine.dispose()
    assert not errors, errors
    report = verify_chain(session)
    assert report.ok and report.checked == 20


def test_make_user_is_audited_too(session):
    make_organisation(session)
    make_user(session)
    session.commit()
    assert {"organisations", "users", "role_grants", "staff_profiles", "working_patterns"} <= {
        e.object_type for e in _events(session)}
    assert session.scalar(select(func.count()).select_from(User)) == 1


def test_a_child_row_removed_as_an_orphan_is_recorded_as_a_delete(app):
    import datetime as dt

    from models import AuditEvent, Organisation, SupervisionCaseMinutes, SupervisionKind, SupervisionSession, User

    sessions = app.extensions["waymark.sessions"]
    with sessions() as s:
        org = Organisation(name="Orphan Trust")
        person = User(email="orphan@example.org", full_name="Orphan Test", organisation=org)
        entry = SupervisionSession(supervisee=person, occurred_on=dt.date(2026, 1, 5), minutes=60,
                                   kind=SupervisionKind.CLINICAL, outside_supervisor_name="Dr Outside")
        entry.cases.append(SupervisionCaseMinutes(case_ref="NTT-1", minutes=20))
        s.add(entry)
        s.commit()
        child_id = entry.cases[0].id
        entry.cases.clear()
        s.commit()
        actions = [e.action for e in s.scalars(
            select(AuditEvent).where(AuditEvent.object_type == "supervision_case_minutes",
                                     AuditEvent.object_id == str(child_id)).order_by(AuditEvent.seq))]
    assert actions == ["create", "delete"]
