"""Bulk documents on RQ: 40 PDFs with 1 and with 2 workers — throughput and speed-up.

Run by hand, never from `make test` (needs PostgreSQL and Redis on 127.0.0.1):

    .venv/bin/python -m bench.bulk [--portfolios 40] [--workers 1,2] [--staff 80 --years 2] [--note "…"]

It creates (and at the end drops) the PostgreSQL database waymark_bench_bulk on 127.0.0.1 (user
postgres), or uses an EMPTY database given with --database-url; migrates it and writes a synthetic
Trust (`waymark synthetic`: app.services.synthetic.generate). Jobs go to a Redis queue of its own,
waymark_bench_<pid>, so nothing else's workers take them. For each worker count it starts that many
`rq worker` processes (the deployment's command, the app built from the environment), waits until
they are listening, then queues the work exactly as the app does (app.services.jobs.create, then
app.jobs.runner.enqueue) and times from the enqueue to the last job's finished_at:

  portfolios  one "Full portfolio" job per person, each asked for by the person themself, as the
              button on their documents page does (the portfolio is private: nobody may ask for
              forty of them at once)
  bulk        one job of one progression pack per person, asked for by the HR officer, as
              /documents/bulk does: one job whose items the workers share (JOB_PARTS parts)

It prints a table and writes every figure, with the machine and versions, to bench/results/bulk.json.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, select, text

from bench import common
from sqlalchemy.engine import make_url

from bench.pdf_portfolio import machine, versions

RESULTS = Path(__file__).resolve().parent / "results"
CHECKOUT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
DB_NAME = "waymark_bench_bulk"
ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
SCENARIOS = ("portfolios", "bulk")


# --- the database ------------------------------------------------------------------------------------

def create_database() -> str:
    engine = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": DB_NAME}):
            raise SystemExit(f"The database {DB_NAME} already exists (a run still going, or one that crashed); "
                             f"drop it first: psql -h 127.0.0.1 -U postgres -c 'DROP DATABASE {DB_NAME}'")
        conn.execute(text(f"CREATE DATABASE {DB_NAME}"))
    engine.dispose()
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{DB_NAME}"


def drop_database() -> None:
    engine = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)"))
    engine.dispose()


def settings(workdir: Path, database_url: str, redis_url: str, queue: str) -> dict[str, str]:
    """The environment shared by this process's app and the workers', as a deployment would set it."""
    return {"WAYMARK_ENV": "development", "ARGON2_PROFILE": "cheapest", "DATABASE_URL": database_url,
            "REDIS_URL": redis_url, "RQ_QUEUE": queue, "UPLOAD_DIR": str(workdir / "uploads"),
            "EVIDENCE_DIR": str(workdir / "evidence"), "JOBS_DIR": str(workdir / "jobs")}


def build(app: Any, staff: int, years: int, seed: int, today: dt.date) -> dict[str, Any]:
    from app.config import evidence_dir
    from app.services.synthetic import DEFAULT_ORGANISATION, generate
    from models import User, schema

    engine = app.extensions["waymark.engine"]
    started = time.perf_counter()
    schema.upgrade(engine)
    migrate_s = time.perf_counter() - started
    session = app.extensions["waymark.sessions"]()
    session.info["actor_id"] = None
    try:
        if session.scalar(select(func.count()).select_from(User)):
            raise SystemExit("The database already holds accounts; give an empty database to --database-url.")
        started = time.perf_counter()
        result = generate(session, staff=staff, years=years, seed=seed, organisation=DEFAULT_ORGANISATION,
                          store_dir=evidence_dir(app.config), password="bench-bulk-unused",
                          argon2_profile="cheapest", today=today)
        session.commit()
        generate_s = time.perf_counter() - started
    finally:
        session.close()
    return {"migrate_s": round(migrate_s, 2), "synthetic_s": round(generate_s, 2), "rows": result.total,
            "staff": staff, "years": years, "seed": seed}


def subjects(app: Any, today: dt.date, count: int) -> tuple[int, list[int]]:
    """The HR officer, and the first `count` people in their scope by name (as /documents/bulk lists them)."""
    from app.services import staff_scope
    from models import Role, RoleGrant, User

    session = app.extensions["waymark.sessions"]()
    try:
        hr = session.scalar(select(User).join(RoleGrant, RoleGrant.user_id == User.id)
                            .where(RoleGrant.role == Role.HR).order_by(User.id).limit(1))
        if hr is None:
            raise SystemExit("The synthetic Trust has no HR officer; has app/services/synthetic.py changed?")
        scope = staff_scope.scope_of(session, hr, today)
        people = list(session.scalars(staff_scope.people_in(scope).with_only_columns(User.id)
                                      .order_by(User.full_name).limit(count)))
        if len(people) < count:
            raise SystemExit(f"Only {len(people)} people in the Trust; give --staff more than {count}.")
        return hr.id, people
    finally:
        session.close()


# --- the workers ---------------------------------------------------------------------------------------

def start_workers(n: int, env: dict[str, str], queue: str, redis_url: str, logdir: Path) -> list[subprocess.Popen[bytes]]:
    from redis import Redis
    from rq import Queue, Worker

    procs = []
    for i in range(n):
        log = (logdir / f"worker-{n}-{i}.log").open("wb")
        procs.append(subprocess.Popen(
            [str(VENV_BIN / "rq"), "worker", queue, "--url", redis_url, "--name", f"{queue}-{n}-{i}"],
            cwd=CHECKOUT, env={**os.environ, **env, "PYTHONPATH": str(CHECKOUT)}, stdout=log, stderr=subprocess.STDOUT))
    connection = Redis.from_url(redis_url)
    deadline = time.monotonic() + 60
    while len(Worker.all(queue=Queue(queue, connection=connection))) < n:
        if time.monotonic() > deadline or any(p.poll() is not None for p in procs):
            stop_workers(procs)
            raise SystemExit(f"The rq workers did not start; see {logdir}")
        time.sleep(0.2)
    return procs


def stop_workers(procs: list[subprocess.Popen[bytes]]) -> None:
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)  # a warm shutdown; the queue is empty by now
    for p in procs:
        try:
            p.wait(30)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


# --- one timed run ---------------------------------------------------------------------------------------

def queue_work(app: Any, scenario: str, hr_id: int, people: list[int]) -> list[int]:
    """Create and queue the jobs as the app's views do; return their ids."""
    from app.jobs.runner import enqueue
    from app.services import jobs
    from app.services.job_kinds import DOCUMENTS
    from models import User

    session = app.extensions["waymark.sessions"]()
    try:
        users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(people + [hr_id])))}
        if scenario == "portfolios":  # app.documents.views.request_document, by each person
            made = [jobs.create(session, kind=DOCUMENTS, title=f"Full portfolio for {users[p].full_name}",
                                actor=users[p], items=[(str(p), users[p].full_name)], params={"kind": "portfolio"})
                    for p in people]
        else:  # app.documents.views.bulk, by the HR officer
            made = [jobs.create(session, kind=DOCUMENTS, title=f"Progression pack: {len(people)} people",
                                actor=users[hr_id], items=[(str(p), users[p].full_name) for p in people],
                                params={"kind": "progression_pack"})]
        session.commit()
        ids = [j.id for j in made]
    finally:
        session.close()
    for job_id in ids:
        enqueue(job_id)
    return ids


