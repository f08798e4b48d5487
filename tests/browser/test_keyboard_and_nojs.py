"""Keyboard-only use of the main forms, and the service with JavaScript turned off.

Keyboard: from the top of the page, Tab alone reaches every visible control of the form, in the order of the page,
and each control shows a focus indicator it does not have unfocused (NHS.UK's yellow outline or shadow; for radios
and checkboxes, drawn on the label's box). Radios are one Tab stop per group, as in every browser: the arrow keys
move within it.
No JavaScript: signing in, recording a CPD activity, the main pages of each role, a refused form, and a PDF made in
the background all work; the page's own "Check progress" button replaces the script that follows the job.
"""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.browser.conftest import sign_in, sign_out

pytestmark = pytest.mark.browser

SOPHIE = "sophie.lang@northshire.example"
GRACE = "grace.whitfield@northshire.example"
RACHEL = "rachel.adeyemi@northshire.example"
JOANNE = "joanne.kerr@northshire.example"
HELEN = "helen.marsh@northshire.example"
BEN = "ben.carter@northshire.example"

#: Marks the form's controls in page order and records how each looks unfocused.
MARK_CONTROLS = """(button) => {
  const form = [...document.querySelectorAll('main form')].find(f =>
      [...f.querySelectorAll('button')].some(b => b.textContent.trim() === button));
  if (!form) return null;
  form.dataset.kbForm = '1';
  const visible = el => el.type !== 'hidden' && !el.hidden && !el.disabled
      && el.checkVisibility({visibilityProperty: true, contentVisibilityAuto: true});
  // Controls in a closed <details> count too: the keyboard opens it (Enter on its summary) on the way.
  const closed = [...form.querySelectorAll('details:not([open])')];
  closed.forEach(d => { d.open = true; });
  const controls = [...form.querySelectorAll('input, select, textarea, button')].filter(visible);
  closed.forEach(d => { d.open = false; });
  controls.forEach((el, i) => { el.dataset.kb = String(i); });
  return controls.map(el => ({kb: el.dataset.kb, tag: el.tagName.toLowerCase(), type: el.type || '',
                              name: el.name || el.id, checked: !!el.checked, look: window.__kbLook(el)}));
}"""

#: What shows focus: the element's own outline and shadow, or, for radios and checkboxes (whose input is
#: invisible), the shadow of the box drawn by the label's ::before.
LOOK = """() => { window.__kbLook = el => {
  const own = getComputedStyle(el);
  const label = (el.type === 'radio' || el.type === 'checkbox') && el.labels && el.labels[0];
  const box = label ? getComputedStyle(label, '::before') : null;
  return {outline: own.outlineStyle === 'none' || parseFloat(own.outlineWidth) === 0 ? 'none'
                   : `${own.outlineWidth} ${own.outlineStyle} ${own.outlineColor}`,
          shadow: own.boxShadow, labelShadow: box ? box.boxShadow : 'none', background: own.backgroundColor};
}; }"""

FOCUSED = """() => { const el = document.activeElement;
  if (!el || el === document.body) return null;
  return {kb: el.dataset ? el.dataset.kb || null : null, inForm: !!el.closest('[data-kb-form]'), tag: el.tagName.toLowerCase(), type: el.type || '',
          name: el.name || el.id || el.textContent.trim().slice(0, 40), look: window.__kbLook(el)}; }"""


def _shows_focus(before: dict, after: dict) -> bool:
    changed = any(before[k] != after[k] for k in ("outline", "shadow", "labelShadow", "background"))
    drawn = after["outline"] != "none" or after["shadow"] != "none" or after["labelShadow"] != "none"
    return changed and drawn


