"""Loading the person whose log is open, and the checks every log page makes."""
from __future__ import annotations

import datetime as dt

from flask import abort
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.database import db
from app.security import ensure
from app.services.logs import can_change_log, can_read_log
from models import StaffProfile, User


def today() -> dt.date:
    return dt.date.today()


def load_person(user_id: int, *, for_change: bool = False) -> User:
    """The log's owner if the signed-in user may read it (404 otherwise); 403 to change someone else's."""
    person = db().scalar(select(User).where(User.id == user_id).options(
        selectinload(User.role_grants), selectinload(User.profile).selectinload(StaffProfile.working_patterns)))
    ensure(person is not None and can_read_log(db(), current_user, person, today()), hide=True)
    assert person is not None
    if for_change and not can_change_log(current_user, person):
        abort(403)
    return person


def may_change(person: User) -> bool:
    return bool(can_change_log(current_user, person))
