"""Countersigning supervision sessions and CTS-R ratings: the rules, the pages, and the review-queue providers."""
import dataclasses
import datetime as dt

import pytest
from sqlalchemy import select

from app.services import countersigning as cs
from app.services import supervision_log as log
from app.services.errors import DomainError
from models import Role, SupervisionKind, SupervisionSession, User
from models.countersigning import CountersignStatus
from models.snapshot import build_snapshot
from models.training import CtsrRating
from tests.factories import PASSWORD, make_organisation, make_relationship, make_user

TODAY = dt.date.today()
DAY = dt.timedelta(days=1)
CONFIRM = cs.Decision(confirm=True)


@pytest.fixture
def sign_in(app, client):
    def make(user):
        c = app.test_client()
        assert c.submit("/login", {"email": user.email, "password": PASSWORD}).status_code == 302
        return c
    return make


@pytest.fixture
def t(session):
    org = make_organisation(session)

    class T:
        pat = make_user(session, organisation=org, full_name="Pat Practitioner")
        sam = make_user(session, organisation=org, roles=(Role.SUPERVISOR,), full_name="Sam Supervisor")
        olive = make_user(session, organisation=org, roles=(Role.SUPERVISOR,), full_name="Olive Ended")
        nia = make_user(session, organisation=org, roles=(Role.SUPERVISOR,), full_name="Nia New")
        other = make_user(session, organisation=org, roles=(Role.SUPERVISOR,), full_name="Oscar Other")
        hr = make_user(session, organisation=org, roles=(Role.HR,), full_name="Harriet HR")

    T.sam_rel = make_relationship(session, senior=T.sam, junior=T.pat, starts_on=TODAY - 400 * DAY)
    T.olive_rel = make_relationship(session, senior=T.olive, junior=T.pat, starts_on=TODAY - 400 * DAY,
                                    ends_on=TODAY - 40 * DAY)
    #: Nia started supervising Pat 30 days ago.
    T.nia_rel = make_relationship(session, senior=T.nia, junior=T.pat, starts_on=TODAY - 30 * DAY)
    session.commit()
    return T


def entry(session, t, rel, days_ago=10, minutes=60, group_size=1, **kw):
    row = SupervisionSession(supervisee_id=t.pat.id, occurred_on=TODAY - days_ago * DAY, minutes=minutes,
                             kind=SupervisionKind.CLINICAL, group_size=group_size, relationship_=rel,
                             supervisor=rel.senior if rel is not None else None, themes="Formulation", **kw)
    session.add(row)
    session.commit()
    return row


def details(row, **overrides):
    d = dict(occurred_on=row.occurred_on, minutes=row.minutes, relationship_id=row.relationship_id,
             kind=row.kind, themes=row.themes)
    d.update(overrides)
    return log.SupervisionDetails(**d)


# --- the rules ---------------------------------------------------------------------------------

def test_the_supervisor_who_ran_the_session_confirms_it(session, t):
    row = entry(session, t, t.sam_rel)
    cs.countersign_session(session, t.sam, row, CONFIRM, today=TODAY)
    assert row.countersign_status is CountersignStatus.CONFIRMED
    assert row.countersigned_by_id == t.sam.id and row.countersigned_at is not None


def test_nobody_countersigns_their_own_session(session, t):
    row = entry(session, t, t.sam_rel)
    with pytest.raises(DomainError, match="your own"):
        cs.countersign_session(session, t.pat, row, CONFIRM, today=TODAY)


def test_another_supervisor_of_the_person_cannot_countersign_a_session_they_did_not_run(session, t):
    row = entry(session, t, t.sam_rel)
    with pytest.raises(DomainError, match="Only the supervisor who ran"):
        cs.countersign_session(session, t.nia, row, CONFIRM, today=TODAY)


def test_a_supervisor_whose_relationship_has_ended_cannot_countersign(session, t):
    row = entry(session, t, t.olive_rel, days_ago=60)
    with pytest.raises(DomainError, match="no longer supervise"):
        cs.countersign_session(session, t.olive, row, CONFIRM, today=TODAY)


def test_a_session_from_before_the_relationship_began_cannot_be_countersigned(session, t):
    # Nia's relationship began 30 days ago; the session (recorded before the dates were corrected) is 45 days old.
    row = entry(session, t, t.nia_rel, days_ago=45)
    with pytest.raises(DomainError, match="did not supervise"):
        cs.countersign_session(session, t.nia, row, CONFIRM, today=TODAY)


def test_a_dispute_needs_a_comment(session, t):
    row = entry(session, t, t.sam_rel)
    with pytest.raises(DomainError, match="needs a comment") as err:
        cs.countersign_session(session, t.sam, row, cs.Decision(confirm=False, comment="  "), today=TODAY)
    assert err.value.field == "comment"
    cs.countersign_session(session, t.sam, row, cs.Decision(confirm=False, comment="It was 45 minutes"), today=TODAY)
    assert row.countersign_status is CountersignStatus.DISPUTED and row.countersign_comment == "It was 45 minutes"


