"""Supervisor reports: written by a current supervisor, read and acknowledged by the supervisee.

A pathway that needs a supervisor's report takes it from the current supervisor, and also from the
previous one when the current supervisor has supervised for under 6 months (facts.md §4.3;
pathway_babcp_first_accreditation_audit.toml). Reports are private like the logs: the supervisee
and their current supervisors or tutors read them; HR, managers and admins never do.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from app.services.access import can_supervise
from app.services.errors import DomainError
from app.services.logs import can_read_log
from app.services.privacy import refuse_patient_identifiers
from competences.windows import add_months
from models import RelationshipKind, StaffRelationship, User
from models.base import utcnow
from models.supervisor_work import SupervisorReport

if TYPE_CHECKING:
    from app.services.review_queue import QueueItem

RECOMMENDATIONS: dict[str, str] = {
    "ready": "Ready",
    "not_yet_ready": "Not yet ready",
    "concerns": "Concerns",
}
#: A report counts for a year after it is written (the pathway's rolling 12 months).
REPORT_VALID_MONTHS = 12
#: Under this, the previous supervisor's report is needed as well.
PREVIOUS_NEEDED_UNDER_MONTHS = 6
MAX_TEXT = 5000


@dataclasses.dataclass(frozen=True)
class ReportInput:
    period_from: dt.date
    period_to: dt.date
    caseload: str
    competence: str
    recommendation: str
    concerns: str | None = None
    recommendation_text: str | None = None


def _clean(text: str | None) -> str | None:
    text = (text or "").strip()
    return text or None


def _check(details: ReportInput, today: dt.date) -> None:
    if details.period_to < details.period_from:
        raise DomainError("The end of the period must be the same as or after its start", field="period_to")
    if details.period_to > today:
        raise DomainError("The period cannot end in the future", field="period_to")
    for name, label in (("caseload", "the caseload"), ("competence", "competence")):
        if _clean(getattr(details, name)) is None:
            raise DomainError(f"Describe {label}", field=name)
    if details.recommendation not in RECOMMENDATIONS:
        raise DomainError("Choose a recommendation", field="recommendation")
    if details.recommendation == "concerns" and _clean(details.concerns) is None:
        raise DomainError("Describe the concerns", field="concerns")
    for name in ("caseload", "competence", "concerns", "recommendation_text"):
        text = getattr(details, name)
        if text and len(text.strip()) > MAX_TEXT:
            raise DomainError(f"This must be {MAX_TEXT:,} characters or fewer", field=name)
        refuse_patient_identifiers(text, name)


def write_report(session: Session, supervisor: User, supervisee: User, details: ReportInput, *,
                 today: dt.date) -> SupervisorReport:
    """Only someone supervising the person today writes about them, and never about themselves."""
    if supervisor.id == supervisee.id:
        raise DomainError("You cannot write a supervisor's report about yourself")
    if not can_supervise(session, supervisor, supervisee, today):
        raise DomainError(f"You are not supervising {supervisee.full_name} today")
    _check(details, today)
    report = SupervisorReport(
        supervisee_id=supervisee.id, supervisor_id=supervisor.id, written_on=today,
        period_from=details.period_from, period_to=details.period_to,
        caseload=(details.caseload or "").strip(), competence=(details.competence or "").strip(),
        concerns=_clean(details.concerns), recommendation=details.recommendation,
        recommendation_text=_clean(details.recommendation_text))
    session.add(report)
    session.flush()
    return report


def acknowledge_report(session: Session, report: SupervisorReport, person: User, comment: str | None) -> None:
    """The supervisee says they have read it, once, with an optional comment."""
    if person.id != report.supervisee_id:
        raise DomainError("Only the person the report is about acknowledges it")
    if report.acknowledged_at is not None:
        raise DomainError("You have already acknowledged this report")
    comment = _clean(comment)
    if comment and len(comment) > MAX_TEXT:
        raise DomainError(f"This must be {MAX_TEXT:,} characters or fewer", field="comment")
    refuse_patient_identifiers(comment, "comment")
    report.acknowledged_at = utcnow()
    report.supervisee_comment = comment
    session.flush()


def can_read_report(session: Session, viewer: User, report: SupervisorReport, today: dt.date) -> bool:
    """The supervisee, the supervisor who wrote it, and whoever may read the supervisee's logs today."""
    if viewer.id in (report.supervisee_id, report.supervisor_id):
        return True
    return can_read_log(session, viewer, report.supervisee, today)


def reports_about(session: Session, supervisee_id: int) -> list[SupervisorReport]:
    return list(session.scalars(select(SupervisorReport).where(SupervisorReport.supervisee_id == supervisee_id)
                                .options(selectinload(SupervisorReport.supervisor))
                                .order_by(SupervisorReport.written_on.desc(), SupervisorReport.id.desc())))


# --- which reports a pathway needs ------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class RequiredReport:
    supervisor_id: int
    supervisor_name: str
    #: "current" or "previous".
    role: str
    #: When this supervisor began supervising the person (the earliest of their unbroken relationships).
    supervising_since: dt.date
    #: The newest report from them written in the last 12 months, if any.
    report: SupervisorReport | None

    @property
    def present(self) -> bool:
        return self.report is not None


