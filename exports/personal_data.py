"""Everything Waymark holds about one person, as JSON sections plus their evidence files (a subject access export).

Each section is one table, reached from the person by a declared column (their user id, their
staff profile id, or the id of a row in another section: a claim's history hangs off their
claims). A test checks that every table with a column naming a person's user or profile is
either a section here or listed in NOT_EXPORTED with the reason, so a new table cannot be
forgotten. Secrets (password and token hashes) are never written.

Records other people keep about their own work (a supervisor's log of the supervision they gave)
are theirs, not this person's, and stay out; what the person received (supervision sessions,
supervisor reports about them, references they asked for) is in.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, Table, or_, select
from sqlalchemy.orm import Session

from models import Base, StaffProfile

SCHEMA_VERSION = 1
#: Columns never exported: secrets, whoever's they are.
SECRET_COLUMNS = frozenset({"password_hash", "session_token", "token_hash"})


@dataclasses.dataclass(frozen=True)
class Section:
    name: str
    table: str
    #: Column(s) of `table` that name the person ("user" or "profile") or a parent section's row.
    columns: tuple[str, ...]
    #: "user", "profile", or the name of a parent section whose ids the columns hold.
    via: str
    description: str


SECTIONS: tuple[Section, ...] = (
    Section("account", "users", ("id",), "user", "Your account: name, e-mail, when it was created and last used."),
    Section("roles", "role_grants", ("user_id",), "user", "The roles you hold."),
    Section("profile", "staff_profiles", ("user_id",), "user", "Post, band, pay step and their start dates."),
    Section("working_patterns", "working_patterns", ("profile_id",), "profile", "Contracted whole-time equivalent over time."),
    Section("leave", "leave_of_absence", ("profile_id",), "profile", "Leave of absence periods."),
    Section("credentials", "professional_registrations", ("profile_id",), "profile", "Accreditations, registrations and qualifications."),
    Section("credential_evidence", "credential_evidence", ("credential_id",), "credentials", "Evidence linked to each credential."),
    Section("appraisals", "appraisals", ("profile_id",), "profile", "Appraisals recorded for you."),
    Section("hr_standing", "hr_standings", ("profile_id",), "profile", "Mandatory training and formal-process flags recorded by HR."),
    Section("employment_changes", "employment_changes", ("profile_id",), "profile", "Band, step, post and title changes."),
    Section("progression_decisions", "progression_decisions", ("profile_id",), "profile", "Pay-step decisions and corrections."),
    Section("skills", "skill_records", ("profile_id",), "profile", "Modalities, specialisms, champion roles and service-development work."),
    Section("relationships", "staff_relationships", ("junior_id", "senior_id"), "user", "Supervision, line management and tutoring you received or gave."),
    Section("cpd", "cpd_activities", ("owner_id",), "user", "Your CPD log, with reflections."),
    Section("cpd_evidence", "cpd_evidence", ("cpd_id",), "cpd", "Evidence linked to CPD entries."),
    Section("supervision_received", "supervision_sessions", ("supervisee_id",), "user", "Supervision sessions you received."),
    Section("supervision_case_minutes", "supervision_case_minutes", ("session_id",), "supervision_received", "Minutes per case in those sessions."),
    Section("supervision_contracts", "supervision_contracts", ("relationship_id",), "relationships", "Supervision contracts of your relationships."),
    Section("supervisor_reports", "supervisor_reports", ("supervisee_id",), "user", "Supervisors' reports about you."),
    Section("outside_supervision_given", "outside_supervision_given", ("owner_id",), "user", "Supervision you gave outside Waymark."),
    Section("supervision_training", "supervision_training", ("owner_id",), "user", "Supervisor training you attended."),
    Section("cases", "clinical_cases", ("owner_id",), "user", "Your clinical case log (no patient identifiers)."),
    Section("contacts", "clinical_contacts", ("owner_id",), "user", "Contacts recorded against your cases."),
    Section("case_evidence", "case_evidence", ("case_id",), "cases", "Evidence linked to cases."),
    Section("evidence", "evidence_items", ("owner_id",), "user", "Your evidence library (the files are in evidence/)."),
    Section("claims", "competence_claims", ("owner_id",), "user", "Competence claims and their statements."),
    Section("claim_evidence", "claim_evidence", ("claim_id",), "claims", "Evidence linked to claims."),
    Section("claim_history", "claim_status_changes", ("claim_id",), "claims", "Every status change of your claims."),
    Section("ksa_portfolio", "ksa_portfolios", ("owner_id",), "user", "KSA route and biography."),
    Section("ksa_experience", "ksa_experiences", ("owner_id",), "user", "KSA experience log."),
    Section("ksa_study", "ksa_studies", ("owner_id",), "user", "KSA self-directed study."),
    Section("references_requested", "reference_requests", ("owner_id",), "user", "References and countersignatures you asked for."),
    Section("outside_links", "outside_links", ("owner_id",), "user", "Links you sent to outside supervisors and referees (never the token)."),
    Section("training_courses", "training_courses", ("owner_id",), "user", "Training courses."),
    Section("training_hours", "training_hours", ("course_id",), "training_courses", "Training hours by course."),
    Section("university_supervision", "university_supervision", ("course_id",), "training_courses", "University supervision by course."),
    Section("assessed_case_studies", "assessed_case_studies", ("course_id",), "training_courses", "Assessed case studies by course."),
    Section("ctsr_ratings", "ctsr_ratings", ("owner_id",), "user", "CTS-R ratings of your work."),
    Section("level_ratings", "level_ratings", ("owner_id",), "user", "Self and supervisor ratings of framework levels."),
    Section("pwp_live_assessments", "pwp_live_assessments", ("owner_id",), "user", "PWP live assessments."),
    Section("nmc_practice_hours", "nmc_practice_hours", ("owner_id",), "user", "NMC practice hours."),
    Section("nmc_feedback", "nmc_feedback", ("owner_id",), "user", "NMC practice-related feedback."),
    Section("nmc_reflective_accounts", "nmc_reflective_accounts", ("owner_id",), "user", "NMC reflective accounts."),
    Section("nmc_reflective_discussions", "nmc_reflective_discussions", ("owner_id",), "user", "NMC reflective discussions."),
    Section("feedback_given", "feedback_answers", ("respondent_id",), "user", "Feedback you gave your supervisors."),
    Section("notification_digests", "digests_sent", ("user_id",), "user", "Days a daily digest e-mail was sent to you."),
    Section("documents_issued", "issued_documents", ("subject_id",), "user",
            "Portfolios and packs issued about you: id, digest and the manifest of what each showed."),
)

#: What HR may hold about a leaver when they export on the person's behalf: HR records only. Never reflections,
#: case details, supervision notes, claims, evidence or feedback (app.services.access).
HR_SECTIONS = frozenset({"account", "roles", "profile", "working_patterns", "leave", "credentials", "appraisals",
                         "hr_standing", "employment_changes", "progression_decisions", "relationships"})

#: Tables with a column naming a person that are deliberately not exported, and why.
NOT_EXPORTED: dict[str, str] = {
    "audit_events": "the audit trail records acts, not content; it is kept whole for everyone's protection",
    "password_reset_tokens": "secrets with no content of yours",  # nosec B105  # a table's description, not a password
    "jobs": "the record of exports themselves",
    "staff_imports": "HR's record of import files",
    "skill_targets": "a service's targets, not about a person",
    "reference_data_versions": "data corrections an admin uploaded",
    "feedback_requests": "a supervisor's own request record",
    "feedback_invitees": "who was asked, kept anonymous",
    "posts": "the establishment, not a person",
}


def _table(name: str) -> Table:
    return Base.metadata.tables[name]


def _ids(session: Session, section: Section, person_id: int, profile_id: int | None,
         by_name: dict[str, Section]) -> Select[Any]:
    """The ids of the section's rows (as a subquery for its children)."""
    return select(_table(section.table).c.id).where(_condition(section, person_id, profile_id, by_name, session))


