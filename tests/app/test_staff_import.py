"""The staff and posts import: dry run vs real import vs re-import, every row error, access, the CLI and the sample."""
import datetime as dt
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.services import staff_import
from app.services.demo import load_demo
from app.services.errors import DomainError
from models import (AuditEvent, Base, EmploymentChange, Post, RelationshipKind, Role, RoleGrant, StaffImport,
                    StaffProfile, StaffRelationship, User, WorkingPattern)
from tests.factories import PASSWORD, TEST_SETTINGS, make_organisation, make_relationship, make_service, make_team, \
    make_user

TODAY = dt.date(2026, 1, 15)
SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "samples" / "staff-import.csv"
HEADER = ("Employee Number,Full Name,Email,Job Title,Service,Team,Band,Pay Step,Step Start Date,Band Start Date,WTE,"
          "Position Number,Position Title,Funded WTE,HCAS Zone,Line Manager Employee Number,Roles")


def csv_of(*rows):
    return ("\n".join((HEADER,) + rows) + "\n").encode()


# Two new people, one change (Priya moves from band 5 to band 6) and one unchanged (Grace, as recorded).
AMY = "2001,Amy New,Amy.New@Example.org,Trainee PWP,Talking Therapies,Step 2,Band 4,1,01/09/2025,,,P-1,Trainee PWP,,,1006,"
BEN = ("2002,Ben New,ben.new@example.org,HI therapist,Talking Therapies,Step 3,7,2,2024-06-01,2022-06-01,0.6,P-2,"
       "HI therapist,1.00,Outer London,1006,practitioner;supervisor")
PRIYA = "1003,Priya Shah,priya@example.org,PWP,Talking Therapies,Step 2,5,1,2025-10-01,,,,,,,,"
PRIYA_BAND_6 = "1003,Priya Shah,priya@example.org,PWP,Talking Therapies,Step 2,6,1,2025-10-01,,,,,,,,"
GRACE = "1006,Grace Whitfield,grace@example.org,Senior PWP,Talking Therapies,Step 2,6,3,2024-04-01,,,,,,,,"


@pytest.fixture
def org(session):
    return make_organisation(session, name="Test Trust")


@pytest.fixture
def service(session, org):
    return make_service(session, organisation=org, name="Talking Therapies")


@pytest.fixture
def step2(session, service):
    return make_team(session, service=service, name="Step 2")


@pytest.fixture
def step3(session, service):
    return make_team(session, service=service, name="Step 3")


@pytest.fixture
def hr(session, org):
    return make_user(session, roles=(Role.HR,), organisation=org, profile=False, email="hr@example.org")


@pytest.fixture
def staff(session, org, step2, step3):
    """Priya (band 5, step 1 since 1 April 2024) and Grace (band 6 step 3, line manager), both in Step 2."""
    priya = make_user(session, organisation=org, team=step2, email="priya@example.org", full_name="Priya Shah",
                      employee_number="1003", job_title="PWP", band="5", pay_step=1)
    grace = make_user(session, organisation=org, team=step2, email="grace@example.org", full_name="Grace Whitfield",
                      roles=(Role.PRACTITIONER, Role.LINE_MANAGER), employee_number="1006", job_title="Senior PWP",
                      band="6", pay_step=3)
    session.commit()
    return {"priya": priya, "grace": grace}


def dry(session, actor, data, name="esr.csv"):
    return staff_import.dry_run(session, actor=actor, file_name=name, data=data, today=TODAY)


def apply(session, actor, data, name="esr.csv"):
    return staff_import.apply(session, actor=actor, file_name=name, data=data, today=TODAY)


def table_counts(session):
    return {t.name: session.execute(select(func.count()).select_from(t)).scalar_one()
            for t in Base.metadata.sorted_tables}


def errors_of(plan):
    return {(e.row, e.column) for e in plan.errors}


# --- the dry run -----------------------------------------------------------------------------------

