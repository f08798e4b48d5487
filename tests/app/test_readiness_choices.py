"""What the person chose changes their pathways: a KSA portfolio, its route, and their course's CTS-R settings."""
import datetime as dt

from app.services import readiness
from models.ksa import KsaPortfolio
from models.countersigning import CountersignStatus
from models.training import CtsrRating, TrainingCourse
from tests.factories import make_user

TODAY = dt.date.today()
DAY = dt.timedelta(days=1)


def trainee(session, **fields):
    return make_user(session, band="6", job_title="Trainee high intensity CBT therapist",
                     core_profession="Psychological wellbeing practitioner", **fields)


def reports_of(session, person):
    return {r.pathway_id: r for r in readiness.readiness_for(session, person, TODAY)}


def add_course(session, person, *, pass_mark=None, recordings=None, status="in_progress", started=400):
    course = TrainingCourse(owner_id=person.id, title="PG Dip in CBT", kind="pg_dip_hi_cbt",
                            started_on=TODAY - started * DAY, status=status, ctsr_pass_mark=pass_mark,
                            recordings_required=recordings)
    session.add(course)
    session.flush()
    return course


def add_rating(session, person, total, *, days_ago, rater_role="supervisor",
               confirm_status=CountersignStatus.CONFIRMED):
    # Stored as saved under the scale's usual mark; the pathway re-judges totals by the mark in force.
    session.add(CtsrRating(owner_id=person.id, rated_on=TODAY - days_ago * DAY, recording_ref=f"REC-{days_ago}",
                           case_ref=f"TC-{days_ago}", rater_role=rater_role, rater_name="Dr Rater", scores={},
                           comments={}, total=total, passed=total >= 36, pass_mark_used=36,
                           confirm_status=confirm_status))
    session.flush()


def test_without_a_ksa_portfolio_the_ksa_pathway_does_not_apply_and_a_core_profession_is_required(session):
    person = trainee(session)

    reports = reports_of(session, person)

    assert "ksa-portfolio" not in reports
    assert "core-profession" not in reports["babcp-practitioner-accreditation"].not_applicable


def test_a_ksa_portfolio_brings_the_ksa_pathway_on_its_route_and_drops_the_core_profession_requirement(session):
    person = trainee(session)
    session.add(KsaPortfolio(owner_id=person.id, route="condensed-pwp", background="Qualified PWP",
                             started_on=TODAY - 30 * DAY))
    session.flush()

    reports = reports_of(session, person)

    assert reports["ksa-portfolio"].settings["ksa_variant"] == "condensed-pwp"
    # The condensed route spares five of the fourteen criteria (framework_ksa.toml).
    assert reports["ksa-portfolio"].result("ksa-criteria").need == 9
    assert "core-profession" in reports["babcp-practitioner-accreditation"].not_applicable


def test_the_full_ksa_route_needs_every_criterion(session):
    person = trainee(session)
    session.add(KsaPortfolio(owner_id=person.id, route=None, started_on=TODAY - 30 * DAY))
    session.flush()

    report = reports_of(session, person)["ksa-portfolio"]

    assert report.settings["ksa_variant"] == ""
    assert report.result("ksa-criteria").need == 14


def test_the_current_courses_pass_mark_and_recordings_judge_the_ctsr_requirement(session):
    person = trainee(session)
    for total, days_ago in ((36, 90), (38, 60), (41, 30), (44, 10)):
        add_rating(session, person, total, days_ago=days_ago)
    # An older finished course with other settings does not count; the one in progress does.
    add_course(session, person, pass_mark=30, recordings=1, status="passed", started=2000)
    add_course(session, person, pass_mark=40, recordings=2)

    result = reports_of(session, person)["babcp-practitioner-accreditation"].result("ctsr-passes")

    # Pass mark 40: 41 and 44 pass (two different cases), 36 and 38 do not; 2 passes needed.
    assert (result.have, result.need, result.met) == (2, 2, True)


def test_with_no_course_settings_the_pathways_own_defaults_apply(session):
    person = trainee(session)
    for total, days_ago in ((36, 90), (38, 60)):
        add_rating(session, person, total, days_ago=days_ago)
    add_course(session, person)

    result = reports_of(session, person)["babcp-practitioner-accreditation"].result("ctsr-passes")

    # The pathway's defaults: pass mark 36, 3 passes needed.
    assert (result.have, result.need, result.met) == (2, 3, False)


def test_only_confirmed_supervisor_ratings_and_markers_ratings_count_never_self_ratings(session):
    person = trainee(session)
    add_rating(session, person, 50, days_ago=90, rater_role="self")
    add_rating(session, person, 50, days_ago=80, confirm_status=CountersignStatus.AWAITING)
    add_rating(session, person, 50, days_ago=70, confirm_status=CountersignStatus.DISPUTED)
    add_rating(session, person, 50, days_ago=60)
    add_rating(session, person, 50, days_ago=50, rater_role="course_tutor")

    result = reports_of(session, person)["babcp-practitioner-accreditation"].result("ctsr-passes")

    # The confirmed supervisor rating and the course marker's: 2 of the 3 needed.
    assert (result.have, result.need) == (2, 3)
