"""Staff and posts from an ESR-like CSV: every row checked, a plan shown, then applied whole or not at all.

The entry point for the web pages, the CLI and tests. The whole file is read and every row checked
before anything is written (staff_import_rows: the file and each row on its own; staff_import_match:
the rows against Waymark; staff_import_plan: what would change), in a few bulk queries whatever the
file's length. A dry run writes only its StaffImport record. Applying (staff_import_apply) checks
everything again from scratch and writes nothing unless every row is clean; the caller commits once.
Re-importing a file already applied finds every row unchanged.
"""
from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from app.services.staff_import_apply import write
from app.services.staff_import_match import may_import, service_scope
from app.services.staff_import_plan import (CHANGE, CREATE, UNCHANGED, FieldChange, ImportPlan, PlannedPost,
                                            PlannedRow, check_file)
from app.services.staff_import_rows import (COLUMNS, MAX_BYTES, MAX_ROWS, Column, RowError, decode, parse_band,
                                            parse_date, read_rows, sha256_of)
from competences.catalogue import Catalogue
from models import StaffImport, User
from models.audit import record


def _record(session: Session, plan: ImportPlan, actor: User, *, applied: bool) -> StaffImport:
    counts = plan.counts
    row = StaffImport(organisation_id=actor.organisation_id, file_name=plan.file_name[:255], sha256=plan.sha256,
                      applied=applied, rows=counts["rows"], created_count=counts["created"],
                      changed_count=counts["changed"], unchanged_count=counts["unchanged"],
                      error_count=counts["errors"], actor_id=actor.id)
    session.add(row)
    return row


def check(session: Session, *, actor: User, file_name: str, data: bytes, today: dt.date,
          catalogue: Catalogue | None = None) -> ImportPlan:
    """The plan and every error, writing nothing (to show a checked file again before it is applied)."""
    return check_file(session, actor=actor, file_name=file_name, data=data, today=today, catalogue=catalogue).plan


def dry_run(session: Session, *, actor: User, file_name: str, data: bytes, today: dt.date,
            catalogue: Catalogue | None = None) -> ImportPlan:
    """Check the file and say what applying it would do; writes only the StaffImport record (applied=False).

    A problem with the file as a whole (size, encoding, header) raises DomainError(field="file").
    """
    work = check_file(session, actor=actor, file_name=file_name, data=data, today=today, catalogue=catalogue)
    row = _record(session, work.plan, actor, applied=False)
    session.flush()
    return dataclasses.replace(work.plan, import_id=row.id)


def apply(session: Session, *, actor: User, file_name: str, data: bytes, today: dt.date,
          catalogue: Catalogue | None = None) -> ImportPlan:
    """Check the file again from scratch and, only if no row has an error, make every change it plans.

    With errors nothing at all is written and the plan (applied=False) says why. The caller
    commits once, or rolls back on any exception.
    """
    work = check_file(session, actor=actor, file_name=file_name, data=data, today=today, catalogue=catalogue)
    plan = work.plan
    if plan.errors:
        return plan
    write(session, work)
    row = _record(session, plan, actor, applied=True)
    session.flush()
    record(session, "staff_import_applied", "staff_imports", row.id, actor_id=actor.id,
           detail={"file": plan.file_name, "sha256": plan.sha256, **plan.counts})
    return dataclasses.replace(plan, applied=True, import_id=row.id)


def sees_every_import(user: User) -> bool:
    """Administrators and organisation-wide HR see all of the organisation's imports; HR for some services, theirs."""
    return service_scope(user) is None


def history(session: Session, actor: User) -> Select[StaffImport, str]:
    """The imports the actor may see, with who ran them, newest first (a Select for the pager).

    A file names people across the organisation, so an HR officer scoped to some services sees only
    the imports they ran themselves.
    """
    query = (select(StaffImport, User.full_name).join(User, User.id == StaffImport.actor_id)
             .where(StaffImport.organisation_id == actor.organisation_id))
    if not sees_every_import(actor):
        query = query.where(StaffImport.actor_id == actor.id)
    return query.order_by(StaffImport.created_at.desc(), StaffImport.id.desc())


__all__ = ["CHANGE", "COLUMNS", "CREATE", "Column", "FieldChange", "ImportPlan", "MAX_BYTES", "MAX_ROWS",
           "PlannedPost", "PlannedRow", "RowError", "UNCHANGED", "apply", "check", "decode", "dry_run", "history",
           "may_import", "parse_band", "parse_date", "read_rows", "sees_every_import", "sha256_of"]
