"""The snapshot builder: one person's database rows → competences.evidence.Snapshot, in a fixed number of queries.

Web pages, PDF exports and jobs all judge readiness from the snapshot this module builds, so they
agree. It reads every log once (one query per record type, soft-deleted rows left out), whatever
the number of entries: 19 queries in all (the person with roles, profile, working patterns, leave
and registrations: 6; CPD: 1; supervision and its case minutes: 2; cases: 1; contacts: 1; sign-offs: 1;
training hours: 1; CTS-R ratings and PWP live assessments: 2 — see models.training_snapshot;
supervision given, in the service and outside: 2 — see models.supervisor_snapshot; HR facts —
appraisals with HR standing, and the appraisals of a line manager's staff: 2 — see models.hr_snapshot).

Decisions a reviewer would ask about:

* Credentials come from the recorded credentials (ProfessionalRegistration rows), each with the
  kind its holder or an admin chose (`credential_kind`); nothing is guessed from the post any more.
  A credential is held from its award date (`registered_on`; today when that is not recorded, so no
  "years held" can be claimed for it) until its expiry date (`expires_on`, the last valid day). Its
  renewal or declaration date (`renewal_due_on`) is when the next declaration is due, not an end:
  missing it does not by itself end the credential (BABCP allows 28 days after its reminder), so it
  is flagged on the credentials page instead, and the credential stops counting once its status is
  recorded as lapsed, suspended or expired (Credential.lapsed).
* The declaration anchor is the award date of the BABCP accreditation, else the BABCP PWP Register,
  else the BPS Wider Psychological Workforce Register (each renews on its anniversary).
* A case's presentation group comes from competences.presentations; `attended_sessions` is the
  number the practitioner recorded on the case.
* NMC practice hours, feedback and reflective accounts are not evidence records: the NMC pathway
  counts practice hours from clinical contacts (its data file says so).
* Sign-offs are claims signed off or awaiting re-signing (which the rules do not count); a
  withdrawn sign-off returns the claim, so it is not a sign-off at all.
* HR facts (the pay progression standards) come from models.hr_snapshot; what HR have not
  recorded stays None there. `NOT_RECORDED` names record kinds pages should call "not recorded in
  Waymark yet" rather than pretending they are zero.
"""
from __future__ import annotations

import datetime as dt
import types
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from competences import evidence as ev
from competences.credentials import CREDENTIAL_KINDS, DECLARATION_ANCHOR_KINDS, NOT_HELD
from competences.presentations import presentation_group
from competences.claims import ClaimStatus
from models.claims import CompetenceClaim
from models.hr_snapshot import hr_facts
from models.enums import Role
from models.people import ProfessionalRegistration, StaffProfile, User
from models.portfolio import ClinicalCase, ClinicalContact, CpdActivity, SupervisionSession
from models.supervisor_snapshot import supervision_given_for
from models.training_snapshot import ratings_for, training_hours_for

#: Evidence record kinds (Snapshot fields, as pathways name them) Waymark has no table for yet.
NOT_RECORDED: Mapping[str, str] = types.MappingProxyType({})

#: Credential kinds the builder can produce: every kind a credential may be recorded as.
RECORDED_CREDENTIAL_KINDS: frozenset[str] = frozenset(k.id for k in CREDENTIAL_KINDS)


#: Agenda for Change bands of trainee (4) and qualified (5) PWP posts in NHS Talking Therapies.
PWP_BANDS = ("4", "5")


def is_wellbeing_practitioner(band: str | None, job_title: str | None) -> bool:
    """A PWP post (trainee, qualified or senior): band 4 or 5, or a job title that says "wellbeing"."""
    return band in PWP_BANDS or "wellbeing" in (job_title or "").lower()


def credential_kind(reg: ProfessionalRegistration) -> str:
    """The evidence credential kind a recorded credential stands for: the kind recorded with it."""
    return reg.kind


def employment_of(user: User, profile: StaffProfile | None) -> ev.Employment:
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


def credential_of(reg: ProfessionalRegistration, profile: StaffProfile, today: dt.date) -> ev.Credential:
    return ev.Credential(id=f"registration:{reg.id}", kind=credential_kind(reg), awarded_on=reg.registered_on or today,
                         expires_on=reg.expires_on, lapsed=reg.status in NOT_HELD)


def declaration_anchor(profile: StaffProfile | None) -> dt.date | None:
    if profile is None:
        return None
    by_kind = {reg.kind: reg.registered_on for reg in profile.registrations}
    return next((by_kind[k] for k in DECLARATION_ANCHOR_KINDS if by_kind.get(k)), None)


def cpd_of(row: CpdActivity) -> ev.CpdActivity:
    return ev.CpdActivity(
        id=f"cpd:{row.id}", start=row.start_on, end=row.end_on, title=row.title, category=row.category,
        minutes=row.minutes, cbt=row.cbt, cbt_skills=row.cbt_skills, participatory=row.participatory,
        has_reflective_statement=row.has_reflective_statement,
        hcpc_standards=tuple(int(s) for s in (row.hcpc_standards or ())))


def supervision_of(row: SupervisionSession) -> ev.SupervisionSession:
    return ev.SupervisionSession(
        id=f"supervision:{row.id}", date=row.occurred_on, minutes=row.minutes, kind=row.kind.value,
        group_size=row.group_size, cbt=row.cbt, live_or_recorded_sampled=row.live_or_recorded_sampled,
        countersigned=row.countersign_status == "confirmed",
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


def _signoff(row: CompetenceClaim) -> ev.SignOff:
    assert row.signed_on is not None  # signed_off and needs_resigning claims always carry their sign-off
    return ev.SignOff(id=f"claim:{row.id}", framework_id=row.framework_id, framework_version=row.framework_version,
                      item_id=row.item_id, signed_on=row.signed_on, method=row.sign_off_method or "discussion",
                      needs_resigning=row.status is ClaimStatus.NEEDS_RESIGNING)


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
    signed = session.scalars(select(CompetenceClaim).where(
        CompetenceClaim.owner_id == user_id, CompetenceClaim.deleted_at.is_(None),
        CompetenceClaim.status.in_((ClaimStatus.SIGNED_OFF, ClaimStatus.NEEDS_RESIGNING)))
        .order_by(CompetenceClaim.signed_on, CompetenceClaim.id))

    return ev.Snapshot(
        person_id=str(user_id),
        today=today,
        employment=employment_of(user, profile),
        cpd=tuple(cpd_of(row) for row in cpd),
        supervision=tuple(supervision_of(row) for row in supervision),
        cases=tuple(_case(row) for row in cases),
        contacts=tuple(_contact(row) for row in contacts),
        signoffs=tuple(_signoff(row) for row in signed),
        ratings=ratings_for(session, user_id),
        training=training_hours_for(session, user_id),
        supervision_given=supervision_given_for(session, user_id),
        hr=hr_facts(session, user, profile, today),
        credentials=tuple(credential_of(reg, profile, today) for reg in profile.registrations) if profile else (),
        declaration_anchor=declaration_anchor(profile),
    )
