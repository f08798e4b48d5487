"""Skill mix: what each person holds or is training in, the service lead's targets, and the matrix of gaps.

A person records their own modalities, specialisms, champion roles and service-development work
(models.hr.SkillRecord, naming an entry of the `skill-mix` vocabulary, competences.skills). The
service lead, or HR covering the service, sets targets ("at least two EMDR-trained therapists")
and reads the matrix: people in the service × competence areas, modalities, specialisms and
champion roles, with the gap against each target and the people one step from filling it (in
training for it). Only statuses reach the matrix; descriptions are work descriptions (never
clinical detail) and stay on the person's own page. Services flush; the caller commits.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Collection, Iterable, Mapping, Sequence

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.services.access import can_view_person
from app.services.errors import DomainError, NotPermitted
from app.services.privacy import refuse_patient_identifiers
from app.services.staff_scope import covers
from app.services.team_views import hr_service_scope, lead_service_ids
from competences.skills import (CATEGORIES, CATEGORY_LABELS, CATEGORY_PLURALS, RATED_CATEGORIES, TARGET_CATEGORIES,
                                Area, Skill, SkillVocabulary, Theme)
from competences.windows import long_date
from models import Role, Service, SkillRecord, SkillTarget, StaffProfile, Team, User
from models.reference_data import catalogue_for

VOCABULARY_ID = "skill-mix"
QUALIFIED, IN_TRAINING = "qualified", "in_training"
STATUSES: tuple[str, ...] = (QUALIFIED, IN_TRAINING)
STATUS_LABELS: Mapping[str, str] = {QUALIFIED: "Qualified", IN_TRAINING: "In training"}
#: A matrix cell: holds it, is one step away (in training), or neither.
HELD, TRAINING, NONE = "held", "in_training", "none"
CELL_LABELS: Mapping[str, str] = {HELD: "Held", TRAINING: "In training", NONE: ""}
MAX_DESCRIPTION = 1000
MAX_NOTE = 500
MAX_MINIMUM = 999


def vocabulary(session: Session, today: dt.date) -> SkillVocabulary:
    """The vocabulary in force today (the newest version if a test's day predates them all)."""
    catalogue = catalogue_for(session)
    try:
        loaded = catalogue.current(VOCABULARY_ID, today)
    except KeyError:
        loaded = catalogue.current(VOCABULARY_ID)
    content: SkillVocabulary = loaded.content
    return content


def is_current(record: SkillRecord, today: dt.date) -> bool:
    """Counts today: no end date, or an end date not yet passed (the end day itself still counts)."""
    return record.ended_on is None or record.ended_on >= today


# --- who may see and change ----------------------------------------------------------------------

def can_view_skills(session: Session, viewer: User, person: User, today: dt.date) -> bool:
    """The person, their line manager, service lead, HR covering them, and current supervisor or tutor."""
    return covers(session, viewer, person, today) or can_view_person(session, viewer, person, today)


def can_change_skills(viewer: User, person: User) -> bool:
    """Each person records their own skills."""
    return viewer.id == person.id


def can_manage_skill_mix(viewer: User, service: Service) -> bool:
    """Read the matrix and set targets: the service's lead, or HR covering the service."""
    if viewer.organisation_id != service.organisation_id:
        return False
    if service.id in lead_service_ids(viewer):
        return True
    if not viewer.has_role(Role.HR):
        return False
    scope = hr_service_scope(viewer)
    return scope is None or service.id in scope


# --- a person's records --------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class SkillInput:
    """What the form says about one record; `status` matters for modalities and specialisms only."""

    code: str
    status: str = QUALIFIED
    started_on: dt.date | None = None
    ended_on: dt.date | None = None
    description: str | None = None


def _text(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def _check(session: Session, profile: StaffProfile, category: str, values: SkillInput, vocab: SkillVocabulary,
           today: dt.date, existing: SkillRecord | None) -> Skill:
    if category not in CATEGORIES:
        raise DomainError(f"Unknown kind of skill {category!r}", field="code")
    skill = vocab.skill(category, values.code)
    if skill is None:
        raise DomainError(f"Choose the {CATEGORY_LABELS[category].lower()} from the list", field="code")
    if values.status not in STATUSES:
        raise DomainError("Choose qualified or in training", field="status")
    if category not in RATED_CATEGORIES and values.status != QUALIFIED:
        raise DomainError(f"A {CATEGORY_LABELS[category].lower()} counts while it is current: record it as held, "
                          "with an end date once it stops", field="status")
    description = _text(values.description)
    if category == "development":
        if description is None:
            raise DomainError("Describe the work: what was run, taught or improved", field="description")
        if values.started_on is None:
            raise DomainError("Enter the date the work started", field="started_on")
    if values.started_on is not None and values.started_on > today:
        raise DomainError(f"The start date cannot be in the future (today is {long_date(today)}); record it once "
                          "it has started", field="started_on")
    if values.started_on is not None and values.ended_on is not None and values.ended_on < values.started_on:
        raise DomainError(f"The end date cannot be before the start date ({long_date(values.started_on)})",
                          field="ended_on")
    if description is not None and len(description) > MAX_DESCRIPTION:
        raise DomainError(f"The description must be {MAX_DESCRIPTION:,} characters or fewer", field="description")
    refuse_patient_identifiers(description, "description")
    if category != "development" and (values.ended_on is None or values.ended_on >= today):
        clash = session.scalar(select(SkillRecord.id).where(
            SkillRecord.profile_id == profile.id, SkillRecord.category == category, SkillRecord.code == skill.id,
            or_(SkillRecord.ended_on.is_(None), SkillRecord.ended_on >= today),
            SkillRecord.id != (existing.id if existing is not None else -1)).limit(1))
        if clash is not None:
            raise DomainError(f"{skill.title} is already recorded; change that record instead (for example from in "
                              "training to qualified)", field="code")
    return skill


def _apply(record: SkillRecord, values: SkillInput) -> None:
    record.status = values.status
    record.started_on, record.ended_on = values.started_on, values.ended_on
    record.description = _text(values.description)


def record_skill(session: Session, actor: User, person: User, category: str, values: SkillInput, *, today: dt.date,
                 vocab: SkillVocabulary | None = None) -> SkillRecord:
    """Add a record for the actor themselves; refused with the field to correct."""
    if not can_change_skills(actor, person):
        raise NotPermitted("Only the person records their own skills")
    profile = person.profile
    if profile is None:
        raise DomainError("Your employment details are not recorded yet; ask an administrator to add them",
                          field="code")
    skill = _check(session, profile, category, values, vocab or vocabulary(session, today), today, None)
    record = SkillRecord(profile_id=profile.id, category=category, code=skill.id)
    _apply(record, values)
    session.add(record)
    session.flush()
    return record


def change_skill(session: Session, actor: User, person: User, record: SkillRecord, values: SkillInput, *,
                 today: dt.date, vocab: SkillVocabulary | None = None) -> SkillRecord:
    """Change one of the actor's records (the kind stays; the entry, status, dates and description may change)."""
    if not can_change_skills(actor, person) or person.profile is None or record.profile_id != person.profile.id:
        raise NotPermitted("Only the person changes their own skills")
    skill = _check(session, person.profile, record.category, values, vocab or vocabulary(session, today), today,
                   record)
    record.code = skill.id
    _apply(record, values)
    session.flush()
    return record


def delete_skill(session: Session, actor: User, person: User, record: SkillRecord) -> None:
    if not can_change_skills(actor, person) or person.profile is None or record.profile_id != person.profile.id:
        raise NotPermitted("Only the person deletes their own skills")
    session.delete(record)
    session.flush()


def record_of(session: Session, person: User, record_id: int) -> SkillRecord | None:
    if person.profile is None:
        return None
    return session.scalar(select(SkillRecord).where(SkillRecord.id == record_id,
                                                    SkillRecord.profile_id == person.profile.id))


@dataclasses.dataclass(frozen=True)
class RecordRow:
    record: SkillRecord
    title: str
    current: bool
    #: False for a code a later vocabulary dropped: shown, but counted nowhere.
    known: bool

    @property
    def status_label(self) -> str:
        if not self.current:
            return "Ended"
        if self.record.category in RATED_CATEGORIES:
            return STATUS_LABELS.get(self.record.status, self.record.status)
        return "Current"


@dataclasses.dataclass(frozen=True)
class AreaEvidence:
    """A competence area and the person's current records that evidence it."""

    area: Area
    held: tuple[str, ...]
    in_training: tuple[str, ...]

    @property
    def state(self) -> str:
        return HELD if self.held else TRAINING if self.in_training else NONE


@dataclasses.dataclass(frozen=True)
class ThemeEvidence:
    """A senior-band theme and the records (current or past) that evidence it."""

    theme: Theme
    records: tuple[RecordRow, ...]


@dataclasses.dataclass(frozen=True)
class PersonSkills:
    vocabulary: SkillVocabulary
    #: (category, plural heading, rows) in CATEGORIES order.
    groups: tuple[tuple[str, str, tuple[RecordRow, ...]], ...]
    areas: tuple[AreaEvidence, ...]
    themes: tuple[ThemeEvidence, ...]


def _rows(session: Session, person: User, vocab: SkillVocabulary, today: dt.date) -> list[RecordRow]:
    if person.profile is None:
        return []
    records = session.scalars(select(SkillRecord).where(SkillRecord.profile_id == person.profile.id)
                              .order_by(SkillRecord.category, SkillRecord.started_on.desc(), SkillRecord.id))
    return [RecordRow(r, vocab.title(r.category, r.code), is_current(r, today), vocab.has(r.category, r.code))
            for r in records]


def _themes(vocab: SkillVocabulary, rows: Iterable[RecordRow]) -> tuple[ThemeEvidence, ...]:
    evidence = [row for row in rows if row.known and row.record.status == QUALIFIED]
    out = []
    for theme in vocab.themes:
        matching = [row for row in evidence
                    if theme.id in (vocab.skill(row.record.category, row.record.code) or _NO_SKILL).themes]
        out.append(ThemeEvidence(theme, tuple(matching)))
    return tuple(out)


_NO_SKILL = Skill(category="", id="", title="", areas=())


def senior_evidence(session: Session, person: User, today: dt.date) -> tuple[ThemeEvidence, ...]:
    """The person's records grouped by senior-band theme; past work still counts as evidence."""
    vocab = vocabulary(session, today)
    return _themes(vocab, _rows(session, person, vocab, today))


def person_skills(session: Session, person: User, today: dt.date) -> PersonSkills:
    """Everything the person's skills page shows, in two queries (the vocabulary check and the records)."""
    vocab = vocabulary(session, today)
    rows = _rows(session, person, vocab, today)
    groups = tuple((c, CATEGORY_PLURALS[c], tuple(r for r in rows if r.record.category == c)) for c in CATEGORIES)
    areas = []
    for area in vocab.areas:
        held: list[str] = []
        training: list[str] = []
        for row in rows:
            skill = vocab.skill(row.record.category, row.record.code)
            if skill is None or not row.current or area.id not in skill.areas:
                continue
            (held if row.record.status == QUALIFIED else training).append(row.title)
        areas.append(AreaEvidence(area, tuple(held), tuple(training)))
    return PersonSkills(vocab, groups, tuple(areas), _themes(vocab, rows))


# --- targets -------------------------------------------------------------------------------------

def targets_of(session: Session, service: Service) -> list[SkillTarget]:
    return list(session.scalars(select(SkillTarget).where(SkillTarget.service_id == service.id)
                                .order_by(SkillTarget.category, SkillTarget.code)))


def set_target(session: Session, actor: User, service: Service, *, category: str, code: str, minimum: int | None,
               note: str | None, today: dt.date, vocab: SkillVocabulary | None = None) -> SkillTarget:
    """Set (or change) the service's target for one column; the same column twice changes the one target."""
    if not can_manage_skill_mix(actor, service):
        raise NotPermitted("Only the service lead or HR covering the service sets its targets")
    vocab = vocab or vocabulary(session, today)
    if category not in TARGET_CATEGORIES or not vocab.has(category, code):
        raise DomainError("Choose a competence area, modality, specialism or champion role from the list", field="code")
    if minimum is None or minimum < 1:
        raise DomainError("The target must be at least 1 person", field="minimum")
    if minimum > MAX_MINIMUM:
        raise DomainError(f"The target must be {MAX_MINIMUM} people or fewer", field="minimum")
    note = _text(note)
    if note is not None and len(note) > MAX_NOTE:
        raise DomainError(f"The note must be {MAX_NOTE} characters or fewer", field="note")
    refuse_patient_identifiers(note, "note")
    target = session.scalar(select(SkillTarget).where(SkillTarget.service_id == service.id,
                                                      SkillTarget.category == category, SkillTarget.code == code))
    if target is None:
        target = SkillTarget(service_id=service.id, category=category, code=code, minimum=minimum, set_by_id=actor.id)
        session.add(target)
    target.minimum, target.note, target.set_by_id = minimum, note, actor.id
    session.flush()
    return target


def remove_target(session: Session, actor: User, service: Service, target: SkillTarget) -> None:
    if target.service_id != service.id or not can_manage_skill_mix(actor, service):
        raise NotPermitted("Only the service lead or HR covering the service removes its targets")
    session.delete(target)
    session.flush()


# --- the matrix ----------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Column:
    category: str
    code: str
    title: str
    heading: str

    @property
    def key(self) -> str:
        """How a URL names the column (?column=modality:emdr)."""
        return f"{self.category}:{self.code}"

    @property
    def label(self) -> str:
        return f"{CATEGORY_LABELS[self.category]}: {self.title}"


@dataclasses.dataclass(frozen=True)
class Group:
    category: str
    title: str
    columns: tuple[Column, ...]


@dataclasses.dataclass(frozen=True)
class Member:
    user_id: int
    name: str
    team: str | None


@dataclasses.dataclass(frozen=True)
class Row:
    member: Member
    #: Column key → HELD, TRAINING or NONE.
    cells: Mapping[str, str]

    def cell(self, column: Column) -> str:
        return self.cells.get(column.key, NONE)


@dataclasses.dataclass(frozen=True)
class Totals:
    """One column's count against its target."""

    column: Column
    held: int
    target: int | None
    note: str | None
    #: People in training for it and not yet holding it: one step from filling the gap.
    one_step_away: tuple[Member, ...]

    @property
    def gap(self) -> int:
        return max((self.target or 0) - self.held, 0)


@dataclasses.dataclass(frozen=True)
class Matrix:
    service: Service
    groups: tuple[Group, ...]
    rows: tuple[Row, ...]
    totals: Mapping[str, Totals]

    def column(self, key: str) -> Column | None:
        return next((c for g in self.groups for c in g.columns if c.key == key), None)

    @property
    def columns(self) -> tuple[Column, ...]:
        return tuple(c for g in self.groups for c in g.columns)

    @property
    def gaps(self) -> tuple[Totals, ...]:
        """Columns short of their target, in column order."""
        return tuple(t for c in self.columns if (t := self.totals[c.key]).gap > 0)

    @property
    def targeted(self) -> tuple[Totals, ...]:
        return tuple(t for c in self.columns if (t := self.totals[c.key]).target is not None)

    def rows_for(self, column: Column, state: str | None = None) -> tuple[Row, ...]:
        """The people behind a number: holding the column, in training for it, or either (state None)."""
        wanted = {state} if state else {HELD, TRAINING}
        return tuple(r for r in self.rows if r.cell(column) in wanted)


def _groups(vocab: SkillVocabulary) -> tuple[Group, ...]:
    groups = [Group("area", CATEGORY_PLURALS["area"],
                    tuple(Column("area", a.id, a.title, a.title) for a in vocab.areas))]
    for category in TARGET_CATEGORIES[1:]:
        groups.append(Group(category, CATEGORY_PLURALS[category],
                            tuple(Column(category, s.id, s.title, s.heading) for s in vocab.of(category))))
    return tuple(groups)


def _cells(vocab: SkillVocabulary, held: Iterable[tuple[str, str, str]]) -> dict[str, str]:
    """Column key → state for one person's current records given as (category, code, status)."""
    cells: dict[str, str] = {}

    def mark(key: str, state: str) -> None:
        if cells.get(key) != HELD:
            cells[key] = state

    for category, code, status in held:
        skill = vocab.skill(category, code)
        if skill is None:
            continue
        state = HELD if status == QUALIFIED else TRAINING
        if category in TARGET_CATEGORIES:
            mark(f"{category}:{code}", state)
        for area in skill.areas:
            mark(f"area:{area}", state)
    return cells


def _totals(columns: Sequence[Column], rows: Sequence[Row], targets: Mapping[str, SkillTarget]) -> dict[str, Totals]:
    totals = {}
    for column in columns:
        target = targets.get(column.key)
        totals[column.key] = Totals(
            column, sum(1 for r in rows if r.cell(column) == HELD), target.minimum if target else None,
            target.note if target else None, tuple(r.member for r in rows if r.cell(column) == TRAINING))
    return totals


def matrix(session: Session, service_id: int, today: dt.date) -> Matrix:
    """People in the service (active, profile in one of its teams) × columns, with totals: five queries."""
    service = session.get(Service, service_id)
    if service is None:
        raise KeyError(f"no service {service_id}")
    vocab = vocabulary(session, today)
    people = session.execute(
        select(User.id, User.full_name, Team.name, StaffProfile.id)
        .join(StaffProfile, StaffProfile.user_id == User.id).join(Team, Team.id == StaffProfile.team_id)
        .where(Team.service_id == service_id, User.active.is_(True))
        .order_by(User.full_name, User.id)).all()
    records: dict[int, list[tuple[str, str, str]]] = {}
    for profile_id, category, code, status in session.execute(
            select(SkillRecord.profile_id, SkillRecord.category, SkillRecord.code, SkillRecord.status)
            .join(StaffProfile, StaffProfile.id == SkillRecord.profile_id)
            .join(User, User.id == StaffProfile.user_id).join(Team, Team.id == StaffProfile.team_id)
            .where(Team.service_id == service_id, User.active.is_(True),
                   or_(SkillRecord.ended_on.is_(None), SkillRecord.ended_on >= today))):
        records.setdefault(profile_id, []).append((category, code, status))
    rows = tuple(Row(Member(user_id, name, team), _cells(vocab, records.get(profile_id, ())))
                 for user_id, name, team, profile_id in people)
    targets = {f"{t.category}:{t.code}": t for t in targets_of(session, service)}
    groups = _groups(vocab)
    return Matrix(service, groups, rows, _totals([c for g in groups for c in g.columns], rows, targets))


def export_table(m: Matrix, rows: Sequence[Row]) -> tuple[list[str], list[list[str | int | None]]]:
    """Headers and rows for CSV/XLSX: one row per person, then the totals against target."""
    columns = m.columns
    headers = ["Name", "Team", *(c.label for c in columns)]
    body: list[list[str | int | None]] = [
        [r.member.name, r.member.team, *(CELL_LABELS[r.cell(c)] for c in columns)] for r in rows]
    body.append(["Total held", None, *(m.totals[c.key].held for c in columns)])
    body.append(["In training", None, *(len(m.totals[c.key].one_step_away) for c in columns)])
    body.append(["Target", None, *(m.totals[c.key].target for c in columns)])
    body.append(["Short by", None, *(m.totals[c.key].gap if m.totals[c.key].target else None for c in columns)])
    return headers, body


# --- gaps across services (the service dashboard) ------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Gap:
    """A target a service does not meet: who holds it, by how many it falls short, who is one step away."""

    service: Service
    category: str
    code: str
    title: str
    target: int
    held: int
    short_by: int
    one_step_away: tuple[str, ...]

    @property
    def category_label(self) -> str:
        return CATEGORY_LABELS.get(self.category, self.category)

    @property
    def column_key(self) -> str:
        return f"{self.category}:{self.code}"


def gaps(session: Session, service_ids: Collection[int] | None, organisation_id: int, today: dt.date) -> list[Gap]:
    """Every unmet target in the given services (None: the whole organisation), in three queries.

    Ordered by service name, then areas, modalities, specialisms and champion roles in vocabulary order.
    """
    q = (select(SkillTarget, Service).join(Service, Service.id == SkillTarget.service_id)
         .where(Service.organisation_id == organisation_id))
    if service_ids is not None:
        q = q.where(Service.id.in_(sorted(service_ids)))
    target_rows = session.execute(q).all()
    if not target_rows:
        return []
    vocab = vocabulary(session, today)
    services = {service.id: service for _target, service in target_rows}
    people: dict[int, tuple[int, str]] = {}
    records: dict[int, list[tuple[str, str, str]]] = {}
    for service_id, user_id, name, category, code, status in session.execute(
            select(Team.service_id, User.id, User.full_name, SkillRecord.category, SkillRecord.code,
                   SkillRecord.status)
            .join(StaffProfile, StaffProfile.user_id == User.id).join(Team, Team.id == StaffProfile.team_id)
            .join(SkillRecord, SkillRecord.profile_id == StaffProfile.id)
            .where(Team.service_id.in_(sorted(services)), User.active.is_(True), User.organisation_id == organisation_id,
                   or_(SkillRecord.ended_on.is_(None), SkillRecord.ended_on >= today))):
        people[user_id] = (service_id, name)
        records.setdefault(user_id, []).append((category, code, status))
    cells = {user_id: _cells(vocab, held) for user_id, held in records.items()}
    order = {f"{c.category}:{c.code}": i for i, c in enumerate(c for g in _groups(vocab) for c in g.columns)}
    out = []
    for target, service in target_rows:
        key = f"{target.category}:{target.code}"
        if key not in order:
            continue  # a target on an entry a corrected vocabulary dropped
        members = [(name, cells[uid].get(key, NONE)) for uid, (sid, name) in people.items() if sid == service.id]
        held = sum(1 for _name, state in members if state == HELD)
        if held >= target.minimum:
            continue
        one_step = tuple(sorted(name for name, state in members if state == TRAINING))
        out.append(Gap(service, target.category, target.code, vocab.title(target.category, target.code),
                       target.minimum, held, target.minimum - held, one_step))
    out.sort(key=lambda g: (g.service.name, g.service.id, order[g.column_key]))
    return out


__all__ = ["CELL_LABELS", "HELD", "IN_TRAINING", "NONE", "QUALIFIED", "STATUSES", "STATUS_LABELS", "TRAINING",
           "AreaEvidence", "Column", "Gap", "Group", "Matrix", "Member", "PersonSkills", "RecordRow", "Row",
           "SkillInput", "ThemeEvidence", "Totals", "can_change_skills", "can_manage_skill_mix", "can_view_skills",
           "change_skill", "delete_skill", "export_table", "gaps", "is_current", "matrix", "person_skills",
           "record_of", "record_skill", "remove_target", "senior_evidence", "set_target",
           "targets_of", "vocabulary"]
