"""Single-use links for outside supervisors and referees: hashing, expiry, revocation, single use, only the linked items."""
import datetime as dt
import re

import pytest
from sqlalchemy import select

from app.services import ksa as ksa_service
from app.services import outside_links
from app.services.errors import DomainError
from models import AuditEvent, OutboxMail, Role, SupervisionKind, SupervisionSession
from models.base import utcnow
from models.countersigning import CountersignStatus
from models.ksa import ReferenceKind, ReferenceRequest, ReferenceStatus
from models.outside_links import OutsideLink
from tests.factories import PASSWORD, make_organisation, make_service, make_team, make_user

GONE = "This link does not work any more. Ask the person who sent it for a new one."
NOW = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.timezone.utc)


@pytest.fixture
def owner(session):
    org = make_organisation(session)
    return make_user(session, team=make_team(session, service=make_service(session, organisation=org)),
                     full_name="Priya Practitioner")


def outside_session(session, owner, *, on=dt.date(2026, 5, 4), name="Dr Olu Outside", minutes=60,
                    themes="Private: my worries about a case"):
    s = SupervisionSession(supervisee_id=owner.id, occurred_on=on, minutes=minutes, kind=SupervisionKind.CLINICAL,
                           group_size=1, outside_supervisor_name=name, themes=themes)
    session.add(s)
    session.flush()
    return s


def outside_request(session, owner, kind=ReferenceKind.REFERENCE):
    r = ReferenceRequest(owner_id=owner.id, kind=kind, criteria=["ksa-1", "ksa-3"], referee_name="Rita Referee",
                         referee_email="rita@example.org", referee_role="Ward manager 2019-2022",
                         status=ReferenceStatus.REQUESTED)
    session.add(r)
    session.flush()
    return r


@pytest.fixture
def signed_in(app, client, session):
    """A fresh client signed in as `user` (so several people can be compared)."""

    def sign_in(user):
        session.commit()
        c = app.test_client()
        assert c.submit("/login", {"email": user.email, "password": PASSWORD}).status_code == 302
        return c

    return sign_in


def events(session, action):
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


# --- the token ------------------------------------------------------------------------------------

def test_only_the_hash_of_the_token_is_stored(session, owner):
    s = outside_session(session, owner)
    link, token = outside_links.create_supervision_link(session, owner, [s.id], None, now=NOW)
    assert len(token) >= 43
    assert link.token_hash == outside_links.token_hash(token) != token
    row = session.execute(select(OutsideLink.__table__)).one()._mapping
    assert token not in [str(v) for v in row.values()]
    assert link.expires_at == NOW + dt.timedelta(days=14)


def test_a_link_stops_working_when_it_expires(session, owner):
    s = outside_session(session, owner)
    _, token = outside_links.create_supervision_link(session, owner, [s.id], None, now=NOW, days=3)
    assert outside_links.find_working_link(session, token, now=NOW + dt.timedelta(days=3, seconds=-1)) is not None
    assert outside_links.find_working_link(session, token, now=NOW + dt.timedelta(days=3)) is None


def test_a_revoked_link_stops_working_and_the_revocation_is_audited(session, owner):
    s = outside_session(session, owner)
    link, token = outside_links.create_supervision_link(session, owner, [s.id], None, now=NOW)
    outside_links.revoke(session, link, now=NOW)
    assert outside_links.find_working_link(session, token, now=NOW) is None
    assert [e.object_id for e in events(session, "outside_link_revoked")] == [str(link.id)]


def test_a_link_needs_sessions_of_one_outside_supervisor_that_await_confirmation(session, owner):
    a = outside_session(session, owner, name="Dr Olu Outside")
    b = outside_session(session, owner, name="Dr Other")
    with pytest.raises(DomainError, match="one outside supervisor"):
        outside_links.create_supervision_link(session, owner, [a.id, b.id], None, now=NOW)
    someone = make_user(session)
    theirs = outside_session(session, someone)
    with pytest.raises(DomainError, match="not yet confirmed"):
        outside_links.create_supervision_link(session, owner, [a.id, theirs.id], None, now=NOW)
    a.countersign_status = CountersignStatus.CONFIRMED
    with pytest.raises(DomainError, match="not yet confirmed"):
        outside_links.create_supervision_link(session, owner, [a.id], None, now=NOW)


# --- the outside person's page --------------------------------------------------------------------

@pytest.fixture
def supervision_link(session, owner):
    first = outside_session(session, owner, on=dt.date(2026, 5, 4), minutes=60)
    second = outside_session(session, owner, on=dt.date(2026, 5, 18), minutes=90)
    other = outside_session(session, owner, on=dt.date(2026, 5, 25), minutes=45)
    link, token = outside_links.create_supervision_link(session, owner, [first.id, second.id], None)
    session.commit()
    return link, token, first, second, other


