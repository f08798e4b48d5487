"""The supervisor's side of the demo, so each demo supervisor opens a real, manageable review queue.

Supervision sessions older than three weeks are countersigned by the supervisor who ran them (one
disputed), the last three weeks left waiting; supervisors' CTS-R ratings are confirmed but the
latest of each trainee; trainees' supervision contracts, two supervisor reports, a PWP's claim
waiting for Grace, level ratings with a gap, supervision Nadia gives outside the service,
supervision training, a feedback request, and an outside link. Everything goes through the
services, so the demo passes the rules the pages enforce; the dates the services stamp with the
clock are then moved to the day of the story. Dates are relative to `today` and choices come from
a seeded generator, so the same day gives the same demo. Only `flush()`: the caller commits.
"""
from __future__ import annotations

import datetime as dt
import random
from collections.abc import Mapping
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.services import claims as claim_service
from app.services import contracts, countersigning, feedback_forms, level_ratings, outside_links
from app.services import supervision_given, supervision_log, supervisor_reports
from app.services.demo_ksa import at_noon
from competences.windows import add_months
from models import EvidenceItem, RelationshipKind, StaffRelationship, SupervisionKind, SupervisionSession, User
from models.countersigning import CountersignStatus
from models.reference_data import catalogue_for
from models.training import CtsrRating

SEED = 2028
#: Sessions this recent are left for the supervisor to countersign: the demo queues hold about three weeks.
AWAITING_DAYS = 21
DISPUTE_COMMENT = ("We met for 30 minutes that week, not 60: the session was cut short by a duty call. "
                   "Please correct the length and I will confirm it.")
#: A contract per supervision kind, as the demo's sessions run (demo_portfolio.SCHEDULE): sessions a month × minutes.
CONTRACT_TERMS: Mapping[SupervisionKind, tuple[int, int, str]] = {
    SupervisionKind.CASE_MANAGEMENT: (4, 60, "Weekly case management: caseload review, risk and step-ups."),
    SupervisionKind.CLINICAL_SKILLS: (2, 60, "Fortnightly skills supervision, with a recording each month."),
    SupervisionKind.CLINICAL: (4, 90, "Weekly clinical supervision for the training year, with a session "
                                      "recording reviewed at least monthly (BABCP minimum for trainees)."),
}
TRAINEES = ("amira", "callum", "daniel", "sophie")
CALLUM_STATEMENT = (
    "I assess people with common mental health problems by telephone and face to face, using the Step 2 "
    "assessment structure: information gathering, a collaborative problem statement, risk assessment and "
    "shared decision-making about treatment. My first live assessment was referred because I did not "
    "summarise the risk questions; the second, observed by my supervisor, passed with a clear risk summary.")
#: Owen's KSF dimensions: (item, his own level, his supervisor's level, her comment); a gap on C2 only.
OWEN_LEVELS = (
    ("c1", 3, 3, "Clear, careful communication with clients and the wider team."),
    ("c2", 3, 2, "Owen plans his own development well; supporting others' development is next (he has "
                 "started shadowing the PWP supervision group)."),
    ("c5", 3, 3, "Contributes to the service's outcome audits."),
    ("c6", 2, 2, "Completed the Trust's equality training; next, adapting CBT for interpreters."),
)
OUTSIDE_SUPERVISOR = ("Dr Ruth Calloway", "BABCP-accredited CBT supervisor and trauma specialist",
                      "ruth.calloway@example.org")


def load_demo_supervision(session: Session, users: Mapping[str, User], *, today: dt.date) -> None:
    """The supervisor workflow's demo data for the people of app.services.demo (keyed by first name); flush only."""
    rng = random.Random(SEED)  # nosec B311  # reproducible demo data, not a secret
    _countersign_sessions(session, rng, today)
    _confirm_ratings(session, today)
    _contracts(session, users, today)
    _reports(session, users, today)
    _callum_claim(session, users["callum"], today)
    _owen_levels(session, users["owen"], users["nadia"], today)
    _supervisor_work(session, users, today)
    _outside_link(session, users["leah"], today)
    session.flush()


# --- countersigning ----------------------------------------------------------------------------

def _countersign_day(entry: SupervisionSession, rng: random.Random, today: dt.date) -> dt.date:
    """A few days after the session, within the relationship it was under (a handed-over one ends)."""
    day = min(entry.occurred_on + dt.timedelta(days=rng.randint(1, 6)), today)
    rel = entry.relationship_
    if rel is not None and rel.ends_on is not None:
        day = min(day, rel.ends_on)
    return day


