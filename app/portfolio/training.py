"""The training course record: courses with their learning hours, assessed case studies and university supervision.

The three kinds of entry on a course share one set of routes (/training/<course>/<part>/…), told
apart by `PARTS`: each names its model, form, save service and wording.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response

from app.database import db
from app.forms import attach_error
from app.portfolio import bp
from app.portfolio.common import load_person, may_change, today
from app.portfolio.ratings import change_and_flash
from app.portfolio.training_forms import CaseStudyForm, CourseForm, HoursForm, UniversitySupervisionForm
from app.security import ensure, requires, signed_in
from app.services import training as service
from app.services.errors import DomainError
from app.services.ratings import ctsr_scale
from competences.frameworks import pass_mark
from models import User
from models.reference_data import catalogue_for
from models.training import (AssessedCaseStudy, TrainingCourse, TrainingHoursEntry, UniversitySupervision)
from models.training_snapshot import training_hours_for


@dataclasses.dataclass(frozen=True)
class Part:
    model: type[Any]
    form: type[FlaskForm]
    save: Callable[..., Any]
    #: "learning hours" as in "Record learning hours".
    noun: str
    #: The id of the section on the course page.
    anchor: str


PARTS: dict[str, Part] = {
    "hours": Part(TrainingHoursEntry, HoursForm, service.save_hours, "learning hours", "hours"),
    "case-studies": Part(AssessedCaseStudy, CaseStudyForm, service.save_case_study, "an assessed case study",
                         "case-studies"),
    "university-supervision": Part(UniversitySupervision, UniversitySupervisionForm,
                                   service.save_university_supervision, "university supervision",
                                   "university-supervision"),
}


def _load_course(person: User, course_id: int, *, live: bool = False) -> TrainingCourse:
    course = db().scalar(select(TrainingCourse).where(TrainingCourse.id == course_id,
                                                      TrainingCourse.owner_id == person.id))
    ensure(course is not None and not (live and course.is_deleted), hide=True)
    assert course is not None
    return course


def _part(name: str) -> Part:
    part = PARTS.get(name)
    if part is None:
        abort(404)
    return part


def _load_part_entry(part: Part, course: TrainingCourse, entry_id: int, *, live: bool = False) -> Any:
    entry = db().scalar(select(part.model).where(part.model.id == entry_id, part.model.course_id == course.id))
    ensure(entry is not None and not (live and entry.is_deleted), hide=True)
    return entry


def _live(model: Any, course_id: int, *order: Any) -> list[Any]:
    return list(db().scalars(select(model).where(model.course_id == course_id, model.deleted_at.is_(None))
                             .order_by(*order, model.id)))


@bp.route("/training")
@requires(signed_in, "can_read_log")
def training(user_id: int) -> str:
    person = load_person(user_id)
    session = db()
    catalogue = catalogue_for(session)
    courses = list(session.scalars(select(TrainingCourse).where(TrainingCourse.owner_id == person.id,
                                                                TrainingCourse.deleted_at.is_(None))
                                   .order_by(TrainingCourse.started_on.desc(), TrainingCourse.id.desc())))
    totals = service.hours_totals_by_course(session, person.id)
    return render_template("portfolio/training_list.html", person=person, can_change=may_change(person),
                           courses=courses, totals=totals, empty=service.empty_totals(), kinds=service.HOUR_KINDS,
                           course_kinds=service.COURSE_KINDS, statuses=service.STATUSES,
                           mts=service.mts_results(catalogue, training_hours_for(session, person.id), today()))


@bp.route("/training/<int:course_id>")
@requires(signed_in, "can_read_log")
def training_course(user_id: int, course_id: int) -> str:
    person = load_person(user_id)
    course = _load_course(person, course_id)
    totals = service.hours_totals_by_course(db(), person.id).get(course.id, service.empty_totals())
    scale = ctsr_scale(catalogue_for(db()))
    return render_template(
        "portfolio/training_course.html", person=person, can_change=may_change(person), course=course, totals=totals,
        kinds=service.HOUR_KINDS, course_kinds=service.COURSE_KINDS, statuses=service.STATUSES,
        results=service.CASE_STUDY_RESULTS, default_pass_mark=pass_mark(scale), ctsr_max=scale.max_total,
        hours=_live(TrainingHoursEntry, course.id, TrainingHoursEntry.start_on),
        case_studies=_live(AssessedCaseStudy, course.id, AssessedCaseStudy.submitted_on),
        supervision=_live(UniversitySupervision, course.id, UniversitySupervision.occurred_on))


def _save_course(person: User, course: TrainingCourse | None) -> tuple[str, int] | Response:
    session = db()
    form = CourseForm(data=CourseForm.data_of(course) if course is not None and request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            if course is None:
                course = service.create_course(session, person, form.details(), catalogue=catalogue_for(session))
                message = f"Course “{course.title}” recorded."
            else:
                service.update_course(session, course, form.details(), catalogue=catalogue_for(session))
                message = f"Course “{course.title}” saved."
        except DomainError as err:
            session.rollback()
            attach_error(form, err)
        else:
            session.commit()
            flash(message)
            return redirect(url_for("portfolio.training_course", user_id=person.id, course_id=course.id))
    back = (url_for("portfolio.training_course", user_id=person.id, course_id=course.id) if course is not None
            else url_for("portfolio.training", user_id=person.id))
    action = (url_for("portfolio.training_edit", user_id=person.id, course_id=course.id) if course is not None
              else url_for("portfolio.training_new", user_id=person.id))
    return render_template("portfolio/training_form.html", person=person, form=form, action=action, back_url=back,
                           back_text=course.title if course is not None else "Training",
                           heading="Change the course" if course else "Record a training course",
                           submit_text="Save changes" if course else "Record course"), 400 if form.errors else 200


@bp.route("/training/new", methods=["GET", "POST"])
@requires(signed_in, "can_read_log")
def training_new(user_id: int) -> tuple[str, int] | Response:
    return _save_course(load_person(user_id, for_change=True), None)


@bp.route("/training/<int:course_id>/edit", methods=["GET", "POST"])
@requires(signed_in, "can_read_log")
def training_edit(user_id: int, course_id: int) -> tuple[str, int] | Response:
    person = load_person(user_id, for_change=True)
    return _save_course(person, _load_course(person, course_id, live=True))


@bp.route("/training/<int:course_id>/delete", methods=["POST"])
@requires(signed_in, "can_read_log")
def training_delete(user_id: int, course_id: int) -> Response:
    person = load_person(user_id, for_change=True)
    course = _load_course(person, course_id)
    change_and_flash(service.delete_course, course, f"Course “{course.title}” deleted.",
            url_for("portfolio.training_undo", user_id=person.id, course_id=course.id))
    return redirect(url_for("portfolio.training", user_id=person.id))


@bp.route("/training/<int:course_id>/undo", methods=["POST"])
@requires(signed_in, "can_read_log")
def training_undo(user_id: int, course_id: int) -> Response:
    person = load_person(user_id, for_change=True)
    course = _load_course(person, course_id)
    change_and_flash(service.undo_delete_course, course, f"Course “{course.title}” restored.")
    return redirect(url_for("portfolio.training_course", user_id=person.id, course_id=course.id))


# --- entries on a course -----------------------------------------------------------------------

def _save_part(person: User, course: TrainingCourse, name: str, entry: Any) -> tuple[str, int] | Response:
    session, part = db(), _part(name)
    form = part.form(data=part.form.data_of(entry) if entry is not None and request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            part.save(session, course, entry, form.details(), today=today())
        except DomainError as err:
            session.rollback()
            attach_error(form, err)
        else:
            session.commit()
            flash(f"{part.noun[0].upper()}{part.noun[1:]} {'saved' if entry is not None else 'recorded'}.")
            return redirect(url_for("portfolio.training_course", user_id=person.id, course_id=course.id,
                                    _anchor=part.anchor))
    action = (url_for("portfolio.training_part_edit", user_id=person.id, course_id=course.id, part=name,
                      entry_id=entry.id) if entry is not None
              else url_for("portfolio.training_part_new", user_id=person.id, course_id=course.id, part=name))
    return render_template("portfolio/training_form.html", person=person, form=form, action=action,
                           back_url=url_for("portfolio.training_course", user_id=person.id, course_id=course.id),
                           back_text=course.title, caption=course.title,
                           heading=f"Change {part.noun}" if entry is not None else f"Record {part.noun}",
                           submit_text="Save changes" if entry is not None else "Record"), 400 if form.errors else 200


@bp.route("/training/<int:course_id>/<part>/new", methods=["GET", "POST"])
@requires(signed_in, "can_read_log")
def training_part_new(user_id: int, course_id: int, part: str) -> tuple[str, int] | Response:
    person = load_person(user_id, for_change=True)
    _part(part)
    return _save_part(person, _load_course(person, course_id, live=True), part, None)


@bp.route("/training/<int:course_id>/<part>/<int:entry_id>/edit", methods=["GET", "POST"])
@requires(signed_in, "can_read_log")
def training_part_edit(user_id: int, course_id: int, part: str, entry_id: int) -> tuple[str, int] | Response:
    person = load_person(user_id, for_change=True)
    course = _load_course(person, course_id, live=True)
    return _save_part(person, course, part, _load_part_entry(_part(part), course, entry_id, live=True))


@bp.route("/training/<int:course_id>/<part>/<int:entry_id>/delete", methods=["POST"])
@requires(signed_in, "can_read_log")
def training_part_delete(user_id: int, course_id: int, part: str, entry_id: int) -> Response:
    person = load_person(user_id, for_change=True)
    course = _load_course(person, course_id, live=True)
    found = _part(part)
    entry = _load_part_entry(found, course, entry_id)
    change_and_flash(service.delete_entry, entry, f"{found.noun[0].upper()}{found.noun[1:]} deleted.",
            url_for("portfolio.training_part_undo", user_id=person.id, course_id=course.id, part=part,
                    entry_id=entry.id))
    return redirect(url_for("portfolio.training_course", user_id=person.id, course_id=course.id, _anchor=found.anchor))


@bp.route("/training/<int:course_id>/<part>/<int:entry_id>/undo", methods=["POST"])
@requires(signed_in, "can_read_log")
def training_part_undo(user_id: int, course_id: int, part: str, entry_id: int) -> Response:
    person = load_person(user_id, for_change=True)
    course = _load_course(person, course_id, live=True)
    found = _part(part)
    entry = _load_part_entry(found, course, entry_id)
    change_and_flash(service.undo_delete_entry, entry, f"{found.noun[0].upper()}{found.noun[1:]} restored.")
    return redirect(url_for("portfolio.training_course", user_id=person.id, course_id=course.id, _anchor=found.anchor))
