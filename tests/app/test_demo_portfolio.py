"""The demo's year of portfolio entries: everyone has some, they obey the logs' rules, and they hold no identifiers."""
import collections
import datetime as dt

import pytest
from sqlalchemy import String, Text, func, select

from app.services import nmc
from app.services.demo import load_demo, shift
from app.services.privacy import patient_identifier_problem
from competences.catalogue import built_in_catalogue
from competences.outcomes import CourseScores, outcome
from models import (ClinicalCase, ClinicalContact, CpdActivity, NmcFeedback, NmcPracticeHours, NmcReflectiveAccount,
                    NmcReflectiveDiscussion, RelationshipKind, Role, StaffRelationship, SupervisionCaseMinutes,
                    SupervisionKind, SupervisionSession, User)
from models.audit import AuditEvent, verify_chain
from tests.factories import TEST_SETTINGS

TODAY = dt.date(2026, 11, 30)
LOGS = (CpdActivity, SupervisionSession, SupervisionCaseMinutes, ClinicalCase, ClinicalContact, NmcPracticeHours,
        NmcFeedback, NmcReflectiveAccount, NmcReflectiveDiscussion)
OUTCOMES = built_in_catalogue().current("outcome-measures").content


@pytest.fixture
def demo(session):
    load_demo(session, TEST_SETTINGS, today=TODAY)
    session.commit()


def person(session, first):
    return session.scalar(select(User).where(User.email.startswith(f"{first}.")))


def practitioners(session):
    return [u for u in session.scalars(select(User).order_by(User.id)) if u.has_role(Role.PRACTITIONER)]


def rows(session, model, **where):
    stmt = select(model)
    for name, value in where.items():
        stmt = stmt.where(getattr(model, name) == value)
    return list(session.scalars(stmt))


def test_every_practitioner_has_cpd_supervision_cases_and_contacts(session, demo):
    people = practitioners(session)
    assert len(people) == 12
    for user in people:
        assert 6 <= len(rows(session, CpdActivity, owner_id=user.id)) <= 9, user.email
        assert rows(session, SupervisionSession, supervisee_id=user.id), user.email
        assert rows(session, ClinicalCase, owner_id=user.id), user.email
        assert rows(session, ClinicalContact, owner_id=user.id), user.email


def test_nobody_but_practitioners_has_entries(session, demo):
    others = {u.id for u in session.scalars(select(User)) if not u.has_role(Role.PRACTITIONER)}
    assert not others & {c.owner_id for c in rows(session, CpdActivity)}
    assert not others & {s.supervisee_id for s in rows(session, SupervisionSession)}


def test_the_nurse_has_a_full_set_of_nmc_evidence(session, demo):
    daniel = person(session, "daniel")
    totals = nmc.totals(session, daniel.id, TODAY)
    assert (totals.feedback, totals.accounts, totals.discussions) == (5, 5, 1)
    assert all(p.met for p in totals.progress.values())
    assert len(rows(session, NmcPracticeHours, owner_id=daniel.id)) == 12
    # Only the nurse: nobody else is NMC-registered and a practitioner.
    assert {f.owner_id for f in rows(session, NmcFeedback)} == {daniel.id}
    discussion = rows(session, NmcReflectiveDiscussion)[0]
    assert nmc.PIN.fullmatch(discussion.partner_pin) and discussion.partner_name != daniel.full_name


def test_no_text_in_any_log_holds_a_patient_identifier(session, demo):
    checked = 0
    for model in LOGS:
        # Digests are hex hashes: a run of ten digits in one is not a patient identifier.
        columns = [c for c in model.__table__.columns
                   if isinstance(c.type, (String, Text)) and not c.key.endswith("_digest")]
        for row in rows(session, model):
            for column in columns:
                value = getattr(row, column.key)
                # Case references are held to the stricter rule: no full date at all.
                problem = patient_identifier_problem(value, any_full_date=column.key == "case_ref")
                assert problem is None, (model.__name__, column.key, value, problem)
                checked += value is not None
    assert checked > 2000


def test_case_references_are_anonymised_codes_unique_per_person(session, demo):
    cases = rows(session, ClinicalCase)
    assert all(c.case_ref.startswith(("NTT-LI-", "NTT-HI-")) for c in cases)
    assert len({(c.owner_id, c.case_ref) for c in cases}) == len(cases)


