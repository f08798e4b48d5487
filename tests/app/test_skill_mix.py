"""Skill mix: recording one's own skills, service targets, the matrix and its gaps, access per role, export, demo."""
import csv
import datetime as dt
import io
import re

import pytest
from sqlalchemy import func, select

from app.services import skill_mix as service
from app.services.errors import DomainError, NotPermitted
from models import RelationshipKind, Role, SkillRecord, SkillTarget, User
from tests.factories import PASSWORD, make_organisation, make_relationship, make_service, make_team, make_user

TODAY = dt.date.today()
DAY = dt.timedelta(days=1)
YEAR = dt.timedelta(days=365)
NHS_NUMBER = "943 476 5919"  # valid check digit (facts §12)


@pytest.fixture
def org(session):
    return make_organisation(session, name="Riverside NHS Foundation Trust")


@pytest.fixture
def alpha(session, org):
    return make_service(session, organisation=org, name="Alpha Talking Therapies")


@pytest.fixture
def beta(session, org):
    return make_service(session, organisation=org, name="Beta Talking Therapies")


@pytest.fixture
def alpha_teams(session, alpha):
    return make_team(session, service=alpha, name="Step 2"), make_team(session, service=alpha, name="Step 3")


def add(session, person, category, code, status=service.QUALIFIED, *, started=None, ended=None, description=None):
    return service.record_skill(session, person, person, category,
                                service.SkillInput(code=code, status=status, started_on=started or TODAY - YEAR,
                                                   ended_on=ended, description=description), today=TODAY)


@pytest.fixture
def world(session, org, alpha, beta, alpha_teams):
    """Alpha: Alice, Bob, Cara (counted), an inactive holder and a lead without a team (not counted); Beta: Dev."""
    step2, step3 = alpha_teams
    w = {
        "alice": make_user(session, team=step3, full_name="Alice Archer", band="7"),
        "bob": make_user(session, team=step2, full_name="Bob Bell"),
        "cara": make_user(session, team=step3, full_name="Cara Cole", band="7"),
        "gone": make_user(session, team=step3, full_name="Gus Gone"),
        "dev": make_user(session, team=make_team(session, service=beta), full_name="Dev Dunn"),
        "lead": make_user(session, organisation=org, roles=((Role.SERVICE_LEAD, alpha), Role.LINE_MANAGER),
                          full_name="Lena Lead", band="8c"),
        "lead_b": make_user(session, organisation=org, roles=((Role.SERVICE_LEAD, beta),), full_name="Ben Beta"),
        "hr": make_user(session, organisation=org, roles=(Role.HR,), profile=False, full_name="Hana HR"),
        "hr_b": make_user(session, organisation=org, roles=((Role.HR, beta),), profile=False, full_name="Hugo HR"),
        "manager": make_user(session, organisation=org, roles=(Role.LINE_MANAGER,), full_name="Max Manager"),
        "stranger": make_user(session, organisation=org, full_name="Sam Stranger"),
    }
    alice, bob, cara = w["alice"], w["bob"], w["cara"]
    add(session, alice, "modality", "emdr")
    add(session, alice, "modality", "cbt")
    add(session, alice, "specialism", "ptsd", service.IN_TRAINING)
    add(session, alice, "development", "audit", description="Audit of step-up decisions")
    add(session, bob, "modality", "emdr", service.IN_TRAINING)
    add(session, bob, "champion", "employment")
    add(session, bob, "development", "teaching", started=TODAY - 2 * YEAR, ended=TODAY - YEAR,
        description="Taught the PWP course skills day")
    add(session, cara, "modality", "ipt")
    add(session, cara, "champion", "lgbtq-engagement", ended=TODAY - DAY)
    add(session, cara, "specialism", "ocd", ended=TODAY)
    add(session, w["gone"], "modality", "emdr")
    w["gone"].active = False
    add(session, w["dev"], "modality", "emdr")
    session.commit()
    return w


