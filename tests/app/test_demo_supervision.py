"""The demo's supervisor workflow: queues of about three weeks' work, countersigned history, contracts and reports."""
import datetime as dt
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import String, Text, select

from app.services import contracts, countersigning, level_ratings, review_queue, supervisor_reports
from app.services.demo import DEMO_PASSWORD, load_demo
from app.services.demo_supervision import AWAITING_DAYS, DISPUTE_COMMENT
from app.services.privacy import patient_identifier_problem
from competences.claims import ClaimStatus
from models import CompetenceClaim, SupervisionSession, User
from models.audit import verify_chain
from models.countersigning import CountersignStatus, SupervisionContract
from models.outside_links import LinkPurpose, OutsideLink
from models.reference_data import catalogue_for
from models.level_ratings import LevelRating
from models.supervisor_work import (FeedbackAnswer, FeedbackRequest, OutsideSupervisionGiven, SupervisionTraining,
                                    SupervisorReport)
from models.training import CtsrRating
from tests.factories import TEST_SETTINGS

TODAY = dt.date(2026, 11, 30)  # a Monday
CUTOFF = TODAY - dt.timedelta(days=AWAITING_DAYS)  # 9 November
FREE_TEXT_MODELS = (SupervisionSession, SupervisionContract, SupervisorReport, LevelRating, OutsideSupervisionGiven,
                    SupervisionTraining, FeedbackAnswer, OutsideLink)
#: Hex digests and hashes are not text a person wrote, and a run of their digits can pass the NHS number check.
NOT_TEXT = ("countersigned_digest", "token_hash")


@pytest.fixture
def demo(app, session):
    load_demo(session, TEST_SETTINGS, today=TODAY, evidence_dir=Path(app.config["UPLOAD_DIR"]) / "evidence")
    session.commit()


def person(session, first):
    return session.scalar(select(User).where(User.email.startswith(f"{first}.")))


def test_rachels_queue_holds_three_weeks_of_sessions_a_claim_a_rating_the_reference_and_reports_due(session, demo):
    rachel = person(session, "rachel")
    queue = review_queue.queue_for(session, rachel, TODAY, review_queue.default_providers())
    # Since 9 November: Sophie's weekly Wednesday sessions on the 11th, 18th and 25th; Amira's and Priya's
    # fortnightly Thursday skills sessions on the 19th. Sophie's KSA 11 claim and her request for a reference,
    # her CTS-R rating of 100 days ago (the one of 250 days ago is confirmed), and no report yet on Amira or Priya.
    assert Counter(item.kind for item in queue) == {"supervision": 5, "claim": 1, "rating": 1, "reference": 1,
                                                    "report": 2}
    sessions = [item for item in queue if item.kind == "supervision"]
    assert sorted((i.supervisee_name, i.waiting_since.day) for i in sessions) == [
        ("Amira Hassan", 19), ("Priya Shah", 19), ("Sophie Lang", 11), ("Sophie Lang", 18), ("Sophie Lang", 25)]
    (rating,) = [i for i in queue if i.kind == "rating"]
    assert rating.waiting_since == TODAY - dt.timedelta(days=100)
    (reference,) = [i for i in queue if i.kind == "reference"]
    assert reference.title == "Reference (KSA4): KSA 9, KSA 10"


def test_no_supervisor_has_a_session_older_than_four_weeks_waiting_and_grace_has_callums_claim(session, demo):
    oldest_allowed = TODAY - dt.timedelta(weeks=4)
    for first in ("rachel", "grace", "nadia", "mark"):
        queue = review_queue.queue_for(session, person(session, first), TODAY, review_queue.default_providers())
        waiting = [i for i in queue if i.kind == "supervision"]
        assert waiting, first
        assert all(i.waiting_since >= oldest_allowed for i in waiting), first
    grace_queue = review_queue.queue_for(session, person(session, "grace"), TODAY, review_queue.default_providers())
    (claim_item,) = [i for i in grace_queue if i.kind == "claim"]
    assert claim_item.supervisee_name == "Callum Reid" and "LI1" in claim_item.title
    claim = session.get(CompetenceClaim, claim_item.args["claim_id"])
    assert claim.status is ClaimStatus.SUBMITTED and claim.submitted_at.date() == TODAY - dt.timedelta(days=4)
    assert len(claim.evidence_links) == 1  # his live assessment feedback


def test_older_sessions_are_countersigned_by_their_supervisor_within_the_week_and_one_is_disputed(session, demo):
    rows = list(session.scalars(select(SupervisionSession).where(SupervisionSession.supervisor_id.is_not(None))))
    older = [s for s in rows if s.occurred_on < CUTOFF]
    recent = [s for s in rows if s.occurred_on >= CUTOFF]
    assert older and recent
    assert all(s.countersign_status is CountersignStatus.AWAITING for s in recent)
    (disputed,) = [s for s in older if s.countersign_status is CountersignStatus.DISPUTED]
    assert disputed.supervisee.full_name == "Priya Shah" and disputed.countersign_comment == DISPUTE_COMMENT
    # Priya's latest case-management session before the cutoff: weekly on Tuesdays, so Tuesday 3 November.
    assert disputed.occurred_on == dt.date(2026, 11, 3)
    for entry in older:
        assert entry.countersign_status in {CountersignStatus.CONFIRMED, CountersignStatus.DISPUTED}
        assert entry.countersigned_by_id == entry.supervisor_id
        assert entry.countersigned_digest == countersigning.session_digest(entry)
        signed = entry.countersigned_at.date()
        assert entry.occurred_on <= signed <= entry.occurred_on + dt.timedelta(days=6)
        assert entry.relationship_.covers(signed)
    # Leah's consultation with an outside supervisor waits for the outside link.
    (outside,) = session.scalars(select(SupervisionSession).where(SupervisionSession.supervisor_id.is_(None)))
    assert outside.countersign_status is CountersignStatus.AWAITING
    assert outside.outside_supervisor_name == "Dr Ruth Calloway"


