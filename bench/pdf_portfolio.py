"""Seconds per full-portfolio PDF: data gathering, HTML, WeasyPrint — and headless Chromium on the same HTML.

Run by hand, never from `make test`:

    .venv/bin/python -m bench.pdf_portfolio [--runs 3] [--database-url postgresql+psycopg://…] [--output FILE]

It builds a throwaway SQLite database in a temporary directory (or uses an EMPTY database given with
--database-url), migrates it, loads the demo service with its evidence files, and then gives one
qualified therapist (Owen Griffiths, band 7, 0.6 WTE) four more years of records before the demo's own
year, so that his portfolio covers five years: weekly supervision with minutes per case, about eight CPD
activities a year with reflective statements, some twenty cases a year with weekly contact counts,
CTS-R ratings, signed-off UCL CBT competence claims and evidence files (a fixed random seed). The
trainee is Sophie Lang's year exactly as the demo loads it.

For each person it times, as the median of --runs after one untimed warm-up run:
  gather      app.services.documents.KINDS["portfolio"].gather(...) in a fresh session (SQL + services)
  html        the manifest digest and exports.documents.render_html (the whole document, as Chromium prints it)
  one pass    exports.pdf.render_pdf of that HTML: the whole document laid out at once (how it was before issue 9)
  weasyprint  exports.documents.render with an empty section cache: the first export (sections laid out in
              parallel, then the frame with cover, header and footer, PDF/A-3b with the manifest attached)
  repeat      exports.documents.render again, a new document id, the cache that the first export filled
  chromium    /usr/bin/chromium --headless --print-to-pdf of the same HTML, print.css inlined
              (a whole browser process per run, so start-up is included; the start-up alone, printing
              a one-line page, is reported beside it)
It prints a table and writes every figure, with the machine and versions, to bench/results/pdf_portfolio.json.
"""
from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import platform
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from importlib import metadata
from pathlib import Path
from typing import Any

from pypdf import PdfReader
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bench import common

RESULTS = Path(__file__).resolve().parent / "results"
CHROMIUM = Path("/usr/bin/chromium")
SEED = 8
#: Who: (key, e-mail prefix, what the figures stand for).
SUBJECTS = (
    ("trainee", "sophie.lang@", "A trainee's year (Sophie Lang, trainee HI CBT therapist, as the demo loads it)"),
    ("qualified", "owen.griffiths@", "A qualified therapist's 5 years (Owen Griffiths, band 7, 0.6 WTE)"),
)
YEARS = 5
PREVIOUS_SUPERVISOR = "Dr Alan Pryce"


# --- the database --------------------------------------------------------------------------------

def build_app(workdir: Path, database_url: str | None) -> Any:
    from app import create_app

    url = database_url or f"sqlite:///{workdir / 'bench.db'}"
    return create_app({"ENV_NAME": "development", "ARGON2_PROFILE": "cheapest", "DATABASE_URL": url,
                       "UPLOAD_DIR": str(workdir / "uploads"), "EVIDENCE_DIR": str(workdir / "evidence"),
                       "JOBS_DIR": str(workdir / "jobs")}, instance_path=workdir / "instance")


