"""Browser journeys 1 and 2: a trainee HIT logs her work and writes a KSA claim; her supervisor reviews it.

Sophie Lang (trainee high intensity CBT therapist, condensed KSA route) adds a training case, two
clinical contacts with it, a supervision session that discusses it and a CPD activity (refused first
for hours not in quarter hours); her dashboard's figures move by exactly what she entered, and the
case now counts as a training case. She uploads a certificate and writes a claim for KSA criterion
10, refused until she links a reference too. Her supervisor Rachel Adeyemi finds it in her queue and
returns it (refused first without a comment); Sophie reads the comment, edits and resubmits; Rachel
signs it off, and the KSA criteria signed off on Sophie's readiness report go up by one.
"""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser

SOPHIE = "sophie.lang@northshire.example"
RACHEL = "rachel.adeyemi@northshire.example"
CASE_REF = "NTT-HI-0201"
CERTIFICATE = "Communication with services workshop certificate"
CRITERION = re.compile(r"10 Skills criterion 10")
RETURN_COMMENT = "Please add an example of writing to a GP about risk, and say what you changed afterwards."
KSA_SIGNED = re.compile(r"^Every KSA criterion signed off")
TRAINING_CASES = re.compile(r"^8 training cases")
SUPERVISION_HOURS = re.compile(r"^At least 40 hours of CBT supervision")


# --- reading figures as a user sees them --------------------------------------------------------

def minutes(text: str) -> int:
    """'64 h 30 min', '6 h', '0 min' → minutes; a figure that is not a duration fails the test."""
    found = re.fullmatch(r"\s*(?:(\d+) h)?\s*(?:(\d+) min)?\s*", text)
    assert found and (found[1] or found[2]), f"not a duration: {text!r}"
    return int(found[1] or 0) * 60 + int(found[2] or 0)


def leading_number(text: str) -> int:
    found = re.match(r"\s*(\d+)", text)
    assert found, f"no number in {text!r}"
    return int(found[1])


def chart_so_far(page: Any, chart: str) -> str:
    """The current period's figure ('… (so far)') in a dashboard chart's table, opened as a user would."""
    page.get_by_text(f"{chart} as a table", exact=True).click()
    table = page.get_by_role("table", name=chart)
    row = table.get_by_role("row").filter(has_text="(so far)")
    expect(row).to_have_count(1)
    return str(row.get_by_role("cell").nth(1).inner_text())


def requirement_figure(page: Any, title: re.Pattern[str]) -> str:
    """The figure beside a requirement's progress bar (its accessible description), e.g. '5 of 8 cases'."""
    bar = page.get_by_role("progressbar", name=title)
    expect(bar).to_have_count(1)
    described_by = bar.get_attribute("aria-describedby")
    return str(page.locator(f"[id='{described_by}']").inner_text()).strip()


def dashboard_figures(page: Any) -> dict[str, int]:
    return {
        "cpd": minutes(chart_so_far(page, "CPD per year")),
        "supervision_month": minutes(chart_so_far(page, "Supervision received per month")),
        "contacts_week": int(chart_so_far(page, "Clinical contacts per week")),
        "supervision_total": minutes(requirement_figure(page, SUPERVISION_HOURS).split(" of ")[0]),
        "training_cases": leading_number(requirement_figure(page, TRAINING_CASES)),
        "ksa_signed": leading_number(requirement_figure(page, KSA_SIGNED)),
    }


def open_dashboard(page: Any, axe: Any) -> dict[str, int]:
    page.goto("/")
    axe(page)
    page.get_by_role("link", name="Your readiness and logs").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your readiness and logs")
    axe(page)
    return dashboard_figures(page)


def follow(page: Any, axe: Any, name: str | re.Pattern[str], *, role: str = "link") -> None:
    """Click the one link (or button) with this exact name, then check the page it leads to."""
    page.get_by_role(role, name=name, exact=True).click()
    page.wait_for_load_state()
    axe(page)


def expect_flash(page: Any, text: str | re.Pattern[str]) -> None:
    expect(page.get_by_text(text).first).to_be_visible()


