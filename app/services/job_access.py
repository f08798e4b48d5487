"""Whether the person who started a job may still have what it made: checked on every view and download.

Access can end after a job is started — a supervision ends, a person leaves, an HR grant changes —
so a finished export is only handed over if the requester could still ask for it today.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from app.services import documents, jobs, leavers
from app.services.job_kinds import DOCUMENTS, PERSONAL_DATA
from models import User
from models.jobs import Job


def still_allowed(session: Session, viewer: User, job: Job, today: dt.date) -> bool:
    params = jobs.params_of(job)
    if leavers.has_left(viewer, today):
        return job.kind == PERSONAL_DATA and params.get("person_id") == viewer.id
    if job.kind == DOCUMENTS:
        kind = documents.KINDS.get(str(params.get("kind")))
        return kind is not None and documents.may_issue_all(session, viewer, [int(i.key) for i in job.items], kind,
                                                            today)
    if job.kind == PERSONAL_DATA and params.get("person_id") != viewer.id:
        person_id = params.get("person_id")
        person = session.get(User, person_id) if isinstance(person_id, int) else None
        return person is not None and leavers.can_export_for(session, viewer, person, today)
    return True


__all__ = ["still_allowed"]