def wait_for(app: Any, ids: list[int], timeout: float) -> list[Any]:
    from models.jobs import Job, JobStatus

    deadline = time.monotonic() + timeout
    while True:
        session = app.extensions["waymark.sessions"]()
        try:
            rows = list(session.scalars(select(Job).where(Job.id.in_(ids))))
            if all(j.status in (JobStatus.DONE, JobStatus.FAILED) for j in rows):
                session.expunge_all()
                return rows
        finally:
            session.close()
        if time.monotonic() > deadline:
            raise SystemExit(f"The jobs did not finish within {timeout:.0f} s")
        time.sleep(0.5)


def timed_run(app: Any, scenario: str, workers: int, hr_id: int, people: list[int], env: dict[str, str],
              workdir: Path) -> dict[str, Any]:
    from models.base import utcnow
    from models.jobs import ItemStatus, JobItem

    # A jobs folder per run: exports.pdf keeps laid-out sections under it, and a run must not reuse the last one's.
    env = dict(env, JOBS_DIR=str(workdir / f"jobs-{scenario}-{workers}"))
    procs = start_workers(workers, env, env["RQ_QUEUE"], env["REDIS_URL"], workdir)
    try:
        load = [round(x, 2) for x in os.getloadavg()]
        started = utcnow()
        ids = queue_work(app, scenario, hr_id, people)
        rows = wait_for(app, ids, timeout=3600)
    finally:
        stop_workers(procs)
    session = app.extensions["waymark.sessions"]()
    try:
        items = list(session.scalars(select(JobItem).where(JobItem.job_id.in_(ids))))
    finally:
        session.close()
    seconds = (max(j.finished_at for j in rows) - started).total_seconds()
    done = sum(1 for i in items if i.status is ItemStatus.DONE)
    return {"scenario": scenario, "workers": workers, "jobs": len(ids), "documents": len(items), "done": done,
            "failed": len(items) - done, "failed_reasons": sorted({i.error for i in items if i.error})[:5],
            "job_errors": sorted({j.error for j in rows if j.error})[:5],
            "attempts": sum(j.attempts for j in rows), "seconds": round(seconds, 2),
            "per_minute": round(done / seconds * 60, 2), "load_average_before": load}


# --- main -------------------------------------------------------------------------------------------------

