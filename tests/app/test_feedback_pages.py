"""Supervisee feedback pages: asking 2 to 5 current supervisees, answering once, anonymity on the supervisor's
page, and that each side's pages are theirs alone."""
import datetime as dt
import re

import pytest
from sqlalchemy import select

from app.services import feedback_forms as service
from models import Role
from models.supervisor_work import FeedbackAnswer, FeedbackRequest
from tests.factories import PASSWORD, make_organisation, make_relationship, make_user

TODAY = dt.date.today()
ALL_FOURS = {q: "4" for q in service.QUESTIONS}
NAMES = ["Ada Quill", "Bea Thorn", "Cal Voss", "Dee Wren", "Eli Yarrow", "Fay Zeal"]


@pytest.fixture
def org(session):
    return make_organisation(session, name="Riverside NHS Foundation Trust")


@pytest.fixture
def sam(session, org):
    return make_user(session, organisation=org, full_name="Sam Supervisor", roles=(Role.PRACTITIONER, Role.SUPERVISOR))


@pytest.fixture
def supervisees(session, org, sam):
    people = [make_user(session, organisation=org, full_name=name) for name in NAMES]
    for person in people:
        make_relationship(session, senior=sam, junior=person, starts_on=dt.date(2024, 1, 1))
    return people


@pytest.fixture
def signed_in(app, client, session):
    def sign_in(user):
        session.commit()
        c = app.test_client()
        assert c.submit("/login", {"email": user.email, "password": PASSWORD}).status_code == 302
        return c

    return sign_in


def field_error(html, field):
    match = re.search(rf'id="{field}-error"[^>]*>\s*<span class="nhsuk-u-visually-hidden">Error:\s*</span>\s*(.*?)\s*</span>',
                      html, re.DOTALL)
    return " ".join(match.group(1).split()) if match else None


def requests_of(session, sam):
    session.expire_all()
    return list(session.scalars(select(FeedbackRequest).where(FeedbackRequest.supervisor_id == sam.id)))


def ask(session, sam, people, *, anonymous=True):
    request = service.request_feedback(session, sam, people, anonymous=anonymous, today=TODAY)
    session.commit()
    return request


def answer(session, request, person, comments, rating=4):
    service.answer_feedback(session, request, person, {q: rating for q in service.QUESTIONS}, comments, today=TODAY)
    session.commit()


def results_section(html, request):
    return re.search(rf'<section[^>]*id="results-{request.id}".*?</section>', html, re.DOTALL).group(0)


# --- asking --------------------------------------------------------------------------------------------

def test_a_supervisor_asks_three_current_supervisees_anonymously(session, sam, supervisees, signed_in):
    client = signed_in(sam)
    chosen = [str(p.id) for p in supervisees[:3]]
    response = client.submit(f"/people/{sam.id}/feedback", {"supervisees": chosen, "anonymous": "yes"})
    assert response.status_code == 302
    [request] = requests_of(session, sam)
    assert request.anonymous is True and request.requested_on == TODAY
    assert sorted(i.supervisee_id for i in request.invitees) == sorted(p.id for p in supervisees[:3])
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Feedback requested from 3 supervisees." in html
    assert "Asked 3 supervisees." in html and "0 of 3" not in html


@pytest.mark.parametrize(("how_many", "message"), [(0, "Choose at least 2 supervisees"),
                                                   (1, "Choose at least 2 supervisees"),
                                                   (6, "Choose at most 5 supervisees")])
def test_fewer_than_2_or_more_than_5_is_refused_beside_the_field_with_the_choice_kept(session, sam, supervisees,
                                                                                    signed_in, how_many, message):
    chosen = supervisees[:how_many]
    response = signed_in(sam).submit(f"/people/{sam.id}/feedback",
                                     {"supervisees": [str(p.id) for p in chosen], "anonymous": "no"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert field_error(html, "supervisees") == message
    assert "There is a problem" in html
    checked = re.findall(r'<input[^>]*name="supervisees"[^>]*value="(\d+)"[^>]*checked', html)
    assert sorted(map(int, checked)) == sorted(p.id for p in chosen)
    assert re.search(r'name="anonymous"[^>]*value="no"[^>]*checked', html)
    assert requests_of(session, sam) == []


def test_only_current_supervisees_are_offered_and_a_forged_choice_is_refused(session, sam, supervisees, org,
                                                                           signed_in):
    former = make_user(session, organisation=org, full_name="Gus Former")
    make_relationship(session, senior=sam, junior=former, starts_on=dt.date(2023, 1, 1), ends_on=dt.date(2023, 12, 31))
    client = signed_in(sam)
    assert "Gus Former" not in client.get(f"/people/{sam.id}/feedback").get_data(as_text=True)
    response = client.submit(f"/people/{sam.id}/feedback",
                             {"supervisees": [str(supervisees[0].id), str(former.id)], "anonymous": "yes"})
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), "supervisees") == "Choose supervisees from the list"
    assert requests_of(session, sam) == []


