"""The KSA portfolio PDF: KSA1 to KSA7 filled from the person's records, with a returned claim shown as returned."""
import datetime as dt
import io
from decimal import Decimal

import pytest
from pypdf import PdfReader

from app.services import claims, documents, ksa, references, verify
from app.services.errors import NotPermitted
from exports.manifest import ManifestBuilder
from models import EvidenceItem, Role, StoredFile
from tests.factories import make_organisation, make_relationship, make_service, make_team, make_user

TODAY = dt.date(2026, 11, 20)
WRITTEN = {"how-learned": "A university module on development", "what-learned": "Erikson's stages across the lifespan",
           "critical-appraisal": "Stage models help formulation but flatten culture",
           "illustrative-examples": "1. An older adult facing retirement.\n2. A student leaving home."}


def _text(pdf):
    reader = PdfReader(io.BytesIO(pdf))
    # Words only: a table cell wraps its text wherever its width falls.
    return reader, " ".join(" ".join(p.extract_text() for p in reader.pages).split())


def _evidence(session, kim, title, n, day):
    sha = f"{n:064x}"
    session.add(StoredFile(sha256=sha, size=10, media_type="application/pdf"))
    item = EvidenceItem(owner_id=kim.id, title=title, kind="certificate", dated_on=day, file_sha256=sha,
                        file_name=f"{title.lower().replace(' ', '-')}.pdf")
    session.add(item)
    session.flush()
    return item


@pytest.fixture
def world(session):
    org = make_organisation(session, name="KSA Trust")
    team = make_team(session, service=make_service(session, organisation=org), name="Step 3")
    kim = make_user(session, team=team, full_name="Kim Okafor", band="6", job_title="Trainee CBT therapist")
    rachel = make_user(session, team=team, roles=(Role.PRACTITIONER, Role.SUPERVISOR), full_name="Rachel Adeyemi")
    hr = make_user(session, organisation=org, roles=(Role.HR,), profile=False, full_name="Joanne Kerr")
    make_relationship(session, senior=rachel, junior=kim, starts_on=dt.date(2025, 1, 1))
    framework = ksa.ksa_framework(session)
    portfolio = ksa.choose_route(session, kim, None, None, today=TODAY, framework=framework)
    ksa.save_biography(session, portfolio, "I worked as a support worker on an acute ward.\n\n"
                                           "I then trained as a psychological wellbeing practitioner.")
    ksa.create_experience(session, kim, ksa.ExperienceInput(
        kind="employment", organisation="Riverside Mind", role_title="Support worker", started_on=dt.date(2024, 1, 1),
        ended_on=dt.date(2024, 12, 31), hours_per_week=Decimal("37.5"), mental_health_setting=True), today=TODAY)
    study = ksa.create_study(session, kim, ksa.StudyInput(
        started_on=dt.date(2026, 3, 2), ended_on=None, topic="Attachment across the lifespan", hours=Decimal("2.5"),
        criteria=["ksa-1"], source="Bowlby, A Secure Base"), today=TODAY, framework=framework)
    ksa.create_study(session, kim, ksa.StudyInput(
        started_on=dt.date(2026, 4, 6), ended_on=dt.date(2026, 4, 7), topic="The Mental Health Act in practice",
        hours=Decimal("4"), criteria=["ksa-2", "ksa-3"], learned="Sections 2 and 3 and the nearest relative"),
        today=TODAY, framework=framework)

    cert = _evidence(session, kim, "Lifespan course certificate", 1, dt.date(2025, 6, 30))
    audit = _evidence(session, kim, "Case note audit", 2, dt.date(2026, 2, 1))
    request = ksa.request_reference(session, kim, ksa.ReferenceInput(kind="reference", criteria=["ksa-5"],
                                                                     referee_id=rachel.id), today=TODAY,
                                    framework=framework)
    references.write_reference(session, request, rachel, "Kim builds warm, collaborative relationships.",
                               today=TODAY)
    ksa.request_reference(session, kim, ksa.ReferenceInput(
        kind="reference", criteria=["ksa-11"], referee_name="Wendy Ward", referee_email="wendy@example.org",
        referee_role="Ward manager; my line manager 2024"), today=TODAY, framework=framework)

    signed = claims.create_claim(session, kim, "ksa", "ksa-1", None, claims.ClaimInput(
        statement=WRITTEN, evidence={cert.id: "training-course"}), on=TODAY)
    returned = claims.create_claim(session, kim, "ksa", "ksa-5", None, claims.ClaimInput(
        statement={**WRITTEN, "what-learned": "Warmth, empathy and collaboration"},
        evidence={audit.id: "other-document"}), on=TODAY)
    claims.create_claim(session, kim, "ksa", "ksa-2", None, claims.ClaimInput(
        statement={"how-learned": "Reading"}), on=TODAY)
    held = ksa.route_evidence_of(session, kim.id, framework)
    for claim in (signed, returned):
        claims.submit_claim(session, claim, kim, held_elsewhere=held.get(claim.item_id, set()))
    # A sign-off is dated between the claim's submission (stamped now) and today, so by the real date.
    claims.sign_off(session, signed, rachel, "discussion", None, dt.date.today())
    claims.return_claim(session, returned, rachel, "Add an example from your placement")
    session.commit()
    return {"kim": kim, "rachel": rachel, "hr": hr, "study": study, "audit": audit, "signed": signed,
            "returned": returned}


