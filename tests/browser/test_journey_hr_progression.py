"""Journey 4: a line manager records an appraisal and confirms a pay step; HR exports the round as XLSX, makes a
progression pack PDF in the background, and the public verify page says the PDF is the one Waymark issued.
"""
from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from sqlalchemy import select

from tests.browser.conftest import sign_in, sign_out

pytestmark = pytest.mark.browser

GRACE = "grace.whitfield@northshire.example"
JOANNE = "joanne.kerr@northshire.example"
TOM = "Tom Okafor"
#: A PDF takes a few seconds with WeasyPrint; on a busy 2-core machine, allow well over that.
JOB_TIMEOUT_MS = 180_000


def _make_tom_overdue(live_server) -> None:
    """The demo's step dates all lie ahead, and a step is confirmed only from its step date: move Tom's band 5
    step 1 back so that its step date passed ten days ago (what the browser cannot do without an ESR import)."""
    from competences.windows import add_months
    from models import StaffProfile, User

    session = live_server.session()
    try:
        profile = session.scalar(select(StaffProfile).join(User, User.id == StaffProfile.user_id)
                                 .where(User.full_name == TOM))
        started = add_months(dt.date.today(), -24) - dt.timedelta(days=10)
        profile.step_started_on = profile.band_started_on = started
        session.commit()
    finally:
        session.close()


def _line_manager_confirms_the_step(page, axe) -> None:
    sign_in(page, GRACE)
    page.goto("/progression")
    axe(page)
    row = page.locator("tbody tr", has_text=TOM)
    assert row.get_by_text("Overdue").is_visible()
    row.get_by_role("link", name=TOM).click()
    axe(page)

    page.get_by_role("link", name=f"Record an appraisal of {TOM}").click()
    axe(page)
    page.get_by_label("Date of the appraisal").fill(dt.date.today().isoformat())
    page.get_by_label("In line with organisational standards", exact=True).check()
    page.get_by_label("Summary (optional)").fill("Objectives for the coming year agreed.")
    page.get_by_role("button", name="Save the appraisal").click()
    page.wait_for_load_state()
    assert page.get_by_text(f"Appraisal of {TOM} recorded.").is_visible()

    page.get_by_role("button", name="Record the pay-step decision").click()
    axe(page)
    page.get_by_label("Confirm the step").check()
    page.get_by_label("Reason").fill("Appraised this month; all five standards met.")
    page.get_by_role("button", name="Save the decision").click()
    page.wait_for_load_state()
    assert page.get_by_text(f"Step 2 for {TOM}: confirmed.").is_visible()
    axe(page, again=True)
    sign_out(page)


def _hr_exports_the_round(page, axe, tmp_path) -> None:
    from openpyxl import load_workbook

    page.goto("/")
    page.get_by_role("link", name="Pay progression round").click()
    axe(page)
    # Tom's next step (step 3, two years on) and everyone else's within three years.
    page.get_by_label("Show").select_option("custom")
    page.get_by_label("From").fill(dt.date.today().isoformat())
    page.get_by_label("To").fill((dt.date.today() + dt.timedelta(days=3 * 365)).isoformat())
    page.get_by_role("button", name="Show").click()
    page.wait_for_load_state()
    names = [n.strip() for n in page.locator("tbody tr td:first-child a").all_inner_texts()]
    assert TOM in names and len(names) >= 3
    tom = page.locator("tbody tr", has_text=TOM)
    assert tom.get_by_text("Band 5, Step 2 of 3").is_visible()

    with page.expect_download() as info:
        page.get_by_role("link", name="Excel (XLSX)").click()
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    sheet = load_workbook(io.BytesIO(target.read_bytes()), read_only=True).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    header, body = rows[0], rows[1:]
    assert header[:4] == ["Name", "Team", "Band", "Step"]
    assert [r[0] for r in body] == names
    tom_row = next(r for r in body if r[0] == TOM)
    assert str(tom_row[2]) == "5" and tom_row[3].startswith("Step 2 of 3")


def _hr_makes_the_pack(page, axe, tmp_path):
    page.goto("/staff")
    page.get_by_role("link", name=f"Pay and career for {TOM}").click()
    axe(page)
    page.get_by_role("link", name=TOM, exact=True).click()  # the back link to Tom's profile
    axe(page)
    page.get_by_role("link", name="Documents", exact=True).click()
    axe(page)
    page.get_by_role("button", name=re.compile(r"^Create PDF\s*: Progression pack$")).click()
    page.wait_for_load_state()
    assert re.search(r"/jobs/\d+$", page.url)
    # The job runs in the background; with JavaScript the page follows it and reloads itself when it ends.
    download_link = page.get_by_role("link", name=re.compile(r"^Download .+\.pdf$"))
    download_link.wait_for(timeout=JOB_TIMEOUT_MS)
    assert page.get_by_text("Failed parts").is_visible()
    assert page.locator("[data-field=failed]").inner_text() == "0"
    axe(page)
    with page.expect_download() as info:
        download_link.click()
    target = tmp_path / info.value.suggested_filename
    info.value.save_as(target)
    return target


def _choose_file(page, path) -> None:
    """Through NHS.UK's drop zone, as a person would: its button opens the browser's file chooser."""
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name=re.compile(r"^Upload the PDF")).click()
    chooser.value.set_files(str(path))
    assert page.locator(".nhsuk-file-upload__status").inner_text() == path.name


def _anyone_verifies(page, axe, pdf) -> None:
    from pypdf import PdfReader

    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    assert TOM in text and "Step 2" in text

    page.goto("/verify")
    axe(page)
    _choose_file(page, pdf)
    page.get_by_role("button", name="Check the document").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="This is the document Waymark issued, unaltered").is_visible()
    assert page.locator("#verdict dd").first.inner_text() == f"Progression pack – {TOM}"
    axe(page, again=True)

    # One byte changed inside the file: the same page says it was altered.
    altered = pdf.with_name("altered.pdf")
    middle = len(data) // 2
    altered.write_bytes(data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1:])
    _choose_file(page, altered)
    page.get_by_role("button", name="Check the document").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="This file has been altered").is_visible()
    assert not page.get_by_role("heading", name="This is the document Waymark issued, unaltered").count()


def test_a_confirmed_step_reaches_hr_export_and_a_verified_progression_pack(new_page, axe, live_server, tmp_path):
    _make_tom_overdue(live_server)
    page = new_page()
    _line_manager_confirms_the_step(page, axe)
    sign_in(page, JOANNE)
    _hr_exports_the_round(page, axe, tmp_path)
    pdf = _hr_makes_the_pack(page, axe, tmp_path)
    sign_out(page)
    _anyone_verifies(new_page(), axe, pdf)