def test_dry_run_plans_two_creates_one_change_one_unchanged_and_changes_nothing(session, hr, staff):
    before = table_counts(session)
    plan = dry(session, hr, csv_of(AMY, BEN, PRIYA_BAND_6, GRACE))
    assert plan.errors == ()
    assert [(p.row, p.employee_number, p.action) for p in plan.people] == [
        (2, "2001", "create"), (3, "2002", "create"), (4, "1003", "change"), (5, "1006", "unchanged")]
    # Priya: band 5 → 6; the blank band start date becomes the step start date (a new band); step 1 stays.
    assert [(c.label, c.old, c.new) for c in plan.people[2].changes] == [
        ("Band", "5", "6"), ("Band start date", "1 April 2024", "1 October 2025"),
        ("Step start date", "1 April 2024", "1 October 2025")]
    assert [(p.number, p.title, p.action) for p in plan.posts] == [
        ("P-1", "Trainee PWP", "create"), ("P-2", "HI therapist", "create")]
    assert plan.counts == {"rows": 4, "created": 2, "changed": 1, "unchanged": 1, "errors": 0,
                           "posts_created": 2, "posts_changed": 0}
    after = table_counts(session)
    # Only the dry run's own record (and its audit event) is written.
    assert {k: after[k] - before[k] for k in after if after[k] != before[k]} == {"staff_imports": 1, "audit_events": 1}
    run = session.scalars(select(StaffImport)).one()
    assert (run.applied, run.rows, run.created_count, run.changed_count, run.unchanged_count, run.error_count) == \
        (False, 4, 2, 1, 1, 0)


def test_dry_run_lists_every_error_kind_with_its_row_and_column(session, hr, staff):
    rows = (
        "3001,Unknown Band,a@example.org,PWP,,Step 2,Band X,1,2025-01-01,,,,,,,,",          # 2: unknown band
        "3002,Step Beyond,b@example.org,PWP,,Step 2,4,3,2025-01-01,,,,,,,,",                # 3: band 4 has 2 steps
        "3002,Duplicate Number,c@example.org,PWP,,Step 2,5,1,2025-01-01,,,,,,,,",           # 4: 3002 again
        "3004,Post First,d@example.org,PWP,,Step 2,5,1,2025-01-01,,,P-9,PWP,,,,",           # 5: defines P-9
        "3005,Post Clash,e@example.org,PWP,,Step 2,5,1,2025-01-01,,,P-9,Senior PWP,,,,",    # 6: P-9 retitled
        "3006,Bad Date,f@example.org,PWP,,Step 2,5,1,2025/01/01,,,,,,,,",                   # 7: wrong date format
        "3007,No Manager,g@example.org,PWP,,Step 2,5,1,2025-01-01,,,,,,,9999,",             # 8: unknown manager
        "3008,Band Ten,h@example.org,PWP,,Step 2,10,1,2025-01-01,,,,,,,,",                  # 9: band outside 4–9
        "3009,No Team,i@example.org,PWP,,,5,1,2025-01-01,,,P-10,PWP,,,,",                   # 10: post with no team
        "3010,943 476 5919,j@example.org,PWP,,Step 2,5,1,2025-01-01,,,,,,,,",               # 11: NHS number
    )
    before = table_counts(session)
    plan = dry(session, hr, csv_of(*rows))
    assert errors_of(plan) == {
        (2, "Band"), (3, "Pay Step"), (4, "Employee Number"), (6, "Position Title"), (7, "Step Start Date"),
        (8, "Line Manager Employee Number"), (9, "Band"), (10, "Team"), (11, "Full Name")}
    problems = {(e.row, e.column): e.problem for e in plan.errors}
    assert problems[(2, "Band")].startswith("Unknown band 'Band X'")
    assert problems[(3, "Pay Step")] == "Step 3 is beyond band 4, which had 2 pay steps on 1 January 2025"
    assert problems[(4, "Employee Number")] == "Employee number 3002 is also on row 3"
    assert "P-9 is PWP on row 5 but Senior PWP here" in problems[(6, "Position Title")]
    assert "YYYY-MM-DD or DD/MM/YYYY" in problems[(7, "Step Start Date")]
    assert problems[(8, "Line Manager Employee Number")] == \
        "There is nobody with employee number 9999 in this file or in Waymark"
    assert problems[(9, "Band")] == "Band 10 is outside the bands this import takes: 4 to 9, or 8a to 8d"
    assert "has no team" in problems[(10, "Team")]
    assert "NHS number" in problems[(11, "Full Name")] and "943" not in problems[(11, "Full Name")]
    assert plan.counts["errors"] == 9
    after = table_counts(session)
    assert {k for k in after if after[k] != before[k]} == {"staff_imports", "audit_events"}