def a_pdf(folder: Path) -> Path:
    """A small, valid one-page PDF (pypdf writes it), as a real certificate would be."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": CERTIFICATE})
    path = folder / "communication-workshop-certificate.pdf"
    with path.open("wb") as out:
        writer.write(out)
    return path


# --- journey 1: the trainee ---------------------------------------------------------------------

def record_case(page: Any, axe: Any, today: dt.date) -> None:
    follow(page, axe, "Cases")
    follow(page, axe, re.compile(r"^Add a case"))
    page.get_by_label("Case reference").fill(CASE_REF)
    page.get_by_label("Presenting problem").select_option(label="Post-traumatic stress disorder (PHQ-9 and PCL-5)")
    page.get_by_label("Step 3").check()
    page.get_by_label("Modality").select_option(label="Cognitive behavioural therapy (CBT)")
    page.get_by_label("Start date").fill((today - dt.timedelta(days=70)).isoformat())
    page.get_by_label("Training case").check()
    page.get_by_label("Attended treatment sessions").fill("6")
    page.get_by_label("PHQ-9 at the first session").fill("17")
    page.get_by_label("PHQ-9 at the last session").fill("8")
    page.get_by_role("button", name="Add case").click()
    expect(page.get_by_text(CASE_REF).first).to_be_visible()
    axe(page)


def record_contacts(page: Any, axe: Any, today: dt.date, sessions: int) -> None:
    """One session at a time, each with the new case, as a therapist logs them after seeing the client."""
    page.goto("/")
    follow(page, axe, "Clinical contacts")
    for _ in range(sessions):
        follow(page, axe, "Record contacts")
        page.get_by_label("One session").check()
        page.get_by_label("Date", exact=True).fill(today.isoformat())
        page.get_by_label("Number of contacts").fill("1")
        page.get_by_label("Total minutes").fill("60")
        page.get_by_label("Step 3").check()
        page.get_by_label("Format").select_option(label="Face to face")
        page.get_by_label("Individual", exact=True).check()
        page.get_by_label("Yes, CBT").check()
        page.get_by_label("Case (optional)").select_option(label=CASE_REF)
        page.get_by_role("button", name="Record contacts").click()
        expect(page.get_by_role("heading", level=1)).not_to_have_text("Record contacts")
        axe(page)
    expect(page.get_by_role("row").filter(has=page.get_by_role("link", name=CASE_REF, exact=True))).to_have_count(
        sessions)


def record_supervision(page: Any, axe: Any, today: dt.date) -> None:
    page.goto("/")
    follow(page, axe, "Supervision received")
    follow(page, axe, "Record supervision", role="button")
    page.get_by_label("Date of the session").fill(today.isoformat())
    supervisor = page.get_by_label("Supervisor", exact=True)
    supervisor.select_option(label=supervisor.locator("option", has_text="Rachel Adeyemi").inner_text().strip())
    page.get_by_label("Length of the session in minutes").fill("300")
    page.get_by_label("Individual", exact=True).check()
    page.get_by_role("group", name="Was it CBT supervision?").get_by_label("Yes").check()
    page.get_by_role("group", name=re.compile(r"^Was live or recorded material")).get_by_label("Yes").check()
    page.get_by_label("Case 1: reference").fill(CASE_REF)
    page.get_by_label("Case 1: minutes").fill("300")
    page.get_by_label("Themes discussed").fill("Formulation of intrusive memories; planning reliving.")
    page.get_by_role("button", name="Record supervision").click()
    expect(page.get_by_role("heading", level=1)).not_to_have_text("Record supervision received")
    axe(page)


def record_cpd(page: Any, axe: Any, today: dt.date) -> None:
    page.goto("/")
    follow(page, axe, "CPD log")
    follow(page, axe, "Record a CPD activity", role="button")
    page.get_by_label("Title", exact=True).fill("Trauma-focused CBT skills workshop")
    page.get_by_label("Provider", exact=True).fill("University of Northshire")
    page.get_by_label("Start date").fill(today.isoformat())
    page.get_by_label("Hours", exact=True).fill("2.8")
    page.get_by_label("Clinical role").check()
    page.get_by_role("group", name=re.compile(r"^Was it CBT\?")).get_by_label("Yes").check()
    page.get_by_role("group", name=re.compile(r"^Was it CBT skills training")).get_by_label("Yes").check()
    page.get_by_role("group", name=re.compile(r"^Was it participatory")).get_by_label("Yes").check()
    page.get_by_label("What did you learn?").fill("How to pace reliving so that the client stays in the window.")
    page.get_by_label("How will it change your practice?").fill("I will plan hotspot work with my supervisor.")
    page.get_by_role("button", name="Record activity").click()
    # Not in quarter hours: refused, with the reason by the field, and what was typed kept.
    expect(page.get_by_role("alert")).to_contain_text("Enter hours in quarter hours")
    expect(page.get_by_label("Hours", exact=True)).to_have_accessible_description(re.compile("quarter hours"))
    expect(page.get_by_label("Title", exact=True)).to_have_value("Trauma-focused CBT skills workshop")
    axe(page, again=True)
    page.get_by_label("Hours", exact=True).fill("3")
    page.get_by_role("button", name="Record activity").click()
    expect(page).not_to_have_url(re.compile(r"/cpd/new$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Trauma-focused CBT skills workshop")
    axe(page)


def upload_certificate(page: Any, axe: Any, today: dt.date, pdf: Path) -> None:
    page.goto("/")
    follow(page, axe, "Evidence library")
    follow(page, axe, "Upload evidence", role="button")
    page.locator("input[type=file]").set_input_files(pdf)
    page.get_by_label("Title", exact=True).fill(CERTIFICATE)
    page.get_by_label("Certificate", exact=True).check()
    page.get_by_label("Date", exact=True).fill(today.isoformat())
    page.get_by_role("button", name="Upload evidence").click()
    expect(page.get_by_role("heading", level=1)).not_to_have_text("Upload evidence")
    expect(page.get_by_text(CERTIFICATE).first).to_be_visible()
    axe(page)


STATEMENT = {
    "How it was learned": "The PG Diploma's module on working with other services, and letters to GPs and "
                          "referrers reviewed in supervision.",
    "What was learned": "How to write a clear, brief letter that says what was agreed and what the reader "
                        "should do, and when to telephone instead.",
    "Critical appraisal of its relevance to psychotherapeutic roles":
        "Good communication keeps care safe across services; letters also shape how clients see themselves, "
        "so I write them to be read by the client too.",
    "Illustrative examples": "1. I wrote to a GP after an assessment, summarising the formulation and the plan.\n\n"
                             "2. I telephoned a community mental health team about a client whose risk rose.",
}


def write_and_submit_claim(page: Any, axe: Any) -> None:
    page.goto("/")
    follow(page, axe, "KSA portfolio")
    follow(page, axe, re.compile(r"^Write the claim for criterion 10$"))
    for label, text in STATEMENT.items():
        page.get_by_label(label, exact=True).fill(text)
    page.get_by_label(CERTIFICATE).select_option(label="Training course certificate or transcript")
    page.get_by_role("button", name="Save and submit for sign-off").click()
    # Criterion 10 also needs a reference: refused, with the reason by the evidence and in the summary.
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("There is a problem")
    expect(summary).to_contain_text(re.compile(r"Link evidence for: [^.]*Reference"))
    axe(page, again=True)
    page.get_by_label("Reference from line manager").select_option(label="KSA4: Reference")
    page.get_by_role("button", name="Save and submit for sign-off").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(CRITERION)
    expect_flash(page, re.compile(r"submitted for sign-off"))
    expect(status_of(page)).to_have_text("Submitted")
    axe(page)


def status_of(page: Any) -> Any:
    """The claim page's status tag (the value beside "Status" in the summary list)."""
    return page.locator(".nhsuk-summary-list__row", has=page.get_by_text("Status", exact=True)).locator("dd")


