"""The readiness dashboard, the pathways that apply to whom, and the statuses-only summary on the profile page."""
import datetime as dt
import re
from html import unescape

import pytest

from app.services import readiness
from app.services.reference_data import upload_correction
from competences.catalogue import built_in_catalogue, built_in_texts
from competences.credentials import KINDS_BY_ID
from models import Regulator, RelationshipKind, Role, SupervisionKind
from tests.factories import make_organisation, make_relationship, make_service, make_team, make_user
from tests.models.test_snapshot import (add_case, add_contact, add_cpd, add_entries, add_registration,
                                        add_supervision)

TODAY = dt.date.today()
DAY = dt.timedelta(days=1)
REFLECTION = "Learned to pace exposure carefully"
THEME = "Worry about a risky case"


def text_of(html):
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


@pytest.fixture
def org(session):
    return make_organisation(session)


@pytest.fixture
def team(session, org):
    return make_team(session, service=make_service(session, organisation=org))


@pytest.fixture
def trainee(session, team):
    """A trainee HI therapist (a nurse) with evidence that can be counted by hand.

    Supervision (BABCP training formula): 10 individual sessions × 60 min = 600, and 2 groups of 4 × 120 min,
    each counting (120 ÷ 4) × 2 = 60 → 720 min = 12 h, against 40 h. CPD: 3 × 90 min = 4 h 30 min, against
    NMC's 35 h. Contacts: 4 × 50 min.
    """
    person = make_user(session, team=team, full_name="Dan Trainee", band="6",
                       job_title="Trainee high intensity CBT therapist", core_profession="Mental health nurse",
                       band_started_on=TODAY - 200 * DAY, step_started_on=TODAY - 200 * DAY)
    add_registration(session, person, Regulator.NMC, registered_on=TODAY - 6 * 365 * DAY, due=TODAY + 400 * DAY)
    for week in range(10):
        add_supervision(session, person, TODAY - week * 7 * DAY, 60, cases=(("TC-01", 60),), themes=THEME)
    for week in (2, 5):
        add_supervision(session, person, TODAY - week * 7 * DAY - DAY, 120, group_size=4)
    for i in range(3):
        add_cpd(session, person, TODAY - (30 + i) * DAY, 90, title=f"Course {i}",
                reflection_learned=REFLECTION, reflection_practice="I now plan exposure hierarchies")
    add_case(session, person, "TC-01", "gad", training_case=True, attended_sessions=6, started_on=TODAY - 90 * DAY)
    for i in range(4):
        add_contact(session, person, TODAY - i * DAY, 50)
    return person


@pytest.fixture
def supervisor(session, org, trainee):
    senior = make_user(session, roles=(Role.SUPERVISOR,), organisation=org, full_name="Sam Supervisor", band="8a")
    make_relationship(session, senior=senior, junior=trainee, starts_on=TODAY - 300 * DAY)
    return senior


def dashboard_url(person):
    return f"/people/{person.id}/dashboard"


# --- which pathways apply ----------------------------------------------------------------------

def person_with(session, *, roles=(Role.PRACTITIONER,), band, job_title, registrations=(), pay_step=1, organisation=None):
    person = make_user(session, roles=roles, band=band, job_title=job_title, pay_step=pay_step,
                       organisation=organisation)
    for held in registrations:  # a Regulator (its usual credential) or a credential kind
        if isinstance(held, Regulator):
            add_registration(session, person, held)
        else:
            add_registration(session, person, Regulator(KINDS_BY_ID[held].bodies[0]), kind=held)
    return person


P, S, LM = Role.PRACTITIONER, Role.SUPERVISOR, Role.LINE_MANAGER
TPWP = "Trainee psychological wellbeing practitioner"
PWP = "Psychological wellbeing practitioner"
THIT = "Trainee high intensity CBT therapist"
HIT = "High intensity CBT therapist"


