"""NMC revalidation evidence a nurse gathers over each 3-year cycle: practice hours, feedback, reflections.

The targets are the NMC's (facts.md §9). CPD is part of revalidation too, but it is counted in
the CPD log. Each save checks the rules that need the domain (dates, hour caps, the Code's
themes, the partner's PIN, no patient identifiers), changes the row and flushes; the caller commits.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
from decimal import Decimal
from typing import Any, TypeAlias, cast

from sqlalchemy import ColumnElement, Select, and_, func, select
from sqlalchemy.orm import Session

from app.services.errors import DomainError
from app.services.privacy import refuse_patient_identifiers
from competences.requirements import Window
from competences.windows import long_date, rolling
from models import (NmcFeedback, NmcPracticeHours, NmcReflectiveAccount, NmcReflectiveDiscussion,
                    ProfessionalRegistration, Regulator, StaffProfile, User)

NmcEntry: TypeAlias = NmcPracticeHours | NmcFeedback | NmcReflectiveAccount | NmcReflectiveDiscussion

CYCLE_YEARS = 3
PRACTICE_HOURS_TARGET = 450
CPD_HOURS_TARGET = 35
CPD_PARTICIPATORY_HOURS_TARGET = 20
FEEDBACK_TARGET = 5
ACCOUNTS_TARGET = 5
DISCUSSIONS_TARGET = 1

#: Where practice-related feedback came from (stored value → what the page says).
FEEDBACK_SOURCES: dict[str, str] = {
    "patient": "Patient or service user",
    "carer": "Carer",
    "colleague": "Colleague",
    "manager": "Manager",
    "student": "Student",
    "audit": "Audit or report",
    "complaint_or_compliment": "Complaint or compliment",
    "other": "Other",
}

#: The four themes of the NMC Code a reflective account relates to.
CODE_THEMES: dict[str, str] = {
    "prioritise_people": "Prioritise people",
    "practise_effectively": "Practise effectively",
    "preserve_safety": "Preserve safety",
    "promote_professionalism": "Promote professionalism and trust",
}

#: An NMC PIN: 2 digits, a letter, 4 digits, a letter (e.g. 12A3456E).
PIN = re.compile(r"[0-9]{2}[A-Z][0-9]{4}[A-Z]")
QUARTER_HOUR = Decimal("0.25")


# --- what a form hands over --------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class PracticeHours:
    start_on: dt.date
    end_on: dt.date
    hours: Decimal
    setting: str


@dataclasses.dataclass(frozen=True)
class Feedback:
    received_on: dt.date
    source: str
    summary: str
    what_changed: str | None = None


@dataclasses.dataclass(frozen=True)
class ReflectiveAccount:
    written_on: dt.date
    nature_of_experience: str
    what_learned: str
    how_changed_practice: str
    code_themes: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class ReflectiveDiscussion:
    held_on: dt.date
    partner_name: str
    partner_pin: str


# --- checks shared by every kind ---------------------------------------------------------------

def _not_future(day: dt.date, today: dt.date, field: str, what: str) -> None:
    if day > today:
        raise DomainError(f"{what} cannot be in the future", field=field)


def _text(value: str | None, field: str, what: str, *, required: bool = True) -> str | None:
    """Trimmed text, refused when required and empty or when it holds a patient identifier."""
    value = (value or "").strip()
    if not value:
        if required:
            raise DomainError(f"Enter {what}", field=field)
        return None
    refuse_patient_identifiers(value, field)
    return value


def _required(value: str | None, field: str, what: str) -> str:
    text = _text(value, field, what)
    assert text is not None
    return text


def _same_name(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def hours_to_minutes(hours: Decimal) -> int:
    return int(hours * 60)


def minutes_to_hours(minutes: int) -> Decimal:
    """Minutes as decimal hours for a form: 450 → 7.5, 465 → 7.75, 480 → 8."""
    return (Decimal(minutes) / 60).normalize() if minutes % 60 else Decimal(minutes // 60)


# --- saving each kind --------------------------------------------------------------------------

def save_practice_hours(session: Session, owner: User, values: PracticeHours, *, today: dt.date,
                        entry: NmcPracticeHours | None = None) -> NmcPracticeHours:
    """Record (or correct) hours practised as a nurse over a period."""
    _not_future(values.start_on, today, "start_on", "The first day")
    _not_future(values.end_on, today, "end_on", "The last day")
    if values.end_on < values.start_on:
        raise DomainError("The last day must be the same as or after the first day", field="end_on")
    if not values.hours.is_finite():
        raise DomainError("Hours must be a number, like 37.5", field="hours")
    if values.hours <= 0:
        raise DomainError("Hours must be more than 0", field="hours")
    if values.hours % QUARTER_HOUR:
        raise DomainError("Enter hours in quarter hours, like 7.5 or 37.25", field="hours")
    days = (values.end_on - values.start_on).days + 1
    if values.hours > 24 * days:
        raise DomainError(f"{values.hours} hours is more than there are in {days} day{'s' if days > 1 else ''} "
                          f"({24 * days} hours): check the hours and the dates", field="hours")
    setting = _required(values.setting, "setting", "where you practised and in what scope of practice")
    entry = entry or NmcPracticeHours(owner_id=owner.id)
    entry.start_on, entry.end_on = values.start_on, values.end_on
    entry.minutes, entry.setting = hours_to_minutes(values.hours), setting
    session.add(entry)
    session.flush()
    return entry


def save_feedback(session: Session, owner: User, values: Feedback, *, today: dt.date,
                  entry: NmcFeedback | None = None) -> NmcFeedback:
    """Record (or correct) a piece of practice-related feedback and what the nurse did with it."""
    _not_future(values.received_on, today, "received_on", "The date you received the feedback")
    if values.source not in FEEDBACK_SOURCES:
        raise DomainError("Choose where the feedback came from", field="source")
    summary = _required(values.summary, "summary", "a summary of the feedback")
    what_changed = _text(values.what_changed, "what_changed", "what changed", required=False)
    entry = entry or NmcFeedback(owner_id=owner.id)
    entry.received_on, entry.source, entry.summary, entry.what_changed = (
        values.received_on, values.source, summary, what_changed)
    session.add(entry)
    session.flush()
    return entry


def save_reflective_account(session: Session, owner: User, values: ReflectiveAccount, *, today: dt.date,
                            entry: NmcReflectiveAccount | None = None) -> NmcReflectiveAccount:
    """Record (or correct) a written reflective account on the NMC form's fields."""
    _not_future(values.written_on, today, "written_on", "The date of the account")
    nature = _required(values.nature_of_experience, "nature_of_experience",
                       "the nature of the CPD activity, feedback, event or experience")
    learned = _required(values.what_learned, "what_learned", "what you learned")
    changed = _required(values.how_changed_practice, "how_changed_practice",
                        "how you changed or improved your practice")
    unknown = [t for t in values.code_themes if t not in CODE_THEMES]
    if unknown or not values.code_themes:
        raise DomainError("Choose at least one of the Code's themes this account relates to", field="code_themes")
    entry = entry or NmcReflectiveAccount(owner_id=owner.id)
    entry.written_on, entry.nature_of_experience, entry.what_learned, entry.how_changed_practice = (
        values.written_on, nature, learned, changed)
    entry.code_themes = [t for t in CODE_THEMES if t in values.code_themes]
    session.add(entry)
    session.flush()
    return entry


