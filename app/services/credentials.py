"""Recording accreditations, registrations and qualifications, who may see them, their flags and reminder e-mails.

One service for both doors: the person records their own on their credentials page, and an
administrator records or corrects one on the account profile page (app.services.staff), so the same
rules refuse the same mistakes. The reminder and flag figures come from the reference data
(`credential-rules`, competences.credentials) as corrected by admins.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from app.services.access import can_view_person, can_view_private_records
from app.services.errors import DomainError
from app.services.mail import SMTPSettings, send_mail
from app.services.privacy import refuse_patient_identifiers
from competences.credentials import (CREDENTIAL_KINDS, DEFAULT_KIND_FOR_BODY, KINDS_BY_ID, CredentialFacts,
                                     CredentialKind, CredentialRules, CredentialStatus, CredentialType, Flags,
                                     Reminder, flags, kind_fits_body, reminders_due)
from competences.windows import long_date
from models import EvidenceItem, ProfessionalRegistration, Regulator, StaffProfile, User
from models.credentials import CredentialEvidence, CredentialReminder
from models.reference_data import catalogue_for

#: Every kind a person may record, with the bodies that award it and its type.
KINDS: tuple[CredentialKind, ...] = CREDENTIAL_KINDS
RULES_ID = "credential-rules"
MAX_NUMBER = 40
MAX_BODY_NAME = 120
MAX_NOTES = 2000
#: Bodies that need their name typed (a university, another awarding body).
NAMED_BODIES = (Regulator.UNIVERSITY, Regulator.OTHER)


@dataclasses.dataclass(frozen=True)
class CredentialInput:
    """What a form (the person's, or the admin's) says about one credential."""

    regulator: Regulator
    kind: str | None
    registration_number: str | None
    registered_on: dt.date | None = None
    renewal_due_on: dt.date | None = None
    expires_on: dt.date | None = None
    status: CredentialStatus = CredentialStatus.CURRENT
    body_name: str | None = None
    notes: str | None = None


# --- who may see and change them ---------------------------------------------------------------

def can_read_credentials(session: Session, viewer: User, owner: User, today: dt.date) -> bool:
    """Status is not private: anyone who may see the person (HR, their service lead, line manager, supervisor)."""
    return can_view_person(session, viewer, owner, today)


def can_see_evidence(session: Session, viewer: User, owner: User, item: EvidenceItem, today: dt.date) -> bool:
    """The person and their supervisors or tutors see every linked item; others only items shared with HR."""
    return item.shared_with_hr or can_view_private_records(session, viewer, owner, today)


def can_change_credentials(viewer: User, owner: User) -> bool:
    """The person records their own (an administrator corrects them from the account page)."""
    return viewer.id == owner.id


# --- recording ---------------------------------------------------------------------------------

def _day(value: dt.date) -> str:
    return long_date(value)


def _text(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def kind_label(kind: str) -> str:
    known = KINDS_BY_ID.get(kind)
    return known.label if known else kind


def _check(profile: StaffProfile, values: CredentialInput, kind: str, today: dt.date,
           existing: ProfessionalRegistration | None) -> None:
    body = values.regulator
    known = KINDS_BY_ID.get(kind)
    if known is None:
        raise DomainError("Choose what the credential is from the list", field="kind")
    if not kind_fits_body(kind, body.value):
        awarded_by = " or ".join(Regulator(b).label for b in known.bodies)
        raise DomainError(f"{body.label} does not award {known.label}; it comes from {awarded_by}. "
                          "Choose the body that awarded it, or what it is", field="kind")
    if body in NAMED_BODIES and not _text(values.body_name):
        raise DomainError("Enter the name of the university or awarding body", field="body_name")
    if len(_text(values.body_name) or "") > MAX_BODY_NAME:
        raise DomainError(f"The body's name must be {MAX_BODY_NAME} characters or fewer", field="body_name")
    number = _text(values.registration_number)
    if number is None and known.type is not CredentialType.QUALIFICATION:
        raise DomainError("Enter the registration or membership number", field="registration_number")
    if number is not None and len(number) > MAX_NUMBER:
        raise DomainError(f"The number must be {MAX_NUMBER} characters or fewer", field="registration_number")
    awarded = values.registered_on
    if awarded is not None and awarded > today:
        raise DomainError(f"The award date cannot be in the future (today is {_day(today)}); record a credential "
                          "once it is awarded, or leave the date blank with the status Pending", field="registered_on")
    if awarded is not None and values.expires_on is not None and values.expires_on < awarded:
        raise DomainError(f"The expiry date cannot be before the award date ({_day(awarded)})", field="expires_on")
    if awarded is not None and values.renewal_due_on is not None and values.renewal_due_on <= awarded:
        raise DomainError(f"The renewal date must be after the award date ({_day(awarded)})", field="renewal_due_on")
    if len(values.notes or "") > MAX_NOTES:
        raise DomainError(f"Notes must be {MAX_NOTES:,} characters or fewer", field="notes")
    refuse_patient_identifiers(values.notes, "notes")
    clash = next((r for r in profile.registrations if r.kind == kind and r is not existing), None)
    if clash is not None:
        raise DomainError(f"{known.label} is already recorded ({clash.registration_number or 'no number'}); "
                          "change that one instead", field="kind")


def save_credential(session: Session, profile: StaffProfile, values: CredentialInput, *, today: dt.date,
                    credential: ProfessionalRegistration | None = None) -> ProfessionalRegistration:
    """Record a credential on `profile`, or change `credential`; refused with the field to correct."""
    kind = values.kind or DEFAULT_KIND_FOR_BODY.get(values.regulator.value)
    if kind is None:
        raise DomainError("Choose what the credential is", field="kind")
    _check(profile, values, kind, today, credential)
    if credential is None:
        credential = ProfessionalRegistration(regulator=values.regulator, kind=kind)
        profile.registrations.append(credential)
    credential.regulator, credential.kind = values.regulator, kind
    credential.credential_type = KINDS_BY_ID[kind].type
    credential.body_name = _text(values.body_name) if values.regulator in NAMED_BODIES else None
    credential.registration_number = _text(values.registration_number)
    credential.registered_on, credential.renewal_due_on = values.registered_on, values.renewal_due_on
    credential.expires_on, credential.status, credential.notes = values.expires_on, values.status, _text(values.notes)
    try:
        session.flush()
    except IntegrityError:  # two saves of the same kind at once: the unique constraint is the last word
        raise DomainError(f"{kind_label(kind)} is already recorded; change that one instead", field="kind") from None
    return credential


def delete_credential(session: Session, credential: ProfessionalRegistration) -> None:
    """Remove a credential with its evidence links and reminder history (each removal is audited)."""
    for row in session.scalars(select(CredentialEvidence).where(CredentialEvidence.credential_id == credential.id)):
        session.delete(row)
    for reminder in session.scalars(select(CredentialReminder).where(CredentialReminder.credential_id == credential.id)):
        session.delete(reminder)
    session.flush()
    credential.profile.registrations.remove(credential)
    session.delete(credential)
    session.flush()


def linkable_evidence(session: Session, owner: User) -> list[EvidenceItem]:
    """The owner's own evidence items that are not deleted, newest first."""
    return list(session.scalars(select(EvidenceItem).where(
        EvidenceItem.owner_id == owner.id, EvidenceItem.deleted_at.is_(None))
        .order_by(EvidenceItem.dated_on.desc(), EvidenceItem.id.desc())))


