"""Every list and dashboard page runs the same number of SQL queries whatever the amount of data (issue 9).

Two synthetic Trusts (app.services.synthetic, topped up by `_extras` with the records the generator does not
write) are built one after the other in the same database: a small one and a larger one, with more staff and
more years of logs. Each page in PAGES is fetched in both by the same kind of viewer, once to warm the caches
and once counted; its query count must be the same in both, and the larger Trust's page must show more rows
(so a page that lists nothing cannot pass). `test_every_get_endpoint_is_checked_or_excluded` makes sure that a
new page is added to PAGES or, with a reason, to EXCLUDED.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
import secrets
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, url_for
from sqlalchemy import event, func, select, update
from sqlalchemy.orm import Session

from app import create_app
from app.config import evidence_dir
from app.services import passwords
from app.services.synthetic import domain_for, generate
from app.services import job_kinds
from competences.credentials import KINDS_BY_ID
from models import (EmploymentChange, OutboxMail, ProfessionalRegistration, RelationshipKind, Role, RoleGrant, SkillRecord,
                    SkillTarget, StaffProfile, StaffRelationship, SupervisionSession, Team, User)
from models.countersigning import CountersignStatus, SupervisionContract
from models.jobs import Job, JobStatus
from models.ksa import ExperienceKind, KsaExperience, KsaPortfolio, KsaStudy, ReferenceKind, ReferenceRequest
from models.outside_links import LinkPurpose, OutsideLink
from models.supervisor_work import (FeedbackInvitee, FeedbackRequest, OutsideSupervisionGiven, SupervisionTraining,
                                    SupervisorReport)
from models.training import CtsrRating, TrainingCourse
from tests.conftest import TEST_DATABASE_URL, _reset_postgres
from tests.factories import PASSWORD

TODAY = dt.date.today()
#: (staff, years, extras per person) of the two Trusts; the small one still has a second page of staff (50 a page).
SMALL = (55, 1, 2)
LARGE = (130, 2, 6)
ORGANISATION = "Query Count Trust"
#: Modalities for the skill records and targets (competences' skill vocabulary).
SKILLS = ("cbt", "emdr", "ipt", "counselling-for-depression", "dit", "couple-therapy-depression")


# --- who looks at what ----------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class People:
    """The users a world's pages are viewed by and about, chosen as those with the most records of each kind."""
    ids: dict[str, int]
    service_id: int
    team_id: int


def _most(session: Session, column: Any, *where: Any) -> int:
    row = session.execute(select(column, func.count()).where(*where).group_by(column)
                          .order_by(func.count().desc(), column).limit(1)).first()
    assert row is not None, str(column)
    return int(row[0])


def _people(session: Session, org_id: int) -> People:
    domain = domain_for(ORGANISATION)
    in_org = select(User.id).where(User.organisation_id == org_id)
    current = (StaffRelationship.ends_on.is_(None)) | (StaffRelationship.ends_on >= TODAY)
    owner = _most(session, SupervisionSession.supervisee_id, SupervisionSession.supervisee_id.in_(in_org),
                  SupervisionSession.deleted_at.is_(None))
    ids = {
        "hr": session.scalar(select(User.id).where(User.email == f"hr@{domain}")),
        "admin": session.scalar(select(User.id).where(User.email == f"admin@{domain}")),
        "lead": session.scalar(select(RoleGrant.user_id).where(RoleGrant.role == Role.SERVICE_LEAD,
                                                                RoleGrant.user_id.in_(in_org))
                               .order_by(RoleGrant.user_id).limit(1)),
        "owner": owner,
        "rated": _most(session, CtsrRating.owner_id, CtsrRating.owner_id.in_(in_org)),
        "owner_sup": session.scalar(select(StaffRelationship.senior_id).where(
            StaffRelationship.junior_id == owner, StaffRelationship.kind == RelationshipKind.SUPERVISION, current)
            .order_by(StaffRelationship.id).limit(1)),
        "sup": _most(session, StaffRelationship.senior_id, StaffRelationship.kind == RelationshipKind.SUPERVISION,
                     current, StaffRelationship.senior_id.in_(in_org)),
        "lm": _most(session, StaffRelationship.senior_id,
                    StaffRelationship.kind == RelationshipKind.LINE_MANAGEMENT, current,
                    StaffRelationship.senior_id.in_(in_org)),
    }
    assert all(ids.values()), ids
    team_id = _most(session, StaffProfile.team_id, StaffProfile.user_id.in_(in_org), StaffProfile.team_id.is_not(None))
    service_id = session.scalar(select(Team.service_id).where(Team.id == team_id))
    assert service_id is not None
    return People(ids, service_id, team_id)