def test_entries_fall_within_the_year_and_the_persons_time_in_post(session, demo):
    for user in practitioners(session):
        first_day = max(user.profile.band_started_on, TODAY - dt.timedelta(days=364))
        dates = ([c.start_on for c in rows(session, CpdActivity, owner_id=user.id)]
                 + [s.occurred_on for s in rows(session, SupervisionSession, supervisee_id=user.id)]
                 + [c.started_on for c in rows(session, ClinicalCase, owner_id=user.id)]
                 + [c.occurred_on for c in rows(session, ClinicalContact, owner_id=user.id)])
        assert first_day <= min(dates) and max(dates) <= TODAY, user.email


# --- the rules each log enforces ---------------------------------------------------------------

def test_cpd_is_in_quarter_hours_with_reflections_and_a_skills_workshop_of_6_hours(session, demo):
    by_owner = collections.defaultdict(list)
    for activity in rows(session, CpdActivity):
        assert activity.minutes > 0 and activity.minutes % 15 == 0
        assert activity.has_reflective_statement and activity.start_on <= activity.end_on
        by_owner[activity.owner_id].append(activity)
    for owner, activities in by_owner.items():
        assert any(a.cbt_skills and a.minutes >= 360 for a in activities), owner
        assert any(a.participatory for a in activities), owner
        assert sum(not a.cbt for a in activities) <= 1, owner
    assert any(not a.cbt for activities in by_owner.values() for a in activities)


def test_supervision_is_under_a_relationship_that_covers_the_day(session, demo):
    relationships = {r.id: r for r in rows(session, StaffRelationship)}
    # Sessions with a supervisor outside Waymark (one demo consultation) have no relationship.
    for s in session.scalars(select(SupervisionSession).where(SupervisionSession.relationship_id.is_not(None))):
        rel = relationships[s.relationship_id]
        assert rel.kind is RelationshipKind.SUPERVISION and rel.covers(s.occurred_on)
        assert (rel.junior_id, rel.senior_id) == (s.supervisee_id, s.supervisor_id)
        assert 60 <= s.minutes <= 90 and s.group_size in {1, 3, 4}
        assert sum(c.minutes for c in s.cases) <= s.minutes
        assert not s.cases or s.group_size == 1


def test_pwps_get_weekly_case_management_and_fortnightly_clinical_skills_supervision(session, demo):
    priya = person(session, "priya")
    sessions = rows(session, SupervisionSession, supervisee_id=priya.id)
    case_management = [s for s in sessions if s.kind is SupervisionKind.CASE_MANAGEMENT]
    skills = [s for s in sessions if s.kind is SupervisionKind.CLINICAL_SKILLS]
    assert 50 <= len(case_management) <= 53 and all(s.minutes == 60 and s.group_size == 1 for s in case_management)
    assert 25 <= len(skills) <= 27 and any(s.group_size > 1 for s in skills)
    assert any(s.cases for s in case_management)


def test_toms_clinical_skills_supervision_follows_the_handover(session):
    today = dt.date(2027, 2, 15)  # the handover, last October, falls within the demo's year
    load_demo(session, TEST_SETTINGS, today=today)
    session.flush()
    tom = person(session, "tom")
    handover = dt.date(2026, 10, 1)
    skills = [s for s in rows(session, SupervisionSession, supervisee_id=tom.id)
              if s.kind is SupervisionKind.CLINICAL_SKILLS]
    names = {s.occurred_on < handover: s.supervisor.full_name for s in skills}
    assert names == {True: "Rachel Adeyemi", False: "Grace Whitfield"}


def test_one_person_has_a_month_without_supervision_and_hannah_none_on_leave(session, demo):
    leah = person(session, "leah")
    months = {s.occurred_on.replace(day=1) for s in rows(session, SupervisionSession, supervisee_id=leah.id)}
    year = {shift(TODAY.replace(day=1), months=-n) for n in range(1, 12)}  # the whole months of the demo's year
    assert len(year - months) == 1
    hannah = person(session, "hannah")
    leave = hannah.profile.leave_periods[0]
    for model, owner, day in ((SupervisionSession, "supervisee_id", "occurred_on"),
                              (ClinicalContact, "owner_id", "occurred_on"), (CpdActivity, "owner_id", "start_on")):
        dates = [getattr(r, day) for r in rows(session, model, **{owner: hannah.id})]
        assert dates and all(d < leave.starts_on for d in dates), model.__name__
    assert all(c.ended_on and c.ended_on < leave.starts_on for c in rows(session, ClinicalCase, owner_id=hannah.id))


