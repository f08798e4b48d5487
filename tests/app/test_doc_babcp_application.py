"""The BABCP practitioner and supervisor accreditation applications: figures, layout, verification and access."""
import datetime as dt
import hashlib
import io
import re

import pytest
from pypdf import PdfReader

from app.services import documents, verify
from app.services.document_kinds import babcp_application
from app.services.errors import NotPermitted
from models import (ClinicalCase, ClinicalContact, CpdActivity, EvidenceItem, ProfessionalRegistration, Regulator,
                    RelationshipKind, Role, SupervisionCaseMinutes, SupervisionKind, SupervisionSession)
from models.countersigning import CountersignStatus
from models.evidence import StoredFile
from models.supervisor_work import (FeedbackAnswer, FeedbackInvitee, FeedbackRequest, OutsideSupervisionGiven,
                                    SupervisionTraining, SupervisorReport)
from models.training import AssessedCaseStudy, CtsrRating, TrainingCourse, TrainingHoursEntry
from tests.factories import make_organisation, make_relationship, make_service, make_team, make_user

TODAY = dt.date(2025, 11, 30)


def _text(pdf):
    reader = PdfReader(io.BytesIO(pdf))
    return len(reader.pages), re.sub(r"\s+", " ", "\n".join(p.extract_text() for p in reader.pages))


def _evidence(session, owner, title, kind, content):
    sha = hashlib.sha256(content).hexdigest()
    if session.get(StoredFile, sha) is None:
        session.add(StoredFile(sha256=sha, size=len(content), media_type="application/pdf"))
    item = EvidenceItem(owner_id=owner.id, title=title, kind=kind, dated_on=dt.date(2025, 6, 1), file_sha256=sha,
                        file_name=f"{title.lower().replace(' ', '-')}.pdf")
    session.add(item)
    session.flush()
    return item


def _supervision(session, supervisee, supervisor, on, minutes, *, group=1, cases=(), confirmed=True,
                 kind=SupervisionKind.CLINICAL):
    row = SupervisionSession(supervisee_id=supervisee.id, supervisor_id=supervisor.id, occurred_on=on, minutes=minutes,
                             kind=kind, group_size=group,
                             countersign_status=CountersignStatus.CONFIRMED if confirmed else CountersignStatus.AWAITING,
                             cases=[SupervisionCaseMinutes(case_ref=ref, minutes=m) for ref, m in cases])
    session.add(row)
    return row


@pytest.fixture
def world(session):
    org = make_organisation(session, name="BABCP Trust")
    team = make_team(session, service=make_service(session, organisation=org, name="North"), name="North team")
    trainee = make_user(session, team=team, full_name="Callum Reid", band="6",
                        job_title="Trainee high intensity CBT therapist")
    supervisor = make_user(session, team=team, roles=(Role.PRACTITIONER, Role.SUPERVISOR), band="7",
                           full_name="Rachel Adeyemi", job_title="High intensity CBT therapist")
    hr = make_user(session, organisation=org, roles=(Role.HR,), profile=False, full_name="Joanne Kerr")
    make_relationship(session, senior=supervisor, junior=trainee, kind=RelationshipKind.SUPERVISION,
                      starts_on=dt.date(2025, 1, 1))
    session.commit()
    return {"trainee": trainee, "supervisor": supervisor, "hr": hr, "team": team, "org": org}


