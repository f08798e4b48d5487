"""The PWP register renewal pack: a declaration year's evidence for the BABCP PWP Register or the BPS WPWR.

Private (it holds the CPD reflective statements): the practitioner, or their current supervisor or
tutor. The year is the declaration year the CPD log uses (cpd.period_containing from the register's
anniversary); CPD is totalled by cpd.cpd_totals, supervision month by month by
supervision_log.monthly_totals as the supervision page does, live assessments listed as their page
lists them; the readiness reports are the dashboard's for the register(s) that apply.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.services import cpd, ratings, readiness
from app.services import supervision_log as supervision
from app.services.document_kinds.nmc_pack import (cover_rows, cpd_activities, credential_section, evidence_section,
                                                   holds, period_text, readiness_section)
from app.services.documents import PRIVATE, Kind, register
from exports import charts
from exports.documents import DocumentContent, Section
from exports.manifest import ManifestBuilder
from models import SupervisionKind, SupervisionSession, User
from models.training import PwpLiveAssessment

KIND_ID = "pwp_register_renewal"
REGISTER_KINDS = ("babcp_pwp_register", "bps_wpwr")
PATHWAYS = (readiness.PWP_REGISTER_BABCP, readiness.PWP_REGISTER_BPS)
PWP_SUPERVISION = (SupervisionKind.CASE_MANAGEMENT, SupervisionKind.CLINICAL_SKILLS)
SECTIONS = "pdf/sections/pwp_"


def _supervision(session: Session, subject: User, builder: ManifestBuilder, assessment: readiness.Assessment,
                 start: dt.date, end: dt.date, today: dt.date) -> Section:
    months = supervision.monthly_totals(session, subject.id, today, 12)
    by_kind = supervision.sum_by_kind(months)
    sessions = builder.records(session.scalars(
        select(SupervisionSession).where(SupervisionSession.supervisee_id == subject.id,
                                         SupervisionSession.deleted_at.is_(None),
                                         SupervisionSession.occurred_on.between(start, end))
        .options(selectinload(SupervisionSession.supervisor))
        .order_by(SupervisionSession.occurred_on.asc(), SupervisionSession.id.asc())))
    return Section("supervision", "Supervision: case management and clinical skills", f"{SECTIONS}supervision.html",
                   {"months": months, "by_kind": by_kind, "kinds": PWP_SUPERVISION, "sessions": sessions,
                    "chart": charts.supervision_chart(assessment.snapshot, assessment.monthly_supervision_target())})


def _live_assessments(session: Session, subject: User, builder: ManifestBuilder, start: dt.date,
                      end: dt.date) -> Section:
    entries = builder.records(session.scalars(
        select(PwpLiveAssessment).where(PwpLiveAssessment.owner_id == subject.id,
                                        PwpLiveAssessment.deleted_at.is_(None),
                                        PwpLiveAssessment.assessed_on.between(start, end))
        .order_by(PwpLiveAssessment.assessed_on.asc(), PwpLiveAssessment.id.asc())))
    rows = [(e, ratings.intervention_label(e)) for e in entries]
    return Section("live-assessments", "Live assessments", f"{SECTIONS}live.html",
                   {"rows": rows, "interventions": len({label for _, label in rows}), "outcomes": ratings.OUTCOMES})


def gather(session: Session, subject: User, builder: ManifestBuilder, options: Mapping[str, Any],
           today: dt.date) -> DocumentContent:
    builder.record(subject)
    year = cpd.period_containing(today, cpd.babcp_anchor(session, subject.id))
    period = period_text(year.start, year.end)
    assessment = readiness.assess(session, subject, today)
    activities = cpd_activities(session, builder, subject.id, year.start, year.end)
    sections = [
        readiness_section(assessment, PATHWAYS, "Readiness report"),
        credential_section(session, subject, builder, REGISTER_KINDS, today, "Register entry"),
        Section("cpd", "Continuing professional development", f"{SECTIONS}cpd.html",
                {"activities": activities, "totals": cpd.cpd_totals(session, subject.id, year.start, year.end),
                 "period": period}),
        _supervision(session, subject, builder, assessment, year.start, year.end, today),
        _live_assessments(session, subject, builder, year.start, year.end),
        evidence_section(session, subject, builder, options, year.start, year.end, period),
    ]
    return DocumentContent(kind=KIND_ID, title="PWP register renewal pack", subject_name=subject.full_name,
                           subtitle=f"The declaration year {period}", cover_rows=cover_rows(subject, period),
                           sections=sections)


register(Kind(KIND_ID, "PWP register renewal pack", PRIVATE, gather,
              applies=lambda _s, person, _d: holds(person, REGISTER_KINDS),
              description="A declaration year's evidence for the BABCP PWP Register or the BPS Wider Psychological "
                          "Workforce Register: CPD with reflective statements, case-management and clinical-skills "
                          "supervision, live assessments, with the readiness report."))