def normalise_pin(pin: str) -> str:
    return "".join(pin.split()).upper()


def own_nmc_pin(session: Session, owner: User) -> str | None:
    return session.scalar(select(ProfessionalRegistration.registration_number)
                          .join(StaffProfile, StaffProfile.id == ProfessionalRegistration.profile_id)
                          .where(StaffProfile.user_id == owner.id, ProfessionalRegistration.regulator == Regulator.NMC))


def save_reflective_discussion(session: Session, owner: User, values: ReflectiveDiscussion, *, today: dt.date,
                               entry: NmcReflectiveDiscussion | None = None) -> NmcReflectiveDiscussion:
    """Record (or correct) the reflective discussion with another NMC registrant."""
    _not_future(values.held_on, today, "held_on", "The date of the discussion")
    name = _required(values.partner_name, "partner_name", "the name of the registrant you talked with")
    if _same_name(name, owner.full_name):
        raise DomainError("The reflective discussion must be with another NMC registrant, not yourself",
                          field="partner_name")
    pin = normalise_pin(values.partner_pin)
    if not PIN.fullmatch(pin):
        raise DomainError("Enter the NMC PIN as 2 digits, a letter, 4 digits and a letter, like 12A3456E",
                          field="partner_pin")
    own = own_nmc_pin(session, owner)
    if own and normalise_pin(own) == pin:
        raise DomainError("That is your own NMC PIN: enter the other registrant's", field="partner_pin")
    entry = entry or NmcReflectiveDiscussion(owner_id=owner.id)
    entry.held_on, entry.partner_name, entry.partner_pin = values.held_on, " ".join(name.split()), pin
    session.add(entry)
    session.flush()
    return entry


