"""The snapshot builder: each log row becomes the evidence record the rules read, in a fixed number of queries."""
import datetime as dt
from decimal import Decimal

import pytest

from competences import evidence as ev
from competences.credentials import CredentialStatus
from competences.presentations import presentation_group
from models import (ClinicalCase, ClinicalContact, CpdActivity, LeaveKind, LeaveOfAbsence, ProfessionalRegistration,
                    Regulator, Role, SupervisionCaseMinutes, SupervisionKind, SupervisionSession)
from models.base import utcnow
from models.snapshot import build_snapshot, credential_kind
from tests.factories import make_user

TODAY = dt.date(2025, 6, 15)


def add_registration(session, person, regulator, *, registered_on=dt.date(2020, 7, 1), due=dt.date(2026, 7, 1),
                     number=None, kind=None, expires_on=None, status=CredentialStatus.CURRENT):
    """A credential from `regulator`; without `kind`, the body's usual one (BABCP: accreditation)."""
    reg = ProfessionalRegistration(profile=person.profile, regulator=regulator, kind=kind,
                                   registration_number=number or f"{regulator.value.upper()}-1",
                                   registered_on=registered_on, renewal_due_on=due, expires_on=expires_on,
                                   status=status)
    session.add(reg)
    session.flush()
    return reg


def add_cpd(session, person, on, minutes, **fields):
    row = CpdActivity(owner_id=person.id, start_on=fields.pop("start_on", on), end_on=on,
                      title=fields.pop("title", "Workshop"), category=fields.pop("category", "clinical"),
                      minutes=minutes, **fields)
    session.add(row)
    session.flush()
    return row


def add_supervision(session, person, on, minutes, *, cases=(), **fields):
    row = SupervisionSession(supervisee_id=person.id, occurred_on=on, minutes=minutes,
                             kind=fields.pop("kind", SupervisionKind.CLINICAL),
                             outside_supervisor_name=fields.pop("outside_supervisor_name", "Dr Outside"), **fields)
    row.cases = [SupervisionCaseMinutes(case_ref=ref, minutes=m) for ref, m in cases]
    session.add(row)
    session.flush()
    return row


def add_case(session, person, ref, problem, **fields):
    row = ClinicalCase(owner_id=person.id, case_ref=ref, problem=problem, step=fields.pop("step", 3),
                       modality=fields.pop("modality", "cbt"), started_on=fields.pop("started_on", dt.date(2025, 1, 6)),
                       **fields)
    session.add(row)
    session.flush()
    return row


def add_contact(session, person, on, minutes, **fields):
    row = ClinicalContact(owner_id=person.id, occurred_on=on, minutes=minutes, step=fields.pop("step", 3),
                          format=fields.pop("format", "face_to_face"), **fields)
    session.add(row)
    session.flush()
    return row


def add_entries(session, person, n, *, today=TODAY):
    """`n` entries of every log kind, one a week back from `today`."""
    for i in range(n):
        day = today - dt.timedelta(weeks=i)
        add_cpd(session, person, day, 60, title=f"Course {i}", reflection_learned="Learned", reflection_practice="Apply")
        add_supervision(session, person, day, 60, cases=((f"C{i:03}", 30),), themes="Private theme")
        add_case(session, person, f"C{i:03}", "gad", started_on=day)
        add_contact(session, person, day, 50)


@pytest.fixture
def trainee(session):
    return make_user(session, roles=(Role.PRACTITIONER, Role.LINE_MANAGER), band="6",
                     job_title="Trainee high intensity CBT therapist", core_profession="Mental health nurse",
                     band_started_on=dt.date(2024, 9, 2), step_started_on=dt.date(2024, 9, 2))