def table(runs: list[dict[str, Any]]) -> str:
    head = ["scenario", "workers", "jobs", "documents", "failed", "seconds", "per minute", "speed-up"]
    rows = [head]
    for r in runs:
        rows.append([r["scenario"], str(r["workers"]), str(r["jobs"]), str(r["documents"]), str(r["failed"]),
                     f"{r['seconds']:.1f}", f"{r['per_minute']:.2f}",
                     f"{r['speed_up']:.2f}x" if r.get("speed_up") else "—"])
    return common.table(head, rows[1:])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bulk", description=__doc__.split("\n")[0])
    parser.add_argument("--portfolios", type=int, default=40, help="documents per run (default 40)")
    parser.add_argument("--workers", default="1,2", help="worker counts to time, comma-separated (default 1,2)")
    parser.add_argument("--scenario", choices=(*SCENARIOS, "both"), default="both")
    parser.add_argument("--staff", type=int, default=80, help="synthetic staff (default 80)")
    parser.add_argument("--years", type=int, default=2, help="years of records each (default 2)")
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--database-url", default=None,
                        help=f"an EMPTY PostgreSQL database (default: create and drop {DB_NAME} on 127.0.0.1)")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--output", type=Path, default=RESULTS / "bulk.json")
    parser.add_argument("--note", action="append", default=[], help="a note to keep in the JSON (repeatable)")
    args = parser.parse_args(argv)
    counts = [int(w) for w in args.workers.split(",") if w.strip()]
    if args.portfolios < 1 or not counts or min(counts) < 1:
        parser.error("--portfolios and every --workers count must be at least 1")
    if args.database_url and make_url(args.database_url).get_backend_name() != "postgresql":
        parser.error("--database-url must be PostgreSQL: SQLite cannot share a job between workers")
    scenarios = SCENARIOS if args.scenario == "both" else (args.scenario,)

    from app import create_app

    today = dt.date.today()
    started_at = dt.datetime.now(dt.UTC)
    machine_info = machine()
    queue = f"waymark_bench_{os.getpid()}"
    database_url = args.database_url or create_database()
    runs: list[dict[str, Any]] = []
    report: dict[str, Any] = {
        "benchmark": "bulk",
        "date": started_at.isoformat(timespec="seconds"),
        "machine": machine_info,
        "database": {"backend": "postgresql", "url": make_url(database_url).render_as_string(hide_password=True)},
        "queue": queue,
        "runs": runs,
        "target": "speed-up from 1 to 2 workers >= 1.8x",
        "notes": [
            "seconds: from just before the jobs were created and queued to the last job's finished_at "
            "(workers already listening); per minute: documents done / seconds * 60.",
            "portfolios: one single-item job per person, asked for by the person; bulk: one job of progression "
            "packs asked for by the HR officer, its items shared by the workers.",
            "Each run has its own JOBS_DIR, so exports.pdf's cache of laid-out sections starts empty every run.",
            "rq's default Worker forks a work horse per RQ job, so each job (or part) builds the app and imports "
            "WeasyPrint again; that start-up is inside the figures.",
            "PostgreSQL, Redis, the workers and this process share the machine's CPUs.",
            *args.note,
        ],
    }

    def save() -> None:
        for r in runs:
            base = next((b for b in runs if b["scenario"] == r["scenario"] and b["workers"] == min(counts)), None)
            r["speed_up"] = round(base["seconds"] / r["seconds"], 2) if base and r is not base else None
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    try:
        with tempfile.TemporaryDirectory(prefix="waymark-bench-bulk-") as tmp:
            workdir = Path(tmp)
            env = settings(workdir, database_url, args.redis_url, queue)
            app = create_app({**env, "ENV_NAME": "development"}, instance_path=workdir / "instance")
            with app.app_context():
                from app.jobs.runner import PARTS

                report["versions"] = versions(app)
                for package in ("rq", "redis"):
                    report["versions"][package] = metadata.version(package)
                report["job_parts"] = app.config.get("JOB_PARTS") or PARTS
                print(f"Building the database ({args.staff} staff, {args.years} years)…", file=sys.stderr, flush=True)
                report["setup"] = build(app, args.staff, args.years, args.seed, today)
                hr_id, people = subjects(app, today, args.portfolios)
                for scenario in scenarios:
                    for n in counts:
                        print(f"Timing {scenario} with {n} worker(s)…", file=sys.stderr, flush=True)
                        run = timed_run(app, scenario, n, hr_id, people, env, workdir)
                        print(f"  {run['seconds']:.1f} s, {run['per_minute']:.2f} a minute, {run['failed']} failed",
                              file=sys.stderr, flush=True)
                        runs.append(run)
                        save()  # each run is kept even if a later one is stopped
                app.extensions["waymark.engine"].dispose()
    finally:
        if not args.database_url:
            drop_database()
    print()
    print(table(runs))
    print(f"\n{machine_info['nproc']} CPUs shared by PostgreSQL, Redis and the workers; load at start "
          f"{machine_info['load_average_at_start']}. Written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