def test_the_page_shows_only_the_linked_sessions_and_not_their_private_themes(client, session, supervision_link):
    link, token, first, second, other = supervision_link
    html = client.get(f"/outside/{token}").get_data(as_text=True)
    assert "Confirm supervision for Priya Practitioner" in html
    assert f'name="session_{first.id}"' in html and f'name="session_{second.id}"' in html
    assert f'name="session_{other.id}"' not in html
    assert "25 May 2026" not in html
    assert "Private: my worries" not in html
    assert "1 h 30 min" in html and "4 May 2026" in html and "18 May 2026" in html


def test_each_visit_is_audited_and_the_first_marks_the_link_opened(client, session, supervision_link):
    link, token, *_ = supervision_link
    client.get(f"/outside/{token}")
    client.get(f"/outside/{token}")
    session.expire_all()
    assert [e.object_id for e in events(session, "outside_link_opened")] == [str(link.id)] * 2
    assert session.get(OutsideLink, link.id).status_at(utcnow()) == "opened"


def test_confirming_marks_the_sessions_as_confirmed_from_outside_and_uses_the_link(client, session, supervision_link):
    link, token, first, second, other = supervision_link
    response = client.submit(f"/outside/{token}", {
        f"session_{first.id}": "confirmed", f"session_{second.id}": "disputed",
        f"comment_{second.id}": "It was 60 minutes, not 90.", "name": "Dr Olu Outside",
        # A field for a session that is not on the link is ignored.
        f"session_{other.id}": "confirmed"})
    assert response.status_code == 302 and response.location.endswith("/outside/done")
    session.expire_all()
    a, b, c = (session.get(SupervisionSession, s.id) for s in (first, second, other))
    assert (a.countersign_status, a.countersigned_outside_name, a.countersigned_by_id) == (
        CountersignStatus.CONFIRMED, "Dr Olu Outside", None)
    assert (b.countersign_status, b.countersign_comment) == (CountersignStatus.DISPUTED, "It was 60 minutes, not 90.")
    assert c.countersign_status is CountersignStatus.AWAITING and c.countersigned_at is None
    used = session.get(OutsideLink, link.id)
    assert used.used_at is not None and used.completed_by_name == "Dr Olu Outside"
    assert [e.object_id for e in events(session, "outside_link_completed")] == [str(link.id)]


def test_disputing_a_session_needs_a_comment_and_saves_nothing_without_one(client, session, supervision_link):
    link, token, first, second, _ = supervision_link
    response = client.submit(f"/outside/{token}", {
        f"session_{first.id}": "confirmed", f"session_{second.id}": "disputed", "name": "Dr Olu Outside"})
    assert response.status_code == 400
    assert "Say what is wrong with this session" in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(SupervisionSession, first.id).countersign_status is CountersignStatus.AWAITING
    assert session.get(OutsideLink, link.id).used_at is None


def test_a_link_works_once_then_get_and_post_both_refuse(client, session, supervision_link):
    link, token, first, second, _ = supervision_link
    data = {f"session_{first.id}": "confirmed", f"session_{second.id}": "confirmed", "name": "Dr Olu Outside"}
    csrf = client.csrf_token(f"/outside/{token}")
    assert client.post(f"/outside/{token}", data={"csrf_token": csrf, **data}).status_code == 302
    again = client.post(f"/outside/{token}", data={"csrf_token": csrf, **data, "name": "Someone Else"})
    assert again.status_code == 404 and GONE in again.get_data(as_text=True)
    page = client.get(f"/outside/{token}")
    assert page.status_code == 404 and "4 May 2026" not in page.get_data(as_text=True)
    session.expire_all()
    assert session.get(OutsideLink, link.id).completed_by_name == "Dr Olu Outside"


def test_unknown_expired_used_and_revoked_links_all_get_the_same_page(client, session, owner, supervision_link):
    link, token, *_ = supervision_link
    old = outside_session(session, owner, name="Dr Old")
    _, expired = outside_links.create_supervision_link(session, owner, [old.id], None,
                                                       now=utcnow() - dt.timedelta(days=15))
    revoked_link, revoked = outside_links.create_supervision_link(session, owner, [old.id], None)
    outside_links.revoke(session, revoked_link)
    session.commit()
    pages = [client.get(f"/outside/{t}") for t in ("no-such-token", expired, revoked)]
    assert {p.status_code for p in pages} == {404}
    bodies = {re.sub(r'value="[^"]*"|nonce-[^"\' ]+|nonce="[^"]*"', "", p.get_data(as_text=True)) for p in pages}
    assert len(bodies) == 1 and GONE in bodies.pop()