# --- the pages ------------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class PageSpec:
    endpoint: str
    #: Who fetches the page (a key of People.ids).
    viewer: str
    #: Whose page it is (user_id in the URL), if anyone's.
    subject: str | None = None
    #: Further URL values: query arguments, or path arguments from the world (see `_url`).
    values: dict[str, Any] = dataclasses.field(default_factory=dict)


PAGES: dict[str, PageSpec] = {}


def page(name: str, endpoint: str | None = None, /, *, viewer: str, subject: str | None = None, **values: Any) -> None:
    assert name not in PAGES, name
    PAGES[name] = PageSpec(endpoint or name, viewer, subject, values)


# Role home pages (dashboards).
page("home.practitioner", viewer="owner")
page("home.supervisor", viewer="sup")
page("home.line_manager", viewer="lm")
page("home.service_lead", viewer="lead")
page("home.hr", viewer="hr")
page("home.admin", viewer="admin")
# A practitioner's own portfolio.
for endpoint in ("portfolio.dashboard", "portfolio.cpd", "portfolio.supervision", "portfolio.supervision_summary",
                 "portfolio.cases", "portfolio.contacts", "portfolio.evidence", "portfolio.credentials",
                 "portfolio.frameworks", "portfolio.training", "portfolio.ksa", "portfolio.ksa_documents",
                 "portfolio.ksa_experience", "portfolio.ksa_study", "portfolio.ksa_references",
                 "portfolio.levels_index", "portfolio.reports", "portfolio.contracts", "documents.person_documents",
                 "people.profile", "outside.supervision_links"):
    page(endpoint, viewer="owner", subject="owner")
page("portfolio.ctsr", viewer="rated", subject="rated")
page("portfolio.framework_coverage", viewer="owner", subject="owner", framework_id="iapt-competence-areas")
# The same person's records seen by their supervisor.
page("portfolio.dashboard@supervisor", "portfolio.dashboard", viewer="owner_sup", subject="owner")
page("portfolio.supervision@supervisor", "portfolio.supervision", viewer="owner_sup", subject="owner")
page("portfolio.countersign_list", viewer="owner_sup", subject="owner")
# A supervisor's own work.
page("portfolio.supervision_given", viewer="sup", subject="sup")
for endpoint in ("portfolio.given_outside", "portfolio.supervisor_training", "portfolio.feedback"):
    page(endpoint, viewer="owner_sup", subject="owner_sup")
page("portfolio.feedback_asked", viewer="owner", subject="owner")
# HR, line managers and service leads.
page("staff.directory", viewer="hr")
page("staff.directory@lead", "staff.directory", viewer="lead")
page("staff.directory@line_manager", "staff.directory", viewer="lm")
page("staff.directory@filtered", "staff.directory", viewer="hr", band="5")
page("staff.directory@page2", "staff.directory", viewer="hr", page=2)
page("staff.dashboard", viewer="hr")
page("staff.dashboard@lead", "staff.dashboard", viewer="lead")
page("staff.dashboard_people", viewer="hr", section="establishment", key="band-5")
page("staff.posts", viewer="hr")
page("staff.progression_round", viewer="hr")
page("staff.progression_round@line_manager", "staff.progression_round", viewer="lm")
page("staff.progression_decisions", viewer="hr")
page("staff.person_progression", viewer="hr", subject="owner")
page("staff.employment", viewer="hr", subject="owner")
page("staff.skills", viewer="owner", subject="owner")
page("staff.skill_mix", viewer="lead", service_id="service")
page("staff.skill_targets", viewer="lead", service_id="service")
page("staff.import_history", viewer="hr")
page("leavers.leaver_list", viewer="hr")
page("jobs.index", viewer="owner")
# Administration.
page("admin.accounts", viewer="admin")
page("admin.audit", viewer="admin")
page("admin.outbox", viewer="admin")
page("admin.relationships", viewer="admin")
page("admin.organisation", viewer="admin")
page("admin.service", viewer="admin", service_id="service")
page("admin.team", viewer="admin", team_id="team")

