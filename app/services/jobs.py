"""Running long work item by item, the same way on an RQ worker and on the app's own worker thread.

A job kind says how to do one item and how to finish (e.g. zip the items' files). `run` claims the
job, does each pending item in its own transaction (so progress is visible and survives a crash),
records a failed item's reason and goes on with the rest, then finishes. A worker killed mid-job
leaves a job whose heartbeat stops moving: `stalled` spots it, and `resume` queues it again to carry
on from the first item not yet done. Files are written under a temporary name and renamed into
place (`write_atomically`), so a crash never leaves a half-written file under its final name.
Several RQ workers may share one job (app.jobs.runner queues one part per worker): items are taken
one at a time under a row lock and counted with atomic updates, so a bulk export of many people
goes as fast as the workers allow, and its progress and resume work as with one.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from app.services.errors import DomainError
from exports.pdf import BodyCache
from models import User
from models.audit import record
from models.base import utcnow
from models.jobs import ItemStatus, Job, JobItem, JobStatus

#: A running job whose heartbeat is older than this was interrupted (its worker died or was killed).
STALL_AFTER = dt.timedelta(minutes=10)
MAX_ERROR = 500


@dataclasses.dataclass(frozen=True)
class Output:
    """A file an item or the finish step wrote, relative to the jobs folder."""

    path: str
    sha256: str
    size: int
    name: str = ""


ItemRunner = Callable[[Session, Job, JobItem, Path], Output | None]
Finisher = Callable[[Session, Job, Sequence[JobItem], Path], Output | None]


@dataclasses.dataclass(frozen=True)
class JobKind:
    name: str
    run_item: ItemRunner
    finish: Finisher | None = None


KINDS: dict[str, JobKind] = {}


def register(kind: JobKind) -> JobKind:
    KINDS[kind.name] = kind
    return kind


def write_atomically(root: Path, relative: str, chunks: Iterable[bytes]) -> Output:
    """Write `chunks` to root/relative via a temporary file in the same folder, then rename it into place."""
    target = (root / relative).resolve()
    if root.resolve() not in target.parents:
        raise ValueError(f"{relative!r} is outside the jobs folder")
    target.parent.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".part-")
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in chunks:
                out.write(chunk)
                digest.update(chunk)
                size += len(chunk)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Output(path=relative, sha256=digest.hexdigest(), size=size, name=target.name)


def write_file_atomically(root: Path, relative: str, writer: Callable[[BinaryIO], None]) -> Output:
    """Like write_atomically, for writers that need a real file (zipfile seeks): written aside, hashed, renamed."""
    target = (root / relative).resolve()
    if root.resolve() not in target.parents:
        raise ValueError(f"{relative!r} is outside the jobs folder")
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".part-")
    try:
        with os.fdopen(fd, "w+b") as out:
            writer(out)
            out.flush()
            os.fsync(out.fileno())
            out.seek(0)
            digest, size = hashlib.sha256(), 0
            while chunk := out.read(1 << 20):
                digest.update(chunk)
                size += len(chunk)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Output(path=relative, sha256=digest.hexdigest(), size=size, name=target.name)


def create(session: Session, *, kind: str, title: str, actor: User, items: Sequence[tuple[str, str]],
           params: dict[str, Any] | None = None) -> Job:
    """A queued job with one row per (key, label) item; the caller commits and then enqueues it."""
    if kind not in KINDS:
        raise DomainError(f"Unknown kind of job {kind!r}")
    if not items:
        raise DomainError("There is nothing to do: the list is empty")
    job = Job(kind=kind, title=title[:200], organisation_id=actor.organisation_id, requested_by_id=actor.id,
              params=json.dumps(params or {}, sort_keys=True), total=len(items))
    job.items = [JobItem(position=i, key=key[:100], label=label[:200]) for i, (key, label) in enumerate(items)]
    session.add(job)
    session.flush()
    record(session, "job_created", "jobs", job.id, actor_id=actor.id, detail={"kind": kind, "items": len(items)})
    return job


def params_of(job: Job) -> dict[str, Any]:
    value = json.loads(job.params or "{}")
    return value if isinstance(value, dict) else {}


def _claim(session: Session, job_id: int, now: dt.datetime, attempt: int | None) -> Job | None:
    """Mark the job running, or join the attempt already running; None when there is nothing to do.

    Without `attempt` one worker has the job at a time. With it (the attempt number `enqueue` expects),
    every part queued for that attempt joins in, and a part left over from an earlier attempt does nothing.
    """
    # FOR NO KEY UPDATE: other parts hold KEY SHARE on the row (their documents point at the job) while
    # they render; a plain FOR UPDATE would wait for each render to end.
    job = session.scalar(select(Job).where(Job.id == job_id).with_for_update(key_share=True))
    if job is None or job.status is JobStatus.DONE:
        return None
    if job.status is JobStatus.RUNNING and not stalled(job, now):
        if attempt is None or attempt != job.attempts:
            return None  # another worker has it
        job.heartbeat_at = now
        session.commit()
        return job
    if (attempt is not None and not stalled(job, now)
            and not (job.status is JobStatus.QUEUED and job.attempts + 1 == attempt)):
        return None  # a part of an attempt that is over
    job.status = JobStatus.RUNNING
    job.started_at = job.started_at or now
    job.heartbeat_at = now
    job.attempts += 1
    job.error = None
    session.commit()
    return job


def run(factory: sessionmaker[Any], job_id: int, files_dir: Path, *, clock: Callable[[], dt.datetime] = utcnow,
        attempt: int | None = None) -> None:
    """Do the job's pending items, then finish it. Safe to call again after a crash.

    Several workers may run the same attempt at once: each takes the next pending item no other holds
    (a row lock, SKIP LOCKED on PostgreSQL), counts it with an atomic UPDATE, and the last to find
    nothing left finishes the job.
    """
    with factory() as session:
        job = _claim(session, job_id, clock(), attempt)
        if job is None:
            return
        kind = KINDS.get(job.kind)
        if kind is None:
            job.status, job.error = JobStatus.FAILED, f"Unknown kind of job {job.kind!r}"
            session.commit()
            return
        while _run_next_item(session, kind, job_id, files_dir, clock):
            pass
        _finish_if_last(session, kind, job_id, files_dir, clock)


def _next_pending(session: Session, job_id: int, item_id: int | None = None) -> JobItem | None:
    """The first pending item (or this one, if still pending) that no other worker holds, locked until commit."""
    stmt = select(JobItem).where(JobItem.job_id == job_id, JobItem.status == ItemStatus.PENDING)
    if item_id is not None:
        stmt = stmt.where(JobItem.id == item_id)
    return session.scalar(stmt.order_by(JobItem.position).limit(1)
                          .with_for_update(skip_locked=True).execution_options(populate_existing=True))


def _count(session: Session, job_id: int, now: dt.datetime, *, failed: bool) -> None:
    """done (and failed) += 1 in the database, not from this session's stale copy: other workers count too."""
    values: dict[str, Any] = {"done": Job.done + 1, "heartbeat_at": now}
    if failed:
        values["failed"] = Job.failed + 1
    session.execute(update(Job).where(Job.id == job_id).values(**values)
                    .execution_options(synchronize_session=False))


