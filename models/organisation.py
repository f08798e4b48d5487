"""Where people work: one organisation (a Trust) holds services, which hold teams."""
from __future__ import annotations

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, IntPK, Str120


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[IntPK]
    name: Mapped[Str120] = mapped_column(unique=True)
    #: ODS code of the Trust, e.g. "RXT"; optional because a pilot may not have one.
    ods_code: Mapped[str | None] = mapped_column(String(10))

    services: Mapped[list[Service]] = relationship(back_populates="organisation", order_by="Service.name")


class Service(Base):
    __tablename__ = "services"
    __table_args__ = (UniqueConstraint("organisation_id", "name"),)

    id: Mapped[IntPK]
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[Str120]
    active: Mapped[bool] = mapped_column(default=True)

    organisation: Mapped[Organisation] = relationship(back_populates="services")
    teams: Mapped[list[Team]] = relationship(back_populates="service", order_by="Team.name")


class Team(Base):
    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("service_id", "name"),)

    id: Mapped[IntPK]
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"), index=True)
    name: Mapped[Str120]
    active: Mapped[bool] = mapped_column(default=True)

    service: Mapped[Service] = relationship(back_populates="teams")
