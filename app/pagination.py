"""One page of a listing: the shared pager for every list in the service."""
from __future__ import annotations

import dataclasses
from typing import Any, Generic, TypeVar, Unpack

from flask import request
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

T = TypeVar("T")


@dataclasses.dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a listing, with what the pager needs to link to its neighbours."""

    items: list[T]
    number: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def page_number() -> int:
    """The ?page= argument; anything unusable means the first page."""
    return max(1, request.args.get("page", 1, type=int) or 1)


def paginate(session: Session, stmt: Select[Unpack[tuple[Any, ...]]], number: int, per_page: int, *, rows: bool = False) -> Page[Any]:
    """Count, then fetch one page of `stmt` (which must be ordered); a page past the end shows the last one."""
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    number = min(number, max(1, -(-total // per_page)))
    limited = stmt.limit(per_page).offset((number - 1) * per_page)
    items = list(session.execute(limited).all() if rows else session.scalars(limited))
    return Page(items=items, number=number, per_page=per_page, total=total)
