"""What is waiting on each person, on their home page and in the daily digest e-mail (opt-in, once a day, no private text)."""
import datetime as dt

import pytest
from sqlalchemy import select

from app.services import credentials as credential_service
from app.services.notifications import waiting_for
from competences.claims import ClaimStatus
from competences.credentials import CredentialStatus
from models import OutboxMail, Regulator, RelationshipKind, Role
from models.claims import ClaimStatusChange, CompetenceClaim
from models.level_ratings import DigestSent
from models.supervisor_work import SupervisorReport
from tests.factories import (
    PASSWORD,
    make_organisation,
    make_relationship,
    make_service,
    make_team,
    make_user,
)

TODAY = dt.date.today()
D = dt.date
SECRET_STATEMENT = "I learned to formulate the panic cycle with Mrs Example"
SECRET_COMMENT = "Please say more about the behavioural experiment"


@pytest.fixture
def org(session):
    return make_organisation(session, name="Riverside NHS Foundation Trust")


@pytest.fixture
def team(session, org):
    return make_team(session, service=make_service(session, organisation=org))


@pytest.fixture
def owner(session, team):
    return make_user(session, team=team, full_name="Priya Practitioner")


@pytest.fixture
def supervisor(session, org, owner):
    sup = make_user(session, organisation=org, roles=(Role.SUPERVISOR,), profile=False, full_name="Sam Supervisor")
    make_relationship(session, senior=sup, junior=owner, starts_on=D(2025, 1, 1))
    return sup


@pytest.fixture
def signed_in(app, client, session):
    def sign_in(user):
        session.commit()
        c = app.test_client()
        assert c.submit("/login", {"email": user.email, "password": PASSWORD}).status_code == 302
        return c

    return sign_in


@pytest.fixture
def digest(app):
    runner = app.test_cli_runner()
    return lambda day: runner.invoke(args=["notify", "digest", "--today", day.isoformat()])


def claim(session, owner, status, item="ksa-1", comment=None, actor=None):
    c = CompetenceClaim(owner_id=owner.id, framework_id="ksa", framework_version=1, item_id=item, status=status,
                        statement={"how_learned": SECRET_STATEMENT})
    session.add(c)
    session.flush()
    if comment:
        session.add(ClaimStatusChange(claim_id=c.id, actor_id=actor.id, action="return", from_status="submitted",
                                      to_status="returned", comment=comment, claim_digest="0" * 64))
        session.flush()
    return c


def counts(session, user, day=TODAY):
    return {w.kind: w.count for w in waiting_for(session, user, day)}


def mails(session):
    session.expire_all()
    return list(session.scalars(select(OutboxMail).order_by(OutboxMail.id)))


# --- what is waiting ----------------------------------------------------------------------------------

def test_a_practitioner_is_told_of_their_returned_claims_only(session, org, owner, supervisor):
    claim(session, owner, ClaimStatus.RETURNED, "ksa-1", SECRET_COMMENT, supervisor)
    claim(session, owner, ClaimStatus.RETURNED, "ksa-2")
    claim(session, owner, ClaimStatus.SUBMITTED, "ksa-3")
    claim(session, make_user(session, organisation=org), ClaimStatus.RETURNED)
    claim(session, owner, ClaimStatus.RETURNED, "ksa-4").deleted_at = dt.datetime.now(dt.UTC)
    session.flush()
    assert counts(session, owner) == {"returned_claims": 2}


def test_a_supervisor_report_waits_until_its_supervisee_acknowledges_it(session, owner, supervisor):
    def report(acknowledged):
        session.add(SupervisorReport(supervisee_id=owner.id, supervisor_id=supervisor.id, written_on=D(2026, 3, 1),
                                     period_from=D(2025, 9, 1), period_to=D(2026, 2, 28), caseload="Twelve cases",
                                     competence="Sound", recommendation="ready", acknowledged_at=acknowledged))
        session.flush()

    report(None)
    report(dt.datetime(2026, 3, 2, tzinfo=dt.UTC))
    report(None)
    waiting = waiting_for(session, owner, TODAY)
    assert [(w.kind, w.count, w.text, w.endpoint) for w in waiting] == [
        ("reports", 2, "2 supervisor reports to read and acknowledge", "portfolio.reports")]


def test_a_flagged_credential_is_waiting_on_its_owner(session, owner):
    values = credential_service.CredentialInput(
        regulator=Regulator.BABCP, kind="babcp_accreditation", registration_number="CBT-1",
        registered_on=D(2020, 1, 10), renewal_due_on=TODAY + dt.timedelta(days=5), expires_on=None,
        status=CredentialStatus.CURRENT)
    credential_service.save_credential(session, owner.profile, values, today=TODAY)
    assert counts(session, owner) == {"credentials": 1}