def _tab_through(page, button: str) -> None:
    page.evaluate(LOOK)
    controls = page.evaluate(MARK_CONTROLS, button)
    assert controls, f"no form with a “{button}” button"
    expected: list[str] = []
    groups_seen: set[str] = set()
    for c in controls:  # one Tab stop per radio group: its checked radio, else its first
        if c["type"] == "radio":
            if c["name"] in groups_seen:
                continue
            groups_seen.add(c["name"])
            group = [r for r in controls if r["type"] == "radio" and r["name"] == c["name"]]
            c = next((r for r in group if r["checked"]), group[0])
        expected.append(c["kb"])
    unfocused = {c["kb"]: c["look"] for c in controls}

    page.evaluate("() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); }")
    reached: list[str] = []
    no_indicator: list[str] = []
    seen_any = False
    stops = page.evaluate("() => document.querySelectorAll('a[href], button, input, select, textarea, summary, "
                          "[tabindex]').length")
    for _ in range(stops + 10):
        page.keyboard.press("Tab")
        now = page.evaluate(FOCUSED)
        if now is None:
            if seen_any:
                break
            continue
        seen_any = True
        if not now["inForm"]:
            if reached:  # past the form: nothing of it comes later
                break
            continue
        if now["kb"] is None:  # a link or a <summary> inside the form: open a closed <details> as a person would
            if now["tag"] == "summary" and not page.evaluate("() => document.activeElement.parentElement.open"):
                page.keyboard.press("Enter")
            continue
        if now["kb"] not in reached:
            reached.append(now["kb"])
            if not _shows_focus(unfocused[now["kb"]], now["look"]):
                no_indicator.append(f"{now['tag']} {now['type']} {now['name']}: {now['look']}")
    names = {c["kb"]: f"{c['tag']} {c['type']} {c['name']}" for c in controls}
    missing = [names[k] for k in expected if k not in reached]
    assert not missing, f"Tab never reached: {missing}"
    assert reached == expected, "Tab order differs from the page order:\n" + "\n".join(names[k] for k in reached)
    assert not no_indicator, "no visible focus indicator on:\n" + "\n".join(no_indicator)


def _user_id(live_server, email: str) -> int:
    from models import User

    session = live_server.session()
    try:
        return session.scalar(select(User.id).where(User.email == email))
    finally:
        session.close()


def test_the_sign_in_form_works_from_the_keyboard_alone(page, axe):
    page.goto("/login")
    axe(page)
    _tab_through(page, "Sign in")
    # Typing and Enter sign in, without the mouse.
    page.get_by_label("E-mail address").focus()
    page.keyboard.type(SOPHIE)
    page.keyboard.press("Tab")
    page.keyboard.type("waymark-demo-2026")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/login" not in page.url


FORMS = [
    ("cpd activity", SOPHIE, lambda ids: f"/people/{ids[SOPHIE]}/cpd/new", "Record activity"),
    ("supervision session", SOPHIE, lambda ids: f"/people/{ids[SOPHIE]}/supervision/new", "Record supervision"),
    ("case", SOPHIE, lambda ids: f"/people/{ids[SOPHIE]}/cases/new", None),
    ("claim", SOPHIE, lambda ids: f"/people/{ids[SOPHIE]}/claims/new?framework=ksa&item=ksa-3",
     "Save and submit for sign-off"),
    ("appraisal", GRACE, lambda ids: f"/people/{ids['tom.okafor@northshire.example']}/progression/appraisal",
     "Save the appraisal"),
]


@pytest.mark.parametrize(("what", "email", "path", "button"), FORMS, ids=[f[0] for f in FORMS])
def test_every_control_of_a_main_form_is_reached_by_tab_with_visible_focus(page, axe, live_server, what, email,
                                                                           path, button):
    ids = {e: _user_id(live_server, e) for e in (SOPHIE, "tom.okafor@northshire.example")}
    sign_in(page, email)
    page.goto(path(ids))
    axe(page)
    if button is None:  # the form's own submit button, whatever it is called
        button = page.locator("main form[method=post] button[type=submit], main form[method=post] button:not([type])") \
            .last.inner_text().strip()
    _tab_through(page, button)


# --- JavaScript off -------------------------------------------------------------------------------

