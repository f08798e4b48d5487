"""The claim status rules: every (status, action) pair, allowed or refused, and the comments some moves need."""
import itertools

import pytest

from competences.claims import (COMMENT_REQUIRED, ClaimAction, ClaimStatus, TransitionRefused, allowed_actions,
                                next_status)

S, A = ClaimStatus, ClaimAction

#: Written out by hand from the issue, not copied from TRANSITIONS, so a slip in either is caught.
EXPECTED = {
    (S.DRAFT, A.SUBMIT): S.SUBMITTED,
    (S.RETURNED, A.SUBMIT): S.SUBMITTED,
    (S.SUBMITTED, A.RECALL): S.DRAFT,
    (S.SUBMITTED, A.RETURN): S.RETURNED,
    (S.NEEDS_RESIGNING, A.RETURN): S.RETURNED,
    (S.SUBMITTED, A.SIGN_OFF): S.SIGNED_OFF,
    (S.NEEDS_RESIGNING, A.SIGN_OFF): S.SIGNED_OFF,
    (S.SIGNED_OFF, A.WITHDRAW_SIGN_OFF): S.RETURNED,
    (S.NEEDS_RESIGNING, A.WITHDRAW_SIGN_OFF): S.RETURNED,
    (S.DRAFT, A.CHANGE): S.DRAFT,
    (S.RETURNED, A.CHANGE): S.RETURNED,
    (S.SUBMITTED, A.CHANGE): S.SUBMITTED,
    (S.SIGNED_OFF, A.CHANGE): S.NEEDS_RESIGNING,
    (S.NEEDS_RESIGNING, A.CHANGE): S.NEEDS_RESIGNING,
}
ALL_PAIRS = list(itertools.product(ClaimStatus, ClaimAction))
ALLOWED = [p for p in ALL_PAIRS if p in EXPECTED]
FORBIDDEN = [p for p in ALL_PAIRS if p not in EXPECTED]


def test_there_are_30_statuses_by_actions_and_16_of_them_are_refused():
    assert len(ALL_PAIRS) == 30
    assert (len(ALLOWED), len(FORBIDDEN)) == (14, 16)


@pytest.mark.parametrize(("status", "action"), ALLOWED, ids=[f"{s}-{a}" for s, a in ALLOWED])
def test_each_allowed_move_leads_to_the_listed_status(status, action):
    assert next_status(status, action, comment="A reason") == EXPECTED[(status, action)]


@pytest.mark.parametrize(("status", "action"), FORBIDDEN, ids=[f"{s}-{a}" for s, a in FORBIDDEN])
def test_each_forbidden_move_is_refused_naming_the_status(status, action):
    with pytest.raises(TransitionRefused) as refused:
        next_status(status, action, comment="A reason")
    assert f"This one is {status.label.lower()}." in str(refused.value)


@pytest.mark.parametrize("action", [A.RETURN, A.WITHDRAW_SIGN_OFF])
@pytest.mark.parametrize("comment", [None, "", "   \n"])
def test_returning_and_withdrawing_need_a_comment(action, comment):
    status = S.SUBMITTED if action is A.RETURN else S.SIGNED_OFF
    with pytest.raises(TransitionRefused, match="Give a reason: the practitioner reads it."):
        next_status(status, action, comment=comment)


def test_only_returning_and_withdrawing_need_a_comment():
    assert COMMENT_REQUIRED == {A.RETURN, A.WITHDRAW_SIGN_OFF}
    assert next_status(S.DRAFT, A.SUBMIT) is S.SUBMITTED
    assert next_status(S.SUBMITTED, A.SIGN_OFF) is S.SIGNED_OFF


def test_a_change_after_sign_off_needs_re_signing_and_no_longer_counts():
    changed = next_status(S.SIGNED_OFF, A.CHANGE)
    assert changed is S.NEEDS_RESIGNING
    assert S.SIGNED_OFF.counts and not changed.counts
    assert changed.awaiting_review


def test_allowed_actions_lists_the_moves_from_each_status():
    assert allowed_actions(S.DRAFT) == (A.SUBMIT, A.CHANGE)
    assert allowed_actions(S.SUBMITTED) == (A.RECALL, A.RETURN, A.SIGN_OFF, A.CHANGE)
    assert allowed_actions(S.RETURNED) == (A.SUBMIT, A.CHANGE)
    assert allowed_actions(S.SIGNED_OFF) == (A.WITHDRAW_SIGN_OFF, A.CHANGE)
    assert allowed_actions(S.NEEDS_RESIGNING) == (A.RETURN, A.SIGN_OFF, A.WITHDRAW_SIGN_OFF, A.CHANGE)
