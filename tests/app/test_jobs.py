"""Jobs: the personal data export end to end on the in-process worker and on RQ, failed parts listed while the
rest complete, a killed worker's job resumed from where it stopped, atomic files, retention, and ownership."""
import datetime as dt
import hashlib
import io
import json
import os
import shutil
import uuid
import zipfile
from pathlib import Path

import pytest

from app.jobs import runner
from app.services import evidence as evidence_service, jobs
from app.services.documents import PDF_CACHE
from app.services.job_kinds import PERSONAL_DATA, personal_data_items
from exports import personal_data
from models import AuditEvent, CpdActivity
from models.jobs import ItemStatus, Job, JobStatus
from tests.evidence_files import PDF
from tests.factories import make_user

TODAY = dt.date.today()


@pytest.fixture
def owner(session):
    return make_user(session, full_name="Rachel Adeyemi", email="rachel@example.org")


def _cpd(session, owner, title="Trauma-focused CBT workshop"):
    session.add(CpdActivity(owner_id=owner.id, start_on=TODAY, end_on=TODAY, title=title, category="formal",
                            minutes=180, reflection_learned="Pacing imaginal reliving"))
    session.flush()


def _evidence(app, session, owner):
    store = Path(app.config["UPLOAD_DIR"]) / "evidence"
    return evidence_service.store_upload(
        session, owner, io.BytesIO(PDF), "certificate.pdf", store_dir=store, max_bytes=10_000_000,
        details=evidence_service.EvidenceDetails(title="Certificate", kind="certificate", dated_on=TODAY),
        today=TODAY)


def _start_export(client):
    response = client.submit("/jobs/personal-data", {})
    assert response.status_code == 302
    return int(response.headers["Location"].rsplit("/", 1)[1])


def _download(client, job_id):
    response = client.get(f"/jobs/{job_id}/download")
    assert response.status_code == 200
    data = response.get_data()
    response.close()
    return data


def _zip(client, job_id):
    return zipfile.ZipFile(io.BytesIO(_download(client, job_id)))


def test_a_person_exports_everything_held_about_them_on_the_in_process_worker(app, client, session, owner, login_as):
    _cpd(session, owner)
    item = _evidence(app, session, owner)
    other = make_user(session, full_name="Someone Else")
    _cpd(session, other, title="Not Rachel's workshop")
    session.commit()
    login_as(owner)
    job_id = _start_export(client)
    assert runner.thread_worker(app).wait(60)

    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    job = session.get(Job, job_id)
    assert (job.status, job.error, [(i.key, i.error) for i in job.items if i.error]) == (JobStatus.DONE, None, [])
    total = len(personal_data_items())
    assert "Finished" in page and f'<span data-field="done">{total}</span> of {total}' in page
    archive = _zip(client, job_id)
    names = set(archive.namelist())
    assert {"README.txt", "manifest.json", "records/cpd.json", "records/account.json"} <= names
    portfolio = [n for n in names if n.startswith("portfolio/") and n.endswith(".pdf")]
    assert len(portfolio) == 1
    from app.services import verify
    assert verify.verify_file(session, archive.read(portfolio[0])).outcome == verify.AUTHENTIC
    cpd = json.loads(archive.read("records/cpd.json"))
    assert [r["title"] for r in cpd["records"]] == ["Trauma-focused CBT workshop"]
    assert cpd["records"][0]["reflection_learned"] == "Pacing imaginal reliving"
    account = json.loads(archive.read("records/account.json"))["records"][0]
    assert account["email"] == "rachel@example.org"
    assert "password_hash" not in account and "session_token" not in account
    evidence_name = f"evidence/{item.file_sha256[:16]}-certificate.pdf"
    assert archive.read(evidence_name) == PDF
    manifest = json.loads(archive.read("manifest.json"))
    for name, sha in manifest.items():
        assert hashlib.sha256(archive.read(name)).hexdigest() == sha, name
    job = session.get(Job, job_id)
    session.refresh(job)
    assert job.result_sha256 == hashlib.sha256(_download(client, job_id)).hexdigest()
    actions = {e.action for e in session.query(AuditEvent).filter(AuditEvent.object_type == "jobs")}
    assert {"job_created", "job_finished", "job_result_downloaded"} <= actions


def test_nobody_else_sees_or_downloads_someone_elses_job(app, client, session, owner, login_as):
    session.commit()
    job = jobs.create(session, kind=PERSONAL_DATA, title="Export", actor=owner, items=personal_data_items(),
                      params={"person_id": owner.id, "evidence_dir": "/nonexistent"})
    intruder = make_user(session, full_name="Curious Colleague")
    session.commit()
    login_as(intruder)
    for url in (f"/jobs/{job.id}", f"/jobs/{job.id}/progress.json", f"/jobs/{job.id}/download"):
        assert client.get(url).status_code == 404, url
    assert f"/jobs/{job.id}" not in client.get("/jobs").get_data(as_text=True)


