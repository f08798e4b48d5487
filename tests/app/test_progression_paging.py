"""The round a page at a time (app.services.progression.due_page): each page is exactly the matching slice of the
whole, ordered round for every window and filter, standards are judged for the page's people alone, and exports
stay whole."""
import csv
import datetime as dt
import io
import re

import pytest

import app.staff.progression as views
from app.services import progression as svc
from app.services.staff_scope import scope_of
from models.hr import ProgressionDecision, ProgressionOutcome
from tests.app.test_progression_services import TODAY, Trust
from tests.factories import make_team


@pytest.fixture
def trust(session):
    """Eleven people on the round at TODAY in different ways, two pairs sharing a date (the name breaks the tie),
    one deferral review, one decision about an earlier step that must not count, one in another team."""
    t = Trust(session)
    t.other = make_team(session, service=t.service, name="South")
    starts = [("Ann Due", dt.date(2025, 1, 15)), ("ann Also", dt.date(2025, 1, 15)), ("Ben Later", dt.date(2025, 4, 1)),
              ("Cat Overdue", dt.date(2024, 10, 1)), ("Col Overdue", dt.date(2024, 10, 1)),
              ("Dan Review", dt.date(2024, 9, 1)), ("Eve Soon", dt.date(2024, 12, 20)),
              ("Fin Spring", dt.date(2025, 3, 3)), ("Gil Winter", dt.date(2025, 2, 2)),
              ("Hal Moved", dt.date(2025, 1, 20)), ("Ivy South", dt.date(2025, 1, 5))]
    t.people = {}
    for name, started in starts:
        t.people[name] = t.person(started, name=name)
    t.people["Ivy South"].profile.team_id = t.other.id
    t.person(dt.date(2020, 1, 1), name="Top Person", step=3)  # at the top of band 5: never on the round
    for name in ("Ann Due", "Ben Later", "Eve Soon"):
        t.all_met(t.people[name])
    t.session.add(ProgressionDecision(
        profile_id=t.people["Dan Review"].profile.id, band="5", from_step=1, to_step=2, due_on=dt.date(2026, 9, 1),
        outcome=ProgressionOutcome.DEFERRED, reason="Training", plan="Finish it", review_on=dt.date(2027, 1, 10),
        decided_by_id=t.manager.id))
    # A deferral of Hal's earlier step: it names another step date, so Hal's current step has no decision.
    t.session.add(ProgressionDecision(
        profile_id=t.people["Hal Moved"].profile.id, band="5", from_step=1, to_step=2, due_on=dt.date(2024, 1, 20),
        outcome=ProgressionOutcome.DEFERRED, reason="Training", plan="Finish it", review_on=dt.date(2024, 6, 1),
        decided_by_id=t.manager.id))
    t.session.flush()
    return t


WINDOWS = {
    "next three months": (*svc.default_window(TODAY), {}),
    "overdue only": (None, None, {"overdue_only": True}),
    "a custom year": (dt.date(2026, 12, 1), dt.date(2027, 11, 30), {}),
    "a name": (dt.date(2026, 12, 1), dt.date(2027, 11, 30), {"search": "AN"}),
    "a team": (dt.date(2026, 12, 1), dt.date(2027, 11, 30), {"team_id": "other"}),
}


def shown(rows):
    return [(r.name, r.status, r.position, tuple(r.standards), r.decision.id if r.decision else None) for r in rows]