def _needed(relationships: Sequence[StaffRelationship], today: dt.date) -> list[tuple[int, str, dt.date]]:
    """(supervisor id, "current" or "previous", supervising since) from one person's supervision relationships
    that started by today, oldest first."""
    current = [r for r in relationships if r.covers(today)]
    current_ids = list(dict.fromkeys(r.senior_id for r in current))
    since = {sid: min(r.starts_on for r in current if r.senior_id == sid) for sid in current_ids}
    needed: list[tuple[int, str, dt.date]] = [(sid, "current", since[sid]) for sid in current_ids]
    settled = any(add_months(start, PREVIOUS_NEEDED_UNDER_MONTHS) <= today for start in since.values())
    if not settled:
        ended = [r for r in relationships if r.ends_on is not None and r.ends_on < today
                 and r.senior_id not in current_ids]
        if ended:
            last = max(ended, key=lambda r: (r.ends_on or r.starts_on, r.id))
            needed.append((last.senior_id, "previous", min(r.starts_on for r in ended if r.senior_id == last.senior_id)))
    return needed


def reports_required(session: Session, person: User, today: dt.date) -> list[RequiredReport]:
    """The current supervisors' reports, and the previous supervisor's while no current one has
    supervised the person for 6 months (a relationship that started exactly 6 months ago is old enough).

    With several current supervisors, each one's report is listed; the previous supervisor is the one whose
    supervision ended most recently among those not supervising now. Three queries.
    """
    return reports_required_for(session, [person.id], today)[person.id]


def reports_required_for(session: Session, person_ids: Collection[int], today: dt.date) -> dict[int, list[RequiredReport]]:
    """reports_required for many people ({person id: their reports}), in three queries whatever their number."""
    ids = sorted(set(person_ids))
    if not ids:
        return {}
    relationships: dict[int, list[StaffRelationship]] = {pid: [] for pid in ids}
    for rel in session.scalars(select(StaffRelationship).where(
            StaffRelationship.junior_id.in_(ids), StaffRelationship.kind == RelationshipKind.SUPERVISION,
            StaffRelationship.starts_on <= today).order_by(StaffRelationship.starts_on, StaffRelationship.id)):
        relationships[rel.junior_id].append(rel)
    needed = {pid: _needed(rels, today) for pid, rels in relationships.items()}
    supervisor_ids = sorted({sid for found in needed.values() for sid, _, _ in found})
    if not supervisor_ids:
        return {pid: [] for pid in ids}
    valid_from = add_months(today, -REPORT_VALID_MONTHS)
    # Oldest first, so the newest report from each supervisor about each person is kept.
    newest = {(r.supervisee_id, r.supervisor_id): r for r in session.scalars(select(SupervisorReport).where(
        SupervisorReport.supervisee_id.in_(ids), SupervisorReport.supervisor_id.in_(supervisor_ids),
        SupervisorReport.written_on > valid_from, SupervisorReport.written_on <= today)
        .order_by(SupervisorReport.written_on, SupervisorReport.id))}
    names: dict[int, str] = {uid: name for uid, name in session.execute(
        select(User.id, User.full_name).where(User.id.in_(supervisor_ids)))}
    return {pid: [RequiredReport(sid, names.get(sid, ""), role, start, newest.get((pid, sid)))
                  for sid, role, start in found] for pid, found in needed.items()}


# --- the review queue --------------------------------------------------------------------------

def reports_due(session: Session, supervisor: User, supervisees: Sequence[User], today: dt.date) -> list[QueueItem]:
    """Supervisees with no report from this supervisor written in the last 12 months. One query.

    "Due" does not yet ask whether the supervisee is on a pathway that needs a report: no pathway
    reads supervisor reports (the first-accreditation audit counts a credential of kind
    supervisor_report instead), so every current supervisee is due yearly.
    """
    from app.services.review_queue import QueueItem  # the queue imports its providers: import it late

    if not supervisees:
        return []
    ids = [s.id for s in supervisees]
    last: dict[int, dt.date] = {sid: on for sid, on in session.execute(
        select(SupervisorReport.supervisee_id, func.max(SupervisorReport.written_on))
        .where(SupervisorReport.supervisor_id == supervisor.id, SupervisorReport.supervisee_id.in_(ids),
               SupervisorReport.written_on <= today)
        .group_by(SupervisorReport.supervisee_id))}
    valid_from = add_months(today, -REPORT_VALID_MONTHS)
    items = []
    for person in sorted(supervisees, key=lambda p: (p.full_name, p.id)):
        written = last.get(person.id)
        if written is not None and written > valid_from:
            continue
        title = ("Supervisor's report: none written yet" if written is None
                 else "Supervisor's report: the last is over 12 months old")
        items.append(QueueItem(kind="report", supervisee_id=person.id, supervisee_name=person.full_name, title=title,
                               waiting_since=add_months(written, REPORT_VALID_MONTHS) if written else None,
                               endpoint="portfolio.report_new", args={"user_id": person.id}))
    return items


__all__ = ["RECOMMENDATIONS", "ReportInput", "RequiredReport", "acknowledge_report", "can_read_report",
           "reports_about", "reports_due", "reports_required", "reports_required_for", "write_report"]