def test_progress_is_reported_as_json_for_the_page_script(app, client, session, owner, login_as):
    session.commit()
    job = jobs.create(session, kind=PERSONAL_DATA, title="Export", actor=owner, items=personal_data_items(),
                      params={"person_id": owner.id, "evidence_dir": "/nonexistent"})
    session.commit()
    login_as(owner)
    data = client.get(f"/jobs/{job.id}/progress.json").get_json()
    assert data == {"status": "queued", "status_text": "Waiting to start", "done": 0,
                    "total": len(personal_data_items()), "failed": 0, "current": None, "percent": 0,
                    "elapsed_seconds": None, "remaining_seconds": None}
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "Check progress" in page and "jobs.js" in page and "http-equiv" not in page


# --- the runner with a kind made for the test ------------------------------------------------------------

CALLS: list[str] = []


def _flaky_item(session, job, item, root):
    CALLS.append(item.key)
    if item.key == "boom" and jobs.params_of(job).get("fail_boom"):
        raise ValueError("the record for boom cannot be read")
    if item.key == "crash" and jobs.params_of(job).get("crash"):
        def chunks():
            yield b"half of a file"
            raise KeyboardInterrupt  # the worker is killed while writing
        jobs.write_atomically(root, f"job-{job.id}/{item.key}.txt", chunks())
    return jobs.write_atomically(root, f"job-{job.id}/{item.key}.txt", [item.key.encode()])


def _zip_items(session, job, items, root):
    def write(out):
        with zipfile.ZipFile(out, "w") as archive:
            for item in items:
                if item.output_file:
                    archive.write(root / item.output_file, Path(item.output_file).name)
    return jobs.write_file_atomically(root, f"job-{job.id}/all.zip", write)


jobs.register(jobs.JobKind("test_flaky", _flaky_item, _zip_items))


def _job(session, owner, keys, **params):
    job = jobs.create(session, kind="test_flaky", title="Test", actor=owner, items=[(k, k) for k in keys],
                      params=params)
    session.commit()
    return job


def _reload(session, job_id):
    session.expire_all()
    return session.get(Job, job_id)


def test_a_failed_part_is_listed_with_its_reason_while_the_rest_complete_and_can_be_retried(app, session, owner):
    job = _job(session, owner, ["a", "boom", "c"], fail_boom=True)
    root = Path(app.config["JOBS_DIR"])
    factory = app.extensions["waymark.sessions"]
    jobs.run(factory, job.id, root)
    job = _reload(session, job.id)
    assert (job.status, job.done, job.failed) == (JobStatus.DONE, 3, 1)
    failed = [i for i in job.items if i.status is ItemStatus.FAILED]
    assert [(i.key, i.error) for i in failed] == [("boom", "the record for boom cannot be read")]
    assert sorted(zipfile.ZipFile(root / job.result_file).namelist()) == ["a.txt", "c.txt"]

    # The cause is fixed; only the failed part runs again.
    job.params = json.dumps({})
    jobs.resume(session, job, dt.datetime.now(dt.timezone.utc))
    session.commit()
    CALLS.clear()
    jobs.run(factory, job.id, root)
    job = _reload(session, job.id)
    assert CALLS == ["boom"]
    assert (job.status, job.done, job.failed) == (JobStatus.DONE, 3, 0)
    assert sorted(zipfile.ZipFile(root / job.result_file).namelist()) == ["a.txt", "boom.txt", "c.txt"]


def test_a_killed_worker_leaves_no_half_written_file_and_the_job_resumes_where_it_stopped(app, session, owner):
    job = _job(session, owner, ["a", "b", "crash", "d"], crash=True)
    root = Path(app.config["JOBS_DIR"])
    factory = app.extensions["waymark.sessions"]
    CALLS.clear()
    with pytest.raises(KeyboardInterrupt):
        jobs.run(factory, job.id, root)
    job = _reload(session, job.id)
    assert job.status is JobStatus.RUNNING and job.done == 2 and job.current_item == "crash"
    folder = root / f"job-{job.id}"
    assert sorted(p.name for p in folder.iterdir()) == ["a.txt", "b.txt"]  # no .part- file, no crash.txt

    now = dt.datetime.now(dt.timezone.utc)
    assert not jobs.stalled(job, now)
    later = now + jobs.STALL_AFTER + dt.timedelta(seconds=1)
    assert jobs.stalled(job, later) and jobs.can_resume(job, later)
    # A second worker does not take a job that is still running and not stalled.
    jobs.run(factory, job.id, root, clock=lambda: now)
    assert _reload(session, job.id).done == 2

    job.params = json.dumps({})
    session.commit()
    CALLS.clear()
    jobs.run(factory, job.id, root, clock=lambda: later)
    job = _reload(session, job.id)
    assert CALLS == ["crash", "d"]
    assert (job.status, job.done, job.failed, job.attempts) == (JobStatus.DONE, 4, 0, 2)


