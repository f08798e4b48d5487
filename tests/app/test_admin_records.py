"""Administrators' records pages: the outgoing-mail outbox and the audit trail."""
import re

import pytest
from sqlalchemy import func, select, update

from models import AuditChainHead, AuditEvent, OutboxMail, Role
from models.base import utcnow
from tests.factories import make_organisation, make_user


@pytest.fixture
def org(session):
    return make_organisation(session)


@pytest.fixture
def admin(session, org):
    return make_user(session, roles=(Role.ADMIN,), organisation=org, full_name="Alex Admin")


def outbox_rows(html):
    return re.findall(r'<a href="/admin/outbox/(\d+)">([^<]+)</a>', html)


# --- outbox ------------------------------------------------------------------------------------

def test_outbox_lists_and_shows_a_mail_from_the_forgot_password_flow(app, client, session, org, admin, login_as):
    person = make_user(session, organisation=org, full_name="Forgetful Person")
    session.commit()
    visitor = app.test_client()
    assert visitor.submit("/forgot-password", {"email": person.email}).status_code == 200

    login_as(admin)
    html = client.get("/admin/outbox").get_data(as_text=True)
    (mail_id, subject), = outbox_rows(html)
    assert subject == "Reset your Waymark password"
    assert person.email in html and "Not sent (no mail server)" in html and "1 message." in html

    mail = client.get(f"/admin/outbox/{mail_id}").get_data(as_text=True)
    body = re.search(r"<pre>(.*?)</pre>", mail, re.S).group(1)
    assert "Hello Forgetful Person" in body and "/reset-password/" in body


def test_outbox_is_newest_first_and_shows_sent_and_failed_mail(client, session, org, admin, login_as):
    person = make_user(session, organisation=org)
    for subject, extra in (("Oldest", {}), ("Delivered", {"sent_at": utcnow()}),
                           ("Bounced", {"error": "SMTPRecipientsRefused: no such user"})):
        session.add(OutboxMail(to_address=person.email, subject=subject, body="Hello", **extra))
        session.flush()
    session.commit()
    login_as(admin)
    html = client.get("/admin/outbox").get_data(as_text=True)
    assert [s for _, s in outbox_rows(html)] == ["Bounced", "Delivered", "Oldest"]
    assert "Failed" in html and "Sent" in html


def test_outbox_does_not_show_mail_to_another_organisations_people(client, session, admin, login_as):
    stranger = make_user(session)
    mail = OutboxMail(to_address=stranger.email, subject="Someone else's reset", body="secret link")
    session.add(mail)
    session.commit()
    login_as(admin)
    assert outbox_rows(client.get("/admin/outbox").get_data(as_text=True)) == []
    assert client.get(f"/admin/outbox/{mail.id}").get_data(as_text=True).count("secret link") == 0
    assert client.get(f"/admin/outbox/{mail.id}").status_code == 404
    assert client.get("/admin/outbox/999999").status_code == 404


# --- audit trail -------------------------------------------------------------------------------

def test_audit_page_lists_events_newest_first_with_actor_names_and_changed_fields(client, session, org, admin,
                                                                                   login_as):
    person = make_user(session, organisation=org)
    session.commit()
    login_as(admin)
    client.submit(f"/admin/accounts/{person.id}/active", {"active": "no"}, form_url=f"/admin/accounts/{person.id}")
    html = client.get("/admin/audit").get_data(as_text=True)
    rows = re.findall(r"<tr class=\"nhsuk-table__row\">(.*?)</tr>", html, re.S)[1:]
    cells = [[" ".join(c.split()) for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)] for r in rows]
    seqs = [int(c[0]) for c in cells]
    assert seqs == sorted(seqs, reverse=True) and seqs[-1] == 1
    newest = cells[0]
    assert newest[2:] == ["Alex Admin", "update", f"users {person.id}", "active, session token"]
    assert ["Alex Admin", "login", f"users {admin.id}", ""] in [c[2:] for c in cells]
    assert any(c[2] == "System" and c[3] == "create" for c in cells)  # the factories act as the system


def test_audit_page_hides_events_by_other_organisations_people(app, client, session, admin, login_as):
    stranger = make_user(session, full_name="Stranger Elsewhere")
    session.commit()
    assert app.test_client().submit("/login", {"email": stranger.email,
                                               "password": "correct horse battery"}).status_code == 302
    login_as(admin)
    assert "Stranger Elsewhere" not in client.get("/admin/audit").get_data(as_text=True)


def test_audit_page_is_paginated_by_a_hundred(client, session, org, admin, login_as):
    for _ in range(40):
        make_user(session, organisation=org)  # each makes a user, a role grant, a profile and a pattern
    session.commit()
    login_as(admin)
    total = session.scalar(select(func.count()).select_from(AuditEvent))
    first = client.get("/admin/audit").get_data(as_text=True)
    last = client.get(f"/admin/audit?page={-(-total // 100)}").get_data(as_text=True)
    assert f"{total} events, page 1 of {-(-total // 100)}" in first
    assert first.count('<tr class="nhsuk-table__row">') == 101  # header row + 100 events
    assert re.search(r'<td class="nhsuk-table__cell">1</td>', last)


def test_audit_page_query_count_does_not_grow_with_the_number_of_actors(client, session, org, admin, login_as,
                                                                         count_queries, app):
    session.commit()
    login_as(admin)

    def people_sign_in(n):
        for _ in range(n):
            person = make_user(session, organisation=org)
            session.commit()
            assert app.test_client().submit("/login", {"email": person.email,
                                                       "password": "correct horse battery"}).status_code == 302

    people_sign_in(2)
    with count_queries() as few:
        client.get("/admin/audit")
    people_sign_in(10)
    with count_queries() as many:
        client.get("/admin/audit")
    assert many.count == few.count


def test_verify_reports_an_intact_trail_with_the_number_of_events(client, session, admin, login_as):
    session.commit()
    login_as(admin)
    response = client.submit("/admin/audit/verify", form_url="/admin/audit")
    assert response.status_code == 302 and response.location == "/admin/audit"
    events = session.scalar(select(func.count()).select_from(AuditEvent))
    assert f"Audit trail intact: {events} events verified." in client.get("/admin/audit").get_data(as_text=True)


def test_verify_reports_where_a_trail_is_broken(client, session, admin, login_as):
    session.commit()
    login_as(admin)
    events = session.scalar(select(func.count()).select_from(AuditEvent))
    # Pretend the last event was removed: the head names one more event than the trail holds.
    session.execute(update(AuditChainHead).where(AuditChainHead.id == 1).values(seq=events + 1))
    session.commit()
    response = client.submit("/admin/audit/verify", form_url="/admin/audit")
    html = client.get(response.location).get_data(as_text=True)
    assert f"Audit trail broken at event {events + 1}: the chain head names event {events + 1}" in html


# --- who may see these pages -------------------------------------------------------------------

@pytest.mark.parametrize("roles", [(Role.HR,), (Role.PRACTITIONER,), (Role.LINE_MANAGER, Role.COURSE_TUTOR)])
def test_people_without_the_admin_role_get_403_on_the_outbox_and_audit_pages(client, session, org, login_as, roles):
    viewer = make_user(session, organisation=org, roles=roles)
    mail = OutboxMail(to_address=viewer.email, subject="Yours", body="Hello")
    session.add(mail)
    session.commit()
    login_as(viewer)
    for url in ("/admin/outbox", f"/admin/outbox/{mail.id}", "/admin/audit"):
        assert client.get(url).status_code == 403, url
    assert client.submit("/admin/audit/verify", form_url="/account/password").status_code == 403
