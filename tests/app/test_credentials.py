"""The credentials pages and service: recording, refusing bad input beside its field, flags, evidence, access, reminders."""
import datetime as dt
import re

import pytest
from sqlalchemy import create_engine, func, select, text

from app.services import credentials as service
from app.services.errors import DomainError
from competences.credentials import CredentialStatus
from models import EvidenceItem, OutboxMail, ProfessionalRegistration, Regulator, RelationshipKind, Role, StoredFile, schema
from models.credentials import CredentialEvidence, CredentialReminder
from tests.factories import PASSWORD, make_organisation, make_relationship, make_service, make_team, make_user

TODAY = dt.date.today()
DAY = dt.timedelta(days=1)
VALID = {"regulator": "babcp", "kind": "babcp_accreditation", "registration_number": "CBT-088412",
         "registered_on": "2020-01-10", "renewal_due_on": "", "expires_on": "", "status": "current", "notes": ""}


@pytest.fixture
def org(session):
    return make_organisation(session, name="Riverside NHS Foundation Trust")


@pytest.fixture
def service_(session, org):
    return make_service(session, organisation=org)


@pytest.fixture
def owner(session, service_):
    return make_user(session, team=make_team(session, service=service_), full_name="Rachel Adeyemi", band="7",
                     job_title="High intensity CBT therapist")


@pytest.fixture
def signed_in(app, client, session):
    def sign_in(user):
        session.commit()
        client = app.test_client()
        assert client.submit("/login", {"email": user.email, "password": PASSWORD}).status_code == 302
        return client

    return sign_in


def url(person, rest=""):
    return f"/people/{person.id}/credentials{rest}"


def record(session, owner, *, kind="babcp_accreditation", regulator=Regulator.BABCP, number="CBT-1", awarded=None,
           renewal=None, expires=None, status=CredentialStatus.CURRENT):
    values = service.CredentialInput(regulator=regulator, kind=kind, registration_number=number,
                                     registered_on=awarded, renewal_due_on=renewal, expires_on=expires, status=status)
    credential = service.save_credential(session, owner.profile, values, today=TODAY)
    session.commit()
    return credential


def evidence(session, owner, title, *, shared=False):
    digest = f"{len(title):02d}{title.encode().hex()}"[:64].ljust(64, "0")
    if session.get(StoredFile, digest) is None:
        session.add(StoredFile(sha256=digest, size=10, media_type="application/pdf"))
    item = EvidenceItem(owner_id=owner.id, title=title, kind="certificate", dated_on=dt.date(2020, 1, 10),
                        file_sha256=digest, file_name=f"{title}.pdf", shared_with_hr=shared)
    session.add(item)
    session.flush()
    return item


def text_of(html):
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


# --- recording -----------------------------------------------------------------------------------

def test_the_owner_records_an_accreditation_and_sees_it_listed_with_its_declaration_date(session, owner, signed_in):
    client = signed_in(owner)
    response = client.submit(url(owner, "/new"), VALID)
    assert response.status_code == 302
    row = session.scalar(select(ProfessionalRegistration))
    assert (row.regulator, row.kind, row.credential_type.value, row.registration_number, row.registered_on) == (
        Regulator.BABCP, "babcp_accreditation", "accreditation", "CBT-088412", dt.date(2020, 1, 10))
    page = text_of(client.get(url(owner)).get_data(as_text=True))
    assert "BABCP accreditation as a CBT psychotherapist" in page and "CBT-088412" in page
    # No renewal date recorded: BABCP's declaration falls on the anniversary of the award.
    anniversary = dt.date(TODAY.year, 1, 10) if TODAY <= dt.date(TODAY.year, 1, 10) else dt.date(TODAY.year + 1, 1, 10)
    assert f"{anniversary.day} {anniversary:%B %Y}" in page


