"""The KSA pages: overview and checklist, route, biography, experience, study, documents and references; privacy and query counts."""
import datetime as dt
import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from competences.claims import ClaimStatus
from models import ClaimEvidence, CompetenceClaim, EvidenceItem, RelationshipKind, Role, StoredFile
from models.ksa import KsaExperience, KsaPortfolio, KsaStudy, ReferenceRequest, ReferenceStatus
from tests.factories import PASSWORD, make_organisation, make_relationship, make_service, make_team, make_user

TODAY = dt.date.today()
EXPERIENCE = {"kind": "employment", "organisation": "Riverside Mind", "role_title": "Support worker",
              "started_on": "2024-01-01", "ended_on": "2024-12-31", "hours_per_week": "37.5",
              "mental_health_setting": "yes", "accountable_to": "Dr A Smith, psychiatrist",
              "description": "Key worker for adults in supported housing."}
STUDY = {"topic": "Attachment across the lifespan", "source": "Bowlby", "started_on": "2026-01-05", "ended_on": "",
         "hours": "2.5", "criteria": ["ksa-1", "ksa-4"], "learned": "Secure base."}


@pytest.fixture
def org(session):
    return make_organisation(session)


@pytest.fixture
def team(session, org):
    return make_team(session, service=make_service(session, organisation=org))


@pytest.fixture
def owner(session, team):
    return make_user(session, team=team, full_name="Kim Trainee")


@pytest.fixture
def supervisor(session, org, owner):
    sup = make_user(session, organisation=org, roles=(Role.SUPERVISOR,), profile=False, full_name="Sam Supervisor")
    make_relationship(session, senior=sup, junior=owner, starts_on=dt.date(2025, 1, 1))
    return sup


@pytest.fixture
def signed_in(app, client, session):
    def sign_in(user):
        session.commit()
        client = app.test_client()
        assert client.submit("/login", {"email": user.email, "password": PASSWORD}).status_code == 302
        return client
    return sign_in


def field_error(html, field):
    match = re.search(rf'id="{field}-error"[^>]*>\s*<span class="nhsuk-u-visually-hidden">Error:\s*</span>\s*(.*?)\s*</span>',
                      html, re.DOTALL)
    return " ".join(match.group(1).split()) if match else None


def rows(session, model, owner):
    session.expire_all()
    return list(session.scalars(select(model).where(model.owner_id == owner.id).order_by(model.id)))


def start(session, owner, route=None, biography=None):
    portfolio = KsaPortfolio(owner_id=owner.id, route=route, background="PWP" if route else None,
                             biography=biography, started_on=dt.date(2026, 1, 1))
    session.add(portfolio)
    session.flush()
    return portfolio


# --- route and overview -------------------------------------------------------------------------------

def test_a_trainee_starts_on_the_condensed_route_and_sees_exempt_criteria_as_not_needed(session, owner, signed_in):
    client = signed_in(owner)
    html = client.get(f"/people/{owner.id}/ksa").get_data(as_text=True)
    assert "You have not started a KSA portfolio." in html
    response = client.submit(f"/people/{owner.id}/ksa/route", {"route": "condensed-pwp",
                                                                "background": "Qualified PWP, 2022"})
    assert response.status_code == 302
    [portfolio] = rows(session, KsaPortfolio, owner)
    assert (portfolio.route, portfolio.background) == ("condensed-pwp", "Qualified PWP, 2022")
    html = client.get(f"/people/{owner.id}/ksa").get_data(as_text=True)
    assert "Condensed KSA for Psychological Wellbeing Practitioners" in html
    assert "Qualified PWPs who passed a BPS-accredited PWP programme" in html
    assert html.count("Not needed on the condensed route") == 5
    assert "0 of 9 criteria signed off" in html
    assert f"/people/{owner.id}/claims/new?framework=ksa&amp;item=ksa-1" in html


def test_a_condensed_route_without_a_background_is_refused_beside_it_with_the_choice_kept(session, owner, signed_in):
    client = signed_in(owner)
    response = client.submit(f"/people/{owner.id}/ksa/route", {"route": "condensed-pwp", "background": ""})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert field_error(html, "background") == "Say which part of your background qualifies you for the condensed route"
    assert re.search(r'value="condensed-pwp"[^>]*checked', html)
    assert rows(session, KsaPortfolio, owner) == []