#: GET endpoints that are not lists or dashboards, each with the reason.
EXCLUDED: dict[str, str] = {}


def exclude(reason: str, *endpoints: str) -> None:
    for e in endpoints:
        assert e not in EXCLUDED, e
        EXCLUDED[e] = reason


exclude("public, or static files: no data of the Trust", "static", "assets.nhsuk_assets", "assets.nhsuk_dist",
        "health.health", "verify.verify", "auth.login", "auth.forgot_password", "auth.reset_password",
        "outside.done", "outside.link")
exclude("sends the viewer to their role's home page (each home page is checked)", "home.index")
exclude("course tutors' home: the synthetic Trust has no course tutors", "home.tutor")
exclude("a form (new, edit, delete or settings): one record or none",
        "auth.change_password", "admin.account_new", "admin.account_profile", "admin.relationship_new",
        "admin.relationship_edit", "admin.reference_data_upload", "jobs.personal_data",
        "portfolio.case_edit", "portfolio.case_new", "portfolio.claim_edit", "portfolio.claim_new",
        "portfolio.claim_review", "portfolio.contact_edit", "portfolio.contact_new", "portfolio.contract_edit",
        "portfolio.contract_new", "portfolio.countersign_rating", "portfolio.countersign_session",
        "portfolio.cpd_edit", "portfolio.cpd_new", "portfolio.credential_delete", "portfolio.credential_edit",
        "portfolio.credential_evidence", "portfolio.credential_new", "portfolio.ctsr_edit", "portfolio.ctsr_new",
        "portfolio.evidence_edit", "portfolio.evidence_new", "portfolio.feedback_answer",
        "portfolio.given_outside_edit", "portfolio.given_outside_new", "portfolio.ksa_biography_edit",
        "portfolio.ksa_experience_edit", "portfolio.ksa_experience_new", "portfolio.ksa_reference_new",
        "portfolio.ksa_route_form", "portfolio.ksa_study_edit", "portfolio.ksa_study_new", "portfolio.level_rate",
        "portfolio.live_assessment_edit", "portfolio.live_assessment_new", "portfolio.nmc_account_edit",
        "portfolio.nmc_account_new", "portfolio.nmc_discussion_edit", "portfolio.nmc_discussion_new",
        "portfolio.nmc_feedback_edit", "portfolio.nmc_feedback_new", "portfolio.nmc_practice_edit",
        "portfolio.nmc_practice_new", "portfolio.notification_settings", "portfolio.report_new",
        "portfolio.supervision_edit", "portfolio.supervision_new", "portfolio.supervisor_training_edit",
        "portfolio.supervisor_training_new", "portfolio.training_edit", "portfolio.training_new",
        "portfolio.training_part_edit", "portfolio.training_part_new", "documents.document_options",
        "outside.write_reference", "staff.employment_change", "staff.import_upload", "staff.import_check",
        "staff.post_edit", "staff.post_new", "staff.progression_appraisal", "staff.progression_correct",
        "staff.progression_decide", "staff.progression_standing", "staff.skill_delete", "staff.skill_edit",
        "staff.skill_new")
exclude("a form that starts a job", "documents.bulk")
exclude("one record's page", "admin.account", "admin.outbox_mail", "jobs.show", "portfolio.case_entry",
        "portfolio.claim", "portfolio.cpd_entry", "portfolio.ctsr_entry", "portfolio.evidence_item",
        "portfolio.supervision_entry", "portfolio.training_course", "portfolio.ksa_biography")
exclude("a file download, preview or JSON progress", "admin.reference_data_download", "jobs.download",
        "jobs.progress_json", "portfolio.evidence_download", "portfolio.evidence_preview",
        "staff.import_template", "leavers.personal_data")
exclude("reference data (pay scales, frameworks): the catalogue's files, not the Trust's records",
        "admin.reference_data", "admin.reference_data_file", "admin.reference_data_version")