def test_a_session_changed_since_the_page_was_drawn_is_refused(session, t):
    row = entry(session, t, t.sam_rel)
    with pytest.raises(DomainError, match="changed while you were looking"):
        cs.countersign_session(session, t.sam, row, CONFIRM, today=TODAY,
                               seen=row.updated_at - dt.timedelta(seconds=5))


def test_an_edit_after_confirmation_sends_the_session_back_to_awaiting(session, t):
    row = entry(session, t, t.sam_rel)
    cs.countersign_session(session, t.sam, row, CONFIRM, today=TODAY)
    session.commit()
    log.update_supervision(session, row, details(row, minutes=75), today=TODAY)
    assert row.countersign_status is CountersignStatus.AWAITING
    assert row.countersigned_by_id is None and row.countersigned_at is None


def test_saving_a_session_unchanged_keeps_its_countersignature(session, t):
    row = entry(session, t, t.sam_rel)
    cs.countersign_session(session, t.sam, row, CONFIRM, today=TODAY)
    session.commit()
    log.update_supervision(session, row, details(row), today=TODAY)
    assert row.countersign_status is CountersignStatus.CONFIRMED


def test_the_snapshot_counts_only_confirmed_sessions_as_countersigned(session, t):
    confirmed, waiting = entry(session, t, t.sam_rel), entry(session, t, t.sam_rel, days_ago=5)
    cs.countersign_session(session, t.sam, confirmed, CONFIRM, today=TODAY)
    session.commit()
    snap = build_snapshot(session, t.pat.id, TODAY)
    flags = {s.id: s.countersigned for s in snap.supervision}
    assert flags == {f"supervision:{confirmed.id}": True, f"supervision:{waiting.id}": False}


# --- CTS-R ratings -----------------------------------------------------------------------------

def rating(session, t, rater=None, role="supervisor"):
    row = CtsrRating(owner_id=t.pat.id, rated_on=TODAY - 3 * DAY, recording_ref="REC-1", rater_role=role,
                     rater_id=rater.id if rater else None, scores={}, comments={}, total=40, passed=True,
                     pass_mark_used=36)
    session.add(row)
    session.commit()
    return row


def test_a_current_supervisor_confirms_a_supervisors_ctsr_rating(session, t):
    row = rating(session, t, rater=t.sam)
    cs.confirm_rating(session, t.nia, row, CONFIRM, today=TODAY)
    assert row.confirm_status is CountersignStatus.CONFIRMED and row.confirmed_by_id == t.nia.id


def test_the_owner_and_a_former_supervisor_cannot_confirm_a_rating(session, t):
    row = rating(session, t, rater=t.olive)
    with pytest.raises(DomainError, match="your own"):
        cs.confirm_rating(session, t.pat, row, CONFIRM, today=TODAY)
    with pytest.raises(DomainError, match="do not supervise"):
        cs.confirm_rating(session, t.olive, row, CONFIRM, today=TODAY)


def test_a_self_rating_is_not_confirmed(session, t):
    row = rating(session, t, role="self")
    with pytest.raises(DomainError, match="given by a supervisor"):
        cs.confirm_rating(session, t.sam, row, CONFIRM, today=TODAY)


# --- the pages ---------------------------------------------------------------------------------

def test_the_supervisor_confirms_a_session_in_the_browser(session, t, sign_in):
    row = entry(session, t, t.sam_rel)
    c = sign_in(t.sam)
    page = f"/people/{t.pat.id}/supervision/{row.id}/countersign"
    assert "Formulation" in c.get(page).get_data(as_text=True)
    assert c.submit(page, {"decision": "dispute", "comment": ""}).status_code == 400
    response = c.submit(page, {"decision": "confirm", "comment": ""})
    assert response.status_code == 302
    session.expire_all()
    assert session.get(SupervisionSession, row.id).countersign_status is CountersignStatus.CONFIRMED


def test_only_the_right_supervisor_reaches_the_countersign_pages(session, t, sign_in):
    row = entry(session, t, t.sam_rel)
    rated = rating(session, t, rater=t.sam)
    for user in (t.pat, t.nia, t.other, t.olive, t.hr):
        c = sign_in(user)
        assert c.get(f"/people/{t.pat.id}/supervision/{row.id}/countersign").status_code == 404, user.full_name
    for user in (t.pat, t.other, t.olive, t.hr):
        c = sign_in(user)
        assert c.get(f"/people/{t.pat.id}/supervision/countersign").status_code == 404, user.full_name
        assert c.get(f"/people/{t.pat.id}/ctsr/{rated.id}/countersign").status_code == 404, user.full_name