def test_a_supervisor_is_told_how_many_claims_of_current_supervisees_wait(session, org, owner, supervisor):
    claim(session, owner, ClaimStatus.SUBMITTED, "ksa-1")
    claim(session, owner, ClaimStatus.NEEDS_RESIGNING, "ksa-2")
    claim(session, owner, ClaimStatus.DRAFT, "ksa-3")
    claim(session, owner, ClaimStatus.SIGNED_OFF, "ksa-4")
    former = make_user(session, organisation=org)
    make_relationship(session, senior=supervisor, junior=former, starts_on=D(2024, 1, 1), ends_on=D(2024, 12, 31))
    claim(session, former, ClaimStatus.SUBMITTED)
    stranger = make_user(session, organisation=org)
    claim(session, stranger, ClaimStatus.SUBMITTED)
    tutee = make_user(session, organisation=org)
    make_relationship(session, senior=supervisor, junior=tutee, kind=RelationshipKind.TUTORING)
    claim(session, tutee, ClaimStatus.SUBMITTED)
    # The two claims awaiting review, and a supervisor's report due for the current supervisee (none in 12 months).
    assert counts(session, supervisor) == {"review_queue": 3}
    # Then only the former supervisee: their claim and their report due.
    assert counts(session, supervisor, D(2024, 6, 1)) == {"review_queue": 2}


def test_the_practitioner_home_lists_returned_claims(session, owner, supervisor, signed_in):
    claim(session, owner, ClaimStatus.RETURNED, "ksa-1", SECRET_COMMENT, supervisor)
    html = signed_in(owner).get("/practitioner").get_data(as_text=True)
    assert "What needs your attention" in html
    assert f'<a href="/people/{owner.id}/frameworks">1 claim returned to you with comments</a>' in html


# --- the daily digest --------------------------------------------------------------------------------

def test_the_digest_goes_once_a_day_to_those_who_chose_it(session, org, owner, supervisor, digest):
    owner.digest_opt_in = True
    claim(session, owner, ClaimStatus.RETURNED)
    quiet = make_user(session, organisation=org)          # opted in, nothing waiting
    quiet.digest_opt_in = True
    session.commit()

    assert digest(D(2026, 5, 4)).output.strip() == "1 digest sent."
    assert digest(D(2026, 5, 4)).output.strip() == "0 digests sent."          # a second run that day: nothing new
    assert digest(D(2026, 5, 5)).output.strip() == "1 digest sent."
    assert [m.to_address for m in mails(session)] == [owner.email, owner.email]
    assert [(d.user_id, d.day) for d in session.scalars(select(DigestSent).order_by(DigestSent.id))] == [
        (owner.id, D(2026, 5, 4)), (owner.id, D(2026, 5, 5))]


def test_someone_who_has_not_opted_in_gets_no_digest(session, owner, supervisor, digest):
    claim(session, owner, ClaimStatus.RETURNED)
    claim(session, owner, ClaimStatus.SUBMITTED, "ksa-2")
    session.commit()
    assert digest(TODAY).output.strip() == "0 digests sent."
    assert mails(session) == []


def test_the_digest_holds_counts_and_links_but_no_private_text(app, session, owner, supervisor, digest):
    supervisor.digest_opt_in = True
    owner.digest_opt_in = True
    claim(session, owner, ClaimStatus.RETURNED, "ksa-1", SECRET_COMMENT, supervisor)
    claim(session, owner, ClaimStatus.SUBMITTED, "ksa-2")
    claim(session, owner, ClaimStatus.SUBMITTED, "ksa-3")
    session.commit()
    assert digest(TODAY).output.strip() == "2 digests sent."
    to_owner, to_supervisor = sorted(mails(session), key=lambda m: m.to_address != owner.email)
    base = app.config["PUBLIC_BASE_URL"].rstrip("/")
    assert to_owner.subject == "Waymark: 1 thing waiting for you"
    assert f"- 1 claim returned to you with comments:\n  {base}/people/{owner.id}/frameworks" in to_owner.body
    assert f"{base}/people/{owner.id}/notifications" in to_owner.body
    # Two claims to review and the owner's supervisor report (none written in the last 12 months).
    assert to_supervisor.subject == "Waymark: 3 things waiting for you"
    assert f"- 3 items waiting in your supervision review queue:\n  {base}/supervisor" in to_supervisor.body
    for mail in (to_owner, to_supervisor):
        assert SECRET_STATEMENT not in mail.body and SECRET_COMMENT not in mail.body
        assert "Mrs Example" not in mail.subject + mail.body and "ksa-1" not in mail.body
    assert owner.full_name not in to_supervisor.body                  # nor whose claims wait


def test_a_deactivated_account_gets_no_digest(session, owner, digest):
    owner.digest_opt_in = True
    owner.active = False
    claim(session, owner, ClaimStatus.RETURNED)
    session.commit()
    assert digest(TODAY).output.strip() == "0 digests sent."


# --- the setting -------------------------------------------------------------------------------------

def test_a_person_turns_the_daily_digest_on_and_off(session, owner, signed_in):
    client = signed_in(owner)
    url = f"/people/{owner.id}/notifications"
    assert client.submit(url, {"digest_opt_in": "y"}).status_code == 302
    session.expire_all()
    assert owner.digest_opt_in is True
    assert client.submit(url, {}).status_code == 302
    session.expire_all()
    assert owner.digest_opt_in is False


def test_nobody_changes_another_persons_digest_setting(session, owner, supervisor, signed_in):
    client = signed_in(supervisor)
    assert client.get(f"/people/{owner.id}/notifications").status_code == 403
    assert client.post(f"/people/{owner.id}/notifications", data={"digest_opt_in": "y"}).status_code in (400, 403)
    session.expire_all()
    assert owner.digest_opt_in is False