exclude("records the synthetic Trust has none of (NMC revalidation, PWP live assessments, level ratings, items "
        "shared with HR), so no larger world to compare",
        "portfolio.nmc", "portfolio.live_assessments", "portfolio.levels", "portfolio.evidence_shared")


# --- building and measuring a world ---------------------------------------------------------------------

@dataclasses.dataclass
class Measured:
    status: int
    queries: int
    rows: int
    statements: list[str]


_ROW = re.compile(r"<tr[\s>]|<li[\s>]|nhsuk-summary-list__row|nhsuk-tag")
#: A pager's or table caption's total ("57 accounts, page 1 of 2."), for lists longer than a page.
_TOTAL = re.compile(r">\s*([\d,]+) [a-z][a-z ]*(?:, page \d+ of \d+)?\.?\s*</(?:p|caption)>")


def _rows(html: str) -> int:
    """Table rows, list items, summary-list rows and status tags, plus the totals of paged lists: whatever a page
    lists, it lists in one of these."""
    return len(_ROW.findall(html)) + sum(int(t.replace(",", "")) for t in _TOTAL.findall(html))


def _url(app: Flask, spec: PageSpec, people: People) -> str:
    values = {k: {"service": people.service_id, "team": people.team_id}.get(v, v) if isinstance(v, str) else v
              for k, v in spec.values.items()}
    if spec.subject is not None:
        values["user_id"] = people.ids[spec.subject]
    with app.test_request_context():
        return url_for(spec.endpoint, **values)


