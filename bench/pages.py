"""Latency (median, p95) of Waymark's main pages through gunicorn, and each page's SQL query count, at 20 and 2,000 staff.

Run by hand, never from `make test`:

    .venv/bin/python -m bench.pages [--requests 30] [--years 2] [--reuse] [--sizes 20,2000] [--note "…"]

For each size it drops and recreates a PostgreSQL database (default `waymark_bench_pages_<staff>` on
127.0.0.1 as user postgres; --server-url to change the server), migrates it (`waymark db upgrade`) and
fills it with `waymark synthetic --staff N --years Y --seed 1` (2 years by default, so that 2,000 staff
take minutes rather than an hour; the output says so). --reuse keeps a database that is already filled.

Then, per size:
  queries   each page once in-process (create_app + the Flask test client), counting the SQL statements
            with a `before_cursor_execute` listener; gunicorn workers cannot report them
  latency   gunicorn (`-w 2`, as a deployment would run it) serving the same database; a urllib client
            signs in as the page's actor through the login form (CSRF token and cookies kept), makes 3
            untimed warm-up requests, then --requests timed ones in sequence; median and 95th percentile

The pages and who opens them: the practitioner's readiness dashboard, CPD log, supervision log and one
framework's coverage (a high-intensity CBT therapist, as themselves); the supervisor's review queue (the
supervisor with most supervisees); the HR staff directory's first page, the HR service dashboard, the
progression due list and the largest service's skill-mix matrix (the HR officer, whole organisation).
It prints a table and writes every sample, the machine and versions to bench/results/pages.json.
"""
from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bench.common import (CSRF, DEFAULT_SERVER, RESULTS, Client, counting_queries, gunicorn, machine, recreate_database,
                          say, summary_ms, table, versions, waymark, write_json)

PASSWORD = "bench-pages-password"
SEED = 1
WARM_UPS = 3
TARGET_P95_MS = 500


@dataclasses.dataclass(frozen=True)
class Page:
    key: str
    label: str
    actor: str  # a key of Actors
    path: str  # formatted with the Actors' fields


PAGES = (
    Page("practitioner_dashboard", "Practitioner dashboard", "practitioner", "/people/{practitioner_id}/dashboard"),
    Page("cpd_list", "CPD list", "practitioner", "/people/{practitioner_id}/cpd"),
    Page("supervision_list", "Supervision list", "practitioner", "/people/{practitioner_id}/supervision"),
    Page("framework_coverage", "Framework coverage", "practitioner",
         "/people/{practitioner_id}/frameworks/{framework_id}"),
    Page("supervisor_queue", "Supervisor queue", "supervisor", "/supervisor"),
    Page("hr_directory", "HR directory", "hr", "/staff"),
    Page("hr_dashboard", "HR dashboard", "hr", "/dashboard"),
    Page("progression_due", "Progression due list", "hr", "/progression"),
    Page("skill_mix", "Skill-mix matrix", "hr", "/services/{service_id}/skill-mix"),
)


@dataclasses.dataclass(frozen=True)
class Actors:
    practitioner: str
    practitioner_id: int
    supervisor: str
    hr: str
    framework_id: str
    service_id: int
    staff: int

    def email(self, key: str) -> str:
        return str(getattr(self, key))


def app_config(url: str, workdir: Path) -> dict[str, str]:
    """The settings both the in-process app and gunicorn get (gunicorn through the environment)."""
    return {"WAYMARK_ENV": "development", "DATABASE_URL": url, "ARGON2_PROFILE": "cheapest",
            "UPLOAD_DIR": str(workdir / "uploads"), "JOBS_DIR": str(workdir / "jobs")}


def build(url: str, staff: int, years: int, env: dict[str, str]) -> dict[str, Any]:
    recreate_database(url)
    started = time.perf_counter()
    waymark(["db", "upgrade"], env)
    out = waymark(["synthetic", "--staff", str(staff), "--years", str(years), "--seed", str(SEED),
                   "--password", PASSWORD], env)
    seconds = time.perf_counter() - started
    total = next((line for line in out.splitlines() if line.startswith("total")), "")
    say(f"  built in {seconds:.0f} s: {total.split('(')[0].strip()}")
    return {"build_s": round(seconds, 1), "rows": total.split()[1] if total else None}


