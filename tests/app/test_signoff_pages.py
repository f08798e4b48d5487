"""The claim review pages: who reaches them, signing off, returning, withdrawing, and a claim that moved meanwhile."""
import datetime as dt

import pytest
from sqlalchemy import func, select

from app.services import claims as svc
from competences.claims import ClaimStatus
from models import Role
from models.claims import ClaimStatusChange, CompetenceClaim
from tests.app.test_claims_services import ready_ksa_8
from tests.factories import make_organisation, make_relationship, make_service, make_team, make_user

TODAY = dt.date.today()
DAY = dt.timedelta(days=1)


@pytest.fixture
def org(session):
    return make_organisation(session)


@pytest.fixture
def owner(session, org):
    return make_user(session, team=make_team(session, service=make_service(session, organisation=org)),
                     full_name="Owner Olu")


def supervisor(session, org, owner, name="Sup Sal", **dates):
    sup = make_user(session, organisation=org, roles=(Role.SUPERVISOR,), profile=False, full_name=name)
    make_relationship(session, senior=sup, junior=owner, **({"starts_on": TODAY - 100 * DAY} | dates))
    return sup


@pytest.fixture
def sup(session, org, owner):
    return supervisor(session, org, owner)


@pytest.fixture
def claim(session, owner, sup):
    found = ready_ksa_8(session, owner)
    svc.submit_claim(session, found, owner)
    session.commit()
    return found


def url(claim, what=""):
    return f"/people/{claim.owner_id}/claims/{claim.id}/review{what}"


def fresh(session, claim):
    session.expire_all()
    return session.get(CompetenceClaim, claim.id)


def test_the_review_page_shows_the_statement_evidence_with_preview_links_history_and_forms(client, login_as, sup, claim):
    login_as(sup)
    html = client.get(url(claim)).get_data(as_text=True)
    assert "<h1>8 " in html or "<h1>" in html
    assert "Formulating risk." in html
    for link in claim.evidence_links:
        e = link.evidence
        assert e.title in html and e.file_name in html and e.file_sha256 in html
        assert f'href="/people/{claim.owner_id}/evidence/{e.id}/preview"' in html
        assert f'href="/people/{claim.owner_id}/evidence/{e.id}/download"' in html
    assert "Submit: draft to submitted" in html
    assert 'name="method"' in html and 'name="return_comment"' in html and 'name="reason"' not in html
    assert f'name="version" value="{claim.version}"' in html


def test_a_supervisor_signs_off_and_the_claim_page_says_by_whom_when_and_how(client, session, login_as, sup, claim):
    login_as(sup)
    response = client.submit(url(claim, "/sign-off"), {"method": "recording", "comment": "Heard on tape 3",
                                                       "version": claim.version, "digest": svc.claim_digest(claim)},
                             form_url=url(claim))
    assert response.status_code == 302
    assert response.headers["Location"] == f"/people/{claim.owner_id}/claims/{claim.id}"
    signed = fresh(session, claim)
    assert (signed.status, signed.signed_by_id, signed.signed_on, signed.sign_off_method) == (
        ClaimStatus.SIGNED_OFF, sup.id, TODAY, "recording")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Claim signed off." in html
    assert f"Sup Sal on {TODAY.day}" in html and "by recording" in html


def test_signing_off_without_a_method_shows_the_error_beside_it_and_saves_nothing(client, session, login_as, sup, claim):
    login_as(sup)
    response = client.submit(url(claim, "/sign-off"), {"version": claim.version}, form_url=url(claim))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "There is a problem" in html and 'href="#method"' in html
    assert html.count("Choose how you saw this competence") == 2  # summary and beside the field
    assert fresh(session, claim).status is ClaimStatus.SUBMITTED