def test_the_ksa_portfolio_holds_every_form_and_shows_the_returned_claim(session, world):
    kim = world["kim"]
    row, pdf = documents.issue(session, "ksa_portfolio", kim, kim, TODAY)
    session.commit()
    reader, text = _text(pdf)
    assert len(reader.pages) > 1 and "Page 1 of" in text
    assert "KSA portfolio" in text and "Kim Okafor" in text and row.id in text
    # KSA1 on the full route: claims to criteria 1, 2 and 5; only 1 signed off; all the evidence held for
    # criterion 1 (statement, course, study) and 14 (biography and experience log).
    assert "The full KSA (all 14 criteria)" in text
    assert "Claims started 3 of 14 criteria" in text and "All evidence held 2 of 14 criteria" in text
    assert "Signed off 1 of 14 criteria" in text
    # KSA2/KSA3: the statements with their four parts, the signatory, and the returned claim with its comment.
    assert "Erikson's stages across the lifespan" in text and "Critical appraisal" in text
    assert "Signed off by Rachel Adeyemi" in text and "(discussion)" in text
    assert "Returned with comments" in text and "Add an example from your placement" in text
    assert "(KSA3)" in text and "(KSA2)" in text
    # KSA3/KSA4: the completed reference's text; the outside request still awaited.
    assert "Kim builds warm, collaborative relationships." in text and "Wendy Ward" in text
    # KSA5: 2.5 h + 4 h = 6 h 30 min in 2 records.
    assert "6 h 30 min of self-directed study in 2 records" in text and "Bowlby, A Secure Base" in text
    # KSA6: the biography; 37.5 h a week for the 366 days of 2024 is 37.5 × 366 ÷ 7 = 1,960.71 hours.
    assert "support worker on an acute ward" in text and "1,960.71 hours in all" in text
    # KSA7: the two documents linked to claims, by date.
    assert "Lifespan course certificate" in text and "case-note-audit.pdf" in text

    assert verify.verify_file(session, pdf).outcome == verify.AUTHENTIC
    world["study"].topic = "Attachment and loss"
    session.commit()
    changes = verify.verify_id(session, row.id).changes
    assert changes.changed == (("ksa_studies", str(world["study"].id)),) and not changes.withdrawn


def test_a_showcase_lists_only_the_chosen_documents_and_a_withdrawn_sign_off_supersedes(session, world):
    kim, rachel = world["kim"], world["rachel"]
    row, pdf = documents.issue(session, "ksa_portfolio", kim, rachel, TODAY,
                               options={"evidence_ids": [world["audit"].id]})
    session.commit()
    _, text = _text(pdf)
    assert "The 1 document chosen for this portfolio, of 2 linked to KSA claims" in text
    assert "case-note-audit.pdf" in text and "lifespan-course-certificate.pdf" not in text
    claims.withdraw_sign_off(session, world["signed"], rachel, "Signed in error")
    session.commit()
    verdict = verify.verify_id(session, row.id)
    assert verdict.superseded and verdict.changes.withdrawn == (world["signed"].id,)


def test_hr_may_not_issue_it_and_only_people_with_a_portfolio_are_offered_it(session, world):
    with pytest.raises(NotPermitted):
        documents.issue(session, "ksa_portfolio", world["kim"], world["hr"], TODAY)
    kind = documents.KINDS["ksa_portfolio"]
    assert kind.applies(session, world["kim"], TODAY) and not kind.applies(session, world["rachel"], TODAY)
    assert documents.may_issue(session, world["rachel"], world["kim"], kind, TODAY)


def test_gathering_costs_the_same_queries_however_many_records(session, world, count_queries):
    kim, rachel = world["kim"], world["rachel"]
    kind = documents.KINDS["ksa_portfolio"]
    framework = ksa.ksa_framework(session)

    def gathered():
        session.expire_all()
        with count_queries() as q:
            kind.gather(session, kim, ManifestBuilder("ksa_portfolio", kim.id), {}, TODAY)
        return q.count

    gathered()  # the catalogue is read once per process
    before = gathered()
    for n, item_id in enumerate(("ksa-3", "ksa-4", "ksa-6"), start=10):
        doc = _evidence(session, kim, f"Certificate {n}", n, dt.date(2026, 1, n))
        claim = claims.create_claim(session, kim, "ksa", item_id, None, claims.ClaimInput(
            statement=WRITTEN, evidence={doc.id: "training-course"}), on=TODAY)
        claims.submit_claim(session, claim, kim, held_elsewhere=ksa.route_evidence_of(session, kim.id, framework)
                            .get(item_id, set()) | {"reference", "countersigned-self-statement"})
        claims.sign_off(session, claim, rachel, "discussion", None, dt.date.today())
        ksa.create_study(session, kim, ksa.StudyInput(
            started_on=dt.date(2026, 5, n), ended_on=None, topic=f"Study {n}", hours=Decimal("1"), criteria=[item_id]),
            today=TODAY, framework=framework)
        request = ksa.request_reference(session, kim, ksa.ReferenceInput(kind="countersignature", criteria=[item_id],
                                                                         referee_id=rachel.id),
                                        today=TODAY, framework=framework)
        references.write_reference(session, request, rachel, f"Countersigned {n}", today=TODAY)
    claims.withdraw_sign_off(session, world["signed"], rachel, "Please add a second example")
    session.commit()
    assert gathered() == before
