"""The NMC revalidation pack and the PWP register renewal pack: hand-counted totals in the PDF text, verification,
a changed record reported, the showcase choice, who may produce them, and the time one realistic render takes."""
import datetime as dt
import io
import time
from pathlib import Path

import pytest
from pypdf import PdfReader

from app.services import documents, evidence as evidence_service, verify
from app.services.errors import NotPermitted
from models import (CpdActivity, NmcFeedback, NmcPracticeHours, NmcReflectiveAccount, NmcReflectiveDiscussion,
                    ProfessionalRegistration, Regulator, RelationshipKind, Role, SupervisionKind, SupervisionSession)
from models.base import utcnow
from models.training import PwpLiveAssessment
from tests.evidence_files import PDF
from tests.factories import make_organisation, make_relationship, make_service, make_team, make_user

TODAY = dt.date.today()


def days_ago(n):
    return TODAY - dt.timedelta(days=n)


def text_of(pdf):
    reader = PdfReader(io.BytesIO(pdf))
    return reader, " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages)


def _evidence(app, session, owner, title, dated_on):
    store = Path(app.config["UPLOAD_DIR"]) / "evidence"
    return evidence_service.store_upload(
        session, owner, io.BytesIO(PDF + title.encode()), f"{title.lower().replace(' ', '-')}.pdf", store_dir=store,
        max_bytes=10_000_000, today=TODAY,
        details=evidence_service.EvidenceDetails(title=title, kind="certificate", dated_on=dated_on))


@pytest.fixture
def world(session):
    org = make_organisation(session, name="Pack Trust")
    team = make_team(session, service=make_service(session, organisation=org, name="North"), name="North team")
    hr = make_user(session, organisation=org, roles=(Role.HR,), profile=False, full_name="Joanne Kerr")
    supervisor = make_user(session, team=team, roles=(Role.PRACTITIONER, Role.SUPERVISOR), full_name="Helen Ward")
    session.commit()
    return {"org": org, "team": team, "hr": hr, "supervisor": supervisor}


# --- NMC ---------------------------------------------------------------------------------------

@pytest.fixture
def nurse(app, session, world):
    person = make_user(session, team=world["team"], full_name="Daniel Moreno", band="6",
                       job_title="Mental health nurse, CBT therapist")
    person.profile.registrations.append(ProfessionalRegistration(
        regulator=Regulator.NMC, registration_number="17I2840E", registered_on=dt.date(2015, 1, 1)))
    make_relationship(session, senior=world["supervisor"], junior=person, kind=RelationshipKind.SUPERVISION,
                      starts_on=days_ago(400))
    add = session.add
    # Practice hours: 3 × 150 h within the 3 years = 450 h; a period that ended 4 years ago does not count.
    for n, start in enumerate((1000, 600, 200)):
        add(NmcPracticeHours(owner_id=person.id, start_on=days_ago(start), end_on=days_ago(start - 90),
                             minutes=150 * 60, setting=f"Step 3 CBT clinic {n + 1}"))
    add(NmcPracticeHours(owner_id=person.id, start_on=days_ago(1500), end_on=days_ago(1460), minutes=100 * 60,
                         setting="An old ward"))
    # CPD: 10 h + 12 h participatory, 8 h + 6 h individual = 36 h, 22 h participatory; a deleted 5 h does not count.
    for title, hours, participatory, ago in (("Supervision skills day", 10, True, 900), ("Trauma CBT workshop", 12, True, 500),
                                             ("Reading on OCD", 8, False, 300), ("E-learning on risk", 6, False, 100)):
        add(CpdActivity(owner_id=person.id, start_on=days_ago(ago), end_on=days_ago(ago), title=title,
                        category="clinical", minutes=hours * 60, participatory=participatory,
                        reflection_learned=f"Learned from {title}", reflection_practice="Changed my practice"))
    add(CpdActivity(owner_id=person.id, start_on=days_ago(50), end_on=days_ago(50), title="Deleted course",
                    category="clinical", minutes=300, participatory=True, deleted_at=utcnow()))
    for n in range(5):
        add(NmcFeedback(owner_id=person.id, received_on=days_ago(100 + 150 * n), source="patient",
                        summary=f"Feedback number {n + 1} about session pacing"))
        add(NmcReflectiveAccount(owner_id=person.id, written_on=days_ago(120 + 150 * n),
                                 nature_of_experience=f"Experience {n + 1}: a difficult ending",
                                 what_learned="Planning endings early", how_changed_practice="I plan endings early",
                                 code_themes=["prioritise_people", "practise_effectively"]))
    add(NmcReflectiveDiscussion(owner_id=person.id, held_on=days_ago(30), partner_name="Leah Okafor",
                                partner_pin="12A3456E"))
    _evidence(app, session, person, "Trauma workshop certificate", days_ago(500))
    _evidence(app, session, person, "Risk e-learning certificate", days_ago(100))
    session.commit()
    return person


