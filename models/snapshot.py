"""The snapshot builder: one person's database rows → competences.evidence.Snapshot, in a fixed number of queries.

Web pages, PDF exports and jobs all judge readiness from the snapshot this module builds, so they
agree. It reads every log once (one query per record type, soft-deleted rows left out), whatever
the number of entries: 11 queries in all (the person with roles, profile, working patterns, leave
and registrations: 6; CPD: 1; supervision and its case minutes: 2; cases: 1; contacts: 1).

Decisions a reviewer would ask about:

* Credentials come from professional registrations (`credential_kind`): NMC → "nmc", HCPC → "hcpc",
  Social Work England → "swe", UKCP → "ukcp", BACP → "bacp_accreditation" (Waymark records BACP only
  as the counsellor's core profession, which BABCP accepts when accredited). BABCP is one row per
  person, so it is read from the post: for a PWP (band 4 or 5, or "wellbeing" in the job title) or a
  trainee ("trainee" in the job title: a trainee HI therapist from a PWP background keeps the PWP
  Register until accredited) it is the BABCP PWP Register ("babcp_pwp_register"), otherwise BABCP
  accreditation as a CBT psychotherapist ("babcp_accreditation"). BPS is the Wider Psychological
  Workforce Register ("bps_wpwr") for a PWP, otherwise plain "bps" (chartered membership, which no
  pathway counts).
  A registration is held from `registered_on` (today when that is not recorded) and expires on its
  `renewal_due_on`: after that date it no longer counts until HR records the renewal.
* The declaration anchor is the BABCP registration date, or the BPS one when there is no BABCP row
  (the BPS register renews on the anniversary of registration too).
* A case's presentation group comes from competences.presentations; `attended_sessions` is the
  number the practitioner recorded on the case.
* NMC practice hours, feedback and reflective accounts are not evidence records: the NMC pathway
  counts practice hours from clinical contacts (its data file says so).
* Records with no table yet — ratings, sign-offs, training hours, supervision given, HR facts and
  credentials other than registrations — are left empty; `NOT_RECORDED` names them so pages can
  say "not recorded in Waymark yet" rather than pretending they are zero.
"""
from __future__ import annotations

import datetime as dt
import types
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from competences import evidence as ev
from competences.presentations import presentation_group
from models.enums import Regulator, Role
from models.people import ProfessionalRegistration, StaffProfile, User
from models.portfolio import ClinicalCase, ClinicalContact, CpdActivity, SupervisionSession

#: Evidence record kinds (Snapshot fields, as pathways name them) Waymark has no table for yet.
NOT_RECORDED: Mapping[str, str] = types.MappingProxyType({
    "ratings": "ratings of recordings and live sessions (CTS-R, PWP live assessments)",
    "signoffs": "competence sign-offs",
    "training": "formal CBT training hours",
    "supervision_given": "supervision you give",
    "hr": "appraisals, mandatory training and other HR facts",
})

#: Credential kinds the builder can produce from a professional registration.
RECORDED_CREDENTIAL_KINDS: frozenset[str] = frozenset({
    "nmc", "hcpc", "swe", "ukcp", "bacp_accreditation", "babcp_accreditation", "babcp_pwp_register", "bps_wpwr", "bps",
})

_PLAIN_KINDS = {
    Regulator.NMC: "nmc",
    Regulator.HCPC: "hcpc",
    Regulator.SWE: "swe",
    Regulator.UKCP: "ukcp",
    Regulator.BACP: "bacp_accreditation",
}


#: Agenda for Change bands of trainee (4) and qualified (5) PWP posts in NHS Talking Therapies.
PWP_BANDS = ("4", "5")


def is_wellbeing_practitioner(band: str | None, job_title: str | None) -> bool:
    """A PWP post (trainee, qualified or senior): band 4 or 5, or a job title that says "wellbeing"."""
    return band in PWP_BANDS or "wellbeing" in (job_title or "").lower()


def credential_kind(regulator: Regulator, band: str | None, job_title: str | None) -> str:
    """The evidence credential kind a registration with `regulator` stands for, given the person's post."""
    pwp = is_wellbeing_practitioner(band, job_title)
    if regulator is Regulator.BABCP:
        return "babcp_pwp_register" if pwp or "trainee" in (job_title or "").lower() else "babcp_accreditation"
    if regulator is Regulator.BPS:
        return "bps_wpwr" if pwp else "bps"
    return _PLAIN_KINDS[regulator]