def test_bulk_confirm_confirms_the_sessions_chosen_only(session, t, sign_in):
    rows = [entry(session, t, t.sam_rel, days_ago=d) for d in (20, 15, 10)]
    c = sign_in(t.sam)
    url = f"/people/{t.pat.id}/supervision/countersign"
    assert c.get(url).status_code == 200
    assert c.submit(url, {"sessions": [str(rows[0].id), str(rows[2].id)]}).status_code == 302
    session.expire_all()
    statuses = [session.get(SupervisionSession, r.id).countersign_status for r in rows]
    assert statuses == [CountersignStatus.CONFIRMED, CountersignStatus.AWAITING, CountersignStatus.CONFIRMED]


def test_bulk_confirm_ignores_a_session_that_is_not_waiting_on_this_supervisor(session, t, sign_in):
    nias = entry(session, t, t.nia_rel, days_ago=5)
    c = sign_in(t.sam)
    response = c.submit(f"/people/{t.pat.id}/supervision/countersign", {"sessions": [str(nias.id)]})
    assert response.status_code == 400
    session.expire_all()
    assert session.get(SupervisionSession, nias.id).countersign_status is CountersignStatus.AWAITING


# --- the review-queue providers ----------------------------------------------------------------

def _supervisees(session, sam, n):
    people = []
    for i in range(n):
        p = make_user(session, organisation=sam.organisation, full_name=f"Supervisee {i}")
        rel = make_relationship(session, senior=sam, junior=p, starts_on=TODAY - 100 * DAY)
        for d in (3, 9):
            session.add(SupervisionSession(supervisee_id=p.id, occurred_on=TODAY - d * DAY, minutes=60,
                                           kind=SupervisionKind.CLINICAL, relationship_=rel, supervisor=sam))
        session.add(CtsrRating(owner_id=p.id, rated_on=TODAY - DAY, recording_ref=f"R{i}", rater_role="supervisor",
                               rater_id=sam.id, scores={}, comments={}, total=40, passed=True, pass_mark_used=36))
        people.append(p)
    session.commit()
    return people


@pytest.mark.parametrize("provider", [cs.sessions_waiting, cs.ratings_waiting])
def test_each_provider_costs_the_same_queries_for_2_and_12_supervisees(session, t, count_queries, provider):
    counts = []
    for n in (2, 12):
        sup = make_user(session, organisation=t.sam.organisation, roles=(Role.SUPERVISOR,))
        people = _supervisees(session, sup, n)
        session.expire_all()
        people = list(session.scalars(select(User).where(User.id.in_([p.id for p in people]))))
        sup = session.get(User, sup.id)
        with count_queries() as q:
            items = provider(session, sup, people, TODAY)
        counts.append(q.count)
        assert len(items) == n * (2 if provider is cs.sessions_waiting else 1)
    assert counts[0] == counts[1] == 1


def test_the_session_queue_lists_only_awaiting_sessions_the_supervisor_ran_in_their_relationship(session, t):
    waiting = entry(session, t, t.sam_rel, days_ago=5)
    done = entry(session, t, t.sam_rel, days_ago=6)
    cs.countersign_session(session, t.sam, done, CONFIRM, today=TODAY)
    entry(session, t, t.nia_rel, days_ago=5)  # Nia's
    items = cs.sessions_waiting(session, t.sam, [t.pat], TODAY)
    assert [(i.kind, i.args) for i in items] == [("supervision", {"user_id": t.pat.id, "entry_id": waiting.id})]


def test_changing_a_confirmed_ctsr_rating_sends_it_back_to_awaiting_and_saving_it_unchanged_does_not(session, t):
    from app.services import ratings as ratings_service
    from models.reference_data import catalogue_for

    scale = ratings_service.ctsr_scale(catalogue_for(session))
    threes = {item.id: "3" for item in scale.items}
    made = ratings_service.create_ctsr(session, t.pat, ratings_service.CtsrInput(
        rated_on=TODAY - 3 * DAY, recording_ref="REC-9", rater_role="supervisor", rater_name="Sam Supervisor",
        scores=threes), scale=scale, today=TODAY)
    cs.confirm_rating(session, t.sam, made, CONFIRM, today=TODAY)
    same = ratings_service.CtsrInput(rated_on=made.rated_on, recording_ref="REC-9", rater_role="supervisor",
                                     rater_name="Sam Supervisor", scores=threes)

    ratings_service.update_ctsr(session, made, t.pat, same, scale=scale, today=TODAY)
    assert made.confirm_status is CountersignStatus.CONFIRMED

    ratings_service.update_ctsr(session, made, t.pat, dataclasses.replace(same, scores={**threes, scale.items[0].id: "6"}),
                                scale=scale, today=TODAY)
    assert made.confirm_status is CountersignStatus.AWAITING and made.confirmed_by_id is None