def test_the_header_must_name_every_required_column_and_no_unknown_one(session, hr, staff):
    with pytest.raises(DomainError) as err:
        dry(session, hr, b"Employee Number,Full Name,Email,Grade,Band\n1,A,a@b.c,x,5\n")
    assert err.value.field == "file"
    assert "missing required columns: Job Title, Pay Step, Step Start Date" in err.value.message
    assert "unknown column: Grade" in err.value.message


def test_a_file_that_is_not_utf8_or_too_big_is_refused_whole(session, hr, staff):
    with pytest.raises(DomainError, match="not UTF-8"):
        dry(session, hr, HEADER.encode() + b"\n1,Zo\xe9,z@example.org,PWP,,Step 2,5,1,2025-01-01\n")
    with pytest.raises(DomainError, match="5 MB or smaller"):
        dry(session, hr, b"x" * (staff_import.MAX_BYTES + 1))


def test_a_byte_order_mark_and_uk_dates_and_band_spellings_are_read(session, hr, staff):
    row = "2001,Amy New,amy@example.org,PWP,,Step 2,band 8A,1,31/12/2024,,,,,,,,"
    plan = dry(session, hr, b"\xef\xbb\xbf" + csv_of(row))
    assert plan.errors == ()
    assert staff_import.parse_date("01/04/2024") == dt.date(2024, 4, 1)
    assert staff_import.parse_band("Band 5") == "5" and staff_import.parse_band("8A") == "8a"
    with pytest.raises(ValueError, match="not a real date"):
        staff_import.parse_date("31/02/2024")


def test_the_line_manager_must_hold_the_role_or_be_given_it_in_the_file(session, hr, staff):
    no_role = "2001,Amy New,amy@example.org,PWP,,Step 2,5,1,2025-01-01,,,,,,,1003,"
    plan = dry(session, hr, csv_of(no_role))
    assert [(e.row, e.column) for e in plan.errors] == [(2, "Line Manager Employee Number")]
    assert "does not have the line manager role" in plan.errors[0].problem
    given = "1003,Priya Shah,priya@example.org,PWP,,Step 2,5,1,2024-04-01,,,,,,,,line_manager"
    assert dry(session, hr, csv_of(no_role, given)).errors == ()


def test_roles_that_widen_access_are_not_given_by_an_import(session, hr, staff):
    plan = dry(session, hr, csv_of("2001,Amy New,amy@example.org,PWP,,Step 2,5,1,2025-01-01,,,,,,,,hr"))
    assert errors_of(plan) == {(2, "Roles")}


def test_an_existing_accounts_email_is_not_changed_by_an_import(session, hr, staff):
    plan = dry(session, hr, csv_of("1003,Priya Shah,priya.new@example.org,PWP,,Step 2,5,1,2024-04-01,,,,,,,,"))
    assert errors_of(plan) == {(2, "Email")}


# --- applying ----------------------------------------------------------------------------------

def test_applying_a_file_with_one_error_changes_nothing_at_all(session, hr, staff):
    bad = "2003,Bad Band,bad@example.org,PWP,,Step 2,3,1,2025-01-01,,,,,,,,"
    before = table_counts(session)
    plan = apply(session, hr, csv_of(AMY, BEN, PRIYA_BAND_6, GRACE, bad))
    session.flush()
    assert not plan.applied and errors_of(plan) == {(6, "Band")}
    assert table_counts(session) == before