def test_the_overview_shows_claims_evidence_and_totals(session, owner, signed_in):
    start(session, owner, biography="Trained as a nurse in 2015.")
    claim = CompetenceClaim(owner_id=owner.id, framework_id="ksa", framework_version=1, item_id="ksa-1",
                            status=ClaimStatus.SIGNED_OFF,
                            statement={"how-learned": "A course", "what-learned": "Life stages",
                                       "critical-appraisal": "Useful", "illustrative-examples": "1. One.\n2. Two."})
    session.add(claim)
    session.add(StoredFile(sha256="a" * 64, size=1, media_type="application/pdf"))
    session.flush()
    item = EvidenceItem(owner_id=owner.id, title="Lifespan certificate", kind="certificate",
                        dated_on=dt.date(2025, 5, 1), file_sha256="a" * 64, file_name="lifespan.pdf")
    session.add(item)
    session.flush()
    session.add(ClaimEvidence(claim_id=claim.id, evidence_id=item.id, evidence_type="training-course"))
    session.add(KsaExperience(owner_id=owner.id, kind="employment", organisation="Mind", role_title="Worker",
                              started_on=dt.date(2025, 3, 1), ended_on=dt.date(2025, 3, 7), hours_per_week=Decimal(10)))
    session.add(KsaStudy(owner_id=owner.id, started_on=dt.date(2026, 1, 1), ended_on=dt.date(2026, 1, 1),
                         topic="Models", minutes=90, criteria=["ksa-4"]))
    client = signed_in(owner)
    html = client.get(f"/people/{owner.id}/ksa").get_data(as_text=True)
    assert "2 of 14 criteria have all the evidence they need" in html  # ksa-1 and ksa-14 (biography)
    assert "1 of 14 criteria signed off" in html
    assert "Written, 6 words" in html
    assert "10.00 hours" in html and "1 h 30 min in 1 record" in html and "1 document" in html
    assert f"/people/{owner.id}/claims/{claim.id}" in html


# --- biography --------------------------------------------------------------------------------------

def test_the_biography_is_written_with_a_word_count_and_a_patient_identifier_is_refused(session, owner, signed_in):
    start(session, owner)
    client = signed_in(owner)
    url = f"/people/{owner.id}/ksa/biography/edit"
    assert "a short account of your training, employment and experience" in client.get(url).get_data(as_text=True)
    response = client.submit(url, {"biography": "Supported a client, NHS number 943 476 5919."})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert field_error(html, "biography").startswith("This looks like an NHS number.")
    assert "Supported a client, NHS number 943 476 5919." in html
    assert rows(session, KsaPortfolio, owner)[0].biography is None
    assert client.submit(url, {"biography": "Trained as an OT. Worked in a CMHT."}).status_code == 302
    html = client.get(f"/people/{owner.id}/ksa/biography").get_data(as_text=True)
    assert "8 words." in html and "Worked in a CMHT." in html


def test_the_biography_waits_for_a_route(session, owner, signed_in):
    client = signed_in(owner)
    response = client.get(f"/people/{owner.id}/ksa/biography/edit")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/people/{owner.id}/ksa/route")


# --- experience -------------------------------------------------------------------------------------

def test_experience_is_recorded_and_totalled_by_kind(session, owner, signed_in):
    client = signed_in(owner)
    assert client.submit(f"/people/{owner.id}/ksa/experience/new", EXPERIENCE).status_code == 302
    assert client.submit(f"/people/{owner.id}/ksa/experience/new",
                         {**EXPERIENCE, "kind": "volunteering", "started_on": "2025-02-01", "ended_on": "2025-02-28",
                          "hours_per_week": "16", "mental_health_setting": "no"}).status_code == 302
    first, second = rows(session, KsaExperience, owner)
    assert (first.hours_per_week, first.mental_health_setting, first.accountable_to) == (
        Decimal("37.5"), True, "Dr A Smith, psychiatrist")
    html = client.get(f"/people/{owner.id}/ksa/experience").get_data(as_text=True)
    # 366 × 37.5 ÷ 7 = 1,960.71; 28 × 16 ÷ 7 = 64.00
    assert "1,960.71" in html and "64.00" in html and "2,024.71" in html


