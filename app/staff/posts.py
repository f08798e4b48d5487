"""The establishment at /posts: HR list, add, change and deactivate posts; service leads read their service's."""
from __future__ import annotations

import datetime as dt

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from werkzeug.wrappers import Response

from app.database import db
from app.forms import attach_error
from app.pagination import Page, page_number
from app.security import ensure, requires
from app.services import posts as post_service
from app.services.errors import DomainError
from app.services.posts import PostFilters, can_edit_posts, can_read_posts
from app.staff import bp
from app.staff.download import FORMATS, table_response
from app.staff.posts_forms import FILTER_KEYS, PostForm, PostSearchForm, team_choices
from models import Post, Role, Team
from models.reference_data import catalogue_for

PER_PAGE = 50


def today() -> dt.date:
    return dt.date.today()


def _in(service_ids: set[int] | None, post: Post) -> bool:
    return service_ids is None or post.team.service_id in service_ids


def _load(session: Session, post_id: int) -> Post:
    """The post, if the user may read it (404 otherwise) and change it (403 otherwise)."""
    post = session.scalar(select(Post).where(Post.id == post_id, Post.organisation_id == current_user.organisation_id)
                          .options(selectinload(Post.team).selectinload(Team.service)))
    ensure(post is not None and _in(post_service.readable_services(current_user), post), hide=True)
    assert post is not None
    ensure(_in(post_service.editable_services(current_user), post))
    return post


@bp.route("/posts")
@requires(can_read_posts)
def posts() -> tuple[str, int] | Response:
    session, day = db(), today()
    services = post_service.readable_services(current_user)
    form = PostSearchForm(request.args)
    form.team.choices = team_choices(post_service.teams_for(session, current_user.organisation_id, services),
                                     "Any team")
    valid = form.validate()
    rows = post_service.post_rows(session, current_user.organisation_id, services,
                                  form.filters() if valid else PostFilters(), catalogue_for(session), day)
    fmt = request.args.get("format")
    if fmt in FORMATS and valid:
        return table_response("posts", post_service.HEADERS, post_service.export_rows(rows), fmt, title="Posts")
    number = min(page_number(), max(1, -(-len(rows) // PER_PAGE)))
    page = Page(items=rows[(number - 1) * PER_PAGE:number * PER_PAGE], number=number, per_page=PER_PAGE,
                total=len(rows))
    filters = {k: request.args[k] for k in FILTER_KEYS if valid and request.args.get(k)}
    return render_template("staff/posts.html", form=form, page=page, filters=filters, today=day,
                           can_edit=can_edit_posts(current_user), own_post=_own_post_id()), 200 if valid else 400


def _own_post_id() -> int | None:
    """The post the viewer holds, which they may not change (administrators may)."""
    if current_user.has_role(Role.ADMIN) or current_user.profile is None:
        return None
    post_id: int | None = current_user.profile.post_id
    return post_id


def _post_form(session: Session, post: Post | None) -> tuple[str, int] | Response:
    day = today()
    catalogue = catalogue_for(session)
    teams = post_service.teams_for(session, current_user.organisation_id, post_service.editable_services(current_user))
    zones = post_service.zones(catalogue, day)
    form = PostForm(obj=post) if post is not None and request.method == "GET" else PostForm()
    form.set_choices(teams, zones)
    if post is not None and request.method == "GET":
        form.team_id.data = str(post.team_id)
    refused = post_service.own_post_problem(current_user, post) if post is not None else None
    if refused:
        return render_template("staff/post_form.html", form=form, post=post, refused=refused), \
            403 if request.method == "POST" else 200
    if form.validate_on_submit():
        try:
            saved = post_service.save_post(session, current_user.organisation_id, form.values(), actor=current_user,
                                           teams=teams, zone_ids={z.id for z in zones}, post=post)
        except DomainError as err:
            session.rollback()
            attach_error(form, err)
        else:
            session.commit()
            flash(f"Post {saved.number} {'changed' if post else 'added'}.")
            return redirect(url_for("staff.posts"))
    return render_template("staff/post_form.html", form=form, post=post, refused=None), 400 if form.errors else 200


@bp.route("/posts/new", methods=["GET", "POST"])
@requires(can_edit_posts)
def post_new() -> tuple[str, int] | Response:
    return _post_form(db(), None)


@bp.route("/posts/<int:post_id>/edit", methods=["GET", "POST"])
@requires(can_edit_posts)
def post_edit(post_id: int) -> tuple[str, int] | Response:
    session = db()
    return _post_form(session, _load(session, post_id))


@bp.route("/posts/<int:post_id>/deactivate", methods=["POST"])
@requires(can_edit_posts)
def post_deactivate(post_id: int) -> Response:
    session = db()
    post = _load(session, post_id)
    try:
        post_service.deactivate_post(session, post, actor=current_user,
                                     service_ids=post_service.readable_services(current_user))
    except DomainError as err:
        session.rollback()
        flash(err.message, "error")
    else:
        session.commit()
        flash(f"Post {post.number} deactivated.")
    return redirect(url_for("staff.post_edit", post_id=post_id))
