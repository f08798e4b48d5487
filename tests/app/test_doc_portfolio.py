"""The full portfolio PDF: what it shows, that its totals are the pages' totals, showcasing evidence, and who may ask."""
import datetime as dt
import hashlib
import io
import time
from decimal import Decimal

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from app.jobs import runner
from app.services import cpd, documents, verify
from app.services import supervision_log as log
from app.services.demo import load_demo
from app.services.errors import NotPermitted
from competences.claims import ClaimStatus
from models import Role, StoredFile, User
from models.claims import ClaimStatusChange, CompetenceClaim
from models.documents import IssuedDocument
from models.evidence import EvidenceItem
from models.jobs import Job
from tests.factories import TEST_SETTINGS, make_organisation, make_relationship, make_service, make_team, make_user

TODAY = dt.date.today()  # the job runs with today's date, so the test does too
LAST_YEAR = TODAY.year - 1


def _evidence(session, owner, title, kind="certificate"):
    content = f"{title} for {owner.id}".encode()
    sha = hashlib.sha256(content).hexdigest()
    session.add(StoredFile(sha256=sha, size=len(content), media_type="application/pdf"))
    item = EvidenceItem(owner_id=owner.id, title=title, kind=kind, dated_on=dt.date(LAST_YEAR, 5, 2),
                        file_sha256=sha, file_name=f"{title.lower().replace(' ', '-')}.pdf")
    session.add(item)
    session.flush()
    return item


def _cpd(session, owner, title, end, hours):
    return cpd.create_cpd(session, owner, cpd.CpdInput(
        start_on=end, end_on=end, title=title, category="clinical", hours=Decimal(hours),
        reflection_learned="What I learned about formulation.", reflection_practice="I now share it earlier."),
        today=TODAY)


@pytest.fixture
def world(session):
    org = make_organisation(session, name="Portfolio Trust")
    team = make_team(session, service=make_service(session, organisation=org, name="Eastshire Talking Therapies"),
                     name="Step 3 East")
    sophie = make_user(session, team=team, full_name="Sophie Lang", band="6",
                       job_title="Trainee high intensity CBT therapist", core_profession="Nurse")
    rachel = make_user(session, team=team, roles=(Role.PRACTITIONER, Role.SUPERVISOR), full_name="Rachel Adeyemi")
    hr = make_user(session, organisation=org, roles=(Role.HR,), profile=False, full_name="Joanne Kerr")
    other = make_user(session, team=team, full_name="Tom Okafor")
    rel = make_relationship(session, senior=rachel, junior=sophie, starts_on=dt.date(LAST_YEAR - 1, 1, 1))
    # CPD: 3 h and 1 h 30 min, both ending last year → that year's total is 4 h 30 min over 2 activities.
    cpd_rows = [_cpd(session, sophie, "Formulation workshop", dt.date(LAST_YEAR, 3, 10), "3"),
                _cpd(session, sophie, "Journal club on panic", dt.date(LAST_YEAR, 6, 20), "1.5")]
    # Supervision: 1 h in the last complete month, 1 h 30 min in the month before → 2 h 30 min in 12 months.
    last = log.month_start(log.last_complete_month_end(TODAY))
    before = log.month_start(last - dt.timedelta(days=1))
    for day, minutes in ((last.replace(day=5), 60), (before.replace(day=12), 90)):
        log.record_supervision(session, sophie, log.SupervisionDetails(occurred_on=day, minutes=minutes,
                                                                      relationship_id=rel.id,
                                                                      themes="Panic formulation"), today=TODAY)
    certificate = _evidence(session, sophie, "CBT diploma certificate")
    reflection = _evidence(session, sophie, "Reflection on a difficult ending", kind="reflective_account")
    claim = CompetenceClaim(owner_id=sophie.id, framework_id="ksa", framework_version=1, item_id="ksa-1",
                            status=ClaimStatus.SIGNED_OFF, signed_by_id=rachel.id, signed_on=dt.date(LAST_YEAR, 9, 1),
                            sign_off_method="recording", statement={})
    session.add(claim)
    session.flush()
    session.add(ClaimStatusChange(claim_id=claim.id, actor_id=rachel.id, action="sign_off", from_status="submitted",
                                  to_status="signed_off", method="recording", claim_digest="0" * 64))
    _evidence(session, other, "Tom's own certificate")
    session.commit()
    return {"sophie": sophie, "rachel": rachel, "hr": hr, "other": other, "cpd": cpd_rows, "claim": claim,
            "certificate": certificate, "reflection": reflection}