def _employment(user: User, profile: StaffProfile | None) -> ev.Employment:
    is_line_manager = user.has_role(Role.LINE_MANAGER)
    if profile is None:
        return ev.Employment(is_line_manager=is_line_manager)
    return ev.Employment(
        band=profile.band,
        step=profile.pay_step,
        band_started_on=profile.band_started_on,
        step_started_on=profile.step_started_on,
        job_title=profile.job_title,
        working=tuple(ev.WorkingPeriod(start=p.starts_on, end=p.ends_on, wte=p.wte)
                      for p in profile.working_patterns),
        leave=tuple(ev.Leave(kind=lv.kind.value, start=lv.starts_on, end=lv.ends_on) for lv in profile.leave_periods),
        is_line_manager=is_line_manager,
    )


def _credential(reg: ProfessionalRegistration, profile: StaffProfile, today: dt.date) -> ev.Credential:
    return ev.Credential(id=f"registration:{reg.id}", kind=credential_kind(reg.regulator, profile.band, profile.job_title),
                         awarded_on=reg.registered_on or today, expires_on=reg.renewal_due_on)


def _anchor(profile: StaffProfile | None) -> dt.date | None:
    if profile is None:
        return None
    by_regulator = {reg.regulator: reg.registered_on for reg in profile.registrations}
    return by_regulator.get(Regulator.BABCP) or by_regulator.get(Regulator.BPS)


def _cpd(row: CpdActivity) -> ev.CpdActivity:
    return ev.CpdActivity(
        id=f"cpd:{row.id}", start=row.start_on, end=row.end_on, title=row.title, category=row.category,
        minutes=row.minutes, cbt=row.cbt, cbt_skills=row.cbt_skills, participatory=row.participatory,
        has_reflective_statement=row.has_reflective_statement,
        hcpc_standards=tuple(int(s) for s in (row.hcpc_standards or ())))


def _supervision(row: SupervisionSession) -> ev.SupervisionSession:
    return ev.SupervisionSession(
        id=f"supervision:{row.id}", date=row.occurred_on, minutes=row.minutes, kind=row.kind.value,
        group_size=row.group_size, cbt=row.cbt, live_or_recorded_sampled=row.live_or_recorded_sampled,
        countersigned=False,
        cases=tuple(ev.CaseMinutes(case_ref=c.case_ref, minutes=c.minutes) for c in row.cases))


def _case(row: ClinicalCase) -> ev.Case:
    return ev.Case(
        ref=row.case_ref, problem=row.problem, presentation_group=presentation_group(row.problem), step=row.step,
        modality=row.modality, start=row.started_on, end=row.ended_on, training_case=row.training_case,
        closely_supervised=row.closely_supervised, assessed_case_study=row.assessed_case_study,
        attended_sessions=row.attended_sessions)


def _contact(row: ClinicalContact) -> ev.Contact:
    return ev.Contact(id=f"contact:{row.id}", date=row.occurred_on, minutes=row.minutes, step=row.step,
                      count=row.count, cbt=row.cbt, individual=row.individual, format=row.format)


def build_snapshot(session: Session, user_id: int, today: dt.date) -> ev.Snapshot:
    """Everything the readiness rules may read about one person, as at `today`. Raises LookupError if no such user."""
    user = session.scalar(select(User).where(User.id == user_id).options(
        selectinload(User.role_grants),
        selectinload(User.profile).options(
            selectinload(StaffProfile.working_patterns), selectinload(StaffProfile.leave_periods),
            selectinload(StaffProfile.registrations))))
    if user is None:
        raise LookupError(f"no user with id {user_id}")
    profile = user.profile

    cpd = session.scalars(select(CpdActivity).where(
        CpdActivity.owner_id == user_id, CpdActivity.deleted_at.is_(None))
        .order_by(CpdActivity.end_on, CpdActivity.id))
    supervision = session.scalars(select(SupervisionSession).where(
        SupervisionSession.supervisee_id == user_id, SupervisionSession.deleted_at.is_(None))
        .options(selectinload(SupervisionSession.cases))
        .order_by(SupervisionSession.occurred_on, SupervisionSession.id))
    cases = session.scalars(select(ClinicalCase).where(
        ClinicalCase.owner_id == user_id, ClinicalCase.deleted_at.is_(None))
        .order_by(ClinicalCase.started_on, ClinicalCase.id))
    contacts = session.scalars(select(ClinicalContact).where(
        ClinicalContact.owner_id == user_id, ClinicalContact.deleted_at.is_(None))
        .order_by(ClinicalContact.occurred_on, ClinicalContact.id))

    return ev.Snapshot(
        person_id=str(user_id),
        today=today,
        employment=_employment(user, profile),
        cpd=tuple(_cpd(row) for row in cpd),
        supervision=tuple(_supervision(row) for row in supervision),
        cases=tuple(_case(row) for row in cases),
        contacts=tuple(_contact(row) for row in contacts),
        credentials=tuple(_credential(reg, profile, today) for reg in profile.registrations) if profile else (),
        declaration_anchor=_anchor(profile),
    )