def _countersign_sessions(session: Session, rng: random.Random, today: dt.date) -> None:
    """Confirm every session older than AWAITING_DAYS as of the week it happened; dispute Priya's latest
    such case-management session."""
    cutoff = today - dt.timedelta(days=AWAITING_DAYS)
    entries = list(session.scalars(
        select(SupervisionSession)
        .where(SupervisionSession.deleted_at.is_(None), SupervisionSession.supervisor_id.is_not(None),
               SupervisionSession.countersign_status == CountersignStatus.AWAITING,
               SupervisionSession.occurred_on < cutoff)
        .options(selectinload(SupervisionSession.cases), selectinload(SupervisionSession.supervisee),
                 selectinload(SupervisionSession.supervisor), selectinload(SupervisionSession.relationship_))
        .order_by(SupervisionSession.occurred_on, SupervisionSession.id)))
    disputed = max((e for e in entries if e.supervisee.full_name == "Priya Shah"
                    and e.kind is SupervisionKind.CASE_MANAGEMENT), key=lambda e: e.occurred_on, default=None)
    for entry in entries:
        supervisor = entry.supervisor
        assert supervisor is not None
        day = _countersign_day(entry, rng, today)
        decision = (countersigning.Decision(confirm=False, comment=DISPUTE_COMMENT) if entry is disputed
                    else countersigning.Decision(confirm=True))
        countersigning.countersign_session(session, supervisor, entry, decision, today=day)
        entry.countersigned_at = at_noon(day)
    session.flush()


def _confirm_ratings(session: Session, today: dt.date) -> None:
    """Each owner's CTS-R ratings given as supervisor, confirmed by their current clinical supervisor; the latest waits."""
    rows = list(session.scalars(
        select(CtsrRating).where(CtsrRating.deleted_at.is_(None), CtsrRating.rater_role == "supervisor",
                                 CtsrRating.confirm_status == CountersignStatus.AWAITING)
        .options(selectinload(CtsrRating.owner)).order_by(CtsrRating.owner_id, CtsrRating.rated_on, CtsrRating.id)))
    by_owner: dict[int, list[CtsrRating]] = {}
    for row in rows:
        by_owner.setdefault(row.owner_id, []).append(row)
    for ratings in by_owner.values():
        owner = ratings[0].owner
        supervisor = level_ratings.designated_supervisor(session, owner, today)
        if supervisor is None:
            continue
        for rating in ratings[:-1]:
            countersigning.confirm_rating(session, supervisor, rating, countersigning.Decision(confirm=True),
                                          today=today)
            rating.confirmed_at = at_noon(min(rating.rated_on + dt.timedelta(days=3), today))
    session.flush()


# --- contracts and reports ---------------------------------------------------------------------

def _next_review(starts_on: dt.date, today: dt.date) -> dt.date:
    """Six-monthly reviews from the start: the next one after today."""
    review = add_months(starts_on, 6)
    while review <= today:
        review = add_months(review, 6)
    return review


def _contracts(session: Session, users: Mapping[str, User], today: dt.date) -> None:
    """A contract, agreed by the supervisor, on each current supervision relationship of the trainees."""
    ids = [users[key].id for key in TRAINEES]
    rels = session.scalars(select(StaffRelationship).where(
        StaffRelationship.junior_id.in_(ids), StaffRelationship.kind == RelationshipKind.SUPERVISION)
        .options(selectinload(StaffRelationship.senior)).order_by(StaffRelationship.id))
    for rel in rels:
        if not rel.covers(today) or rel.supervision_kind not in CONTRACT_TERMS:
            continue
        assert rel.supervision_kind is not None
        sessions, minutes, notes = CONTRACT_TERMS[rel.supervision_kind]
        contracts.save_contract(session, rel.senior, rel, contracts.ContractDetails(
            kind=rel.supervision_kind, starts_on=rel.starts_on, review_on=_next_review(rel.starts_on, today),
            sessions_per_month=sessions, minutes_per_session=minutes, notes=notes))


def _reports(session: Session, users: Mapping[str, User], today: dt.date) -> None:
    """Rachel's report on Sophie four months ago, acknowledged; Grace's on Priya last week, not yet read."""
    rachel, sophie, grace, priya = users["rachel"], users["sophie"], users["grace"], users["priya"]
    written = today - dt.timedelta(days=120)
    sophie_start = sophie.profile.band_started_on if sophie.profile and sophie.profile.band_started_on else written
    report = supervisor_reports.write_report(session, rachel, sophie, supervisor_reports.ReportInput(
        period_from=min(sophie_start, written), period_to=written,
        caseload="Six training cases at Step 3 (depression, GAD, PTSD, social anxiety, panic), all seen weekly, "
                 "with two closed and one in its last sessions.",
        competence="Sophie brings recordings every month and acts on feedback. Her CTS-R ratings have risen "
                   "steadily; agenda setting and feedback are strong, guided discovery is developing.",
        recommendation="ready",
        recommendation_text="On track to complete the training year and the KSA portfolio."), today=written)
    supervisor_reports.acknowledge_report(session, report, sophie,
                                          "Thank you: I will keep working on guided discovery.")
    report.acknowledged_at = at_noon(written + dt.timedelta(days=5))

    written = today - dt.timedelta(days=6)
    supervisor_reports.write_report(session, grace, priya, supervisor_reports.ReportInput(
        period_from=add_months(written, -12), period_to=written,
        caseload="A full Step 2 caseload of about 40: guided self-help for depression and anxiety, and "
                 "psychoeducation groups every other week.",
        competence="Reliable risk assessment and clear, well-paced guided self-help; outcomes in line with "
                   "the service's. Ready to take on a share of the trainee PWPs' case management.",
        recommendation="ready"), today=written)