def test_a_file_cannot_be_written_outside_the_jobs_folder(tmp_path):
    with pytest.raises(ValueError):
        jobs.write_atomically(tmp_path / "jobs", "../escape.txt", [b"x"])
    assert not (tmp_path / "escape.txt").exists()


def test_retention_deletes_old_files_but_keeps_the_record_of_who_asked(app, session, owner):
    job = _job(session, owner, ["a"])
    root = Path(app.config["JOBS_DIR"])
    jobs.run(app.extensions["waymark.sessions"], job.id, root)
    job = _reload(session, job.id)
    result = root / job.result_file
    assert result.is_file()
    now = job.finished_at
    assert jobs.purge(session, root, older_than=dt.timedelta(days=30), now=now + dt.timedelta(days=29)) == 0
    assert jobs.purge(session, root, older_than=dt.timedelta(days=30), now=now + dt.timedelta(days=31)) == 1
    session.commit()
    assert not result.exists() and not (root / f"job-{job.id}/a.txt").exists()
    job = _reload(session, job.id)
    assert job.result_file is None and job.requested_by_id == owner.id and job.result_sha256


def test_every_table_that_names_a_person_is_exported_or_left_out_with_a_reason():
    exported = {s.table for s in personal_data.SECTIONS}
    missing = {t for t, _ in personal_data.person_columns() if t not in exported and t not in personal_data.NOT_EXPORTED}
    assert missing == set()


# --- the same job on RQ ---------------------------------------------------------------------------------

def _redis_url():
    import redis

    url = "redis://127.0.0.1:6379/0"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=0.5).ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("WAYMARK_REQUIRE_REDIS"):
            raise
        pytest.skip("no Redis on 127.0.0.1:6379 (CI sets WAYMARK_REQUIRE_REDIS=1 and starts one)")
    return url


def test_the_export_runs_the_same_way_on_an_rq_worker(app, client, session, owner, login_as, monkeypatch):
    from rq import SimpleWorker

    url = _redis_url()
    queue_name = f"waymark-test-{uuid.uuid4().hex[:8]}"
    app.config.update(REDIS_URL=url, RQ_QUEUE=queue_name)
    monkeypatch.setattr(runner, "_worker_app", app)
    _cpd(session, owner)
    session.commit()
    login_as(owner)
    job_id = _start_export(client)
    queue = runner.rq_queue(url, queue_name)
    sqlite = app.extensions["waymark.engine"].dialect.name == "sqlite"
    try:
        # On PostgreSQL the export is queued as parts that share its items; SQLite cannot share them.
        assert queue.count == (1 if sqlite else min(runner.PARTS, len(personal_data_items())))
        assert _reload(session, job_id).status is JobStatus.QUEUED
        SimpleWorker([queue], connection=queue.connection).work(burst=True)
    finally:
        queue.empty()
        queue.delete()
    job = _reload(session, job_id)
    # One worker did every item in the first part; the other parts found nothing left and did not count as attempts.
    assert job.status is JobStatus.DONE and job.failed == 0 and job.attempts == 1
    cpd = json.loads(_zip(client, job_id).read("records/cpd.json"))
    assert [r["title"] for r in cpd["records"]] == ["Trauma-focused CBT workshop"]


def test_the_purge_command_uses_the_retention_setting(app, session, owner):
    job = _job(session, owner, ["a"])
    root = Path(app.config["JOBS_DIR"])
    jobs.run(app.extensions["waymark.sessions"], job.id, root)
    job = _reload(session, job.id)
    runner_cli = app.test_cli_runner()
    result = runner_cli.invoke(args=["jobs", "purge"])
    assert result.exit_code == 0 and "Deleted the files of 0 jobs finished more than 30 days ago." in result.output
    job.finished_at = job.finished_at - dt.timedelta(days=31)
    session.commit()
    result = runner_cli.invoke(args=["jobs", "purge"])
    assert "Deleted the files of 1 job finished more than 30 days ago." in result.output
    assert not (root / f"job-{job.id}").joinpath("all.zip").exists()


