"""Two supervisors signing the same claim at the same moment: one wins, the other is refused; no double sign-off."""
import datetime as dt
import os
import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError

from app.services import claims as svc
from app.services.errors import DomainError
from competences.claims import ClaimStatus
from models import Role, User
from models.claims import ClaimStatusChange, CompetenceClaim
from models.db import make_engine, make_session_factory
from tests.app.test_claims_services import ready_ksa_8
from tests.factories import make_organisation, make_relationship, make_service, make_team, make_user

TODAY = dt.date.today()


@pytest.fixture
def arranged(session):
    org = make_organisation(session)
    owner = make_user(session, team=make_team(session, service=make_service(session, organisation=org)))
    sups = []
    for name in ("First Fay", "Second Sid"):
        sup = make_user(session, organisation=org, roles=(Role.SUPERVISOR,), profile=False, full_name=name)
        make_relationship(session, senior=sup, junior=owner, starts_on=TODAY - dt.timedelta(days=100))
        sups.append(sup.id)
    claim = ready_ksa_8(session, owner)
    svc.submit_claim(session, claim, owner)
    session.commit()
    return claim.id, sups


def sign_offs(session, claim_id):
    session.expire_all()
    return session.scalar(select(func.count()).select_from(ClaimStatusChange).where(
        ClaimStatusChange.claim_id == claim_id, ClaimStatusChange.action == "sign_off"))


def test_two_sessions_that_loaded_the_same_claim_cannot_both_sign_it_off(database_url, session, arranged):
    claim_id, (first_id, second_id) = arranged
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    try:
        with sessions() as a, sessions() as b:
            claim_a, claim_b = a.get(CompetenceClaim, claim_id), b.get(CompetenceClaim, claim_id)
            seen = claim_b.version
            assert claim_a.version == seen
            # End both read transactions (SQLite lets only a current snapshot write); the sessions keep
            # their copies (expire_on_commit=False), as two open review pages keep what they showed.
            a.commit()
            b.commit()
            svc.sign_off(a, claim_a, a.get(User, first_id), "recording", None, TODAY, version=seen)
            a.commit()
            with pytest.raises(StaleDataError):
                # B acts on its stale copy without re-reading: only the database's version check can stop it.
                svc.sign_off(b, claim_b, b.get(User, second_id), "discussion", None, TODAY)
                b.commit()
            b.rollback()
    finally:
        engine.dispose()
    assert sign_offs(session, claim_id) == 1
    claim = session.get(CompetenceClaim, claim_id)
    assert (claim.status, claim.signed_by_id, claim.sign_off_method) == (ClaimStatus.SIGNED_OFF, first_id, "recording")


@pytest.mark.postgres
def test_on_postgresql_a_second_signer_blocked_on_the_row_gets_stale_data_once_the_first_commits(
        database_url, session, arranged):
    claim_id, (first_id, second_id) = arranged
    engine = make_engine(database_url, pool_size=4, max_overflow=0)
    sessions = make_session_factory(engine)
    outcome = []
    a_flushed, b_loaded = threading.Event(), threading.Event()

    def second():
        with sessions() as b:
            try:
                claim = b.get(CompetenceClaim, claim_id)
                b_loaded.set()
                a_flushed.wait(timeout=30)
                # A holds the row (flushed, not committed): this UPDATE waits, then finds the version moved.
                svc.sign_off(b, claim, b.get(User, second_id), "discussion", None, TODAY)
                b.commit()
                outcome.append("committed")
            except (StaleDataError, DomainError) as err:
                b.rollback()
                outcome.append(type(err).__name__)

    try:
        with sessions() as a:
            claim = a.get(CompetenceClaim, claim_id)
            worker = threading.Thread(target=second)
            worker.start()
            assert b_loaded.wait(timeout=30)
            svc.sign_off(a, claim, a.get(User, first_id), "recording", None, TODAY)
            a_flushed.set()
            worker.join(timeout=2)
            assert worker.is_alive(), "the second signer should be waiting for the first's row lock"
            a.commit()
            worker.join(timeout=30)
    finally:
        engine.dispose()
    assert outcome == ["StaleDataError"]
    assert sign_offs(session, claim_id) == 1
    assert session.get(CompetenceClaim, claim_id).signed_by_id == first_id


def test_the_version_starts_at_1_and_counts_every_update(session, arranged):
    claim_id, (first_id, _) = arranged
    claim = session.get(CompetenceClaim, claim_id)
    before = claim.version
    assert before >= 2  # created at 1, then submitted
    claim.statement = dict(claim.statement, extra="x")
    session.flush()
    assert claim.version == before + 1
    if os.environ.get("TEST_DATABASE_URL") is None:
        assert session.scalar(select(CompetenceClaim.version).where(CompetenceClaim.id == claim_id)) == before + 1
