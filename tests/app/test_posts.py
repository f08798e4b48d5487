"""The establishment: adding and changing posts, who sees which, vacancies, exports and deactivation."""
import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from models import Post, Role, WorkingPattern
from tests.factories import make_organisation, make_service, make_team, make_user

TODAY = dt.date(2025, 6, 15)


@pytest.fixture(autouse=True)
def pinned_day(monkeypatch):
    monkeypatch.setattr("app.staff.posts.today", lambda: TODAY)


def make_post(session, *, org, team, number, band="5", wte="1.00", zone="none", title="Psychological wellbeing "
              "practitioner", active=True):
    post = Post(organisation_id=org.id, number=number, title=title, team_id=team.id, band=band,
                funded_wte=Decimal(wte), hcas_zone=zone, active=active)
    session.add(post)
    session.flush()
    return post


@pytest.fixture
def world(session):
    org = make_organisation(session, name="Riverside NHS Foundation Trust")
    a, b = make_service(session, organisation=org, name="Service A"), make_service(session, organisation=org,
                                                                                   name="Service B")
    a1, b1 = make_team(session, service=a, name="Team A1"), make_team(session, service=b, name="Team B1")
    hr = make_user(session, organisation=org, roles=(Role.HR,), full_name="Hana HR", profile=False)
    hr_b = make_user(session, organisation=org, roles=((Role.HR, b),), full_name="Hugo HR", profile=False)
    lead = make_user(session, organisation=org, roles=((Role.SERVICE_LEAD, a),), full_name="Sam Lead", profile=False)
    shared = make_post(session, org=org, team=a1, number="A-001", wte="2.00", zone="outer-london")
    empty = make_post(session, org=org, team=a1, number="A-002", band="7", title="High intensity CBT therapist")
    full = make_post(session, org=org, team=b1, number="B-001", band="6")
    # A-001 is funded for 2.00 WTE and held by Ann (1.00) and Pat (0.60 from 1 January 2025): 0.40 WTE vacant.
    ann = make_user(session, team=a1, full_name="Ann Ash", post_id=shared.id)
    pat = make_user(session, team=a1, full_name="Pat Pine", post_id=shared.id)
    pat.profile.working_patterns[0].ends_on = dt.date(2024, 12, 31)
    pat.profile.working_patterns.append(WorkingPattern(wte=Decimal("0.60"), starts_on=dt.date(2025, 1, 1)))
    bea = make_user(session, team=b1, full_name="Bea Birch", post_id=full.id)
    session.flush()
    return dict(org=org, a=a, b=b, a1=a1, b1=b1, hr=hr, hr_b=hr_b, lead=lead, shared=shared, empty=empty, full=full,
                ann=ann, pat=pat, bea=bea)


def rows_of(html):
    return [" ".join(re.sub(r"<[^>]+>", " ", row).split())
            for row in html.split("<tbody", 1)[1].split(">", 1)[1].split("</tbody>", 1)[0].split("</tr>")[:-1]]


def error_links(html):
    summary = html.split('class="nhsuk-error-summary"', 1)[1].split("</ul>", 1)[0] if "nhsuk-error-summary" in html else ""
    return {href: " ".join(text.split()) for href, text in re.findall(r'<a href="(#[^"]*)">(.*?)</a>', summary, re.S)}


def test_hr_see_every_post_with_holders_zone_and_vacancy(world, sign_in):
    response = sign_in(world["hr"]).get("/posts")
    assert response.status_code == 200
    rows = rows_of(response.get_data(as_text=True))
    assert rows == [
        "A-001 Psychological wellbeing practitioner Team A1 – Service A 5 2.00 Outer London "
        "Ann Ash (1.00) Pat Pine (0.60) 0.40 WTE vacant",
        "A-002 High intensity CBT therapist Team A1 – Service A 7 1.00 No high cost area None Vacant (1.00 WTE)",
        "B-001 Psychological wellbeing practitioner Team B1 – Service B 6 1.00 No high cost area Bea Birch (1.00) "
        "Filled",
    ]


@pytest.mark.parametrize("query, expected", [
    ("vacant=y", ["A-001", "A-002"]),
    ("band=6", ["B-001"]),
    ("team={b1}", ["B-001"]),
    ("status=inactive", []),
])
def test_post_filters(world, sign_in, query, expected):
    html = sign_in(world["hr"]).get("/posts?" + query.format(b1=world["b1"].id)).get_data(as_text=True)
    found = [r.split()[0] for r in rows_of(html)] if "<tbody" in html else []
    assert found == expected


