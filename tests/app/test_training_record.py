"""The training course record: courses, hours totalled by kind against the BABCP standards, case studies, university supervision; PWP live assessments; the snapshot functions."""
import datetime as dt
from html import unescape
import re

import pytest
from sqlalchemy import select

from models import ClinicalCase, RelationshipKind, Role
from models.training import (AssessedCaseStudy, CtsrRating, PwpLiveAssessment, TrainingCourse, TrainingHoursEntry,
                             UniversitySupervision)
from models.training_snapshot import ratings_for, training_hours_for
from tests.factories import PASSWORD, make_organisation, make_relationship, make_service, make_team, make_user

TODAY = dt.date.today()
COURSE = {"title": "PG Diploma in CBT", "kind": "pg_dip_hi_cbt", "provider": "University of Exeter",
          "started_on": "2025-09-01", "ended_on": "", "status": "in_progress", "ctsr_pass_mark": "40",
          "recordings_required": "3", "notes": ""}
HOURS = {"topic": "Formulation", "start_on": "2025-10-06", "end_on": "", "hours": "6.5", "kind": "taught_live",
         "skills_focused": "yes"}
LIVE = {"assessed_on": "2026-02-03", "intervention": "behavioural_activation", "intervention_other": "",
        "assessor_name": "Pat Assessor", "tool": "IAPT PWP intervention skills mark sheet", "outcome": "pass",
        "comment": ""}


@pytest.fixture
def org(session):
    return make_organisation(session)


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
        c = app.test_client()
        assert c.submit("/login", {"email": user.email, "password": PASSWORD}).status_code == 302
        return c

    return sign_in


def add_course(session, owner, **fields):
    c = TrainingCourse(owner_id=owner.id, **{"title": "PG Diploma in CBT", "kind": "pg_dip_hi_cbt",
                                             "started_on": dt.date(2025, 9, 1), **fields})
    session.add(c)
    session.flush()
    return c


def add_hours(session, course, minutes, kind, skills=False, on=dt.date(2025, 10, 6), **fields):
    h = TrainingHoursEntry(course_id=course.id, start_on=on, end_on=on, minutes=minutes, kind=kind,
                           skills_focused=skills, topic="Topic", **fields)
    session.add(h)
    session.flush()
    return h


def field_error(page, field):
    match = re.search(rf'id="{field}-error"[^>]*>\s*<span class="nhsuk-u-visually-hidden">Error:\s*</span>\s*(.*?)\s*</span>',
                      page, re.DOTALL)
    return unescape(" ".join(match.group(1).split())) if match else None


def rows(session, model, **where):
    session.expire_all()
    return list(session.scalars(select(model).filter_by(**where).order_by(model.id)))


# --- courses and their entries ------------------------------------------------------------------

def test_recording_a_course_with_its_ctsr_settings(session, owner, signed_in):
    client = signed_in(owner)
    response = client.submit(f"/people/{owner.id}/training/new", COURSE)
    assert response.status_code == 302
    [c] = rows(session, TrainingCourse, owner_id=owner.id)
    assert (c.title, c.kind, c.ctsr_pass_mark, c.recordings_required, c.ended_on) == (
        "PG Diploma in CBT", "pg_dip_hi_cbt", 40, 3, None)
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "40 of 72" in html and "University of Exeter" in html


@pytest.mark.parametrize(("field", "value", "message"), [
    ("ctsr_pass_mark", "73", "The CTS-R pass mark must be a whole number from 0 to 72"),
    ("ctsr_pass_mark", "lots", "CTS-R pass mark must be a whole number"),
    ("ended_on", "2025-08-01", "The end date must be the same as or after the start date"),
    ("recordings_required", "0", "The number of recordings must be 1 or more"),
    ("title", "", "Enter the name of the course"),
])
def test_bad_course_settings_are_refused_beside_the_field(session, owner, signed_in, field, value, message):
    response = signed_in(owner).submit(f"/people/{owner.id}/training/new", {**COURSE, field: value})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert field_error(html, field) == message
    assert rows(session, TrainingCourse, owner_id=owner.id) == []
    if field != "provider":
        assert 'value="University of Exeter"' in html


