"""The KSA checklist, the KSA coverage page and the submit check count the same evidence.

The KSA route holds evidence outside any claim's links (self-directed study records, completed
references, the experience log and the biography); all three places must see it.
"""
import datetime as dt
from decimal import Decimal

import pytest

from app.services import claims as claim_service
from app.services import ksa
from models.claims import CompetenceClaim
from tests.app.test_ksa_services import WRITTEN, outside, study
from tests.factories import make_user

TODAY = dt.date.today()


@pytest.fixture
def owner(session):
    return make_user(session, full_name="Kim Trainee")


@pytest.fixture
def framework(session):
    return ksa.ksa_framework(session)


def draft(session, owner, item_id):
    claim = CompetenceClaim(owner_id=owner.id, framework_id="ksa", framework_version=1, item_id=item_id,
                            statement=dict(WRITTEN))
    session.add(claim)
    session.flush()
    return claim


def test_a_study_record_and_a_completed_reference_count_on_the_checklist_the_coverage_page_and_submit(
        session, owner, framework):
    claim = draft(session, owner, "ksa-2")
    ksa.create_study(session, owner, study(criteria=["ksa-2"]), today=TODAY, framework=framework)
    elsewhere = ksa.route_evidence_of(session, owner.id, framework)
    # Knowledge criteria: a self-statement and a course, or a reference with self-directed study.
    checklist = {r.item.id: r for r in ksa.checklist(session, owner.id, framework, None, biography=False,
                                                     experience=False).rows}
    coverage = {i.item.id: i for g in claim_service.coverage(session, owner.id, "ksa",
                                                             held_elsewhere=elsewhere).groups for i in g.items}
    assert checklist["ksa-2"].missing == ("reference",)
    assert coverage["ksa-2"].missing == ("Reference",)
    problems = claim_service.submission_problems(framework, claim, elsewhere["ksa-2"])
    assert [p.message for p in problems] == ["Link evidence for: Reference"]

    done = ksa.request_reference(session, owner, outside(criteria=["ksa-2"]), today=TODAY, framework=framework)
    done.status = ksa.ReferenceStatus.COMPLETED
    session.flush()
    elsewhere = ksa.route_evidence_of(session, owner.id, framework)

    assert {r.item.id: r for r in ksa.checklist(session, owner.id, framework, None, biography=False,
                                                experience=False).rows}["ksa-2"].missing == ()
    assert {i.item.id: i for g in claim_service.coverage(session, owner.id, "ksa", held_elsewhere=elsewhere).groups
            for i in g.items}["ksa-2"].missing == ()
    claim_service.submit_claim(session, claim, owner, held_elsewhere=elsewhere["ksa-2"])
    assert claim.status.value == "submitted"


def test_the_coverage_page_counts_the_experience_log_for_criterion_14(client, session, owner, login_as):
    ksa.choose_route(session, owner, None, None, today=TODAY, framework=ksa.ksa_framework(session))
    ksa.create_experience(session, owner, ksa.ExperienceInput(
        kind="employment", organisation="Mind", role_title="Support worker", started_on=dt.date(2024, 1, 1),
        ended_on=dt.date(2024, 12, 31), hours_per_week=Decimal(37), mental_health_setting=True), today=TODAY)
    session.commit()
    login_as(owner)

    html = client.get(f"/people/{owner.id}/frameworks/ksa").get_data(as_text=True)

    row = html[html.index("Two years"):]
    row = row[:row.index("</tr>")]
    assert "Log of clinical experience" not in row


def test_the_frameworks_overview_counts_only_the_criteria_on_the_persons_ksa_route(client, session, owner, login_as):
    ksa.choose_route(session, owner, "condensed-pwp", "Qualified PWP", today=TODAY,
                     framework=ksa.ksa_framework(session))
    session.commit()
    login_as(owner)

    html = client.get(f"/people/{owner.id}/frameworks").get_data(as_text=True)

    row = html[html.index("BABCP KSA portfolio"):]
    row = row[:row.index("</tr>")]
    # The condensed route spares 5 of the 14 criteria.
    assert ">9<" in row.replace(" ", "") and ">14<" not in row.replace(" ", "")