# --- one job shared by several workers ---------------------------------------------------------------

def test_a_part_of_the_running_attempt_joins_in_while_other_callers_leave_the_job_alone(app, session, owner):
    job = _job(session, owner, ["a", "crash", "c", "d"], crash=True)
    root = Path(app.config["JOBS_DIR"])
    factory = app.extensions["waymark.sessions"]
    CALLS.clear()
    with pytest.raises(KeyboardInterrupt):
        jobs.run(factory, job.id, root, attempt=1)  # the first part stops inside "crash", still running
    job = _reload(session, job.id)
    assert (job.status, job.attempts, job.done) == (JobStatus.RUNNING, 1, 1)
    job.params = json.dumps({})
    session.commit()
    now = dt.datetime.now(dt.timezone.utc)
    jobs.run(factory, job.id, root, clock=lambda: now)  # a worker with no part of this attempt
    jobs.run(factory, job.id, root, clock=lambda: now, attempt=2)  # a part of another attempt
    assert _reload(session, job.id).done == 1
    CALLS.clear()
    jobs.run(factory, job.id, root, clock=lambda: now, attempt=1)  # the second part of attempt 1
    job = _reload(session, job.id)
    assert CALLS == ["crash", "c", "d"]
    assert (job.status, job.done, job.failed, job.attempts) == (JobStatus.DONE, 4, 0, 1)
    assert sorted(zipfile.ZipFile(root / job.result_file).namelist()) == ["a.txt", "c.txt", "crash.txt", "d.txt"]
    jobs.run(factory, job.id, root, attempt=1)  # a part that starts after the end does nothing
    assert _reload(session, job.id).attempts == 1


def test_a_part_queued_for_an_attempt_that_failed_does_not_start_it_again(app, session, owner):
    job = _job(session, owner, ["boom"], fail_boom=True)
    root = Path(app.config["JOBS_DIR"])
    factory = app.extensions["waymark.sessions"]
    jobs.run(factory, job.id, root, attempt=1)
    job = _reload(session, job.id)
    assert (job.status, job.error, job.attempts) == (JobStatus.FAILED, "every item failed", 1)
    CALLS.clear()
    jobs.run(factory, job.id, root, attempt=1)
    assert CALLS == [] and _reload(session, job.id).attempts == 1


SLOW: dict[str, list[str]] = {}


def _slow_item(session, job, item, root):
    import threading
    import time

    time.sleep(0.15)  # long enough that both workers are busy at once
    SLOW.setdefault(item.key, []).append(threading.current_thread().name)
    if item.key == "k3":
        raise ValueError("k3 cannot be read")
    return jobs.write_atomically(root, f"job-{job.id}/{item.key}.txt", [item.key.encode()])


jobs.register(jobs.JobKind("test_slow", _slow_item, _zip_items))


@pytest.mark.postgres
def test_two_workers_share_one_jobs_items_each_done_once_and_counted_exactly(app, session, owner):
    import threading

    keys = [f"k{n}" for n in range(12)]
    job = jobs.create(session, kind="test_slow", title="Shared", actor=owner, items=[(k, k) for k in keys])
    session.commit()
    root = Path(app.config["JOBS_DIR"])
    factory = app.extensions["waymark.sessions"]
    SLOW.clear()
    errors: list[BaseException] = []

    def part():
        try:
            jobs.run(factory, job.id, root, attempt=1)
        except BaseException as exc:  # noqa: BLE001 — reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=part, name=f"worker-{n}") for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert sorted(SLOW) == sorted(keys) and all(len(ran) == 1 for ran in SLOW.values())
    assert {ran[0] for ran in SLOW.values()} == {"worker-0", "worker-1"}  # both did some of the work
    job = _reload(session, job.id)
    assert (job.status, job.done, job.failed, job.attempts) == (JobStatus.DONE, 12, 1, 1)
    assert [i.key for i in job.items if i.status is ItemStatus.FAILED] == ["k3"]
    names = sorted(zipfile.ZipFile(root / job.result_file).namelist())
    assert names == sorted(f"{k}.txt" for k in keys if k != "k3")
    finished = session.query(AuditEvent).filter(AuditEvent.object_type == "jobs", AuditEvent.action == "job_finished")
    assert finished.count() == 1  # finished once, by whichever worker was last


# --- the PDF section cache is bound by the retention ----------------------------------------------------

def _cache_entry(cache_dir, key, days_unused, now):
    from exports.pdf import Body, BodyCache

    BodyCache(cache_dir).put(key, Body(b"%PDF-1.7 private", ()))
    when = now.timestamp() - days_unused * 86400
    for path in (cache_dir / f"{key}.pdf", cache_dir / f"{key}.json"):
        os.utime(path, (when, when))