def find_actors(app: Any) -> Actors:
    """The accounts the generator gave the password, picked by what they are, so any seed works."""
    from models import (CompetenceClaim, RelationshipKind, Role, RoleGrant, Service, StaffProfile,
                        StaffRelationship, Team, User)

    session = app.extensions["waymark.sessions"]()
    try:
        hr = session.scalar(select(User.email).join(RoleGrant, RoleGrant.user_id == User.id)
                            .where(RoleGrant.role == Role.HR, User.password_hash.is_not(None)).order_by(User.id))
        practitioner = session.execute(
            select(User.email, User.id).join(StaffProfile, StaffProfile.user_id == User.id)
            .where(User.password_hash.is_not(None), StaffProfile.job_title == "High intensity CBT therapist")
            .order_by(User.id)).first()
        supervisees = func.count(StaffRelationship.id)
        supervisor = session.scalar(
            select(User.email).join(StaffRelationship, StaffRelationship.senior_id == User.id)
            .join(RoleGrant, RoleGrant.user_id == User.id)
            .where(User.password_hash.is_not(None), RoleGrant.role == Role.SUPERVISOR,
                   StaffRelationship.kind == RelationshipKind.SUPERVISION)
            .group_by(User.email).order_by(supervisees.desc(), User.email).limit(1))
        if hr is None or practitioner is None or supervisor is None:
            raise SystemExit("The database lacks the generator's named accounts; rebuild it without --reuse.")
        framework = session.scalar(
            select(CompetenceClaim.framework_id).where(CompetenceClaim.owner_id == practitioner.id)
            .group_by(CompetenceClaim.framework_id).order_by(func.count().desc(), CompetenceClaim.framework_id)
            .limit(1)) or "ucl-cbt"
        service_id = session.scalar(
            select(Service.id).join(Team, Team.service_id == Service.id)
            .join(StaffProfile, StaffProfile.team_id == Team.id)
            .group_by(Service.id).order_by(func.count().desc(), Service.id).limit(1))
        staff = session.scalar(select(func.count()).select_from(StaffProfile)) or 0
    finally:
        session.close()
    return Actors(practitioner=practitioner.email, practitioner_id=practitioner.id, supervisor=supervisor, hr=hr,
                  framework_id=framework, service_id=int(service_id or 0), staff=staff)


def count_queries(app: Any, actors: Actors) -> dict[str, dict[str, Any]]:
    """Each page once (after one warm-up) through the Flask test client, counting SQL statements."""
    engine = app.extensions["waymark.engine"]
    out: dict[str, dict[str, Any]] = {}
    clients: dict[str, Any] = {}
    for page in PAGES:
        client = clients.get(page.actor)
        if client is None:
            client = clients[page.actor] = app.test_client()
            found = CSRF.search(client.get("/login").get_data(as_text=True))
            token = (found.group(1) or found.group(2)) if found else ""
            response = client.post("/login", data={"csrf_token": token, "email": actors.email(page.actor),
                                                   "password": PASSWORD})
            if response.status_code != 302:
                raise SystemExit(f"in-process sign-in as {actors.email(page.actor)} gave {response.status_code}")
        path = page.path.format(**dataclasses.asdict(actors))
        client.get(path).close()  # warm-up: template compilation, reference data
        with counting_queries(engine) as queries:
            response = client.get(path)
            status = response.status_code
            response.close()
        out[page.key] = {"status": status, "queries": queries[0]}
        say(f"    {page.label}: {queries[0]} queries (HTTP {status})")
    return out


def time_pages(base: str, actors: Actors, requests: int) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    clients: dict[str, Client] = {}
    for page in PAGES:
        client = clients.get(page.actor)
        if client is None:
            client = clients[page.actor] = Client(base)
            client.sign_in(actors.email(page.actor), PASSWORD)
        path = page.path.format(**dataclasses.asdict(actors))
        samples = []
        status = 0
        size = 0
        for n in range(WARM_UPS + requests):
            started = time.perf_counter()
            status, body = client.get(path)
            elapsed = time.perf_counter() - started
            if status != 200:
                raise SystemExit(f"{page.label} ({path}) gave HTTP {status}")
            size = len(body)
            if n >= WARM_UPS:
                samples.append(elapsed)
        out[page.key] = {"path": path, "status": status, "bytes": size, **summary_ms(samples),
                         "samples_ms": [round(s * 1000, 1) for s in samples]}
        say(f"    {page.label}: median {out[page.key]['median_ms']} ms, p95 {out[page.key]['p95_ms']} ms")
    return out


