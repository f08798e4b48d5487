"""Sign-offs reach the snapshot from claims: signed off counts, needs re-signing is carried but flagged, others absent."""
import datetime as dt

from competences import evidence as ev
from competences.claims import ClaimStatus
from models.claims import CompetenceClaim
from models.base import utcnow
from models.snapshot import build_snapshot
from tests.factories import make_user

TODAY = dt.date(2025, 6, 15)


def add_claim(session, owner, item_id, status, *, signer=None, signed_on=None, method=None, deleted=False):
    claim = CompetenceClaim(owner_id=owner.id, framework_id="ksa", framework_version=1, item_id=item_id,
                            status=status, statement={"how_learned": "x"},
                            signed_by_id=signer.id if signer else None, signed_on=signed_on,
                            sign_off_method=method, deleted_at=utcnow() if deleted else None)
    session.add(claim)
    session.flush()
    return claim


def test_signed_off_and_needs_resigning_claims_become_sign_offs_and_nothing_else_does(session):
    owner, supervisor = make_user(session), make_user(session)
    signed = add_claim(session, owner, "ksa-1", ClaimStatus.SIGNED_OFF, signer=supervisor,
                       signed_on=dt.date(2025, 3, 1), method="recording")
    stale = add_claim(session, owner, "ksa-2", ClaimStatus.NEEDS_RESIGNING, signer=supervisor,
                      signed_on=dt.date(2025, 2, 1), method="discussion")
    for item, status in (("ksa-3", ClaimStatus.DRAFT), ("ksa-4", ClaimStatus.SUBMITTED),
                         ("ksa-5", ClaimStatus.RETURNED)):
        add_claim(session, owner, item, status)
    add_claim(session, owner, "ksa-6", ClaimStatus.SIGNED_OFF, signer=supervisor, signed_on=dt.date(2025, 1, 1),
              method="discussion", deleted=True)
    add_claim(session, supervisor, "ksa-7", ClaimStatus.SIGNED_OFF, signer=owner, signed_on=dt.date(2025, 1, 1),
              method="discussion")

    snap = build_snapshot(session, owner.id, TODAY)

    assert snap.signoffs == (
        ev.SignOff(id=f"claim:{stale.id}", framework_id="ksa", framework_version=1, item_id="ksa-2",
                   signed_on=dt.date(2025, 2, 1), method="discussion", needs_resigning=True),
        ev.SignOff(id=f"claim:{signed.id}", framework_id="ksa", framework_version=1, item_id="ksa-1",
                   signed_on=dt.date(2025, 3, 1), method="recording"),
    )