@pytest.mark.parametrize("changes, field, message", [
    ({"registered_on": "2020-01-10", "expires_on": "2020-01-09"}, "expires_on",
     "The expiry date cannot be before the award date (10 January 2020)"),
    ({"registered_on": "2020-01-10", "renewal_due_on": "2019-12-31"}, "renewal_due_on",
     "The renewal date must be after the award date (10 January 2020)"),
    ({"registered_on": (TODAY + DAY).isoformat()}, "registered_on", "The award date cannot be in the future"),
    ({"registration_number": "X" * 41}, "registration_number", "The number must be 40 characters or fewer"),
    ({"regulator": "nmc", "kind": "babcp_accreditation"}, "kind",
     "NMC does not award BABCP accreditation as a CBT psychotherapist; it comes from BABCP"),
    ({"registration_number": ""}, "registration_number", "Enter the registration or membership number"),
    ({"regulator": "university", "kind": "pg_dip_hi_cbt", "registration_number": ""}, "body_name",
     "Enter the name of the university or awarding body"),
    ({"notes": "Discussed client NHS number 943 476 5919"}, "notes", "This looks like an NHS number"),
])
def test_bad_input_is_refused_beside_its_field_and_nothing_is_saved(session, owner, signed_in, changes, field,
                                                                    message):
    client = signed_in(owner)
    response = client.submit(url(owner, "/new"), {**VALID, **changes})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "There is a problem" in html
    assert re.search(rf'id="{field}-error"[^>]*>.*?{re.escape(message)}', html, re.S), html
    assert session.scalar(select(func.count()).select_from(ProfessionalRegistration)) == 0


def test_a_second_credential_of_the_same_kind_is_refused_but_two_babcp_kinds_coexist(session, owner):
    record(session, owner)
    record(session, owner, kind="babcp_supervisor_accreditation", number="SUP-1")
    with pytest.raises(DomainError) as err:
        record(session, owner, number="CBT-2")
    assert err.value.field == "kind" and "already recorded (CBT-1)" in err.value.message
    session.rollback()
    assert sorted(r.kind for r in owner.profile.registrations) == [
        "babcp_accreditation", "babcp_supervisor_accreditation"]


def test_a_qualification_needs_no_number_and_keeps_its_universitys_name(session, owner):
    values = service.CredentialInput(regulator=Regulator.UNIVERSITY, kind="pg_dip_hi_cbt", registration_number="",
                                     registered_on=dt.date(2019, 7, 1), body_name=" University of Exeter ")
    saved = service.save_credential(session, owner.profile, values, today=TODAY)
    assert (saved.registration_number, saved.body_label, saved.credential_type.value) == (
        None, "University of Exeter", "qualification")


def test_the_owner_changes_and_deletes_a_credential_after_confirming(session, owner, signed_in):
    credential = record(session, owner, kind="hcpc", regulator=Regulator.HCPC, number="PYL-1")
    item = evidence(session, owner, "HCPC certificate")
    service.set_evidence(session, credential, owner, [item.id])
    session.commit()
    client = signed_in(owner)
    changed = {**VALID, "regulator": "hcpc", "kind": "hcpc", "registration_number": "PYL-2", "status": "lapsed"}
    assert client.submit(url(owner, f"/{credential.id}/edit"), changed).status_code == 302
    session.refresh(credential)
    assert (credential.registration_number, credential.status) == ("PYL-2", CredentialStatus.LAPSED)

    confirm = client.get(url(owner, f"/{credential.id}/delete"))
    assert confirm.status_code == 200 and "Delete HCPC registration?" in confirm.get_data(as_text=True)
    assert client.submit(url(owner, f"/{credential.id}/delete")).status_code == 302
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(ProfessionalRegistration)) == 0
    assert session.scalar(select(func.count()).select_from(CredentialEvidence)) == 0
    assert session.get(EvidenceItem, item.id) is not None  # the evidence stays in the library


# --- flags on the list ---------------------------------------------------------------------------

def test_the_list_flags_expired_due_soon_and_a_babcp_lapse_date(session, owner, signed_in):
    record(session, owner, kind="hcpc", regulator=Regulator.HCPC, awarded=TODAY - 800 * DAY,
           expires=TODAY - DAY, number="EXPIRED-1")
    record(session, owner, kind="nmc", regulator=Regulator.NMC, awarded=TODAY - 800 * DAY,
           renewal=TODAY + 90 * DAY, number="NMC-90")
    renewal = TODAY + 10 * DAY
    record(session, owner, awarded=TODAY - 800 * DAY, renewal=renewal, number="CBT-10")
    rows = {r.credential.registration_number: [t for t, _ in r.tags]
            for r in service.credential_rows(session, owner, owner, TODAY)}
    lapse = renewal + 28 * DAY
    assert rows == {
        "EXPIRED-1": ["Expired"],
        "NMC-90": ["Due within 90 days"],  # NMC reminds 60 days ahead, so its declaration is not due yet
        "CBT-10": ["Declaration due", f"Lapses on {lapse.day} {lapse:%B %Y}", "Due within 90 days"],
    }
    page = signed_in(owner).get(url(owner)).get_data(as_text=True)
    assert page.count('nhsuk-tag nhsuk-tag--red">Expired') == 1 and "Lapses on" in page