def test_each_trainees_supervisors_ctsr_ratings_are_confirmed_except_the_latest(session, demo):
    found = {}
    for rating in session.scalars(select(CtsrRating).where(CtsrRating.rater_role == "supervisor")
                                  .order_by(CtsrRating.rated_on)):
        found.setdefault(rating.owner.full_name, []).append(
            ((TODAY - rating.rated_on).days, rating.confirm_status,
             rating.confirmed_by.full_name if rating.confirmed_by else None))
    confirmed, awaiting = CountersignStatus.CONFIRMED, CountersignStatus.AWAITING
    assert found == {
        "Sophie Lang": [(250, confirmed, "Rachel Adeyemi"), (100, awaiting, None)],
        "Daniel Moreno": [(90, confirmed, "Nadia Karim"), (25, awaiting, None)],
    }


def test_trainees_have_contracts_and_reports_levels_and_supervisor_work_are_in_place(session, demo):
    sophie, amira, callum, daniel = (person(session, k) for k in ("sophie", "amira", "callum", "daniel"))
    terms = sorted((c.relationship_.junior.full_name, c.kind.value, c.minutes_per_month)
                   for c in session.scalars(select(SupervisionContract)))
    assert terms == [("Amira Hassan", "case_management", 240), ("Amira Hassan", "clinical_skills", 120),
                     ("Callum Reid", "case_management", 240), ("Callum Reid", "clinical_skills", 120),
                     ("Daniel Moreno", "clinical", 360), ("Sophie Lang", "clinical", 360)]
    assert all(TODAY < c.review_on <= TODAY + dt.timedelta(days=183) for c in session.scalars(
        select(SupervisionContract)))
    assert contracts.contract_target_minutes(session, amira, TODAY) == 360
    assert contracts.contract_target_minutes(session, callum, TODAY) == 360
    assert contracts.contract_target_minutes(session, daniel, TODAY) == 360

    (required,) = supervisor_reports.reports_required(session, sophie, TODAY)
    assert required.supervisor_name == "Rachel Adeyemi" and required.present
    assert required.report.written_on == TODAY - dt.timedelta(days=120)
    assert required.report.acknowledged_at.date() == TODAY - dt.timedelta(days=115)
    (grace_report,) = supervisor_reports.reports_about(session, person(session, "priya").id)
    assert grace_report.supervisor.full_name == "Grace Whitfield" and grace_report.acknowledged_at is None

    owen = person(session, "owen")
    framework = level_ratings.rated_framework(catalogue_for(session), "ksf", TODAY)
    page = level_ratings.levels_page(session, owen, framework, TODAY)
    gaps = {row.item.code: row.gap for _, rows in page.groups for row in rows if row.gap is not None}
    assert gaps == {"C1": 0, "C2": -1, "C5": 0, "C6": 0}

    nadia, rachel = person(session, "nadia"), person(session, "rachel")
    given = list(session.scalars(select(OutsideSupervisionGiven).where(OutsideSupervisionGiven.owner_id == nadia.id)))
    assert len(given) == 7 and sum(g.minutes for g in given) == 6 * 90 + 60
    assert {t.owner_id for t in session.scalars(select(SupervisionTraining))} == {nadia.id, rachel.id}
    (request,) = session.scalars(select(FeedbackRequest))
    assert request.supervisor_id == rachel.id and request.anonymous
    assert len(request.invitees) == 2 and len(request.answers) == 1


def test_leahs_outside_supervisor_has_a_sent_link_for_just_that_session(session, demo):
    leah = person(session, "leah")
    (link,) = session.scalars(select(OutsideLink))
    (outside,) = session.scalars(select(SupervisionSession).where(SupervisionSession.supervisor_id.is_(None)))
    assert link.owner_id == leah.id and link.purpose is LinkPurpose.CONFIRM_SUPERVISION
    assert link.recipient_name == "Dr Ruth Calloway" and link.session_ids == [outside.id]
    now = dt.datetime.combine(TODAY, dt.time(9), tzinfo=dt.timezone.utc)
    assert link.status_at(now) == "sent"
    assert link.expires_at.date() == TODAY + dt.timedelta(days=13)


def test_the_demo_audit_chain_verifies_and_rachels_supervisor_home_shows_her_queue(session, demo, client,
                                                                                   login_as, monkeypatch):
    monkeypatch.setattr("app.home.views.today", lambda: TODAY)  # the day the demo was loaded for
    report = verify_chain(session)
    assert report.ok, report
    login_as(person(session, "rachel"), password=DEMO_PASSWORD)
    response = client.get("/supervisor")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Waiting for you (10)" in html
    for words in ("Supervision to countersign", "Claim to sign off", "Rating to confirm", "Reference requested",
                  "Report due", "Supervision on 25 November 2026 (90 minutes)"):
        assert words in html, words


def test_no_text_the_supervisor_workflow_adds_holds_a_patient_identifier(session, demo):
    checked = 0
    for model in FREE_TEXT_MODELS:
        columns = [c for c in model.__table__.columns if isinstance(c.type, (String, Text)) and c.key not in NOT_TEXT]
        for row in session.scalars(select(model)):
            for column in columns:
                value = getattr(row, column.key)
                assert patient_identifier_problem(value) is None, (model.__name__, column.key, value)
                checked += value is not None
    assert checked > 1500