def test_with_fewer_than_2_supervisees_the_page_explains_instead_of_offering_the_form(session, sam, signed_in):
    html = signed_in(sam).get(f"/people/{sam.id}/feedback").get_data(as_text=True)
    assert "You need at least 2 current supervisees to ask for feedback. You have 0." in html
    assert 'name="supervisees"' not in html


# --- answering -----------------------------------------------------------------------------------------

def test_a_supervisee_answers_once_from_their_feedback_page(session, sam, supervisees, signed_in):
    request = ask(session, sam, supervisees[:2])
    ada = supervisees[0]
    client = signed_in(ada)
    html = client.get(f"/people/{ada.id}/feedback/asked").get_data(as_text=True)
    url = f"/people/{ada.id}/feedback/asked/{request.id}"
    assert "Sam Supervisor" in html and f'href="{url}"' in html
    response = client.submit(url, {**ALL_FOURS, "skills": "5", "comments": "Clear agendas every time."})
    assert response.status_code == 302
    session.expire_all()
    [saved] = session.scalars(select(FeedbackAnswer)).all()
    assert saved.respondent_id == ada.id
    assert saved.ratings == {**{q: 4 for q in service.QUESTIONS}, "skills": 5}
    assert saved.comments == "Clear agendas every time."
    assert "Answered" in client.get(f"/people/{ada.id}/feedback/asked").get_data(as_text=True)
    html = client.get(url).get_data(as_text=True)
    assert "You answered on " in html and 'name="skills"' not in html
    # A second POST is refused, and the first answer stands.
    again = client.submit(url, ALL_FOURS, form_url=f"/people/{ada.id}/feedback/asked")
    assert again.status_code == 400 and "You have already answered" in again.get_data(as_text=True)
    session.expire_all()
    assert len(session.scalars(select(FeedbackAnswer)).all()) == 1