def test_service_lead_reads_their_services_posts_only_and_cannot_change_them(world, sign_in):
    c = sign_in(world["lead"])
    html = c.get("/posts").get_data(as_text=True)
    assert [r.split()[0] for r in rows_of(html)] == ["A-001", "A-002"]
    assert "Add a post" not in html
    assert c.get("/posts/new").status_code == 403
    assert c.get(f"/posts/{world['shared'].id}/edit").status_code == 403


def test_hr_scoped_to_a_service_see_and_change_only_its_posts(world, sign_in):
    c = sign_in(world["hr_b"])
    assert [r.split()[0] for r in rows_of(c.get("/posts").get_data(as_text=True))] == ["B-001"]
    assert c.get(f"/posts/{world['shared'].id}/edit").status_code == 404
    assert c.get(f"/posts/{world['full'].id}/edit").status_code == 200


def test_a_practitioner_may_not_see_posts(world, sign_in):
    assert sign_in(world["ann"]).get("/posts").status_code == 403


def test_hr_add_a_post_in_an_hcas_zone(session, world, sign_in):
    response = sign_in(world["hr"]).submit("/posts/new", {
        "number": " A-003 ", "title": "Senior PWP", "team_id": str(world["a1"].id), "band": "6",
        "funded_wte": "0.5", "hcas_zone": "inner-london"})
    assert response.status_code == 302 and response.location == "/posts"
    post = session.scalar(select(Post).where(Post.number == "A-003"))
    assert (post.title, post.team_id, post.band, post.funded_wte, post.hcas_zone, post.organisation_id) == (
        "Senior PWP", world["a1"].id, "6", Decimal("0.50"), "inner-london", world["org"].id)


GOOD = {"number": "A-009", "title": "PWP", "band": "5", "funded_wte": "1", "hcas_zone": "none"}


@pytest.mark.parametrize("changes, field, message", [
    ({"number": "a-001"}, "number", "Post number a-001 is already used in your organisation"),
    ({"team_id": ""}, "team_id", "Choose the team the post belongs to"),
    ({"band": "10"}, "band", "Choose an Agenda for Change band (2, 3, 4, 5, 6, 7, 8a, 8b, 8c, 8d, 9), not '10'"),
    ({"funded_wte": "0"}, "funded_wte", "Funded whole-time equivalent must be from 0.01 to 99, with at most 2 decimal "
                                        "places"),
    ({"funded_wte": "100"}, "funded_wte", "Funded whole-time equivalent must be from 0.01 to 99, with at most 2 "
                                          "decimal places"),
    ({"funded_wte": "lots"}, "funded_wte", "Funded whole-time equivalent must be a number, like 1 or 2.5"),
    ({"hcas_zone": "mars"}, "hcas_zone", "Choose an HCAS zone from the list (fringe, inner-london, none, outer-london)"),
    ({"number": ""}, "number", "Enter the post number"),
    ({"title": "PWP for 943 476 5919"}, "title",
     "This looks like an NHS number. Waymark holds staff records only, never patient identifiers: remove it."),
    ({"title": "PWP, LS1 4AP clinic"}, "title",
     "This looks like a postcode. Waymark holds staff records only, never patient identifiers: remove it."),
    ({"title": "PWP born 12/03/1985"}, "title",
     "This looks like a date of birth. Waymark holds staff records only, never patient identifiers: remove it."),
])
def test_bad_post_input_is_explained_beside_its_field_and_nothing_is_saved(session, world, sign_in, changes, field,
                                                                          message):
    before = session.scalar(select(func.count()).select_from(Post))
    data = {**GOOD, "team_id": str(world["a1"].id), "title": "Typed title kept", **changes}
    response = sign_in(world["hr"]).submit("/posts/new", data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert error_links(html) == {f"#{field}": message.replace("'", "&#39;")}
    assert f'value="{data["title"]}"' in html
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Post)) == before


def test_hr_scoped_to_another_service_cannot_place_a_post_in_a_team_they_do_not_cover(session, world, sign_in):
    response = sign_in(world["hr_b"]).submit("/posts/new", {**GOOD, "team_id": str(world["a1"].id)})
    assert response.status_code == 400
    assert error_links(response.get_data(as_text=True)) == {"#team_id": "Choose a team in a service you look after"}