def test_the_list_takes_the_same_number_of_queries_for_few_or_many_credentials(session, owner, org, signed_in,
                                                                               count_queries):
    other = make_user(session, organisation=org, full_name="Owen Griffiths")
    few = record(session, owner, kind="nmc", regulator=Regulator.NMC, number="N-1")
    service.set_evidence(session, few, owner, [evidence(session, owner, "NMC certificate").id])
    for kind, regulator in [("nmc", Regulator.NMC), ("hcpc", Regulator.HCPC), ("babcp_accreditation", Regulator.BABCP),
                            ("babcp_supervisor_accreditation", Regulator.BABCP), ("bps", Regulator.BPS)]:
        credential = record(session, other, kind=kind, regulator=regulator, number=f"{kind}-1")
        service.set_evidence(session, credential, other, [evidence(session, other, f"{kind} certificate").id])
    session.commit()
    counts = []
    for person in (owner, other):
        client = signed_in(person)
        client.get(url(person))  # warm the reference-data cache
        with count_queries() as q:
            assert client.get(url(person)).status_code == 200
        counts.append(q.count)
    assert counts[0] == counts[1]


# --- evidence and access -------------------------------------------------------------------------

@pytest.fixture
def viewers(session, org, service_, owner):
    supervisor = make_user(session, organisation=org, roles=(Role.SUPERVISOR,), profile=False, full_name="Sam Sup")
    make_relationship(session, senior=supervisor, junior=owner, starts_on=TODAY - 100 * DAY)
    hr = make_user(session, organisation=org, roles=(Role.HR,), profile=False, full_name="Joanne HR")
    manager = make_user(session, organisation=org, roles=(Role.LINE_MANAGER,), profile=False, full_name="Mark LM")
    make_relationship(session, senior=manager, junior=owner, kind=RelationshipKind.LINE_MANAGEMENT,
                      starts_on=TODAY - 100 * DAY)
    stranger = make_user(session, organisation=org, full_name="Colleague Elsewhere")
    return {"supervisor": supervisor, "hr": hr, "manager": manager, "stranger": stranger}


def test_hr_and_managers_see_the_list_but_only_evidence_shared_with_hr(session, owner, viewers, signed_in):
    credential = record(session, owner)
    shared, private = evidence(session, owner, "Accreditation letter", shared=True), evidence(session, owner, "Log")
    service.set_evidence(session, credential, owner, [shared.id, private.id])
    session.commit()
    for who, sees_private in [("supervisor", True), ("hr", False), ("manager", False)]:
        page = signed_in(viewers[who]).get(url(owner))
        html = page.get_data(as_text=True)
        assert page.status_code == 200 and "CBT-1" in html and "Accreditation letter" in html
        assert ("Log</a>" in html) is sees_private, who
        assert "not shared" not in html  # HR are not told that unshared evidence exists
        assert "Record a credential" not in html


def test_others_get_404_and_nobody_but_the_owner_may_change(session, owner, viewers, signed_in):
    credential = record(session, owner)
    assert signed_in(viewers["stranger"]).get(url(owner)).status_code == 404
    supervisor = signed_in(viewers["supervisor"])
    for rest in ("/new", f"/{credential.id}/edit", f"/{credential.id}/delete", f"/{credential.id}/evidence"):
        assert supervisor.get(url(owner, rest)).status_code == 403
    # Someone else's credential id under your own URL is not found.
    assert signed_in(viewers["stranger"]).get(url(viewers["stranger"], f"/{credential.id}/edit")).status_code == 404


def test_only_your_own_live_evidence_can_be_linked(session, owner, org, signed_in):
    credential = record(session, owner)
    mine = evidence(session, owner, "Certificate")
    gone = evidence(session, owner, "Old scan")
    gone.deleted_at = dt.datetime.now(dt.timezone.utc)
    theirs = evidence(session, make_user(session, organisation=org), "Not mine")
    session.commit()
    client = signed_in(owner)
    response = client.submit(url(owner, f"/{credential.id}/evidence"), {"evidence": [str(theirs.id)]})
    assert response.status_code == 400 and "Choose evidence from your own library" in response.get_data(as_text=True)
    with pytest.raises(DomainError):
        service.set_evidence(session, credential, owner, [gone.id])
    session.rollback()
    assert client.submit(url(owner, f"/{credential.id}/evidence"), {"evidence": [str(mine.id)]}).status_code == 302
    assert session.scalars(select(CredentialEvidence.evidence_id)).all() == [mine.id]