def test_applying_writes_people_posts_relationships_and_employment_changes(session, hr, staff):
    before = table_counts(session)
    plan = apply(session, hr, csv_of(AMY, BEN, PRIYA_BAND_6, GRACE))
    session.commit()
    assert plan.applied
    after = table_counts(session)
    delta = {k: after[k] - before[k] for k in after if after[k] != before[k]}
    # Amy: practitioner; Ben: practitioner and supervisor. Both line-managed by Grace from today.
    assert {k: v for k, v in delta.items() if k != "audit_events"} == {
        "users": 2, "staff_profiles": 2, "posts": 2, "role_grants": 3, "working_patterns": 2,
        "staff_relationships": 2, "employment_changes": 1, "staff_imports": 1}
    amy = session.scalars(select(User).where(User.email == "amy.new@example.org")).one()
    assert amy.password_hash is None and amy.roles == frozenset({Role.PRACTITIONER})
    p = amy.profile
    assert (p.employee_number, p.band, p.pay_step, p.step_started_on, p.band_started_on, p.core_profession) == \
        ("2001", "4", 1, dt.date(2025, 9, 1), dt.date(2025, 9, 1), "Trainee PWP")
    assert p.team.name == "Step 2" and p.post.number == "P-1"
    assert [(w.wte, w.starts_on) for w in p.working_patterns] == [(Decimal("1.00"), dt.date(2025, 9, 1))]
    ben = session.scalars(select(User).where(User.email == "ben.new@example.org")).one()
    assert ben.roles == frozenset({Role.PRACTITIONER, Role.SUPERVISOR})
    assert [(w.wte, w.starts_on) for w in ben.profile.working_patterns] == [(Decimal("0.60"), dt.date(2022, 6, 1))]
    p2 = session.scalars(select(Post).where(Post.number == "P-2")).one()
    assert (p2.title, p2.band, p2.funded_wte, p2.hcas_zone, p2.team.name) == \
        ("HI therapist", "7", Decimal("1.00"), "outer-london", "Step 3")
    rels = session.scalars(select(StaffRelationship).where(
        StaffRelationship.kind == RelationshipKind.LINE_MANAGEMENT)).all()
    assert {(r.senior.full_name, r.junior.full_name, r.starts_on) for r in rels} == {
        ("Grace Whitfield", "Amy New", TODAY), ("Grace Whitfield", "Ben New", TODAY)}
    change = session.scalars(select(EmploymentChange)).one()
    assert (change.profile.user.full_name, change.band, change.previous_band, change.pay_step, change.effective_on,
            change.reason, change.recorded_by_id) == \
        ("Priya Shah", "6", "5", None, dt.date(2025, 10, 1), "Staff import esr.csv", hr.id)
    run = session.scalars(select(StaffImport)).one()
    assert (run.applied, run.created_count, run.changed_count, run.unchanged_count) == (True, 2, 1, 1)
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "staff_import_applied")).one()
    assert event.object_id == str(run.id) and event.detail["created"] == 2


def test_reimporting_the_same_file_is_all_unchanged_and_writes_only_its_record(session, hr, staff):
    data = csv_of(AMY, BEN, PRIYA_BAND_6, GRACE)
    apply(session, hr, data)
    session.commit()
    before = table_counts(session)
    plan = apply(session, hr, data)
    session.commit()
    assert plan.applied and plan.errors == ()
    assert {p.action for p in plan.people} == {"unchanged"}
    assert {p.action for p in plan.posts} == {"unchanged"}
    after = table_counts(session)
    changed = {k: after[k] - before[k] for k in after if after[k] != before[k]}
    assert changed.pop("staff_imports") == 1
    assert set(changed) <= {"audit_events"}


def test_a_changed_line_manager_ends_the_old_relationship_yesterday(session, org, hr, staff, step2):
    mark = make_user(session, organisation=org, team=step2, roles=(Role.LINE_MANAGER,), employee_number="1013",
                     full_name="Mark Ellison")
    priya = staff["priya"]
    old = make_relationship(session, senior=staff["grace"], junior=priya, kind=RelationshipKind.LINE_MANAGEMENT,
                            starts_on=dt.date(2025, 1, 1))
    session.commit()
    row = "1003,Priya Shah,priya@example.org,PWP,,Step 2,5,1,2024-04-01,,,,,,,1013,"
    plan = apply(session, hr, csv_of(row))
    assert [(c.label, c.old, c.new) for c in plan.people[0].changes] == [
        ("Line manager", "Grace Whitfield", "Mark Ellison")]
    session.commit()
    session.refresh(old)
    assert old.ends_on == TODAY - dt.timedelta(days=1)
    new = session.scalars(select(StaffRelationship).where(StaffRelationship.senior_id == mark.id)).one()
    assert (new.junior_id, new.starts_on, new.ends_on) == (priya.id, TODAY, None)


def test_a_wte_change_ends_the_current_pattern_and_starts_one_today(session, hr, staff):
    row = "1003,Priya Shah,priya@example.org,PWP,,Step 2,5,1,2024-04-01,,0.8,,,,,,"
    plan = apply(session, hr, csv_of(row))
    assert [(c.label, c.old, c.new) for c in plan.people[0].changes] == [("WTE", "1.00", "0.80")]
    session.commit()
    patterns = session.scalars(select(WorkingPattern).where(
        WorkingPattern.profile_id == staff["priya"].profile.id).order_by(WorkingPattern.starts_on)).all()
    assert [(w.wte, w.starts_on, w.ends_on) for w in patterns] == [
        (Decimal("1.00"), dt.date(2024, 4, 1), TODAY - dt.timedelta(days=1)), (Decimal("0.80"), TODAY, None)]