def _trainee_records(session, w):
    t, sup = w["trainee"], w["supervisor"]
    course = TrainingCourse(owner_id=t.id, title="PG Diploma in CBT", kind="pg_dip_hi_cbt", provider="Exeter",
                            started_on=dt.date(2025, 1, 6))
    session.add(course)
    session.flush()
    # Hours: 100 h taught live (50 h on skills), 50 h online, 20 h self-directed: 170 h, of which 150 h taught
    # (88%) and 50 h skills (29%); the taught requirement caps online at 40 h: 140 h of 200 h.
    for kind, minutes, skills, topic in (("taught_live", 3000, True, "Exposure workshop"),
                                         ("taught_live", 3000, False, "Formulation lectures"),
                                         ("online_interactive", 3000, False, "Depression webinars"),
                                         ("self_directed", 1200, False, "Reading")):
        session.add(TrainingHoursEntry(course_id=course.id, start_on=dt.date(2025, 3, 3), end_on=dt.date(2025, 3, 3),
                                       minutes=minutes, kind=kind, skills_focused=skills, topic=topic))
    t01 = ClinicalCase(owner_id=t.id, case_ref="T01", problem="gad", step=3, modality="cbt",
                       started_on=dt.date(2025, 2, 1), ended_on=dt.date(2025, 6, 1), training_case=True,
                       closely_supervised=True, assessed_case_study=True, attended_sessions=8)
    t02 = ClinicalCase(owner_id=t.id, case_ref="T02", problem="depression", step=3, modality="cbt",
                       started_on=dt.date(2025, 3, 1), training_case=True, attended_sessions=6)
    session.add_all([t01, t02])
    session.flush()
    # Supervision: 90 min individual (T01 60, T02 30) and 120 min in a group of 4 (all on T01), which BABCP's
    # training formula counts as 120 × 2 ÷ 4 = 60 min. T01: 180 min logged, 120 counted; T02: 30 and 30.
    # Supervision hours counted: 90 + 60 = 150 min = 2 h 30 min of 40 h.
    _supervision(session, t, sup, dt.date(2025, 4, 2), 90, cases=(("T01", 60), ("T02", 30)))
    _supervision(session, t, sup, dt.date(2025, 4, 9), 120, group=4, cases=(("T01", 120),))
    # Practice: two individual CBT contacts of 60 min = 2 h of 200 h; a non-CBT one does not count.
    for cbt in (True, True, False):
        session.add(ClinicalContact(owner_id=t.id, occurred_on=dt.date(2025, 5, 5), minutes=60, count=1, step=3,
                                    format="face_to_face", individual=True, cbt=cbt))
    scores = {f"item{i}": 3 for i in range(1, 13)}
    for ref, rec, role, total, passed, status in (
            ("T01", "REC-PASS", "supervisor", 40, True, CountersignStatus.CONFIRMED),
            ("T01", "REC-AWAIT", "supervisor", 20, False, CountersignStatus.AWAITING),
            ("T01", "REC-SELF", "self", 50, True, CountersignStatus.AWAITING),
            ("T02", "REC-MARK", "course_tutor", 30, False, CountersignStatus.AWAITING)):
        session.add(CtsrRating(owner_id=t.id, rated_on=dt.date(2025, 5, 20), recording_ref=rec, case_ref=ref,
                               rater_role=role, rater_id=sup.id if role == "supervisor" else None,
                               rater_name="Dr Marker" if role == "course_tutor" else None, scores=scores, total=total,
                               passed=passed, pass_mark_used=36, confirm_status=status))
    session.add(AssessedCaseStudy(course_id=course.id, case_ref="T01", case_id=t01.id, title="Formulating worry",
                                  word_count=3500, mark="68", passed=True, submitted_on=dt.date(2025, 7, 1)))
    kept = _evidence(session, t, "Case study marking sheet", "case_study", b"marking sheet")
    left = _evidence(session, t, "Private diary extract", "other", b"diary")
    session.commit()
    return {"course": course, "t01": t01, "t02": t02, "kept": kept, "left": left}


def test_the_practitioner_application_shows_hand_computed_figures_and_verifies(session, world):
    records = _trainee_records(session, world)
    trainee = world["trainee"]
    assert babcp_application.practitioner_applies(session, trainee, TODAY)
    row, pdf = documents.issue(session, "babcp_application", trainee, trainee, TODAY,
                               options={"evidence_ids": [records["kept"].id]})
    session.commit()
    pages, text = _text(pdf)
    assert pages > 1 and "Page 1 of" in text and row.id in text
    assert "BABCP practitioner accreditation application" in text and "Callum Reid" in text
    # Training hours, the split and the skills share.
    assert "170 h" in text and "150 h taught live or online with interaction (88%)" in text
    assert "50 h focused on skills (29%)" in text and "140 h of 200 h" in text
    # Supervised practice and supervision by the training formula.
    assert "2 h of 200 h" in text and "2 h 30 min of 40 h" in text
    # Cases with supervision per case: logged and counted.
    assert "T01" in text and "Generalised anxiety disorder" in text and "3 h" in text and "2 h" in text
    assert "T02" in text and "30 min" in text
    # Only ratings that count; self-ratings and unconfirmed supervisor ratings are left out.
    assert "REC-PASS" in text and "REC-MARK" in text and "40 of 72" in text
    assert "REC-SELF" not in text and "REC-AWAIT" not in text
    assert "Formulating worry" in text and "3,500" in text
    # The showcase lists the chosen evidence only.
    assert "Case study marking sheet" in text and "Private diary extract" not in text
    assert records["kept"].file_sha256 in text.replace(" ", "")  # the hash wraps across lines

    assert verify.verify_file(session, pdf).outcome == verify.AUTHENTIC
    records["t02"].attended_sessions = 7
    session.commit()
    changes = verify.verify_id(session, row.id).changes
    assert ("clinical_cases", str(records["t02"].id)) in changes.changed


def test_the_per_case_supervision_matches_the_readiness_rule(session, world):
    _trainee_records(session, world)
    view, assessment = babcp_application._judged(session, world["trainee"], TODAY, "babcp-practitioner-accreditation")
    rule = babcp_application._rule(view, "training-cases")
    logged, counted = babcp_application._supervision_by_case(assessment.snapshot, rule.counting)
    assert logged == {"T01": 180, "T02": 30} and counted == {"T01": 120, "T02": 30}


def test_hr_cannot_produce_a_babcp_application(session, world):
    with pytest.raises(NotPermitted):
        documents.issue(session, "babcp_application", world["trainee"], world["hr"], TODAY)
    assert documents.may_issue(session, world["supervisor"], world["trainee"],
                               documents.KINDS["babcp_application"], TODAY)