MAIN_PAGES = {
    SOPHIE: ["/", "/people/{id}/dashboard", "/people/{id}/cpd", "/people/{id}/supervision", "/people/{id}/cases",
             "/people/{id}/frameworks", "/people/{id}/ksa", "/people/{id}/evidence", "/jobs"],
    RACHEL: ["/", "/supervisor"],
    GRACE: ["/", "/supervisor", "/progression", "/staff"],
    HELEN: ["/", "/dashboard", "/staff"],
    JOANNE: ["/", "/dashboard", "/staff", "/progression", "/progression/decisions", "/documents/bulk", "/posts"],
    BEN: ["/", "/admin/accounts", "/admin/relationships", "/admin/audit", "/admin/outbox"],
}


def test_without_javascript_a_practitioner_signs_in_records_cpd_and_sees_errors(new_page, axe, live_server):
    page = new_page(javascript=False)
    sign_in(page, SOPHIE)
    sophie = _user_id(live_server, SOPHIE)
    page.goto(f"/people/{sophie}/cpd/new")

    # A refused submit: the summary and the message by the field are there, and what was typed is kept.
    page.get_by_label("Title", exact=True).fill("Reading: Cognitive therapy of anxiety disorders")
    page.get_by_role("button", name="Record activity").click()
    page.wait_for_load_state()
    assert page.locator(".nhsuk-error-summary").is_visible()
    assert page.title().startswith("Error: ")
    assert page.locator(".nhsuk-error-message").count() >= 1
    assert page.get_by_label("Title", exact=True).input_value() == "Reading: Cognitive therapy of anxiety disorders"
    axe(page)

    page.get_by_label("Start date").fill("2026-11-02")
    page.get_by_label("Hours").fill("2.5")
    page.get_by_label("Formal or educational").check()
    page.locator("#cbt").check()
    page.locator("#cbt_skills-2").check()
    page.locator("#participatory-2").check()
    page.get_by_label("What did you learn?").fill("How the cognitive model of panic explains avoidance.")
    page.get_by_role("button", name="Record activity").click()
    page.wait_for_load_state()
    assert page.locator(".nhsuk-error-summary").count() == 0
    page.goto(f"/people/{sophie}/cpd")
    assert page.get_by_text("Reading: Cognitive therapy of anxiety disorders").first.is_visible()


@pytest.mark.parametrize("email", list(MAIN_PAGES), ids=[e.split("@")[0] for e in MAIN_PAGES])
def test_without_javascript_the_main_pages_of_each_role_work(new_page, axe, live_server, email):
    page = new_page(javascript=False)
    sign_in(page, email)
    uid = _user_id(live_server, email)
    for path in MAIN_PAGES[email]:
        response = page.goto(path.format(id=uid))
        assert response.status == 200, f"{path}: {response.status}"
        assert page.get_by_role("heading", level=1).count() == 1, path
        axe(page)
    sign_out(page)
    assert "/login" in page.url or page.get_by_role("button", name="Sign in").count() == 1


def test_without_javascript_a_pdf_made_in_the_background_is_followed_and_downloaded(new_page, axe, live_server,
                                                                                       tmp_path):
    page = new_page(javascript=False)
    sign_in(page, JOANNE)
    page.goto(f"/people/{_user_id(live_server, 'priya.shah@northshire.example')}/documents")
    page.get_by_role("button", name=re.compile(r"^Create PDF\s*: Progression pack$")).click()
    page.wait_for_load_state()
    axe(page)
    download = page.get_by_role("link", name=re.compile(r"^Download .+\.pdf$"))
    for _ in range(90):  # up to three minutes on a busy machine
        if download.count():
            break
        page.get_by_role("button", name="Check progress").click()
        page.wait_for_load_state()
        page.wait_for_timeout(2000)
    with page.expect_download() as info:
        download.click()
    target = tmp_path / info.value.suggested_filename
    info.value.save_as(target)
    assert target.read_bytes().startswith(b"%PDF-")
