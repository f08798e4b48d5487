"""Supervision a person gave, as the readiness engine reads it, for the snapshot builder (models.snapshot).

Two queries however many rows. Decisions a reviewer would ask about:

* In-service supervision given is every live session a supervisee logged naming this person as
  supervisor (SupervisionSession.supervisor_id), whatever its kind, once the supervisor has
  countersigned it (confirmed): an unconfirmed or disputed session is the supervisee's word only.
* Whether the supervisee is a wellbeing practitioner is judged from their post as it is now
  (band 4 or 5, or "wellbeing" in the job title: models.snapshot.is_wellbeing_practitioner); the post
  at the session's date is not kept.
* Supervision given outside the service comes from the supervisor's own log
  (models.supervisor_work.OutsideSupervisionGiven), with the PWP flag they entered.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from competences import evidence as ev
from models.countersigning import CountersignStatus
from models.people import StaffProfile
from models.portfolio import SupervisionSession
from models.supervisor_work import OutsideSupervisionGiven

#: Agenda for Change bands of trainee (4) and qualified (5) PWP posts (as models.snapshot.PWP_BANDS).
PWP_BANDS = ("4", "5")


def is_pwp_post(band: str | None, job_title: str | None) -> bool:
    return band in PWP_BANDS or "wellbeing" in (job_title or "").lower()


#: The columns of an in-service session given that given_of reads, in its order (the supervisee's post joined).
GIVEN_COLUMNS = (SupervisionSession.id, SupervisionSession.occurred_on, SupervisionSession.minutes,
                 SupervisionSession.group_size, SupervisionSession.cbt, StaffProfile.band, StaffProfile.job_title)
#: In-service sessions that count as given: live and countersigned.
COUNTED_GIVEN = (SupervisionSession.deleted_at.is_(None),
                 SupervisionSession.countersign_status == CountersignStatus.CONFIRMED)


def supervision_given_for(session: Session, user_id: int) -> tuple[ev.SupervisionGiven, ...]:
    """In-service sessions (ids "given:<session id>") then outside ones ("given-outside:<id>"), each by date."""
    inside = session.execute(
        select(*GIVEN_COLUMNS)
        .outerjoin(StaffProfile, StaffProfile.user_id == SupervisionSession.supervisee_id)
        .where(SupervisionSession.supervisor_id == user_id, *COUNTED_GIVEN)
        .order_by(SupervisionSession.occurred_on, SupervisionSession.id)).all()
    outside = session.scalars(
        select(OutsideSupervisionGiven)
        .where(OutsideSupervisionGiven.owner_id == user_id, OutsideSupervisionGiven.deleted_at.is_(None))
        .order_by(OutsideSupervisionGiven.given_on, OutsideSupervisionGiven.id))
    return given_of(inside, outside)


def given_of(inside: Iterable[Sequence[Any]], outside: Iterable[OutsideSupervisionGiven]
             ) -> tuple[ev.SupervisionGiven, ...]:
    """Rows of GIVEN_COLUMNS, then outside rows; shared with models.bulk_snapshot."""
    return (*(ev.SupervisionGiven(id=f"given:{sid}", date=on, minutes=minutes, group_size=group, cbt=cbt,
                                  supervisee_is_pwp=is_pwp_post(band, title))
              for sid, on, minutes, group, cbt, band, title in inside),
            *(ev.SupervisionGiven(id=f"given-outside:{row.id}", date=row.given_on, minutes=row.minutes,
                                  group_size=row.group_size, cbt=row.cbt, supervisee_is_pwp=row.supervisee_is_pwp)
                for row in outside))
