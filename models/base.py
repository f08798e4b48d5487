"""Declarative base shared by every model: naming convention, column types, UTC datetimes."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, MetaData, Numeric, String, TypeDecorator
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

#: Alembic batch mode on SQLite needs every constraint named.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Aware UTC datetimes on both databases (SQLite stores naive values and would lose the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        value = value.astimezone(dt.timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.timezone.utc)
        return value.astimezone(dt.timezone.utc)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


IntPK = Annotated[int, mapped_column(Integer, primary_key=True)]
Str40 = Annotated[str, 40]
Str120 = Annotated[str, 120]
Str255 = Annotated[str, 255]
#: Whole-time equivalent: 1.00 is full time.
WTE = Annotated[Decimal, mapped_column(Numeric(4, 2))]
Timestamp = Annotated[dt.datetime, mapped_column(UTCDateTime(), default=utcnow)]


def user_fk(*, ondelete: str | None = None, nullable: bool = False, index: bool = True) -> Any:
    """A foreign key to users.id; people are never deleted, so RESTRICT is the default."""
    return mapped_column(ForeignKey("users.id", ondelete=ondelete), nullable=nullable, index=index)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        dt.datetime: UTCDateTime(),
        Str40: String(40),
        Str120: String(120),
        Str255: String(255),
        Decimal: Numeric(10, 2),
        int: Integer,
    }

    def __repr__(self) -> str:
        pk = getattr(self, "id", None)
        return f"<{type(self).__name__} {pk}>"


__all__ = ["Base", "BigInteger", "IntPK", "Mapped", "Str40", "Str120", "Str255", "Timestamp", "UTCDateTime",
           "WTE", "mapped_column", "user_fk", "utcnow"]
