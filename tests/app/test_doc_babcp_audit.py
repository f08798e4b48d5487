"""The BABCP audit sets: hand-counted supervision and CPD in the PDF, the showcase, verification and who may issue them."""
import datetime as dt
import io
from decimal import Decimal

import pytest
from pypdf import PdfReader

from app.services import countersigning, cpd, documents, supervisor_reports, verify
from app.services import evidence as evidence_service
from app.services import supervision_log as log
from app.services.document_kinds import babcp_audit
from app.services.errors import DomainError, NotPermitted
from models import EvidenceItem, ProfessionalRegistration, Role, StoredFile, SupervisionKind
from exports.manifest import ManifestBuilder
from models.enums import Regulator
from tests.factories import make_organisation, make_relationship, make_service, make_team, make_user

TODAY = dt.date(2026, 11, 20)


def _text(pdf):
    reader = PdfReader(io.BytesIO(pdf))
    # Words only: a table cell wraps its text wherever its width falls.
    return reader, " ".join(" ".join(p.extract_text() for p in reader.pages).split())


def _session(session, leah, rel, day, minutes, *, group_size=None, outside=None, themes=None):
    details = log.SupervisionDetails(
        occurred_on=day, minutes=minutes, relationship_id=None if outside else rel.id,
        outside_name=outside, outside_credentials="BABCP-accredited CBT supervisor" if outside else None,
        group=group_size is not None, group_size=group_size, themes=themes,
        kind=SupervisionKind.CLINICAL if outside else None)
    return log.record_supervision(session, leah, details, today=TODAY)


def _cpd(session, leah, day, title, hours, *, category="clinical", cbt=True, skills=False, reflect=True):
    return cpd.create_cpd(session, leah, cpd.CpdInput(
        start_on=day, end_on=None, title=title, category=category, hours=Decimal(hours), cbt=cbt, cbt_skills=skills,
        reflection_learned=f"What {title} taught me" if reflect else None,
        reflection_practice=f"How {title} changes my practice" if reflect else None), today=TODAY)


def _evidence(session, leah, activity, title, n):
    sha = f"{n:064x}"
    session.add(StoredFile(sha256=sha, size=10, media_type="application/pdf"))
    item = EvidenceItem(owner_id=leah.id, title=title, kind="certificate", dated_on=activity.end_on,
                        file_sha256=sha, file_name=f"{title.lower().replace(' ', '-')}.pdf")
    session.add(item)
    session.flush()
    evidence_service.link_cpd(session, item, activity)
    return item