def set_evidence(session: Session, credential: ProfessionalRegistration, owner: User,
                 evidence_ids: Iterable[int]) -> list[EvidenceItem]:
    """Link exactly these evidence items (the owner's own, not deleted); links no longer chosen are removed."""
    wanted = set(evidence_ids)
    allowed = {item.id: item for item in linkable_evidence(session, owner)}
    stranger = wanted - set(allowed)
    if stranger:
        raise DomainError("Choose evidence from your own library", field="evidence")
    links = list(session.scalars(select(CredentialEvidence).where(CredentialEvidence.credential_id == credential.id)))
    held = {link.evidence_id for link in links}
    for link in links:
        if link.evidence_id not in wanted:
            session.delete(link)
    for evidence_id in sorted(wanted - held):
        session.add(CredentialEvidence(credential_id=credential.id, evidence_id=evidence_id))
    session.flush()
    return [allowed[i] for i in sorted(wanted)]


# --- reading, with flags -----------------------------------------------------------------------

def rules(session: Session, today: dt.date) -> CredentialRules:
    content: CredentialRules = catalogue_for(session).current(RULES_ID, today).content
    return content


def facts_of(credential: ProfessionalRegistration) -> CredentialFacts:
    return CredentialFacts(kind=credential.kind, status=credential.status, awarded_on=credential.registered_on,
                           renewal_due_on=credential.renewal_due_on, expires_on=credential.expires_on)


def flags_of(credential: ProfessionalRegistration, rule_set: CredentialRules, today: dt.date) -> Flags:
    return flags(facts_of(credential), rule_set.for_kind(credential.kind), today)


