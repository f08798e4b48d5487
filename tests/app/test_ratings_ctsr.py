"""CTS-R ratings: totals and pass marks (the course's or the scale's), bad scores refused beside the item, privacy, delete and undo."""
import datetime as dt
from html import unescape
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.services import ratings as service
from app.services.errors import DomainError
from competences.catalogue import built_in_catalogue
from models import RelationshipKind, Role
from models.training import CtsrRating, TrainingCourse
from tests.factories import PASSWORD, make_organisation, make_relationship, make_service, make_team, make_user

SCALE = service.ctsr_scale(built_in_catalogue())
ITEM_IDS = [i.id for i in SCALE.items]
TODAY = dt.date.today()


def form(scores=(3,) * 12, **fields):
    data = {"rated_on": "2026-03-02", "recording_ref": "REC-07", "case_ref": "AB12", "course_id": "",
            "rater_role": "supervisor", "rater_name": "Sam Supervisor", **fields}
    for n, score in enumerate(scores, start=1):
        data[f"score_{n}"] = str(score)
        data[f"comment_{n}"] = f"Comment on item {n}"
    return data


@pytest.fixture
def org(session):
    return make_organisation(session, name="Riverside NHS Foundation Trust")


@pytest.fixture
def team(session, org):
    return make_team(session, service=make_service(session, organisation=org))


@pytest.fixture
def owner(session, team):
    return make_user(session, team=team, full_name="Tara Trainee")


@pytest.fixture
def signed_in(app, client, session):
    def sign_in(user):
        session.commit()
        client = app.test_client()
        assert client.submit("/login", {"email": user.email, "password": PASSWORD}).status_code == 302
        return client

    return sign_in


def course(session, owner, pass_mark=None, title="PG Diploma in CBT"):
    c = TrainingCourse(owner_id=owner.id, title=title, kind="pg_dip_hi_cbt", started_on=dt.date(2025, 9, 1),
                       ctsr_pass_mark=pass_mark)
    session.add(c)
    session.flush()
    return c


def saved(session, owner):
    session.expire_all()
    return list(session.scalars(select(CtsrRating).where(CtsrRating.owner_id == owner.id).order_by(CtsrRating.id)))


def field_error(page, field):
    match = re.search(rf'id="{field}-error"[^>]*>\s*<span class="nhsuk-u-visually-hidden">Error:\s*</span>\s*(.*?)\s*</span>',
                      page, re.DOTALL)
    return unescape(" ".join(match.group(1).split())) if match else None


def add(session, owner, scores=(3,) * 12, **fields):
    values = {"rated_on": dt.date(2026, 3, 2), "recording_ref": "REC-01", "rater_role": "supervisor",
              "scores": dict(zip(ITEM_IDS, scores)), "comments": {}, "total": sum(scores),
              "passed": sum(scores) >= 36, "pass_mark_used": 36, **fields}
    rating = CtsrRating(owner_id=owner.id, **values)
    session.add(rating)
    session.flush()
    return rating


# --- totals and pass marks ---------------------------------------------------------------------

def test_twelve_threes_total_36_and_pass_at_the_usual_mark(session, owner, signed_in):
    client = signed_in(owner)
    response = client.submit(f"/people/{owner.id}/ctsr/new", form())
    assert response.status_code == 302
    [rating] = saved(session, owner)
    assert (rating.total, rating.passed, rating.pass_mark_used) == (36, True, 36)
    assert rating.scores == dict.fromkeys(ITEM_IDS, 3)
    assert rating.comments["collaboration"] == "Comment on item 3"
    assert rating.case_ref == "AB12" and rating.scale_id == "ctsr"
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "36 of 72" in html and "Pass (pass mark 36)" in html and "Comment on item 3" in html


def test_a_total_of_35_is_below_the_usual_pass_mark(session, owner, signed_in):
    # Eleven 3s and one 2: 33 + 2 = 35.
    signed_in(owner).submit(f"/people/{owner.id}/ctsr/new", form((3,) * 11 + (2,)))
    [rating] = saved(session, owner)
    assert (rating.total, rating.passed) == (35, False)


