"""Supervisee feedback forms: 2 to 5 current supervisees, one answer each, and anonymity the supervisor cannot see through."""
import datetime as dt
from decimal import Decimal

import pytest

from app.services import feedback_forms as feedback
from app.services.errors import DomainError
from models import Role
from tests.factories import make_relationship, make_user

TODAY = dt.date(2025, 7, 15)
ALL_FOURS = {q: 4 for q in feedback.QUESTIONS}


@pytest.fixture
def sam(session):
    return make_user(session, full_name="Sam Supervisor", roles=(Role.PRACTITIONER, Role.SUPERVISOR))


@pytest.fixture
def supervisees(session, sam):
    people = [make_user(session, organisation=sam.organisation, full_name=f"Supervisee {n}") for n in range(6)]
    for person in people:
        make_relationship(session, senior=sam, junior=person, starts_on=dt.date(2025, 1, 1))
    return people


def test_a_supervisor_asks_between_2_and_5_current_supervisees(session, sam, supervisees):
    with pytest.raises(DomainError, match="at least 2") as err:
        feedback.request_feedback(session, sam, supervisees[:1], anonymous=True, today=TODAY)
    assert err.value.field == "supervisees"
    # The same person twice is still one person.
    with pytest.raises(DomainError, match="at least 2"):
        feedback.request_feedback(session, sam, [supervisees[0], supervisees[0]], anonymous=True, today=TODAY)
    with pytest.raises(DomainError, match="at most 5"):
        feedback.request_feedback(session, sam, supervisees[:6], anonymous=True, today=TODAY)
    assert len(feedback.request_feedback(session, sam, supervisees[:2], anonymous=True, today=TODAY).invitees) == 2
    assert len(feedback.request_feedback(session, sam, supervisees[:5], anonymous=True, today=TODAY).invitees) == 5


def test_a_supervisor_cannot_ask_someone_they_do_not_supervise(session, sam, supervisees):
    stranger = make_user(session, organisation=sam.organisation, full_name="Stranger")
    former = make_user(session, organisation=sam.organisation, full_name="Former")
    make_relationship(session, senior=sam, junior=former, starts_on=dt.date(2024, 1, 1), ends_on=dt.date(2025, 1, 1))
    for outsider in (stranger, former):
        with pytest.raises(DomainError, match="not supervising"):
            feedback.request_feedback(session, sam, [supervisees[0], outsider], anonymous=True, today=TODAY)


def test_only_those_asked_answer_and_each_only_once_with_every_question_rated_1_to_5(session, sam, supervisees):
    request = feedback.request_feedback(session, sam, supervisees[:2], anonymous=True, today=TODAY)
    with pytest.raises(DomainError, match="not asked"):
        feedback.answer_feedback(session, request, supervisees[3], ALL_FOURS, None, today=TODAY)
    with pytest.raises(DomainError) as err:
        feedback.answer_feedback(session, request, supervisees[0], ALL_FOURS | {"skills": 6}, None, today=TODAY)
    assert err.value.field == "skills"
    feedback.answer_feedback(session, request, supervisees[0], ALL_FOURS, "Helpful", today=TODAY)
    with pytest.raises(DomainError, match="already"):
        feedback.answer_feedback(session, request, supervisees[0], ALL_FOURS, None, today=TODAY)


def test_an_anonymous_request_shows_nothing_until_2_answers_then_no_names(session, sam, supervisees):
    request = feedback.request_feedback(session, sam, supervisees[:3], anonymous=True, today=TODAY)
    names = {p.id: p.full_name for p in supervisees}
    feedback.answer_feedback(session, request, supervisees[0], ALL_FOURS | {"skills": 5}, "Zesty sessions",
                             today=TODAY)
    one = feedback.results(request, names)
    assert (one.asked, one.answered, one.shown, one.means, one.answers) == (3, 1, False, {}, ())
    feedback.answer_feedback(session, request, supervisees[1], ALL_FOURS | {"skills": 2}, "Always on time",
                             today=TODAY)
    two = feedback.results(request, names)
    assert two.shown and two.means["skills"] == Decimal("3.5") and two.means["structure"] == Decimal("4.0")
    assert [a.respondent_name for a in two.answers] == [None, None]
    # Ordered by content (the skills rating 2 first), not by who answered first.
    assert [a.comments for a in two.answers] == ["Always on time", "Zesty sessions"]
    assert not any(name in repr(two) for name in names.values())


def test_a_named_request_shows_each_answer_with_its_writer_at_once(session, sam, supervisees):
    request = feedback.request_feedback(session, sam, supervisees[:2], anonymous=False, today=TODAY)
    feedback.answer_feedback(session, request, supervisees[1], ALL_FOURS, None, today=TODAY)
    shown = feedback.results(request, {p.id: p.full_name for p in supervisees})
    assert shown.shown and [a.respondent_name for a in shown.answers] == ["Supervisee 1"]


def test_supervisees_see_what_they_were_asked_and_whether_they_answered(session, sam, supervisees):
    first = feedback.request_feedback(session, sam, supervisees[:2], anonymous=True, today=TODAY)
    feedback.request_feedback(session, sam, supervisees[1:3], anonymous=True, today=TODAY)
    feedback.answer_feedback(session, first, supervisees[1], ALL_FOURS, None, today=TODAY)
    assert [(a.request.id == first.id, a.answered) for a in feedback.requests_for(session, supervisees[1].id)] == [
        (False, False), (True, True)]
    assert feedback.requests_for(session, supervisees[4].id) == []