def target(session, who, svc, category, code, minimum, note=None):
    t = service.set_target(session, who, svc, category=category, code=code, minimum=minimum, note=note, today=TODAY)
    session.commit()
    return t


@pytest.fixture
def signed_in(app, client, session):
    def sign_in(user):
        session.commit()
        client = app.test_client()
        assert client.submit("/login", {"email": user.email, "password": PASSWORD}).status_code == 302
        return client

    return sign_in


def text_of(response):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


# --- the matrix, hand-computed ---------------------------------------------------------------------

def test_matrix_cells_and_counts_follow_current_records_of_active_people_in_the_service(session, world, alpha):
    lead = world["lead"]
    target(session, lead, alpha, "modality", "emdr", 2)
    target(session, lead, alpha, "area", "therapy", 2)
    target(session, lead, alpha, "specialism", "ptsd", 1, "Trauma pathway")
    m = service.matrix(session, alpha.id, TODAY)

    assert [r.member.name for r in m.rows] == ["Alice Archer", "Bob Bell", "Cara Cole"]
    alice, bob, cara = m.rows
    col = m.column
    # Alice: EMDR and CBT qualified, PTSD in training, a current audit.
    assert alice.cell(col("modality:emdr")) == service.HELD
    assert alice.cell(col("specialism:ptsd")) == service.TRAINING
    assert alice.cell(col("area:therapy")) == service.HELD
    assert alice.cell(col("area:specialist-skills")) == service.HELD
    assert alice.cell(col("area:governance-leadership")) == service.HELD
    # Bob: EMDR in training makes him one step away from therapy and specialist skills; teaching ended last year.
    assert bob.cell(col("modality:emdr")) == service.TRAINING
    assert bob.cell(col("area:therapy")) == service.TRAINING
    assert bob.cell(col("champion:employment")) == service.HELD
    assert bob.cell(col("area:work-employment")) == service.HELD
    assert bob.cell(col("area:education-training")) == service.NONE
    # Cara: the champion role ended yesterday (not counted); OCD ends today (still counts).
    assert cara.cell(col("champion:lgbtq-engagement")) == service.NONE
    assert cara.cell(col("area:social-inclusion-equality")) == service.NONE
    assert cara.cell(col("specialism:ocd")) == service.HELD
    assert cara.cell(col("modality:ipt")) == service.HELD

    emdr = m.totals["modality:emdr"]
    assert (emdr.held, emdr.target, emdr.gap) == (1, 2, 1)  # Gus is inactive, Dev is in Beta
    assert [p.name for p in emdr.one_step_away] == ["Bob Bell"]
    therapy = m.totals["area:therapy"]
    assert (therapy.held, therapy.target, therapy.gap, [p.name for p in therapy.one_step_away]) == (
        2, 2, 0, ["Bob Bell"])
    ptsd = m.totals["specialism:ptsd"]
    assert (ptsd.held, ptsd.gap, ptsd.note, [p.name for p in ptsd.one_step_away]) == (
        0, 1, "Trauma pathway", ["Alice Archer"])
    assert m.totals["champion:lgbtq-engagement"].held == 0
    assert m.totals["area:specialist-skills"].held == 2
    assert [t.column.key for t in m.gaps] == ["modality:emdr", "specialism:ptsd"]
    assert [g.title for g in m.groups] == ["Competence areas", "Modalities", "Specialisms", "Champion roles"]
    assert [r.member.name for r in m.rows_for(col("modality:emdr"))] == ["Alice Archer", "Bob Bell"]
    assert [r.member.name for r in m.rows_for(col("modality:emdr"), service.HELD)] == ["Alice Archer"]


