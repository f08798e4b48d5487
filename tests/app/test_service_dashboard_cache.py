"""The dashboard cache: a repeat costs one query, and any audited change (here a supervision record) is seen next time."""
import datetime as dt

from app.services import service_dashboard as sd
from app.services.staff_scope import scope_of
from tests.app.test_service_dashboard import TODAY, accredited, fixed_day, hr, org, team_a  # noqa: F401  (fixtures)
from tests.models.test_snapshot import add_supervision


def october(board, user):
    section = board.section("supervision")
    return [e.cells[1] for e in section.lists["expected-2026-10"].entries if e.user_id == user.id]


def test_a_new_supervision_record_is_on_the_next_dashboard_and_an_unchanged_one_comes_from_the_cache(
        session, team_a, hr, count_queries):  # noqa: F811
    cache = sd.DashboardCache()
    full = accredited(session, team_a, "Full Time")
    add_supervision(session, full, dt.date(2026, 10, 5), 60)
    scope = scope_of(session, hr, TODAY)

    first = cache.dashboard(session, scope, TODAY)
    assert october(first, full) == ["1 h"]
    with count_queries() as q:
        again = cache.dashboard(session, scope, TODAY)
        section = cache.dashboard(session, scope, TODAY, only=["supervision"])
    assert again is first and q.count == 2
    assert [s.key for s in section.sections] == ["supervision"] and section.sections[0] is first.section("supervision")

    add_supervision(session, full, dt.date(2026, 10, 19), 30)
    after = cache.dashboard(session, scope, TODAY)
    assert october(after, full) == ["1 h 30 min"]
    assert "2026-10" not in after.section("supervision").lists  # 90 minutes: no longer below the minimum


def test_the_page_uses_the_cache_when_asked_and_still_shows_a_change(
        app, client, session, team_a, hr, login_as, fixed_day):  # noqa: F811  (imported fixtures)
    from app.staff.dashboard import _CACHE

    app.config["DASHBOARD_CACHE"] = True
    full = accredited(session, team_a, "Full Time")
    session.commit()
    login_as(hr)
    below = "/dashboard/people?section=supervision&key=2026-10"
    try:
        assert client.get("/dashboard").status_code == 200
        assert "Full Time" in client.get(below).get_data(as_text=True)  # from the whole dashboard just cached
        add_supervision(session, full, dt.date(2026, 10, 5), 90)
        session.commit()
        assert "Full Time" not in client.get(below).get_data(as_text=True)
    finally:
        _CACHE.clear()
