"""Claim review rules added for the supervisor workflow: the item's date, and acting on the claim as it was shown."""
import datetime as dt

import pytest
from sqlalchemy import select

from app.services import claims as svc
from app.services.errors import DomainError, NotPermitted
from competences.claims import ClaimStatus
from models import Role
from models.claims import ClaimStatusChange
from tests.app.test_claims_services import evidence, ready_ksa_8
from tests.factories import make_organisation, make_relationship, make_service, make_team, make_user

TODAY = dt.date.today()
DAY = dt.timedelta(days=1)
UTC = dt.timezone.utc


@pytest.fixture
def org(session):
    return make_organisation(session)


@pytest.fixture
def owner(session, org):
    return make_user(session, team=make_team(session, service=make_service(session, organisation=org)),
                     full_name="Owner Olu")


def supervisor_of(session, org, owner, starts_on, ends_on=None, name="Sup Sal"):
    sup = make_user(session, organisation=org, roles=(Role.SUPERVISOR,), profile=False, full_name=name)
    make_relationship(session, senior=sup, junior=owner, starts_on=starts_on, ends_on=ends_on)
    return sup


def submitted(session, owner, on):
    claim = ready_ksa_8(session, owner)
    svc.submit_claim(session, claim, owner)
    claim.submitted_at = dt.datetime.combine(on, dt.time(9), tzinfo=UTC)
    session.flush()
    return claim


def test_a_supervisor_whose_supervision_began_after_the_claim_was_submitted_cannot_sign_it_off(session, org, owner):
    sup = supervisor_of(session, org, owner, starts_on=TODAY - 10 * DAY)
    claim = submitted(session, owner, on=TODAY - 11 * DAY)
    with pytest.raises(NotPermitted) as err:
        svc.sign_off(session, claim, sup, "recording", None, TODAY)
    assert "submitted this claim on" in err.value.message and "recall it and submit it again" in err.value.message
    with pytest.raises(NotPermitted):
        svc.return_claim(session, claim, sup, "Please add more", on=TODAY)
    assert claim.status is ClaimStatus.SUBMITTED


def test_a_supervisor_current_today_and_on_the_submission_day_can_sign_off(session, org, owner):
    sup = supervisor_of(session, org, owner, starts_on=TODAY - 10 * DAY)
    claim = submitted(session, owner, on=TODAY - 10 * DAY)  # the relationship's first day counts
    svc.sign_off(session, claim, sup, "recording", None, TODAY)
    assert (claim.status, claim.signed_by_id, claim.signed_on) == (ClaimStatus.SIGNED_OFF, sup.id, TODAY)


def test_a_supervisor_whose_supervision_ended_cannot_sign_off_a_claim_submitted_while_it_ran(session, org, owner):
    sup = supervisor_of(session, org, owner, starts_on=TODAY - 100 * DAY, ends_on=TODAY - DAY)
    claim = submitted(session, owner, on=TODAY - 50 * DAY)
    with pytest.raises(NotPermitted) as err:
        svc.sign_off(session, claim, sup, "recording", None, TODAY)
    assert "Only a current supervisor of Owner Olu" in err.value.message


def test_signing_off_checks_the_version_the_reviewer_saw(session, org, owner):
    sup = supervisor_of(session, org, owner, starts_on=TODAY - 100 * DAY)
    claim = submitted(session, owner, on=TODAY)
    seen = claim.version
    svc.return_claim(session, claim, sup, "Add an example", on=TODAY)
    svc.update_claim(session, claim, owner, svc.ClaimInput(
        statement=dict(claim.statement, **{"what-learned": "Formulating risk with the team."}),
        evidence={link.evidence_id: link.evidence_type for link in claim.evidence_links}))
    svc.submit_claim(session, claim, owner)
    assert claim.version > seen
    with pytest.raises(svc.ClaimChanged) as err:
        svc.sign_off(session, claim, sup, "recording", None, TODAY, version=seen)
    assert err.value.message.startswith("This claim changed while you were looking: Owner Olu submitted it; it is now submitted")
    svc.sign_off(session, claim, sup, "recording", None, TODAY, version=claim.version,
                 digest=svc.claim_digest(claim))
    assert claim.status is ClaimStatus.SIGNED_OFF


def test_signing_off_refuses_a_claim_whose_evidence_changed_since_it_was_shown(session, org, owner):
    sup = supervisor_of(session, org, owner, starts_on=TODAY - 100 * DAY)
    claim = submitted(session, owner, on=TODAY)
    shown = svc.claim_digest(claim)
    extra = evidence(session, owner, "Extra certificate")
    svc.update_claim(session, claim, owner, svc.ClaimInput(
        statement=claim.statement,
        evidence={**{link.evidence_id: link.evidence_type for link in claim.evidence_links}, extra.id: "training-course"}))
    with pytest.raises(svc.ClaimChanged) as err:
        svc.sign_off(session, claim, sup, "recording", None, TODAY, version=claim.version, digest=shown)
    assert "its statement or evidence is different now" in err.value.message
    assert claim.status is ClaimStatus.SUBMITTED


def test_each_reviewer_move_bumps_the_version_and_the_history_holds_the_digest_signed(session, org, owner):
    sup = supervisor_of(session, org, owner, starts_on=TODAY - 100 * DAY)
    claim = submitted(session, owner, on=TODAY)
    before = claim.version
    digest = svc.claim_digest(claim)
    svc.sign_off(session, claim, sup, "live_observation", "Seen in clinic", TODAY)
    assert claim.version > before
    row = session.scalars(select(ClaimStatusChange).where(ClaimStatusChange.claim_id == claim.id,
                                                          ClaimStatusChange.action == "sign_off")).one()
    assert (row.actor_id, row.method, row.comment, row.claim_digest) == (sup.id, "live_observation", "Seen in clinic",
                                                                         digest)


def test_withdrawing_checks_the_version_too(session, org, owner):
    sup = supervisor_of(session, org, owner, starts_on=TODAY - 100 * DAY)
    claim = submitted(session, owner, on=TODAY)
    svc.sign_off(session, claim, sup, "recording", None, TODAY)
    with pytest.raises(DomainError):
        svc.withdraw_sign_off(session, claim, sup, "Wrong recording", on=TODAY, version=claim.version - 1)
    svc.withdraw_sign_off(session, claim, sup, "Wrong recording", on=TODAY, version=claim.version)
    assert claim.status is ClaimStatus.RETURNED and claim.signed_by_id is None



def test_a_sign_off_cannot_be_dated_ahead_or_before_the_claim_was_submitted(session, org, owner):
    sup = supervisor_of(session, org, owner, starts_on=TODAY - 100 * DAY)
    claim = submitted(session, owner, on=TODAY - 10 * DAY)
    for day in (TODAY + DAY, TODAY - 11 * DAY):
        with pytest.raises(DomainError, match="dated between"):
            svc.sign_off(session, claim, sup, "discussion", None, day)
    svc.sign_off(session, claim, sup, "discussion", None, TODAY - 10 * DAY)  # the submission day itself
    assert claim.status is ClaimStatus.SIGNED_OFF