# --- progress against the targets --------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Progress:
    """One revalidation requirement: what the person has in the window, against the NMC's target."""

    title: str
    have: int
    need: int
    #: Practice hours are counted in minutes (and shown as hours and minutes).
    in_minutes: bool = False

    @property
    def met(self) -> bool:
        return self.have >= self.need

    @property
    def percent(self) -> int:
        return min(100, self.have * 100 // self.need)


@dataclasses.dataclass(frozen=True)
class NmcTotals:
    window: Window
    practice_minutes: int
    feedback: int
    accounts: int
    discussions: int

    @property
    def progress(self) -> dict[str, Progress]:
        """Keyed by kind slug, in the order the page shows them."""
        return {
            "practice": Progress("Practice hours", self.practice_minutes, PRACTICE_HOURS_TARGET * 60, in_minutes=True),
            "feedback": Progress("Pieces of practice-related feedback", self.feedback, FEEDBACK_TARGET),
            "account": Progress("Written reflective accounts", self.accounts, ACCOUNTS_TARGET),
            "discussion": Progress("Reflective discussions with another NMC registrant", self.discussions,
                                   DISCUSSIONS_TARGET),
        }


def cycle_window(today: dt.date) -> Window:
    return rolling(today, years=CYCLE_YEARS)


def totals(session: Session, owner_id: int, today: dt.date) -> NmcTotals:
    """Everything counted over the 3 years to `today`, in one query; deleted entries do not count.

    Practice hours count when their period ends within the window; the others by their date.
    """
    window = cycle_window(today)

    def within(model: Any, column: Any) -> ColumnElement[bool]:
        return and_(model.owner_id == owner_id, model.deleted_at.is_(None), column.between(window.start, window.end))

    practice = (select(func.coalesce(func.sum(NmcPracticeHours.minutes), 0))
                .where(within(NmcPracticeHours, NmcPracticeHours.end_on)).scalar_subquery())
    feedback = select(func.count(NmcFeedback.id)).where(within(NmcFeedback, NmcFeedback.received_on)).scalar_subquery()
    accounts = (select(func.count(NmcReflectiveAccount.id))
                .where(within(NmcReflectiveAccount, NmcReflectiveAccount.written_on)).scalar_subquery())
    discussions = (select(func.count(NmcReflectiveDiscussion.id))
                   .where(within(NmcReflectiveDiscussion, NmcReflectiveDiscussion.held_on)).scalar_subquery())
    row = session.execute(select(practice, feedback, accounts, discussions)).one()
    return NmcTotals(window, int(row[0]), int(row[1]), int(row[2]), int(row[3]))


# --- listing and loading entries ---------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Kind:
    """One kind of NMC evidence: its model, the date it is listed by, and what the pages call it."""

    slug: str
    model: type[NmcEntry]
    title: str
    noun: str
    #: The date column lists are filtered and sorted by (practice hours: the first day of the period).
    date_attr: str
    #: The second date of a period (practice hours), so a date filter keeps periods that overlap it.
    end_attr: str | None = None

    def date_of(self, entry: NmcEntry) -> dt.date:
        return getattr(entry, self.date_attr)  # type: ignore[no-any-return]

    def describe(self, entry: NmcEntry) -> str:
        """How a flash message names the entry: "the practice hours from 1 March 2026"."""
        return f"the {self.noun} from {long_date(self.date_of(entry))}"


KINDS: dict[str, Kind] = {k.slug: k for k in (
    Kind("practice", NmcPracticeHours, "Practice hours", "practice hours", "start_on", "end_on"),
    Kind("feedback", NmcFeedback, "Practice-related feedback", "feedback", "received_on"),
    Kind("account", NmcReflectiveAccount, "Written reflective accounts", "reflective account", "written_on"),
    Kind("discussion", NmcReflectiveDiscussion, "Reflective discussion", "reflective discussion", "held_on"),
)}


def entries(kind: Kind, owner_id: int, *, since: dt.date | None = None, until: dt.date | None = None,
            oldest_first: bool = False, deleted: bool = False) -> Select[Any]:
    """The person's entries of one kind, ordered for a page: live ones, or the deleted ones to restore."""
    model = kind.model
    first = getattr(model, kind.date_attr)
    last = getattr(model, kind.end_attr or kind.date_attr)
    stmt = select(model).where(model.owner_id == owner_id,
                               model.deleted_at.is_not(None) if deleted else model.deleted_at.is_(None))
    if since:
        stmt = stmt.where(last >= since)
    if until:
        stmt = stmt.where(first <= until)
    return stmt.order_by(first.asc(), model.id.asc()) if oldest_first else stmt.order_by(first.desc(), model.id.desc())


def get_entry(session: Session, kind: Kind, owner_id: int, entry_id: int) -> NmcEntry | None:
    """One of the person's entries (deleted or not), or None if it is not theirs."""
    entry = cast(NmcEntry | None, session.get(kind.model, entry_id))
    return entry if entry is not None and entry.owner_id == owner_id else None