def test_a_person_with_no_entries_has_their_employment_and_nothing_else(session, trainee):
    snap = build_snapshot(session, trainee.id, TODAY)

    assert snap.person_id == str(trainee.id)
    assert snap.today == TODAY
    assert snap.employment == ev.Employment(
        band="6", step=1, band_started_on=dt.date(2024, 9, 2), step_started_on=dt.date(2024, 9, 2),
        job_title="Trainee high intensity CBT therapist",
        working=(ev.WorkingPeriod(start=dt.date(2024, 4, 1), end=None, wte=Decimal("1.00")),),
        is_line_manager=True)
    assert (snap.cpd, snap.supervision, snap.cases, snap.contacts, snap.credentials) == ((), (), (), (), ())
    # No table yet: these stay empty rather than pretending to be recorded.
    assert (snap.ratings, snap.signoffs, snap.training, snap.supervision_given) == ((), (), (), ())
    assert snap.hr == ev.HrFacts()
    assert snap.declaration_anchor is None


def test_leave_and_working_patterns_become_employment_periods(session, trainee):
    profile = trainee.profile
    profile.working_patterns[0].ends_on = dt.date(2024, 12, 31)
    from models import WorkingPattern
    profile.working_patterns.append(WorkingPattern(wte=Decimal("0.60"), starts_on=dt.date(2025, 1, 1)))
    session.add(LeaveOfAbsence(profile=profile, kind=LeaveKind.SICKNESS, starts_on=dt.date(2025, 2, 3),
                               ends_on=dt.date(2025, 2, 14)))
    session.flush()

    emp = build_snapshot(session, trainee.id, TODAY).employment

    assert emp.working == (ev.WorkingPeriod(dt.date(2024, 4, 1), dt.date(2024, 12, 31), Decimal("1.00")),
                           ev.WorkingPeriod(dt.date(2025, 1, 1), None, Decimal("0.60")))
    assert emp.leave == (ev.Leave(kind="sickness", start=dt.date(2025, 2, 3), end=dt.date(2025, 2, 14)),)


def test_each_log_row_becomes_the_evidence_record_with_the_same_figures(session, trainee):
    cpd = add_cpd(session, trainee, dt.date(2025, 3, 7), 450, start_on=dt.date(2025, 3, 6), title="CBT for PTSD",
                  category="educational", cbt=True, cbt_skills=True, participatory=True, hcpc_standards=[1, 3],
                  reflection_learned="Imaginal reliving", reflection_practice="I now plan hotspots")
    plain = add_cpd(session, trainee, dt.date(2025, 4, 1), 60, cbt=False, reflection_learned="Only half")
    sup = add_supervision(session, trainee, dt.date(2025, 3, 12), 90, kind=SupervisionKind.CLINICAL_SKILLS,
                          group_size=3, cbt=True, live_or_recorded_sampled=True,
                          cases=(("TC-01", 40), ("TC-02", 20)))
    add_case(session, trainee, "TC-01", "ptsd", step=3, modality="cbt", started_on=dt.date(2025, 1, 6),
             ended_on=dt.date(2025, 5, 30), training_case=True, closely_supervised=True, assessed_case_study=True,
             attended_sessions=12)
    contact = add_contact(session, trainee, dt.date(2025, 3, 14), 240, count=4, step=3, format="video",
                          individual=True, cbt=True)

    snap = build_snapshot(session, trainee.id, TODAY)

    assert snap.cpd == (
        ev.CpdActivity(id=f"cpd:{cpd.id}", start=dt.date(2025, 3, 6), end=dt.date(2025, 3, 7), title="CBT for PTSD",
                       category="educational", minutes=450, cbt=True, cbt_skills=True, participatory=True,
                       has_reflective_statement=True, hcpc_standards=(1, 3)),
        # A statement needs both halves: what was learned and how it changes practice.
        ev.CpdActivity(id=f"cpd:{plain.id}", start=dt.date(2025, 4, 1), end=dt.date(2025, 4, 1), title="Workshop",
                       category="clinical", minutes=60, cbt=False, has_reflective_statement=False),
    )
    assert snap.supervision == (
        ev.SupervisionSession(id=f"supervision:{sup.id}", date=dt.date(2025, 3, 12), minutes=90, kind="clinical_skills",
                              group_size=3, cbt=True, live_or_recorded_sampled=True, countersigned=False,
                              cases=(ev.CaseMinutes("TC-01", 40), ev.CaseMinutes("TC-02", 20))),
    )
    assert snap.cases == (
        ev.Case(ref="TC-01", problem="ptsd", presentation_group="trauma", step=3, modality="cbt",
                start=dt.date(2025, 1, 6), end=dt.date(2025, 5, 30), training_case=True, closely_supervised=True,
                assessed_case_study=True, attended_sessions=12),
    )
    assert snap.contacts == (
        ev.Contact(id=f"contact:{contact.id}", date=dt.date(2025, 3, 14), minutes=240, step=3, count=4, cbt=True,
                   individual=True, format="video"),
    )