def test_purging_deletes_cached_sections_unused_for_the_retention_or_a_week_whichever_is_shorter(tmp_path):
    now = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.timezone.utc)
    cache = tmp_path / ".pdf-sections"
    _cache_entry(cache, "a" * 64, 1, now)
    _cache_entry(cache, "b" * 64, 4, now)
    _cache_entry(cache, "c" * 64, 8, now)
    (cache / "d.json").write_text("{}")  # left by a write that was interrupted before its PDF
    (cache / ".tmp-x.pdf").write_bytes(b"half")
    for leftover in (cache / "d.json", cache / ".tmp-x.pdf"):
        os.utime(leftover, (now.timestamp() - 5 * 86400,) * 2)
    assert jobs.purge_pdf_cache(cache, older_than=dt.timedelta(days=30), now=now) == 1  # the cache's own week
    assert sorted(p.name for p in cache.iterdir()) == [".tmp-x.pdf", "a" * 64 + ".json", "a" * 64 + ".pdf",
                                                       "b" * 64 + ".json", "b" * 64 + ".pdf", "d.json"]
    assert jobs.purge_pdf_cache(cache, older_than=dt.timedelta(days=3), now=now) == 1  # a retention under a week
    assert sorted(p.name for p in cache.iterdir()) == ["a" * 64 + ".json", "a" * 64 + ".pdf"]
    assert jobs.purge_pdf_cache(tmp_path / "never-made", older_than=dt.timedelta(days=3), now=now) == 0


def test_the_purge_command_deletes_cached_sections_older_than_a_short_retention(app, session, owner):
    from models.base import utcnow

    app.config["EXPORT_RETENTION_DAYS"] = 2
    cache = Path(app.config["JOBS_DIR"]) / PDF_CACHE
    _cache_entry(cache, "a" * 64, 1, utcnow())
    _cache_entry(cache, "b" * 64, 3, utcnow())
    result = app.test_cli_runner().invoke(args=["jobs", "purge"])
    assert result.exit_code == 0, result.output
    assert "Deleted 1 cached PDF section unused for 2 days or more." in result.output
    assert sorted(p.stem for p in cache.glob("*.pdf")) == ["a" * 64]


def test_a_personal_data_export_leaves_no_laid_out_sections_behind(app, session, owner):
    _cpd(session, owner)
    job = jobs.create(session, kind=PERSONAL_DATA, title="Export", actor=owner, items=personal_data_items(),
                      params={"person_id": owner.id, "evidence_dir": str(Path(app.config["UPLOAD_DIR"]) / "evidence")})
    session.commit()
    runner.run_in(app, job.id)
    job = _reload(session, job.id)
    assert job.status is JobStatus.DONE and any(i.key == "portfolio_pdf" and i.output_file for i in job.items)
    assert not (Path(app.config["JOBS_DIR"]) / PDF_CACHE).exists()


# --- how many processes lay out a PDF ---------------------------------------------------------------------

def _document_job(session, owner):
    from app.services.job_kinds import DOCUMENTS

    job = jobs.create(session, kind=DOCUMENTS, title="Portfolio", actor=owner, items=[(str(owner.id), owner.full_name)],
                      params={"kind": "portfolio"})
    session.commit()
    return job


def test_pdf_render_processes_reaches_the_layout_from_the_worker_config(app, session, owner, monkeypatch):
    from exports import pdf as pdf_module

    _cpd(session, owner)
    pools = []
    real_pool = pdf_module.ProcessPoolExecutor

    def counting_pool(*args, **kwargs):
        pools.append(kwargs["max_workers"])
        return real_pool(*args, **kwargs)

    monkeypatch.setattr(pdf_module.os, "sched_getaffinity", lambda _pid: {0, 1})
    monkeypatch.setattr(pdf_module, "ProcessPoolExecutor", counting_pool)
    assert app.config["PDF_RENDER_PROCESSES"] == 2
    first = _document_job(session, owner)
    runner.run_in(app, first.id)
    assert _reload(session, first.id).status is JobStatus.DONE and pools == [2]

    shutil.rmtree(Path(app.config["JOBS_DIR"]) / PDF_CACHE)  # else every section would come from the cache
    app.config["PDF_RENDER_PROCESSES"] = 1
    second = _document_job(session, owner)
    runner.run_in(app, second.id)
    job = _reload(session, second.id)
    assert (job.status, job.error, [i.error for i in job.items]) == (JobStatus.DONE, None, [None])
    assert pools == [2]  # no second pool: the sections were laid out in the worker itself