def test_hours_are_stored_as_minutes_and_changed_on_the_course_page(session, owner, signed_in):
    c = add_course(session, owner)
    client = signed_in(owner)
    response = client.submit(f"/people/{owner.id}/training/{c.id}/hours/new", HOURS)
    assert response.status_code == 302
    [h] = rows(session, TrainingHoursEntry, course_id=c.id)
    assert (h.minutes, h.kind, h.skills_focused, h.end_on) == (390, "taught_live", True, dt.date(2025, 10, 6))
    client.submit(f"/people/{owner.id}/training/{c.id}/hours/{h.id}/edit", {**HOURS, "hours": "3.25",
                                                                           "kind": "online_interactive"})
    [h] = rows(session, TrainingHoursEntry, course_id=c.id)
    assert (h.minutes, h.kind) == (195, "online_interactive")


@pytest.mark.parametrize(("field", "value", "message"), [
    ("hours", "1.1", "Enter hours in quarter hours, like 1.25, 1.5 or 1.75"),
    ("hours", "0", "Hours must be more than 0"),
    ("start_on", (TODAY + dt.timedelta(days=2)).isoformat(),
     "The date cannot be in the future; record training once it has happened"),
    ("kind", "webinar", "Choose the kind of learning"),
])
def test_bad_hours_are_refused_beside_the_field_with_values_kept(session, owner, signed_in, field, value, message):
    c = add_course(session, owner)
    response = signed_in(owner).submit(f"/people/{owner.id}/training/{c.id}/hours/new", {**HOURS, field: value})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert field_error(html, field) == message
    assert 'value="Formulation"' in html
    assert rows(session, TrainingHoursEntry, course_id=c.id) == []


def test_a_case_study_links_the_case_of_that_reference_and_refuses_patient_identifiers(session, owner, signed_in):
    c = add_course(session, owner)
    case = ClinicalCase(owner_id=owner.id, case_ref="AB12", problem="depression", step=3, modality="cbt",
                        started_on=dt.date(2025, 10, 1))
    session.add(case)
    session.flush()
    client = signed_in(owner)
    data = {"title": "CBT for depression", "case_ref": "AB12", "submitted_on": "2026-01-15", "word_count": "3500",
            "mark": "68", "result": "passed"}
    assert client.submit(f"/people/{owner.id}/training/{c.id}/case-studies/new", data).status_code == 302
    [s] = rows(session, AssessedCaseStudy, course_id=c.id)
    assert (s.case_id, s.word_count, s.mark, s.passed) == (case.id, 3500, "68", True)
    response = client.submit(f"/people/{owner.id}/training/{c.id}/case-studies/new", {**data, "case_ref": "943 476 5919"})
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), "case_ref").startswith("This looks like an NHS number.")


def test_university_supervision_is_recorded_with_its_group_size(session, owner, signed_in):
    c = add_course(session, owner)
    client = signed_in(owner)
    data = {"occurred_on": "2025-11-04", "hours": "1.5", "supervisor_name": "Dr Lee", "group_size": "3"}
    assert client.submit(f"/people/{owner.id}/training/{c.id}/university-supervision/new", data).status_code == 302
    [s] = rows(session, UniversitySupervision, course_id=c.id)
    assert (s.minutes, s.group_size, s.supervisor_name) == (90, 3, "Dr Lee")
    assert "Dr Lee" in client.get(f"/people/{owner.id}/training/{c.id}").get_data(as_text=True)


def test_an_unknown_part_of_a_course_is_not_found(session, owner, signed_in):
    c = add_course(session, owner)
    assert signed_in(owner).get(f"/people/{owner.id}/training/{c.id}/essays/new").status_code == 404


# --- totals ---------------------------------------------------------------------------------------

