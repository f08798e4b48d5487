"""How far two pages are from the bare SQL their figures need: page time ÷ floor, for the HR dashboard and the practitioner dashboard.

Run by hand, never from `make test`, on a database bench.pages built (2,000 staff by default):

    .venv/bin/python -m bench.floors [--database-url postgresql+psycopg://…/waymark_bench_pages_2000] [--runs 15]

The floor is hand-written SQL (sqlalchemy.text) that computes the same figures the page shows,
run alone on one connection, each statement once per run; the median of --runs is reported. It is a
lower bound, not a second implementation: it aggregates in the database and leaves out what only
the rules know (leave pausing a month, a WTE-scaled minimum, which pathways apply), so the ratio
measures what the page spends beyond fetching and adding up its data.

  HR dashboard (the HR officer, whole organisation): headcount and WTE today by band; funded, held
  and vacant WTE by band from the active posts; pay-step dates in the next three months; credentials
  due within 90 days or lapsed, by kind; each person's supervision minutes per calendar month over
  13 months, then people below 90 minutes per month; each person's CPD minutes over the last year,
  then people by status; skill-mix targets against the qualified and in-training holders.
  Practitioner dashboard (a high-intensity CBT therapist): their profile, working patterns and
  credentials; supervision minutes per month (12), contacts per week (12), CPD minutes per year (5)
  and over the rolling windows the pathways read (1 and 3 years); cases and signed-off claims; CTS-R
  ratings passed.

Page time is measured two ways: the service call in-process (service_dashboard.dashboard and
readiness.assess in a fresh session, the same session's queries included) and the whole page through
gunicorn -w 2 (bench.pages' client, signed in as the page's actor). It prints a table and writes
bench/results/floors.json.
"""
from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection, make_url

from bench.common import (DEFAULT_SERVER, RESULTS, Client, counting_queries, gunicorn, machine, say, table, versions,
                          write_json)
from bench.pages import PASSWORD, WARM_UPS, app_config, find_actors

TARGET_RATIO = 3.0