def _condition(section: Section, person_id: int, profile_id: int | None, by_name: dict[str, Section],
               session: Session) -> Any:
    table = _table(section.table)
    if section.via == "user":
        target: Any = person_id
        return or_(*[table.c[c] == target for c in section.columns])
    if section.via == "profile":
        return or_(*[table.c[c] == (profile_id if profile_id is not None else -1) for c in section.columns])
    parent = by_name[section.via]
    parent_ids = _ids(session, parent, person_id, profile_id, by_name)
    return or_(*[table.c[c].in_(parent_ids.scalar_subquery()) for c in section.columns])


def _jsonable(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    if hasattr(value, "value"):  # enums
        return value.value
    return value


def section_rows(session: Session, section: Section, person_id: int) -> list[dict[str, Any]]:
    profile_id = session.scalar(select(StaffProfile.id).where(StaffProfile.user_id == person_id))
    by_name = {s.name: s for s in SECTIONS}
    table = _table(section.table)
    columns = [c for c in table.columns if c.name not in SECRET_COLUMNS]
    order = table.c.id if "id" in table.c else columns[0]
    rows = session.execute(select(*columns).where(_condition(section, person_id, profile_id, by_name, session))
                           .order_by(order)).mappings()
    return [{k: _jsonable(v) for k, v in row.items()} for row in rows]


def section_json(session: Session, section: Section, person_id: int) -> bytes:
    body = {"section": section.name, "description": section.description, "table": section.table,
            "schema_version": SCHEMA_VERSION, "records": section_rows(session, section, person_id)}
    return json.dumps(body, indent=2, ensure_ascii=False, sort_keys=True).encode("utf-8")


def evidence_files(session: Session, person_id: int) -> list[tuple[str, str]]:
    """(sha256, file name) of every evidence file the person uploaded, deleted items included."""
    items = _table("evidence_items")
    return [(sha, name) for sha, name in session.execute(
        select(items.c.file_sha256, items.c.file_name).where(items.c.owner_id == person_id).order_by(items.c.id))]


def sections(hr_only: bool = False) -> tuple[Section, ...]:
    return tuple(s for s in SECTIONS if not hr_only or s.name in HR_SECTIONS)


def readme_text(hr_only: bool = False) -> str:
    lines = ["Waymark personal data export", "", f"Schema version {SCHEMA_VERSION}.",
             "records/<section>.json: {section, description, table, schema_version, records: [ {column: value} ]}.",
             "Dates are ISO 8601; amounts are decimal strings; ids are the database's own, so rows in one section",
             "can be matched to another (e.g. claim_history.claim_id = claims.id).",
             "portfolio/*.pdf: your full portfolio as a PDF; its document id can be checked on the verify page.",
             "evidence/<sha256>-<file name>: your evidence files as uploaded; manifest.json lists every file",
             "in this archive with its SHA-256.", "", "Sections:"]
    if hr_only:
        lines += ["", "This copy was made by HR after the person left, so it holds HR records only: no reflections,",
                  "case details, supervision notes, claims, evidence files or portfolio. The person's own export",
                  "holds everything."]
    lines += [f"- {s.name}: {s.description}" for s in sections(hr_only)]
    lines += ["", "Not included:"] + [f"- {t}: {why}" for t, why in sorted(NOT_EXPORTED.items())]
    return "\n".join(lines) + "\n"


def person_columns() -> Iterator[tuple[str, str]]:
    """(table, column) of every column that points at a user or a staff profile: the export's coverage check."""
    for table in Base.metadata.tables.values():
        for fk in table.foreign_keys:
            if fk.column.table.name in ("users", "staff_profiles"):
                yield table.name, fk.parent.name


__all__ = ["HR_SECTIONS", "NOT_EXPORTED", "SCHEMA_VERSION", "SECTIONS", "Section", "evidence_files", "person_columns",
           "readme_text", "section_json", "section_rows", "sections"]