def test_soft_deleted_entries_are_left_out(session, trainee):
    add_entries(session, trainee, 2)
    for model in (CpdActivity, SupervisionSession, ClinicalCase, ClinicalContact):
        first = session.query(model).order_by(model.id).first()
        first.deleted_at = utcnow()
    session.flush()

    snap = build_snapshot(session, trainee.id, TODAY)

    assert (len(snap.cpd), len(snap.supervision), len(snap.cases), len(snap.contacts)) == (1, 1, 1, 1)


def test_someone_elses_entries_are_not_in_the_snapshot(session, trainee):
    other = make_user(session)
    add_entries(session, other, 2)

    snap = build_snapshot(session, trainee.id, TODAY)

    assert (snap.cpd, snap.supervision, snap.cases, snap.contacts) == ((), (), (), ())


@pytest.mark.parametrize("problem, group", [
    ("gad", "anxiety"), ("panic", "anxiety"), ("social_anxiety", "anxiety"), ("agoraphobia", "anxiety"),
    ("ocd", "anxiety"), ("health_anxiety", "anxiety"), ("specific_phobia", "anxiety"), ("ptsd", "trauma"),
    ("depression", "mood"), ("mixed_anxiety_depression", "mood"), ("eating_disorder", "other"),
])
def test_a_case_gets_the_presentation_group_of_its_problem(problem, group):
    assert presentation_group(problem) == group


@pytest.mark.parametrize("band, job_title", [
    ("5", "Psychological wellbeing practitioner"), ("7", "High intensity CBT therapist"),
    ("6", "Trainee high intensity CBT therapist")])
def test_a_credential_stands_for_the_kind_recorded_with_it_whatever_the_post(session, band, job_title):
    person = make_user(session, band=band, job_title=job_title)
    register = add_registration(session, person, Regulator.BABCP, kind="babcp_pwp_register", number="PWP-1")
    accredited = add_registration(session, person, Regulator.BABCP, kind="babcp_accreditation", number="CBT-1")

    assert (credential_kind(register), credential_kind(accredited)) == ("babcp_pwp_register", "babcp_accreditation")
    assert {c.kind for c in build_snapshot(session, person.id, TODAY).credentials} == {
        "babcp_pwp_register", "babcp_accreditation"}


@pytest.mark.parametrize("regulator, kind", [
    (Regulator.NMC, "nmc"), (Regulator.HCPC, "hcpc"), (Regulator.SWE, "swe"), (Regulator.UKCP, "ukcp"),
    (Regulator.BACP, "bacp_accreditation"), (Regulator.BABCP, "babcp_accreditation"), (Regulator.BPS, "bps_wpwr"),
])
def test_a_row_saved_with_only_a_body_is_that_bodys_usual_credential(session, regulator, kind):
    person = make_user(session, band="5", job_title="Psychological wellbeing practitioner")
    assert add_registration(session, person, regulator).kind == kind