# --- scope and access --------------------------------------------------------------------------

def test_hr_for_one_service_imports_only_into_its_teams(session, org, service, staff):
    other = make_service(session, organisation=org, name="Other Service")
    make_team(session, service=other, name="Elsewhere")
    scoped = make_user(session, roles=((Role.HR, other),), organisation=org, profile=False)
    session.commit()
    plan = dry(session, scoped, csv_of("2001,Amy New,amy@example.org,PWP,,Step 2,5,1,2025-01-01,,,,,,,,",
                                       "2002,Eve New,eve@example.org,PWP,,Elsewhere,5,1,2025-01-01,,,,,,,,",
                                       PRIYA))
    assert errors_of(plan) == {(2, "Team"), (4, "Team")}


def test_nobody_changes_their_own_record_by_import(session, org, staff):
    grace = staff["grace"]
    session.add(RoleGrant(user=grace, role=Role.HR))
    session.commit()
    assert errors_of(dry(session, grace, csv_of(GRACE))) == {(2, "Employee Number")}


@pytest.mark.parametrize("role", [Role.SERVICE_LEAD, Role.PRACTITIONER, Role.LINE_MANAGER])
def test_only_hr_and_administrators_reach_the_import_pages(session, client, login_as, org, service, role):
    user = make_user(session, roles=((role, service) if role is Role.SERVICE_LEAD else role,), organisation=org)
    session.commit()
    login_as(user)
    for url in ("/staff/import", "/staff/import/history", "/staff/import/template.csv"):
        assert client.get(url).status_code == 403


# --- the pages ---------------------------------------------------------------------------------

def test_upload_shows_the_dry_run_and_apply_imports_the_same_file(session, client, login_as, hr, staff):
    login_as(hr)
    data = csv_of(AMY, PRIYA_BAND_6)
    response = client.submit("/staff/import", {"file": (io.BytesIO(data), "esr.csv")},
                             content_type="multipart/form-data")
    assert response.status_code == 302
    check_url = response.headers["Location"]
    assert re.fullmatch(r"/staff/import/[0-9a-f]{64}", check_url)
    html = client.get(check_url).get_data(as_text=True)
    assert "Amy New" in html and "Band: 5 → 6" in html and "Apply this import" in html
    assert session.scalar(select(func.count()).select_from(User).where(User.email == "amy.new@example.org")) == 0
    response = client.submit(check_url + "/apply", form_url=check_url)
    assert response.status_code == 302 and response.headers["Location"] == "/staff/import/history"
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(User).where(User.email == "amy.new@example.org")) == 1
    history = client.get("/staff/import/history").get_data(as_text=True)
    assert "esr.csv" in history and "Applied" in history
    # The kept file is gone once applied.
    assert client.get(check_url).status_code == 404


def test_an_upload_with_row_errors_shows_them_and_offers_no_apply(session, client, login_as, hr, staff):
    login_as(hr)
    data = csv_of("2001,Amy New,amy@example.org,PWP,,Step 2,10,1,2025-01-01,,,,,,,,")
    response = client.submit("/staff/import", {"file": (io.BytesIO(data), "bad.csv")},
                             content_type="multipart/form-data")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Band 10 is outside the bands" in html and "Apply this import" not in html


def test_a_bad_header_is_shown_beside_the_file_field(session, client, login_as, hr, staff):
    login_as(hr)
    response = client.submit("/staff/import", {"file": (io.BytesIO(b"Name\nx\n"), "x.csv")},
                             content_type="multipart/form-data")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "There is a problem" in html and "missing required columns" in html


def test_someone_else_cannot_apply_a_file_another_person_checked(session, app, client, login_as, org, hr, staff):
    login_as(hr)
    response = client.submit("/staff/import", {"file": (io.BytesIO(csv_of(AMY)), "esr.csv")},
                             content_type="multipart/form-data")
    check_url = response.headers["Location"]
    other_hr = make_user(session, roles=(Role.HR,), organisation=org, profile=False)
    session.commit()
    other = app.test_client()
    assert other.submit("/login", {"email": other_hr.email, "password": PASSWORD}).status_code == 302
    assert other.get(check_url).status_code == 404