@pytest.fixture
def world(session):
    org = make_organisation(session, name="Audit Trust")
    team = make_team(session, service=make_service(session, organisation=org, name="North"), name="North HI")
    leah = make_user(session, team=team, full_name="Leah Morgan", band="7", job_title="High intensity CBT therapist")
    rachel = make_user(session, team=team, roles=(Role.PRACTITIONER, Role.SUPERVISOR), full_name="Rachel Adeyemi")
    hr = make_user(session, organisation=org, roles=(Role.HR,), profile=False, full_name="Joanne Kerr")
    plain = make_user(session, team=team, full_name="Priya Shah")
    leah.profile.registrations.append(ProfessionalRegistration(
        regulator=Regulator.BABCP, kind="babcp_accreditation", registration_number="BABCP-123456",
        registered_on=dt.date(2025, 6, 1), renewal_due_on=dt.date(2027, 6, 1)))
    rel = make_relationship(session, senior=rachel, junior=leah, starts_on=dt.date(2025, 1, 1))
    session.flush()

    # Supervision: the 12 months are December 2025 to November 2026.
    _session(session, leah, rel, dt.date(2025, 11, 28), 90)  # the month before: not in the summary
    dec = _session(session, leah, rel, dt.date(2025, 12, 10), 90, themes="Formulation of a panic case")
    jan = _session(session, leah, rel, dt.date(2026, 1, 14), 60)
    _session(session, leah, rel, dt.date(2026, 2, 11), 120, group_size=4)
    _session(session, leah, rel, dt.date(2026, 3, 18), 90, outside="Orla Outside")
    _session(session, leah, rel, dt.date(2026, 10, 7), 45)
    for entry in (dec, jan):
        countersigning.countersign_session(session, rachel, entry, countersigning.Decision(confirm=True), today=TODAY)

    # CPD: the first declaration year runs from 1 June 2025 to 31 May 2026.
    ocd = _cpd(session, leah, dt.date(2025, 7, 3), "CBT for OCD workshop", "6.5", skills=True)
    _cpd(session, leah, dt.date(2025, 9, 15), "Journal club on trauma-focused CBT", "1.5")
    _cpd(session, leah, dt.date(2025, 11, 20), "Reading Beck on cognitive therapy", "3", category="educational")
    lead = _cpd(session, leah, dt.date(2026, 2, 5), "Leadership course", "7", category="management", cbt=False)
    _cpd(session, leah, dt.date(2026, 4, 22), "Imagery rescripting webinar", "2", skills=True)
    _cpd(session, leah, dt.date(2026, 5, 31), "Teaching on the PWP course", "2.25", category="professional",
         reflect=False)
    _cpd(session, leah, dt.date(2026, 7, 1), "Schema therapy introduction", "3", cbt=False)  # the next year
    cert = _evidence(session, leah, ocd, "OCD workshop certificate", 1)
    _evidence(session, leah, lead, "Leadership certificate", 2)

    supervisor_reports.write_report(session, rachel, leah, supervisor_reports.ReportInput(
        period_from=dt.date(2025, 12, 1), period_to=dt.date(2026, 11, 1),
        caseload="Twelve adults with anxiety disorders and depression", competence="Consistently sound formulation",
        recommendation="ready"), today=TODAY)
    session.commit()
    return {"leah": leah, "rachel": rachel, "hr": hr, "plain": plain, "ocd": ocd, "cert": cert}


def test_the_first_accreditation_audit_set_shows_hand_counted_supervision_and_cpd(session, world):
    leah = world["leah"]
    row, pdf = documents.issue(session, "babcp_audit", leah, leah, TODAY)
    session.commit()
    reader, text = _text(pdf)
    assert len(reader.pages) > 1 and "Page 1 of" in text
    assert "BABCP First Accreditation Audit set" in text and "Leah Morgan" in text and row.id in text
    assert "BABCP-123456" in text
    # 90 + 60 + 120 + 90 + 45 = 405 min in 5 sessions (28 November 2025 is before the 12 months).
    assert "6 h 45 min in 5 sessions" in text
    # Individual 90 + 60 + 90 + 45 = 285 min; one group session of 120 min.
    assert "4 h 45 min" in text and "Group of 4" in text
    # Countersigned: 10 December (90) and 14 January (60) = 150 min.
    assert "2 h 30 min" in text and "Countersigned by Rachel Adeyemi" in text
    assert "Orla Outside" in text and "Awaiting countersignature" in text
    # Months at the 90-minute minimum: December, February and March.
    assert "3 of 12" in text
    assert "Formulation of a panic case" in text
    # CPD, 1 June 2025 to 31 May 2026: 6 activities, 5 with reflective statements;
    # 390 + 90 + 180 + 420 + 120 + 135 = 1,335 min = 22 h 15 min; skills 390 + 120 = 510 min = 8 h 30 min.
    assert "1 June 2025 to 31 May 2026" in text
    assert "6, 5 with a reflective statement" in text
    assert "22 h 15 min" in text and "8 h 30 min" in text
    assert "the one non-CBT activity allowed" in text
    assert "What CBT for OCD workshop taught me" in text and "Schema therapy" not in text
    assert "OCD workshop certificate" in text and "Leadership certificate" in text
    # The supervisor's report and the readiness report for the first accreditation audit.
    assert "Rachel Adeyemi, current supervisor" in text and "Consistently sound formulation" in text
    assert "Readiness: BABCP First Accreditation Audit" in text

    assert verify.verify_file(session, pdf).outcome == verify.AUTHENTIC
    world["ocd"].title = "CBT for OCD: two-day workshop"
    session.commit()
    changes = verify.verify_id(session, row.id).changes
    assert ("cpd_activities", str(world["ocd"].id)) in changes.changed