def test_gaps_list_unmet_targets_across_services_with_the_people_one_step_away(session, world, alpha, beta, org):
    lead, lead_b = world["lead"], world["lead_b"]
    target(session, lead, alpha, "modality", "emdr", 2)
    target(session, lead, alpha, "specialism", "ptsd", 1)
    target(session, lead, alpha, "modality", "couple-therapy-depression", 1)
    target(session, lead, alpha, "modality", "ipt", 1)  # met by Cara
    target(session, lead_b, beta, "modality", "emdr", 1)  # met by Dev
    target(session, lead_b, beta, "specialism", "ocd", 2)

    found = service.gaps(session, None, org.id, TODAY)
    assert [(g.service.name, g.column_key, g.target, g.held, g.short_by, g.one_step_away) for g in found] == [
        ("Alpha Talking Therapies", "modality:couple-therapy-depression", 1, 0, 1, ()),
        ("Alpha Talking Therapies", "modality:emdr", 2, 1, 1, ("Bob Bell",)),
        ("Alpha Talking Therapies", "specialism:ptsd", 1, 0, 1, ("Alice Archer",)),
        ("Beta Talking Therapies", "specialism:ocd", 2, 0, 2, ()),
    ]
    assert found[1].title == "Eye movement desensitisation and reprocessing" and found[1].category_label == "Modality"
    assert [g.column_key for g in service.gaps(session, [beta.id], org.id, TODAY)] == ["specialism:ocd"]
    assert service.gaps(session, [], org.id, TODAY) == []
    assert service.gaps(session, None, make_organisation(session).id, TODAY) == []


def test_an_area_target_counts_anyone_holding_any_skill_that_evidences_it(session, world, alpha, org):
    target(session, world["lead"], alpha, "area", "education-training", 1)
    (gap,) = service.gaps(session, None, org.id, TODAY)
    # Bob's teaching ended last year, so nobody holds education and training today.
    assert (gap.column_key, gap.held, gap.short_by, gap.one_step_away) == ("area:education-training", 0, 1, ())


def _people(session, team, n):
    for i in range(n):
        person = make_user(session, team=team, full_name=f"Extra {i:02}")
        add(session, person, "modality", "emdr", service.IN_TRAINING if i % 2 else service.QUALIFIED)
        add(session, person, "champion", "employment")
    session.commit()


def test_matrix_and_gaps_take_the_same_number_of_queries_for_3_or_12_people(session, world, alpha, alpha_teams, org,
                                                                             count_queries):
    target(session, world["lead"], alpha, "modality", "emdr", 20)
    with count_queries() as few:
        service.matrix(session, alpha.id, TODAY)
        service.gaps(session, None, org.id, TODAY)
    _people(session, alpha_teams[0], 9)
    with count_queries() as many:
        m = service.matrix(session, alpha.id, TODAY)
        (gap,) = service.gaps(session, None, org.id, TODAY)
    assert len(m.rows) == 12 and gap.held == 6  # Alice and five of the nine extras
    assert many.count == few.count, many.statements


def test_the_matrix_page_takes_the_same_number_of_queries_for_3_or_12_people(session, world, alpha, alpha_teams,
                                                                             signed_in, count_queries):
    target(session, world["lead"], alpha, "modality", "emdr", 20)
    client = signed_in(world["lead"])
    url = f"/services/{alpha.id}/skill-mix"
    client.get(url)
    with count_queries() as few:
        assert client.get(url).status_code == 200
    _people(session, alpha_teams[0], 9)
    with count_queries() as many:
        assert client.get(url).status_code == 200
    assert many.count == few.count, many.statements


# --- the matrix page -------------------------------------------------------------------------------

