"""Load: 50 simulated staff of four roles for 3 minutes through gunicorn — requests/s, p50/p95 and errors.

Run by hand, never from `make test` (PostgreSQL on 127.0.0.1; locust from the `bench` extra):

    .venv/bin/python -m bench.load [--staff 2000 --years 1] [--users 50] [--duration 3m] [--reuse] [--note "…"]
    .venv/bin/python -m bench.load --reuse --users 10 --duration 20s        # a short smoke run

It drops and recreates the PostgreSQL database waymark_bench_load on 127.0.0.1 (user postgres; or uses
the EMPTY database given with --database-url), migrates it (`waymark db upgrade`) and fills it with
`waymark synthetic --staff N --years Y --seed 1`. --reuse keeps a database already filled by a
previous run. Generated staff have no password, so it gives one password to the accounts the
simulated users sign in with, each its own: practitioners, supervisors with current supervisees, line
managers with current reports, and HR officers (the generator makes one; it adds more, whole
organisation). It serves the app with gunicorn on 127.0.0.1 (--gunicorn-workers, default 2 × CPUs
+ 1) and runs

    locust -f bench/locustfile.py --headless -u USERS -r RATE -t DURATION --host http://127.0.0.1:PORT --csv …

The journeys are in bench/locustfile.py (practitioner: dashboard, CPD list, add a CPD activity with its
CSRF token, supervision list; supervisor: queue, a supervisee's dashboard and supervision log; line
manager: team page, a report's progression; HR: directory pages, dashboard, progression list, CSV
export). Everything — app, PostgreSQL, gunicorn and the load generator — runs on this one machine.
It prints a table and writes every figure, with the machine and versions, to bench/results/load.json.
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.engine import make_url

from bench.common import (DEFAULT_SERVER, RESULTS, ROOT, VENV_BIN, gunicorn, machine, recreate_database, say, table,
                          versions, waymark, write_json)

PASSWORD = "bench-load-password"
SEED = 1
#: Accounts per role in the pool: enough that no two simulated users share one at 50 users.
POOL = {"practitioner": 60, "supervisor": 25, "line_manager": 15, "hr": 15}
TARGET_ERRORS = 0


def app_config(url: str, workdir: Path) -> dict[str, str]:
    return {"WAYMARK_ENV": "development", "DATABASE_URL": url, "ARGON2_PROFILE": "cheapest",
            "UPLOAD_DIR": str(workdir / "uploads"), "JOBS_DIR": str(workdir / "jobs")}


def build(url: str, staff: int, years: int, env: dict[str, str], empty: bool) -> dict[str, Any]:
    if not empty:
        recreate_database(url)
    started = time.perf_counter()
    waymark(["db", "upgrade"], env)
    out = waymark(["synthetic", "--staff", str(staff), "--years", str(years), "--seed", str(SEED),
                   "--password", PASSWORD], env)
    seconds = time.perf_counter() - started
    total = next((line for line in out.splitlines() if line.startswith("total")), "")
    say(f"  built in {seconds:.0f} s: {total.split('(')[0].strip()}")
    return {"build_s": round(seconds, 1), "rows": total.split()[1] if total else None}


def accounts(app: Any, today: dt.date) -> dict[str, Any]:
    """Pick each role's accounts, give them the password (one hash), add HR officers; return the pool."""
    from app.services import passwords
    from models import Organisation, RelationshipKind, Role, RoleGrant, StaffRelationship, User

    session = app.extensions["waymark.sessions"]()
    session.info["actor_id"] = None
    try:
        current = ((StaffRelationship.starts_on <= today)
                   & ((StaffRelationship.ends_on.is_(None)) | (StaffRelationship.ends_on >= today)))

        def seniors(kind: RelationshipKind, role: Role, n: int) -> list[dict[str, Any]]:
            rows = session.execute(
                select(StaffRelationship.senior_id, func.array_agg(StaffRelationship.junior_id))
                .join(RoleGrant, (RoleGrant.user_id == StaffRelationship.senior_id) & (RoleGrant.role == role))
                .where(StaffRelationship.kind == kind, current)
                .group_by(StaffRelationship.senior_id).order_by(StaffRelationship.senior_id).limit(n)).all()
            return [{"id": senior, "people": sorted(set(juniors))} for senior, juniors in rows]

        pools: dict[str, list[dict[str, Any]]] = {
            "supervisor": seniors(RelationshipKind.SUPERVISION, Role.SUPERVISOR, POOL["supervisor"]),
            "line_manager": seniors(RelationshipKind.LINE_MANAGEMENT, Role.LINE_MANAGER, POOL["line_manager"])}
        taken = {a["id"] for p in pools.values() for a in p}
        pools["practitioner"] = [{"id": i} for i in session.scalars(
            select(User.id).join(RoleGrant, RoleGrant.user_id == User.id)
            .where(RoleGrant.role == Role.PRACTITIONER, User.id.not_in(taken or {0}), User.left_on.is_(None))
            .order_by(User.id).limit(POOL["practitioner"]))]
        hr = list(session.scalars(select(User.id).join(RoleGrant, RoleGrant.user_id == User.id)
                                  .where(RoleGrant.role == Role.HR, RoleGrant.service_id.is_(None))))
        organisation = session.scalar(select(Organisation.id).order_by(Organisation.id).limit(1))
        for n in range(len(hr), POOL["hr"]):
            extra = User(email=f"hr{n + 1}@load.bench.example", full_name=f"Load HR Officer {n + 1}",
                         organisation_id=organisation)
            session.add(extra)
            session.flush()
            session.add(RoleGrant(user_id=extra.id, role=Role.HR, service_id=None))
            hr.append(extra.id)
        pools["hr"] = [{"id": i} for i in hr]
        ids = [a["id"] for p in pools.values() for a in p]
        session.execute(update(User).where(User.id.in_(ids)).values(
            password_hash=passwords.hash_password(PASSWORD, "cheapest"), password_changed_at=dt.datetime.now(dt.UTC)))
        emails = {row.id: row.email for row in session.execute(select(User.id, User.email).where(User.id.in_(ids)))}
        session.commit()
    finally:
        session.close()
    for role, pool in pools.items():
        if not pool:
            raise SystemExit(f"The synthetic Trust has no {role} account to sign in with.")
        for a in pool:
            a["email"] = emails[a["id"]]
    return {"password": PASSWORD, "roles": pools}


