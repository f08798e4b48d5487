"""Where jobs run: on RQ workers when REDIS_URL is set, otherwise on one worker thread inside the app.

Both call `app.services.jobs.run` with the job's id, so the work is the same code either way; only
the hand-over differs. RQ workers (`rq worker waymark --url $REDIS_URL`, several in parallel) build
the app from the same environment as the web server. On RQ a job of many items is queued as several
parts (up to JOB_PARTS, one per worker you run), which take its items between them; a part with
nothing left to do ends at once.
"""
from __future__ import annotations

import logging
import queue
import threading
import time
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

import app.services.document_kinds  # noqa: F401  (registers the document kinds)
import app.services.job_kinds  # noqa: F401  (registers the job kinds)
from app.database import session_factory
from app.services import jobs
from models.jobs import ItemStatus, Job, JobItem

QUEUE = "waymark"
#: How many RQ parts a job of many items is split into when the config does not say (JOB_PARTS): at most
#: this many workers share one job. Extra parts cost a worker a moment each; too few leave workers idle.
PARTS = 4
#: Longest an RQ job may run before RQ stops it (a bulk export of a whole service is well under this).
JOB_TIMEOUT = 6 * 3600
log = logging.getLogger(__name__)


def run_in(app: Flask, job_id: int, attempt: int | None = None) -> None:
    with app.app_context():
        jobs.run(session_factory(), job_id, Path(app.config["JOBS_DIR"]), attempt=attempt)


class ThreadWorker:
    """One daemon thread per app, taking job ids in order; `wait` lets tests and the CLI see it finish."""

    def __init__(self, app: Flask) -> None:
        self._app = app
        self._queue: queue.Queue[int] = queue.Queue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def submit(self, job_id: int) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="waymark-jobs", daemon=True)
                self._thread.start()
        self._queue.put(job_id)

    def _loop(self) -> None:
        while True:
            job_id = self._queue.get()
            try:
                run_in(self._app, job_id)
            except Exception:  # noqa: BLE001 — a crash is logged; the job's heartbeat stops, so it can be resumed
                log.exception("job %s stopped with an error", job_id)
            finally:
                self._queue.task_done()

    def wait(self, timeout: float = 30.0) -> bool:
        """True once every submitted job has been run (or False after `timeout` seconds)."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.02)
        return True


def thread_worker(app: Flask) -> ThreadWorker:
    worker = app.extensions.get("waymark.jobs")
    if worker is None:
        worker = app.extensions.setdefault("waymark.jobs", ThreadWorker(app))
    assert isinstance(worker, ThreadWorker)
    return worker


def rq_queue(redis_url: str, name: str = QUEUE) -> Any:
    from redis import Redis
    from rq import Queue

    return Queue(name, connection=Redis.from_url(redis_url))


def enqueue(job_id: int) -> None:
    """Hand a committed job to whichever worker this deployment uses."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    redis_url = app.config.get("REDIS_URL")
    if not redis_url:
        thread_worker(app).submit(job_id)
        return
    attempt, parts = _parts(app, job_id)
    queue = rq_queue(redis_url, app.config.get("RQ_QUEUE") or QUEUE)
    for _ in range(parts):
        queue.enqueue(work, job_id, attempt, job_timeout=JOB_TIMEOUT, result_ttl=3600, failure_ttl=86400)


def _parts(app: Flask, job_id: int) -> tuple[int | None, int]:
    """The attempt the parts belong to, and how many to queue: one per pending item, up to JOB_PARTS.

    SQLite has no row locks to share items with, so there a job is always one part.
    """
    if make_url(app.config["DATABASE_URL"]).get_backend_name() == "sqlite":
        return None, 1
    with session_factory()() as session:
        job = session.get(Job, job_id)
        if job is None:
            return None, 1
        pending = session.scalar(select(func.count()).select_from(JobItem).where(
            JobItem.job_id == job_id, JobItem.status == ItemStatus.PENDING)) or 0
        attempt = job.attempts + 1
    return attempt, max(1, min(pending, int(app.config.get("JOB_PARTS") or PARTS)))


_worker_app: Flask | None = None


def work(job_id: int, attempt: int | None = None) -> None:
    """The RQ entry point: build the app once per worker process, then run the job (or its part of it)."""
    global _worker_app
    if _worker_app is None:
        from app import create_app

        _worker_app = create_app()
    run_in(_worker_app, job_id, attempt)