def test_trainee_hi_therapists_have_training_cases_with_a_mix_of_outcomes(session, demo):
    for first in ("daniel", "sophie"):
        cases = rows(session, ClinicalCase, owner_id=person(session, first).id)
        assert 6 <= len(cases) <= 8 and all(c.training_case and c.step == 3 for c in cases)
        assert sum(c.closely_supervised for c in cases) == 3
        verdicts = collections.Counter()
        for c in cases:
            if c.last_scores:
                result = outcome(OUTCOMES, CourseScores(c.problem, c.attended_sessions, c.first_scores,
                                                        c.last_scores))
                verdicts["recovered" if result.recovered else "improved" if result.reliably_improved
                         else "not improved"] += 1
        assert set(verdicts) == {"recovered", "improved", "not improved"}, (first, verdicts)


def test_case_loads_and_scores_fit_each_role(session, demo):
    for first, low, high in (("priya", 30, 40), ("tom", 30, 40), ("rachel", 15, 25), ("nadia", 15, 25)):
        cases = rows(session, ClinicalCase, owner_id=person(session, first).id)
        assert low <= len(cases) <= high, first
    for c in rows(session, ClinicalCase):
        assert c.modality == ("guided_self_help" if c.step == 2 else "cbt")
        for scores in (c.first_scores, c.last_scores):
            assert 0 <= scores.get("phq9", 0) <= 27 and 0 <= scores.get("gad7", 0) <= 21
        assert c.ended_on is None or c.started_on <= c.ended_on <= TODAY


def test_contacts_are_weekly_counts_in_the_expected_range(session, demo):
    for first, step, low, high in (("priya", 2, 15, 25), ("rachel", 3, 12, 20), ("daniel", 3, 8, 11)):
        weekly = collections.Counter()
        for c in rows(session, ClinicalContact, owner_id=person(session, first).id):
            assert c.step == step and c.minutes >= 30 * c.count
            if c.individual:  # a week's count, dated its Monday
                assert c.occurred_on.weekday() == 0
                weekly[c.occurred_on] += c.count
            else:
                assert (c.count, c.format) == (1, "group")
        assert weekly and all(low <= n <= high for n in weekly.values()), (first, weekly)


# --- the audit trail and reproducibility -------------------------------------------------------

def test_the_audit_chain_verifies_and_records_every_entry(session, demo):
    assert verify_chain(session).ok
    for model in (CpdActivity, SupervisionSession, ClinicalCase, NmcFeedback):
        created = session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.object_type == model.__tablename__, AuditEvent.action == "create"))
        assert created == session.scalar(select(func.count()).select_from(model)), model.__name__


def _summary(session):
    """What the demo holds per person, free of database ids."""
    emails = {u.id: u.email for u in session.scalars(select(User))}
    out = {}
    for model, owner in ((CpdActivity, "owner_id"), (SupervisionSession, "supervisee_id"), (ClinicalCase, "owner_id"),
                         (ClinicalContact, "owner_id"), (NmcPracticeHours, "owner_id")):
        for row in session.scalars(select(model)):
            key = (model.__name__, emails[getattr(row, owner)])
            out.setdefault(key, []).append((row.minutes if hasattr(row, "minutes") else row.case_ref,
                                            getattr(row, "occurred_on", None) or getattr(row, "start_on", None)
                                            or row.started_on))
    return {k: sorted(v) for k, v in out.items()}


def test_the_demo_entries_are_the_same_every_time_for_the_same_day(session):
    load_demo(session, TEST_SETTINGS, today=TODAY)
    session.flush()
    first = _summary(session)
    session.rollback()
    load_demo(session, TEST_SETTINGS, today=TODAY)
    session.flush()
    assert _summary(session) == first
