"""Claim and coverage pages: writing, submitting with problems shown beside their fields, coverage, privacy, queries."""
import datetime as dt
import hashlib
import re

import pytest
from sqlalchemy import select

from app.services import claims as svc
from competences.claims import ClaimStatus
from models import RelationshipKind, Role
from models.claims import CompetenceClaim
from models.evidence import EvidenceItem, StoredFile
from tests.factories import PASSWORD, make_organisation, make_relationship, make_service, make_team, make_user

TODAY = dt.date.today()
STATEMENT = {"statement_how_learned": "On the PG Cert risk module.", "statement_what_learned": "Formulating risk.",
             "statement_critical_appraisal": "Risk tools predict poorly.",
             "statement_illustrative_examples": "1. A safety plan.\n2. A handover to the crisis team."}


@pytest.fixture
def org(session):
    return make_organisation(session)


@pytest.fixture
def team(session, org):
    return make_team(session, service=make_service(session, organisation=org))


@pytest.fixture
def owner(session, team):
    return make_user(session, team=team, full_name="Priya Practitioner")


@pytest.fixture
def supervisor(session, org, owner):
    sup = make_user(session, organisation=org, roles=(Role.SUPERVISOR,), profile=False, full_name="Sam Supervisor")
    make_relationship(session, senior=sup, junior=owner, starts_on=dt.date(2025, 1, 1))
    return sup


@pytest.fixture
def signed_in(app, client, session):
    """A fresh client signed in as `user` (the `client` fixture makes it the page-checking Client)."""
    def sign_in(user):
        session.commit()
        client = app.test_client()
        assert client.submit("/login", {"email": user.email, "password": PASSWORD}).status_code == 302
        return client

    return sign_in


def evidence(session, owner, title, content=None):
    content = content or title.encode()
    sha = hashlib.sha256(content).hexdigest()
    if session.get(StoredFile, sha) is None:
        session.add(StoredFile(sha256=sha, size=len(content), media_type="application/pdf"))
    item = EvidenceItem(owner_id=owner.id, title=title, kind="other", dated_on=dt.date(2026, 1, 5),
                        file_sha256=sha, file_name=f"{title.lower().replace(' ', '-')}.pdf")
    session.add(item)
    session.flush()
    return item


def field_error(html, field):
    match = re.search(rf'id="{field}-error"[^>]*>\s*<span class="nhsuk-u-visually-hidden">Error:\s*</span>\s*(.*?)\s*</span>',
                      html, re.DOTALL)
    return " ".join(match.group(1).split()) if match else None


def claims_of(session, owner):
    session.expire_all()
    return list(session.scalars(select(CompetenceClaim).where(CompetenceClaim.owner_id == owner.id)))


def new_url(owner, framework="ksa", item="ksa-8"):
    return f"/people/{owner.id}/claims/new?framework={framework}&item={item}"


def make_claim(session, owner, item_id="ksa-8", statement=None, links=None):
    statement = statement if statement is not None else {k.removeprefix("statement_").replace("_", "-"): v
                                                         for k, v in STATEMENT.items()}
    return svc.create_claim(session, owner, "ksa", item_id, None,
                            svc.ClaimInput(statement=statement, evidence=links or {}), on=TODAY)


# --- writing and submitting ----------------------------------------------------------------------

def test_the_practitioner_writes_a_draft_claim_with_typed_evidence(session, owner, signed_in):
    ref = evidence(session, owner, "Manager reference")
    client = signed_in(owner)
    html = client.get(new_url(owner)).get_data(as_text=True)
    assert "Claim 8 Awareness of risk" in html and "Manager reference" in html
    assert "Give at least 2." in html
    response = client.submit(new_url(owner), {**STATEMENT, f"evidence_{ref.id}": "reference", "action": "save"})
    assert response.status_code == 302
    [claim] = claims_of(session, owner)
    assert response.headers["Location"].endswith(f"/people/{owner.id}/claims/{claim.id}")
    assert claim.status is ClaimStatus.DRAFT and claim.statement["what-learned"] == "Formulating risk."
    assert [(link.evidence_id, link.evidence_type) for link in claim.evidence_links] == [(ref.id, "reference")]
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Formulating risk." in html and "manager-reference.pdf" in html
    assert hashlib.sha256(b"Manager reference").hexdigest() in html
    assert "Link evidence for: Training course certificate or transcript" in html  # before you can submit