@pytest.mark.parametrize("roles, band, job_title, registrations, expected", [
    ((P,), "4", TPWP, (), ["trainee-pwp-to-pwp", "next-pay-step"]),
    ((P,), "5", PWP, (Regulator.BPS,), ["pwp-register-bps", "next-pay-step"]),
    ((P,), "5", PWP, ("babcp_pwp_register",), ["pwp-register-babcp", "next-pay-step"]),
    # BABCP accreditation is not the PWP Register: a PWP accredited as a CBT therapist is offered both registers.
    ((P,), "5", PWP, (Regulator.BABCP,),
     ["pwp-register-babcp", "pwp-register-bps", "babcp-reaccreditation", "next-pay-step"]),
    ((P,), "5", PWP, (), ["pwp-register-babcp", "pwp-register-bps", "next-pay-step"]),
    ((P, S, LM), "6", "Senior psychological wellbeing practitioner", ("babcp_pwp_register",),
     ["pwp-register-babcp", "next-pay-step"]),
    ((P,), "6", THIT, (Regulator.NMC,),
     ["trainee-hit-to-band-7", "babcp-practitioner-accreditation", "nmc-revalidation", "next-pay-step"]),
    # A trainee from a PWP background: on the PWP Register, not accredited.
    ((P,), "6", THIT, ("babcp_pwp_register",),
     ["trainee-hit-to-band-7", "babcp-practitioner-accreditation", "next-pay-step"]),
    ((P, S), "7", HIT, (Regulator.BABCP, Regulator.SWE),
     ["babcp-reaccreditation", "babcp-supervisor-accreditation", "next-pay-step"]),
    ((P,), "7", HIT, (Regulator.BABCP, Regulator.HCPC), ["babcp-reaccreditation", "hcpc-renewal", "next-pay-step"]),
    ((S, LM), "8b", "Clinical lead", (Regulator.NMC, Regulator.BABCP),
     ["babcp-reaccreditation", "babcp-supervisor-accreditation", "nmc-revalidation", "next-pay-step"]),
    ((Role.SERVICE_LEAD,), "8c", "Service lead", (Regulator.HCPC,), ["hcpc-renewal", "next-pay-step"]),
    # Once BABCP supervisor accreditation is recorded, its annual declaration replaces the application.
    ((P, S), "8a", "Principal CBT therapist", (Regulator.BABCP, "babcp_supervisor_accreditation"),
     ["babcp-reaccreditation", "babcp-supervisor-maintenance", "next-pay-step"]),
])
def test_the_pathways_that_apply_follow_the_post_roles_and_registrations(session, org, roles, band, job_title,
                                                                         registrations, expected):
    grants = tuple((r, make_service(session, organisation=org)) if r is Role.SERVICE_LEAD else r for r in roles)
    person = person_with(session, roles=grants, band=band, job_title=job_title, registrations=registrations,
                         organisation=org)

    assert readiness.applicable_pathway_ids(person, person.profile) == expected
    pathways = readiness.applicable_pathways(built_in_catalogue(), person, person.profile, TODAY)
    assert [p.id for p in pathways] == expected


def test_nobody_without_a_staff_profile_has_a_pathway(session):
    hr = make_user(session, roles=(Role.HR,), profile=False)

    assert readiness.applicable_pathways(built_in_catalogue(), hr, None) == []


def test_without_a_pay_step_there_is_no_next_pay_step(session):
    person = person_with(session, band="7", job_title=HIT, pay_step=None)

    assert "next-pay-step" not in readiness.applicable_pathway_ids(person, person.profile)


# --- readiness reports -------------------------------------------------------------------------

def test_the_trainees_reports_count_the_evidence_by_hand(session, trainee):
    reports = {r.pathway_id: r for r in readiness.readiness_for(session, trainee, TODAY)}

    assert list(reports) == ["trainee-hit-to-band-7", "babcp-practitioner-accreditation", "nmc-revalidation",
                             "next-pay-step"]
    mts = reports["babcp-practitioner-accreditation"]
    assert (mts.result("supervision-hours").have, mts.result("supervision-hours").need) == (720, 2400)
    assert mts.result("core-profession").met is True  # the NMC registration
    assert mts.result("supervised-practice").have == 200
    nmc = reports["nmc-revalidation"]
    assert (nmc.result("cpd-hours").have, nmc.result("cpd-hours").need) == (270, 2100)
    assert nmc.status == "not_ready"


def test_an_admins_correction_of_a_pathway_is_what_the_reports_use(session, org, trainee):
    admin = make_user(session, roles=(Role.ADMIN,), organisation=org, profile=False)
    text = dict(built_in_texts())["pathway_trainee_hit_to_band_7.toml"]
    text = text.replace("version = 1", "version = 2", 1).replace("require_babcp_accreditation = true",
                                                                  "require_babcp_accreditation = false")
    upload_correction(session, text=text, note="Our service does not require accreditation for band 7", actor=admin)

    report = readiness.readiness_for(session, trainee, TODAY)[0]

    assert (report.pathway_id, report.pathway_version) == ("trainee-hit-to-band-7", 2)
    assert report.not_applicable == ("babcp-accreditation",)