def test_a_course_pass_mark_of_40_makes_36_fail(session, owner, signed_in):
    strict = course(session, owner, pass_mark=40)
    signed_in(owner).submit(f"/people/{owner.id}/ctsr/new", form(course_id=str(strict.id)))
    [rating] = saved(session, owner)
    assert (rating.total, rating.passed, rating.pass_mark_used, rating.course_id) == (36, False, 40, strict.id)


def test_a_course_without_its_own_pass_mark_uses_the_scales(session, owner, signed_in):
    plain = course(session, owner, pass_mark=None)
    signed_in(owner).submit(f"/people/{owner.id}/ctsr/new", form(course_id=str(plain.id)))
    [rating] = saved(session, owner)
    assert (rating.passed, rating.pass_mark_used) == (True, 36)


def test_stored_total_and_pass_follow_an_edit(session, owner, signed_in):
    client = signed_in(owner)
    client.submit(f"/people/{owner.id}/ctsr/new", form())
    [rating] = saved(session, owner)
    # Item 1 from 3 to 0 and item 12 from 3 to 2: 36 - 3 - 1 = 32.
    response = client.submit(f"/people/{owner.id}/ctsr/{rating.id}/edit", form((0,) + (3,) * 10 + (2,)))
    assert response.status_code == 302
    [rating] = saved(session, owner)
    assert (rating.total, rating.passed) == (32, False)
    client.submit(f"/people/{owner.id}/ctsr/{rating.id}/edit", form((6,) * 12))
    [rating] = saved(session, owner)
    assert (rating.total, rating.passed) == (72, True)


def test_changing_a_courses_pass_mark_rejudges_its_ratings(session, owner, signed_in):
    mine = course(session, owner, pass_mark=None)
    client = signed_in(owner)
    client.submit(f"/people/{owner.id}/ctsr/new", form((3,) * 11 + (4,), course_id=str(mine.id)))  # 37
    response = client.submit(f"/people/{owner.id}/training/{mine.id}/edit", {
        "title": "PG Diploma in CBT", "kind": "pg_dip_hi_cbt", "started_on": "2025-09-01", "status": "in_progress",
        "ctsr_pass_mark": "40"})
    assert response.status_code == 302
    [rating] = saved(session, owner)
    assert (rating.total, rating.passed, rating.pass_mark_used) == (37, False, 40)


def test_someone_elses_course_cannot_set_the_pass_mark(session, team, owner, signed_in):
    other = make_user(session, team=team)
    theirs = course(session, other, pass_mark=30)
    response = signed_in(owner).submit(f"/people/{owner.id}/ctsr/new", form(course_id=str(theirs.id)))
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), "course_id") == "Choose one of your courses, or no course"
    assert saved(session, owner) == []


@settings(max_examples=200, deadline=None)
@given(scores=st.lists(st.integers(min_value=0, max_value=6), min_size=12, max_size=12),
       mark=st.one_of(st.none(), st.integers(min_value=0, max_value=72)))
def test_the_total_is_the_sum_of_the_scores_and_passes_at_the_mark_in_force(scores, mark):
    chosen = TrainingCourse(title="x", kind="other", started_on=dt.date(2025, 1, 1), ctsr_pass_mark=mark)
    verdict = service.judge(SCALE, service.read_scores(SCALE, dict(zip(ITEM_IDS, map(str, scores)))), chosen)
    in_force = 36 if mark is None else mark
    assert verdict.total == sum(scores)
    assert verdict.pass_mark == in_force
    assert verdict.passed == (sum(scores) >= in_force)


# --- bad input -----------------------------------------------------------------------------------

BAD_SCORES = [
    ("score_3", "7", "Score for item 3 (Collaboration) must be a whole number from 0 to 6"),
    ("score_3", "-1", "Score for item 3 (Collaboration) must be a whole number from 0 to 6"),
    ("score_3", "2.5", "Score for item 3 (Collaboration) must be a whole number from 0 to 6"),
    ("score_3", "", "Score for item 3 (Collaboration) must be a whole number from 0 to 6"),
    ("score_12", "six", "Score for item 12 (Homework setting) must be a whole number from 0 to 6"),
    ("recording_ref", "", "Enter the recording reference"),
    ("recording_ref", "943 476 5919", "This looks like an NHS number. Waymark holds staff records only, never patient identifiers: remove it."),
    ("case_ref", "C12.03.1985", "This looks like a date of birth. Waymark holds staff records only, never patient identifiers: remove it."),
    ("comment_5", "Client lives at LS1 4AP", "This looks like a postcode. Waymark holds staff records only, never patient identifiers: remove it."),
    ("rated_on", (TODAY + dt.timedelta(days=1)).isoformat(), "The date of the rating cannot be in the future"),
    ("rater_role", "marker", "Choose who rated the recording"),
]


