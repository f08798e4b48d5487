"""Training hours and ratings as the readiness engine reads them, for the snapshot builder (models.snapshot).

One query for training hours and two for ratings, however many rows. Deleted rows never count,
nor do hours of a deleted course.

Decisions a reviewer would ask about:

* Training hours count on their end date (as a CPD activity does).
* A CTS-R rating keeps the total and pass it was saved with; the pass mark in force then was the
  course's own if the rating names a course, else the scale's (changing a course's pass mark
  re-judges its ratings, app.services.ratings).
* Rater roles map to the engine's words: self → "self", supervisor → "supervisor",
  course_tutor → "marker". A rating the practitioner recorded as their supervisor's counts only
  once a supervisor has confirmed it (app.services.countersigning); until then, or when disputed,
  it is left out, so a practitioner cannot meet a requirement by their own entry. Course markers'
  ratings cannot be confirmed in Waymark yet and count as recorded.
* PWP live assessments have no rating scale in the catalogue, so they become ratings on the scale id
  the PWP register pathway counts ("pwp-live-assessment"), with a total of 0 and `passed` when the
  outcome is a pass.
"""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from competences import evidence as ev
from models.countersigning import CountersignStatus
from models.training import CtsrRating, PwpLiveAssessment, TrainingCourse, TrainingHoursEntry

#: The scale id pathways use for PWP live assessments (pathway_pwp_register_babcp.toml).
PWP_LIVE_ASSESSMENT_SCALE = "pwp-live-assessment"

RATER_ROLES = {"self": "self", "supervisor": "supervisor", "course_tutor": "marker"}

#: The CTS-R ratings that count: not deleted, and a supervisor's only once confirmed.
COUNTED_CTSR = (CtsrRating.deleted_at.is_(None),
                or_(CtsrRating.rater_role != "supervisor", CtsrRating.confirm_status == CountersignStatus.CONFIRMED))

#: Training hours that count (with the entries joined to their course): neither the entry nor its course deleted.
COUNTED_HOURS = (TrainingCourse.deleted_at.is_(None), TrainingHoursEntry.deleted_at.is_(None))


def training_hours_for(session: Session, owner_id: int) -> tuple[ev.TrainingHours, ...]:
    rows = session.scalars(
        select(TrainingHoursEntry).join(TrainingCourse, TrainingCourse.id == TrainingHoursEntry.course_id)
        .where(TrainingCourse.owner_id == owner_id, *COUNTED_HOURS)
        .order_by(TrainingHoursEntry.end_on, TrainingHoursEntry.id))
    return tuple(training_hours_of(row) for row in rows)


def ratings_for(session: Session, owner_id: int) -> tuple[ev.Rating, ...]:
    ctsr = session.scalars(select(CtsrRating).where(CtsrRating.owner_id == owner_id, *COUNTED_CTSR)
                           .order_by(CtsrRating.rated_on, CtsrRating.id))
    live = session.scalars(select(PwpLiveAssessment).where(PwpLiveAssessment.owner_id == owner_id,
                                                           PwpLiveAssessment.deleted_at.is_(None))
                           .order_by(PwpLiveAssessment.assessed_on, PwpLiveAssessment.id))
    return ratings_of(ctsr, live)


# Row converters, shared with models.bulk_snapshot so a record counts the same for one person or many.

def training_hours_of(row: TrainingHoursEntry) -> ev.TrainingHours:
    return ev.TrainingHours(id=f"training-hours:{row.id}", date=row.end_on, minutes=row.minutes, kind=row.kind,
                            skills_focused=row.skills_focused)


def ratings_of(ctsr: Iterable[CtsrRating], live: Iterable[PwpLiveAssessment]) -> tuple[ev.Rating, ...]:
    """Counted CTS-R ratings and live assessments (rows already filtered), by date."""
    found = [ev.Rating(id=f"ctsr:{row.id}", scale_id=row.scale_id, date=row.rated_on, total=row.total,
                       passed=row.passed, rater_role=RATER_ROLES.get(row.rater_role, row.rater_role),
                       case_ref=row.case_ref) for row in ctsr]
    found += [ev.Rating(id=f"live-assessment:{row.id}", scale_id=PWP_LIVE_ASSESSMENT_SCALE, date=row.assessed_on,
                        total=0, passed=row.outcome == "pass", rater_role="marker",
                        intervention=row.intervention if row.intervention != "other"
                        else f"other:{(row.intervention_other or '').strip().lower()}")
              for row in live]
    return tuple(sorted(found, key=lambda r: (r.date, r.id)))