def test_a_requirement_in_words_gives_figure_target_and_a_bar(session, trainee):
    assessment = readiness.assess(session, trainee, TODAY)
    mts = next(p for p in assessment.pathways if p.report.pathway_id == "babcp-practitioner-accreditation")
    views = {v.result.id: v for v in mts.requirements}

    hours = views["supervision-hours"]
    assert (hours.figure, hours.target, hours.progress) == ("12 h", "40 h", (720, 2400))
    assert hours.progress_text == "12 h of 40 h"
    assert views["training-cases"].progress_text == "1 of 8 cases"  # TC-01: 6 sessions, 10 × 60 min of supervision
    assert hours.log_endpoint == "portfolio.supervision" and hours.not_recorded is None
    # Training hours and ratings are recorded now: none yet is "not yet", with the page that records them.
    assert views["training-hours"].not_recorded is None and views["training-hours"].result.met is False
    assert views["training-hours"].log_endpoint == "portfolio.training"
    assert views["ctsr-passes"].not_recorded is None and views["ctsr-passes"].log_endpoint == "portfolio.ctsr"
    pg_dip = next(p for p in assessment.pathways if p.report.pathway_id == "trainee-hit-to-band-7").requirements[0]
    # Qualifications are recorded on the credentials page now: a missing PG Diploma is "not yet", not "cannot tell".
    assert pg_dip.not_recorded is None and pg_dip.result.met is False
    assert pg_dip.result.missing == ("You need PG Dip HI CBT; none is recorded.",)
    assert pg_dip.progress is None


# --- the dashboard page ------------------------------------------------------------------------

def test_the_dashboard_shows_each_pathway_with_figures_targets_and_whats_missing(client, session, trainee, login_as):
    session.commit()
    login_as(trainee)

    response = client.get(dashboard_url(trainee))

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    page = text_of(html)
    assert "<h1>Your readiness and logs</h1>" in html
    for title in ("Trainee HI CBT therapist to HI CBT therapist (band 7)",
                  "BABCP Practitioner Accreditation (Minimum Training Standards)", "NMC revalidation",
                  "Next pay step (Agenda for Change, England)"):
        assert title in page
    assert "At least 40 hours of CBT supervision" in page
    assert "12 h of 40 h" in page
    assert "Not within 10 years at the current rate" in page  # 12 h in six years of records
    assert 'value="720" max="2400"' in html
    assert "You need 28 h more CBT supervision" in page
    assert "4 h 30 min of 35 h" in page
    assert "No appraisal is recorded." in page and "not recorded in Waymark yet" not in page
    assert "Not yet" in page
    # The three charts, each with its table.
    assert html.count('role="img"') >= 3
    for title in ("Supervision received per month", "Clinical contacts per week", "CPD per year"):
        assert f"{title} as a table" in page


def test_the_dashboard_is_open_to_the_current_supervisor(client, session, trainee, supervisor, login_as):
    session.commit()
    login_as(supervisor)

    html = client.get(dashboard_url(trainee)).get_data(as_text=True)

    assert "<h1>Dan Trainee: readiness and logs</h1>" in html
    assert "12 h of 40 h" in text_of(html)


@pytest.mark.parametrize("role", [Role.HR, Role.ADMIN, Role.SERVICE_LEAD, Role.LINE_MANAGER])
def test_hr_admins_service_leads_and_line_managers_get_404_on_the_dashboard(client, session, org, team, trainee,
                                                                            login_as, role):
    grant = (role, team.service) if role is Role.SERVICE_LEAD else role
    viewer = make_user(session, roles=(grant,), organisation=org, profile=False)
    if role is Role.LINE_MANAGER:
        make_relationship(session, senior=viewer, junior=trainee, kind=RelationshipKind.LINE_MANAGEMENT,
                          starts_on=TODAY - 30 * DAY)
    session.commit()
    login_as(viewer)

    assert client.get(dashboard_url(trainee)).status_code == 404


def test_a_supervisor_whose_relationship_has_ended_gets_404(client, session, org, trainee, login_as):
    former = make_user(session, roles=(Role.SUPERVISOR,), organisation=org)
    make_relationship(session, senior=former, junior=trainee, starts_on=TODAY - 300 * DAY, ends_on=TODAY - DAY)
    session.commit()
    login_as(former)

    assert client.get(dashboard_url(trainee)).status_code == 404