def _text(pdf):
    reader = PdfReader(io.BytesIO(pdf))
    return reader, "\n".join(p.extract_text() for p in reader.pages)


def _flat(text):
    return " ".join(text.split())


def test_the_full_portfolio_shows_the_records_with_the_pages_totals_and_verifies(session, world):
    sophie = world["sophie"]
    row, pdf = documents.issue(session, "portfolio", sophie, sophie, TODAY)
    session.commit()
    reader, text = _text(pdf)
    flat = _flat(text)
    assert len(reader.pages) > 1 and "Page 1 of" in text
    assert reader.metadata.title == "Full portfolio – Sophie Lang"
    for words in ("Sophie Lang", "Trainee high intensity CBT therapist", "Band 6, step 1",
                  "Eastshire Talking Therapies (Step 3 East)", "Period All records", row.id, row.digest,
                  "Readiness", "Band and pay-step history", "Competence matrix", "CPD log", "Supervision log",
                  "Clinical activity", "CTS-R ratings", "Accreditations and registrations", "Evidence index",
                  "Sign-off history"):
        assert words in flat, words
    # CPD per year: the CPD page's own service gives the same figures the PDF prints (4 h 30 min, 2 activities).
    summary = cpd.cpd_summary(session, sophie.id, TODAY)
    by_year = {period.label: totals for period, totals in summary.by_year}
    assert by_year[str(LAST_YEAR)].minutes == 270 and by_year[str(LAST_YEAR)].activities == 2
    assert f"{LAST_YEAR} 2 4 h 30 min" in flat
    assert "Formulation workshop" in flat and "What I learned about formulation." in flat
    # Supervision: the supervision page's 12 complete months total 2 h 30 min against 18 h needed.
    totals = log.monthly_totals(session, sophie.id, log.last_complete_month_end(TODAY))
    assert sum(t.total for t in totals) == 150
    assert "Total 2 h 30 min 18 h needed over 12 months" in flat
    assert "1 h 30 min 1 h 30 min Met" in flat and "1 h 1 h 30 min 30 min short" in flat
    # The signed-off claim with signatory, method and date, and its history.
    assert "Signed off Rachel Adeyemi Recording" in flat and f"1 September {LAST_YEAR}" in flat
    # The evidence index: title, kind, file name and SHA-256 of each item, and nobody else's.
    joined = text.replace("\n", "")  # long names and hashes wrap in their narrow columns
    for item in (world["certificate"], world["reflection"]):
        assert item.title in flat and item.file_name in joined and item.file_sha256 in joined
    assert "Tom's own certificate" not in flat

    assert verify.verify_file(session, pdf).outcome == verify.AUTHENTIC
    assert verify.verify_id(session, row.id).changes.unchanged
    world["cpd"][0].title = "Formulation workshop (day 1)"
    session.commit()
    changes = verify.verify_id(session, row.id).changes
    assert changes.changed == (("cpd_activities", str(world["cpd"][0].id)),)


def test_a_showcase_limits_the_evidence_index_but_not_the_totals(session, world):
    sophie = world["sophie"]
    _row, pdf = documents.issue(session, "portfolio", sophie, sophie, TODAY,
                                options={"evidence_ids": [world["certificate"].id]})
    flat = _flat(_text(pdf)[1])
    assert "CBT diploma certificate" in flat and "Reflection on a difficult ending" not in flat
    assert "The person chose 1 of their 2 evidence items" in flat
    assert f"{LAST_YEAR} 2 4 h 30 min" in flat and "Total 2 h 30 min" in flat
    manifest = session.scalar(select(IssuedDocument)).manifest
    assert world["certificate"].file_sha256 in manifest and world["reflection"].file_sha256 not in manifest


def test_hr_may_not_produce_a_full_portfolio_but_the_supervisor_may(session, world):
    with pytest.raises(NotPermitted):
        documents.issue(session, "portfolio", world["sophie"], world["hr"], TODAY)
    documents.issue(session, "portfolio", world["sophie"], world["rachel"], TODAY, options={"period": "12m"})