def run_locust(base: str, accounts_file: Path, users: int, rate: int, duration: str, workdir: Path) -> int:
    command = [str(VENV_BIN / "locust"), "-f", str(ROOT / "bench" / "locustfile.py"), "--headless", "-u", str(users),
               "-r", str(rate), "-t", duration, "--host", base, "--csv", str(workdir / "locust"),
               "--json-file", str(workdir / "locust"), "--only-summary",
               "--stop-timeout", "10", "--loglevel", "WARNING"]
    say("  " + " ".join(command[1:]))
    done = subprocess.run(command, cwd=ROOT, env={**os.environ, "WAYMARK_LOAD_ACCOUNTS": str(accounts_file)},
                          check=False)
    return done.returncode


def _percentile(times: dict[str, int], pct: float) -> float | None:
    """From locust's response-time buckets ({ms: count}), the nearest-rank percentile."""
    total = sum(times.values())
    if not total:
        return None
    rank, seen = -(-total * pct // 100), 0
    for ms, count in sorted((float(k), v) for k, v in times.items()):
        seen += count
        if seen >= rank:
            return ms
    return None


def _figures(name: str, method: str, entries: list[dict[str, Any]], seconds: float) -> dict[str, Any]:
    times: dict[str, int] = {}
    for e in entries:
        for ms, count in e["response_times"].items():
            times[ms] = times.get(ms, 0) + count
    requests = sum(e["num_requests"] for e in entries)
    return {"method": method, "name": name, "requests": requests, "failures": sum(e["num_failures"] for e in entries),
            "rps": round(requests / seconds, 2) if seconds else 0.0,
            "p50_ms": _percentile(times, 50), "p95_ms": _percentile(times, 95), "p99_ms": _percentile(times, 99),
            "max_ms": round(max((e["max_response_time"] or 0) for e in entries)),
            "mean_ms": round(sum(e["total_response_time"] for e in entries) / requests, 1) if requests else None}


def read_stats(workdir: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]], float]:
    """Per page and overall figures from locust's final JSON; failure reasons from its CSV."""
    entries = json.loads((workdir / "locust.json").read_text(encoding="utf-8"))
    seconds = (max(e["last_request_timestamp"] or 0 for e in entries) - min(e["start_time"] for e in entries))
    pages = [_figures(e["name"], e["method"], [e], seconds) for e in sorted(entries, key=lambda e: e["name"])]
    pages.append(_figures("Aggregated", "", entries, seconds))
    failures = []
    path = workdir / "locust_failures.csv"
    if path.exists():
        with path.open(newline="") as f:
            failures = [{"method": r["Method"], "name": r["Name"], "error": r["Error"], "count": int(r["Occurrences"])}
                        for r in csv.DictReader(f)]
    return pages, failures, round(seconds, 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split("\n")[0])
    parser.add_argument("--staff", type=int, default=2000)
    parser.add_argument("--years", type=int, default=1, help="years of records each (default 1: builds in minutes)")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--spawn-rate", type=int, default=10)
    parser.add_argument("--duration", default="3m", help="locust's -t: 3m, 20s, …")
    parser.add_argument("--gunicorn-workers", type=int, default=2 * len(os.sched_getaffinity(0)) + 1)
    parser.add_argument("--database-url", default=None, help="an EMPTY PostgreSQL database to fill")
    parser.add_argument("--server-url", default=DEFAULT_SERVER)
    parser.add_argument("--reuse", action="store_true", help="the database is already filled by an earlier run")
    parser.add_argument("--build-only", action="store_true", help="build the database, print how long it took, stop")
    parser.add_argument("--output", type=Path, default=RESULTS / "load.json")
    parser.add_argument("--note", action="append", default=[], help="a note to keep in the JSON (repeatable)")
    args = parser.parse_args(argv)

    from app import create_app
    from models import StaffProfile

    today = dt.date.today()
    started_at = dt.datetime.now(dt.UTC)
    machine_info = machine()
    url = args.database_url or f"{args.server_url}/waymark_bench_load"
    with tempfile.TemporaryDirectory(prefix="waymark-bench-load-") as tmp:
        workdir = Path(tmp)
        env = app_config(url, workdir)
        setup: dict[str, Any] = {"reused": True}
        if not args.reuse:
            say(f"Building {args.staff} staff × {args.years} year(s)…")
            setup = build(url, args.staff, args.years, env, empty=bool(args.database_url))
            if args.build_only:
                print(json.dumps(setup))
                return 0
        app = create_app(dict(env, ENV_NAME="development"), instance_path=workdir / "instance")
        with app.app_context():
            pool = accounts(app, today)
            version_info = versions(app.extensions["waymark.engine"],
                                    ("sqlalchemy", "flask", "psycopg", "gunicorn", "locust"))
            with app.extensions["waymark.sessions"]() as session:
                staff = session.scalar(select(func.count()).select_from(StaffProfile))
            app.extensions["waymark.engine"].dispose()
        accounts_file = workdir / "accounts.json"
        accounts_file.write_text(json.dumps(pool), encoding="utf-8")
        say(f"Serving with gunicorn -w {args.gunicorn_workers}; {args.users} users for {args.duration}…")
        with gunicorn(env, workers=args.gunicorn_workers) as base:
            code = run_locust(base, accounts_file, args.users, args.spawn_rate, args.duration, workdir)
        if not (workdir / "locust.json").exists():
            raise SystemExit(f"locust wrote no statistics (exit {code})")
        pages, failures, seconds = read_stats(workdir)
    overall = next(p for p in pages if p["name"] == "Aggregated")
    report = {
        "benchmark": "load",
        "date": started_at.isoformat(timespec="seconds"),
        "machine": machine_info,
        "versions": version_info,
        "database": {"backend": "postgresql", "url": make_url(url).render_as_string(hide_password=True),
                     "staff": staff, "years": args.years, "setup": setup},
        "load": {"users": args.users, "spawn_rate": args.spawn_rate, "duration": args.duration,
                 "gunicorn_workers": args.gunicorn_workers, "measured_s": seconds, "think_time_s": [0.5, 2.0],
                 "accounts": {role: len(p) for role, p in pool["roles"].items()}, "locust_exit": code},
        "overall": overall,
        "errors": overall["failures"],
        "target": f"errors = {TARGET_ERRORS}",
        "pages": [p for p in pages if p["name"] != "Aggregated"],
        "failures": failures,
        "notes": ["Percentiles are nearest-rank over locust's response-time buckets (its final JSON); req/s is "
                  "requests over the span from the first request to the last, sign-ins included; an error is a non-2xx/3xx response or a "
                  "failed check (sent to the login page, a form back with errors, a CSV without its heading).",
                  "App (gunicorn), PostgreSQL, Redis and locust all share the machine's CPUs.", *args.note],
    }
    write_json(args.output, report)
    rows = [[p["name"], str(p["requests"]), str(p["failures"]), f"{p['rps']:.2f}",
             f"{p['p50_ms']:.0f}" if p["p50_ms"] is not None else "—",
             f"{p['p95_ms']:.0f}" if p["p95_ms"] is not None else "—"] for p in pages]
    print()
    print(table(["page", "requests", "errors", "req/s", "p50 ms", "p95 ms"], rows))
    print(f"\n{staff} staff; {args.users} users for {args.duration}; gunicorn -w {args.gunicorn_workers}; "
          f"{machine_info['nproc']} CPUs shared by gunicorn, PostgreSQL, Redis and locust; load at start "
          f"{machine_info['load_average_at_start']}. Errors: {overall['failures']}. Written to {args.output}")
    return 0 if overall["failures"] == TARGET_ERRORS else 1


if __name__ == "__main__":
    sys.exit(main())
