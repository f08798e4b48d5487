"""Full bulk snapshots and bulk readiness: for a varied synthetic Trust, each person's snapshot, readiness, choices and
required supervisor reports equal the one-person builders', in the same number of queries for 3 people or 40."""
import datetime as dt

import pytest
from sqlalchemy import select, update

from app.config import evidence_dir
from app.services import readiness, review_queue
from app.services.supervisor_reports import reports_required, reports_required_for
from app.services.synthetic import generate
from competences.claims import ClaimStatus
from models import (ClinicalCase, ClinicalContact, CpdActivity, Organisation, RelationshipKind, StaffRelationship,
                    SupervisionSession, User)
from models.bulk_snapshot import full_snapshots_for, people_with_full_snapshots
from models.claims import CompetenceClaim
from models.ksa import KsaPortfolio
from models.snapshot import build_snapshot
from models.supervisor_work import OutsideSupervisionGiven, SupervisorReport
from models.training import CtsrRating, PwpLiveAssessment, TrainingCourse, TrainingHoursEntry
from tests.factories import make_relationship, make_user

TODAY = dt.date(2025, 6, 15)
DELETED = dt.datetime(2025, 6, 1, 9, tzinfo=dt.timezone.utc)
#: Every row of these kinds whose id is a multiple of 5 is soft-deleted (the generator writes none).
SOFT_DELETED = ((ClinicalCase, ClinicalCase.id), (ClinicalContact, ClinicalContact.id), (CpdActivity, CpdActivity.id),
                (SupervisionSession, SupervisionSession.id), (CompetenceClaim, CompetenceClaim.id),
                (CtsrRating, CtsrRating.id))


def _current_supervision(session):
    return list(session.scalars(select(StaffRelationship).where(
        StaffRelationship.kind == RelationshipKind.SUPERVISION, StaffRelationship.starts_on <= TODAY,
        (StaffRelationship.ends_on.is_(None)) | (StaffRelationship.ends_on >= TODAY)).order_by(StaffRelationship.id)))