def test_the_nmc_pack_shows_the_three_years_in_the_nmc_order_and_verifies(session, nurse, world):
    started = time.perf_counter()
    row, pdf = documents.issue(session, "nmc_revalidation", nurse, nurse, TODAY)
    seconds = time.perf_counter() - started
    session.commit()
    reader, text = text_of(pdf)
    print(f"\nNMC revalidation pack: {len(reader.pages)} pages in {seconds:.2f} s")
    assert len(reader.pages) > 1 and "Page 1 of" in text
    assert "NMC revalidation pack" in text and "Daniel Moreno" in text and row.id in text
    # 450 h of practice; 36 h CPD of which 22 h participatory (the deleted 5 h and the old ward left out).
    assert "Practice hours 450 h 450 h Met" in text
    assert "Hours of CPD 36 h 35 h Met" in text and "Hours of participatory CPD 22 h 20 h Met" in text
    assert "An old ward" not in text and "Deleted course" not in text
    assert "Feedback number 5 about session pacing" in text and "Experience 5: a difficult ending" in text
    assert "Leah Okafor" in text and "12A3456E" in text
    # In the NMC's order: practice hours, CPD, feedback, reflective accounts, reflective discussion.
    order = [text.index(h) for h in ("1. Practice hours", "2. Continuing professional development",
                                     "3. Practice-related feedback", "4. Written reflective accounts",
                                     "5. Reflective discussion")]
    assert order == sorted(order)
    assert "NMC revalidation" in text and "Readiness report" in text
    assert "Trauma workshop certificate" in text and "Risk e-learning certificate" in text
    assert verify.verify_file(session, pdf).outcome == verify.AUTHENTIC

    feedback = session.query(NmcFeedback).filter_by(summary="Feedback number 1 about session pacing").one()
    feedback.what_changed = "Added afterwards"
    session.commit()
    changes = verify.verify_id(session, row.id).changes
    assert ("nmc_feedback", str(feedback.id)) in changes.changed


def test_the_nmc_pack_lists_only_the_showcased_evidence_and_still_counts_everything(session, nurse):
    chosen = next(i for i in session.query(evidence_service.EvidenceItem).all() if i.title.startswith("Risk"))
    _row, pdf = documents.issue(session, "nmc_revalidation", nurse, nurse, TODAY,
                                options={"evidence_ids": [chosen.id]})
    _reader, text = text_of(pdf)
    assert "Risk e-learning certificate" in text and "Trauma workshop certificate" not in text
    assert "Hours of CPD 36 h 35 h Met" in text and "Practice hours 450 h 450 h Met" in text


def test_hr_cannot_produce_the_private_nmc_pack_and_only_nurses_are_offered_it(session, nurse, world):
    with pytest.raises(NotPermitted):
        documents.issue(session, "nmc_revalidation", nurse, world["hr"], TODAY)
    kinds = {k.id for k in documents.kinds_for(session, nurse, nurse, TODAY)}
    assert "nmc_revalidation" in kinds and "pwp_register_renewal" not in kinds
    assert "nmc_revalidation" not in {k.id for k in documents.kinds_for(session, world["supervisor"],
                                                                         world["supervisor"], TODAY)}
    # The current supervisor may produce it (private kinds: the person, their supervisor or tutor).
    assert documents.may_issue(session, world["supervisor"], nurse, documents.KINDS["nmc_revalidation"], TODAY)


# --- PWP ---------------------------------------------------------------------------------------

