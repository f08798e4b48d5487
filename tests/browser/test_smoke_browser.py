"""The browser harness itself: a demo practitioner signs in and the home page passes axe-core."""
from __future__ import annotations

import pytest

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


def test_a_practitioner_signs_in_and_the_home_page_is_accessible(page, axe):
    page.goto("/login")
    axe(page)
    sign_in(page, "sophie.lang@northshire.example")
    assert page.get_by_role("heading", level=1).count() == 1
    axe(page)


def test_axe_audits_a_page_opened_without_javascript(new_page, axe):
    page = new_page(javascript=False)
    sign_in(page, "sophie.lang@northshire.example")
    axe(page)
    assert axe.seen == {"/practitioner"}