def test_the_service_lead_reads_gaps_first_then_the_matrix(session, world, alpha, signed_in):
    target(session, world["lead"], alpha, "modality", "emdr", 2, "Trauma pathway")
    response = signed_in(world["lead"]).get(f"/services/{alpha.id}/skill-mix")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.index("Gaps against target") < html.index("The matrix")
    page = text_of(response)
    assert "Modality: Eye movement desensitisation and reprocessing Trauma pathway 2 1 1 one step away" not in page
    assert re.search(r"Modality: Eye movement desensitisation and reprocessing Trauma pathway Target 2 Held 1 "
                     r"holding Eye movement desensitisation and reprocessing Short by 1 One step away Bob Bell", page)
    assert f'href="/services/{alpha.id}/skill-mix?column=modality:emdr&amp;status=held#people"' in html
    assert '<th scope="col" class="nhsuk-table__header"><abbr title="Eye movement desensitisation and reprocessing">EMDR</abbr></th>' in html
    assert "Gus Gone" not in page and "Dev Dunn" not in page
    # Status only: no descriptions of anyone's work on the service page.
    assert "Audit of step-up decisions" not in page


def test_a_number_links_to_the_people_behind_it(session, world, alpha, signed_in):
    client = signed_in(world["lead"])
    page = text_of(client.get(f"/services/{alpha.id}/skill-mix?column=modality:emdr&status=in_training"))
    people = page.split("Modality: Eye movement desensitisation and reprocessing: in training")[1].split("Show the whole")[0]
    assert "Bob Bell" in people and "Alice Archer" not in people
    both = text_of(client.get(f"/services/{alpha.id}/skill-mix?column=modality:emdr"))
    listed = both.split("holding it or in training")[1].split("Show the whole")[0]
    assert "Alice Archer Step 3 Held" in listed and "Bob Bell Step 2 In training" in listed


def test_no_targets_and_all_met_are_said_plainly(session, world, alpha, signed_in):
    client = signed_in(world["lead"])
    assert "No targets are set yet" in text_of(client.get(f"/services/{alpha.id}/skill-mix"))
    target(session, world["lead"], alpha, "modality", "ipt", 1)
    assert "Every target is met (1 target)" in text_of(client.get(f"/services/{alpha.id}/skill-mix"))


