"""Long work (exports, imports) as jobs: one row per job, one per item, so progress survives a killed worker.

A job is run item by item; each finished item is committed with its output file's digest, so a
worker that dies mid-job leaves finished items finished and the job can be resumed from the next
one. Output files are written to a temporary name and renamed into place, so no half-written file
ever carries a final name.
"""
from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, IntPK, Timestamp, user_fk
from models.enums import str_enum
from models.people import User


class JobStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"

    @property
    def label(self) -> str:
        return {"queued": "Waiting to start", "running": "In progress", "done": "Finished",
                "failed": "Failed"}[self.value]


class ItemStatus(enum.StrEnum):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"


class Job(Base):
    __tablename__ = "jobs"
    #: Progress changes after every item; creation, completion and downloads are recorded as named acts.
    __audit__ = False

    id: Mapped[IntPK]
    #: A registered job kind (app.services.jobs.KINDS), e.g. "directory_export".
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    requested_by_id: Mapped[int] = user_fk()
    status: Mapped[JobStatus] = mapped_column(str_enum(JobStatus, 20), default=JobStatus.QUEUED)
    #: JSON: what the kind needs to redo the work (filters, options); never personal free text.
    params: Mapped[str] = mapped_column(Text, default="{}")
    total: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
    current_item: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[Timestamp]
    started_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]
    #: Touched after every item; a running job whose heartbeat is old was interrupted.
    heartbeat_at: Mapped[dt.datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)
    #: The finished result, relative to the jobs folder (JOBS_DIR), with its digest.
    result_file: Mapped[str | None] = mapped_column(String(255))
    result_name: Mapped[str | None] = mapped_column(String(255))
    result_sha256: Mapped[str | None] = mapped_column(String(64))
    result_bytes: Mapped[int | None]

    requested_by: Mapped[User] = relationship()
    items: Mapped[list[JobItem]] = relationship(back_populates="job", order_by="JobItem.position",
                                                cascade="all, delete-orphan")


class JobItem(Base):
    __tablename__ = "job_items"
    __table_args__ = (UniqueConstraint("job_id", "position"),)
    __audit__ = False

    id: Mapped[IntPK]
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    #: What the kind needs to find the item again (a user id, a row range).
    key: Mapped[str] = mapped_column(String(100))
    label: Mapped[str] = mapped_column(String(200))
    status: Mapped[ItemStatus] = mapped_column(str_enum(ItemStatus, 20), default=ItemStatus.PENDING)
    error: Mapped[str | None] = mapped_column(Text)
    output_file: Mapped[str | None] = mapped_column(String(255))
    sha256: Mapped[str | None] = mapped_column(String(64))
    finished_at: Mapped[dt.datetime | None]

    job: Mapped[Job] = relationship(back_populates="items")


__all__ = ["ItemStatus", "Job", "JobItem", "JobStatus"]
