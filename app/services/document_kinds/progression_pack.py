"""The progression pack: readiness for the next pay step or band, with what HR may see behind each requirement.

For line managers and HR as much as for the person: statuses, dates and who recorded them; the
appraisal summaries and decisions HR keep; credentials; pay-step history. Nothing from the
private portfolio (reflections, case details, supervision notes, outcome figures) is read here.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from app.services import credentials, employment, progression
from app.services.documents import HR, Kind, register
from exports.documents import DocumentContent, Section
from exports.manifest import ManifestBuilder
from models import User
from models.reference_data import catalogue_for


def _band_step(profile: Any) -> str:
    if profile is None or profile.band is None:
        return "Not recorded"
    return f"Band {profile.band}" + (f", step {profile.pay_step}" if profile.pay_step else "")


def gather(session: Session, subject: User, builder: ManifestBuilder, options: Mapping[str, Any],
           today: dt.date) -> DocumentContent:
    builder.record(subject)
    data = progression.person_progression(session, subject, today)
    profile = data.profile
    catalogue = catalogue_for(session)
    cover = [("Job title", profile.job_title if profile else "Not recorded"), ("Band and step", _band_step(profile))]
    sections: list[Section] = []
    if profile is not None:
        builder.record(profile)
        if profile.team is not None:
            builder.records([profile.team, profile.team.service])
            cover.append(("Team", f"{profile.team.name}, {profile.team.service.name}"))
        if profile.employee_number:
            cover.append(("Employee number", profile.employee_number))
        builder.records(data.appraisals)
        builder.records(data.decisions)
        # The names printed beside them.
        builder.records({a.appraiser for a in data.appraisals} | {d.decided_by for d in data.decisions})
        if data.standing is not None:
            builder.record(data.standing)
        sections.append(Section("pay-step", "Next pay step", "pdf/sections/progression_step.html",
                                {"position": data.position, "standards": data.standards, "today": today}))
        sections.append(Section("appraisals", "Appraisals and progression decisions",
                                "pdf/sections/progression_records.html",
                                {"appraisals": data.appraisals, "decisions": data.decisions, "standing": data.standing}))
        career = employment.career(session, subject, profile, catalogue, today)
        history = employment.history(session, profile)
        builder.records(history)
        sections.append(Section("career", "Band progression and history", "pdf/sections/progression_career.html",
                                {"career": career, "history": history}))
        rule_set = credentials.rules(session, today)
        regs = builder.records(profile.registrations)
        rows = [(reg, credentials.tags(credentials.flags_of(reg, rule_set, today))) for reg in regs]
        sections.append(Section("credentials", "Accreditations, registrations and qualifications",
                                "pdf/sections/credentials.html", {"rows": rows}))
    return DocumentContent(kind="progression_pack", title="Progression pack", subject_name=subject.full_name,
                           subtitle=f"as at {today:%-d %B %Y}", cover_rows=cover, sections=sections)


register(Kind("progression_pack", "Progression pack", HR, gather,
              applies=lambda _s, person, _d: person.profile is not None,
              description="Readiness for the next pay step or band, with the evidence behind each requirement that "
                          "HR may see: standards, appraisals, decisions, band history and credentials."))