def test_credentials_are_held_from_the_award_until_expiry_and_a_renewal_date_is_not_an_end(session):
    pwp = make_user(session, band="5", job_title="Psychological wellbeing practitioner")
    babcp = add_registration(session, pwp, Regulator.BABCP, kind="babcp_pwp_register",
                             registered_on=dt.date(2022, 9, 14), due=dt.date(2025, 3, 1))
    nmc = add_registration(session, pwp, Regulator.NMC, registered_on=None, due=None)
    hcpc = add_registration(session, pwp, Regulator.HCPC, registered_on=dt.date(2019, 1, 1), due=None,
                            expires_on=dt.date(2025, 6, 14))
    snap = build_snapshot(session, pwp.id, TODAY)

    assert sorted(snap.credentials, key=lambda c: c.kind) == [
        # Its declaration date (1 March) has passed: flagged on the credentials page, but still held.
        ev.Credential(id=f"registration:{babcp.id}", kind="babcp_pwp_register", awarded_on=dt.date(2022, 9, 14),
                      expires_on=None),
        ev.Credential(id=f"registration:{hcpc.id}", kind="hcpc", awarded_on=dt.date(2019, 1, 1),
                      expires_on=dt.date(2025, 6, 14)),
        # No award date recorded: held from today, so no "years held" can be claimed for it.
        ev.Credential(id=f"registration:{nmc.id}", kind="nmc", awarded_on=TODAY, expires_on=None),
    ]
    assert snap.declaration_anchor == dt.date(2022, 9, 14)


@pytest.mark.parametrize("status, lapsed", [
    (CredentialStatus.CURRENT, False), (CredentialStatus.PENDING, False), (CredentialStatus.LAPSED, True),
    (CredentialStatus.SUSPENDED, True), (CredentialStatus.EXPIRED, True)])
def test_a_lapsed_suspended_or_expired_status_makes_the_credential_lapsed(session, status, lapsed):
    person = make_user(session)
    add_registration(session, person, Regulator.HCPC, status=status)
    assert [c.lapsed for c in build_snapshot(session, person.id, TODAY).credentials] == [lapsed]


def test_the_declaration_anchor_is_the_bps_date_when_there_is_no_babcp_registration(session):
    pwp = make_user(session, band="5", job_title="Psychological wellbeing practitioner")
    add_registration(session, pwp, Regulator.BPS, registered_on=dt.date(2021, 2, 1))
    add_registration(session, pwp, Regulator.HCPC, registered_on=dt.date(2015, 5, 5))

    assert build_snapshot(session, pwp.id, TODAY).declaration_anchor == dt.date(2021, 2, 1)


def test_the_declaration_anchor_is_the_babcp_accreditation_not_the_supervisor_accreditation(session):
    person = make_user(session, band="8a", job_title="Principal CBT therapist")
    add_registration(session, person, Regulator.BABCP, kind="babcp_supervisor_accreditation",
                     registered_on=dt.date(2023, 3, 3), number="SUP-1")
    add_registration(session, person, Regulator.BPS, registered_on=dt.date(2010, 1, 1))
    add_registration(session, person, Regulator.BABCP, registered_on=dt.date(2016, 10, 20))

    assert build_snapshot(session, person.id, TODAY).declaration_anchor == dt.date(2016, 10, 20)


def test_a_person_without_a_staff_profile_has_empty_employment(session):
    hr = make_user(session, roles=(Role.HR,), profile=False)

    snap = build_snapshot(session, hr.id, TODAY)

    assert snap.employment == ev.Employment()
    assert snap.credentials == ()


def test_an_unknown_person_is_refused(session):
    with pytest.raises(LookupError):
        build_snapshot(session, 999_999, TODAY)


def test_building_a_snapshot_takes_the_same_number_of_queries_for_3_or_30_entries(session, count_queries):
    few, many = make_user(session), make_user(session)
    for person in (few, many):
        add_registration(session, person, Regulator.BABCP)
    add_entries(session, few, 3)
    add_entries(session, many, 30)
    session.commit()
    few_id, many_id = few.id, many.id
    session.expire_all()

    with count_queries() as q_few:
        small = build_snapshot(session, few_id, TODAY)
    session.expire_all()
    with count_queries() as q_many:
        large = build_snapshot(session, many_id, TODAY)

    assert len(small.cpd) == 3
    assert (len(large.cpd), len(large.supervision), len(large.cases), len(large.contacts)) == (30, 30, 30, 30)
    assert sum(len(s.cases) for s in large.supervision) == 30
    assert q_few.count == q_many.count == 19