def test_save_and_submit_with_missing_pieces_shows_each_beside_its_field_keeps_values_and_saves_nothing(
        session, owner, signed_in):
    ref = evidence(session, owner, "Manager reference")
    client = signed_in(owner)
    response = client.submit(new_url(owner), {**STATEMENT, "statement_what_learned": "",
                                              "statement_illustrative_examples": "Just one example.",
                                              f"evidence_{ref.id}": "reference", "action": "submit"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "There is a problem" in html
    assert field_error(html, "statement_what_learned") == "Write “What was learned” before submitting"
    assert field_error(html, "statement_illustrative_examples") == (
        "Give at least 2 illustrative examples, each in its own paragraph or numbered (1., 2.): Waymark found 1")
    assert field_error(html, "evidence") == "Link evidence for: Training course certificate or transcript"
    assert 'href="#evidence"' in html
    assert "On the PG Cert risk module." in html and "Just one example." in html
    assert re.search(r'<option value="reference"\s+selected', html)
    assert claims_of(session, owner) == []


def test_save_and_submit_with_everything_needed_submits(session, owner, signed_in):
    course, ref = evidence(session, owner, "Risk course"), evidence(session, owner, "Reference")
    client = signed_in(owner)
    response = client.submit(new_url(owner), {**STATEMENT, f"evidence_{course.id}": "training-course",
                                              f"evidence_{ref.id}": "reference", "action": "submit"})
    assert response.status_code == 302
    [claim] = claims_of(session, owner)
    assert claim.status is ClaimStatus.SUBMITTED
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "submitted for sign-off." in html and "Recall to a draft" in html
    assert re.search(r"Submit: draft to submitted", html)


def test_the_submit_button_on_the_claim_page_shows_the_form_with_problems_beside_fields(session, owner, signed_in):
    claim = make_claim(session, owner, statement={"how-learned": "Stored words"})
    client = signed_in(owner)
    url = f"/people/{owner.id}/claims/{claim.id}"
    response = client.submit(f"{url}/submit", form_url=url)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert field_error(html, "statement_critical_appraisal") == (
        "Write “Critical appraisal of its relevance to psychotherapeutic roles” before submitting")
    assert field_error(html, "statement_how_learned") is None and "Stored words" in html
    assert claims_of(session, owner)[0].status is ClaimStatus.DRAFT


def test_editing_keeps_stored_values_and_a_change_to_a_signed_claim_needs_re_signing(
        session, owner, supervisor, signed_in):
    course, ref = evidence(session, owner, "Risk course"), evidence(session, owner, "Reference")
    claim = make_claim(session, owner, links={course.id: "training-course", ref.id: "reference"})
    svc.submit_claim(session, claim, owner)
    svc.sign_off(session, claim, supervisor, "recording", None, TODAY)
    client = signed_in(owner)
    url = f"/people/{owner.id}/claims/{claim.id}"
    html = client.get(f"{url}/edit").get_data(as_text=True)
    assert "A handover to the crisis team." in html and "it will need signing again" in html
    assert re.search(r'<option value="training-course"\s+selected', html)
    response = client.submit(f"{url}/edit", {**STATEMENT, "statement_what_learned": "Formulating risk together.",
                                             f"evidence_{course.id}": "training-course",
                                             f"evidence_{ref.id}": "reference", "action": "save"})
    assert response.status_code == 302
    [saved] = claims_of(session, owner)
    assert saved.status is ClaimStatus.NEEDS_RESIGNING and saved.statement["what-learned"] == (
        "Formulating risk together.")
    html = client.get(url).get_data(as_text=True)
    assert "Needs re-signing" in html and "Change: signed off to needs resigning" in html


def test_a_refused_edit_changes_nothing(session, owner, signed_in):
    claim = make_claim(session, owner)
    client = signed_in(owner)
    response = client.submit(f"/people/{owner.id}/claims/{claim.id}/edit",
                             {**STATEMENT, "statement_how_learned": "Client at LS1 4AP", "action": "save"})
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), "statement_how_learned") == (
        "This looks like a postcode. Waymark holds staff records only, never patient identifiers: remove it.")
    assert claims_of(session, owner)[0].statement["how-learned"] == "On the PG Cert risk module."


