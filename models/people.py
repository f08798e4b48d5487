"""People: accounts, their roles, and the staff profile that pay and portfolios hang from."""
from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from competences.credentials import DEFAULT_KIND_FOR_BODY, KINDS_BY_ID, CredentialStatus, CredentialType
from models.base import Base, IntPK, Str120, Str255, Timestamp, user_fk
from models.enums import LeaveKind, Regulator, Role, str_enum
from models.organisation import Organisation, Service, Team

if TYPE_CHECKING:
    from models.hr import Post


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


class User(Base):
    """An account. Never deleted: deactivation keeps every record it signed or owns."""

    __tablename__ = "users"

    id: Mapped[IntPK]
    #: Stored lower-cased; the login form lower-cases what is typed.
    email: Mapped[Str255] = mapped_column(unique=True)
    full_name: Mapped[Str120]
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    #: argon2id hash; None until the person sets a password through a reset link.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    password_changed_at: Mapped[dt.datetime | None]
    active: Mapped[bool] = mapped_column(default=True)
    #: Part of the login session id: rotating it signs the person out everywhere.
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    created_at: Mapped[Timestamp]
    last_login_at: Mapped[dt.datetime | None]
    #: Send one e-mail a day listing what is waiting on them (app.services.notifications); off unless chosen.
    digest_opt_in: Mapped[bool] = mapped_column(default=False)
    #: The day the person left: for LEAVER_EXPORT_DAYS afterwards the account can only export its data.
    left_on: Mapped[dt.date | None]

    organisation: Mapped[Organisation] = relationship()
    role_grants: Mapped[list[RoleGrant]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="(RoleGrant.role, RoleGrant.id)"
    )
    profile: Mapped[StaffProfile | None] = relationship(back_populates="user", uselist=False)

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(g.role for g in self.role_grants)

    def has_role(self, role: Role) -> bool:
        return any(g.role is role for g in self.role_grants)

    def grants_for(self, role: Role) -> list[RoleGrant]:
        return [g for g in self.role_grants if g.role is role]

    # The four members Flask-Login expects, written out so models need not import it.
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        """The session names the account and its current token, so rotating the token signs it out."""
        return f"{self.id}:{self.session_token}"


class RoleGrant(Base):
    """A role held by a user; service lead and HR grants may be limited to one service."""

    __tablename__ = "role_grants"
    __table_args__ = (
        UniqueConstraint("user_id", "role", "service_id"),
        CheckConstraint("role <> 'service_lead' OR service_id IS NOT NULL", name="service_lead_has_service"),
    )

    id: Mapped[IntPK]
    user_id: Mapped[int] = user_fk()
    role: Mapped[Role] = mapped_column(str_enum(Role, 20))
    #: For HR: None means the whole organisation. For a service lead: the service they lead.
    service_id: Mapped[int | None] = mapped_column(ForeignKey("services.id"), index=True)

    user: Mapped[User] = relationship(back_populates="role_grants")
    service: Mapped[Service | None] = relationship()


class StaffProfile(Base):
    """Employment facts about a member of staff: post, band and step, with the dates they began."""

    __tablename__ = "staff_profiles"
    __table_args__ = (
        CheckConstraint("pay_step IS NULL OR pay_step BETWEEN 1 AND 3", name="pay_step_range"),
    )

    id: Mapped[IntPK]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    job_title: Mapped[Str120]
    #: e.g. "Psychological wellbeing practitioner", "Mental health nurse", "Clinical psychologist".
    core_profession: Mapped[Str120]
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    #: Agenda for Change band code ("4" … "9", "8a" … "8d"); see competences.bands.
    band: Mapped[str | None] = mapped_column(String(3))
    band_started_on: Mapped[dt.date | None]
    #: 1 = entry step point, 2 = intermediate (or top where a band has two), 3 = top.
    pay_step: Mapped[int | None]
    step_started_on: Mapped[dt.date | None]
    #: Employee or ESR assignment number, for matching HR imports.
    employee_number: Mapped[str | None] = mapped_column(String(30), unique=True)
    #: The establishment post held (models.hr.Post); its HCAS zone sets the supplement.
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id"), index=True)

    user: Mapped[User] = relationship(back_populates="profile")
    team: Mapped[Team | None] = relationship()
    post: Mapped[Post | None] = relationship(foreign_keys=[post_id])
    working_patterns: Mapped[list[WorkingPattern]] = relationship(
        back_populates="profile", order_by="WorkingPattern.starts_on", cascade="all, delete-orphan"
    )
    leave_periods: Mapped[list[LeaveOfAbsence]] = relationship(
        back_populates="profile", order_by="LeaveOfAbsence.starts_on", cascade="all, delete-orphan"
    )
    registrations: Mapped[list[ProfessionalRegistration]] = relationship(
        back_populates="profile", order_by="(ProfessionalRegistration.regulator, ProfessionalRegistration.id)", cascade="all, delete-orphan"
    )

    def wte_on(self, day: dt.date) -> Decimal | None:
        for pattern in self.working_patterns:
            if pattern.starts_on <= day and (pattern.ends_on is None or day <= pattern.ends_on):
                return pattern.wte
        return None


