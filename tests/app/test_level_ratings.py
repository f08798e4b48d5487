"""Level ratings: self and supervisor side by side, the gap, the current level by the framework's rule, history, who may rate."""
import datetime as dt
import re

import pytest
from sqlalchemy import select

from app.services import level_ratings as service
from app.services.errors import DomainError, NotPermitted
from models import RelationshipKind, Role, SupervisionKind
from models.level_ratings import LevelRating
from models.reference_data import catalogue_for
from tests.factories import (
    PASSWORD,
    make_organisation,
    make_relationship,
    make_service,
    make_team,
    make_user,
)

TODAY = dt.date.today()
D = dt.date


@pytest.fixture
def org(session):
    return make_organisation(session, name="Riverside NHS Foundation Trust")


@pytest.fixture
def team(session, org):
    return make_team(session, service=make_service(session, organisation=org))


@pytest.fixture
def owner(session, team):
    return make_user(session, team=team, full_name="Priya Practitioner")


@pytest.fixture
def supervisor(session, org, owner):
    sup = make_user(session, organisation=org, roles=(Role.SUPERVISOR,), profile=False, full_name="Sam Supervisor")
    make_relationship(session, senior=sup, junior=owner, starts_on=D(2025, 1, 1))
    return sup


@pytest.fixture
def signed_in(app, client, session):
    def sign_in(user):
        session.commit()
        client = app.test_client()
        assert client.submit("/login", {"email": user.email, "password": PASSWORD}).status_code == 302
        return client

    return sign_in


def framework(session, framework_id="ksf"):
    return service.rated_framework(catalogue_for(session), framework_id, TODAY)


def rate(session, owner, rater, level, on, *, item="c1", role=None, framework_id="ksf", comment=None):
    role = role or ("self" if rater.id == owner.id else "supervisor")
    return service.add_rating(session, owner, rater, framework(session, framework_id),
                              service.RatingInput(item, level, on, comment), as_role=role, today=TODAY)


def row(session, owner, item="c1", framework_id="ksf"):
    page = service.levels_page(session, owner, framework(session, framework_id), TODAY)
    return next(r for _g, rows in page.groups for r in rows if r.item.id == item)


def field_error(html, field):
    match = re.search(rf'id="{field}-error"[^>]*>\s*<span class="nhsuk-u-visually-hidden">Error:\s*</span>\s*(.*?)\s*</span>',
                      html, re.DOTALL)
    return " ".join(match.group(1).split()) if match else None


# --- the gap and the current level ------------------------------------------------------------------

def test_the_gap_is_the_latest_supervisor_level_minus_the_latest_self_level(session, owner, supervisor):
    rate(session, owner, owner, 3, D(2026, 1, 10))
    rate(session, owner, supervisor, 4, D(2026, 2, 10))
    rate(session, owner, owner, 2, D(2026, 3, 10))          # the latest self-rating replaces the earlier 3
    r = row(session, owner)
    assert (r.latest_self.level, r.latest_supervisor.level, r.gap) == (2, 4, 2)
    assert service.gap_words(r.gap, own=True) == "You rate yourself 2 levels lower than your supervisor does"
    assert service.gap_words(r.gap, own=False) == "They rate themselves 2 levels lower than you do"


def test_a_self_rating_above_the_supervisors_is_a_negative_gap_in_words(session, owner, supervisor):
    rate(session, owner, supervisor, 2, D(2026, 2, 10))
    rate(session, owner, owner, 3, D(2026, 2, 11))
    r = row(session, owner)
    assert r.gap == -1
    assert service.gap_words(r.gap, own=True) == "You rate yourself 1 level higher than your supervisor does"
    assert service.gap_words(0, own=True) == "You and your supervisor agree"


def test_without_both_ratings_there_is_no_gap(session, owner, supervisor):
    rate(session, owner, owner, 3, D(2026, 1, 10))
    assert row(session, owner).gap is None


def test_the_designated_clinical_supervisors_latest_rating_sets_the_ksf_level(session, org, owner, supervisor):
    # KSF's rule is latest_by_designated_supervisor: the clinical supervisor, not a case-management one.
    case_manager = make_user(session, organisation=org, roles=(Role.SUPERVISOR,), profile=False)
    make_relationship(session, senior=case_manager, junior=owner, starts_on=D(2025, 6, 1),
                      supervision_kind=SupervisionKind.CASE_MANAGEMENT)
    rate(session, owner, supervisor, 2, D(2026, 1, 10))
    rate(session, owner, supervisor, 3, D(2026, 2, 10))
    rate(session, owner, case_manager, 4, D(2026, 3, 10))
    r = row(session, owner)
    assert (r.current.level, r.current.rating_id) == (3, str(r.history[1].id))
    assert r.latest_supervisor.level == 4                    # shown side by side: the latest supervisor rating
    assert r.level_title(3).startswith("Develop and maintain communication")


