"""Level ratings: self and supervisor ratings side by side, with the gap; and the daily digest setting.

The person and their current supervisors or tutors read the ratings (load_person); the person
adds self-ratings, a current supervisor adds supervisor ratings, nobody else rates.
"""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from app.forms import WaymarkForm
from werkzeug.wrappers import Response
from wtforms import BooleanField, DateField, RadioField, SelectChoice, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from app.database import db
from app.forms import attach_error
from app.portfolio import bp
from app.portfolio.common import load_person, today
from app.portfolio.cpd_forms import strip
from app.security import requires, signed_in
from app.services import level_ratings as service
from app.services import notifications
from app.services.errors import DomainError
from competences.frameworks import Framework, Item, Level
from competences.frameworks import item as item_of
from models import User
from models.reference_data import catalogue_for


class LevelRatingForm(WaymarkForm):
    level = RadioField("Level", choices=[], coerce=int, validators=[InputRequired("Choose a level")],
                       invalid_choice_message="Choose one of the levels")
    rated_on = DateField("Date of the rating", validators=[InputRequired("Enter the date of the rating")],
                         invalid_value_message="Date of the rating must be a real date, like 2026-04-01")
    comment = TextAreaField("Comment", filters=[strip], description="Optional. What the rating rests on.",
                            validators=[Optional(), Length(max=service.MAX_COMMENT,
                                                           message=f"Comment must be {service.MAX_COMMENT:,} characters or fewer")])

    def __init__(self, *args: object, levels: tuple[Level, ...] = (), **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.level.choices = [SelectChoice(lv.number, f"{lv.number}: {lv.title}") for lv in levels]


class DigestForm(WaymarkForm):
    digest_opt_in = BooleanField("Send me a daily e-mail when something is waiting for me")


def _framework(framework_id: str) -> Framework:
    try:
        return service.rated_framework(catalogue_for(db()), framework_id, today())
    except KeyError:
        abort(404)


def _item(framework: Framework, item_id: str) -> Item:
    try:
        return item_of(framework, item_id)
    except KeyError:
        abort(404)


@bp.route("/levels")
@requires(signed_in, "can_read_log")
def levels_index(user_id: int) -> str:
    person = load_person(user_id)
    return render_template("portfolio/level_ratings_index.html", person=person,
                           frameworks=service.rated_frameworks(catalogue_for(db()), today()))


@bp.route("/levels/<framework_id>")
@requires(signed_in, "can_read_log")
def levels(user_id: int, framework_id: str) -> str:
    person = load_person(user_id)
    framework = _framework(framework_id)
    page = service.levels_page(db(), person, framework, today())
    return render_template("portfolio/level_ratings.html", person=person, page=page, roles=service.RATER_ROLES,
                           own=current_user.id == person.id, gap_words=service.gap_words,
                           my_role=service.role_of(db(), current_user, person, today()))


@bp.route("/levels/<framework_id>/<item_id>/rate", methods=["GET", "POST"])
@requires(signed_in, "can_rate_level")
def level_rate(user_id: int, framework_id: str, item_id: str) -> tuple[str, int] | Response:
    person, session = load_person(user_id), db()
    framework = _framework(framework_id)
    item = _item(framework, item_id)
    role = service.role_of(session, current_user, person, today())
    if role is None:
        abort(403)
    form = LevelRatingForm(levels=service.levels_of(framework, item), data={"rated_on": today()})
    if form.validate_on_submit():
        try:
            service.add_rating(session, person, current_user, framework,
                               service.RatingInput(item.id, form.level.data, form.rated_on.data, form.comment.data),
                               as_role=role, today=today())
        except DomainError as err:
            session.rollback()
            attach_error(form, err)
        else:
            session.commit()
            flash(f"{service.RATER_ROLES[role]} of {item.code} {item.title} recorded: level {form.level.data}.")
            return redirect(url_for("portfolio.levels", user_id=person.id, framework_id=framework.meta.id)
                            + f"#item-{item.id}")
    return render_template("portfolio/level_rating_form.html", person=person, form=form, framework=framework,
                           item=item, role=role), 400 if form.errors else 200


@bp.route("/notifications", methods=["GET", "POST"])
@requires(signed_in, "can_change_own_settings")
def notification_settings(user_id: int) -> tuple[str, int] | Response:
    person: User = load_person(user_id, for_change=True)
    form = DigestForm(data={"digest_opt_in": person.digest_opt_in})
    if form.validate_on_submit():
        notifications.set_digest(db(), person, bool(form.digest_opt_in.data))
        db().commit()
        flash("Daily e-mail turned on." if person.digest_opt_in else "Daily e-mail turned off.")
        return redirect(url_for("portfolio.notification_settings", user_id=person.id))
    return render_template("portfolio/level_ratings_notifications.html", person=person, form=form,
                           waiting=notifications.waiting_for(db(), person, today())), 400 if form.errors else 200