HR_FLOOR = {
    "establishment_people": """
        SELECT p.band, count(*) AS headcount, coalesce(sum(w.wte), 0) AS wte
        FROM staff_profiles p JOIN users u ON u.id = p.user_id
        LEFT JOIN LATERAL (SELECT wte FROM working_patterns w WHERE w.profile_id = p.id AND w.starts_on <= :today
                           AND (w.ends_on IS NULL OR w.ends_on >= :today) ORDER BY w.starts_on DESC LIMIT 1) w ON true
        WHERE u.organisation_id = :org AND u.active AND p.team_id IS NOT NULL
        GROUP BY p.band""",
    "establishment_posts": """
        SELECT po.band, sum(po.funded_wte) AS funded, sum(coalesce(h.held, 0)) AS held,
               sum(greatest(po.funded_wte - coalesce(h.held, 0), 0)) AS vacant,
               count(*) FILTER (WHERE po.funded_wte > coalesce(h.held, 0)) AS vacant_posts
        FROM posts po
        LEFT JOIN LATERAL (
            SELECT sum(w.wte) AS held FROM staff_profiles p JOIN users u ON u.id = p.user_id
            JOIN LATERAL (SELECT wte FROM working_patterns w WHERE w.profile_id = p.id AND w.starts_on <= :today
                          AND (w.ends_on IS NULL OR w.ends_on >= :today) ORDER BY w.starts_on DESC LIMIT 1) w ON true
            WHERE p.post_id = po.id AND u.active) h ON true
        WHERE po.organisation_id = :org AND po.active
        GROUP BY po.band""",
    "pay_steps_due": """
        SELECT date_trunc('month', p.step_started_on + interval '1 year') AS month, count(*)
        FROM staff_profiles p JOIN users u ON u.id = p.user_id
        WHERE u.organisation_id = :org AND u.active AND p.step_started_on IS NOT NULL AND p.pay_step < 3
          AND p.step_started_on + interval '1 year' <= :today + interval '3 months'
        GROUP BY 1""",
    "credentials": """
        SELECT r.kind,
               count(*) FILTER (WHERE r.renewal_due_on BETWEEN :today AND :today + 90
                                   OR r.expires_on BETWEEN :today AND :today + 90) AS due,
               count(*) FILTER (WHERE r.status <> 'current' OR r.expires_on < :today) AS lapsed
        FROM professional_registrations r JOIN staff_profiles p ON p.id = r.profile_id JOIN users u ON u.id = p.user_id
        WHERE u.organisation_id = :org AND u.active
        GROUP BY r.kind""",
    "supervision_by_month": """
        WITH per AS (
            SELECT s.supervisee_id, date_trunc('month', s.occurred_on) AS month, sum(s.minutes) AS minutes
            FROM supervision_sessions s JOIN users u ON u.id = s.supervisee_id
            WHERE u.organisation_id = :org AND u.active AND s.deleted_at IS NULL AND s.occurred_on >= :since_month
            GROUP BY 1, 2)
        SELECT month, count(*) AS people, count(*) FILTER (WHERE minutes < 90) AS below FROM per GROUP BY month""",
    "cpd_year": """
        WITH per AS (
            SELECT p.user_id, coalesce(sum(c.minutes), 0) AS minutes
            FROM staff_profiles p JOIN users u ON u.id = p.user_id
            LEFT JOIN cpd_activities c ON c.owner_id = p.user_id AND c.deleted_at IS NULL AND c.end_on > :year_ago
                                      AND c.end_on <= :today
            WHERE u.organisation_id = :org AND u.active
            GROUP BY p.user_id)
        SELECT minutes >= 1800 AS met, count(*) FROM per GROUP BY 1""",
    "skill_gaps": """
        SELECT t.service_id, t.category, t.code, t.minimum,
               count(*) FILTER (WHERE r.status = 'qualified') AS held,
               count(*) FILTER (WHERE r.status = 'in_training') AS in_training
        FROM skill_targets t JOIN services sv ON sv.id = t.service_id
        LEFT JOIN teams tm ON tm.service_id = t.service_id
        LEFT JOIN staff_profiles p ON p.team_id = tm.id
        LEFT JOIN skill_records r ON r.profile_id = p.id AND r.category = t.category AND r.code = t.code
                                  AND (r.ended_on IS NULL OR r.ended_on >= :today)
        WHERE sv.organisation_id = :org
        GROUP BY t.service_id, t.category, t.code, t.minimum""",
}

PRACTITIONER_FLOOR = {
    "profile": """
        SELECT u.id, u.full_name, p.band, p.job_title, p.pay_step, p.step_started_on,
               (SELECT json_agg(json_build_array(w.wte, w.starts_on, w.ends_on)) FROM working_patterns w
                 WHERE w.profile_id = p.id) AS patterns,
               (SELECT json_agg(json_build_array(r.kind, r.status, r.registered_on, r.renewal_due_on, r.expires_on))
                  FROM professional_registrations r WHERE r.profile_id = p.id) AS credentials,
               (SELECT json_agg(g.role) FROM role_grants g WHERE g.user_id = u.id) AS roles
        FROM users u JOIN staff_profiles p ON p.user_id = u.id WHERE u.id = :person""",
    "supervision_by_month": """
        SELECT date_trunc('month', occurred_on) AS month, sum(minutes), count(*) FROM supervision_sessions
        WHERE supervisee_id = :person AND deleted_at IS NULL AND occurred_on >= :since_month GROUP BY 1""",
    "contacts_by_week": """
        SELECT date_trunc('week', occurred_on) AS week, sum(count) FROM clinical_contacts
        WHERE owner_id = :person AND deleted_at IS NULL AND occurred_on >= :since_week GROUP BY 1""",
    "cpd_by_year": """
        SELECT date_trunc('year', end_on) AS year, sum(minutes), count(*) FROM cpd_activities
        WHERE owner_id = :person AND deleted_at IS NULL AND end_on >= :five_years_ago GROUP BY 1""",
    "cpd_windows": """
        SELECT sum(minutes) FILTER (WHERE end_on > :year_ago), sum(minutes) FILTER (WHERE end_on > :three_years_ago),
               count(*) FILTER (WHERE end_on > :year_ago AND reflection_learned IS NOT NULL)
        FROM cpd_activities WHERE owner_id = :person AND deleted_at IS NULL AND end_on <= :today""",
    "cases": """
        SELECT count(*), count(*) FILTER (WHERE ended_on IS NOT NULL), sum(attended_sessions) FROM clinical_cases
        WHERE owner_id = :person AND deleted_at IS NULL""",
    "claims": """
        SELECT framework_id, count(*) FILTER (WHERE status = 'signed_off') FROM competence_claims
        WHERE owner_id = :person GROUP BY framework_id""",
    "ctsr": """
        SELECT count(*), count(*) FILTER (WHERE passed) FROM ctsr_ratings WHERE owner_id = :person""",
}