def test_with_no_current_supervisor_the_level_is_not_set_and_says_why(session, owner, supervisor):
    rate(session, owner, supervisor, 3, D(2026, 1, 10))
    for rel in owner_relationships(session, owner):
        rel.ends_on = TODAY - dt.timedelta(days=1)
    session.flush()
    r = row(session, owner)
    assert r.current.level is None and "No designated supervisor" in r.current.explanation
    assert r.latest_supervisor.level == 3


def owner_relationships(session, owner):
    from models import StaffRelationship
    return list(session.scalars(select(StaffRelationship).where(StaffRelationship.junior_id == owner.id)))


def test_ucl_maps_define_no_levels_so_they_use_the_four_point_scale(session, owner, supervisor):
    ucl = framework(session, "ucl-cbt")
    item = ucl.groups[0].items[0]
    assert [lv.number for lv in service.levels_of(ucl, item)] == [1, 2, 3, 4]
    rate(session, owner, owner, 4, D(2026, 1, 10), item=item.id, framework_id="ucl-cbt")
    with pytest.raises(DomainError) as err:
        rate(session, owner, owner, 5, D(2026, 1, 10), item=item.id, framework_id="ucl-cbt")
    assert err.value.field == "level"


def test_frameworks_rated_by_level_are_ksf_and_the_ucl_maps_not_the_ksa(session):
    ids = {f.meta.id for f in service.rated_frameworks(catalogue_for(session), TODAY)}
    assert {"ksf", "ucl-cbt", "ucl-supervision"} <= ids and "ksa" not in ids


# --- who may rate -----------------------------------------------------------------------------------

def test_nobody_rates_themselves_as_a_supervisor(session, org, owner):
    both = make_user(session, organisation=org, roles=(Role.PRACTITIONER, Role.SUPERVISOR))
    with pytest.raises(NotPermitted):
        rate(session, both, both, 3, D(2026, 1, 10), role="supervisor")
    assert session.scalars(select(LevelRating)).all() == []


def test_only_a_current_supervisor_gives_a_supervisor_rating(session, org, owner, supervisor):
    stranger = make_user(session, organisation=org, roles=(Role.SUPERVISOR,), profile=False)
    with pytest.raises(NotPermitted):
        rate(session, owner, stranger, 3, D(2026, 1, 10))
    with pytest.raises(NotPermitted):
        rate(session, owner, supervisor, 3, D(2026, 1, 10), role="self")   # nor rates on the person's behalf


def test_a_supervisor_rating_must_be_dated_inside_the_relationship(session, owner, supervisor):
    with pytest.raises(DomainError) as err:
        rate(session, owner, supervisor, 3, D(2024, 12, 31))                 # the day before it started
    assert err.value.field == "rated_on"
    assert rate(session, owner, supervisor, 3, D(2025, 1, 1)).level == 3


def test_a_rating_cannot_be_dated_in_the_future(session, owner):
    with pytest.raises(DomainError) as err:
        rate(session, owner, owner, 3, TODAY + dt.timedelta(days=1))
    assert err.value.field == "rated_on"


# --- the pages --------------------------------------------------------------------------------------