# --- the admin door uses the same rules ------------------------------------------------------------

def test_an_admin_correction_is_refused_for_an_expiry_before_the_award(session, owner):
    with pytest.raises(DomainError) as err:
        from app.services import staff
        staff.save_registration(session, owner.profile, regulator=Regulator.HCPC, registration_number="PYL-1",
                                registered_on=dt.date(2020, 5, 1), expires_on=dt.date(2020, 4, 30), today=TODAY)
    assert err.value.field == "expires_on"


# --- reminders -----------------------------------------------------------------------------------

@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(args=["credentials", "remind", *args])


def test_reminders_go_once_per_date_not_before_the_reminder_day_and_never_for_a_lapsed_credential(
        session, owner, org, cli):
    record(session, owner, awarded=dt.date(2020, 1, 10), renewal=dt.date(2030, 1, 10))
    lapsed = make_user(session, organisation=org, full_name="Lapsed Person")
    record(session, lapsed, awarded=dt.date(2020, 1, 10), renewal=dt.date(2030, 1, 10),
           status=CredentialStatus.LAPSED)
    session.commit()

    result = cli("--today", "2029-12-10")  # the day before the reminder date (30 days ahead: 11 December)
    assert result.exit_code == 0, result.output
    assert "0 credential reminders sent." in result.output
    assert cli("--today", "2029-12-11").output.strip() == "1 credential reminder sent."
    assert cli("--today", "2029-12-12").output.strip() == "0 credential reminders sent."

    session.expire_all()
    mails = session.scalars(select(OutboxMail)).all()
    assert [m.to_address for m in mails] == [owner.email]
    assert mails[0].subject == "BABCP accreditation as a CBT psychotherapist: declaration or renewal due on 10 January 2030"
    assert f"/people/{owner.id}/credentials" in mails[0].body
    assert [(r.due_on, r.kind) for r in session.scalars(select(CredentialReminder))] == [
        (dt.date(2030, 1, 10), "declaration")]
    # Past the anniversary with no new date recorded: the lapse reminder, 7 days before 7 February.
    assert cli("--today", "2030-01-31").output.strip() == "1 credential reminder sent."


def test_a_bad_date_is_refused(cli):
    result = cli("--today", "10/12/2029")
    assert result.exit_code != 0 and "Traceback" not in result.output


# --- the migration keeps existing rows ------------------------------------------------------------

def test_the_migration_gives_existing_rows_the_kind_their_post_implied(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'm.db'}")
    schema.upgrade(engine, "0006")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO organisations (id, name) VALUES (1, 'Trust')"))
        for uid, band, title in [(1, "5", "Psychological wellbeing practitioner"), (2, "7", "High intensity CBT therapist"),
                                 (3, "6", "Trainee high intensity CBT therapist")]:
            conn.execute(text("INSERT INTO users (id, email, full_name, organisation_id, active, session_token, "
                              "created_at) VALUES (:id, :e, 'P', 1, 1, 't', '2025-01-01 00:00:00')"),
                         {"id": uid, "e": f"p{uid}@nhs.net"})
            conn.execute(text("INSERT INTO staff_profiles (id, user_id, job_title, core_profession, band) "
                              "VALUES (:id, :id, :t, 'x', :b)"), {"id": uid, "t": title, "b": band})
        rows = [(1, "babcp"), (1, "bps"), (2, "babcp"), (2, "hcpc"), (3, "babcp")]
        for n, (profile, body) in enumerate(rows, 1):
            conn.execute(text("INSERT INTO professional_registrations (id, profile_id, regulator, registration_number, "
                              "registered_on) VALUES (:id, :p, :r, :num, '2020-01-10')"),
                         {"id": n, "p": profile, "r": body, "num": f"N{n}"})
    schema.upgrade(engine, "0007")
    with engine.connect() as conn:
        got = conn.execute(text("SELECT id, kind, credential_type, status, registration_number FROM "
                                "professional_registrations ORDER BY id")).all()
    assert [tuple(r) for r in got] == [
        (1, "babcp_pwp_register", "registration", "current", "N1"), (2, "bps_wpwr", "registration", "current", "N2"),
        (3, "babcp_accreditation", "accreditation", "current", "N3"), (4, "hcpc", "registration", "current", "N4"),
        (5, "babcp_pwp_register", "registration", "current", "N5")]
    schema.downgrade(engine, "0006")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM professional_registrations")).scalar() == 5
    engine.dispose()