def load_data(app: Any, today: dt.date) -> dict[str, int]:
    """Migrate, load the demo, add Owen's earlier four years; return how long each step took (ms)."""
    from app.config import evidence_dir
    from app.services.accounts import AuthSettings
    from app.services.demo import load_demo
    from models import User, schema

    engine = app.extensions["waymark.engine"]
    timings = {}
    started = time.perf_counter()
    schema.upgrade(engine)
    timings["migrate_ms"] = round((time.perf_counter() - started) * 1000)
    session = app.extensions["waymark.sessions"]()
    session.info["actor_id"] = None
    try:
        if session.scalar(select(func.count()).select_from(User)):
            raise SystemExit("The database already holds accounts; give an empty database to --database-url.")
        started = time.perf_counter()
        load_demo(session, AuthSettings.from_config(app.config), today=today, evidence_dir=evidence_dir(app.config))
        session.commit()
        timings["demo_ms"] = round((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        add_five_years(session, today, evidence_dir(app.config))
        session.commit()
        timings["synthetic_ms"] = round((time.perf_counter() - started) * 1000)
    finally:
        session.close()
    return timings


def add_five_years(session: Any, today: dt.date, store: Path) -> None:
    """Owen's logs for the four years before the demo's year (which covers the last 364 days), and CTS-R
    ratings, signed-off claims and evidence files over all five (the demo gives him none)."""
    from app.services.demo import shift
    from app.services.demo_portfolio import CBT_ACTIVITIES, HI_PROBLEMS, OTHER_ACTIVITIES, SKILLS_WORKSHOPS, THEMES
    from app.services.demo_portfolio import _outcome, _scores  # the demo's realistic score pairs
    from models import (ClinicalCase, ClinicalContact, CpdActivity, RelationshipKind, StaffRelationship,
                        SupervisionCaseMinutes, SupervisionKind, SupervisionSession)

    rng = random.Random(SEED)
    owen = _user(session, "owen.griffiths@")
    nadia = _user(session, "nadia.karim@")
    rel = session.scalar(select(StaffRelationship).where(
        StaffRelationship.junior_id == owen.id, StaffRelationship.senior_id == nadia.id,
        StaffRelationship.kind == RelationshipKind.SUPERVISION,
        StaffRelationship.supervision_kind == SupervisionKind.CLINICAL))
    first = shift(today, years=-YEARS) + dt.timedelta(days=1)
    last = today - dt.timedelta(days=365)  # the demo's own year starts the day after
    wte = Decimal("0.60")
    years = [(shift(first, years=n), min(shift(first, years=n + 1) - dt.timedelta(days=1), last))
             for n in range(YEARS - 1)]
    leave = {rng.randrange(0, 52 * (YEARS - 1)) for _ in range(6 * (YEARS - 1))}  # weeks off, ~6 a year

    # Cases: about twenty a year, 12 to 24 weeks each, all closed before the demo's year.
    cases: list[Any] = []
    number = 7000
    for start, end in years:
        for i in range(rng.randint(18, 22)):
            number += 1
            began = start + dt.timedelta(days=(end - start).days * i // 20 + rng.randint(0, 6))
            ended = min(began + dt.timedelta(weeks=rng.randint(12, 24)), last)
            first_scores, last_scores = _scores(rng, _outcome(rng))
            cases.append(ClinicalCase(owner_id=owen.id, case_ref=f"NTT-HI-{number:04d}",
                                      problem=rng.choice(HI_PROBLEMS), step=3, modality="cbt", started_on=began,
                                      ended_on=ended,
                                      attended_sessions=rng.randint(8, 20), first_scores=first_scores,
                                      last_scores=last_scores))
    session.add_all(cases)
    session.flush()

    # Weekly supervision (Tuesdays, 60 minutes), two or three open cases discussed; contacts each Monday.
    rows: list[Any] = []
    monday = first - dt.timedelta(days=first.weekday())
    week = 0
    while monday + dt.timedelta(days=1) <= last:
        tuesday = monday + dt.timedelta(days=1)
        if week not in leave and tuesday >= first:
            inside = rel is not None and rel.covers(tuesday)
            s = SupervisionSession(
                supervisee_id=owen.id, occurred_on=tuesday, minutes=60, kind=SupervisionKind.CLINICAL,
                group_size=1, cbt=True, live_or_recorded_sampled=week % 6 == 1,
                relationship_id=rel.id if inside else None, supervisor_id=nadia.id if inside else None,
                outside_supervisor_name=None if inside else PREVIOUS_SUPERVISOR,
                outside_supervisor_credentials=None if inside else "BABCP accredited supervisor",
                themes=rng.choice(THEMES[SupervisionKind.CLINICAL]))
            open_cases = [c for c in cases if c.started_on <= tuesday <= (c.ended_on or last)]
            if open_cases:
                chosen = rng.sample(open_cases, min(len(open_cases), rng.randint(2, 3)))
                s.cases = [SupervisionCaseMinutes(case_ref=c.case_ref, minutes=48 // len(chosen)) for c in chosen]
            rows.append(s)
            count = round(rng.randint(12, 20) * wte)
            video = rng.randint(0, count // 3)
            for fmt, n in (("face_to_face", count - video), ("video", video)):
                if n and monday >= first:
                    rows.append(ClinicalContact(owner_id=owen.id, occurred_on=monday, count=n, step=3,
                                                minutes=n * 60, individual=True, cbt=True, format=fmt))
        monday += dt.timedelta(weeks=1)
        week += 1

    # About eight CPD activities a year, each with its reflective statement; one skills workshop a year.
    for start, end in years:
        how_many = rng.randint(7, 9)
        chosen = [rng.choice(SKILLS_WORKSHOPS[:2]), *rng.sample(CBT_ACTIVITIES, how_many - 2),
                  rng.choice(OTHER_ACTIVITIES)]
        days = sorted(rng.sample([start + dt.timedelta(days=n) for n in range((end - start).days)
                                  if (start + dt.timedelta(days=n)).weekday() < 5], how_many))
        rows.extend(CpdActivity(
            owner_id=owen.id, start_on=day, end_on=day, title=a.title, provider=a.provider, category=a.category,
            participatory=a.participatory, minutes=rng.randrange(a.minutes[0], a.minutes[1] + 1, 15), cbt=a.cbt,
            cbt_skills=a.cbt_skills, reflection_learned=a.learned, reflection_practice=a.practice,
            hcpc_standards=sorted(rng.sample([1, 2, 3, 4], 2)), competences=[]) for a, day in zip(chosen, days))
    session.add_all(rows)
    session.flush()

    # The demo gives Owen no ratings, claims or files: spread these over all five years.
    every_year = [*years, (last + dt.timedelta(days=1), today)]
    all_cases = list(session.scalars(select(ClinicalCase).where(ClinicalCase.owner_id == owen.id)
                                     .order_by(ClinicalCase.started_on)))
    evidence = _evidence(session, owen, every_year, store, today, rng)
    session.add_all(_ctsr(session, owen, nadia, rel, every_year, all_cases, rng))
    session.add_all(_claims(session, owen, nadia, every_year, evidence, rng))
    session.flush()


def _user(session: Any, prefix: str) -> Any:
    from models import User

    user = session.scalar(select(User).where(User.email.startswith(prefix)))
    if user is None:
        raise SystemExit(f"The demo has no account {prefix}…; has app/services/demo.py changed?")
    return user


def _evidence(session: Any, owen: Any, years: list[tuple[dt.date, dt.date]], store: Path, today: dt.date,
              rng: random.Random) -> list[Any]:
    """Ten small files a year (one-page PDF certificates and text notes) through the evidence store."""
    from app.services import evidence as evidence_service
    from app.services.demo_evidence import tiny_pdf

    items = []
    kinds = ("certificate", "reflective_account", "supervisor_report", "recording_rating", "other")
    for y, (start, end) in enumerate(years):
        for n in range(10):
            kind = kinds[n % len(kinds)]
            dated = start + dt.timedelta(days=rng.randrange((end - start).days))
            title = f"{kind.replace('_', ' ').capitalize()} {y + 1}.{n + 1}"
            lines = (owen.full_name, f"{title}, dated {dated:%-d %B %Y}", "Northshire Talking Therapies")
            if kind == "certificate":
                name, data = f"certificate-{y + 1}-{n + 1}.pdf", tiny_pdf(title, lines)
            else:
                name, data = f"{kind.replace('_', '-')}-{y + 1}-{n + 1}.txt", "\n".join(lines).encode() + b"\n"
            items.append(evidence_service.store_upload(
                session, owen, io.BytesIO(data), name, store_dir=store, max_bytes=1024 * 1024, today=today,
                details=evidence_service.EvidenceDetails(title=title, kind=kind, dated_on=dated,
                                                         shared_with_hr=kind == "certificate")))
    return items


def _ctsr(session: Any, owen: Any, nadia: Any, rel: Any, years: list[tuple[dt.date, dt.date]], cases: list[Any],
          rng: random.Random) -> list[Any]:
    """Three recordings a year rated by the supervisor on the CTS-R, passing with room to spare."""
    from app.services import ratings
    from app.services.demo_evidence import item_scores
    from competences.frameworks import pass_mark
    from models.reference_data import catalogue_for
    from models.training import CtsrRating

    scale = ratings.ctsr_scale(catalogue_for(session))
    mark = pass_mark(scale)
    ids = [i.id for i in scale.items]
    rows = []
    for y, (start, end) in enumerate(years):
        for n in range(3):
            rated = start + dt.timedelta(days=(end - start).days * (2 * n + 1) // 6)
            inside = rel is not None and rel.covers(rated)
            scores = item_scores(ids, rng.randint(mark + 2, min(scale.max_total, mark + 16)), rng)
            case = next((c for c in cases if c.started_on <= rated <= (c.ended_on or rated)), None)
            rows.append(CtsrRating(
                owner_id=owen.id, rated_on=rated, recording_ref=f"NTT-REC-{7000 + y * 10 + n:04d}",
                case_ref=case.case_ref if case else None, rater_role="supervisor",
                rater_id=nadia.id if inside else None, rater_name=nadia.full_name if inside else PREVIOUS_SUPERVISOR,
                scale_id=scale.meta.id, scale_version=scale.meta.version, scores=scores, comments={},
                total=sum(scores.values()), passed=sum(scores.values()) >= mark, pass_mark_used=mark))
    return rows


def _claims(session: Any, owen: Any, nadia: Any, years: list[tuple[dt.date, dt.date]], evidence: list[Any],
            rng: random.Random) -> list[Any]:
    """UCL CBT competences, about ten a year, each submitted and signed off a fortnight later."""
    from app.services import claims as claim_service
    from competences.claims import ClaimStatus
    from competences.frameworks import items
    from models.claims import ClaimEvidence, ClaimStatusChange, CompetenceClaim
    from models.reference_data import catalogue_for

    framework = claim_service.current_framework(catalogue_for(session), "ucl-cbt")
    component = claim_service.components(framework)[0].id
    todo = list(items(framework))
    rng.shuffle(todo)
    per_year = min(10, len(todo) // len(years))
    methods = list(claim_service.SIGN_OFF_METHODS)
    rows: list[Any] = []
    for y, (start, end) in enumerate(years):
        for n, item in enumerate(todo[y * per_year:(y + 1) * per_year]):
            submitted = start + dt.timedelta(days=(end - start - dt.timedelta(days=20)).days * n // per_year)
            signed = submitted + dt.timedelta(days=14)
            method = rng.choice(methods)
            claim = CompetenceClaim(
                owner_id=owen.id, framework_id=framework.meta.id, framework_version=framework.meta.version,
                item_id=item.id, level=None, status=ClaimStatus.SIGNED_OFF,
                statement={component: f"I showed this in my work with case {n + 1} of year {y + 1}: "
                                      f"{item.title.lower()}, discussed in supervision and seen on a recording."},
                submitted_at=dt.datetime.combine(submitted, dt.time(12), dt.UTC), signed_by_id=nadia.id,
                signed_on=signed, sign_off_method=method)
            claim.evidence_links = [ClaimEvidence(evidence=rng.choice(evidence), evidence_type=None)]
            digest = claim_service.claim_digest(claim)
            claim.history = [
                ClaimStatusChange(occurred_at=claim.submitted_at, actor_id=owen.id, action="submit",
                                  from_status="draft", to_status="submitted", claim_digest=digest),
                ClaimStatusChange(occurred_at=dt.datetime.combine(signed, dt.time(15), dt.UTC), actor_id=nadia.id,
                                  action="sign_off", from_status="submitted", to_status="signed_off",
                                  method=method, claim_digest=digest)]
            rows.append(claim)
    return rows


def record_counts(session: Any, user: Any) -> dict[str, int]:
    """How much each portfolio holds, to read the timings against."""
    from models import ClinicalCase, ClinicalContact, CpdActivity, SupervisionSession
    from models.claims import CompetenceClaim
    from models.evidence import EvidenceItem
    from models.training import CtsrRating

    def count(model: Any, owner: Any) -> int:
        return int(session.scalar(select(func.count()).select_from(model).where(owner == user.id)))

    contacts = session.scalar(select(func.coalesce(func.sum(ClinicalContact.count), 0))
                              .where(ClinicalContact.owner_id == user.id))
    return {"supervision_sessions": count(SupervisionSession, SupervisionSession.supervisee_id),
            "cpd_activities": count(CpdActivity, CpdActivity.owner_id),
            "cases": count(ClinicalCase, ClinicalCase.owner_id),
            "contact_rows": count(ClinicalContact, ClinicalContact.owner_id), "contacts": int(contacts),
            "ctsr_ratings": count(CtsrRating, CtsrRating.owner_id),
            "claims": count(CompetenceClaim, CompetenceClaim.owner_id),
            "evidence_items": count(EvidenceItem, EvidenceItem.owner_id)}


# --- timing ----------------------------------------------------------------------------------------

counting_queries = common.counting_queries
timed = common.timed


def cpu_seconds() -> float:
    """CPU seconds used so far by this process and its finished children (forked layout workers, Chromium)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def cpu_timed(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    """Wall and CPU seconds: on a busy machine the CPU seconds still compare."""
    cpu = cpu_seconds()
    wall, result = timed(fn)
    return wall, cpu_seconds() - cpu, result


def pages(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def chromium_html(html: str) -> str:
    """The same HTML with exports/assets/print.css inlined: Chromium cannot reach the fake asset origin."""
    from exports.pdf import ASSETS

    css = (ASSETS / "print.css").read_text(encoding="utf-8")
    html, found = re.subn(r'<link rel="stylesheet" href="/assets/print\.css">', lambda _m: f"<style>\n{css}\n</style>",
                          html, count=1)
    if not found:
        raise SystemExit("The document template no longer links /assets/print.css; update chromium_html().")
    return html


def chromium_print(html: str, workdir: Path) -> tuple[float, bytes]:
    """Seconds for one headless Chromium process to print `html`, and the PDF."""
    source, out, profile = workdir / "page.html", workdir / "out.pdf", workdir / "chromium-profile"
    source.write_text(html, encoding="utf-8")
    out.unlink(missing_ok=True)
    command = [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={profile}",
               "--no-pdf-header-footer", f"--print-to-pdf={out}", source.as_uri()]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, timeout=600, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0 or not out.exists():
        raise RuntimeError(f"chromium failed ({done.returncode}): {done.stderr.decode(errors='replace')[-2000:]}")
    return seconds, out.read_bytes()


def chromium_version() -> str | None:
    if not CHROMIUM.exists():
        return None
    done = subprocess.run([str(CHROMIUM), "--version"], capture_output=True, text=True, timeout=60, check=False)
    return done.stdout.strip() or None


def measure(app: Any, email_prefix: str, today: dt.date, runs: int, workdir: Path, chromium: bool) -> dict[str, Any]:
    from exports.documents import MANIFEST_NAME, render, render_html
    from exports.manifest import ManifestBuilder, manifest_digest, manifest_text
    from exports.pdf import BodyCache, EmbeddedFile, render_pdf
    from app.services.documents import KINDS
    from models.base import utcnow
    from models.documents import new_document_id

    engine = app.extensions["waymark.engine"]
    kind = KINDS["portfolio"]
    samples: list[dict[str, Any]] = []
    html, pdf, chrome_pdf = "", b"", b""
    for run in range(runs + 1):  # run 0 is the warm-up (imports, template compilation, font cache)
        session = app.extensions["waymark.sessions"]()
        cache_dir = Path(tempfile.mkdtemp(prefix="pdf-cache-", dir=workdir))  # empty: the first export
        try:
            subject = _user(session, email_prefix)
            session.expunge_all()  # gather loads everything itself, as a fresh job would
            subject = _user(session, email_prefix)
            builder = ManifestBuilder(kind.id, subject.id)
            with counting_queries(engine) as queries:
                t_gather, content = timed(lambda: kind.gather(session, subject, builder, {}, today))
            document_id = new_document_id()

            def html_step() -> tuple[str, str]:
                data = builder.manifest()
                text = manifest_text(data)
                return text, render_html(content, document_id=document_id, digest=manifest_digest(data),
                                         issued_at=utcnow())

            t_html, (manifest, html) = timed(html_step)
            t_one_pass, c_one_pass, _ = cpu_timed(lambda: render_pdf(html, identifier=document_id, attachments=[
                EmbeddedFile(MANIFEST_NAME, manifest.encode("utf-8"), f"Manifest of document {document_id}")]))
            t_pdf, c_pdf, first = cpu_timed(lambda: render(content, builder, document_id=new_document_id(),
                                                           issued_at=utcnow(), cache=BodyCache(cache_dir)))
            t_repeat, c_repeat, again = cpu_timed(lambda: render(content, builder, document_id=new_document_id(),
                                                                 issued_at=utcnow(), cache=BodyCache(cache_dir)))
            pdf = again.pdf
            if pages(first.pdf) != pages(again.pdf):
                raise RuntimeError("the repeat export has a different number of pages")
        finally:
            session.rollback()
            session.close()
            shutil.rmtree(cache_dir, ignore_errors=True)
        sample: dict[str, Any] = {"run": run, "warm_up": run == 0, "gather_s": t_gather, "queries": queries[0],
                                  "html_s": t_html, "one_pass_s": t_one_pass, "weasyprint_s": t_pdf,
                                  "repeat_s": t_repeat, "one_pass_cpu_s": c_one_pass, "weasyprint_cpu_s": c_pdf,
                                  "repeat_cpu_s": c_repeat, "load_average_1m": round(os.getloadavg()[0], 2)}
        if chromium:
            t_chrome, c_chrome, (_t, chrome_pdf) = cpu_timed(lambda: chromium_print(chromium_html(html), workdir))
            sample["chromium_s"] = t_chrome
            sample["chromium_cpu_s"] = c_chrome
        samples.append(sample)
        print(f"  run {run}{' (warm-up)' if run == 0 else ''}: gather {t_gather:.2f} s, html {t_html:.2f} s, "
              f"one pass {t_one_pass:.2f} s ({c_one_pass:.2f} CPU), weasyprint {t_pdf:.2f} s ({c_pdf:.2f} CPU), "
              f"repeat {t_repeat:.2f} s ({c_repeat:.2f} CPU)"
              + (f", chromium {sample['chromium_s']:.2f} s ({sample['chromium_cpu_s']:.2f} CPU)" if chromium else "")
              + f", load {sample['load_average_1m']}", file=sys.stderr, flush=True)
    timed_runs = [s for s in samples if not s["warm_up"]]

    def median(key: str) -> float:
        return round(float(statistics.median(s[key] for s in timed_runs)), 3)

    result: dict[str, Any] = {
        "median_s": {k: median(f"{k}_s") for k in ("gather", "html", "one_pass", "weasyprint", "repeat")
                     + (("chromium",) if chromium else ())},
        "median_cpu_s": {k: median(f"{k}_cpu_s") for k in ("one_pass", "weasyprint", "repeat")
                         + (("chromium",) if chromium else ())},
        "queries": timed_runs[-1]["queries"], "html_bytes": len(html.encode("utf-8")),
        "weasyprint_pdf": {"pages": pages(pdf), "bytes": len(pdf)},
        "samples": [{k: round(v, 4) if isinstance(v, float) else v for k, v in s.items()} for s in samples]}
    med = result["median_s"]
    med["waymark_total"] = round(med["gather"] + med["weasyprint"], 3)
    if chromium:
        result["chromium_pdf"] = {"pages": pages(chrome_pdf), "bytes": len(chrome_pdf)}
        result["weasyprint_over_chromium"] = round(med["weasyprint"] / med["chromium"], 2)
        result["one_pass_over_chromium"] = round(med["one_pass"] / med["chromium"], 2)
        result["repeat_over_chromium"] = round(med["repeat"] / med["chromium"], 2)
        cpu = result["median_cpu_s"]
        result["cpu_over_chromium"] = {k: round(cpu[k] / cpu["chromium"], 2) for k in ("one_pass", "weasyprint", "repeat")}
    return result


# --- the machine -----------------------------------------------------------------------------------

def machine() -> dict[str, Any]:
    cpu = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = None
    try:
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))  # type: ignore[union-attr]
        ram = round(kb / 1024 / 1024, 1)
    except (OSError, AttributeError):
        pass
    return {"nproc": len(os.sched_getaffinity(0)), "cpu_count": os.cpu_count(), "cpu_model": cpu, "ram_gib": ram,
            "load_average_at_start": [round(x, 2) for x in os.getloadavg()], "platform": platform.platform()}


def versions(app: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"python": platform.python_version(), "chromium": chromium_version()}
    for package in ("weasyprint", "pydyf", "sqlalchemy", "pypdf", "flask"):
        try:
            out[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            out[package] = None
    engine = app.extensions["waymark.engine"]
    out["database_backend"] = engine.dialect.name
    with engine.connect():  # the dialect learns the server version on connecting
        out["database_server"] = ".".join(str(p) for p in engine.dialect.server_version_info or ())
    return out


# --- main --------------------------------------------------------------------------------------------

def table(results: dict[str, Any], chromium: bool) -> str:
    head = ["portfolio", "pages", "gather s", "html s", "one pass s", "WeasyPrint s", "repeat s", "Waymark total s"]
    if chromium:
        head += ["Chromium s", "Chr. pages", "one pass ÷ Chr.", "WeasyPrint ÷ Chr.", "repeat ÷ Chr."]
    head += ["queries", "PDF KiB (WP" + ("/Chr" if chromium else "") + ")"]
    rows = [head]
    for key, r in results.items():
        m = r["median_s"]
        row = [key, str(r["weasyprint_pdf"]["pages"]), f"{m['gather']:.2f}", f"{m['html']:.2f}",
               f"{m['one_pass']:.2f}", f"{m['weasyprint']:.2f}", f"{m['repeat']:.2f}", f"{m['waymark_total']:.2f}"]
        if chromium:
            row += [f"{m['chromium']:.2f}", str(r["chromium_pdf"]["pages"]), f"{r['one_pass_over_chromium']:.2f}",
                    f"{r['weasyprint_over_chromium']:.2f}", f"{r['repeat_over_chromium']:.2f}"]
        size = f"{r['weasyprint_pdf']['bytes'] / 1024:.0f}"
        if chromium:
            size += f"/{r['chromium_pdf']['bytes'] / 1024:.0f}"
        row += [str(r["queries"]), size]
        rows.append(row)
    return common.table(head, rows[1:])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pdf_portfolio", description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="timed runs per portfolio; the median is reported")
    parser.add_argument("--database-url", default=None,
                        help="an EMPTY database to use instead of a throwaway SQLite file (e.g. PostgreSQL)")
    parser.add_argument("--output", type=Path, default=RESULTS / "pdf_portfolio.json")
    parser.add_argument("--note", action="append", default=[], help="a note to keep in the JSON (repeatable)")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")

    from app.services import document_kinds  # registers the kinds in app.services.documents.KINDS
    del document_kinds

    chromium = CHROMIUM.exists()
    if not chromium:
        print(f"{CHROMIUM} is missing: the Chromium column is skipped (this benchmark never downloads a browser).",
              file=sys.stderr)
    today = dt.date.today()
    started_at = dt.datetime.now(dt.UTC)
    machine_info = machine()
    with tempfile.TemporaryDirectory(prefix="waymark-bench-") as tmp:
        workdir = Path(tmp)
        app = build_app(workdir, args.database_url)
        with app.app_context():
            print("Building the database (migrations, demo, Owen's earlier four years)…", file=sys.stderr, flush=True)
            setup = load_data(app, today)
            session = app.extensions["waymark.sessions"]()
            counts = {key: record_counts(session, _user(session, prefix)) for key, prefix, _ in SUBJECTS}
            session.close()
            chromium_startup = None
            if chromium:
                chromium_startup = round(statistics.median(
                    chromium_print("<!DOCTYPE html><title>x</title><p>x</p>", workdir)[0] for _ in range(args.runs)), 3)
            results = {}
            for key, prefix, _what in SUBJECTS:
                print(f"Timing the {key} portfolio…", file=sys.stderr, flush=True)
                results[key] = measure(app, prefix, today, args.runs, workdir, chromium)
                results[key]["records"] = counts[key]
            version_info = versions(app)
            app.extensions["waymark.engine"].dispose()
        url = make_url(args.database_url) if args.database_url else None
    report = {
        "benchmark": "pdf_portfolio",
        "date": started_at.isoformat(timespec="seconds"),
        "today_used": today.isoformat(),
        "runs": args.runs,
        "machine": machine_info,
        "versions": version_info,
        "database": {"backend": version_info["database_backend"],
                     "url": url.render_as_string(hide_password=True) if url else "sqlite (throwaway file)"},
        "subjects": {key: what for key, _p, what in SUBJECTS},
        "setup_ms": setup,
        "chromium_startup_s": chromium_startup,
        "results": results,
        "notes": [
            "Medians of the timed runs; run 0 of each portfolio is an untimed warm-up (its figures are in samples).",
            "gather: KINDS['portfolio'].gather in a fresh session; html: manifest digest + render_html of the whole "
            "document (what Chromium prints); one_pass: render_pdf of that HTML (PDF/A-3b with the manifest "
            "attached), how exports.documents.render worked before issue 9; weasyprint: exports.documents.render "
            "with an empty section cache (sections laid out in parallel, the frame, the stamping: the first "
            "export); repeat: exports.documents.render again with a new document id and the cache that run filled "
            "(an unchanged portfolio exported again). waymark_total = gather + weasyprint.",
            "*_cpu_s and median_cpu_s: CPU seconds of this process and its reaped children (the forked layout "
            "workers; Chromium's processes), which still compare when the machine is busy and wall seconds do not; "
            "parallel layout shows in wall seconds only.",
            "chromium: one headless Chromium process per run printing the same HTML with print.css inlined, "
            "--no-pdf-header-footer (the CSS page boxes give the headers); start-up is included, and "
            "chromium_startup_s is the same command printing a one-line page.",
            *args.note,
        ],
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print()
    print(table(results, chromium))
    print("\nCPU seconds (this process and its children; comparable on a busy machine):")
    for key, r in results.items():
        cpu = r["median_cpu_s"]
        print(f"  {key}: " + ", ".join(f"{k} {v:.2f}" for k, v in cpu.items())
              + ("; ÷ Chromium: " + ", ".join(f"{k} {v:.2f}" for k, v in r["cpu_over_chromium"].items())
                 if chromium else ""))
    if chromium_startup is not None:
        print(f"\nChromium start-up alone (a one-line page): {chromium_startup:.2f} s")
    print(f"Medians of {args.runs} run(s) on {version_info['database_backend']}; "
          f"{machine_info['nproc']} CPUs, load {machine_info['load_average_at_start']}. Written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