@pytest.mark.parametrize("window", list(WINDOWS))
@pytest.mark.parametrize("per_page", [1, 3, 50])
@pytest.mark.parametrize("viewer", ["hr", "manager"])
def test_each_page_is_the_matching_slice_of_the_whole_round(session, trust, window, per_page, viewer):
    start, end, filters = WINDOWS[window]
    filters = {k: (trust.other.id if v == "other" else v) for k, v in filters.items()}
    scope = scope_of(session, getattr(trust, viewer), TODAY)
    whole = shown(svc.due_list(session, scope, TODAY, start, end, **filters))
    assert whole, "every window holds somebody"
    pages = -(-len(whole) // per_page)
    for number in range(1, pages + 1):
        rows, total, at = svc.due_page(session, scope, TODAY, start, end, number, per_page, **filters)
        assert (total, at) == (len(whole), number)
        assert shown(rows) == whole[(number - 1) * per_page:number * per_page]


def test_the_whole_round_holds_what_the_fixture_says(session, trust):
    rows = svc.due_list(session, scope_of(session, trust.hr, TODAY), TODAY, dt.date(2026, 12, 1),
                        dt.date(2027, 11, 30))
    assert [(r.name, r.status) for r in rows] == [
        ("Cat Overdue", "overdue"), ("Col Overdue", "overdue"), ("Eve Soon", "due"), ("Ivy South", "due"),
        ("Dan Review", "review"), ("Ann Due", "due"), ("ann Also", "due"), ("Hal Moved", "due"),
        ("Gil Winter", "due"), ("Fin Spring", "due"), ("Ben Later", "due")]
    assert rows[4].decision is not None and rows[4].decision.review_on == dt.date(2027, 1, 10)
    assert rows[7].decision is None  # Hal's deferral was about an earlier step date
    # Ann and Ann, Cat and Col share a step start: one position worked out, each keeps their own profile.
    assert all(r.position.profile_id == r.profile_id for r in rows)


def test_a_page_past_the_end_shows_the_last_page(session, trust):
    scope = scope_of(session, trust.hr, TODAY)
    whole = shown(svc.due_list(session, scope, TODAY, dt.date(2026, 12, 1), dt.date(2027, 11, 30)))
    rows, total, at = svc.due_page(session, scope, TODAY, dt.date(2026, 12, 1), dt.date(2027, 11, 30), 99, 4)
    assert (total, at) == (11, 3) and shown(rows) == whole[8:]
    assert svc.due_page(session, scope, TODAY, None, None, 1, 4, search="nobody") == ([], 0, 1)


def test_standards_are_judged_for_the_pages_people_alone(session, trust, monkeypatch):
    judged = []
    real = svc.hr_records_for

    def spy(session, profile_ids, today, **kw):
        judged.append(sorted(profile_ids))
        return real(session, profile_ids, today, **kw)

    monkeypatch.setattr(svc, "hr_records_for", spy)
    rows, total, _at = svc.due_page(session, scope_of(session, trust.hr, TODAY), TODAY, dt.date(2026, 12, 1),
                                    dt.date(2027, 11, 30), 2, 3)
    assert total == 11 and judged == [sorted(r.profile_id for r in rows)] and len(rows) == 3
    assert [r.name for r in rows] == ["Ivy South", "Dan Review", "Ann Due"]
    assert rows[0].standards[0].status == "not_recorded" and rows[2].standards[0].status == "met"


def _names(html):
    return re.findall(r'href="/people/\d+/progression">([^<]+)</a>', html)


def test_the_round_page_shows_one_page_with_a_pager_and_exports_everyone(trust, session, sign_in, monkeypatch):
    session.commit()
    monkeypatch.setattr(views, "ROUND_PER_PAGE", 4)
    c = sign_in(trust.hr)
    query = "window=custom&start=2026-12-01&end=2027-11-30"
    monkeypatch.setattr(views, "today", lambda: TODAY)
    whole = [r.name for r in svc.due_list(session, scope_of(session, trust.hr, TODAY), TODAY,
                                          dt.date(2026, 12, 1), dt.date(2027, 11, 30))]
    pages = []
    for number in (1, 2, 3):
        r = c.get(f"/progression?{query}&page={number}")
        html = r.get_data(as_text=True)
        assert r.status_code == 200 and f"11 people, page {number} of 3." in html
        pages += _names(html)
        if number < 3:  # the next link keeps the filters
            assert f"page={number + 1}" in html and "start=2026-12-01" in html
    assert pages == whole
    assert "Download the whole list, all 11 people," in html
    r = c.get(f"/progression?{query}&page=2&format=csv")
    exported = [row[0] for row in csv.reader(io.StringIO(r.get_data(as_text=True).lstrip("\ufeff")))][1:]
    assert exported == whole


def test_a_bad_window_shows_the_error_and_no_list(trust, session, sign_in):
    session.commit()
    c = sign_in(trust.hr)
    r = c.get("/progression?window=custom&start=2027-01-01")
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and "Enter the last date of the window" in html
    assert "Download" not in html and not _names(html)