def test_hours_totals_by_kind_are_hand_computed_and_judged_against_the_standards(session, owner, signed_in):
    first, second = add_course(session, owner), add_course(session, owner, title="CBT workshops")
    add_hours(session, first, 6000, "taught_live", skills=True)       # 100 h, skills
    add_hours(session, first, 3000, "online_interactive")             # 50 h, 40 of them count
    add_hours(session, second, 1200, "taught_live", skills=True)      # 20 h, skills
    add_hours(session, second, 600, "self_directed")                  # 10 h
    gone = add_hours(session, second, 6000, "taught_live")
    gone.deleted_at = dt.datetime.now(dt.timezone.utc)
    html = signed_in(owner).get(f"/people/{owner.id}/training").get_data(as_text=True)
    all_row = re.search(r"All courses</th>(.*?)</tr>", html, re.DOTALL).group(1)
    cells = re.findall(r'waymark-nowrap">(.*?)</td>', all_row)
    # Taught live 120 h, online 50 h, self-directed 10 h, skills 120 h, all 180 h.
    assert cells == ["120 h", "50 h", "10 h", "120 h", "180 h"]
    standards = re.search(r'id="standards".*?</table>', html, re.DOTALL).group(0)
    assert "At least 450 hours of specialist CBT training" in standards
    assert re.search(r"At least 450 hours.*?180 h</td>.*?450 h</td>.*?Not yet", standards, re.DOTALL)
    # Taught: 120 h live + online capped at 40 h = 160 h of the 200 h.
    assert re.search(r"At least 200 hours of it taught live.*?160 h</td>.*?200 h</td>", standards, re.DOTALL)
    assert re.search(r"At least 225 hours of training focused on skills.*?120 h</td>.*?225 h</td>", standards, re.DOTALL)


def test_the_training_list_costs_the_same_queries_for_few_and_many_rows(session, owner, signed_in, count_queries):
    client = signed_in(owner)

    def queries_for(n):
        session.execute(TrainingHoursEntry.__table__.delete())
        session.execute(TrainingCourse.__table__.delete())
        for i in range(n):
            c = add_course(session, owner, title=f"Course {i}")
            for kind in ("taught_live", "online_interactive", "self_directed"):
                add_hours(session, c, 60 + i, kind, skills=bool(i % 2))
        session.commit()
        client.get(f"/people/{owner.id}/training")
        with count_queries() as q:
            assert client.get(f"/people/{owner.id}/training").status_code == 200
        return q.count

    assert queries_for(2) == queries_for(20)


def test_the_course_page_costs_the_same_queries_for_few_and_many_entries(session, owner, signed_in, count_queries):
    client = signed_in(owner)
    c = add_course(session, owner)

    def queries_for(n):
        for model in (TrainingHoursEntry, AssessedCaseStudy, UniversitySupervision):
            session.execute(model.__table__.delete())
        for i in range(n):
            add_hours(session, c, 60, "taught_live")
            session.add(AssessedCaseStudy(course_id=c.id, title=f"Study {i}", submitted_on=dt.date(2026, 1, 1)))
            session.add(UniversitySupervision(course_id=c.id, occurred_on=dt.date(2026, 1, 1), minutes=60,
                                              supervisor_name="Dr Lee"))
        session.commit()
        client.get(f"/people/{owner.id}/training/{c.id}")
        with count_queries() as q:
            assert client.get(f"/people/{owner.id}/training/{c.id}").status_code == 200
        return q.count

    assert queries_for(2) == queries_for(20)


# --- delete and undo; access -----------------------------------------------------------------------

def test_deleting_a_course_then_undoing_it(session, owner, signed_in):
    c = add_course(session, owner, title="Old course")
    add_hours(session, c, 600, "taught_live")
    client = signed_in(owner)
    client.submit(f"/people/{owner.id}/training/{c.id}/delete", form_url=f"/people/{owner.id}/training")
    assert training_hours_for(session, owner.id) == ()
    html = client.get(f"/people/{owner.id}/training").get_data(as_text=True)
    assert "Course “Old course” deleted." in html and "Old course</a>" not in html
    client.submit(f"/people/{owner.id}/training/{c.id}/undo", form_url=f"/people/{owner.id}/training")
    assert len(training_hours_for(session, owner.id)) == 1