def _run_next_item(session: Session, kind: JobKind, job_id: int, files_dir: Path,
                   clock: Callable[[], dt.datetime]) -> bool:
    """Run one pending item in its own transaction; False when none is left for this worker."""
    # A short transaction names the item on the job's page; the item is then locked again for its run,
    # so the job's row is never held while a document renders.
    peek = _next_pending(session, job_id)
    if peek is None:
        session.rollback()
        return False
    item_id, label = peek.id, peek.label
    session.execute(update(Job).where(Job.id == job_id).values(current_item=label, heartbeat_at=clock())
                    .execution_options(synchronize_session=False))
    session.commit()
    item = _next_pending(session, job_id, item_id)
    if item is None:
        session.rollback()
        return True  # another worker took it in between; try the next one
    job = session.get_one(Job, job_id, populate_existing=True)
    try:
        output = kind.run_item(session, job, item, files_dir)
    except Exception as exc:  # noqa: BLE001 — one item's failure is recorded and the rest go on
        session.rollback()
        # The lock went with the rollback: take it again, and count the failure only if nobody else did.
        item = session.scalar(select(JobItem).where(JobItem.id == item_id).with_for_update()
                              .execution_options(populate_existing=True))
        if item is None or item.status is not ItemStatus.PENDING:
            session.rollback()
            return True
        item.status, item.error = ItemStatus.FAILED, (str(exc) or type(exc).__name__)[:MAX_ERROR]
        _count(session, job_id, clock(), failed=True)
    else:
        item.status = ItemStatus.DONE
        if output is not None:
            item.output_file, item.sha256 = output.path, output.sha256
        _count(session, job_id, clock(), failed=False)
    item.finished_at = clock()
    session.commit()
    return True


def _finish_if_last(session: Session, kind: JobKind, job_id: int, files_dir: Path,
                    clock: Callable[[], dt.datetime]) -> None:
    """Finish the job unless another worker already has, or still holds an item (it finishes, then)."""
    session.expire_all()
    job = session.scalar(select(Job).where(Job.id == job_id).with_for_update(key_share=True))
    pending = session.scalar(select(JobItem.id).where(JobItem.job_id == job_id,
                                                      JobItem.status == ItemStatus.PENDING).limit(1))
    if job is None or job.status is not JobStatus.RUNNING or pending is not None:
        session.rollback()
        return
    _finish(session, kind, job_id, files_dir, clock)


