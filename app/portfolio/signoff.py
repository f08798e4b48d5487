"""Supervisor review of claims: read with evidence, sign off, return, withdraw.

Only a supervisor whose supervision of the owner is current today reaches these pages; everyone
else, the owner included (they have the claim page), gets 404, so claims cannot be found by
guessing URLs. Each form carries the claim's version and digest as shown: if the claim moved
meanwhile (another supervisor acted, the owner edited it), the service refuses with ClaimChanged,
or the database refuses the stale UPDATE (StaleDataError), and the page shows the claim as it is now.
"""
from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.wrappers import Response

from app.database import db
from app.forms import attach_error
from app.portfolio import bp
from app.portfolio.claims import STATUS_TAGS, _framework_and_item, _load_claim
from app.portfolio.common import load_person, today
from app.portfolio.signoff_forms import ReturnForm, SignOffForm, WithdrawForm
from app.security import ensure, requires, signed_in
from app.services import claims as service
from app.services.access import can_supervise
from app.services.errors import DomainError
from models import User
from models.claims import CompetenceClaim

FORMS = {"sign_off": SignOffForm, "return": ReturnForm, "withdraw": WithdrawForm}


def _actor() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _reviewed(user_id: int, claim_id: int) -> tuple[User, CompetenceClaim]:
    """The owner and claim, if the signed-in user supervises the owner today; 404 otherwise (the owner too)."""
    person = load_person(user_id)
    ensure(can_supervise(db(), _actor(), person, today()), hide=True)
    return person, _load_claim(person, claim_id)


def _page(person: User, claim: CompetenceClaim, *, failed: str | None = None, form: Any = None,
          changed: str | None = None, status: int = 200) -> tuple[str, int]:
    """The review page; `failed` names the form shown again with its errors, the others start empty."""
    framework, item = _framework_and_item(claim)
    forms = {name: (form if name == failed else cls(formdata=None)) for name, cls in FORMS.items()}
    return render_template(
        "portfolio/signoff_review.html", person=person, claim=claim, framework=framework, item=item,
        components=service.components(framework), digest=service.claim_digest(claim), forms=forms,
        failed=forms[failed] if failed else None, changed=changed, status_tags=STATUS_TAGS,
        methods=service.SIGN_OFF_METHODS, type_titles={t.id: t.title for t in framework.evidence_types},
        mine=claim.signed_by_id == _actor().id, today_date=today()), status


@bp.route("/claims/<int:claim_id>/review")
@requires(signed_in, "can_supervise")
def claim_review(user_id: int, claim_id: int) -> tuple[str, int]:
    person, claim = _reviewed(user_id, claim_id)
    return _page(person, claim)


def _act(user_id: int, claim_id: int, name: str, done: str) -> tuple[str, int] | Response:
    """Check the form's shape, then make the move; any refusal shows the page again and saves nothing."""
    session = db()
    person, claim = _reviewed(user_id, claim_id)
    form = FORMS[name]()
    if not form.validate_on_submit():
        return _page(person, claim, failed=name, form=form, status=400)
    try:
        _move(claim, name, form)
        session.commit()
    except service.ClaimChanged as err:
        session.rollback()
        return _page(person, _load_claim(person, claim_id), changed=err.message, status=409)
    except StaleDataError:
        session.rollback()
        return _page(person, _load_claim(person, claim_id), changed=service.ClaimChanged(
            service.CHANGED_MEANWHILE).message, status=409)
    except DomainError as err:
        session.rollback()
        if name == "return" and err.field == "comment":
            err.field = "return_comment"
        attach_error(form, err)
        return _page(person, _load_claim(person, claim_id), failed=name, form=form, status=400)
    flash(done)
    return redirect(url_for("portfolio.claim", user_id=person.id, claim_id=claim.id))


def _move(claim: CompetenceClaim, name: str, form: Any) -> None:
    seen = form.seen()
    if name == "sign_off":
        service.sign_off(db(), claim, _actor(), form.method.data, form.comment.data, today(), **seen)
    elif name == "return":
        service.return_claim(db(), claim, _actor(), form.return_comment.data, on=today(), **seen)
    else:
        service.withdraw_sign_off(db(), claim, _actor(), form.reason.data, on=today(), **seen)


@bp.route("/claims/<int:claim_id>/review/sign-off", methods=["POST"])
@requires(signed_in, "can_supervise")
def claim_sign_off(user_id: int, claim_id: int) -> tuple[str, int] | Response:
    return _act(user_id, claim_id, "sign_off", "Claim signed off.")


@bp.route("/claims/<int:claim_id>/review/return", methods=["POST"])
@requires(signed_in, "can_supervise")
def claim_return(user_id: int, claim_id: int) -> tuple[str, int] | Response:
    return _act(user_id, claim_id, "return", "Claim returned with your comments.")


@bp.route("/claims/<int:claim_id>/review/withdraw", methods=["POST"])
@requires(signed_in, "can_supervise")
def claim_withdraw(user_id: int, claim_id: int) -> tuple[str, int] | Response:
    return _act(user_id, claim_id, "withdraw", "Sign-off withdrawn: the claim is back with them as returned.")
