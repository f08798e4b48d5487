"""The demo's pay-step progression: appraisals, HR standing and a year of decisions, so the round and HR's
oversight have something to show.

The story, as at `today`: Tom's last appraisal is 13 months old, so Grace's own standard 5 (her staff's
appraisals) is not met (Callum, a new starter, has none but is not yet due one); Leah's mandatory training is
incomplete. Nadia's step 2 was confirmed a year ago, a few days after its step date; Priya's was deferred ahead of
her step date for training that turned out to be complete, and HR corrected the deferral to a confirmation from her
step date once it had come. The demo's step dates all lie ahead (app.services.demo), so no
decision is live for a current step: the round's three-month window is empty until someone falls due.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from sqlalchemy.orm import Session

from app.services.progression import CORRECTION_REASON, PROGRESSION_REASON
from competences.windows import add_months
from models.hr import (Appraisal, AppraisalOutcome, EmploymentChange, HrStanding, ProgressionDecision,
                       ProgressionOutcome)
from models.people import User

#: (appraisee, appraiser, months ago, outcome): line managers from app.services.demo._relationships.
APPRAISALS = (
    ("amira", "grace", 2, AppraisalOutcome.MEETS), ("priya", "grace", 3, AppraisalOutcome.MEETS),
    ("tom", "grace", 13, AppraisalOutcome.MEETS), ("hannah", "grace", 5, AppraisalOutcome.MEETS),
    ("grace", "mark", 2, AppraisalOutcome.MEETS), ("daniel", "mark", 1, AppraisalOutcome.MEETS),
    ("sophie", "mark", 1, AppraisalOutcome.MEETS), ("rachel", "mark", 4, AppraisalOutcome.MEETS),
    ("owen", "mark", 8, AppraisalOutcome.MEETS), ("leah", "mark", 7, AppraisalOutcome.MEETS),
    ("nadia", "mark", 10, AppraisalOutcome.MEETS), ("mark", "helen", 3, AppraisalOutcome.MEETS),
)
SUMMARY = "Objectives for the year agreed; outcome in line with organisational standards."
#: Everyone with a post but Callum, who started five months ago and is not yet checked.
STANDING = ("amira", "priya", "tom", "hannah", "grace", "daniel", "sophie", "rachel", "owen", "leah", "nadia",
            "mark", "helen")
TRAINING_INCOMPLETE = "leah"


def at_noon(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)


def load_demo_progression(session: Session, users: Mapping[str, User], *, today: dt.date) -> None:
    """Add the progression story to a freshly loaded demo (people and relationships already there)."""
    hr = users["joanne"]
    for key, appraiser, months, outcome in APPRAISALS:
        profile = users[key].profile
        assert profile is not None
        session.add(Appraisal(profile_id=profile.id, held_on=add_months(today, -months), outcome=outcome,
                              appraiser_id=users[appraiser].id, recorded_by_id=users[appraiser].id, summary=SUMMARY))
    for key in STANDING:
        profile = users[key].profile
        assert profile is not None
        session.add(HrStanding(profile_id=profile.id, mandatory_training_complete=key != TRAINING_INCOMPLETE,
                               mandatory_training_checked_on=today - dt.timedelta(days=20), capability_process=False,
                               disciplinary_sanction=False, updated_by_id=hr.id,
                               updated_at=at_noon(today - dt.timedelta(days=20))))
    session.flush()
    _nadia_confirmed(session, users, today)
    _priya_deferred_then_corrected(session, users, today)
    session.flush()


def _nadia_confirmed(session: Session, users: Mapping[str, User], today: dt.date) -> None:
    nadia, mark = users["nadia"].profile, users["mark"]
    assert nadia is not None and nadia.step_started_on is not None and nadia.band_started_on is not None
    due = nadia.step_started_on  # her step 2 began on its step date, confirmed (never before it) days later
    decided = at_noon(min(due + dt.timedelta(days=3), today))
    session.add(ProgressionDecision(
        profile_id=nadia.id, band=nadia.band, from_step=1, to_step=2, due_on=due,
        outcome=ProgressionOutcome.CONFIRMED, reason="All five standards met at the review.", effective_on=due,
        previous_step_started_on=nadia.band_started_on, decided_by_id=mark.id, decided_at=decided))
    session.add(EmploymentChange(profile_id=nadia.id, effective_on=due, band=nadia.band, pay_step=2,
                                 previous_band=nadia.band, previous_step=1, reason=PROGRESSION_REASON,
                                 recorded_by_id=mark.id, created_at=decided))


def _priya_deferred_then_corrected(session: Session, users: Mapping[str, User], today: dt.date) -> None:
    priya, grace, hr = users["priya"].profile, users["grace"], users["joanne"]
    assert priya is not None and priya.step_started_on is not None and priya.band_started_on is not None
    due = priya.step_started_on
    corrected = at_noon(min(due + dt.timedelta(days=7), today))  # a confirmation waits for the step date
    deferral = ProgressionDecision(
        profile_id=priya.id, band=priya.band, from_step=1, to_step=2, due_on=due,
        outcome=ProgressionOutcome.DEFERRED, reason="Statutory and mandatory training shows as incomplete.",
        plan="Finish the two outstanding e-learning modules; protected time on Friday afternoons.",
        review_on=add_months(due, 2), decided_by_id=grace.id, decided_at=at_noon(due - dt.timedelta(days=14)),
        superseded=True)
    session.add(deferral)
    session.flush()
    session.add(ProgressionDecision(
        profile_id=priya.id, band=priya.band, from_step=1, to_step=2, due_on=due,
        outcome=ProgressionOutcome.CONFIRMED, reason="Training was complete before the step date.",
        effective_on=due, previous_step_started_on=priya.band_started_on, decided_by_id=hr.id,
        decided_at=corrected, corrects_id=deferral.id,
        correction_reason="The training record had not synchronised from the e-learning system."))
    session.add(EmploymentChange(profile_id=priya.id, effective_on=due, band=priya.band, pay_step=2,
                                 previous_band=priya.band, previous_step=1, reason=CORRECTION_REASON,
                                 recorded_by_id=hr.id, created_at=corrected))


__all__ = ["load_demo_progression"]