def _finish(session: Session, kind: JobKind, job_id: int, files_dir: Path, clock: Callable[[], dt.datetime]) -> None:
    job = session.get_one(Job, job_id)
    job.current_item = None
    try:
        done_items = [i for i in job.items if i.status is ItemStatus.DONE]
        if not done_items:
            raise RuntimeError("every item failed")
        output = kind.finish(session, job, job.items, files_dir) if kind.finish else None
    except Exception as exc:  # noqa: BLE001 — the job fails with the reason; its items stay as they are
        session.rollback()
        job = session.get_one(Job, job_id)
        job.status, job.error = JobStatus.FAILED, (str(exc) or type(exc).__name__)[:MAX_ERROR]
    else:
        job.status = JobStatus.DONE
        if output is not None:
            job.result_file, job.result_sha256, job.result_bytes = output.path, output.sha256, output.size
            job.result_name = output.name
    job.finished_at = clock()
    record(session, "job_finished", "jobs", job.id, actor_id=job.requested_by_id,
           detail={"status": job.status.value, "done": job.done, "failed": job.failed,
                   "sha256": job.result_sha256})
    session.commit()


def stalled(job: Job, now: dt.datetime, after: dt.timedelta = STALL_AFTER) -> bool:
    return (job.status is JobStatus.RUNNING and job.heartbeat_at is not None and now - job.heartbeat_at > after)


def can_resume(job: Job, now: dt.datetime) -> bool:
    return job.status is JobStatus.FAILED or stalled(job, now) or (
        job.status is JobStatus.DONE and job.failed > 0)


def resume(session: Session, job: Job, now: dt.datetime) -> Job:
    """Queue the job again: items already done stay done; failed ones are tried again."""
    if not can_resume(job, now):
        raise DomainError("This job is not stopped or failed, so there is nothing to resume")
    retried = 0
    for item in job.items:
        if item.status is ItemStatus.FAILED:
            item.status, item.error, item.finished_at = ItemStatus.PENDING, None, None
            retried += 1
    job.failed -= retried
    job.done -= retried
    job.status, job.error, job.finished_at = JobStatus.QUEUED, None, None
    job.result_file = job.result_sha256 = job.result_name = None
    job.result_bytes = None
    record(session, "job_resumed", "jobs", job.id, detail={"retried": retried})
    session.flush()
    return job


@dataclasses.dataclass(frozen=True)
class Progress:
    done: int
    total: int
    failed: int
    current: str | None
    elapsed: dt.timedelta | None
    #: Time left at the rate so far; None until one item is done.
    remaining: dt.timedelta | None

    @property
    def percent(self) -> int:
        return 100 if self.total == 0 else int(self.done * 100 / self.total)


def progress(job: Job, now: dt.datetime) -> Progress:
    elapsed = ((job.finished_at or now) - job.started_at) if job.started_at else None
    remaining = None
    if elapsed is not None and job.done and job.status is JobStatus.RUNNING:
        remaining = elapsed / job.done * (job.total - job.done)
    return Progress(job.done, job.total, job.failed, job.current_item, elapsed, remaining)


def purge(session: Session, files_dir: Path, *, older_than: dt.timedelta, now: dt.datetime) -> int:
    """Delete the files of jobs finished before now − older_than (rows stay, as the record of who asked)."""
    cutoff = now - older_than
    removed = 0
    for job in session.scalars(select(Job).where(Job.finished_at.is_not(None), Job.finished_at < cutoff,
                                                 Job.result_file.is_not(None))):
        paths = [job.result_file] + [i.output_file for i in job.items if i.output_file]
        for rel in paths:
            if rel:
                (files_dir / rel).unlink(missing_ok=True)
        for item in job.items:
            item.output_file = None
        job.result_file = None
        record(session, "job_files_deleted", "jobs", job.id, actor_id=None, detail={"files": len(paths)})
        removed += 1
    session.flush()
    return removed


def purge_pdf_cache(cache_dir: Path, *, older_than: dt.timedelta, now: dt.datetime) -> int:
    """Delete laid-out sections (exports.pdf.BodyCache) unused for older_than or the cache's own limit, if shorter.

    They hold private records, so none may outlive the export retention; leftovers of an interrupted write go too.
    Returns how many sections were deleted.
    """
    cutoff = now.timestamp() - min(older_than.total_seconds(), BodyCache(cache_dir).max_age)
    try:
        paths = sorted(cache_dir.iterdir())
    except FileNotFoundError:
        return 0
    removed = 0
    for path in paths:
        temporary = path.name.startswith(".tmp-")
        if not temporary and path.suffix == ".json" and path.with_suffix(".pdf").exists():
            continue  # goes with its PDF, whose time is the one `get` keeps fresh
        try:
            stale = path.is_file() and path.stat().st_mtime < cutoff
        except OSError:
            continue
        if stale:
            path.unlink(missing_ok=True)
            if not temporary and path.suffix == ".pdf":
                path.with_suffix(".json").unlink(missing_ok=True)
                removed += 1
    return removed


__all__ = ["KINDS", "STALL_AFTER", "JobKind", "Output", "Progress", "can_resume", "create", "params_of",
           "progress", "purge", "purge_pdf_cache", "register", "resume", "run", "stalled", "write_atomically", "write_file_atomically"]
