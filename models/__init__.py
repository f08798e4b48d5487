"""SQLAlchemy models and database helpers; importable without Flask."""
from models.base import Base
from models.organisation import Organisation, Service, Team
from models.people import (LeaveOfAbsence, ProfessionalRegistration, RoleGrant, StaffProfile, User,
                           WorkingPattern)
from models.relationships import StaffRelationship
from models.accounts import LoginThrottle, OutboxMail, PasswordResetToken
from models.audit import AuditChainHead, AuditEvent
from models.reference_data import ReferenceDataVersion
from models.portfolio import (ClinicalCase, ClinicalContact, CpdActivity, NmcFeedback, NmcPracticeHours,
                              NmcReflectiveAccount, NmcReflectiveDiscussion, SupervisionCaseMinutes,
                              SupervisionSession)
from models.evidence import CaseEvidence, CpdEvidence, EvidenceItem, StoredFile
from models.claims import ClaimEvidence, ClaimStatusChange, CompetenceClaim
import models.ksa  # noqa: F401  (tables for the metadata)
import models.training  # noqa: F401
import models.level_ratings  # noqa: F401
import models.countersigning  # noqa: F401
import models.outside_links  # noqa: F401
import models.supervisor_work  # noqa: F401
import models.credentials  # noqa: F401
import models.jobs  # noqa: F401
import models.documents  # noqa: F401
from models.hr import (Appraisal, AppraisalOutcome, EmploymentChange, HrStanding, Post, ProgressionDecision,
                       ProgressionOutcome, SkillRecord, SkillTarget, StaffImport)
from models.enums import LeaveKind, Regulator, RelationshipKind, Role, SupervisionKind

__all__ = [
    "Appraisal", "AppraisalOutcome", "EmploymentChange", "HrStanding", "Post", "ProgressionDecision",
    "ProgressionOutcome", "SkillRecord", "SkillTarget", "StaffImport",
    "CaseEvidence", "ClaimEvidence", "ClaimStatusChange", "CompetenceClaim", "CpdEvidence", "EvidenceItem",
    "StoredFile",
    "ClinicalCase", "ClinicalContact", "CpdActivity", "NmcFeedback", "NmcPracticeHours", "NmcReflectiveAccount",
    "NmcReflectiveDiscussion", "SupervisionCaseMinutes", "SupervisionSession",
    "AuditChainHead", "AuditEvent", "Base", "LeaveKind", "LeaveOfAbsence", "LoginThrottle", "Organisation",
    "OutboxMail", "PasswordResetToken", "ProfessionalRegistration", "ReferenceDataVersion", "Regulator",
    "RelationshipKind", "Role", "RoleGrant", "Service", "StaffProfile", "StaffRelationship", "SupervisionKind",
    "Team", "User", "WorkingPattern",
]
