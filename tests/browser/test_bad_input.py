"""Journey 5: bad input in the browser. On the main forms a refused submit shows the error summary, moves focus to
it (NHS.UK's error summary script does this on load), links each message to its field, keeps everything typed,
and saves nothing.
"""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser

SOPHIE = "sophie.lang@northshire.example"
FOCUS_IN_SUMMARY = "() => !!document.activeElement && !!document.activeElement.closest('.nhsuk-error-summary')"


def _sophie_id(live_server) -> int:
    from models import User

    session = live_server.session()
    try:
        return session.scalar(select(User.id).where(User.email == SOPHIE))
    finally:
        session.close()


def _count(live_server, model) -> int:
    session = live_server.session()
    try:
        return session.scalar(select(func.count()).select_from(model))
    finally:
        session.close()


def _assert_refused(page, axe, *, field_id: str, message: str) -> None:
    """The summary is there and focused, its link names the problem and takes focus to the field."""
    summary = page.locator(".nhsuk-error-summary")
    assert summary.is_visible()
    assert page.title().startswith("Error: ")
    page.wait_for_function(FOCUS_IN_SUMMARY)
    assert page.evaluate(FOCUS_IN_SUMMARY), "focus did not move to the error summary"
    dangling = page.evaluate("() => [...document.querySelectorAll('.nhsuk-error-summary a')]"
                             ".map(a => a.getAttribute('href')).filter(h => !document.getElementById(h.slice(1)))")
    assert not dangling, f"error summary links to nothing: {dangling}"
    link = summary.get_by_role("link", name=message)
    assert link.get_attribute("href") == f"#{field_id}"
    # The same message sits next to the field.
    assert page.locator(f".nhsuk-form-group--error:has(#{field_id}) .nhsuk-error-message").first \
        .inner_text().endswith(message)
    axe(page, again=True)
    link.click()
    page.wait_for_function("(id) => document.activeElement && document.activeElement.id === id", arg=field_id)


def test_a_cpd_activity_with_impossible_hours_is_refused_and_keeps_what_was_typed(page, axe, live_server):
    from models import CpdActivity

    before = _count(live_server, CpdActivity)
    sign_in(page, SOPHIE)
    page.goto(f"/people/{_sophie_id(live_server)}/cpd/new")
    axe(page)
    page.get_by_label("Title", exact=True).fill("Workshop on imagery rescripting")
    page.get_by_label("Provider").fill("Northshire CBT network")
    page.get_by_label("Start date").fill((dt.date.today() - dt.timedelta(days=3)).isoformat())
    page.get_by_label("Hours").fill("six")
    page.get_by_label("Clinical role").check()
    page.locator("#cbt").check()
    page.get_by_label("What did you learn?").fill("How to run a rescripting session step by step.")
    page.get_by_role("button", name="Record activity").click()
    page.wait_for_load_state()

    _assert_refused(page, axe, field_id="hours", message=page.locator("#hours-error").inner_text()
                    .removeprefix("Error:").strip())
    assert page.get_by_label("Title", exact=True).input_value() == "Workshop on imagery rescripting"
    assert page.get_by_label("Provider").input_value() == "Northshire CBT network"
    assert page.get_by_label("Hours").input_value() == "six"
    assert page.get_by_label("Clinical role").is_checked()
    assert page.locator("#cbt").is_checked()
    assert page.get_by_label("What did you learn?").input_value() == "How to run a rescripting session step by step."
    assert _count(live_server, CpdActivity) == before


def test_a_supervision_session_too_short_to_count_is_refused_and_keeps_what_was_typed(page, axe, live_server):
    from models import SupervisionSession

    before = _count(live_server, SupervisionSession)
    sign_in(page, SOPHIE)
    page.goto(f"/people/{_sophie_id(live_server)}/supervision/new")
    axe(page)
    day = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    page.get_by_label("Date of the session").fill(day)
    page.get_by_label("Supervisor", exact=True).select_option(label="Rachel Adeyemi – Clinical supervision, "
                                                                     "from 25 December 2025 (no end date)")
    page.get_by_label("Length of the session in minutes").fill("3")
    page.get_by_label("Case 1: reference").fill("NS-2026-0412")
    page.get_by_label("Case 1: minutes").fill("3")
    page.get_by_label("Themes discussed").fill("Formulation of avoidance; planning a behavioural experiment.")
    page.get_by_role("button", name="Record supervision").click()
    page.wait_for_load_state()

    _assert_refused(page, axe, field_id="minutes", message=page.locator("#minutes-error").inner_text()
                    .removeprefix("Error:").strip())
    assert page.get_by_label("Date of the session").input_value() == day
    assert page.get_by_label("Supervisor", exact=True).input_value() != ""
    assert page.get_by_label("Length of the session in minutes").input_value() == "3"
    assert page.get_by_label("Case 1: reference").input_value() == "NS-2026-0412"
    assert page.get_by_label("Themes discussed").input_value() == \
        "Formulation of avoidance; planning a behavioural experiment."
    assert _count(live_server, SupervisionSession) == before


def test_submitting_an_unfinished_claim_is_refused_and_keeps_the_statement(page, axe, live_server):
    from models import CompetenceClaim

    before = _count(live_server, CompetenceClaim)
    sign_in(page, SOPHIE)
    page.goto(f"/people/{_sophie_id(live_server)}/claims/new?framework=ksa&item=ksa-3")
    axe(page)
    learned = "A module on classification systems, then reading on transdiagnostic measures."
    what = "How ICD-11 and DSM-5 differ for anxiety disorders, and when to use the PDSS or the SPIN."
    page.get_by_label("How it was learned").fill(learned)
    page.get_by_label("What was learned").fill(what)
    page.get_by_role("button", name="Save and submit for sign-off").click()
    page.wait_for_load_state()

    summary = page.locator(".nhsuk-error-summary")
    first = summary.get_by_role("link").first
    field_id = first.get_attribute("href").removeprefix("#")
    _assert_refused(page, axe, field_id=field_id, message=first.inner_text().strip())
    assert page.get_by_label("How it was learned").input_value() == learned
    assert page.get_by_label("What was learned").input_value() == what
    assert _count(live_server, CompetenceClaim) == before