def run_size(staff: int, args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    from app import create_app

    url = args.database_url or f"{args.server_url}/waymark_bench_pages_{staff}"
    env = app_config(url, workdir / str(staff))
    result: dict[str, Any] = {"staff": staff, "years": args.years,
                              "database": make_url(url).render_as_string(hide_password=True)}
    if args.reuse:
        say(f"{staff} staff: reusing {result['database']}")
    else:
        say(f"{staff} staff × {args.years} years: building {result['database']} (this takes minutes at 2,000)…")
        result["setup"] = build(url, staff, args.years, env)
    app = create_app({"ENV_NAME": "development", "DATABASE_URL": url, "ARGON2_PROFILE": "cheapest",
                      "UPLOAD_DIR": env["UPLOAD_DIR"], "JOBS_DIR": env["JOBS_DIR"]},
                     instance_path=workdir / str(staff) / "instance")
    actors = find_actors(app)
    result["actors"] = dataclasses.asdict(actors)
    result["versions"] = versions(app.extensions["waymark.engine"])
    say("  query counts (in-process):")
    counts = count_queries(app, actors)
    app.extensions["waymark.engine"].dispose()
    say(f"  latency through gunicorn -w 2 ({args.requests} requests per page after {WARM_UPS} warm-ups):")
    with gunicorn(env) as base:
        latency = time_pages(base, actors, args.requests)
    result["pages"] = {p.key: {"label": p.label, "actor": p.actor, **latency[p.key], **counts[p.key]} for p in PAGES}
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pages", description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=30, help="timed requests per page (after 3 warm-ups)")
    parser.add_argument("--years", type=int, default=2, help="years of history the generator writes per person")
    parser.add_argument("--sizes", default="20,2000", help="staff counts, comma-separated (default 20,2000)")
    parser.add_argument("--server-url", default=DEFAULT_SERVER,
                        help="PostgreSQL server; databases waymark_bench_pages_<staff> are dropped and recreated")
    parser.add_argument("--database-url", default=None,
                        help="one database to use instead (with a single --sizes value); dropped and recreated "
                             "unless --reuse")
    parser.add_argument("--reuse", action="store_true", help="use the databases as they are (already filled)")
    parser.add_argument("--output", type=Path, default=RESULTS / "pages.json")
    parser.add_argument("--note", action="append", default=[], help="a note to keep in the JSON (repeatable)")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    if args.requests < 1 or not sizes:
        parser.error("--requests must be at least 1 and --sizes must name a staff count")
    if args.database_url and len(sizes) != 1:
        parser.error("--database-url takes a single --sizes value")
    if args.database_url and make_url(args.database_url).get_backend_name() != "postgresql":
        parser.error("--database-url must be PostgreSQL (gunicorn's workers and the generator share it)")

    started_at = dt.datetime.now(dt.UTC)
    machine_info = machine()
    say(f"Generating {args.years} year(s) of history per person (--years) keeps 2,000 staff to minutes.")
    results = {}
    with tempfile.TemporaryDirectory(prefix="waymark-bench-pages-") as tmp:
        for staff in sizes:
            results[str(staff)] = run_size(staff, args, Path(tmp))
    version_info = next(iter(results.values()))["versions"]
    report = {"benchmark": "pages", "date": started_at.isoformat(timespec="seconds"), "requests": args.requests,
              "warm_ups": WARM_UPS, "years": args.years, "seed": SEED, "machine": machine_info,
              "versions": version_info, "target_p95_ms": TARGET_P95_MS, "results": results,
              "notes": ["Latency: gunicorn -w 2 on the same machine as PostgreSQL and the client; one request at a "
                        "time; p95 is the nearest-rank 95th percentile of the timed requests.",
                        "Queries: one in-process request per page after a warm-up request, counted with a "
                        "before_cursor_execute listener (sign-in and session loading included).",
                        *args.note]}
    write_json(args.output, report)
    head = ["page", *[f"{s} staff {k}" for s in sizes for k in ("median ms", "p95 ms", "queries")]]
    rows = []
    for page in PAGES:
        row = [page.label]
        for s in sizes:
            r = results[str(s)]["pages"][page.key]
            row += [f"{r['median_ms']:.0f}", f"{r['p95_ms']:.0f}", str(r["queries"])]
        rows.append(row)
    print()
    print(table(head, rows))
    largest = str(max(sizes))
    slow = [p.label for p in PAGES if results[largest]["pages"][p.key]["p95_ms"] >= TARGET_P95_MS]
    print(f"\nTarget p95 < {TARGET_P95_MS} ms at {largest} staff: "
          + ("met by every page" if not slow else "missed by " + ", ".join(slow)))
    print(f"{args.requests} requests per page, {args.years} year(s) of history per person; "
          f"{machine_info['nproc']} CPUs, load {machine_info['load_average_at_start']}. Written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
