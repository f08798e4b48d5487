"""Where jobs run: on RQ workers when REDIS_URL is set, otherwise on one worker thread inside the app.

Both call `app.services.jobs.run` with the job's id, so the work is the same code either way; only
the hand-over differs. RQ workers (`rq worker waymark --url $REDIS_URL`, several in parallel) build
the app once per process from the same environment as the web server.
"""
from __future__ import annotations

import logging
import queue
import threading
import time
from pathlib import Path
from typing import Any

from flask import Flask, current_app

import app.services.document_kinds  # noqa: F401  (registers the document kinds)
import app.services.job_kinds  # noqa: F401  (registers the job kinds)
from app.database import session_factory
from app.services import jobs

QUEUE = "waymark"
#: Longest an RQ job may run before RQ stops it (a bulk export of a whole service is well under this).
JOB_TIMEOUT = 6 * 3600
log = logging.getLogger(__name__)


def run_in(app: Flask, job_id: int) -> None:
    with app.app_context():
        jobs.run(session_factory(), job_id, Path(app.config["JOBS_DIR"]))


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
    if redis_url:
        rq_queue(redis_url, app.config.get("RQ_QUEUE") or QUEUE).enqueue(work, job_id, job_timeout=JOB_TIMEOUT, result_ttl=3600, failure_ttl=86400)
    else:
        thread_worker(app).submit(job_id)


_worker_app: Flask | None = None


def work(job_id: int) -> None:
    """The RQ entry point: build the app once per worker process, then run the job."""
    global _worker_app
    if _worker_app is None:
        from app import create_app

        _worker_app = create_app()
    run_in(_worker_app, job_id)
