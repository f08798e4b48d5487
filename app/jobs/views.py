"""Following a job: its progress page (a "Check progress" button, and self-updating where JavaScript runs),
its result download, resuming it after a failure; and starting the personal data export.

A job is seen only by the person who asked for it.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from flask import current_app, flash, jsonify, redirect, render_template, send_file, url_for
from flask_login import current_user
from app.forms import WaymarkForm
from sqlalchemy import select
from werkzeug.wrappers import Response

from app.config import evidence_dir
from app.database import db
from app.jobs import bp
from app.jobs.runner import enqueue
from app.security import ensure, requires, signed_in
from app.services import job_access, job_kinds, jobs
from app.services.errors import DomainError
from models import User
from models.audit import record
from models.base import utcnow
from models.jobs import Job


class ConfirmForm(WaymarkForm):
    """A button only: the CSRF token is the whole form."""


def _own_job(job_id: int) -> Job:
    """The requester's job, if they may still have what it makes (access is checked again, not just at the start)."""
    job = db().get(Job, job_id)
    ensure(job is not None and job.requested_by_id == current_user.id
           and job_access.still_allowed(db(), current_user, job, dt.date.today()), hide=True)
    assert job is not None
    return job


@bp.route("")
@requires(signed_in)
def index() -> str:
    mine = list(db().scalars(select(Job).where(Job.requested_by_id == current_user.id)
                             .order_by(Job.created_at.desc(), Job.id.desc()).limit(50)))
    return render_template("jobs/index.html", jobs=mine, now=utcnow())


@bp.route("/<int:job_id>")
@requires(signed_in, "own_job")
def show(job_id: int) -> str:
    job = _own_job(job_id)
    now = utcnow()
    return render_template("jobs/show.html", job=job, progress=jobs.progress(job, now),
                           can_resume=jobs.can_resume(job, now), stalled=jobs.stalled(job, now),
                           failed_items=[i for i in job.items if i.error], form=ConfirmForm())


@bp.route("/<int:job_id>/progress.json")
@requires(signed_in, "own_job")
def progress_json(job_id: int) -> Response:
    job = _own_job(job_id)
    now = utcnow()
    p = jobs.progress(job, now)
    stalled = jobs.stalled(job, now)
    return jsonify(status="stalled" if stalled else job.status.value,
                   status_text="Stopped: the worker running it was interrupted" if stalled else job.status.label, done=p.done, total=p.total,
                   failed=p.failed, current=p.current, percent=p.percent,
                   elapsed_seconds=int(p.elapsed.total_seconds()) if p.elapsed else None,
                   remaining_seconds=int(p.remaining.total_seconds()) if p.remaining else None)


@bp.route("/<int:job_id>/download")
@requires(signed_in, "own_job")
def download(job_id: int) -> Response:
    job = _own_job(job_id)
    ensure(job.result_file is not None, hide=True)
    assert job.result_file is not None
    path = Path(current_app.config["JOBS_DIR"]) / job.result_file
    ensure(path.is_file(), hide=True)
    record(db(), "job_result_downloaded", "jobs", job.id, actor_id=current_user.id,
           detail={"sha256": job.result_sha256})
    db().commit()
    return send_file(path, as_attachment=True, download_name=job.result_name or path.name, max_age=0)


@bp.route("/<int:job_id>/resume", methods=["POST"])
@requires(signed_in, "own_job")
def resume(job_id: int) -> Response:
    job = _own_job(job_id)
    form = ConfirmForm()
    ensure(form.validate_on_submit())
    try:
        jobs.resume(db(), job, utcnow())
    except DomainError as err:
        flash(str(err))
        return redirect(url_for("jobs.show", job_id=job.id))
    db().commit()
    enqueue(job.id)
    flash("The job was started again; parts already finished are kept.")
    return redirect(url_for("jobs.show", job_id=job.id))


@bp.route("/personal-data", methods=["GET", "POST"])
@requires(signed_in)
def personal_data() -> str | Response:
    """Anyone may export everything Waymark holds about them."""
    form = ConfirmForm()
    if form.validate_on_submit():
        me: User = current_user._get_current_object()  # type: ignore[attr-defined]
        job = jobs.create(db(), kind=job_kinds.PERSONAL_DATA, title=f"Personal data export for {me.full_name}",
                          actor=me, items=job_kinds.personal_data_items(),
                          params={"person_id": me.id, "evidence_dir": str(evidence_dir(current_app.config))})
        db().commit()
        enqueue(job.id)
        return redirect(url_for("jobs.show", job_id=job.id))
    return render_template("jobs/personal_data.html", form=form)
