"""Journey 3: an outside referee answers a KSA reference request through a single-use link, which then stops working.

The raw link is shown once, to the practitioner who made it (the outbox never holds it without SMTP: an
administrator reading the outbox could otherwise answer as the referee), so the journey copies it from that page
exactly as a practitioner would.
"""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser

SOPHIE = "sophie.lang@northshire.example"
REFEREE = "Morgan Ashby"
REFEREE_EMAIL = "morgan.ashby@westfold.example"
REFERENCE = ("I managed Sophie for two years as a PWP. She used supervision well, brought cases promptly and acted "
             "on feedback.")


def _ask_for_reference(page, axe) -> None:
    page.goto("/")
    page.get_by_role("link", name="KSA portfolio").click()
    axe(page)
    page.get_by_role("link", name="Open references and countersignatures").click()
    axe(page)
    page.get_by_role("button", name="Ask for a reference or countersignature").click()
    axe(page)
    page.get_by_label("Reference (KSA4)").check()
    page.get_by_label("12. Use of supervision").check()
    page.get_by_label("Someone outside Waymark").check()
    page.get_by_label("Referee's name").fill(REFEREE)
    page.get_by_label("Referee's e-mail address").fill(REFEREE_EMAIL)
    page.get_by_label("Their role and how they know your work").fill("My line manager at Westfold, 2023 to 2025")
    page.get_by_role("button", name="Send request").click()
    page.wait_for_load_state()
    assert page.get_by_text(f"Reference (KSA4) requested from {REFEREE}.").is_visible()


def _create_link(page, axe, live_server) -> str:
    """Make the link and copy it from the one page that shows it; returns the path of the link."""
    page.get_by_role("button", name=f"Create link for {REFEREE}").click()
    page.wait_for_load_state()
    axe(page)
    assert page.get_by_role("heading", level=1).inner_text() == f"Link created for {REFEREE}"
    url = page.get_by_label("The link").input_value()
    assert url.startswith(str(live_server.app.config["PUBLIC_BASE_URL"]).rstrip("/") + "/outside/")
    return urlsplit(url).path


def _outbox_bodies(live_server) -> list[str]:
    from models.accounts import OutboxMail

    session = live_server.session()
    try:
        return list(session.scalars(select(OutboxMail.body)))
    finally:
        session.close()


def test_an_outside_referee_answers_once_and_the_link_then_stops_working(new_page, axe, live_server):
    sophie = new_page()
    sign_in(sophie, SOPHIE)
    _ask_for_reference(sophie, axe)
    path = _create_link(sophie, axe, live_server)
    token = path.rsplit("/", 1)[1]
    assert not any(token in body for body in _outbox_bodies(live_server)), "the raw link must not sit in the outbox"

    referee = new_page()  # no account, no cookies: the link is the only key
    response = referee.goto(path)
    assert response.status == 200
    axe(referee)
    assert referee.get_by_role("heading", level=1).inner_text() == "Reference (KSA4) for Sophie Lang"
    assert referee.get_by_text("12. Use of supervision").is_visible()

    # A missing name is refused with the message next to the field, and the reference typed so far is kept.
    referee.get_by_label("Your reference").fill(REFERENCE)
    referee.get_by_role("button", name="Send my reference").click()
    referee.wait_for_load_state()
    assert referee.locator(".nhsuk-error-summary").get_by_role("link", name="Type your full name to confirm").is_visible()
    axe(referee, again=True)
    assert referee.get_by_label("Your reference").input_value() == REFERENCE

    referee.get_by_label("Your full name").fill(REFEREE)
    referee.get_by_role("button", name="Send my reference").click()
    referee.wait_for_load_state()
    assert urlsplit(referee.url).path == "/outside/done"
    axe(referee)
    assert referee.get_by_role("heading", level=1).inner_text() == "Thank you"

    # The same link, opened again (by the referee or anyone it was forwarded to), no longer works.
    again = referee.goto(path)
    assert again.status == 404
    assert referee.get_by_role("heading", level=1).inner_text() == "This link does not work any more"
    assert referee.locator("textarea, form[method=post]").count() == 0
    axe(referee, again=True)
    stranger = new_page()
    assert stranger.goto(path).status == 404

    # Sophie sees the reference, marked as written from outside Waymark, counted as completed.
    sophie.reload()
    row = sophie.locator("tr", has_text=REFEREE_EMAIL)
    assert row.get_by_text("Completed").is_visible()
    assert row.get_by_role("button", name=f"Create link for {REFEREE}").count() == 0
    row.get_by_text(f"Read the reference from {REFEREE} (outside Waymark)").click()
    assert row.get_by_text(REFERENCE).is_visible()