def _sign_in(app: Flask, email: str) -> Any:
    client = app.test_client()
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert token, "no CSRF token on /login"
    response = client.post("/login", data={"csrf_token": token.group(1), "email": email, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


def _fetch(client: Any, url: str) -> Any:
    response = client.get(url)
    response.get_data()
    response.close()
    return response


def _measure_world(migrated_template: str, tmp: Path, name: str, size: tuple[int, int, int]) -> dict[str, Measured]:
    staff, years, extras = size
    if TEST_DATABASE_URL:
        _reset_postgres(migrated_template)
        url = migrated_template
    else:
        shutil.copy(migrated_template, tmp / f"{name}.db")
        url = f"sqlite:///{tmp / f'{name}.db'}"
    app = create_app({"ENV_NAME": "testing", "TESTING": True, "DATABASE_URL": url,
                      "UPLOAD_DIR": str(tmp / name / "uploads")}, instance_path=tmp / name / "instance")
    engine = app.extensions["waymark.engine"]
    try:
        session = app.extensions["waymark.sessions"]()
        generated = generate(session, staff=staff, years=years, seed=9, organisation=ORGANISATION,
                             store_dir=evidence_dir(app.config), password=PASSWORD, argon2_profile="cheapest",
                             today=TODAY)
        session.execute(update(User).values(password_hash=passwords.hash_password(PASSWORD, "cheapest")))
        people = _people(session, generated.organisation_id)
        _extras(session, people, extras)
        session.commit()
        emails = {user_id: email for user_id, email in session.execute(select(User.id, User.email))}
        session.close()
        clients: dict[str, Any] = {}
        results: dict[str, Measured] = {}
        for key, spec in PAGES.items():
            viewer = people.ids[spec.viewer]
            if viewer not in clients:
                clients[viewer] = _sign_in(app, emails[viewer])
            client, url = clients[viewer], _url(app, spec, people)
            _fetch(client, url)
            statements: list[str] = []

            def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
                statements.append(statement)

            event.listen(engine, "before_cursor_execute", count)
            try:
                response = _fetch(client, url)
            finally:
                event.remove(engine, "before_cursor_execute", count)
            results[key] = Measured(response.status_code, len(statements), _rows(response.get_data(as_text=True)),
                                    statements)
        return results
    finally:
        worker = app.extensions.get("waymark.jobs")
        if worker is not None:
            assert worker.wait(300), "a background job was still running"
        engine.dispose()


def _extras(session: Session, people: People, n: int) -> None:
    """Records the generator does not write, n of each (more in the larger world) for the people whose pages list
    them; written as rows, since only the pages reading them are under test here."""
    ids = people.ids
    owner, sup = session.get(User, ids["owner"]), ids["owner_sup"]
    assert owner is not None and owner.profile is not None
    org_id, profile_id = owner.organisation_id, owner.profile.id
    day = TODAY - dt.timedelta(days=40)
    now = dt.datetime.now(dt.timezone.utc)
    named = set(ids.values())
    others = [u for u in session.scalars(select(User).join(StaffProfile).where(
        User.organisation_id == org_id, User.id.not_in(named)).order_by(User.id))]
    relationship = session.scalars(select(StaffRelationship).where(
        StaffRelationship.junior_id == owner.id, StaffRelationship.senior_id == sup,
        StaffRelationship.kind == RelationshipKind.SUPERVISION).order_by(StaffRelationship.id).limit(1)).one()
    session.add(KsaPortfolio(owner_id=owner.id, started_on=day))
    held = {r.kind for r in owner.profile.registrations}
    kinds = [k for k in KINDS_BY_ID.values() if k.id not in held]
    for i in range(n):
        start = day + dt.timedelta(days=i)
        session.add_all([
            OutboxMail(to_address=others[i].email, subject=f"Message {i}", body="Hello"),
            Job(kind=job_kinds.PERSONAL_DATA, title=f"Export {i}", organisation_id=org_id, requested_by_id=owner.id,
                status=JobStatus.DONE, total=1, done=1),
            OutsideLink(owner_id=owner.id, purpose=LinkPurpose.CONFIRM_SUPERVISION, session_ids=[],
                        recipient_name=f"Outside supervisor {i}", token_hash=secrets.token_hex(32),
                        expires_at=now + dt.timedelta(days=7)),
            SupervisionContract(relationship_id=relationship.id, kind=relationship.supervision_kind,
                                minutes_per_month=60, starts_on=start),
            ProfessionalRegistration(profile_id=profile_id, regulator=kinds[i].bodies[0],
                                     credential_type=kinds[i].type.value, kind=kinds[i].id,
                                     registration_number=f"PYL{i:05d}", registered_on=start,
                                     renewal_due_on=TODAY + dt.timedelta(days=300 + i), status="current"),
            OutsideSupervisionGiven(owner_id=sup, given_on=start, minutes=60, setting=f"Practice {i}"),
            SupervisionTraining(owner_id=sup, title=f"Supervision course {i}", start_on=start, end_on=start,
                                minutes=360),
            KsaExperience(owner_id=owner.id, kind=list(ExperienceKind)[0], organisation=f"Employer {i}",
                          role_title="Support worker", started_on=start, hours_per_week=Decimal("10")),
            KsaStudy(owner_id=owner.id, started_on=start, ended_on=start, topic=f"Reading {i}", minutes=120),
            ReferenceRequest(owner_id=owner.id, kind=ReferenceKind.REFERENCE, criteria=[],
                             referee_name=f"Referee {i}", referee_email=f"referee{i}@example.org"),
            SupervisorReport(supervisee_id=owner.id, supervisor_id=sup, written_on=start, period_from=start,
                             period_to=start, caseload="c", competence="c", recommendation="continue"),
            TrainingCourse(owner_id=owner.id, title=f"Course {i}", kind="pg_dip_hi_cbt", started_on=start),
            EmploymentChange(profile_id=profile_id, post_id=owner.profile.post_id,
                             previous_post_id=owner.profile.post_id, effective_on=start, pay_step=1,
                             reason="pay_step", recorded_by_id=ids["hr"]),
            CtsrRating(owner_id=ids["rated"], rated_on=start, recording_ref=f"R{i:04d}", rater_role="self",
                       scores={}, total=30 + i, passed=False, pass_mark_used=36),
            SkillRecord(profile_id=profile_id, category="modality", code=SKILLS[i], started_on=start),
            SkillTarget(service_id=people.service_id, category="modality", code=SKILLS[i], minimum=1,
                        set_by_id=ids["lead"]),
            StaffRelationship(kind=RelationshipKind.LINE_MANAGEMENT, senior_id=ids["lm"], junior_id=others[i].id,
                              starts_on=start, created_by_id=ids["hr"]),
        ])
        request = FeedbackRequest(supervisor_id=sup, requested_on=start, anonymous=False)
        session.add(request)
        session.flush()
        session.add(FeedbackInvitee(request_id=request.id, supervisee_id=owner.id))
        others[-1 - i].left_on = TODAY - dt.timedelta(days=i + 1)
    # Sessions waiting for the supervisor's countersignature.
    waiting = select(SupervisionSession.id).where(
        SupervisionSession.supervisee_id == owner.id, SupervisionSession.supervisor_id == sup,
        SupervisionSession.deleted_at.is_(None)).order_by(SupervisionSession.occurred_on.desc()).limit(n)
    session.execute(update(SupervisionSession).where(SupervisionSession.id.in_(waiting))
                    .values(countersign_status=CountersignStatus.AWAITING))
    session.flush()


@pytest.fixture(scope="module")
def measured(migrated_template: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Measured]]:
    tmp = tmp_path_factory.mktemp("query-counts")
    return {name: _measure_world(migrated_template, tmp, name, size)
            for name, size in (("small", SMALL), ("large", LARGE))}


# --- the checks -----------------------------------------------------------------------------------------

def test_every_get_endpoint_is_checked_or_excluded() -> None:
    app = create_app({"ENV_NAME": "testing", "TESTING": True, "DATABASE_URL": "sqlite://"})
    gets = {r.endpoint for r in app.url_map.iter_rules() if "GET" in (r.methods or ())}
    checked = {spec.endpoint for spec in PAGES.values()}
    assert sorted(gets - checked - set(EXCLUDED)) == [], "add these pages to PAGES, or to EXCLUDED with a reason"
    assert sorted((checked | set(EXCLUDED)) - gets) == [], "no such endpoint"
    assert not checked & set(EXCLUDED)


def _diff(small: list[str], large: list[str]) -> str:
    """The statements the larger world ran more often: the N+1 to look for."""
    counts: dict[str, int] = {}
    for s in large:
        counts[s] = counts.get(s, 0) + 1
    for s in small:
        counts[s] = counts.get(s, 0) - 1
    grown = sorted(((c, s) for s, c in counts.items() if c > 0), reverse=True)
    return "\n".join(f"+{c}: {' '.join(s.split())[:300]}" for c, s in grown[:5])


#: Pages whose rows are fixed by a framework, a calendar or a form (every item of a competence framework, the last 12
#: months), so "more rows" cannot show that the larger world's data reached them; their query counts are still
#: compared.
FIXED_ROWS: dict[str, str] = {
    "portfolio.frameworks": "one row per framework",
    "portfolio.framework_coverage": "one row per framework item",
    "portfolio.levels_index": "one row per framework",
    "portfolio.ksa": "one row per KSA section",
    "portfolio.ksa_documents": "one row per KSA document",
    "portfolio.supervision_summary": "one row per month",
    "documents.person_documents": "one row per document kind",
    "staff.import_history": "the synthetic Trust has no imports",
    "staff.person_progression": "one row per progression standard",
    "staff.progression_round": "people due this month: the same few in both worlds",
    "staff.progression_round@line_manager": "people due this month: the same few in both worlds",
    "staff.directory@line_manager": "the line manager's team: twelve in both worlds",
}
#: Pages whose query count does grow with the data: page -> the function to fix (reported to the lead).
KNOWN_GROWTH: dict[str, str] = {}


def _mark(key: str) -> Any:
    marks = [pytest.mark.xfail(strict=True, reason=f"N+1: {KNOWN_GROWTH[key]}")] if key in KNOWN_GROWTH else []
    return pytest.param(key, marks=marks, id=key)


@pytest.mark.parametrize("key", [_mark(k) for k in sorted(PAGES)])
def test_the_query_count_does_not_grow_with_the_data(measured: dict[str, dict[str, Measured]], key: str) -> None:
    small, large = measured["small"][key], measured["large"][key]
    assert (small.status, large.status) == (200, 200)
    if key not in FIXED_ROWS:
        assert large.rows > small.rows, f"the larger world's page lists no more ({small.rows} vs {large.rows})"
    # Fewer is fine: an eager load runs no query when no row on the page needs it (no service lead on page 1).
    assert large.queries <= small.queries, (
        f"{small.queries} queries with the small world, {large.queries} with the large one:\n"
        + _diff(small.statements, large.statements))


def test_the_fixed_row_pages_and_known_growth_are_pages_checked() -> None:
    assert set(FIXED_ROWS) <= set(PAGES) and set(KNOWN_GROWTH) <= set(PAGES)