def test_a_person_with_no_profile_sees_that_no_pathway_applies(client, session, org, login_as):
    person = make_user(session, roles=(Role.PRACTITIONER,), organisation=org, profile=False)
    session.commit()
    login_as(person)

    html = client.get(dashboard_url(person)).get_data(as_text=True)

    assert "No readiness pathway applies" in html


def test_the_dashboard_makes_the_same_number_of_queries_for_3_or_30_entries(client, session, org, team, login_as,
                                                                           count_queries):
    few = make_user(session, team=team, band="6", job_title=THIT)
    many = make_user(session, team=team, band="6", job_title=THIT)
    senior = make_user(session, roles=(Role.SUPERVISOR,), organisation=org)
    for person in (few, many):
        add_registration(session, person, Regulator.NMC)
        make_relationship(session, senior=senior, junior=person, supervision_kind=SupervisionKind.CLINICAL,
                          starts_on=TODAY - 400 * DAY)
    add_entries(session, few, 3, today=TODAY)
    add_entries(session, many, 30, today=TODAY)
    session.commit()
    login_as(senior)
    client.get(dashboard_url(few))  # warm the catalogue cache, as any running worker has

    with count_queries() as q_few:
        assert client.get(dashboard_url(few)).status_code == 200
    with count_queries() as q_many:
        html = client.get(dashboard_url(many)).get_data(as_text=True)

    assert "30 h" in text_of(html)  # 30 weekly hours of supervision counted
    assert q_many.count == q_few.count


# --- the profile page and the home page --------------------------------------------------------

@pytest.mark.parametrize("role", [Role.HR, Role.SERVICE_LEAD])
def test_hr_and_service_leads_see_only_statuses_on_the_profile_never_figures_or_private_text(
        client, session, org, team, trainee, login_as, role):
    grant = (role, team.service) if role is Role.SERVICE_LEAD else role
    viewer = make_user(session, roles=(grant,), organisation=org, profile=False)
    session.commit()
    login_as(viewer)

    html = client.get(f"/people/{trainee.id}").get_data(as_text=True)
    page = text_of(html)

    assert "Readiness of Dan Trainee" in page
    assert "BABCP Practitioner Accreditation (Minimum Training Standards) Not yet" in page
    assert re.search(r"NMC revalidation Not yet \d+ of 4", page)
    for private in ("12 h", "40 h", "4 h 30 min", "720", REFLECTION, THEME, "TC-01", "Course 0", "CBT supervision",
                    "Supervision received per month", "What is missing"):
        assert private not in page, private
    assert "/dashboard" not in html


def test_a_line_manager_sees_the_statuses_but_no_dashboard_link(client, session, org, trainee, login_as):
    manager = make_user(session, roles=(Role.LINE_MANAGER,), organisation=org, profile=False)
    make_relationship(session, senior=manager, junior=trainee, kind=RelationshipKind.LINE_MANAGEMENT,
                      starts_on=TODAY - 30 * DAY)
    session.commit()
    login_as(manager)

    html = client.get(f"/people/{trainee.id}").get_data(as_text=True)

    assert "Readiness of Dan Trainee" in text_of(html)
    assert "/dashboard" not in html and "12 h" not in text_of(html)


def test_the_person_gets_a_link_to_their_dashboard_on_their_profile(client, session, trainee, login_as):
    session.commit()
    login_as(trainee)

    html = client.get(f"/people/{trainee.id}").get_data(as_text=True)

    assert f'<a href="/people/{trainee.id}/dashboard">Your readiness and logs</a>' in html
    assert "Readiness of" not in html


def test_the_supervisor_gets_a_link_to_the_dashboard_on_the_profile(client, session, trainee, supervisor, login_as):
    session.commit()
    login_as(supervisor)

    html = client.get(f"/people/{trainee.id}").get_data(as_text=True)

    assert f'<a href="/people/{trainee.id}/dashboard">Dan Trainee&#39;s readiness and logs</a>' in html


def test_the_practitioner_home_page_links_to_the_dashboard(client, session, trainee, login_as):
    session.commit()
    login_as(trainee)

    html = client.get("/practitioner").get_data(as_text=True)

    assert f'href="/people/{trainee.id}/dashboard"' in html
    assert "Your readiness and logs" in html