def test_the_outside_page_refuses_a_post_without_a_csrf_token(client, session, supervision_link):
    link, token, first, second, _ = supervision_link
    client.get(f"/outside/{token}")
    response = client.post(f"/outside/{token}", data={
        f"session_{first.id}": "confirmed", f"session_{second.id}": "confirmed", "name": "Dr Olu Outside"})
    assert response.status_code == 400
    session.expire_all()
    assert session.get(OutsideLink, link.id).used_at is None
    assert session.get(SupervisionSession, first.id).countersign_status is CountersignStatus.AWAITING


# --- the practitioner's side ------------------------------------------------------------------------

def test_the_practitioner_creates_a_reference_link_sees_it_once_and_without_smtp_it_is_not_left_in_the_outbox(
        signed_in, session, owner):
    request = outside_request(session, owner)
    c = signed_in(owner)
    page = c.submit(f"/people/{owner.id}/ksa/references/{request.id}/link",
                    form_url=f"/people/{owner.id}/ksa/references")
    assert page.status_code == 200
    url = re.search(r'id="link-url" type="text" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    assert url.startswith("http://127.0.0.1:5000/outside/")
    # Administrators read the outbox: a link left there would let them answer as the referee.
    assert not any(url in m.body for m in session.scalars(select(OutboxMail)))
    assert "Copy it and send it to" in page.get_data(as_text=True)
    listing = c.get(f"/people/{owner.id}/ksa/references").get_data(as_text=True)
    assert "Link sent" in listing and url not in listing


def test_a_new_reference_link_revokes_the_earlier_one(session, owner):
    request = outside_request(session, owner)
    first, first_token = outside_links.create_reference_link(session, owner, request)
    _, second_token = outside_links.create_reference_link(session, owner, request)
    assert outside_links.find_working_link(session, first_token) is None
    assert outside_links.find_working_link(session, second_token) is not None


def test_the_practitioner_revokes_a_link_from_the_references_page(signed_in, session, owner, client):
    request = outside_request(session, owner)
    link, token = outside_links.create_reference_link(session, owner, request)
    c = signed_in(owner)
    response = c.submit(f"/people/{owner.id}/outside-links/{link.id}/revoke",
                        form_url=f"/people/{owner.id}/ksa/references")
    assert response.status_code == 302
    assert client.get(f"/outside/{token}").status_code == 404
    assert "Link revoked" in c.get(f"/people/{owner.id}/ksa/references").get_data(as_text=True)


def test_nobody_else_may_create_or_revoke_someones_links(signed_in, session, owner):
    request = outside_request(session, owner)
    link, _ = outside_links.create_reference_link(session, owner, request)
    stranger = make_user(session, roles=(Role.SUPERVISOR,))
    c = signed_in(stranger)
    csrf = c.csrf_token(f"/people/{stranger.id}/ksa/references")
    for url in (f"/people/{owner.id}/ksa/references/{request.id}/link",
                f"/people/{owner.id}/outside-links/{link.id}/revoke"):
        assert c.post(url, data={"csrf_token": csrf}).status_code == 404
    session.expire_all()
    assert session.get(OutsideLink, link.id).revoked_at is None


def test_the_practitioner_creates_a_supervision_link_from_the_page(signed_in, session, owner):
    s = outside_session(session, owner)
    c = signed_in(owner)
    page = c.submit(f"/people/{owner.id}/supervision/outside-links",
                    {"sessions": [str(s.id)], "recipient_email": "olu@example.org"})
    assert page.status_code == 200
    link = session.scalars(select(OutsideLink)).one()
    assert (link.session_ids, link.recipient_name, link.recipient_email) == ([s.id], "Dr Olu Outside",
                                                                             "olu@example.org")


# --- an outside reference -----------------------------------------------------------------------------

def test_an_outside_reference_completes_the_request_and_counts_on_the_ksa_checklist(client, session, owner):
    request = outside_request(session, owner)
    link, token = outside_links.create_reference_link(session, owner, request)
    session.commit()
    html = client.get(f"/outside/{token}").get_data(as_text=True)
    assert "Reference (KSA4) for Priya Practitioner" in html
    refused = client.submit(f"/outside/{token}", {"text": "Seen client born 01/02/1980 weekly.", "name": "Rita"})
    assert refused.status_code == 400 and "date of birth" in refused.get_data(as_text=True)
    response = client.submit(f"/outside/{token}", {"text": "Priya assesses carefully.", "name": "Rita Referee"})
    assert response.status_code == 302
    session.expire_all()
    done = session.get(ReferenceRequest, request.id)
    assert (done.status, done.completed_via, done.completed_by_name, done.response_text) == (
        ReferenceStatus.COMPLETED, "outside", "Rita Referee", "Priya assesses carefully.")
    held = ksa_service.route_evidence(session, owner.id, ksa_service.ksa_framework(session), biography=False,
                                      experience=False)
    assert "reference" in held["ksa-1"] and "reference" in held["ksa-3"] and "reference" not in held["ksa-2"]