def test_returning_without_a_comment_shows_the_error_beside_the_field(client, session, login_as, sup, claim):
    login_as(sup)
    response = client.submit(url(claim, "/return"), {"return_comment": "  ", "version": claim.version},
                             form_url=url(claim))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'href="#return_comment"' in html and "Say what needs to change" in html
    assert fresh(session, claim).status is ClaimStatus.SUBMITTED
    assert session.scalar(select(func.count()).select_from(ClaimStatusChange)
                          .where(ClaimStatusChange.action == "return")) == 0


def test_returning_with_a_comment_sends_it_back_to_the_owner(client, session, login_as, sup, claim):
    login_as(sup)
    response = client.submit(url(claim, "/return"), {"return_comment": "Add a second example",
                                                     "version": claim.version}, form_url=url(claim))
    assert response.status_code == 302
    returned = fresh(session, claim)
    assert returned.status is ClaimStatus.RETURNED and returned.history[-1].comment == "Add a second example"


def test_only_the_signer_can_withdraw_and_only_with_a_reason(client, session, login_as, org, owner, sup, claim):
    other = supervisor(session, org, owner, name="Other Ola")
    svc.sign_off(session, fresh(session, claim), sup, "discussion", None, TODAY)
    session.commit()
    login_as(other)
    html = client.get(url(claim)).get_data(as_text=True)
    assert 'name="reason"' not in html and "There is nothing for you to do on this claim" in html
    response = client.submit(url(claim, "/withdraw"), {"reason": "Not mine to keep"}, form_url=url(claim))
    assert response.status_code == 400
    assert "Only the supervisor who signed this claim off can withdraw" in response.get_data(as_text=True)
    assert fresh(session, claim).status is ClaimStatus.SIGNED_OFF
    client.submit("/logout", form_url=url(claim))
    login_as(sup)
    assert client.submit(url(claim, "/withdraw"), {"reason": ""}, form_url=url(claim)).status_code == 400
    response = client.submit(url(claim, "/withdraw"), {"reason": "Wrong recording"}, form_url=url(claim))
    assert response.status_code == 302
    assert fresh(session, claim).status is ClaimStatus.RETURNED


def test_a_claim_that_changed_while_the_page_was_open_is_not_signed(client, session, login_as, org, owner, sup, claim):
    other = supervisor(session, org, owner, name="Other Ola")
    session.commit()
    login_as(sup)
    shown = claim.version
    token_page = url(claim)
    svc.return_claim(session, fresh(session, claim), other, "Needs work", on=TODAY)
    session.commit()
    response = client.submit(url(claim, "/sign-off"), {"method": "recording", "version": shown}, form_url=token_page)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "This claim changed while you were looking: Other Ola returned it; it is now returned with comments" in html
    assert fresh(session, claim).status is ClaimStatus.RETURNED
    assert session.scalar(select(func.count()).select_from(ClaimStatusChange)
                          .where(ClaimStatusChange.action == "sign_off")) == 0


@pytest.mark.parametrize("who", ["owner", "ended", "other_supervisor", "colleague"])
def test_only_a_current_supervisor_of_the_owner_reaches_the_review_pages(client, session, login_as, org, owner, claim,
                                                                         who):
    if who == "owner":
        user = owner
    elif who == "ended":
        user = supervisor(session, org, owner, name="Ended Eve", starts_on=TODAY - 300 * DAY, ends_on=TODAY - DAY)
    elif who == "other_supervisor":  # supervises someone else, and guesses the URL
        user = supervisor(session, org, make_user(session, organisation=org), name="Guessing Gus")
    else:
        user = make_user(session, organisation=org, full_name="Colleague Col")
    session.commit()
    login_as(user)
    assert client.get(url(claim)).status_code == 404
    for action in ("/sign-off", "/return", "/withdraw"):
        assert client.post(url(claim, action), data={"method": "recording"}).status_code in (400, 404)
        assert client.submit(url(claim, action), {"method": "recording", "return_comment": "x", "reason": "x"},
                             form_url=f"/people/{user.id}").status_code == 404
    assert fresh(session, claim).status is ClaimStatus.SUBMITTED