def _top_up(session, org_id, staff):
    """What the generator does not write: deleted rows, sign-offs to re-sign, training courses and hours, live
    assessments, supervision given outside, supervisor reports, a KSA portfolio, a changed supervisor, no profile."""
    for model, id_column in SOFT_DELETED:
        session.execute(update(model).where(id_column % 5 == 0).values(deleted_at=DELETED))
    session.execute(update(CompetenceClaim).where(CompetenceClaim.status == ClaimStatus.SIGNED_OFF,
                                                  CompetenceClaim.id % 3 == 1)
                    .values(status=ClaimStatus.NEEDS_RESIGNING))
    a, b, c = staff[:3]
    # Two live courses (the one in progress sets the CTS-R settings although the other started later), a deleted
    # course whose hours do not count, and a deleted entry.
    in_progress = TrainingCourse(owner_id=a.id, title="PG Dip", kind="pg_dip_hi_cbt", started_on=dt.date(2024, 9, 1),
                                 ctsr_pass_mark=40, recordings_required=3)
    done = TrainingCourse(owner_id=a.id, title="Short course", kind="other", started_on=dt.date(2025, 1, 6),
                          ended_on=dt.date(2025, 2, 1), status="completed", ctsr_pass_mark=30)
    gone = TrainingCourse(owner_id=a.id, title="Deleted", kind="other", started_on=dt.date(2024, 1, 1),
                          deleted_at=DELETED)
    only = TrainingCourse(owner_id=b.id, title="PWP certificate", kind="other", started_on=dt.date(2024, 10, 1),
                          status="completed", recordings_required=2)
    session.add_all([in_progress, done, gone, only])
    session.flush()
    for course, day, minutes, deleted in ((in_progress, dt.date(2025, 3, 3), 360, None),
                                          (in_progress, dt.date(2025, 1, 13), 420, None),
                                          (in_progress, dt.date(2025, 2, 3), 60, DELETED),
                                          (done, dt.date(2025, 1, 20), 180, None), (gone, dt.date(2024, 2, 1), 90, None),
                                          (only, dt.date(2024, 11, 4), 240, None)):
        session.add(TrainingHoursEntry(course_id=course.id, start_on=day, end_on=day, minutes=minutes,
                                       kind="taught_live" if minutes > 100 else "self_directed",
                                       skills_focused=minutes > 300, topic="Teaching day", deleted_at=deleted))
    for owner, day, intervention, other, outcome, deleted in (
            (b, dt.date(2025, 2, 10), "behavioural_activation", None, "pass", None),
            (b, dt.date(2025, 3, 10), "other", "  Sleep Hygiene ", "fail", None),
            (b, dt.date(2025, 4, 10), "exposure", None, "pass", DELETED)):
        session.add(PwpLiveAssessment(owner_id=owner.id, assessed_on=day, intervention=intervention,
                                      intervention_other=other, assessor_name="Tutor", tool="PWP assessment",
                                      outcome=outcome, deleted_at=deleted))
    session.add_all([
        CtsrRating(owner_id=a.id, rated_on=dt.date(2025, 4, 1), recording_ref="T1", rater_role="course_tutor",
                   scores={}, total=44, passed=True, pass_mark_used=40, course_id=in_progress.id),
        CtsrRating(owner_id=a.id, rated_on=dt.date(2025, 4, 2), recording_ref="T2", rater_role="supervisor",
                   scores={}, total=38, passed=False, pass_mark_used=40, confirm_status="disputed"),
        KsaPortfolio(owner_id=c.id, route="condensed-pwp", started_on=dt.date(2025, 1, 6)),
    ])
    current = _current_supervision(session)
    supervisors = list(dict.fromkeys(r.senior_id for r in current))
    for i, supervisor_id in enumerate(supervisors[:3]):
        session.add_all([
            OutsideSupervisionGiven(owner_id=supervisor_id, given_on=dt.date(2025, 5, 1 + i), minutes=60 + i,
                                    group_size=1 + i, supervisee_is_pwp=i % 2 == 0, setting="Private practice"),
            OutsideSupervisionGiven(owner_id=supervisor_id, given_on=dt.date(2025, 5, 9), minutes=45,
                                    setting="Deleted", deleted_at=DELETED)])
    # Reports: every current supervisor of some supervisees (so the credential is added), one too old, and a
    # supervisee whose supervisor changed a month ago (the previous supervisor's report is needed too).
    for rel in current[::3]:
        session.add(_report(rel.junior_id, rel.senior_id, TODAY - dt.timedelta(days=30)))
    session.add(_report(current[1].junior_id, current[1].senior_id, TODAY - dt.timedelta(days=800)))
    juniors = [r.junior_id for r in current]
    moved = next(r for i, r in enumerate(current) if i % 3 and i != 1 and juniors.count(r.junior_id) == 1)
    moved.ends_on = TODAY - dt.timedelta(days=40)
    newcomer = next(s for s in supervisors if s not in (moved.senior_id, moved.junior_id))
    session.flush()
    make_relationship(session, senior=session.get(User, newcomer), junior=session.get(User, moved.junior_id),
                      starts_on=TODAY - dt.timedelta(days=30))
    session.add_all([_report(moved.junior_id, moved.senior_id, TODAY - dt.timedelta(days=50)),
                     _report(moved.junior_id, newcomer, TODAY - dt.timedelta(days=5))])
    nobody = make_user(session, organisation=session.get(Organisation, org_id), profile=False, full_name="No Profile")
    session.flush()
    return nobody


def _report(supervisee_id, supervisor_id, on):
    return SupervisorReport(supervisee_id=supervisee_id, supervisor_id=supervisor_id, written_on=on, period_from=on,
                            period_to=on, caseload="Caseload", competence="Competent", recommendation="ready")


@pytest.fixture
def trust(app, session):
    """The ids of everyone in a 36-person synthetic Trust, topped up by _top_up; committed, nothing loaded."""
    generated = generate(session, staff=36, years=1, seed=21, organisation="Bulk Snapshot Trust",
                         store_dir=evidence_dir(app.config), password="unused password", argon2_profile="cheapest",
                         today=TODAY)
    org_id = generated.organisation_id
    staff = list(session.scalars(select(User).where(User.organisation_id == org_id, User.profile.has())
                                 .order_by(User.id)))
    _top_up(session, org_id, staff)
    session.commit()
    ids = list(session.scalars(select(User.id).where(User.organisation_id == org_id).order_by(User.id)))
    session.expire_all()
    return ids


