"""The supervisor's review queue and home page: claims across supervisees, summaries, and a fixed query count."""
import datetime as dt

import pytest

from app.services import claims as svc
from app.services import review_queue
from models import Role
from tests.app.test_claims_services import ready_ksa_8
from tests.factories import make_organisation, make_relationship, make_service, make_team, make_user

TODAY = dt.date.today()
DAY = dt.timedelta(days=1)


@pytest.fixture
def org(session):
    return make_organisation(session)


@pytest.fixture
def team(session, org):
    return make_team(session, service=make_service(session, organisation=org))


@pytest.fixture
def sup(session, org):
    return make_user(session, organisation=org, roles=(Role.SUPERVISOR,), profile=False, full_name="Sup Sal")


def supervisee(session, sup, team, name, **dates):
    person = make_user(session, team=team, full_name=name)
    make_relationship(session, senior=sup, junior=person, **({"starts_on": TODAY - 100 * DAY} | dates))
    return person


def submitted_claim(session, person):
    claim = ready_ksa_8(session, person)
    svc.submit_claim(session, claim, person)
    return claim


def test_the_queue_holds_submitted_and_changed_claims_from_every_current_supervisee(session, sup, team):
    ann, bob = supervisee(session, sup, team, "Ann"), supervisee(session, sup, team, "Bob")
    gone = supervisee(session, sup, team, "Gone Gil", starts_on=TODAY - 300 * DAY, ends_on=TODAY - DAY)
    a, b = submitted_claim(session, ann), submitted_claim(session, bob)
    submitted_claim(session, gone)
    draft = ready_ksa_8(session, make_user(session, team=team))  # not a supervisee
    svc.submit_claim(session, draft, draft.owner)
    svc.sign_off(session, b, sup, "recording", None, TODAY)
    svc.update_claim(session, b, bob, svc.ClaimInput(statement=dict(b.statement, **{"what-learned": "More."}),
                                                     evidence={l.evidence_id: l.evidence_type for l in b.evidence_links}))
    queue = review_queue.queue_for(session, sup, TODAY)
    assert [(q.kind, q.supervisee_name, q.args) for q in queue] == [
        ("claim", "Ann", {"user_id": ann.id, "claim_id": a.id}), ("claim", "Bob", {"user_id": bob.id, "claim_id": b.id})]
    assert queue[0].title == "BABCP KSA portfolio: Knowledge, Skills and Attitudes criteria: 8 Awareness of risk"
    assert queue[1].title.endswith("– changed since sign-off")
    assert queue[0].waiting_since == dt.datetime.now(dt.timezone.utc).date()
    assert queue[0].endpoint == "portfolio.claim_review"


def test_the_queue_runs_the_providers_it_is_given_once_with_all_supervisees(session, sup, team):
    for name in ("Ann", "Bob"):
        supervisee(session, sup, team, name)
    calls = []

    def provider(s, supervisor, supervisees, today):
        calls.append(sorted(p.full_name for p in supervisees))
        return [review_queue.QueueItem("report", p.id, p.full_name, "Report due", None, "home.supervisor", {})
                for p in supervisees]

    queue = review_queue.queue_for(session, sup, TODAY, providers=(provider,))
    assert calls == [["Ann", "Bob"]]
    assert [q.supervisee_name for q in queue] == ["Ann", "Bob"]
    assert review_queue.queue_for(session, make_user(session, roles=(Role.SUPERVISOR,)), TODAY,
                                  providers=(provider,)) == []


def test_the_queue_makes_the_same_number_of_queries_for_1_or_5_supervisees(session, sup, team, count_queries):
    submitted_claim(session, supervisee(session, sup, team, "First"))
    session.commit()
    review_queue.queue_for(session, sup, TODAY)  # warms the catalogue cache
    session.expire_all()
    with count_queries() as few:
        assert len(review_queue.queue_for(session, sup, TODAY)) == 1
    for n in range(4):
        person = supervisee(session, sup, team, f"More {n}")
        submitted_claim(session, person)
    session.commit()
    session.expire_all()
    with count_queries() as many:
        assert len(review_queue.queue_for(session, sup, TODAY)) == 5
    assert many.count == few.count


def test_the_supervisor_home_shows_the_queue_and_each_supervisees_summary(client, session, login_as, sup, team):
    ann = supervisee(session, sup, team, "Ann Able")
    claim = submitted_claim(session, ann)
    session.commit()
    login_as(sup)
    html = client.get("/supervisor").get_data(as_text=True)
    # The claim, and Ann's yearly supervisor's report (none written yet).
    assert "<h2>Waiting for you (2)</h2>" in html
    assert f'href="/people/{ann.id}/claims/{claim.id}/review"' in html and "Claim to sign off" in html
    assert f'href="/people/{ann.id}/reports/new"' in html
    assert f'href="/people/{ann.id}">Ann Able</a>' in html
    assert "0 min of 1 h 30 min" in html and "Below the minimum so far" in html


def test_the_review_link_from_the_queue_opens_the_review_page(client, session, login_as, sup, team):
    ann = supervisee(session, sup, team, "Ann Able")
    claim = submitted_claim(session, ann)
    session.commit()
    login_as(sup)
    assert client.get(f"/people/{ann.id}/claims/{claim.id}/review").status_code == 200