@pytest.mark.parametrize("field, value, message", [
    ("hours_per_week", "61", "Hours a week must be 60 or fewer"),
    ("hours_per_week", "0", "Hours a week must be more than 0"),
    ("hours_per_week", "lots", "Enter the hours a week as a number, like 37.5"),
    ("ended_on", "2023-12-31", "The end date must be the same as or after the start date"),
    ("started_on", (TODAY + dt.timedelta(days=2)).isoformat(), "The start date cannot be in the future"),
    ("organisation", "", "Enter the organisation"),
])
def test_bad_experience_is_refused_beside_its_field_with_values_kept(session, owner, signed_in, field, value, message):
    client = signed_in(owner)
    data = {**EXPERIENCE, field: value}
    if field == "started_on":
        data["ended_on"] = ""
    response = client.submit(f"/people/{owner.id}/ksa/experience/new", data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert field_error(html, field) == message
    assert 'value="Support worker"' in html and "There is a problem" in html
    assert rows(session, KsaExperience, owner) == []


def test_experience_can_be_changed_deleted_and_restored(session, owner, signed_in):
    client = signed_in(owner)
    client.submit(f"/people/{owner.id}/ksa/experience/new", EXPERIENCE)
    [entry] = rows(session, KsaExperience, owner)
    edit = f"/people/{owner.id}/ksa/experience/{entry.id}/edit"
    assert 'value="Riverside Mind"' in client.get(edit).get_data(as_text=True)
    assert client.submit(edit, {**EXPERIENCE, "hours_per_week": "20"}).status_code == 302
    assert rows(session, KsaExperience, owner)[0].hours_per_week == Decimal(20)
    listing = f"/people/{owner.id}/ksa/experience"
    client.submit(f"{listing}/{entry.id}/delete", form_url=listing)
    assert rows(session, KsaExperience, owner)[0].deleted_at is not None
    html = client.get(listing).get_data(as_text=True)
    assert "Experience at Riverside Mind deleted." in html and f'action="{listing}/{entry.id}/undo"' in html
    assert client.get(edit).status_code == 404
    client.submit(f"{listing}/{entry.id}/undo", form_url=listing)
    assert rows(session, KsaExperience, owner)[0].deleted_at is None


# --- study --------------------------------------------------------------------------------------------

def test_study_is_recorded_with_criteria_and_counted_per_criterion(session, owner, signed_in):
    client = signed_in(owner)
    assert client.submit(f"/people/{owner.id}/ksa/study/new", STUDY).status_code == 302
    [entry] = rows(session, KsaStudy, owner)
    assert (entry.minutes, entry.criteria, entry.ended_on) == (150, ["ksa-1", "ksa-4"], dt.date(2026, 1, 5))
    html = client.get(f"/people/{owner.id}/ksa/study").get_data(as_text=True)
    assert "2 h 30 min of study in 1 record" in html
    overview = client.get(f"/people/{owner.id}/ksa").get_data(as_text=True)
    assert "2 h 30 min in 1 record" in overview


@pytest.mark.parametrize("field, value, message", [
    ("hours", "1.1", "Enter hours in quarter hours, like 1.25, 1.5 or 1.75"),
    ("criteria", [], "Choose at least one KSA criterion"),
    ("criteria", ["ksa-15"], "Choose criteria from the list"),
    ("learned", "Met client born 12/03/1985", "This looks like a date of birth. Waymark holds staff records only, never patient identifiers: remove it."),
])
def test_bad_study_is_refused_beside_its_field_with_values_kept(session, owner, signed_in, field, value, message):
    client = signed_in(owner)
    response = client.submit(f"/people/{owner.id}/ksa/study/new", {**STUDY, field: value})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert field_error(html, field) == message
    assert 'value="Attachment across the lifespan"' in html
    assert rows(session, KsaStudy, owner) == []


def test_study_can_be_deleted_and_restored(session, owner, signed_in):
    client = signed_in(owner)
    client.submit(f"/people/{owner.id}/ksa/study/new", STUDY)
    [entry] = rows(session, KsaStudy, owner)
    listing = f"/people/{owner.id}/ksa/study"
    client.submit(f"{listing}/{entry.id}/delete", form_url=listing)
    assert "No self-directed study recorded yet." in client.get(listing).get_data(as_text=True)
    client.submit(f"{listing}/{entry.id}/undo", form_url=listing)
    assert rows(session, KsaStudy, owner)[0].deleted_at is None


# --- references -------------------------------------------------------------------------------------

def test_a_trainee_asks_their_supervisor_then_cancels(session, owner, supervisor, signed_in):
    client = signed_in(owner)
    url = f"/people/{owner.id}/ksa/references/new"
    assert "Sam Supervisor" in client.get(url).get_data(as_text=True)
    response = client.submit(url, {"kind": "countersignature", "criteria": ["ksa-5", "ksa-6"],
                                   "referee_type": "supervisor", "referee_id": str(supervisor.id)})
    assert response.status_code == 302
    [r] = rows(session, ReferenceRequest, owner)
    assert (r.referee_id, r.criteria, r.status) == (supervisor.id, ["ksa-5", "ksa-6"], ReferenceStatus.REQUESTED)
    listing = f"/people/{owner.id}/ksa/references"
    assert "Countersignature (KSA3) from Sam Supervisor" in client.get(listing).get_data(as_text=True)
    client.submit(f"{listing}/{r.id}/cancel", form_url=listing)
    assert rows(session, ReferenceRequest, owner)[0].status is ReferenceStatus.CANCELLED


def test_an_outside_referee_needs_a_valid_email_shown_beside_it(session, owner, signed_in):
    client = signed_in(owner)
    data = {"kind": "reference", "criteria": ["ksa-11"], "referee_type": "outside", "referee_name": "Alex Ward",
            "referee_email": "alex.example.org", "referee_role": "Ward manager"}
    response = client.submit(f"/people/{owner.id}/ksa/references/new", data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert field_error(html, "referee_email") == "Enter an e-mail address in the correct format, like name@nhs.net"
    assert 'value="Alex Ward"' in html
    assert client.submit(f"/people/{owner.id}/ksa/references/new",
                         {**data, "referee_email": "alex@example.org"}).status_code == 302
    assert rows(session, ReferenceRequest, owner)[0].referee_email == "alex@example.org"


def test_choosing_a_supervisor_without_naming_one_is_refused(session, owner, signed_in):
    client = signed_in(owner)
    response = client.submit(f"/people/{owner.id}/ksa/references/new",
                             {"kind": "reference", "criteria": ["ksa-11"], "referee_type": "supervisor", "referee_id": ""})
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), "referee_id") == "Choose one of your current supervisors"


