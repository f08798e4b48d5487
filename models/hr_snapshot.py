"""HR facts for the pay progression standards (appraisal, training, formal processes, team appraisals), for one
person or a whole list in a fixed number of queries.

The snapshot builder, the progression round and a person's progression page all read these, so the
readiness pathway "next pay step" and the HR pages judge the same facts.

Decisions a reviewer would ask about:

* Standard 1 is "an appraisal completed within the last 12 months, with an outcome in line with
  organisational standards" (facts §1.2). An appraisal recorded as *not* in line with standards was
  held, but it does not meet the standard, so only MEETS appraisals give `last_appraisal_on`. The
  latest appraisal decides: when the most recent one is DOES_NOT_MEET, an earlier MEETS appraisal no
  longer vouches for the person and `last_appraisal_on` is None (pages then say why, from
  `HrRecord.latest_appraisal_outcome`).
* "In the last 12 months" is inclusive: an appraisal held exactly 12 months ago to the day counts
  (competences.windows.add_months, as the readiness rule counts).
* None stays None: a standard HR have not recorded is "not recorded", never assumed met or unmet.
* A disciplinary sanction is live unless `sanction_live_until` is before today.
* Standard 5 (line managers): every person they line-manage today has an appraisal, whatever its
  outcome (the manager held it), in the last 12 months. With nobody to appraise there is nothing to
  claim, so it is None rather than True.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Collection

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from competences.evidence import HrFacts
from competences.windows import add_months
from models.enums import RelationshipKind
from models.hr import Appraisal, AppraisalOutcome, HrStanding
from models.people import StaffProfile, User
from models.relationships import StaffRelationship

#: Standard 1 and standard 5 look back this many months.
APPRAISAL_MONTHS = 12


@dataclasses.dataclass(frozen=True)
class HrRecord:
    """The HR facts with what pages need to explain them (which appraisal, which standing row)."""

    facts: HrFacts
    latest_appraisal_on: dt.date | None = None
    latest_appraisal_outcome: AppraisalOutcome | None = None
    #: Line managers: how many people they line-manage today, and how many of those lack a recent appraisal.
    reports: int = 0
    reports_unappraised: int = 0


def appraisal_cutoff(today: dt.date) -> dt.date:
    """The earliest day an appraisal may be held and still count today."""
    return add_months(today, -APPRAISAL_MONTHS)


def sanction_live(standing: HrStanding | None, today: dt.date) -> bool | None:
    if standing is None or standing.disciplinary_sanction is None:
        return None
    if not standing.disciplinary_sanction:
        return False
    return standing.sanction_live_until is None or standing.sanction_live_until >= today


def hr_records_for(session: Session, profile_ids: Collection[int], today: dt.date) -> dict[int, HrRecord]:
    """HR records of many people in two queries, whatever their number (profiles not found are left out)."""
    ids = sorted(set(profile_ids))
    if not ids:
        return {}
    rows = session.execute(
        select(StaffProfile.id, HrStanding, Appraisal.held_on, Appraisal.outcome)
        .outerjoin(HrStanding, HrStanding.profile_id == StaffProfile.id)
        .outerjoin(Appraisal, and_(Appraisal.profile_id == StaffProfile.id, Appraisal.held_on <= today))
        .where(StaffProfile.id.in_(ids))
        .order_by(StaffProfile.id, Appraisal.held_on, Appraisal.id)).all()
    standings: dict[int, HrStanding | None] = {}
    latest: dict[int, tuple[dt.date, AppraisalOutcome]] = {}
    last_meets: dict[int, dt.date] = {}
    for pid, standing_row, held_on, outcome in rows:
        standings[pid] = standing_row
        if held_on is None:
            continue
        # Rows come oldest first; on one day a DOES_NOT_MEET recorded later wins (ordered by id).
        latest[pid] = (held_on, outcome)
        if outcome is AppraisalOutcome.MEETS:
            last_meets[pid] = held_on
    teams = _team_appraisals(session, ids, today)
    out: dict[int, HrRecord] = {}
    for pid, row in standings.items():
        standing: HrStanding | None = row
        latest_on, latest_outcome = latest[pid] if pid in latest else (None, None)
        last = last_meets.get(pid) if latest_outcome is AppraisalOutcome.MEETS else None
        reports = teams.get(pid, [])
        unappraised = sum(1 for done in reports if not done)
        facts = HrFacts(
            last_appraisal_on=last,
            mandatory_training_complete=standing.mandatory_training_complete if standing else None,
            capability_process=standing.capability_process if standing else None,
            live_disciplinary_sanction=sanction_live(standing, today),
            team_appraisals_done=(unappraised == 0) if reports else None)
        out[pid] = HrRecord(facts, latest_on, latest_outcome, len(reports), unappraised)
    return out


def _team_appraisals(session: Session, ids: list[int], today: dt.date) -> dict[int, list[bool]]:
    """For each manager's profile, one flag per person they line-manage today: appraised in the last 12 months."""
    manager = aliased(StaffProfile)
    report = aliased(StaffProfile)
    rows = session.execute(
        select(manager.id, StaffRelationship.junior_id, func.max(Appraisal.held_on))
        .join(StaffRelationship, StaffRelationship.senior_id == manager.user_id)
        .join(User, and_(User.id == StaffRelationship.junior_id, User.active.is_(True)))
        .outerjoin(report, report.user_id == StaffRelationship.junior_id)
        .outerjoin(Appraisal, and_(Appraisal.profile_id == report.id, Appraisal.held_on <= today,
                                   Appraisal.held_on >= appraisal_cutoff(today)))
        .where(manager.id.in_(ids), StaffRelationship.kind == RelationshipKind.LINE_MANAGEMENT,
               StaffRelationship.starts_on <= today,
               or_(StaffRelationship.ends_on.is_(None), StaffRelationship.ends_on >= today))
        .group_by(manager.id, StaffRelationship.junior_id)).all()
    flags: defaultdict[int, list[bool]] = defaultdict(list)
    for pid, _junior, held_on in rows:
        flags[pid].append(held_on is not None)
    return dict(flags)


def hr_facts_for(session: Session, profile_ids: Collection[int], today: dt.date) -> dict[int, HrFacts]:
    """HrFacts of many people (lists, the progression round) in two queries."""
    return {pid: record.facts for pid, record in hr_records_for(session, profile_ids, today).items()}


def hr_facts(session: Session, user: User, profile: StaffProfile | None, today: dt.date) -> HrFacts:
    """One person's HrFacts for the snapshot; nothing is recorded for someone without a staff profile."""
    if profile is None:
        return HrFacts()
    return hr_facts_for(session, [profile.id], today).get(profile.id, HrFacts())


__all__ = ["APPRAISAL_MONTHS", "HrRecord", "appraisal_cutoff", "hr_facts", "hr_facts_for", "hr_records_for",
           "sanction_live"]