def test_the_check_page_does_not_query_per_row(session, client, login_as, hr, staff, count_queries):
    login_as(hr)

    def rows(n):
        return [f"{5000 + i},Person {i},p{i}@example.org,PWP,,Step 2,5,1,2025-01-01,,,P-{i % 3},PWP,,,1006,"
                for i in range(n)]

    counts = []
    for n in (3, 30):
        response = client.submit("/staff/import", {"file": (io.BytesIO(csv_of(*rows(n))), "f.csv")},
                                  content_type="multipart/form-data")
        with count_queries() as q:
            assert client.get(response.headers["Location"]).status_code == 200
        counts.append(q.count)
    assert counts[0] == counts[1]


# --- the command line --------------------------------------------------------------------------

def test_cli_dry_run_then_apply(app, session, hr, staff, tmp_path):
    path = tmp_path / "esr.csv"
    path.write_bytes(csv_of(AMY, PRIYA_BAND_6))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["staff", "import", str(path), "--as", "HR@example.org", "--today", "2026-01-15"])
    assert result.exit_code == 0, result.output
    assert "Row 2: create 2001 Amy New" in result.output and "Dry run, nothing changed" in result.output
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(StaffProfile)) == 2
    result = runner.invoke(args=["staff", "import", str(path), "--apply", "--as", "hr@example.org",
                                 "--today", "2026-01-15"])
    assert result.exit_code == 0, result.output
    assert "Imported: esr.csv: 1 created, 1 changed, 0 unchanged" in result.output
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(StaffProfile)) == 3


def test_cli_exits_1_listing_row_errors_and_imports_nothing(app, session, hr, staff, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_of(AMY, "2003,Bad Date,bad@example.org,PWP,,Step 2,5,1,1st May,,,,,,,,"))
    result = app.test_cli_runner().invoke(args=["staff", "import", str(path), "--apply", "--as", "hr@example.org"])
    assert result.exit_code == 1
    assert "Row 3, Step Start Date: Enter the date as YYYY-MM-DD or DD/MM/YYYY" in result.output
    assert "1 problem in bad.csv; nothing was imported" in result.output
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(User).where(User.email == "amy.new@example.org")) == 0


def test_cli_refuses_someone_who_may_not_import(app, session, staff, tmp_path):
    path = tmp_path / "esr.csv"
    path.write_bytes(csv_of(AMY))
    result = app.test_cli_runner().invoke(args=["staff", "import", str(path), "--as", "priya@example.org"])
    assert result.exit_code == 1 and "not an active HR officer" in result.output


# --- the sample file ---------------------------------------------------------------------------

def test_the_sample_file_imports_cleanly_into_the_demo_organisation_in_a_dry_run(session):
    load_demo(session, TEST_SETTINGS, today=TODAY)
    joanne = session.scalars(select(User).where(User.email.startswith("joanne."))).one()
    plan = dry(session, joanne, SAMPLE.read_bytes(), name=SAMPLE.name)
    assert plan.errors == (), plan.errors
    # Six new starters in five posts (Fatima and Jack share NTT-2403), managed by Grace, Mark and Megan.
    assert plan.counts["rows"] == 6 and plan.counts["created"] + plan.counts["changed"] == 6
    assert len(plan.posts) == 5


# --- review fixes ------------------------------------------------------------------------------

def _post(session, *, number, team, band="6", hcas_zone="none", holder=None):
    post = Post(organisation_id=team.service.organisation_id, number=number, title="Senior PWP", team=team,
                band=band, funded_wte=Decimal("1.00"), hcas_zone=hcas_zone)
    session.add(post)
    if holder is not None:
        holder.profile.post = post
    session.flush()
    return post


def test_an_hr_officer_cannot_name_themselves_as_someones_line_manager(session, org, staff):
    grace = staff["grace"]  # line manager, and now HR too
    session.add(RoleGrant(user=grace, role=Role.HR))
    session.commit()
    plan = dry(session, grace, csv_of(AMY))  # Amy's line manager: 1006, Grace herself
    assert errors_of(plan) == {(2, "Line Manager Employee Number")}
    assert "You cannot name yourself as a line manager" in plan.errors[0].problem