@pytest.mark.parametrize(("field", "value", "message"), BAD_SCORES, ids=[f"{f}={v}" for f, v, _ in BAD_SCORES])
def test_bad_input_is_refused_beside_its_field_with_values_kept_and_nothing_saved(
        session, owner, signed_in, field, value, message):
    response = signed_in(owner).submit(f"/people/{owner.id}/ctsr/new", {**form(), field: value})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in html
    assert field_error(html, field) == message
    assert f'href="#{field}' in html
    assert saved(session, owner) == []
    if field != "recording_ref":
        assert 'value="REC-07"' in html
    if field != "score_1":
        assert re.search(r'<option value="3"\s+selected', html)
    if field != "comment_1":
        assert "Comment on item 1" in html


def test_fewer_than_twelve_scores_are_refused_naming_the_first_missing_item(session, owner, signed_in):
    data = form()
    del data["score_9"], data["score_10"]
    response = signed_in(owner).submit(f"/people/{owner.id}/ctsr/new", data)
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), "score_9") == (
        "Score for item 9 (Guided discovery) must be a whole number from 0 to 6")
    assert saved(session, owner) == []


def test_the_service_refuses_scores_for_too_few_or_unknown_items():
    eleven = dict(zip(ITEM_IDS[:11], [3] * 11))
    with pytest.raises(DomainError, match=r"item 12 \(Homework setting\)") as err:
        service.read_scores(SCALE, eleven)
    assert err.value.field == "score_12"
    with pytest.raises(DomainError, match="has no item 'empathy'"):
        service.read_scores(SCALE, {**dict.fromkeys(ITEM_IDS, 3), "empathy": 3})
    with pytest.raises(DomainError, match="item 1 "):
        service.read_scores(SCALE, {**dict.fromkeys(ITEM_IDS, 3), "agenda-setting": True})


def test_the_form_groups_each_item_in_a_fieldset_named_by_the_scale(owner, signed_in):
    html = signed_in(owner).get(f"/people/{owner.id}/ctsr/new").get_data(as_text=True)
    legends = re.findall(r'<legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--m">\s*(.*?)\s*</legend>', html)
    assert legends[0] == "Item 1: Agenda setting and adherence"
    assert legends[-1] == "Item 12: Homework setting"
    assert len(legends) == 12
    assert '<option value="3">3 – Competent</option>' in html


# --- the list, chart and query count -------------------------------------------------------------

def test_the_list_shows_totals_results_raters_and_a_chart_point_per_rating(session, owner, signed_in):
    add(session, owner, rated_on=dt.date(2026, 1, 10), rater_role="self", recording_ref="REC-01")
    add(session, owner, (4,) * 12, rated_on=dt.date(2026, 2, 10), recording_ref="REC-02")
    add(session, owner, (2,) * 12, rated_on=dt.date(2026, 3, 10), recording_ref="REC-03")
    html = signed_in(owner).get(f"/people/{owner.id}/ctsr").get_data(as_text=True)
    assert "48 of 72" in html and "24 of 72" in html and "Self-rating" in html
    assert html.count("Below the pass mark") == 1
    totals_svg = re.search(r'<svg[^>]*aria-labelledby="chart-ctsr-totals-title.*?</svg>', html, re.DOTALL).group(0)
    assert len(re.findall(r"<(circle|rect|polygon)[^>]*><title>", totals_svg)) == 3
    assert "10 February 2026, Supervisor: 48 of 72 (REC-02)" in totals_svg
    assert html.count('class="waymark-chart"') == 13  # totals and 12 items