# --- journey 2: the supervisor, and the trainee again --------------------------------------------

def open_claim_from_queue(page: Any, axe: Any) -> None:
    page.goto("/")
    axe(page)
    follow(page, axe, re.compile(r"items? waiting in your supervision review queue"))
    row = queue_rows(page)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Sophie Lang")
    row.get_by_role("link", name=re.compile(r"^Review")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(CRITERION)
    axe(page)
    expect(page.get_by_role("table", name="Evidence linked to this claim")).to_contain_text(CERTIFICATE)


def return_claim(page: Any, axe: Any) -> None:
    open_claim_from_queue(page, axe)
    # A return needs a comment: refused without one, with the message by the field.
    page.get_by_role("button", name="Return the claim").click()
    expect(page.get_by_role("alert")).to_contain_text("Say what needs to change")
    axe(page, again=True)
    page.get_by_label("What needs to change").fill(RETURN_COMMENT)
    page.get_by_role("button", name="Return the claim").click()
    expect_flash(page, "Claim returned with your comments.")
    expect(status_of(page)).to_have_text("Returned with comments")
    axe(page)


def resubmit(page: Any, axe: Any) -> None:
    page.goto("/")
    follow(page, axe, "KSA portfolio")
    row = page.get_by_role("row").filter(has_text=re.compile(r"^\s*10\. "))
    expect(row).to_contain_text("Returned with comments")
    row.get_by_role("link", name=re.compile(r"claim for criterion 10$")).click()
    axe(page)
    expect(status_of(page)).to_have_text("Returned with comments")
    expect(page.locator("#returned-comment")).to_contain_text(RETURN_COMMENT)
    expect(page.locator("#returned-comment")).to_contain_text("Rachel Adeyemi returned this claim")
    follow(page, axe, "Change the statement or evidence", role="button")
    examples = page.get_by_label("Illustrative examples", exact=True)
    examples.fill(STATEMENT["Illustrative examples"] + "\n\n3. I wrote to a GP about a client's rising risk, "
                  "agreed with the client what to share, and now copy the client in on every such letter.")
    page.get_by_role("button", name="Save and submit for sign-off").click()
    expect_flash(page, re.compile(r"submitted for sign-off"))
    expect(status_of(page)).to_have_text("Submitted")
    expect(page.locator("#returned-comment")).to_have_count(0)


def sign_off(page: Any, axe: Any) -> None:
    open_claim_from_queue(page, axe)
    expect(page.get_by_text("copy the client in on every such letter")).to_be_visible()
    page.get_by_label("Discussion").check()
    page.get_by_label("Comment (optional)").fill("Discussed in supervision; the GP letter example is a good one.")
    page.get_by_role("button", name="Sign off").click()
    expect_flash(page, "Claim signed off.")
    expect(status_of(page)).to_have_text("Signed off")
    axe(page)


def queue_rows(page: Any) -> Any:
    """Rows of the supervisor's review queue (on the Supervisees page) that are this claim."""
    return page.get_by_role("row").filter(has_text="Claim to sign off").filter(has_text=CRITERION)


def sophies_readiness(page: Any, axe: Any) -> int:
    """The KSA criteria signed off, as Sophie's supervisor reads it on Sophie's readiness report."""
    page.goto("/")
    follow(page, axe, "Supervisees")
    follow(page, axe, "Sophie Lang")
    follow(page, axe, "Sophie Lang's readiness and logs")
    return leading_number(requirement_figure(page, KSA_SIGNED))


def test_a_trainee_logs_her_work_and_a_ksa_claim_that_her_supervisor_returns_then_signs_off(new_page, axe, tmp_path):
    today = dt.date.today()
    sophie = new_page()
    sophie.goto("/login")
    axe(sophie)
    sign_in(sophie, SOPHIE)
    before = open_dashboard(sophie, axe)

    record_case(sophie, axe, today)
    record_contacts(sophie, axe, today, sessions=2)
    record_supervision(sophie, axe, today)
    record_cpd(sophie, axe, today)
    after = open_dashboard(sophie, axe)
    assert after == {
        **before,
        "cpd": before["cpd"] + 180,
        "supervision_month": before["supervision_month"] + 300,
        "supervision_total": before["supervision_total"] + 300,
        "contacts_week": before["contacts_week"] + 2,
        # The new training case has 6 sessions and 5 hours of supervision, so it now counts.
        "training_cases": before["training_cases"] + 1,
    }

    upload_certificate(sophie, axe, today, a_pdf(tmp_path))
    write_and_submit_claim(sophie, axe)

    rachel = new_page()
    rachel.goto("/login")
    sign_in(rachel, RACHEL)
    ksa_before = sophies_readiness(rachel, axe)
    assert ksa_before == before["ksa_signed"]
    return_claim(rachel, axe)
    resubmit(sophie, axe)
    sign_off(rachel, axe)

    rachel.goto("/")
    follow(rachel, axe, re.compile(r"items? waiting in your supervision review queue"))
    expect(queue_rows(rachel)).to_have_count(0)
    assert sophies_readiness(rachel, axe) == ksa_before + 1
    assert open_dashboard(sophie, axe)["ksa_signed"] == ksa_before + 1
    sophie.goto("/")
    follow(sophie, axe, "KSA portfolio")
    expect(sophie.get_by_text(f"{ksa_before + 1} of 9 criteria signed off")).to_be_visible()
    row = sophie.get_by_role("row").filter(has_text=re.compile(r"^\s*10\. "))
    expect(row).to_contain_text("Signed off")
    row.get_by_role("link", name=re.compile(r"claim for criterion 10$")).click()
    history = sophie.get_by_role("table", name="Every change of status, oldest first").get_by_role("row")
    expect(history).to_have_text([
        re.compile(r"When\s+Who\s+What\s+Comment"),
        re.compile(r"Sophie Lang\s+Submit: draft to submitted"),
        re.compile(r"Rachel Adeyemi\s+Return: submitted to returned.*" + re.escape(RETURN_COMMENT), re.S),
        re.compile(r"Sophie Lang\s+Change: returned to returned"),
        re.compile(r"Sophie Lang\s+Submit: returned to submitted"),
        re.compile(r"Rachel Adeyemi\s+Sign off \(discussion\): submitted to signed off"),
    ])