# --- documents ----------------------------------------------------------------------------------------

def test_the_document_list_is_numbered_with_file_name_and_short_hash(session, owner, signed_in):
    claim = CompetenceClaim(owner_id=owner.id, framework_id="ksa", framework_version=1, item_id="ksa-8",
                            statement={})
    session.add(claim)
    session.add(StoredFile(sha256="0123456789ab" + "c" * 52, size=1, media_type="application/pdf"))
    session.flush()
    item = EvidenceItem(owner_id=owner.id, title="Risk training", kind="certificate", dated_on=dt.date(2025, 9, 1),
                        file_sha256="0123456789ab" + "c" * 52, file_name="risk.pdf")
    session.add(item)
    session.flush()
    session.add(ClaimEvidence(claim_id=claim.id, evidence_id=item.id, evidence_type="training-course"))
    client = signed_in(owner)
    html = client.get(f"/people/{owner.id}/ksa/documents").get_data(as_text=True)
    assert "Risk training" in html and "risk.pdf" in html and ">0123456789ab</code>" in html
    assert "8. Awareness of risk" in html and "Training course certificate or transcript" in html


# --- access -------------------------------------------------------------------------------------------

PAGES = ["/ksa", "/ksa/biography", "/ksa/experience", "/ksa/study", "/ksa/documents", "/ksa/references"]
FORMS = ["/ksa/route", "/ksa/biography/edit", "/ksa/experience/new", "/ksa/study/new", "/ksa/references/new"]


def test_a_current_supervisor_reads_every_page_but_changes_nothing(session, owner, supervisor, signed_in):
    start(session, owner, biography="My private biography.")
    client = signed_in(supervisor)
    for page in PAGES:
        assert client.get(f"/people/{owner.id}{page}").status_code == 200, page
    assert "My private biography." in client.get(f"/people/{owner.id}/ksa/biography").get_data(as_text=True)
    assert "Write the claim" not in client.get(f"/people/{owner.id}/ksa").get_data(as_text=True)
    for form in FORMS:
        assert client.get(f"/people/{owner.id}{form}").status_code == 403, form