def test_the_list_costs_the_same_queries_for_3_and_30_ratings(session, owner, signed_in, count_queries):
    client = signed_in(owner)
    mine = course(session, owner, pass_mark=38)

    def queries_for(n):
        session.execute(CtsrRating.__table__.delete())
        for i in range(n):
            add(session, owner, rated_on=dt.date(2025, 1 + i % 12, 1 + i % 28), recording_ref=f"REC-{i}",
                course_id=mine.id if i % 2 else None, rater_role=("self", "supervisor", "course_tutor")[i % 3])
        session.commit()
        client.get(f"/people/{owner.id}/ctsr")
        with count_queries() as q:
            assert client.get(f"/people/{owner.id}/ctsr").status_code == 200
        return q.count

    assert queries_for(3) == queries_for(30)


# --- delete and undo; who sees what --------------------------------------------------------------

def test_delete_then_undo_restores_the_rating(session, owner, signed_in):
    rating = add(session, owner, recording_ref="REC-09")
    client = signed_in(owner)
    client.submit(f"/people/{owner.id}/ctsr/{rating.id}/delete", form_url=f"/people/{owner.id}/ctsr")
    assert saved(session, owner)[0].deleted_at is not None
    html = client.get(f"/people/{owner.id}/ctsr").get_data(as_text=True)
    assert "CTS-R rating of REC-09 deleted." in html and f'action="/people/{owner.id}/ctsr/{rating.id}/undo"' in html
    assert client.get(f"/people/{owner.id}/ctsr/{rating.id}/edit").status_code == 404
    client.submit(f"/people/{owner.id}/ctsr/{rating.id}/undo", form_url=f"/people/{owner.id}/ctsr")
    assert saved(session, owner)[0].deleted_at is None


def urls(owner_id, rating_id):
    base = f"/people/{owner_id}/ctsr"
    return {"list": ("GET", base), "entry": ("GET", f"{base}/{rating_id}"), "new": ("GET", f"{base}/new"),
            "create": ("POST", f"{base}/new"), "edit": ("GET", f"{base}/{rating_id}/edit"),
            "change": ("POST", f"{base}/{rating_id}/edit"), "delete": ("POST", f"{base}/{rating_id}/delete"),
            "undo": ("POST", f"{base}/{rating_id}/undo")}


def call(client, method, url):
    if method == "GET":
        return client.get(url)
    return client.submit(url, form(), form_url="/account/password")


def test_a_supervisor_and_a_tutor_read_ratings_but_cannot_change_them(session, org, owner, signed_in):
    rating = add(session, owner)
    sup = make_user(session, organisation=org, roles=(Role.SUPERVISOR,), profile=False)
    make_relationship(session, senior=sup, junior=owner)
    tutor = make_user(session, organisation=org, roles=(Role.COURSE_TUTOR,), profile=False)
    make_relationship(session, senior=tutor, junior=owner, kind=RelationshipKind.TUTORING)
    for viewer in (sup, tutor):
        client = signed_in(viewer)
        for name, (method, url) in urls(owner.id, rating.id).items():
            assert call(client, method, url).status_code == (200 if name in {"list", "entry"} else 403), name
    assert saved(session, owner)[0].total == 36


@pytest.mark.parametrize("who", ["hr", "line_manager", "admin", "colleague"])
def test_others_get_404_on_every_ctsr_page(session, org, team, owner, signed_in, who):
    rating = add(session, owner)
    if who == "line_manager":
        viewer = make_user(session, organisation=org, roles=(Role.LINE_MANAGER,), profile=False)
        make_relationship(session, senior=viewer, junior=owner, kind=RelationshipKind.LINE_MANAGEMENT)
    elif who == "colleague":
        viewer = make_user(session, team=team)
    else:
        viewer = make_user(session, organisation=org, roles=({"hr": Role.HR, "admin": Role.ADMIN}[who],), profile=False)
    client = signed_in(viewer)
    for name, (method, url) in urls(owner.id, rating.id).items():
        assert call(client, method, url).status_code == 404, name


def test_a_rating_of_someone_else_is_not_found_under_your_own_log(session, team, owner, signed_in):
    theirs = add(session, make_user(session, team=team))
    client = signed_in(owner)
    for name, (method, url) in urls(owner.id, theirs.id).items():
        if name not in {"list", "new", "create"}:
            assert call(client, method, url).status_code == 404, name