def test_hr_change_a_post_and_keep_its_number(session, world, sign_in):
    post = world["empty"]
    url = f"/posts/{post.id}/edit"
    c = sign_in(world["hr"])
    assert 'value="A-002"' in c.get(url).get_data(as_text=True)
    response = c.submit(url, {"number": "A-002", "title": "HI therapist", "team_id": str(world["a1"].id),
                              "band": "7", "funded_wte": "1.5", "hcas_zone": "fringe"})
    assert response.status_code == 302
    session.expire_all()
    assert (post.title, post.funded_wte, post.hcas_zone) == ("HI therapist", Decimal("1.50"), "fringe")


def test_a_held_post_cannot_be_deactivated_and_the_message_names_the_holders(session, world, sign_in):
    c = sign_in(world["hr"])
    url = f"/posts/{world['shared'].id}/edit"
    response = c.submit(f"/posts/{world['shared'].id}/deactivate", {}, form_url=url, follow_redirects=True)
    assert "Post A-001 is held by Ann Ash, Pat Pine: record a post change for them first" in response.get_data(
        as_text=True)
    session.expire_all()
    assert world["shared"].active is True
    c.submit(f"/posts/{world['empty'].id}/deactivate", {}, form_url=f"/posts/{world['empty'].id}/edit")
    session.expire_all()
    assert world["empty"].active is False
    assert [r.split()[0] for r in rows_of(c.get("/posts?status=inactive").get_data(as_text=True))] == ["A-002"]


def test_posts_export_as_csv_and_xlsx_with_the_filters(world, sign_in):
    c = sign_in(world["hr"])
    text = c.get("/posts?vacant=y&format=csv").get_data(as_text=True).lstrip("\ufeff")
    assert text.split("\r\n") == [
        "Post number,Job title,Service,Team,Band,Funded WTE,HCAS zone,Holders,Held WTE,Vacant WTE,Active",
        "A-001,Psychological wellbeing practitioner,Service A,Team A1,5,2.00,Outer London,"
        "Ann Ash (1.00); Pat Pine (0.60),1.60,0.40,Yes",
        "A-002,High intensity CBT therapist,Service A,Team A1,7,1.00,No high cost area,Vacant,0.00,1.00,Yes",
        "",
    ]
    sheet = load_workbook(io.BytesIO(c.get("/posts?band=6&format=xlsx").get_data())).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert len(rows) == 2 and rows[1][0] == "B-001" and rows[1][7] == "Bea Birch (1.00)"


def test_the_post_list_takes_the_same_number_of_queries_for_few_or_many_posts(session, world, sign_in,
                                                                              count_queries):
    c = sign_in(world["hr"])
    c.get("/posts")
    with count_queries() as few:
        assert c.get("/posts").status_code == 200
    for n in range(20):
        post = make_post(session, org=world["org"], team=world["b1"], number=f"C-{n:03d}")
        make_user(session, team=world["b1"], post_id=post.id)
    session.commit()
    with count_queries() as many:
        assert "23 posts" in c.get("/posts").get_data(as_text=True)
    assert many.count == few.count, many.statements


# --- the demo establishment ----------------------------------------------------------------------

def test_the_demo_gives_everyone_with_a_profile_a_post_and_leaves_three_vacancies(session):
    from app.services.demo import load_demo
    from app.services.posts import PostFilters, post_rows
    from models import Post, StaffProfile, User
    from models.reference_data import catalogue_for
    from tests.factories import TEST_SETTINGS

    load_demo(session, TEST_SETTINGS, today=TODAY)
    users = {u.email.split(".", 1)[0]: u for u in session.scalars(select(User))}
    created = list(session.scalars(select(Post)))
    session.commit()
    profiles = list(session.scalars(select(StaffProfile)))
    assert len(created) == len(profiles) + 3
    assert all(p.post_id is not None for p in profiles)
    numbers = {p.number for p in created}
    assert len(numbers) == len(created) and "NS-STEP2-001" in numbers
    org_id = users["helen"].organisation_id
    rows = post_rows(session, org_id, None, PostFilters(), catalogue_for(session), TODAY)
    assert sorted((r.post.band, r.team_name) for r in rows if r.vacant) == [
        ("4", "Step 2/3 – South"), ("5", "Step 2 – North"), ("7", "Step 3 – North")]
    assert {r.post.hcas_zone for r in rows if r.team_name == "Step 2/3 – South"} == {"outer-london"}
    assert {r.post.hcas_zone for r in rows if r.team_name != "Step 2/3 – South"} == {"none"}
    # Owen works 0.6 in a 1.00 post, so it shows 0.40 WTE vacant.
    owen = next(r for r in rows if any(h.full_name == "Owen Griffiths" for h in r.holders))
    assert owen.vacancy_wte == Decimal("0.40")