def test_a_ksf_claim_chooses_its_level_on_the_new_claim_form(session, owner, signed_in):
    client = signed_in(owner)
    url = new_url(owner, "ksf", "c1")
    response = client.submit(url, {"statement_statement": "I chair the team meeting.", "action": "save"})
    assert field_error(response.get_data(as_text=True), "level") == "Choose the level you are claiming"
    response = client.submit(url, {"statement_statement": "I chair the team meeting.", "level": "3",
                                   "action": "save"})
    assert response.status_code == 302
    [claim] = claims_of(session, owner)
    assert (claim.framework_id, claim.item_id, claim.level) == ("ksf", "c1", 3)


def test_an_unknown_framework_or_item_is_not_found(session, owner, signed_in):
    client = signed_in(owner)
    assert client.get(new_url(owner, "nope", "x")).status_code == 404
    assert client.get(new_url(owner, "ksa", "ksa-99")).status_code == 404
    assert client.get(f"/people/{owner.id}/frameworks/nope").status_code == 404


def test_starting_a_second_claim_for_a_criterion_opens_the_first(session, owner, signed_in):
    claim = make_claim(session, owner)
    response = signed_in(owner).get(new_url(owner))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/claims/{claim.id}")


def test_recall_then_delete_then_undo(session, owner, signed_in):
    course, ref = evidence(session, owner, "Risk course"), evidence(session, owner, "Reference")
    claim = make_claim(session, owner, links={course.id: "training-course", ref.id: "reference"})
    svc.submit_claim(session, claim, owner)
    client = signed_in(owner)
    url = f"/people/{owner.id}/claims/{claim.id}"
    assert client.submit(f"{url}/delete", form_url=url).status_code == 302
    assert "Only a draft or a returned claim can be deleted." in client.get(url).get_data(as_text=True)
    client.submit(f"{url}/recall", form_url=url)
    assert claims_of(session, owner)[0].status is ClaimStatus.DRAFT
    response = client.submit(f"{url}/delete", form_url=url)
    assert response.headers["Location"].endswith(f"/people/{owner.id}/frameworks/ksa")
    assert claims_of(session, owner)[0].is_deleted
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Claim deleted." in html and f'action="{url}/undo"' in html
    client.submit(f"{url}/undo", form_url=url)
    assert not claims_of(session, owner)[0].is_deleted


# --- coverage ------------------------------------------------------------------------------------

def status_cell(html, item_id):
    row = html.split(f'id="item-{item_id}"', 1)[1].split("</tr>", 1)[0]
    return [" ".join(re.sub(r"<[^>]+>", " ", c).split()) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.DOTALL)]


def test_the_coverage_page_shows_each_criterion_with_status_evidence_and_what_is_missing(
        session, owner, supervisor, signed_in):
    course, ref = evidence(session, owner, "Risk course"), evidence(session, owner, "Reference")
    signed = make_claim(session, owner, links={course.id: "training-course", ref.id: "reference"})
    svc.submit_claim(session, signed, owner)
    svc.sign_off(session, signed, supervisor, "recording", None, TODAY)
    make_claim(session, owner, "ksa-1", links={ref.id: "reference"})
    html = signed_in(owner).get(f"/people/{owner.id}/frameworks/ksa").get_data(as_text=True)
    assert status_cell(html, "ksa-8") == ["8", "Awareness of risk", "Signed off 8", "2", "Nothing"]
    assert status_cell(html, "ksa-1") == ["1", "Life stages and human development", "Draft 1", "1",
                                          "Record of self-directed study"]
    assert status_cell(html, "ksa-12")[2:] == ["Not started", "0", "Self-statement, Reference"]
    assert "nhsuk-tag--green" in html.split('id="item-ksa-8"', 1)[1].split("</tr>", 1)[0]
    assert 'href="/people/%d/claims/new?framework=ksa&amp;item=ksa-12"' % owner.id in html


def test_the_frameworks_page_counts_claims_per_framework(session, owner, signed_in):
    make_claim(session, owner)
    html = signed_in(owner).get(f"/people/{owner.id}/frameworks").get_data(as_text=True)
    row = html.split('id="framework-ksa"', 1)[1].split("</tr>", 1)[0]
    cells = [" ".join(re.sub(r"<[^>]+>", " ", c).split()) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.DOTALL)]
    assert cells[1:] == ["14", "1", "0", "0"]


