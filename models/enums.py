"""Closed vocabularies stored as short strings (no native enum types, so migrations stay simple)."""
from __future__ import annotations

import enum
from typing import Any

from sqlalchemy import Enum


class Role(enum.StrEnum):
    PRACTITIONER = "practitioner"
    SUPERVISOR = "supervisor"
    LINE_MANAGER = "line_manager"
    SERVICE_LEAD = "service_lead"
    HR = "hr"
    ADMIN = "admin"
    COURSE_TUTOR = "course_tutor"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.PRACTITIONER: "Practitioner",
    Role.SUPERVISOR: "Supervisor",
    Role.LINE_MANAGER: "Line manager",
    Role.SERVICE_LEAD: "Service lead",
    Role.HR: "HR officer",
    Role.ADMIN: "Administrator",
    Role.COURSE_TUTOR: "Course tutor",
}


class RelationshipKind(enum.StrEnum):
    SUPERVISION = "supervision"
    LINE_MANAGEMENT = "line_management"
    TUTORING = "tutoring"

    @property
    def label(self) -> str:
        return {"supervision": "Supervision", "line_management": "Line management", "tutoring": "Course tutoring"}[self]


class SupervisionKind(enum.StrEnum):
    CLINICAL = "clinical"
    CASE_MANAGEMENT = "case_management"
    CLINICAL_SKILLS = "clinical_skills"
    SUPERVISION_OF_SUPERVISION = "supervision_of_supervision"

    @property
    def label(self) -> str:
        return {
            "clinical": "Clinical supervision",
            "case_management": "Case management supervision",
            "clinical_skills": "Clinical skills supervision",
            "supervision_of_supervision": "Supervision of supervision",
        }[self]


class LeaveKind(enum.StrEnum):
    """Leave that can defer a pay-step date is decided by the pay rules, not here."""

    MATERNITY = "maternity"
    ADOPTION = "adoption"
    SHARED_PARENTAL = "shared_parental"
    SICKNESS = "sickness"
    UNPAID = "unpaid"
    CAREER_BREAK = "career_break"
    SECONDMENT = "secondment"
    OTHER = "other"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class Regulator(enum.StrEnum):
    BABCP = "babcp"
    BPS = "bps"
    BACP = "bacp"
    UKCP = "ukcp"
    NMC = "nmc"
    HCPC = "hcpc"
    SWE = "swe"
    #: A university or college awarding a qualification (its name goes in body_name).
    UNIVERSITY = "university"
    #: Any other awarding body (named in body_name).
    OTHER = "other"

    @property
    def label(self) -> str:
        return {"swe": "Social Work England", "university": "University or college",
                "other": "Other awarding body"}.get(self.value, self.value.upper())


def str_enum(enum_cls: type[enum.Enum], length: int = 40) -> Any:
    """Store the enum's value (not its name) as VARCHAR with a CHECK constraint."""
    return Enum(
        enum_cls,
        native_enum=False,
        create_constraint=True,
        length=length,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
        name=enum_cls.__name__.lower(),
    )