def test_every_persons_full_bulk_snapshot_equals_their_own_snapshot(session, trust):
    one_by_one = {uid: build_snapshot(session, uid, TODAY) for uid in trust}
    session.expire_all()
    bulk = full_snapshots_for(session, trust, TODAY)

    assert list(bulk) == trust
    for uid in trust:
        assert bulk[uid] == one_by_one[uid], uid
    # The comparison covered every kind of record (so an empty snapshot could not pass) ...
    for field in ("cpd", "supervision", "supervision_given", "cases", "contacts", "ratings", "signoffs",
                  "credentials", "training"):
        assert any(getattr(s, field) for s in bulk.values()), field
    assert any(s.employment.leave for s in bulk.values()) and any(s.declaration_anchor for s in bulk.values())
    assert any(s.hr.last_appraisal_on for s in bulk.values())
    assert any(s.hr.team_appraisals_done is not None for s in bulk.values())
    assert any(s.signoffs and any(x.needs_resigning for x in s.signoffs) for s in bulk.values())
    assert any(r.intervention == "other:sleep hygiene" for s in bulk.values() for r in s.ratings)
    assert any(g.id.startswith("given-outside:") for s in bulk.values() for g in s.supervision_given)
    # ... and left out what is deleted: no snapshot holds a deleted contact, CPD activity or claim, nor the hours
    # of a deleted course or a deleted entry (4 of the 6 entries count).
    for model, prefix, field in ((ClinicalContact, "contact", "contacts"), (CpdActivity, "cpd", "cpd"),
                                 (CompetenceClaim, "claim", "signoffs")):
        deleted = {f"{prefix}:{i}" for i in session.scalars(select(model.id).where(model.deleted_at.is_not(None)))}
        assert deleted and not deleted & {r.id for s in bulk.values() for r in getattr(s, field)}, prefix
    assert sum(len(s.training) for s in bulk.values()) == 4


def test_the_full_bulk_snapshot_query_count_is_the_same_for_3_and_all_people(session, trust, count_queries):
    with count_queries() as few:
        people_with_full_snapshots(session, trust[:3], TODAY)
    session.expire_all()
    with count_queries() as everyone:
        people_with_full_snapshots(session, trust, TODAY)
    assert few.count == everyone.count == 18
    with count_queries() as none:
        assert full_snapshots_for(session, [], TODAY) == {}
    assert none.count == 0


def test_bulk_readiness_choices_and_reports_equal_each_persons_own(session, trust, count_queries):
    people = list(session.scalars(select(User).where(User.id.in_(trust)).order_by(User.id)))
    one_by_one = {u.id: readiness.readiness_for(session, u, TODAY) for u in people}
    choices = {u.id: readiness.choices_of(session, u) for u in people}
    required = {u.id: reports_required(session, u, TODAY) for u in people}
    session.expire_all()

    assert readiness.readiness_for_many(session, people, TODAY) == one_by_one
    assert readiness.choices_for(session, trust) == choices
    assert reports_required_for(session, trust, TODAY) == required
    # Varied: several pathways, some ready and some not; CTS-R settings from the course in progress; a KSA route;
    # the previous supervisor's report needed after a change; and supervisor-report credentials (all reports in).
    statuses = {r.status for reports in one_by_one.values() for r in reports}
    assert len({r.pathway_id for reports in one_by_one.values() for r in reports}) >= 5
    assert {"ready", "not_ready"} <= statuses
    assert (40, 3) in {(c.ctsr_pass_total, c.ctsr_passes_required) for c in choices.values()}
    assert "condensed-pwp" in {c.ksa_variant for c in choices.values()}
    assert any(r.role == "previous" and r.present for found in required.values() for r in found)
    assert any(found and all(r.present for r in found) for found in required.values())
    assert any(found and not all(r.present for r in found) for found in required.values())

    # Three supervisees cost what everyone costs: 18 for the snapshots, 3 for the reports, 2 for the choices and the
    # catalogue's check for stored versions.
    session.expire_all()
    few_ids = list(dict.fromkeys(r.junior_id for r in _current_supervision(session)))[:3]
    few = list(session.scalars(select(User).where(User.id.in_(few_ids))))
    with count_queries() as small:
        readiness.readiness_for_many(session, few, TODAY)
    session.expire_all()
    everyone = list(session.scalars(select(User).where(User.id.in_(trust))))
    with count_queries() as large:
        readiness.readiness_for_many(session, everyone, TODAY)
    assert small.count == large.count == 24


def test_the_supervisor_homes_readiness_column_is_each_supervisees_own_readiness(session, trust):
    supervisor_id = max(((sid, len([r for r in _current_supervision(session) if r.senior_id == sid]))
                         for sid in {r.senior_id for r in _current_supervision(session)}),
                        key=lambda pair: (pair[1], -pair[0]))[0]
    supervisor = session.get(User, supervisor_id)
    rels = review_queue.current_supervisees(session, supervisor, TODAY)
    assert len({r.junior_id for r in rels}) >= 3
    expected = {r.junior_id: tuple(readiness.summary_rows(readiness.readiness_for(session, r.junior, TODAY)))
                for r in rels}
    session.expire_all()
    rels = review_queue.current_supervisees(session, supervisor, TODAY)
    summaries = review_queue.supervisee_summaries(session, rels, [], TODAY)
    assert {s.person.id: s.readiness for s in summaries} == expected
    assert any(s.readiness for s in summaries)
