"""The synthetic Trust generator: reproducible from a seed, audited, valid pay steps, no patient identifiers, pages render."""
import datetime as dt

import pytest
from sqlalchemy import func, select

from app.config import evidence_dir
from app.services.pay_steps import pay_scale
from app.services.synthetic import domain_for, generate
from competences import pay
from competences.identifiers import find_nhs_numbers, looks_like_nhs_number
from models import (ClinicalCase, ProgressionDecision, CpdActivity, EvidenceItem, Organisation, Post, StaffProfile, SupervisionCaseMinutes,
                    SupervisionSession, User)
from models.audit import AuditEvent, verify_chain
from models.reference_data import catalogue_for
from models.training import CtsrRating

TODAY = dt.date(2026, 11, 30)
PASSWORD = "synthetic test password"


def _generate(app, session, *, seed=7, organisation="Synthetic Test Trust", staff=20, years=1):
    result = generate(session, staff=staff, years=years, seed=seed, organisation=organisation,
                      store_dir=evidence_dir(app.config),
                      password=PASSWORD, argon2_profile="cheapest", today=TODAY)
    session.commit()
    return result


def _names(session, org_id):
    return list(session.scalars(select(User.full_name).where(User.organisation_id == org_id).order_by(User.id)))


@pytest.fixture
def generated(app, session):
    return _generate(app, session)


def test_the_same_seed_gives_the_same_counts_and_names_and_another_seed_differs(app, session, generated):
    again = _generate(app, session, organisation="Synthetic Test Trust Again")
    other = _generate(app, session, seed=8, organisation="Synthetic Test Trust Other")
    # The shared evidence files are stored once, by the first run.
    assert {**again.counts, "stored_files": 4} == generated.counts
    assert _names(session, again.organisation_id) == _names(session, generated.organisation_id)
    assert _names(session, other.organisation_id) != _names(session, generated.organisation_id)
    assert len(_names(session, generated.organisation_id)) == 22  # 20 staff, the HR officer and the administrator


def test_every_written_row_is_in_a_verified_audit_chain(session, generated):
    report = verify_chain(session)
    assert report.ok, report.problem
    creates = session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "create"))
    assert creates >= generated.total
    assert session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "synthetic_generated")) == 1


def test_pay_steps_are_valid_for_their_bands(session, generated):
    scale = pay_scale(catalogue_for(session), TODAY)
    profiles = list(session.scalars(select(StaffProfile).join(User).where(
        User.organisation_id == generated.organisation_id)))
    assert len(profiles) == 20
    for p in profiles:
        assert 1 <= p.pay_step <= pay.steps_in_band(scale, p.band, p.step_started_on), (p.band, p.pay_step)
        assert p.band_started_on <= p.step_started_on <= TODAY
        # Nobody is left behind: the next step is after today, unless a deferral is still to be reviewed.
        due = pay.next_step_date(scale, p.band, p.pay_step, p.step_started_on)
        pending = session.scalar(select(func.count()).select_from(ProgressionDecision).where(
            ProgressionDecision.profile_id == p.id, ProgressionDecision.outcome == "deferred",
            ProgressionDecision.review_on > TODAY))
        assert due is None or due > TODAY or pending, (p.band, p.pay_step, p.step_started_on)
    bands = {p.band for p in profiles}
    assert {"4", "5", "6", "7"} <= bands


def test_posts_include_a_vacancy_check_and_an_hcas_zone(session, generated):
    posts = list(session.scalars(select(Post).where(Post.organisation_id == generated.organisation_id)))
    assert len(posts) == 20  # one per person; 2 teams, so no vacancy (every third team has one)
    assert any(p.hcas_zone != pay.NO_ZONE for p in posts)


def test_no_nhs_numbers_in_case_refs_or_text(session, generated):
    refs = list(session.scalars(select(ClinicalCase.case_ref)))
    refs += list(session.scalars(select(SupervisionCaseMinutes.case_ref)))
    refs += [r for r in session.scalars(select(CtsrRating.recording_ref))]
    assert refs and all(r.startswith(("C", "R")) and not looks_like_nhs_number(r) for r in refs)
    texts = list(session.scalars(select(SupervisionSession.themes)))
    for row in session.execute(select(CpdActivity.title, CpdActivity.reflection_learned,
                                      CpdActivity.reflection_practice)):
        texts += list(row)
    texts += list(session.scalars(select(EvidenceItem.title)))
    assert all(not find_nhs_numbers(t or "") for t in texts)


def test_supervision_is_countersigned_and_evidence_files_are_shared(app, session, generated):
    statuses = dict(session.execute(select(SupervisionSession.countersign_status, func.count())
                                    .group_by(SupervisionSession.countersign_status)).all())
    assert statuses.get("confirmed", 0) > statuses.get("awaiting", 0) > 0
    files = set(session.scalars(select(EvidenceItem.file_sha256)))
    assert 1 <= len(files) <= 4 < generated.counts["evidence_items"]


def test_a_generated_persons_dashboard_renders_and_the_hr_directory_lists_them(client, session, generated, login_as):
    domain = domain_for("Synthetic Test Trust")
    trainee = session.scalar(select(User).join(StaffProfile).where(
        User.organisation_id == generated.organisation_id, User.password_hash.is_not(None),
        StaffProfile.band == "4"))
    assert trainee is not None
    login_as(trainee, PASSWORD)
    response = client.get(f"/people/{trainee.id}/dashboard")
    assert response.status_code == 200
    client.submit("/logout", form_url="/account/password")
    hr = session.scalar(select(User).where(User.email == f"hr@{domain}"))
    login_as(hr, PASSWORD)
    response = client.get("/staff")
    assert response.status_code == 200
    assert trainee.full_name in response.get_data(as_text=True)


def test_a_second_trust_with_the_same_name_is_refused(app, session, generated):
    from app.services.errors import DomainError

    with pytest.raises(DomainError, match="already exists"):
        _generate(app, session)
    assert session.scalar(select(func.count()).select_from(Organisation)) == 1