# --- a PWP's claim, level ratings --------------------------------------------------------------

def _callum_claim(session: Session, callum: User, today: dt.date) -> None:
    """A claim to the PWP training area LI1, submitted four days ago, with the live assessment feedback if uploaded."""
    feedback = session.scalar(select(EvidenceItem.id).where(
        EvidenceItem.owner_id == callum.id, EvidenceItem.title == "Live assessment feedback",
        EvidenceItem.deleted_at.is_(None)))
    claim = claim_service.create_claim(
        session, callum, "iapt-competence-areas", "li-engagement-assessment", None,
        claim_service.ClaimInput({"statement": CALLUM_STATEMENT}, {feedback: None} if feedback else {}),
        on=today - dt.timedelta(days=6), catalogue=catalogue_for(session))
    claim_service.submit_claim(session, claim, callum)
    submitted = today - dt.timedelta(days=4)
    claim.history[-1].occurred_at = claim.submitted_at = at_noon(submitted)
    session.flush()


def _owen_levels(session: Session, owen: User, nadia: User, today: dt.date) -> None:
    """Owen rates himself on four KSF core dimensions; Nadia rates him two weeks later, a level lower on C2."""
    framework = level_ratings.rated_framework(catalogue_for(session), "ksf", today)
    own_day, her_day = today - dt.timedelta(days=60), today - dt.timedelta(days=46)
    for item_id, own, hers, comment in OWEN_LEVELS:
        level_ratings.add_rating(session, owen, owen, framework, level_ratings.RatingInput(item_id, own, own_day),
                                 as_role="self", today=today)
        level_ratings.add_rating(session, owen, nadia, framework,
                                 level_ratings.RatingInput(item_id, hers, her_day, comment),
                                 as_role="supervisor", today=today)


# --- the supervisor's own work -----------------------------------------------------------------

def _supervisor_work(session: Session, users: Mapping[str, User], today: dt.date) -> None:
    """Nadia supervises a university's trainees monthly; she and Rachel have supervisor training; Rachel asks
    two supervisees for feedback, and Sophie has answered."""
    nadia, rachel = users["nadia"], users["rachel"]
    for months in range(1, 7):
        supervision_given.record_given(session, nadia, supervision_given.GivenInput(
            given_on=add_months(today, -months), minutes=90, group_size=3, cbt=True, supervisee_is_pwp=False,
            setting="University of Northshire PG Diploma placement supervision"), today=today)
    supervision_given.record_given(session, nadia, supervision_given.GivenInput(
        given_on=today - dt.timedelta(days=10), minutes=60, group_size=1, cbt=True, supervisee_is_pwp=False,
        setting="Eastvale Talking Therapies: supervision for a CBT therapist's accreditation"), today=today)
    for owner, title, provider, days, hours in (
        (nadia, "Postgraduate Certificate in CBT Supervision", "University of Northshire", 3 * 365, "60"),
        (rachel, "CBT supervisor skills: three-day workshop", "BABCP Northern Branch", 200, "19.5"),
    ):
        start = today - dt.timedelta(days=days)
        supervision_given.record_training(session, owner, supervision_given.TrainingInput(
            title=title, provider=provider, start_on=start, end_on=start + dt.timedelta(days=2),
            hours=Decimal(hours)), today=today)
    asked = today - dt.timedelta(days=20)
    request = feedback_forms.request_feedback(session, rachel, [users["sophie"], users["amira"]], anonymous=True,
                                              today=asked)
    feedback_forms.answer_feedback(session, request, users["sophie"],
                                   {"safe_space": 5, "structure": 4, "skills": 5, "feedback": 4},
                                   "Recordings every month have helped most.", today=asked + dt.timedelta(days=3))


def _outside_link(session: Session, leah: User, today: dt.date) -> None:
    """Leah's consultation with an outside trauma specialist, and the link she sent her to confirm it."""
    name, credentials, email = OUTSIDE_SUPERVISOR
    entry = supervision_log.record_supervision(session, leah, supervision_log.SupervisionDetails(
        occurred_on=today - dt.timedelta(days=9), minutes=60, outside_name=name, outside_credentials=credentials,
        kind=SupervisionKind.CLINICAL, themes="Consultation on trauma-focused CBT: pacing reliving and "
                                              "managing dissociation."), today=today)
    # The raw token would be e-mailed; the demo keeps only its hash, as the service always does.
    outside_links.create_supervision_link(session, leah, [entry.id], email,
                                          now=at_noon(today - dt.timedelta(days=1)))