def test_the_person_adds_self_ratings_and_every_one_is_kept(session, owner, supervisor, signed_in):
    client = signed_in(owner)
    url = f"/people/{owner.id}/levels/ksf/c1/rate"
    assert client.submit(url, {"level": "2", "rated_on": "2026-01-10", "comment": "First go"}).status_code == 302
    response = client.submit(url, {"level": "3", "rated_on": "2026-02-10"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/people/{owner.id}/levels/ksf#item-c1")
    session.expire_all()
    kept = session.scalars(select(LevelRating).order_by(LevelRating.id)).all()
    assert [(r.rater_role, r.level, r.rater_id, r.framework_version) for r in kept] == [
        ("self", 2, owner.id, 1), ("self", 3, owner.id, 1)]
    html = client.get(f"/people/{owner.id}/levels/ksf").get_data(as_text=True)
    assert "History of C1 Communication (2 ratings)" in html and "First go" in html


def test_a_supervisor_adds_a_supervisor_rating_and_the_page_shows_the_gap(session, owner, supervisor, signed_in):
    rate(session, owner, owner, 3, D(2026, 1, 10))
    client = signed_in(supervisor)
    page = client.get(f"/people/{owner.id}/levels/ksf").get_data(as_text=True)
    assert "Add your rating" in page and "Rate yourself" not in page
    assert client.submit(f"/people/{owner.id}/levels/ksf/c1/rate",
                         {"level": "2", "rated_on": TODAY.isoformat()}).status_code == 302
    session.expire_all()
    rating = session.scalars(select(LevelRating).where(LevelRating.rater_role == "supervisor")).one()
    assert (rating.rater_id, rating.level) == (supervisor.id, 2)
    html = client.get(f"/people/{owner.id}/levels/ksf").get_data(as_text=True)
    assert "They rate themselves 1 level higher than you do" in html
    own_view = signed_in(owner).get(f"/people/{owner.id}/levels/ksf").get_data(as_text=True)
    assert "You rate yourself 1 level higher than your supervisor does" in own_view


def test_a_bad_level_is_shown_beside_the_field_and_nothing_is_saved(session, owner, signed_in):
    client = signed_in(owner)
    response = client.submit(f"/people/{owner.id}/levels/ksf/c1/rate", {"level": "7", "rated_on": "2026-01-10"})
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), "level") == "Choose one of the levels"
    response = client.submit(f"/people/{owner.id}/levels/ksf/c1/rate",
                             {"level": "2", "rated_on": (TODAY + dt.timedelta(days=3)).isoformat()})
    assert field_error(response.get_data(as_text=True), "rated_on") == "The date of the rating cannot be in the future."
    assert session.scalars(select(LevelRating)).all() == []


def test_a_tutor_reads_the_levels_but_may_not_rate(session, org, owner, signed_in):
    tutor = make_user(session, organisation=org, roles=(Role.COURSE_TUTOR,), profile=False)
    make_relationship(session, senior=tutor, junior=owner, kind=RelationshipKind.TUTORING)
    client = signed_in(tutor)
    assert client.get(f"/people/{owner.id}/levels/ksf").status_code == 200
    assert client.get(f"/people/{owner.id}/levels/ksf/c1/rate").status_code == 403
    assert client.post(f"/people/{owner.id}/levels/ksf/c1/rate", data={"level": "2"}).status_code in (400, 403)
    assert session.scalars(select(LevelRating)).all() == []


def test_hr_a_line_manager_and_a_former_supervisor_get_not_found(session, org, owner, signed_in):
    hr = make_user(session, organisation=org, roles=(Role.HR,), profile=False)
    manager = make_user(session, organisation=org, roles=(Role.LINE_MANAGER,), profile=False)
    make_relationship(session, senior=manager, junior=owner, kind=RelationshipKind.LINE_MANAGEMENT)
    former = make_user(session, organisation=org, roles=(Role.SUPERVISOR,), profile=False)
    make_relationship(session, senior=former, junior=owner, starts_on=D(2024, 1, 1), ends_on=D(2024, 12, 31))
    for person in (hr, manager, former):
        client = signed_in(person)
        assert client.get(f"/people/{owner.id}/levels/ksf").status_code == 404
        assert client.get(f"/people/{owner.id}/levels/ksf/c1/rate").status_code == 404


def test_an_unknown_or_unlevelled_framework_or_item_is_not_found(session, owner, signed_in):
    client = signed_in(owner)
    assert client.get(f"/people/{owner.id}/levels/ksa").status_code == 404
    assert client.get(f"/people/{owner.id}/levels/nonesuch").status_code == 404
    assert client.get(f"/people/{owner.id}/levels/ksf/zz9/rate").status_code == 404
    assert client.get(f"/people/{owner.id}/levels").status_code == 200


def test_the_levels_page_costs_the_same_queries_for_few_and_many_ratings(session, owner, supervisor, signed_in,
                                                                          count_queries):
    client = signed_in(supervisor)
    url = f"/people/{owner.id}/levels/ksf"
    items = [i.id for g in framework(session).groups for i in g.items]

    def queries_for(n):
        session.execute(LevelRating.__table__.delete())
        for i in range(n):
            rater = owner if i % 2 else supervisor
            rate(session, owner, rater, 1 + i % 4, D(2025, 1 + i % 12, 1 + i % 28), item=items[i % len(items)])
        session.commit()
        client.get(url)
        with count_queries() as q:
            assert client.get(url).status_code == 200
        return q.count

    assert queries_for(2) == queries_for(40)