def floor_params(actors: Any, org: int, today: dt.date) -> dict[str, Any]:
    month = today.replace(day=1)
    since_month = month.replace(year=month.year - 1)  # the current month and the 12 before it
    return {"org": org, "today": today, "person": actors.practitioner_id,
            "since_month": since_month, "since_week": today - dt.timedelta(weeks=12, days=today.weekday()),
            "year_ago": today - dt.timedelta(days=365), "three_years_ago": today - dt.timedelta(days=3 * 365),
            "five_years_ago": dt.date(today.year - 4, 1, 1)}


def run_floor(conn: Connection, statements: dict[str, str], params: dict[str, Any]) -> tuple[float, dict[str, int]]:
    """Every statement once, rows fetched; seconds and rows per statement."""
    rows = {}
    started = time.perf_counter()
    for key, sql in statements.items():
        rows[key] = len(conn.execute(text(sql), params).all())
    return time.perf_counter() - started, rows


def median_ms(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1000, 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.floors", description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=f"{DEFAULT_SERVER}/waymark_bench_pages_2000",
                        help="a PostgreSQL database bench.pages filled (it is read, never changed)")
    parser.add_argument("--runs", type=int, default=15, help="timed runs of each floor and page (median reported)")
    parser.add_argument("--output", type=Path, default=RESULTS / "floors.json")
    parser.add_argument("--note", action="append", default=[], help="a note to keep in the JSON (repeatable)")
    args = parser.parse_args(argv)
    if make_url(args.database_url).get_backend_name() != "postgresql":
        parser.error("the floors are PostgreSQL SQL: give a PostgreSQL --database-url")

    from app import create_app
    from app.services import readiness, service_dashboard
    from app.services.staff_scope import scope_of
    from models import User

    started_at = dt.datetime.now(dt.UTC)
    machine_info = machine()
    today = dt.date.today()
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="waymark-bench-floors-") as tmp:
        env = app_config(args.database_url, Path(tmp))
        app = create_app({"ENV_NAME": "development", "DATABASE_URL": args.database_url, "ARGON2_PROFILE": "cheapest",
                          "UPLOAD_DIR": env["UPLOAD_DIR"], "JOBS_DIR": env["JOBS_DIR"]}, instance_path=Path(tmp) / "i")
        engine = app.extensions["waymark.engine"]
        actors = find_actors(app)
        version_info = versions(engine)
        sessions = app.extensions["waymark.sessions"]
        with sessions() as s:
            hr = s.scalar(text("SELECT id FROM users WHERE email = :e").bindparams(e=actors.hr))
            org = s.scalar(text("SELECT organisation_id FROM users WHERE id = :i").bindparams(i=hr))
        params = floor_params(actors, int(org), today)

        def hr_service() -> None:
            with sessions() as s, app.app_context():
                user = s.get(User, hr)
                service_dashboard.dashboard(s, scope_of(s, user, today), today)

        def practitioner_service() -> None:
            with sessions() as s, app.app_context():
                readiness.assess(s, s.get(User, actors.practitioner_id), today)

        pages = {"hr_dashboard": ("HR dashboard", HR_FLOOR, hr_service, "hr", "/dashboard"),
                 "practitioner_dashboard": ("Practitioner dashboard", PRACTITIONER_FLOOR, practitioner_service,
                                            "practitioner", f"/people/{actors.practitioner_id}/dashboard")}
        for key, (label, statements, service, _actor, _path) in pages.items():
            say(f"{label}: floor SQL and the service call in-process, {args.runs} runs each…")
            with engine.connect() as conn:
                run_floor(conn, statements, params)  # warm-up: plans, buffers
                floor_samples, rows = [], {}
                for _ in range(args.runs):
                    seconds, rows = run_floor(conn, statements, params)
                    floor_samples.append(seconds)
                per_statement = {}
                for name, sql in statements.items():
                    one = []
                    for _ in range(args.runs):
                        started = time.perf_counter()
                        conn.execute(text(sql), params).all()
                        one.append(time.perf_counter() - started)
                    per_statement[name] = {"median_ms": median_ms(one), "rows": rows[name]}
            service()  # warm-up
            service_samples = []
            with counting_queries(engine) as queries:
                for _ in range(args.runs):
                    started = time.perf_counter()
                    service()
                    service_samples.append(time.perf_counter() - started)
            results[key] = {"label": label, "floor_ms": median_ms(floor_samples), "floor_statements": per_statement,
                            "service_ms": median_ms(service_samples), "service_queries": queries[0] // args.runs,
                            "floor_samples_ms": [round(x * 1000, 1) for x in floor_samples],
                            "service_samples_ms": [round(x * 1000, 1) for x in service_samples]}
        engine.dispose()
        say(f"Both pages through gunicorn -w 2, {args.runs} requests each after {WARM_UPS} warm-ups…")
        with gunicorn(env) as base:
            for key, (label, _statements, _service, actor, path) in pages.items():
                client = Client(base)
                client.sign_in(actors.email(actor), PASSWORD)
                samples = []
                for n in range(WARM_UPS + args.runs):
                    started = time.perf_counter()
                    status, _body = client.get(path)
                    if status != 200:
                        raise SystemExit(f"{path} gave HTTP {status}")
                    if n >= WARM_UPS:
                        samples.append(time.perf_counter() - started)
                r = results[key]
                r["page_ms"] = median_ms(samples)
                r["page_samples_ms"] = [round(x * 1000, 1) for x in samples]
                r["service_over_floor"] = round(r["service_ms"] / r["floor_ms"], 2)
                r["page_over_floor"] = round(r["page_ms"] / r["floor_ms"], 2)
    report = {"benchmark": "floors", "date": started_at.isoformat(timespec="seconds"), "runs": args.runs,
              "today_used": today.isoformat(), "machine": machine_info, "versions": version_info,
              "database": make_url(args.database_url).render_as_string(hide_password=True),
              "staff": actors.staff, "actors": dataclasses.asdict(actors), "target_page_over_floor": TARGET_RATIO,
              "results": results,
              "notes": ["floor: the hand-written SQL run alone on one open connection, each statement once per run; "
                        "median of the runs (per-statement medians in floor_statements).",
                        "service: the service call in a fresh session (connection checkout and ORM loading included); "
                        "page: the whole page through gunicorn -w 2 (sign-in, session, template rendering included).",
                        *args.note]}
    write_json(args.output, report)
    print()
    print(table(["page", "floor ms", "service ms", "page ms", "service ÷ floor", "page ÷ floor", "service queries"],
                [[r["label"], f"{r['floor_ms']:.1f}", f"{r['service_ms']:.1f}", f"{r['page_ms']:.1f}",
                  f"{r['service_over_floor']:.2f}", f"{r['page_over_floor']:.2f}", str(r["service_queries"])]
                 for r in results.values()]))
    print(f"\nTarget page ÷ floor ≤ {TARGET_RATIO:g} on PostgreSQL; {actors.staff} staff; medians of {args.runs} runs; "
          f"{machine_info['nproc']} CPUs, load {machine_info['load_average_at_start']}. Written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