def test_deleting_hours_then_undoing(session, owner, signed_in):
    c = add_course(session, owner)
    h = add_hours(session, c, 600, "taught_live")
    client = signed_in(owner)
    client.submit(f"/people/{owner.id}/training/{c.id}/hours/{h.id}/delete", form_url=f"/people/{owner.id}/training")
    assert rows(session, TrainingHoursEntry, id=h.id)[0].deleted_at is not None
    client.submit(f"/people/{owner.id}/training/{c.id}/hours/{h.id}/undo", form_url=f"/people/{owner.id}/training")
    assert rows(session, TrainingHoursEntry, id=h.id)[0].deleted_at is None


def _urls(owner_id, course_id, hours_id, live_id):
    base = f"/people/{owner_id}"
    return {"list": ("GET", f"{base}/training"), "course": ("GET", f"{base}/training/{course_id}"),
            "new": ("GET", f"{base}/training/new"), "edit": ("POST", f"{base}/training/{course_id}/edit"),
            "delete": ("POST", f"{base}/training/{course_id}/delete"),
            "hours": ("POST", f"{base}/training/{course_id}/hours/{hours_id}/edit"),
            "hours_delete": ("POST", f"{base}/training/{course_id}/hours/{hours_id}/delete"),
            "live": ("GET", f"{base}/live-assessments"), "live_new": ("POST", f"{base}/live-assessments/new"),
            "live_delete": ("POST", f"{base}/live-assessments/{live_id}/delete")}


def _call(client, method, url):
    if method == "GET":
        return client.get(url)
    return client.submit(url, COURSE, form_url="/account/password")


def _live(session, owner, **fields):
    entry = PwpLiveAssessment(owner_id=owner.id, **{"assessed_on": dt.date(2026, 2, 3), "intervention": "assessment",
                                                    "assessor_name": "Pat", "tool": "Mark sheet", "outcome": "pass",
                                                    **fields})
    session.add(entry)
    session.flush()
    return entry


def test_a_tutor_reads_the_training_record_but_cannot_change_it(session, org, owner, signed_in):
    c = add_course(session, owner)
    h = add_hours(session, c, 600, "taught_live")
    live = _live(session, owner)
    tutor = make_user(session, organisation=org, roles=(Role.COURSE_TUTOR,), profile=False)
    make_relationship(session, senior=tutor, junior=owner, kind=RelationshipKind.TUTORING)
    client = signed_in(tutor)
    for name, (method, url) in _urls(owner.id, c.id, h.id, live.id).items():
        expected = 200 if name in {"list", "course", "live"} else 403
        assert _call(client, method, url).status_code == expected, name


@pytest.mark.parametrize("who", ["hr", "line_manager", "admin", "colleague"])
def test_others_get_404_on_every_training_page(session, org, team, owner, signed_in, who):
    c = add_course(session, owner)
    h = add_hours(session, c, 600, "taught_live")
    live = _live(session, owner)
    if who == "line_manager":
        viewer = make_user(session, organisation=org, roles=(Role.LINE_MANAGER,), profile=False)
        make_relationship(session, senior=viewer, junior=owner, kind=RelationshipKind.LINE_MANAGEMENT)
    elif who == "colleague":
        viewer = make_user(session, team=team)
    else:
        viewer = make_user(session, organisation=org, roles=({"hr": Role.HR, "admin": Role.ADMIN}[who],), profile=False)
    client = signed_in(viewer)
    for name, (method, url) in _urls(owner.id, c.id, h.id, live.id).items():
        assert _call(client, method, url).status_code == 404, name


def test_a_course_of_someone_else_is_not_found_under_your_own_record(session, team, owner, signed_in):
    other = make_user(session, team=team)
    c = add_course(session, other)
    h = add_hours(session, c, 600, "taught_live")
    live = _live(session, other)
    client = signed_in(owner)
    for name, (method, url) in _urls(owner.id, c.id, h.id, live.id).items():
        if name not in {"list", "new", "live", "live_new"}:
            assert _call(client, method, url).status_code == 404, name


# --- PWP live assessments --------------------------------------------------------------------------