def test_the_applications_are_offered_to_whom_they_fit(session, world):
    pwp = make_user(session, team=world["team"], full_name="Amira Hassan")
    session.add(TrainingCourse(owner_id=pwp.id, title="PWP certificate", kind="pg_cert_pwp",
                               started_on=dt.date(2024, 1, 1)))
    session.flush()
    assert babcp_application.practitioner_applies(session, world["trainee"], TODAY)  # the trainee HI pathway
    assert not babcp_application.practitioner_applies(session, pwp, TODAY)
    assert documents.KINDS["babcp_supervisor_application"].applies(session, world["supervisor"], TODAY)
    assert not documents.KINDS["babcp_supervisor_application"].applies(session, pwp, TODAY)


def test_the_supervisor_application_shows_supervision_given_and_counts_feedback_only(session, world):
    rachel, callum = world["supervisor"], world["trainee"]
    pwp = make_user(session, team=world["team"], full_name="Amira Hassan", band="5")
    lead = make_user(session, team=world["team"], roles=(Role.PRACTITIONER, Role.SUPERVISOR), full_name="Owen Lead")
    session.add(ProfessionalRegistration(profile_id=rachel.profile.id, regulator=Regulator.BABCP,
                                         kind="babcp_accreditation", registration_number="BABCP-123",
                                         registered_on=dt.date(2021, 3, 1)))
    # Given in the service and countersigned: 60 + 90 min to Callum; 60 min to a PWP (not counted); an unconfirmed
    # 45 min counts nothing. Outside: 120 min to a group of 3. BABCP counts 60 + 90 + 120 = 270 min = 4 h 30 min.
    _supervision(session, callum, rachel, dt.date(2025, 6, 4), 60)
    _supervision(session, callum, rachel, dt.date(2025, 7, 2), 90)
    _supervision(session, pwp, rachel, dt.date(2025, 7, 3), 60)
    _supervision(session, callum, rachel, dt.date(2025, 8, 6), 45, confirmed=False)
    session.add(OutsideSupervisionGiven(owner_id=rachel.id, given_on=dt.date(2024, 10, 1), minutes=120, group_size=3,
                                        cbt=True, supervisee_is_pwp=False, setting="Private practice"))
    # Supervision of supervision received: 2 × 60 min.
    for on in (dt.date(2025, 9, 10), dt.date(2025, 10, 8)):
        _supervision(session, rachel, lead, on, 60, kind=SupervisionKind.SUPERVISION_OF_SUPERVISION)
    session.add(SupervisionTraining(owner_id=rachel.id, title="Supervising CBT", provider="BABCP",
                                    start_on=dt.date(2024, 5, 1), end_on=dt.date(2024, 5, 2), minutes=840))
    session.add(CpdActivity(owner_id=rachel.id, start_on=dt.date(2025, 3, 1), end_on=dt.date(2025, 3, 1),
                            title="Supervision skills day", category="professional", minutes=360,
                            reflection_learned="Giving feedback on recordings", reflection_practice="Agenda first"))
    request = FeedbackRequest(supervisor_id=rachel.id, requested_on=dt.date(2025, 9, 1), anonymous=True,
                              invitees=[FeedbackInvitee(supervisee_id=p.id) for p in (callum, pwp)])
    session.add(request)
    session.flush()
    session.add(FeedbackAnswer(request_id=request.id, respondent_id=callum.id, answered_on=dt.date(2025, 9, 2),
                               ratings={"safe_space": 5}, comments="SECRET-COMMENT"))
    session.add(SupervisorReport(supervisee_id=callum.id, supervisor_id=rachel.id, written_on=dt.date(2025, 9, 15),
                                 period_from=dt.date(2025, 1, 1), period_to=dt.date(2025, 9, 1),
                                 caseload="CASELOAD-TEXT", competence="COMPETENCE-TEXT", recommendation="ready"))
    session.commit()

    row, pdf = documents.issue(session, "babcp_supervisor_application", rachel, rachel, TODAY)
    session.commit()
    pages, text = _text(pdf)
    assert pages > 1 and "Page 1 of" in text
    assert "BABCP supervisor accreditation application" in text and "Rachel Adeyemi" in text
    assert "4 full years held" in text and "BABCP-123" in text
    assert "4 h 30 min of 80 h" in text
    assert "Supervising CBT" in text and "14 h" in text
    assert "Supervision skills day" in text and "Giving feedback on recordings" in text
    assert "Forms answered in all: 1" in text
    assert "SECRET-COMMENT" not in text and "CASELOAD-TEXT" not in text and "COMPETENCE-TEXT" not in text
    assert "1 report on supervisees" in text
    assert verify.verify_file(session, pdf).outcome == verify.AUTHENTIC
    assert "feedback_answers" not in row.manifest
    with pytest.raises(NotPermitted):
        documents.issue(session, "babcp_supervisor_application", rachel, world["hr"], TODAY)
    # Supervision given is only ever shown to the supervisor: even their own supervisor cannot produce this one.
    make_relationship(session, senior=lead, junior=rachel, kind=RelationshipKind.SUPERVISION,
                      starts_on=dt.date(2025, 1, 1))
    session.flush()
    with pytest.raises(NotPermitted):
        documents.issue(session, "babcp_supervisor_application", rachel, lead, TODAY)