def test_a_missing_rating_is_shown_beside_its_question_with_the_others_kept(session, sam, supervisees, signed_in):
    request = ask(session, sam, supervisees[:2])
    ada = supervisees[0]
    data = {**ALL_FOURS, "structure": "", "comments": "Kept comment"}
    response = signed_in(ada).submit(f"/people/{ada.id}/feedback/asked/{request.id}", data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert field_error(html, "structure") == "Choose a rating from 1 to 5"
    assert field_error(html, "skills") is None
    assert re.search(r'name="skills"[^>]*value="4"[^>]*checked', html)
    assert "Kept comment" in html
    session.expire_all()
    assert session.scalars(select(FeedbackAnswer)).all() == []


def test_the_answer_form_has_a_radio_from_1_to_5_for_every_question(session, sam, supervisees, signed_in):
    request = ask(session, sam, supervisees[:2])
    ada = supervisees[0]
    html = signed_in(ada).get(f"/people/{ada.id}/feedback/asked/{request.id}").get_data(as_text=True)
    for qid, text in service.QUESTIONS.items():
        assert text in html
        assert re.findall(rf'name="{qid}" type="radio" value="(\d)"', html) == ["1", "2", "3", "4", "5"]


# --- what the supervisor sees -----------------------------------------------------------------------------

def test_an_anonymous_request_shows_nothing_before_2_answers_and_never_a_name(session, sam, supervisees, signed_in):
    ada, bea, cal = supervisees[:3]
    request = ask(session, sam, [ada, bea, cal])
    answer(session, request, ada, "Words from Ada", rating=5)
    client = signed_in(sam)
    html = client.get(f"/people/{sam.id}/feedback").get_data(as_text=True)
    section = results_section(html, request)
    assert "Asked 3 supervisees." in section and "1 of 3" not in section  # no running count to watch
    assert "Words from Ada" not in html
    assert "Answers are shown once at least 2 supervisees have answered" in section
    for name in ("Ada Quill", "Bea Thorn", "Cal Voss"):
        assert name not in section  # not even who was asked, so nobody can tell who answered

    answer(session, request, bea, "Honest view from Bea", rating=3)
    html = client.get(f"/people/{sam.id}/feedback").get_data(as_text=True)
    section = results_section(html, request)
    assert "Asked 3 supervisees." in section and "2 of 3" not in section
    assert "Words from Ada" in section and "Honest view from Bea" in section
    # Means of 5 and 3.
    assert section.count('nhsuk-table__cell--numeric">4.0</td>') == len(service.QUESTIONS)
    for name in ("Ada Quill", "Bea Thorn", "Cal Voss"):
        assert name not in section
    assert "Answer 1" in section and "Answer 2" in section


def test_a_named_request_shows_who_answered_what(session, sam, supervisees, signed_in):
    ada, bea = supervisees[:2]
    request = ask(session, sam, [ada, bea], anonymous=False)
    answer(session, request, ada, "Signed words")
    section = results_section(signed_in(sam).get(f"/people/{sam.id}/feedback").get_data(as_text=True), request)
    assert "Ada Quill: answered" in section and "Bea Thorn: not answered yet" in section
    assert "Signed words" in section and "Ada Quill</th>" in section


# --- access ---------------------------------------------------------------------------------------------

def test_only_the_supervisor_reaches_their_feedback_page(session, sam, supervisees, org, signed_in):
    request = ask(session, sam, supervisees[:2], anonymous=False)
    hr = make_user(session, organisation=org, roles=(Role.HR,), profile=False)
    other = make_user(session, organisation=org, roles=(Role.SUPERVISOR,), profile=False)
    sams_supervisor = make_user(session, organisation=org, roles=(Role.SUPERVISOR,), profile=False)
    make_relationship(session, senior=sams_supervisor, junior=sam, starts_on=dt.date(2024, 1, 1))
    for user in (hr, other, sams_supervisor, supervisees[0]):
        client = signed_in(user)
        assert client.get(f"/people/{sam.id}/feedback").status_code == 404
        assert client.submit(f"/people/{sam.id}/feedback", {"supervisees": [str(supervisees[2].id),
                                                                            str(supervisees[3].id)]},
                             form_url="/account/password").status_code == 404
    assert [r.id for r in requests_of(session, sam)] == [request.id]


def test_only_an_invited_supervisee_reaches_the_answer_form_and_only_on_their_own_portfolio(session, sam, supervisees,
                                                                                           signed_in):
    ada, bea, cal = supervisees[:3]
    request = ask(session, sam, [ada, bea])
    # Sam cannot open or answer as a supervisee.
    client = signed_in(sam)
    assert client.get(f"/people/{ada.id}/feedback/asked").status_code == 404
    assert client.get(f"/people/{ada.id}/feedback/asked/{request.id}").status_code == 404
    # Cal was not asked; Bea cannot answer on Ada's behalf.
    assert signed_in(cal).get(f"/people/{cal.id}/feedback/asked/{request.id}").status_code == 404
    bea_client = signed_in(bea)
    assert bea_client.get(f"/people/{ada.id}/feedback/asked/{request.id}").status_code == 404
    assert bea_client.submit(f"/people/{ada.id}/feedback/asked/{request.id}", ALL_FOURS,
                             form_url="/account/password").status_code == 404
    session.expire_all()
    assert session.scalars(select(FeedbackAnswer)).all() == []


# --- cost -------------------------------------------------------------------------------------------------

def test_both_pages_cost_the_same_queries_for_1_and_6_requests(session, sam, supervisees, signed_in, count_queries):
    ada = supervisees[0]
    sam_client, ada_client = signed_in(sam), signed_in(ada)

    def queries_with(n):
        for _ in range(n):
            request = ask(session, sam, supervisees[:5], anonymous=bool(n % 2))
            answer(session, request, ada, "Fine")
            answer(session, request, supervisees[1], "Good")
        counts = []
        for client, url in ((sam_client, f"/people/{sam.id}/feedback"), (ada_client, f"/people/{ada.id}/feedback/asked")):
            client.get(url)
            with count_queries() as q:
                assert client.get(url).status_code == 200
            counts.append(q.count)
        return counts

    assert queries_with(1) == queries_with(6)