@pytest.mark.parametrize("page", ["frameworks", "coverage"])
def test_the_coverage_pages_cost_the_same_queries_for_one_claim_and_ten(
        session, owner, signed_in, count_queries, page):
    client = signed_in(owner)
    url = f"/people/{owner.id}/frameworks" + ("/ksa" if page == "coverage" else "")

    def queries_for(n):
        for i in range(1, n + 1):
            if session.scalar(select(CompetenceClaim).where(CompetenceClaim.item_id == f"ksa-{i}")) is None:
                make_claim(session, owner, f"ksa-{i}", links={evidence(session, owner, f"Ref {i}").id: "reference"})
        session.commit()
        client.get(url)
        with count_queries() as q:
            assert client.get(url).status_code == 200
        return q.count

    assert queries_for(1) == queries_for(10)


# --- who sees what -------------------------------------------------------------------------------

def urls(owner, claim):
    base = f"/people/{owner.id}"
    return {"frameworks": ("GET", f"{base}/frameworks"), "coverage": ("GET", f"{base}/frameworks/ksa"),
            "claim": ("GET", f"{base}/claims/{claim.id}"), "new": ("GET", new_url(owner, item="ksa-2")),
            "create": ("POST", new_url(owner, item="ksa-2")), "edit": ("GET", f"{base}/claims/{claim.id}/edit"),
            "change": ("POST", f"{base}/claims/{claim.id}/edit"),
            "submit": ("POST", f"{base}/claims/{claim.id}/submit"),
            "recall": ("POST", f"{base}/claims/{claim.id}/recall"),
            "delete": ("POST", f"{base}/claims/{claim.id}/delete"), "undo": ("POST", f"{base}/claims/{claim.id}/undo")}


def call(client, method, url):
    if method == "GET":
        return client.get(url)
    return client.submit(url, {**STATEMENT, "action": "save"}, form_url="/account/password")


def test_the_supervisor_reads_the_claim_and_its_history_but_changes_nothing(session, owner, supervisor, signed_in):
    claim = make_claim(session, owner)
    svc.update_claim(session, claim, owner, svc.ClaimInput(statement={"how-learned": "Private words"}))
    client = signed_in(supervisor)
    for name, (method, url) in urls(owner, claim).items():
        expected = 200 if name in {"frameworks", "coverage", "claim"} else 403
        assert call(client, method, url).status_code == expected, name
    html = client.get(f"/people/{owner.id}/claims/{claim.id}").get_data(as_text=True)
    assert "Private words" in html and "Change the statement or evidence" not in html
    assert "Start a claim" not in client.get(f"/people/{owner.id}/frameworks/ksa").get_data(as_text=True)


def test_a_deleted_claim_is_the_owners_alone_until_restored(session, owner, supervisor, signed_in):
    claim = make_claim(session, owner)
    svc.update_claim(session, claim, owner, svc.ClaimInput(statement={"how-learned": "Private words"}))
    svc.delete_claim(session, claim, owner)
    client = signed_in(supervisor)
    assert client.get(f"/people/{owner.id}/claims/{claim.id}").status_code == 404


@pytest.mark.parametrize("who", ["hr", "line_manager", "admin", "ended_supervisor", "colleague"])
def test_others_get_404_on_every_claim_page(session, org, team, owner, signed_in, who):
    claim = make_claim(session, owner)
    if who == "hr":
        viewer = make_user(session, organisation=org, roles=(Role.HR,), profile=False)
    elif who == "admin":
        viewer = make_user(session, organisation=org, roles=(Role.ADMIN,), profile=False)
    elif who == "line_manager":
        viewer = make_user(session, organisation=org, roles=(Role.LINE_MANAGER,), profile=False)
        make_relationship(session, senior=viewer, junior=owner, kind=RelationshipKind.LINE_MANAGEMENT)
    elif who == "ended_supervisor":
        viewer = make_user(session, organisation=org, roles=(Role.SUPERVISOR,), profile=False)
        make_relationship(session, senior=viewer, junior=owner, starts_on=dt.date(2024, 1, 1),
                          ends_on=TODAY - dt.timedelta(days=1))
    else:
        viewer = make_user(session, team=team)
    client = signed_in(viewer)
    for name, (method, url) in urls(owner, claim).items():
        assert call(client, method, url).status_code == 404, name
    [kept] = claims_of(session, owner)
    assert kept.status is ClaimStatus.DRAFT and not kept.is_deleted


def test_a_claim_of_someone_else_is_not_found_under_your_own_pages(session, team, owner, signed_in):
    other = make_user(session, team=team)
    theirs = make_claim(session, other)
    client = signed_in(owner)
    for name, (method, url) in urls(owner, theirs).items():
        if name not in {"frameworks", "coverage", "new", "create"}:
            assert call(client, method, url).status_code == 404, name