class WorkingPattern(Base):
    """Contracted hours as whole-time equivalent over a period; history is kept, not overwritten."""

    __tablename__ = "working_patterns"
    __table_args__ = (
        CheckConstraint("wte > 0 AND wte <= 1", name="wte_range"),
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="dates_in_order"),
    )

    id: Mapped[IntPK]
    profile_id: Mapped[int] = mapped_column(ForeignKey("staff_profiles.id"), index=True)
    wte: Mapped[Decimal] = mapped_column(Numeric(4, 2))
    starts_on: Mapped[dt.date]
    ends_on: Mapped[dt.date | None]

    profile: Mapped[StaffProfile] = relationship(back_populates="working_patterns")


class LeaveOfAbsence(Base):
    """A period away from work; the pay rules decide which kinds defer a step date."""

    __tablename__ = "leave_of_absence"
    __table_args__ = (CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="dates_in_order"),)

    id: Mapped[IntPK]
    profile_id: Mapped[int] = mapped_column(ForeignKey("staff_profiles.id"), index=True)
    kind: Mapped[LeaveKind] = mapped_column(str_enum(LeaveKind, 20))
    starts_on: Mapped[dt.date]
    ends_on: Mapped[dt.date | None]

    profile: Mapped[StaffProfile] = relationship(back_populates="leave_periods")


def _default_kind(context: Any) -> str | None:
    """A row saved with only a body stands for that body's usual credential (see DEFAULT_KIND_FOR_BODY)."""
    body = context.get_current_parameters().get("regulator")
    return DEFAULT_KIND_FOR_BODY.get(Regulator(body).value) if body is not None else None


def _default_type(context: Any) -> str:
    """The type of the row's kind (given, or defaulted from its body)."""
    kind = context.get_current_parameters().get("kind") or _default_kind(context)
    known = KINDS_BY_ID.get(kind or "")
    return (known.type if known else CredentialType.REGISTRATION).value


class ProfessionalRegistration(Base):
    """An accreditation, registration, qualification or membership held from an awarding body.

    The table keeps its first name (it began as regulators' registrations) and its first column
    names: `regulator` is the awarding body, `registration_number` the number, `registered_on` the
    award date and `renewal_due_on` the next declaration or renewal date.
    """

    __tablename__ = "professional_registrations"
    __table_args__ = (
        UniqueConstraint("profile_id", "kind"),
        CheckConstraint("expires_on IS NULL OR registered_on IS NULL OR expires_on >= registered_on",
                        name="expiry_after_award"),
    )

    id: Mapped[IntPK]
    profile_id: Mapped[int] = mapped_column(ForeignKey("staff_profiles.id"), index=True)
    #: The awarding body.
    regulator: Mapped[Regulator] = mapped_column(str_enum(Regulator, 10))
    #: The university's or other body's name (Regulator.UNIVERSITY or OTHER).
    body_name: Mapped[str | None] = mapped_column(String(120))
    credential_type: Mapped[CredentialType] = mapped_column(str_enum(CredentialType, 20), default=_default_type)
    #: The evidence credential kind the readiness rules read (competences.credentials.CREDENTIAL_KINDS).
    kind: Mapped[str] = mapped_column(String(40), default=_default_kind)
    #: Optional for qualifications.
    registration_number: Mapped[str | None] = mapped_column(String(40))
    #: The award (or first registration) date.
    registered_on: Mapped[dt.date | None]
    #: The next annual declaration or renewal date; reminders and "due" flags count from it.
    renewal_due_on: Mapped[dt.date | None]
    #: The last day it is valid, if it has a fixed end (a qualification usually has none).
    expires_on: Mapped[dt.date | None]
    status: Mapped[CredentialStatus] = mapped_column(str_enum(CredentialStatus, 20), default=CredentialStatus.CURRENT)
    notes: Mapped[str | None] = mapped_column(Text)

    profile: Mapped[StaffProfile] = relationship(back_populates="registrations")

    @property
    def body_label(self) -> str:
        return self.body_name or self.regulator.label

    @property
    def kind_label(self) -> str:
        known = KINDS_BY_ID.get(self.kind)
        return known.label if known else self.kind