@pytest.fixture
def pwp(app, session, world):
    person = make_user(session, team=world["team"], full_name="Amira Hassan", band="5",
                       job_title="Psychological wellbeing practitioner")
    # On the BABCP PWP Register since 1 January two years ago: the declaration year runs from 1 January.
    person.profile.registrations.append(ProfessionalRegistration(
        regulator=Regulator.BABCP, kind="babcp_pwp_register", registration_number="PWP-4321",
        registered_on=dt.date(TODAY.year - 2, 1, 1)))
    rel = make_relationship(session, senior=world["supervisor"], junior=person, kind=RelationshipKind.SUPERVISION,
                            supervision_kind=SupervisionKind.CASE_MANAGEMENT, starts_on=dt.date(TODAY.year - 1, 1, 1))
    year_start = dt.date(TODAY.year, 1, 1)
    add = session.add
    # CPD this declaration year: 3 h + 2 h 30 min (skills) + 1 h 30 min = 7 h, 5 h 30 min of CBT skills;
    # one last year does not count.
    for title, minutes, skills in (("Behavioural activation refresher", 180, True),
                                   ("Exposure skills practice", 150, True), ("Team reading group", 90, False)):
        add(CpdActivity(owner_id=person.id, start_on=year_start, end_on=year_start, title=title, category="clinical",
                        minutes=minutes, cbt=True, cbt_skills=skills, reflection_learned=f"What {title} taught me",
                        reflection_practice="How I work now"))
    add(CpdActivity(owner_id=person.id, start_on=dt.date(TODAY.year - 1, 6, 1), end_on=dt.date(TODAY.year - 1, 6, 1),
                    title="Last year's course", category="clinical", minutes=600))
    # Supervision on the first day of this month: 60 min case management and 45 min clinical skills.
    month = TODAY.replace(day=1)
    add(SupervisionSession(supervisee_id=person.id, occurred_on=month, minutes=60,
                           kind=SupervisionKind.CASE_MANAGEMENT, relationship_id=rel.id,
                           supervisor_id=world["supervisor"].id))
    add(SupervisionSession(supervisee_id=person.id, occurred_on=month, minutes=45,
                           kind=SupervisionKind.CLINICAL_SKILLS, relationship_id=rel.id,
                           supervisor_id=world["supervisor"].id))
    for intervention, assessor in (("behavioural_activation", "Grace Lee"), ("exposure", "Mark Price")):
        add(PwpLiveAssessment(owner_id=person.id, assessed_on=year_start, intervention=intervention,
                              assessor_name=assessor, tool="IAPT PWP intervention skills mark sheet", outcome="pass"))
    session.commit()
    return person


def test_the_pwp_pack_shows_the_declaration_year_and_verifies(session, pwp, world):
    started = time.perf_counter()
    row, pdf = documents.issue(session, "pwp_register_renewal", pwp, pwp, TODAY)
    seconds = time.perf_counter() - started
    session.commit()
    reader, text = text_of(pdf)
    print(f"\nPWP register renewal pack: {len(reader.pages)} pages in {seconds:.2f} s")
    assert len(reader.pages) > 1 and "Page 1 of" in text
    assert "PWP register renewal pack" in text and "Amira Hassan" in text and row.id in text
    assert f"1 January {TODAY.year} to 31 December {TODAY.year}" in text
    assert "Activities 3" in text and "Hours of CPD 7 h" in text and "CBT-informed skills 5 h 30 min" in text
    assert "Last year's course" not in text and "What Exposure skills practice taught me" in text
    assert "case management supervision 1 h" in text and "clinical skills supervision 45 min" in text
    assert "2 live assessments of 2 different interventions" in text
    assert "Grace Lee" in text and "Mark Price" in text
    assert "BABCP PWP Register (annual declaration)" in text and "PWP-4321" in text
    assert verify.verify_file(session, pdf).outcome == verify.AUTHENTIC
    entry = session.query(PwpLiveAssessment).filter_by(assessor_name="Grace Lee").one()
    entry.outcome = "refer"
    session.commit()
    assert ("pwp_live_assessments", str(entry.id)) in verify.verify_id(session, row.id).changes.changed


def test_hr_cannot_produce_the_pwp_pack_and_only_register_holders_are_offered_it(session, pwp, world):
    with pytest.raises(NotPermitted):
        documents.issue(session, "pwp_register_renewal", pwp, world["hr"], TODAY)
    assert "pwp_register_renewal" in {k.id for k in documents.kinds_for(session, pwp, pwp, TODAY)}
    other = make_user(session, team=world["team"], full_name="No Register")
    assert "pwp_register_renewal" not in {k.id for k in documents.kinds_for(session, other, other, TODAY)}