def tags(f: Flags) -> list[tuple[str, str]]:
    """(text, NHS tag colour) for the list: the same words on every page that shows a credential."""
    out: list[tuple[str, str]] = []
    if f.expired:
        out.append(("Expired", "red"))
    if f.lapse_passed:
        assert f.lapse_on is not None
        out.append((f"May have lapsed on {long_date(f.lapse_on)}", "red"))
    elif f.overdue:
        out.append(("Declaration overdue", "red"))
    elif f.declaration_due:
        out.append(("Declaration due", "yellow"))
    if f.lapse_on is not None and f.declaration_due and not f.lapse_passed:
        out.append((f"Lapses on {long_date(f.lapse_on)}", "orange"))
    if f.due_soon:
        out.append((f"Due within {f.due_soon_days} days", "orange"))
    return out


@dataclasses.dataclass(frozen=True)
class CredentialRow:
    credential: ProfessionalRegistration
    flags: Flags
    tags: list[tuple[str, str]]
    #: Linked evidence the viewer may see (HR: only items shared with HR; unshared ones are not even counted).
    evidence: list[EvidenceItem]


def credential_rows(session: Session, viewer: User, owner: User, today: dt.date) -> list[CredentialRow]:
    """The person's credentials with flags and the linked evidence `viewer` may see: a fixed number of queries."""
    credentials = list(session.scalars(
        select(ProfessionalRegistration).join(StaffProfile).where(StaffProfile.user_id == owner.id)
        .order_by(ProfessionalRegistration.regulator, ProfessionalRegistration.kind)))
    links = list(session.scalars(
        select(CredentialEvidence).where(CredentialEvidence.credential_id.in_([c.id for c in credentials]))
        .options(selectinload(CredentialEvidence.evidence)).order_by(CredentialEvidence.id))) if credentials else []
    private = can_view_private_records(session, viewer, owner, today)
    rule_set = rules(session, today)
    rows = []
    for credential in credentials:
        items = [link.evidence for link in links
                 if link.credential_id == credential.id and link.evidence.deleted_at is None]
        visible = [item for item in items if private or item.shared_with_hr]
        f = flags_of(credential, rule_set, today)
        rows.append(CredentialRow(credential, f, tags(f), visible))
    return rows


def linked_evidence_ids(session: Session, credential: ProfessionalRegistration) -> list[int]:
    return list(session.scalars(select(CredentialEvidence.evidence_id)
                                .where(CredentialEvidence.credential_id == credential.id)))


# --- reminders ---------------------------------------------------------------------------------

SUBJECTS = {
    "declaration": "{label}: declaration or renewal due on {due}",
    "lapse": "{label}: make your declaration by {last} or it may lapse",
    "expiry": "{label}: expires on {due}",
}


def _body(person: User, credential: ProfessionalRegistration, reminder: Reminder, link: str) -> str:
    label = kind_label(credential.kind)
    if reminder.kind == "lapse":
        what = (f"Your {label} declaration was due on {long_date(reminder.due_on)}. If it is not made by "
                f"{long_date(reminder.last_day)}, it may lapse.")
    elif reminder.kind == "expiry":
        what = f"Your {label} expires on {long_date(reminder.due_on)}."
    else:
        what = f"Your {label} declaration or renewal is due on {long_date(reminder.due_on)}."
    return (f"Hello {person.full_name},\n\n{what}\n\nOnce it is done, record the new date in Waymark:\n\n{link}\n\n"
            "You get one reminder for each date.\n")


def send_reminders(session: Session, smtp: SMTPSettings, today: dt.date, link: Callable[[int], str]) -> int:
    """Queue the reminder e-mails whose day has come, once per credential, date and kind; returns how many."""
    rule_set = rules(session, today)
    credentials = session.scalars(
        select(ProfessionalRegistration).join(StaffProfile).join(User, User.id == StaffProfile.user_id)
        .where(User.active.is_(True), ProfessionalRegistration.status == CredentialStatus.CURRENT)
        .options(selectinload(ProfessionalRegistration.profile).selectinload(StaffProfile.user))
        .order_by(ProfessionalRegistration.id))
    sent_before = {(r.credential_id, r.due_on, r.kind) for r in session.scalars(select(CredentialReminder))}
    count = 0
    for credential in credentials:
        due: Sequence[Reminder] = reminders_due(facts_of(credential), rule_set.for_kind(credential.kind), today)
        for reminder in due:
            if (credential.id, reminder.due_on, reminder.kind) in sent_before:
                continue
            person = credential.profile.user
            subject = SUBJECTS[reminder.kind].format(label=kind_label(credential.kind),
                                                     due=long_date(reminder.due_on), last=long_date(reminder.last_day))
            mail = send_mail(session, smtp, person.email, subject,
                             _body(person, credential, reminder, link(person.id)))
            session.add(CredentialReminder(credential_id=credential.id, due_on=reminder.due_on, kind=reminder.kind,
                                           outbox_mail_id=mail.id))
            session.flush()
            count += 1
    return count