def test_recording_changing_and_deleting_a_live_assessment(session, owner, signed_in):
    client = signed_in(owner)
    assert client.submit(f"/people/{owner.id}/live-assessments/new", LIVE).status_code == 302
    [entry] = rows(session, PwpLiveAssessment, owner_id=owner.id)
    assert (entry.intervention, entry.outcome, entry.assessor_name) == ("behavioural_activation", "pass", "Pat Assessor")
    client.submit(f"/people/{owner.id}/live-assessments/{entry.id}/edit", {**LIVE, "outcome": "refer"})
    assert rows(session, PwpLiveAssessment, owner_id=owner.id)[0].outcome == "refer"
    html = client.get(f"/people/{owner.id}/live-assessments").get_data(as_text=True)
    assert "Behavioural activation" in html and "Refer" in html
    client.submit(f"/people/{owner.id}/live-assessments/{entry.id}/delete", form_url=f"/people/{owner.id}/live-assessments")
    assert ratings_for(session, owner.id) == ()
    client.submit(f"/people/{owner.id}/live-assessments/{entry.id}/undo", form_url=f"/people/{owner.id}/live-assessments")
    assert len(ratings_for(session, owner.id)) == 1


@pytest.mark.parametrize(("field", "value", "message"), [
    ("intervention_other", "", "Name the intervention assessed"),
    ("outcome", "distinction", "Choose the outcome"),
    ("assessor_name", "", "Enter the assessor's name"),
])
def test_bad_live_assessments_are_refused_beside_the_field(session, owner, signed_in, field, value, message):
    data = {**LIVE, "intervention": "other", "intervention_other": "Stress control group", field: value}
    response = signed_in(owner).submit(f"/people/{owner.id}/live-assessments/new", data)
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), field) == message
    assert 'value="IAPT PWP intervention skills mark sheet"' in response.get_data(as_text=True)
    assert rows(session, PwpLiveAssessment, owner_id=owner.id) == []


def test_the_live_assessment_list_costs_the_same_queries_for_few_and_many(session, owner, signed_in, count_queries):
    client = signed_in(owner)

    def queries_for(n):
        session.execute(PwpLiveAssessment.__table__.delete())
        for i in range(n):
            _live(session, owner, assessed_on=dt.date(2025, 1 + i % 12, 1 + i % 28))
        session.commit()
        client.get(f"/people/{owner.id}/live-assessments")
        with count_queries() as q:
            assert client.get(f"/people/{owner.id}/live-assessments").status_code == 200
        return q.count

    assert queries_for(2) == queries_for(20)


# --- what the readiness snapshot reads ------------------------------------------------------------

def test_training_hours_for_gives_evidence_records_without_deleted_ones(session, owner):
    c = add_course(session, owner)
    kept = add_hours(session, c, 390, "online_interactive", skills=True, on=dt.date(2025, 11, 3))
    add_hours(session, c, 60, "taught_live").deleted_at = dt.datetime.now(dt.timezone.utc)
    session.flush()
    [record] = training_hours_for(session, owner.id)
    assert (record.id, record.date, record.minutes, record.kind, record.skills_focused) == (
        f"training-hours:{kept.id}", dt.date(2025, 11, 3), 390, "online_interactive", True)


def test_ratings_for_maps_ctsr_and_live_assessments_in_two_queries(session, owner, count_queries):
    session.add(CtsrRating(owner_id=owner.id, rated_on=dt.date(2026, 1, 5), recording_ref="REC-1",
                           rater_role="course_tutor", case_ref="AB12", scores={}, comments={}, total=41, passed=True,
                           pass_mark_used=40))
    _live(session, owner, intervention="other", intervention_other="Stress Control", outcome="refer")
    session.flush()
    with count_queries() as q:
        ctsr, live = ratings_for(session, owner.id)
    assert q.count == 2
    assert (ctsr.scale_id, ctsr.total, ctsr.passed, ctsr.rater_role, ctsr.case_ref) == ("ctsr", 41, True, "marker", "AB12")
    assert (live.scale_id, live.total, live.passed, live.intervention) == (
        "pwp-live-assessment", 0, False, "other:stress control")