def test_an_administrator_may_name_themselves_as_a_line_manager(session, org, staff, step2):
    admin = make_user(session, organisation=org, team=step2, roles=(Role.ADMIN, Role.LINE_MANAGER),
                      employee_number="1099", full_name="Ada Admin")
    session.commit()
    plan = dry(session, admin, csv_of("2001,Amy New,amy@example.org,PWP,,Step 2,5,1,2025-01-01,,,,,,,1099,"))
    assert plan.errors == ()


def test_an_import_cannot_change_a_post_the_importing_hr_officer_holds(session, org, staff, step2):
    hr = make_user(session, organisation=org, team=step2, roles=(Role.HR,), employee_number="1050",
                   full_name="Helen HR", band="6", pay_step=1)
    _post(session, number="P-HR", team=step2, holder=hr)
    session.commit()
    # Priya is placed in Helen's post and the post moved to Outer London: Helen's own pay would rise.
    raise_own_pay = "1003,Priya Shah,priya@example.org,PWP,,Step 2,5,1,2024-04-01,,,P-HR,,,Outer London,,"
    plan = dry(session, hr, csv_of(raise_own_pay))
    assert errors_of(plan) == {(2, "Position Number")}
    assert "You hold position P-HR" in plan.errors[0].problem
    # Naming the post without changing it is fine.
    same = "1003,Priya Shah,priya@example.org,PWP,,Step 2,5,1,2024-04-01,,,P-HR,,,,,"
    assert dry(session, hr, csv_of(same)).errors == ()


def test_an_administrator_may_change_a_post_they_hold(session, org, staff, step2):
    admin = make_user(session, organisation=org, team=step2, roles=(Role.ADMIN,), employee_number="1051", band="6")
    _post(session, number="P-AD", team=step2, holder=admin)
    session.commit()
    row = "1003,Priya Shah,priya@example.org,PWP,,Step 2,5,1,2024-04-01,,,P-AD,,,Outer London,,"
    assert dry(session, admin, csv_of(row)).errors == ()


def test_row_errors_never_name_or_reveal_accounts_of_another_organisation(session, hr, staff):
    other_org = make_organisation(session, name="Other Trust")
    make_user(session, organisation=other_org, email="victim@other.example", full_name="Secret Victim",
              employee_number="7000")
    session.commit()
    plan = dry(session, hr, csv_of(
        "1003,Priya Shah,victim@other.example,PWP,,Step 2,5,1,2024-04-01,,,,,,,,",   # 2: their e-mail, our Priya
        "2001,Amy New,victim@other.example,PWP,,Step 2,5,1,2024-04-01,,,,,,,,",      # 3: their e-mail, a new person
        "7000,Nat New,nat@example.org,PWP,,Step 2,5,1,2024-04-01,,,,,,,,",           # 4: their employee number
        "1006,Grace Whitfield,priya@example.org,Senior PWP,,Step 2,6,3,2024-04-01,,,,,,,,"))  # 5: same organisation
    problems = {(e.row, e.column): e.problem for e in plan.errors}
    assert problems[(2, "Email")] == "This e-mail address is already used by another account"
    assert problems[(3, "Email")] == "This e-mail address is already used by another account"
    assert problems[(4, "Employee Number")] == "This employee number is already used by another account"
    # Within the organisation the account is named, as before.
    assert problems[(5, "Email")] == "This e-mail address belongs to another account (Priya Shah)"
    text = " ".join(problems.values())
    assert "Secret Victim" not in text and "organisation" not in text


def test_import_history_of_service_scoped_hr_shows_only_their_own_runs(session, org, service, hr, staff):
    scoped = make_user(session, roles=((Role.HR, service),), organisation=org, profile=False)
    admin = make_user(session, roles=(Role.ADMIN,), organisation=org, profile=False)
    other_org = make_organisation(session, name="Other Trust")
    elsewhere = make_user(session, roles=(Role.HR,), organisation=other_org, profile=False)
    session.commit()
    dry(session, hr, csv_of(GRACE), name="by-hr.csv")
    dry(session, scoped, csv_of(GRACE), name="by-scoped.csv")
    dry(session, elsewhere, csv_of(GRACE), name="elsewhere.csv")
    session.commit()

    def files(actor):
        return sorted(run.file_name for run, _ in session.execute(staff_import.history(session, actor)))

    assert files(scoped) == ["by-scoped.csv"]
    assert files(hr) == files(admin) == ["by-hr.csv", "by-scoped.csv"]