@pytest.mark.parametrize("role", [Role.HR, Role.ADMIN, Role.LINE_MANAGER, Role.SERVICE_LEAD, Role.PRACTITIONER])
def test_everyone_else_gets_404_on_every_ksa_page(session, org, team, owner, signed_in, role):
    start(session, owner, biography="Private.")
    entry = KsaExperience(owner_id=owner.id, kind="employment", organisation="Mind", role_title="Worker",
                          started_on=dt.date(2025, 3, 1), hours_per_week=Decimal(10))
    session.add(entry)
    session.flush()
    other = make_user(session, organisation=org, roles=((role, team.service) if role is Role.SERVICE_LEAD else role,))
    if role is Role.LINE_MANAGER:
        make_relationship(session, senior=other, junior=owner, kind=RelationshipKind.LINE_MANAGEMENT)
    client = signed_in(other)
    for page in [*PAGES, *FORMS, f"/ksa/experience/{entry.id}/edit"]:
        assert client.get(f"/people/{owner.id}{page}").status_code == 404, page
    for action in [f"/ksa/experience/{entry.id}/delete", f"/ksa/experience/{entry.id}/undo"]:
        response = client.submit(f"/people/{owner.id}{action}", form_url="/account/password")
        assert response.status_code == 404, action
    assert rows(session, KsaExperience, owner)[0].deleted_at is None


def test_someone_elses_entry_is_not_found_under_your_own_pages(session, team, owner, signed_in):
    other = make_user(session, team=team)
    entry = KsaStudy(owner_id=other.id, started_on=dt.date(2026, 1, 1), ended_on=dt.date(2026, 1, 1), topic="X",
                     minutes=60, criteria=["ksa-1"])
    session.add(entry)
    session.flush()
    client = signed_in(owner)
    assert client.get(f"/people/{owner.id}/ksa/study/{entry.id}/edit").status_code == 404
    assert client.submit(f"/people/{owner.id}/ksa/study/{entry.id}/delete",
                         form_url=f"/people/{owner.id}/ksa/study").status_code == 404


# --- query counts -------------------------------------------------------------------------------------

def fill(session, owner, n):
    for model in (ClaimEvidence, CompetenceClaim, EvidenceItem, StoredFile, KsaExperience, KsaStudy, ReferenceRequest):
        session.execute(model.__table__.delete())
    for i in range(n):
        item_id = f"ksa-{1 + i % 14}"
        claim = CompetenceClaim(owner_id=owner.id, framework_id="ksa", framework_version=1, item_id=item_id,
                                statement={"how-learned": "x"})
        session.add(claim)
        session.add(StoredFile(sha256=f"{i:064d}", size=1, media_type="application/pdf"))
        session.flush()
        evidence = EvidenceItem(owner_id=owner.id, title=f"Doc {i}", kind="certificate", dated_on=dt.date(2025, 1, 1),
                                file_sha256=f"{i:064d}", file_name=f"d{i}.pdf")
        session.add(evidence)
        session.flush()
        session.add(ClaimEvidence(claim_id=claim.id, evidence_id=evidence.id, evidence_type="training-course"))
        session.add(KsaExperience(owner_id=owner.id, kind="employment", organisation=f"Org {i}", role_title="Worker",
                                  started_on=dt.date(2020, 1, 1 + i % 28), hours_per_week=Decimal(10)))
        session.add(KsaStudy(owner_id=owner.id, started_on=dt.date(2026, 1, 1), ended_on=dt.date(2026, 1, 1),
                             topic=f"Topic {i}", minutes=60, criteria=[item_id]))
        session.add(ReferenceRequest(owner_id=owner.id, kind="reference", criteria=[item_id],
                                     referee_name=f"Ref {i}", referee_email=f"r{i}@example.org", referee_role="Manager",
                                     status=ReferenceStatus.COMPLETED if i % 2 else ReferenceStatus.REQUESTED))
    session.commit()


@pytest.mark.parametrize("page", PAGES)
def test_each_page_costs_the_same_queries_for_3_and_40_rows(session, owner, signed_in, count_queries, page):
    start(session, owner, biography="Bio")
    client = signed_in(owner)
    url = f"/people/{owner.id}{page}"

    def queries_for(n):
        fill(session, owner, n)
        client.get(url)
        with count_queries() as q:
            assert client.get(url).status_code == 200
        return q.count

    assert queries_for(3) == queries_for(40)
