"""Where jobs run: on RQ workers when REDIS_URL is set, otherwise on one worker thread inside the app.

Both call `app.services.jobs.run` with the job's id, so the work is the same code either way; only
the hand-over differs. RQ workers (`rq worker waymark --url $REDIS_URL`, several in parallel) build
the app from the same environment as the web server. On RQ a job of many items is queued as several
parts (up to JOB_PARTS, one per worker you run), which take its items between them; a part with
nothing left to do ends at once.
"""
from __future__ import annotations

import functools
import logging
import queue
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

import app.services.document_kinds  # noqa: F401  (registers the document kinds)
import app.services.job_kinds  # noqa: F401  (registers the job kinds)
from app.database import session_factory
from app.services import job_kinds, jobs, mail
from models.jobs import ItemStatus, Job, JobItem

QUEUE = "waymark"
#: How many RQ parts a job of many items is split into when the config does not say (JOB_PARTS): at most
#: this many workers share one job. Extra parts cost a worker a moment each; too few leave workers idle.
PARTS = 4
#: Longest an RQ job may run before RQ stops it (a bulk export of a whole service is well under this).
JOB_TIMEOUT = 6 * 3600
#: Longest a small call (one e-mail: a 10-second SMTP timeout per step) may run on an RQ worker.
CALL_TIMEOUT = 120
log = logging.getLogger(__name__)


def run_in(app: Flask, job_id: int, attempt: int | None = None) -> None:
    with app.app_context(), job_kinds.render_processes(app.config.get("PDF_RENDER_PROCESSES")):
        jobs.run(session_factory(), job_id, Path(app.config["JOBS_DIR"]), attempt=attempt)


class ThreadWorker:
    """One daemon thread per app and lane, taking tasks in order; `wait` lets tests and the CLI see it finish."""

    def __init__(self, app: Flask, name: str = "waymark-jobs") -> None:
        self._app = app
        self._name = name
        self._queue: queue.Queue[Callable[[Flask], None]] = queue.Queue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def submit(self, job_id: int) -> None:
        self.submit_call(functools.partial(_run_job, job_id=job_id))

    def submit_call(self, task: Callable[[Flask], None]) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name=self._name, daemon=True)
                self._thread.start()
        self._queue.put(task)

    def _loop(self) -> None:
        while True:
            task = self._queue.get()
            try:
                task(self._app)
            except Exception:  # noqa: BLE001 — a crash is logged; a job's heartbeat stops, so it can be resumed
                log.exception("background task %r stopped with an error", task)
            finally:
                self._queue.task_done()

    def wait(self, timeout: float = 30.0) -> bool:
        """True once every submitted task has been run (or False after `timeout` seconds)."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.02)
        return True


def _run_job(app: Flask, job_id: int) -> None:
    run_in(app, job_id)


def thread_worker(app: Flask) -> ThreadWorker:
    return _lane(app, "waymark.jobs", "waymark-jobs")


def call_worker(app: Flask) -> ThreadWorker:
    """The in-process lane for small calls (e-mail), apart from jobs so that a long export never holds them up."""
    return _lane(app, "waymark.calls", "waymark-calls")


def _lane(app: Flask, key: str, name: str) -> ThreadWorker:
    worker = app.extensions.get(key)
    if worker is None:
        worker = app.extensions.setdefault(key, ThreadWorker(app, name))
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


def enqueue_call(task: Callable[..., None], *args: Any) -> None:
    """Run `task(app, *args)` after the response, on an RQ worker (ahead of queued jobs) or the in-process call lane.

    `task` must be a module-level function (RQ stores it by name). Should Redis refuse the call, it runs in process
    instead: the caller's request has already committed and must not fail, or wait, because of it.
    """
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    redis_url = app.config.get("REDIS_URL")
    if redis_url:
        try:
            rq_queue(redis_url, app.config.get("RQ_QUEUE") or QUEUE).enqueue(
                call, task, *args, at_front=True, job_timeout=CALL_TIMEOUT, result_ttl=0, failure_ttl=86400)
            return
        except Exception:  # noqa: BLE001 — any Redis failure; the in-process lane still does the work
            log.exception("could not queue %s on RQ; running it in process", getattr(task, "__name__", task))
    call_worker(app).submit_call(_bind(task, args))


def _bind(task: Callable[..., None], args: tuple[Any, ...]) -> Callable[[Flask], None]:
    return lambda app: task(app, *args)


def deliver_mail(app: Flask, mail_id: int) -> None:
    """Send one outbox message queued by a request (app.services.mail.deliver) and record how it went."""
    with app.app_context():
        with session_factory()() as session:
            mail.deliver(session, mail.SMTPSettings.from_config(app.config), mail_id)
            session.commit()


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


def call(task: Callable[..., None], *args: Any) -> None:
    """The RQ entry point for `enqueue_call`: the same app per worker process as `work`."""
    global _worker_app
    if _worker_app is None:
        from app import create_app

        _worker_app = create_app()
    task(_worker_app, *args)
