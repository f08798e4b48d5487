"""The life of a competence claim: which moves are allowed from which status, and what a change does.

draft → submitted → signed off, or returned with comments → (edited) → submitted again. A signed
claim whose statement or evidence changes needs signing again and no longer counts until it is.
The owner submits and recalls; a reviewer (never the owner: the services check who) returns or
signs; the signer may withdraw a sign-off with a reason, which sends the claim back as returned.
"""
from __future__ import annotations

import enum
from collections.abc import Mapping
from types import MappingProxyType


class ClaimStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    SIGNED_OFF = "signed_off"
    NEEDS_RESIGNING = "needs_resigning"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]

    @property
    def counts(self) -> bool:
        """Only a claim signed off and unchanged since counts towards a pathway."""
        return self is ClaimStatus.SIGNED_OFF

    @property
    def awaiting_review(self) -> bool:
        return self in (ClaimStatus.SUBMITTED, ClaimStatus.NEEDS_RESIGNING)


STATUS_LABELS: Mapping[ClaimStatus, str] = MappingProxyType({
    ClaimStatus.DRAFT: "Draft",
    ClaimStatus.SUBMITTED: "Submitted",
    ClaimStatus.RETURNED: "Returned with comments",
    ClaimStatus.SIGNED_OFF: "Signed off",
    ClaimStatus.NEEDS_RESIGNING: "Needs re-signing",
})


class ClaimAction(enum.StrEnum):
    SUBMIT = "submit"
    RECALL = "recall"
    RETURN = "return"
    SIGN_OFF = "sign_off"
    WITHDRAW_SIGN_OFF = "withdraw_sign_off"
    #: The statement or the linked evidence changed.
    CHANGE = "change"


#: Who may take each action: the claim's owner or a reviewer (a supervisor; the services decide which).
OWNER_ACTIONS = frozenset({ClaimAction.SUBMIT, ClaimAction.RECALL, ClaimAction.CHANGE})
REVIEWER_ACTIONS = frozenset({ClaimAction.RETURN, ClaimAction.SIGN_OFF, ClaimAction.WITHDRAW_SIGN_OFF})

_S, _A = ClaimStatus, ClaimAction
#: (status, action) → new status. Anything not listed is refused.
TRANSITIONS: Mapping[tuple[ClaimStatus, ClaimAction], ClaimStatus] = MappingProxyType({
    (_S.DRAFT, _A.SUBMIT): _S.SUBMITTED,
    (_S.RETURNED, _A.SUBMIT): _S.SUBMITTED,
    (_S.SUBMITTED, _A.RECALL): _S.DRAFT,
    (_S.SUBMITTED, _A.RETURN): _S.RETURNED,
    (_S.NEEDS_RESIGNING, _A.RETURN): _S.RETURNED,
    (_S.SUBMITTED, _A.SIGN_OFF): _S.SIGNED_OFF,
    (_S.NEEDS_RESIGNING, _A.SIGN_OFF): _S.SIGNED_OFF,
    (_S.SIGNED_OFF, _A.WITHDRAW_SIGN_OFF): _S.RETURNED,
    (_S.NEEDS_RESIGNING, _A.WITHDRAW_SIGN_OFF): _S.RETURNED,
    (_S.DRAFT, _A.CHANGE): _S.DRAFT,
    (_S.RETURNED, _A.CHANGE): _S.RETURNED,
    (_S.SUBMITTED, _A.CHANGE): _S.SUBMITTED,
    (_S.SIGNED_OFF, _A.CHANGE): _S.NEEDS_RESIGNING,
    (_S.NEEDS_RESIGNING, _A.CHANGE): _S.NEEDS_RESIGNING,
})

#: Actions that must carry a comment (a reason the owner will read).
COMMENT_REQUIRED = frozenset({ClaimAction.RETURN, ClaimAction.WITHDRAW_SIGN_OFF})

_WHY_NOT: Mapping[ClaimAction, str] = MappingProxyType({
    _A.SUBMIT: "Only a draft or a returned claim can be submitted.",
    _A.RECALL: "Only a submitted claim that has not been reviewed can be recalled.",
    _A.RETURN: "Only a claim waiting for review can be returned.",
    _A.SIGN_OFF: "Only a claim waiting for review can be signed off.",
    _A.WITHDRAW_SIGN_OFF: "Only a signed-off claim can have its sign-off withdrawn.",
    _A.CHANGE: "This claim cannot be changed.",
})


class TransitionRefused(ValueError):
    """The action is not allowed from the claim's status; the message says why, for the page."""


def next_status(status: ClaimStatus, action: ClaimAction, *, comment: str | None = None) -> ClaimStatus:
    """The status after `action`, or TransitionRefused naming why it is not allowed."""
    new = TRANSITIONS.get((status, action))
    if new is None:
        raise TransitionRefused(f"{_WHY_NOT[action]} This one is {status.label.lower()}.")
    if action in COMMENT_REQUIRED and not (comment or "").strip():
        raise TransitionRefused("Give a reason: the practitioner reads it.")
    return new


def allowed_actions(status: ClaimStatus) -> tuple[ClaimAction, ...]:
    """Actions that may be taken from `status`, in ClaimAction order (CHANGE included)."""
    return tuple(a for a in ClaimAction if (status, a) in TRANSITIONS)