def test_the_history_page_of_service_scoped_hr_lists_only_their_own_runs(session, client, login_as, org, service,
                                                                         hr, staff):
    scoped = make_user(session, roles=((Role.HR, service),), organisation=org, profile=False)
    session.commit()
    dry(session, hr, csv_of(GRACE), name="by-hr.csv")
    session.commit()
    login_as(scoped)
    html = client.get("/staff/import/history").get_data(as_text=True)
    assert "by-hr.csv" not in html


def test_a_blank_position_band_keeps_an_existing_posts_band(session, hr, staff, step2):
    post = _post(session, number="P-5", team=step2, band="6", holder=staff["grace"])
    session.commit()
    # Priya (band 5) joins Grace's band 6 post; Position Band blank.
    plan = apply(session, hr, csv_of("1003,Priya Shah,priya@example.org,PWP,,Step 2,5,1,2024-04-01,,,P-5,,,,,"))
    assert plan.errors == () and [p.action for p in plan.posts] == ["unchanged"]
    session.commit()
    session.refresh(post)
    assert post.band == "6"


def test_holders_of_different_bands_may_share_a_post_when_position_band_is_blank(session, hr, staff):
    plan = apply(session, hr, csv_of(
        "1003,Priya Shah,priya@example.org,PWP,,Step 2,5,1,2024-04-01,,,P-7,PWP,,,,",
        "1006,Grace Whitfield,grace@example.org,Senior PWP,,Step 2,6,3,2024-04-01,,,P-7,,,,,"))
    assert plan.errors == ()
    session.commit()
    # A new post with no Position Band takes the band of the first row naming it.
    assert session.scalars(select(Post).where(Post.number == "P-7")).one().band == "5"


def test_a_stated_position_band_still_must_agree_across_rows(session, hr, staff):
    header = HEADER + ",Position Band"
    plan = dry(session, hr, "\n".join((
        header, "1003,Priya Shah,priya@example.org,PWP,,Step 2,5,1,2024-04-01,,,P-7,PWP,,,,,6",
        "1006,Grace Whitfield,grace@example.org,Senior PWP,,Step 2,6,3,2024-04-01,,,P-7,,,,,,7")).encode())
    assert errors_of(plan) == {(3, "Position Band")}


def test_step_and_band_start_dates_in_the_future_are_refused(session, hr, staff):
    plan = dry(session, hr, csv_of(
        "1003,Priya Shah,priya@example.org,PWP,,Step 2,5,2,2026-01-16,,,,,,,,",       # step starts tomorrow
        "1006,Grace Whitfield,grace@example.org,Senior PWP,,Step 2,6,3,15/01/2026,16/01/2026,,,,,,,",  # band tomorrow
        "2001,Amy New,amy@example.org,PWP,,Step 2,5,1,15/01/2026,,,,,,,,"))           # today is fine
    problems = {(e.row, e.column): e.problem for e in plan.errors}
    assert set(problems) == {(2, "Step Start Date"), (3, "Band Start Date")}
    assert problems[(2, "Step Start Date")] == ("16 January 2026 is a date in the future: import changes on or "
                                                "after the day they take effect")


@pytest.mark.parametrize("text, band", [("Band 8 - Range A", "8a"), ("Band 8 - Range B", "8b"),
                                        ("band 8-range c", "8c"), ("Band 8 – Range D", "8d"), ("8 Range A", "8a")])
def test_the_esr_band_spelling_with_a_range_is_read(text, band):
    assert staff_import.parse_band(text) == band


def test_the_esr_range_spelling_is_refused_for_other_bands():
    with pytest.raises(ValueError, match="Unknown band"):
        staff_import.parse_band("Band 5 - Range A")


def test_an_esr_range_band_imports(session, hr, staff):
    plan = dry(session, hr, csv_of('2001,Amy New,amy@example.org,Principal,,Step 3,"Band 8 - Range A",1,2025-01-01,'
                                   ',,,,,,,'))
    assert plan.errors == ()
    assert ("Band", "", "8a") in {(c.label, c.old, c.new) for c in plan.people[0].changes}


def test_the_import_service_is_split_into_modules_of_under_400_lines():
    services = Path(staff_import.__file__).parent
    modules = sorted(services.glob("staff_import*.py"))
    assert len(modules) > 1
    assert {m.name: len(m.read_text().splitlines()) < 400 for m in modules} == {m.name: True for m in modules}