def test_a_reaccreditation_set_for_the_previous_year_lists_only_the_chosen_evidence(session, world):
    leah = world["leah"]
    options = {"audit": "reaccreditation", "year": "previous", "evidence_ids": [world["cert"].id]}
    _, pdf = documents.issue(session, "babcp_audit", leah, world["rachel"], TODAY, options=options)
    _, text = _text(pdf)
    assert "BABCP reaccreditation audit set" in text and "Readiness: BABCP annual reaccreditation declaration" in text
    # The declaration year before the one holding 20 November 2026; the totals still count everything.
    assert "1 June 2025 to 31 May 2026" in text and "22 h 15 min" in text
    assert "OCD workshop certificate" in text and "Leadership certificate" not in text


def test_the_audit_defaults_to_the_first_within_18_months_of_the_award():
    reg = ProfessionalRegistration(kind="babcp_accreditation", registered_on=dt.date(2025, 6, 1))
    assert babcp_audit.default_audit(reg, dt.date(2026, 12, 1)) == babcp_audit.FIRST
    assert babcp_audit.default_audit(reg, dt.date(2026, 12, 2)) == babcp_audit.REACCREDITATION
    assert babcp_audit.default_audit(None, dt.date(2026, 12, 2)) == babcp_audit.REACCREDITATION


def test_the_reaccreditation_cpd_year_is_the_declaration_year_holding_today():
    anchor = dt.date(2025, 6, 1)
    period = babcp_audit.cpd_period(babcp_audit.REACCREDITATION, anchor, {}, TODAY)
    assert (period.start, period.end) == (dt.date(2026, 6, 1), dt.date(2027, 5, 31))
    first = babcp_audit.cpd_period(babcp_audit.FIRST, anchor, {}, TODAY)
    assert (first.start, first.end) == (dt.date(2025, 6, 1), dt.date(2026, 5, 31))


def test_an_unknown_audit_is_refused_beside_its_field(session, world):
    with pytest.raises(DomainError) as err:
        documents.issue(session, "babcp_audit", world["leah"], world["leah"], TODAY, options={"audit": "annual"})
    assert err.value.field == "audit"


def test_hr_may_not_issue_it_and_only_the_accredited_are_offered_it(session, world):
    with pytest.raises(NotPermitted):
        documents.issue(session, "babcp_audit", world["leah"], world["hr"], TODAY)
    kind = documents.KINDS["babcp_audit"]
    assert kind.applies(session, world["leah"], TODAY) and not kind.applies(session, world["plain"], TODAY)


def test_gathering_costs_the_same_queries_however_many_records(session, world, count_queries):
    leah, rachel = world["leah"], world["rachel"]
    kind = documents.KINDS["babcp_audit"]

    def gathered():
        session.expire_all()
        with count_queries() as q:
            kind.gather(session, leah, ManifestBuilder("babcp_audit", leah.id), {}, TODAY)
        return q.count

    gathered()  # the catalogue and settings are read once per process
    before = gathered()
    for day in (dt.date(2026, 4, 8), dt.date(2026, 5, 13), dt.date(2026, 6, 10)):
        entry = log.record_supervision(session, leah, log.SupervisionDetails(
            occurred_on=day, minutes=60, outside_name="Orla Outside", outside_credentials="BABCP-accredited",
            kind=SupervisionKind.CLINICAL), today=TODAY)
        assert entry.countersign_status is countersigning.CountersignStatus.AWAITING
    for n, day in enumerate((dt.date(2025, 8, 1), dt.date(2025, 10, 1)), start=10):
        _evidence(session, leah, _cpd(session, leah, day, f"Workshop {n}", "3", skills=True), f"Certificate {n}", n)
    supervisor_reports.write_report(session, rachel, leah, supervisor_reports.ReportInput(
        period_from=dt.date(2026, 1, 1), period_to=dt.date(2026, 11, 1), caseload="More", competence="Good",
        recommendation="ready"), today=TODAY)
    session.commit()
    assert gathered() == before