def test_the_person_chooses_their_evidence_and_the_job_makes_that_portfolio(app, client, session, world, login_as):
    sophie = world["sophie"]
    login_as(sophie)
    listing = client.get(f"/people/{sophie.id}/documents").get_data(as_text=True)
    url = f"/people/{sophie.id}/documents/portfolio/options"
    assert f'href="{url}"' in listing and "Choose evidence" in listing
    page = client.get(url).get_data(as_text=True)
    # Both items, plus the box to attach the chosen files; both items start ticked, and "All records".
    assert page.count('type="checkbox"') == 3 and page.count("checked") >= 3
    response = client.submit(url, {"evidence": [str(world["reflection"].id)], "period": "12m"})
    assert response.status_code == 302
    job = session.scalar(select(Job))
    assert '"evidence_ids": [' + str(world["reflection"].id) + "]" in job.params and '"period": "12m"' in job.params
    assert runner.thread_worker(app).wait(120)
    doc = session.scalar(select(IssuedDocument))
    assert doc.kind == "portfolio" and world["reflection"].file_sha256 in doc.manifest
    assert world["certificate"].file_sha256 not in doc.manifest


def test_someone_elses_evidence_is_refused_and_nothing_is_asked_for(client, session, world, login_as):
    sophie = world["sophie"]
    login_as(sophie)
    url = f"/people/{sophie.id}/documents/portfolio/options"
    tom_item = session.scalar(select(EvidenceItem).where(EvidenceItem.owner_id == world["other"].id))
    response = client.submit(url, {"evidence": [str(world["certificate"].id), str(tom_item.id)], "period": "all"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "There is a problem" in page
    assert "Choose only evidence from this person&#39;s own library" in page
    assert session.scalar(select(Job)) is None


@pytest.mark.parametrize(("who", "status"), [("hr", 403), ("other", 404)])
def test_only_those_who_may_issue_it_reach_the_options(client, world, login_as, who, status):
    login_as(world[who])
    assert client.get(f"/people/{world['sophie'].id}/documents/portfolio/options").status_code == status


def test_a_kind_without_a_showcase_has_no_options_page(client, world, login_as):
    login_as(world["sophie"])
    assert client.get(f"/people/{world['sophie'].id}/documents/progression_pack/options").status_code == 404


def test_a_realistic_year_renders_in_under_20_seconds_with_the_pages_figures(session, tmp_path):
    load_demo(session, TEST_SETTINGS, today=TODAY, evidence_dir=tmp_path)
    session.commit()
    sophie = session.scalar(select(User).where(User.email.startswith("sophie.")))
    started = time.perf_counter()
    _row, pdf = documents.issue(session, "portfolio", sophie, sophie, TODAY)
    seconds = time.perf_counter() - started
    reader, text = _text(pdf)
    flat = _flat(text)
    print(f"\nFull portfolio of a trainee's demo year: {seconds:.2f} s, {len(reader.pages)} pages")
    assert seconds < 20
    summary = cpd.cpd_summary(session, sophie.id, TODAY)
    from exports.documents import _minutes
    for period, totals in summary.by_year:
        assert f"{period.label} {totals.activities} {_minutes(totals.minutes)}" in flat
    totals = log.monthly_totals(session, sophie.id, log.last_complete_month_end(TODAY))
    assert f"Total {_minutes(sum(t.total for t in totals))}" in flat


def test_chosen_evidence_can_travel_inside_the_pdf_after_a_fresh_check(app, session, tmp_path):
    import io as _io

    from pypdf import PdfReader as _Reader

    from app.services import documents as _documents
    from app.services import evidence as _evidence
    from tests.evidence_files import PDF as _PDF
    from tests.factories import make_user as _make_user

    person = _make_user(session, full_name="Attach Person")
    store = tmp_path / "store"
    item = _evidence.store_upload(session, person, _io.BytesIO(_PDF), "certificate.pdf", store_dir=store,
                                  max_bytes=10_000_000, details=_evidence.EvidenceDetails(
                                      title="Certificate", kind="certificate", dated_on=dt.date(2026, 1, 5)),
                                  today=dt.date(2026, 1, 5))
    session.commit()
    _row, pdf = _documents.issue(session, "portfolio", person, person, dt.date(2026, 11, 30),
                                 options={"attach_evidence": True}, evidence_dir=store)
    attached = _Reader(_io.BytesIO(pdf)).attachments
    name = f"{item.file_sha256[:12]}-certificate.pdf"
    assert attached[name] == [_PDF] and "waymark-manifest.json" in attached
    # A file altered in the store since it was uploaded is listed but never attached.
    path = store / item.file_sha256[:2] / item.file_sha256
    path.chmod(0o644)
    path.write_bytes(_PDF + b"% tampered")
    _row, pdf = _documents.issue(session, "portfolio", person, person, dt.date(2026, 11, 30),
                                 options={"attach_evidence": True}, evidence_dir=store)
    assert name not in _Reader(_io.BytesIO(pdf)).attachments
