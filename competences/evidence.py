"""One person's evidence as plain immutable data: what the readiness rules read.

Built from database rows by models (the snapshot builder, a later issue) so web pages, PDF
exports and jobs all judge the same snapshot. Minutes are integers; dates are dates; nothing
here knows about SQL or Flask. Each record has an `id` so a report can list the items that count.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal


@dataclasses.dataclass(frozen=True)
class WorkingPeriod:
    """Whole-time equivalent from `start` to `end` inclusive (None: continuing)."""

    start: dt.date
    end: dt.date | None
    wte: Decimal


@dataclasses.dataclass(frozen=True)
class Leave:
    """A period of leave of absence (models.LeaveKind values); rules decide which kinds pause a window."""

    kind: str
    start: dt.date
    end: dt.date | None


@dataclasses.dataclass(frozen=True)
class Employment:
    band: str | None = None
    step: int | None = None
    band_started_on: dt.date | None = None
    step_started_on: dt.date | None = None
    job_title: str | None = None
    working: tuple[WorkingPeriod, ...] = ()
    leave: tuple[Leave, ...] = ()
    is_line_manager: bool = False


@dataclasses.dataclass(frozen=True)
class CpdActivity:
    id: str
    start: dt.date
    end: dt.date
    title: str
    #: BABCP CPD category: clinical, management, professional, educational, research.
    category: str
    minutes: int
    cbt: bool = True
    #: Counts towards BABCP's ≥ 6 h of CBT skills development.
    cbt_skills: bool = False
    #: NMC: learning that involved interaction with other professionals.
    participatory: bool = False
    has_reflective_statement: bool = False
    #: HCPC CPD standards (1–5) the person says this activity addresses.
    hcpc_standards: tuple[int, ...] = ()


@dataclasses.dataclass(frozen=True)
class CaseMinutes:
    case_ref: str
    minutes: int


@dataclasses.dataclass(frozen=True)
class SupervisionSession:
    """Supervision received. `group_size` is the number of supervisees present (1: individual)."""

    id: str
    date: dt.date
    minutes: int
    #: clinical, case_management, clinical_skills, supervision_of_supervision (models.SupervisionKind).
    kind: str
    group_size: int = 1
    cbt: bool = True
    live_or_recorded_sampled: bool = False
    countersigned: bool = False
    cases: tuple[CaseMinutes, ...] = ()


@dataclasses.dataclass(frozen=True)
class SupervisionGiven:
    """Supervision this person provided (supervisor accreditation counts it)."""

    id: str
    date: dt.date
    minutes: int
    group_size: int = 1
    cbt: bool = True
    #: BABCP supervisor accreditation does not count supervision of wellbeing practitioners.
    supervisee_is_pwp: bool = False


@dataclasses.dataclass(frozen=True)
class Case:
    """A clinical case, by anonymised reference only."""

    ref: str
    #: Presenting problem id from the outcome-measures data (e.g. "depression", "ptsd", "social_anxiety").
    problem: str
    #: "anxiety", "trauma", "mood" or "other": the presentation group the training-case mix counts.
    presentation_group: str
    step: int
    modality: str
    start: dt.date
    end: dt.date | None = None
    training_case: bool = False
    closely_supervised: bool = False
    assessed_case_study: bool = False
    attended_sessions: int = 0


@dataclasses.dataclass(frozen=True)
class Contact:
    """Clinical contacts on one day (or one week, `count` > 1), by delivery format and step."""

    id: str
    date: dt.date
    minutes: int
    step: int
    count: int = 1
    cbt: bool = True
    individual: bool = True
    #: face_to_face, telephone, video, group, digital
    format: str = "face_to_face"


@dataclasses.dataclass(frozen=True)
class Rating:
    """A rating of a recording or live session on a scale (CTS-R, PWP live assessment …)."""

    id: str
    scale_id: str
    date: dt.date
    total: int
    passed: bool
    #: self, supervisor, marker
    rater_role: str = "supervisor"
    #: For PWP live assessments: which intervention was assessed.
    intervention: str | None = None
    case_ref: str | None = None


@dataclasses.dataclass(frozen=True)
class SignOff:
    """A competence or criterion signed off by a second person, against a framework version."""

    id: str
    framework_id: str
    framework_version: int
    item_id: str
    signed_on: dt.date
    method: str = "discussion"
    withdrawn: bool = False
    needs_resigning: bool = False


@dataclasses.dataclass(frozen=True)
class Credential:
    """An accreditation or registration (BABCP accreditation, BABCP PWP register, NMC, HCPC …)."""

    id: str
    #: e.g. "babcp_accreditation", "babcp_supervisor_accreditation", "babcp_pwp_register", "bps_wpwr", "nmc", "hcpc", "pg_dip_hi_cbt", "pwp_training"
    kind: str
    awarded_on: dt.date
    expires_on: dt.date | None = None
    lapsed: bool = False


@dataclasses.dataclass(frozen=True)
class TrainingHours:
    """Formal CBT training, e.g. the PG Diploma's taught days. kind: taught_live, online_interactive, self_directed."""

    id: str
    date: dt.date
    minutes: int
    kind: str
    skills_focused: bool = False


@dataclasses.dataclass(frozen=True)
class HrFacts:
    last_appraisal_on: dt.date | None = None
    mandatory_training_complete: bool | None = None
    capability_process: bool | None = None
    live_disciplinary_sanction: bool | None = None
    #: Line managers only: appraisals of all their staff done. None when not recorded.
    team_appraisals_done: bool | None = None


@dataclasses.dataclass(frozen=True)
class Snapshot:
    """Everything the rules may read about one person, as at `today`."""

    person_id: str
    today: dt.date
    employment: Employment = Employment()
    cpd: tuple[CpdActivity, ...] = ()
    supervision: tuple[SupervisionSession, ...] = ()
    supervision_given: tuple[SupervisionGiven, ...] = ()
    cases: tuple[Case, ...] = ()
    contacts: tuple[Contact, ...] = ()
    ratings: tuple[Rating, ...] = ()
    signoffs: tuple[SignOff, ...] = ()
    credentials: tuple[Credential, ...] = ()
    training: tuple[TrainingHours, ...] = ()
    hr: HrFacts = HrFacts()
    #: Date the current accreditation/registration year started (anniversary of the award), if any.
    declaration_anchor: dt.date | None = None
