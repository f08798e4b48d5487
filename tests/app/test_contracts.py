"""Supervision contracts: the rules for agreeing one, and the monthly target they set."""
import datetime as dt

import pytest

from app.services import contracts
from app.services.errors import DomainError
from models import Role, SupervisionKind
from tests.factories import make_organisation, make_relationship, make_user


@pytest.fixture
def t(session):
    org = make_organisation(session)

    class T:
        pat = make_user(session, organisation=org)
        sam = make_user(session, organisation=org, roles=(Role.SUPERVISOR,))
        other = make_user(session, organisation=org, roles=(Role.SUPERVISOR,))

    T.rel = make_relationship(session, senior=T.sam, junior=T.pat, starts_on=dt.date(2025, 1, 1),
                              ends_on=dt.date(2025, 12, 31))
    session.commit()
    return T


def details(**kw):
    d = dict(kind=SupervisionKind.CLINICAL, starts_on=dt.date(2025, 2, 1), review_on=dt.date(2025, 8, 1),
             minutes_per_month=90)
    d.update(kw)
    return contracts.ContractDetails(**d)


def test_sessions_times_minutes_sets_the_monthly_minutes_and_the_target(session, t):
    c = contracts.save_contract(session, t.pat, t.rel, details(minutes_per_month=None, sessions_per_month=2,
                                                               minutes_per_session=60))
    assert c.minutes_per_month == 120
    assert contracts.contract_target_minutes(session, t.pat, dt.date(2025, 3, 1)) == 120
    assert contracts.contract_target_minutes(session, t.pat, dt.date(2025, 1, 1)) is None  # before the contract
    assert contracts.contract_target_minutes(session, t.pat, dt.date(2026, 1, 1)) is None  # relationship ended


@pytest.mark.parametrize("bad, field", [
    (dict(review_on=dt.date(2025, 2, 1)), "review_on"),
    (dict(minutes_per_month=0), "minutes_per_month"),
    (dict(minutes_per_month=None, sessions_per_month=0, minutes_per_session=60), "sessions_per_month"),
    (dict(minutes_per_month=None, sessions_per_month=2, minutes_per_session=None), "minutes_per_session"),
])
def test_a_review_date_not_after_the_start_and_a_frequency_that_is_not_positive_are_refused(session, t, bad, field):
    with pytest.raises(DomainError) as err:
        contracts.save_contract(session, t.sam, t.rel, details(**bad))
    assert err.value.field == field


def test_only_the_two_parties_agree_a_contract(session, t):
    with pytest.raises(DomainError, match="Only the supervisee, or the supervisor while they supervise"):
        contracts.save_contract(session, t.other, t.rel, details())