def test_the_matrix_exports_as_csv_and_xlsx(session, world, alpha, signed_in):
    target(session, world["lead"], alpha, "modality", "emdr", 2)
    client = signed_in(world["lead"])
    response = client.get(f"/services/{alpha.id}/skill-mix?format=csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert re.match(r'attachment; filename="skill-mix-\d{4}-\d{2}-\d{2}\.csv"', response.headers["Content-Disposition"])
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    header = rows[0]
    assert header[:3] == ["Name", "Team", "Competence area: Therapy"]
    emdr = header.index("Modality: Eye movement desensitisation and reprocessing")
    by_name = {r[0]: r for r in rows[1:]}
    assert by_name["Alice Archer"][1] == "Step 3" and by_name["Alice Archer"][emdr] == "Held"
    assert by_name["Bob Bell"][emdr] == "In training" and by_name["Cara Cole"][emdr] == ""
    assert (by_name["Total held"][emdr], by_name["In training"][emdr], by_name["Target"][emdr],
            by_name["Short by"][emdr]) == ("1", "1", "2", "1")
    assert len(rows) == 1 + 3 + 4
    filtered = client.get(f"/services/{alpha.id}/skill-mix?format=csv&column=modality:emdr&status=held")
    names = [r[0] for r in csv.reader(io.StringIO(filtered.get_data(as_text=True).lstrip("\ufeff")))]
    assert names[1:] == ["Alice Archer", "Total held", "In training", "Target", "Short by"]
    xlsx = client.get(f"/services/{alpha.id}/skill-mix?format=xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    assert client.get(f"/services/{alpha.id}/skill-mix?format=pdf").status_code == 404


# --- who may see the matrix ------------------------------------------------------------------------

@pytest.mark.parametrize(("who", "alpha_status", "beta_status"), [
    ("lead", 200, 404),        # leads Alpha only
    ("lead_b", 404, 200),
    ("hr", 200, 200),          # organisation-wide HR
    ("hr_b", 404, 200),        # HR scoped to Beta
    ("manager", 404, 404),     # a line manager is not the service's lead
    ("stranger", 403, 403),    # a practitioner has no service-wide pages at all
])
def test_the_matrix_and_targets_belong_to_the_service_lead_and_hr_covering_it(session, world, alpha, beta, signed_in,
                                                                             who, alpha_status, beta_status):
    client = signed_in(world[who])
    for svc, status in ((alpha, alpha_status), (beta, beta_status)):
        assert client.get(f"/services/{svc.id}/skill-mix").status_code == status
        assert client.get(f"/services/{svc.id}/skill-mix/targets").status_code == status
        assert client.get(f"/services/{svc.id}/skill-mix?format=csv").status_code == status


def test_another_organisations_hr_and_a_missing_service_get_404(session, world, alpha, signed_in):
    outsider = make_user(session, roles=(Role.HR,), profile=False)
    assert signed_in(outsider).get(f"/services/{alpha.id}/skill-mix").status_code == 404
    assert signed_in(world["hr"]).get("/services/999999/skill-mix").status_code == 404


# --- targets -------------------------------------------------------------------------------------

def test_the_lead_sets_changes_and_removes_a_target(session, world, alpha, signed_in):
    client = signed_in(world["lead"])
    url = f"/services/{alpha.id}/skill-mix/targets"
    response = client.submit(url, {"code": "modality:emdr", "minimum": "2", "note": "Trauma pathway"})
    assert response.status_code == 302
    assert client.submit(url, {"code": "modality:emdr", "minimum": "3", "note": ""}).status_code == 302
    saved = session.scalars(select(SkillTarget)).one()
    assert (saved.category, saved.code, saved.minimum, saved.note, saved.set_by_id) == (
        "modality", "emdr", 3, None, world["lead"].id)
    page = text_of(client.get(url))
    assert "Modality: Eye movement desensitisation and reprocessing At least 3 Note None" in page
    assert client.submit(f"{url}/{saved.id}/remove", {}, form_url=url).status_code == 302
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(SkillTarget)) == 0


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"code": "modality:emdr", "minimum": "0"}, "minimum", "The target must be between 1 and 999 people"),
    ({"code": "modality:emdr", "minimum": "two"}, "minimum", "Enter the target as a whole number of people, like 2"),
    ({"code": "modality:emdr", "minimum": ""}, "minimum", "Enter the number of people the service needs, 1 or more"),
    ({"code": "modality:astrology", "minimum": "1"}, "code",
     "Choose a competence area, modality, specialism or champion role from the list"),
    ({"code": "", "minimum": "1"}, "code", "Choose what the target is for"),
    ({"code": "modality:emdr", "minimum": "1", "note": f"Ask about {NHS_NUMBER}"}, "note", "This looks like an NHS number"),
])
def test_a_bad_target_is_refused_beside_its_field_with_typed_values_kept(session, world, alpha, signed_in, data, field,
                                                                         message):
    response = signed_in(world["lead"]).submit(f"/services/{alpha.id}/skill-mix/targets", data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "There is a problem" in html and f'href="#{field}"' in html
    assert re.search(rf'id="{field}-error">\s*<span class="nhsuk-u-visually-hidden">Error: </span>{re.escape(message)}', html)
    if data["minimum"]:
        assert f'value="{data["minimum"]}"' in html
    assert session.scalar(select(func.count()).select_from(SkillTarget)) == 0


def test_the_service_refuses_minimum_zero_unknown_codes_and_outsiders(session, world, alpha, beta):
    lead = world["lead"]
    with pytest.raises(DomainError) as low:
        service.set_target(session, lead, alpha, category="modality", code="emdr", minimum=0, note=None, today=TODAY)
    assert (low.value.field, low.value.message) == ("minimum", "The target must be at least 1 person")
    for category, code in (("modality", "astrology"), ("area", "emdr"), ("development", "audit"), ("x", "y")):
        with pytest.raises(DomainError) as unknown:
            service.set_target(session, lead, alpha, category=category, code=code, minimum=1, note=None, today=TODAY)
        assert unknown.value.field == "code"
    with pytest.raises(NotPermitted):
        service.set_target(session, lead, beta, category="modality", code="emdr", minimum=1, note=None, today=TODAY)
    beta_target = target(session, world["lead_b"], beta, "modality", "emdr", 1)
    with pytest.raises(NotPermitted):
        service.remove_target(session, lead, alpha, beta_target)


# --- a person's skills page ------------------------------------------------------------------------

def test_the_owner_records_changes_and_deletes_their_own_skills(session, world, signed_in):
    alice = world["alice"]
    client = signed_in(alice)
    base = f"/people/{alice.id}/skills"
    response = client.submit(f"{base}/new/modality", {"code": "mbct", "status": "in_training",
                                                      "started_on": (TODAY - DAY).isoformat(), "ended_on": "",
                                                      "description": "MBCT teacher training, year one"})
    assert response.status_code == 302 and response.headers["Location"].endswith(base)
    record = session.scalars(select(SkillRecord).where(SkillRecord.code == "mbct")).one()
    assert (record.category, record.status, record.started_on) == ("modality", "in_training", TODAY - DAY)
    response = client.submit(f"{base}/{record.id}/edit", {"code": "mbct", "status": "qualified",
                                                          "started_on": (TODAY - DAY).isoformat(), "ended_on": "",
                                                          "description": ""})
    assert response.status_code == 302
    session.expire_all()
    assert (record.status, record.description) == ("qualified", None)
    assert client.submit(f"{base}/{record.id}/delete", {}).status_code == 302
    assert session.scalar(select(func.count()).select_from(SkillRecord).where(SkillRecord.code == "mbct")) == 0


def test_champion_and_development_forms_have_no_status_and_development_needs_a_description_and_start(session, world,
                                                                                                    signed_in):
    alice = world["alice"]
    client = signed_in(alice)
    url = f"/people/{alice.id}/skills/new/development"
    html = client.get(url).get_data(as_text=True)
    assert 'name="status"' not in html
    response = client.submit(url, {"code": "quality-improvement", "started_on": "", "ended_on": "",
                                   "description": ""})
    assert response.status_code == 400
    assert "Describe the work: what was run, taught or improved" in text_of(response)
    response = client.submit(url, {"code": "quality-improvement", "started_on": "", "ended_on": "",
                                   "description": "Waiting-list QI project"})
    assert response.status_code == 400 and "Enter the date the work started" in text_of(response)
    assert "Waiting-list QI project" in response.get_data(as_text=True)  # typed values kept
    response = client.submit(url, {"code": "quality-improvement", "started_on": TODAY.isoformat(), "ended_on": "",
                                   "description": "Waiting-list QI project"})
    assert response.status_code == 302
    assert client.submit(f"/people/{alice.id}/skills/new/champion",
                         {"code": "physical-activity", "started_on": "", "ended_on": "", "description": ""}
                         ).status_code == 302
    assert session.scalars(select(SkillRecord.status).where(SkillRecord.code == "physical-activity")).one() == "qualified"


def test_an_nhs_number_in_a_description_is_refused_beside_the_field(session, world, signed_in):
    alice = world["alice"]
    response = signed_in(alice).submit(f"/people/{alice.id}/skills/new/development", {
        "code": "group", "started_on": TODAY.isoformat(), "ended_on": "",
        "description": f"Stress-control group; follow up {NHS_NUMBER}"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'href="#description"' in html and "This looks like an NHS number" in html
    assert session.scalar(select(func.count()).select_from(SkillRecord).where(SkillRecord.code == "group")) == 0


@pytest.mark.parametrize(("values", "field", "message"), [
    (dict(code="emdr"), "code", "Eye movement desensitisation and reprocessing is already recorded"),
    (dict(code="astrology"), "code", "Choose the modality from the list"),
    (dict(code="dit", status="lapsed"), "status", "Choose qualified or in training"),
    (dict(code="dit", started_on=TODAY + DAY), "started_on", "The start date cannot be in the future"),
    (dict(code="dit", started_on=TODAY - DAY, ended_on=TODAY - 2 * DAY), "ended_on",
     "The end date cannot be before the start date"),
    (dict(code="dit", description="x" * 1001), "description", "The description must be 1,000 characters or fewer"),
])
def test_the_service_refuses_bad_records_naming_the_field(session, world, values, field, message):
    alice = world["alice"]
    with pytest.raises(DomainError) as caught:
        service.record_skill(session, alice, alice, "modality", service.SkillInput(**values), today=TODAY)
    assert caught.value.field == field and caught.value.message.startswith(message)


def test_an_ended_record_does_not_block_recording_it_again_and_champions_are_never_in_training(session, world):
    cara = world["cara"]
    again = add(session, cara, "champion", "lgbtq-engagement")  # the earlier one ended yesterday
    assert again.id is not None
    with pytest.raises(DomainError) as caught:
        add(session, cara, "champion", "social-inclusion", service.IN_TRAINING)
    assert caught.value.field == "status"


def test_only_the_owner_changes_their_skills(session, world, signed_in):
    alice, lead = world["alice"], world["lead"]
    record = session.scalars(select(SkillRecord).where(SkillRecord.code == "emdr",
                                                       SkillRecord.profile_id == alice.profile.id)).one()
    client = signed_in(lead)
    assert client.get(f"/people/{alice.id}/skills").status_code == 200
    assert client.get(f"/people/{alice.id}/skills/new/modality").status_code == 403
    assert client.get(f"/people/{alice.id}/skills/{record.id}/edit").status_code == 403
    assert client.submit(f"/people/{alice.id}/skills/{record.id}/delete", {},
                         form_url=f"/people/{alice.id}/skills").status_code == 403
    with pytest.raises(NotPermitted):
        service.record_skill(session, lead, alice, "modality", service.SkillInput(code="dit"), today=TODAY)
    with pytest.raises(NotPermitted):
        service.delete_skill(session, lead, alice, record)
    bob_client = signed_in(world["bob"])
    # Someone else's record id under one's own page is not found.
    assert bob_client.get(f"/people/{world['bob'].id}/skills/{record.id}/edit").status_code == 404
    assert signed_in(alice).get(f"/people/{alice.id}/skills/new/horoscope").status_code == 404


@pytest.mark.parametrize(("who", "status"), [
    ("alice", 200), ("lead", 200), ("hr", 200), ("lead_b", 404), ("hr_b", 404), ("stranger", 404), ("bob", 404),
    ("manager", 404),
])
def test_a_persons_skills_page_is_seen_by_those_who_may_see_them(session, world, signed_in, who, status):
    assert signed_in(world[who]).get(f"/people/{world['alice'].id}/skills").status_code == status


def test_the_current_supervisor_and_line_manager_may_read_it(session, world, signed_in):
    alice = world["alice"]
    supervisor = make_user(session, organisation=alice.organisation, roles=(Role.PRACTITIONER, Role.SUPERVISOR))
    make_relationship(session, senior=supervisor, junior=alice, starts_on=TODAY - YEAR)
    make_relationship(session, senior=world["manager"], junior=alice, kind=RelationshipKind.LINE_MANAGEMENT,
                      starts_on=TODAY - YEAR)
    assert signed_in(supervisor).get(f"/people/{alice.id}/skills").status_code == 200
    page = signed_in(world["manager"]).get(f"/people/{alice.id}/skills")
    assert page.status_code == 200 and "Change" not in text_of(page).replace("changes", "")


def test_the_page_shows_records_areas_and_senior_band_evidence(session, world, signed_in):
    bob = world["bob"]
    page = text_of(signed_in(bob).get(f"/people/{bob.id}/skills"))
    assert "Your skills" in page
    assert "Employment champion Status Current" in page
    assert "Taught the PWP course skills day" in page and "Ended" in page
    assert "Work and employment Evidenced by Employment champion In training None" in page
    assert "Therapy Evidenced by Nothing yet In training Eye movement desensitisation and reprocessing" in page
    # The finished teaching still counts towards senior-band requirements.
    assert re.search(r"Clinical leadership Teaching or training colleagues and students \(", page)


def test_senior_evidence_groups_records_by_theme_past_work_included(session, world):
    by_theme = {t.theme.id: [r.title for r in t.records] for t in service.senior_evidence(session, world["alice"], TODAY)}
    assert by_theme["quality-improvement"] == ["Clinical audit"]
    assert by_theme["service-management"] == []
    bob = {t.theme.id: [(r.title, r.current) for r in t.records]
           for t in service.senior_evidence(session, world["bob"], TODAY)}
    assert bob["clinical-leadership"] == [("Teaching or training colleagues and students", False)]


def test_every_skill_mix_endpoint_declares_a_policy(app):
    for rule in app.url_map.iter_rules():
        if "skill" in rule.rule:
            assert getattr(app.view_functions[rule.endpoint], "__waymark_policy__", None), rule.rule


# --- the demo ------------------------------------------------------------------------------------

def test_the_demo_skill_mix_shows_gaps_and_people_one_step_away(session):
    from app.services.demo import DOMAIN, load_demo
    from tests.factories import TEST_SETTINGS

    load_demo(session, TEST_SETTINGS, today=TODAY)
    users = {u.email.split(".")[0]: u for u in session.scalars(select(User).where(User.email.endswith(DOMAIN)))}
    session.commit()
    helen = users["helen"]
    found = service.gaps(session, None, helen.organisation_id, TODAY)
    assert [(g.column_key, g.target, g.held, g.one_step_away) for g in found] == [
        ("modality:ipt", 1, 0, ("Owen Griffiths",)),
        ("modality:couple-therapy-depression", 1, 0, ()),
        ("modality:emdr", 2, 1, ("Rachel Adeyemi",)),
        ("specialism:perinatal", 1, 0, ("Leah Brennan",)),
    ]
    m = service.matrix(session, found[0].service.id, TODAY)
    assert m.totals["champion:social-inclusion"].held == 1 and m.totals["champion:social-inclusion"].gap == 0
    assert "Helen Marsh" not in [r.member.name for r in m.rows]  # no team: not counted
    evidence = {t.theme.id: [r.title for r in t.records] for t in service.senior_evidence(session, users["mark"], TODAY)}
    # Newest first; Mark's audit ended two months ago and still counts as evidence.
    assert evidence["quality-improvement"] == ["Quality improvement project", "Clinical audit"]


def test_an_admin_adds_a_modality_by_uploading_a_corrected_vocabulary(session, world, signed_in):
    from app.services.reference_data import upload_correction
    from competences.catalogue import built_in_catalogue

    admin = make_user(session, organisation=world["alice"].organisation, roles=(Role.ADMIN,), profile=False)
    text = built_in_catalogue().current("skill-mix").text.replace("version = 1", "version = 2", 1)
    text += '\n[[modalities]]\nid = "cbt-psychosis"\ntitle = "CBT for psychosis"\nareas = ["therapy", "specialist-skills"]\n'
    upload_correction(session, text=text, note="The service now offers CBTp", actor=admin)
    session.commit()
    alice = world["alice"]
    client = signed_in(alice)
    assert '<option value="cbt-psychosis">CBT for psychosis</option>' in client.get(
        f"/people/{alice.id}/skills/new/modality").get_data(as_text=True)
    assert client.submit(f"/people/{alice.id}/skills/new/modality",
                         {"code": "cbt-psychosis", "status": "qualified", "started_on": "", "ended_on": "",
                          "description": ""}).status_code == 302
    m = service.matrix(session, alice.profile.team.service_id, TODAY)
    assert m.totals["modality:cbt-psychosis"].held == 1