# --- an HR officer's own post --------------------------------------------------------------------

OWN = "You hold post A-002, so you cannot change or deactivate it: its band and HCAS zone set your own pay. Ask " \
      "another HR officer or an administrator."


@pytest.fixture
def holder(session, world):
    """An HR officer who holds A-002 herself."""
    hana = make_user(session, organisation=world["org"], roles=(Role.HR,), full_name="Helen Holder",
                     team=world["a1"], post_id=world["empty"].id)
    session.flush()
    return hana


def test_hr_may_not_change_the_post_they_hold(session, world, sign_in, holder):
    post, c = world["empty"], sign_in(holder)
    url = f"/posts/{post.id}/edit"
    html = c.get(url).get_data(as_text=True)
    assert OWN.replace("'", "&#39;") in html and 'name="hcas_zone"' not in html
    response = c.submit(url, {"number": "A-002", "title": "HI therapist", "team_id": str(world["a1"].id),
                              "band": "7", "funded_wte": "1", "hcas_zone": "inner-london"}, form_url=f"/posts/{world['full'].id}/edit")
    assert response.status_code == 403
    session.expire_all()
    assert post.hcas_zone == "none"


def test_hr_may_not_deactivate_the_post_they_hold(session, world, sign_in, holder):
    c = sign_in(holder)
    response = c.submit(f"/posts/{world['empty'].id}/deactivate", {}, form_url=f"/posts/{world['full'].id}/edit",
                        follow_redirects=True)
    assert OWN.replace("'", "&#39;") in response.get_data(as_text=True)
    session.expire_all()
    assert world["empty"].active is True


def test_the_post_list_offers_no_edit_link_for_the_viewers_own_post(world, sign_in, holder):
    html = sign_in(holder).get("/posts").get_data(as_text=True)
    assert f'href="/posts/{world["empty"].id}/edit"' not in html
    assert f'href="/posts/{world["shared"].id}/edit"' in html
    assert "Your own post: another HR officer or an administrator changes it" in html


def test_an_administrator_may_change_a_post_they_hold(session, world, sign_in):
    admin = make_user(session, organisation=world["org"], roles=(Role.HR, Role.ADMIN), full_name="Ada Admin",
                      team=world["a1"], post_id=world["empty"].id)
    url = f"/posts/{world['empty'].id}/edit"
    response = sign_in(admin).submit(url, {"number": "A-002", "title": "HI therapist", "team_id": str(world["a1"].id),
                                           "band": "7", "funded_wte": "1", "hcas_zone": "fringe"})
    assert response.status_code == 302
    session.expire_all()
    assert world["empty"].hcas_zone == "fringe"


def test_the_service_refuses_a_change_to_the_actors_own_post(session, world, holder):
    from app.services.errors import DomainError
    from app.services.posts import PostInput, save_post
    values = PostInput("A-002", "HI", world["a1"].id, "7", Decimal("1"), "inner-london")
    with pytest.raises(DomainError, match="You hold post A-002"):
        save_post(session, world["org"].id, values, actor=holder, teams=[world["a1"]], zone_ids={"none", "inner-london"},
                  post=world["empty"])


# --- holders outside the viewer's services -------------------------------------------------------

def test_holders_outside_the_viewers_services_are_counted_not_named(session, world, sign_in):
    """Bea's own team (B1, Service B) holds an A post: HR for B see her; Sam, lead of A, sees a count and the WTE."""
    world["bea"].profile.post_id = world["empty"].id
    session.flush()
    rows = rows_of(sign_in(world["lead"]).get("/posts").get_data(as_text=True))
    assert rows[1] == ("A-002 High intensity CBT therapist Team A1 – Service A 7 1.00 No high cost area "
                       "1 holder outside your services Filled")
    assert "Bea Birch" not in " ".join(rows)
    text = sign_in(world["hr"]).get("/posts").get_data(as_text=True)
    assert "Bea Birch (1.00)" in text and "outside your services" not in text


def test_a_held_post_names_only_holders_the_hr_officer_covers(session, world, sign_in):
    world["bea"].profile.post_id = world["full"].id
    ann = world["ann"]
    ann.profile.post_id = world["full"].id
    session.flush()
    c = sign_in(world["hr_b"])
    response = c.submit(f"/posts/{world['full'].id}/deactivate", {}, form_url=f"/posts/{world['full'].id}/edit",
                        follow_redirects=True)
    text = response.get_data(as_text=True)
    assert "Post B-001 is held by Bea Birch, 1 holder outside your services: record a post change for them first" in text
    assert "Ann Ash" not in text
