"""Browser journeys: Playwright driving Debian's Chromium against the app served on 127.0.0.1.

Each test module gets its own server on a fresh demo database (SQLite in a temporary folder, migrated and
loaded exactly as `waymark db upgrade && waymark demo` would), so journeys never depend on each other's
leftovers. Nothing here downloads a browser: `CHROMIUM_PATH`, else `chromium` on the PATH, else
/usr/bin/chromium. Run with `make test-browser` (these tests are deselected from `make test`).

Helpers every journey uses:
- `sign_in(page, email)` signs in through the real form;
- `axe(page)` runs axe-core (node_modules/axe-core, pinned in package-lock.json) on the page once per
  distinct page (path with numbers folded), and fails on any WCAG 2.0/2.1/2.2 A or AA violation;
- every page records Content-Security-Policy violations and uncaught script errors; a journey fails if any
  happened;
- a failing test leaves a full-page screenshot in tests/_artifacts/browser/.
"""
from __future__ import annotations

import os
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "_artifacts" / "browser"
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
#: The axe-core rule tags the issue names: WCAG 2.0, 2.1 and 2.2, levels A and AA.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
#: Every demo account's password (app.services.demo.DEMO_PASSWORD).
DEMO_PASSWORD = "waymark-demo-2026"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if Path(str(item.fspath)).is_relative_to(Path(__file__).parent):
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


# --- the server -----------------------------------------------------------------------------------

class LiveServer:
    def __init__(self, app: Any, url: str) -> None:
        self.app = app
        self.url = url

    def session(self) -> Any:
        """A database session on the served database, for arranging or checking what the browser cannot."""
        return self.app.extensions["waymark.sessions"]()


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    from app import create_app
    from app.config import evidence_dir
    from app.services import accounts
    from app.services.demo import load_demo
    from models import schema

    folder = tmp_path_factory.mktemp("live")
    app = create_app({
        "ENV_NAME": "testing",
        "DATABASE_URL": f"sqlite:///{folder / 'waymark.db'}",
        "UPLOAD_DIR": str(folder / "uploads"),
        "JOBS_DIR": str(folder / "jobs"),
    }, instance_path=folder / "instance")
    schema.upgrade(app.extensions["waymark.engine"])
    session = app.extensions["waymark.sessions"]()
    try:
        load_demo(session, accounts.AuthSettings.from_config(app.config), evidence_dir=evidence_dir(app.config))
        session.commit()
    finally:
        session.close()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveServer(app, f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        worker = app.extensions.get("waymark.jobs")
        if worker is not None:
            worker.wait(120)
        app.extensions["waymark.engine"].dispose()


# --- the browser ----------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class PageProblems:
    """CSP violations and script errors seen by one page; a journey must end with none."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def watch(self, page: Any) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda err: self.messages.append(f"script error: {err}"))

    def _console(self, msg: Any) -> None:
        text = msg.text
        if msg.type == "error" and ("Content Security Policy" in text or "Refused to" in text):
            self.messages.append(f"{page_url(msg)}: {text}")


def page_url(msg: Any) -> str:
    location = msg.location or {}
    return str(location.get("url", ""))


def _screenshot_on_failure(request: pytest.FixtureRequest, page: Any, suffix: str = "") -> None:
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)[-150:]
        try:
            page.screenshot(path=str(ARTIFACTS / f"{name}{suffix}.png"), full_page=True)
        except Exception as err:  # noqa: BLE001 - a failed screenshot must not hide the test's own failure
            print(f"screenshot failed: {err}")


@pytest.fixture
def new_page(browser: Any, live_server: LiveServer, request: pytest.FixtureRequest) -> Iterator[Any]:
    """Call `new_page()` for a fresh browser context (its own cookies) and page; `javascript=False` turns
    scripts off. Each is screenshotted if the test fails, and checked for CSP violations when it ends."""
    opened: list[tuple[Any, Any, PageProblems]] = []

    def make(*, javascript: bool = True) -> Any:
        context = browser.new_context(base_url=live_server.url, java_script_enabled=javascript,
                                      accept_downloads=True, viewport={"width": 1280, "height": 900})
        context.set_default_timeout(15_000)
        page = context.new_page()
        page.waymark_javascript = javascript  # axe() needs scripts; see AxeChecker
        problems = PageProblems()
        problems.watch(page)
        opened.append((context, page, problems))
        return page

    yield make
    failures: list[str] = []
    for index, (context, page, problems) in enumerate(opened):
        _screenshot_on_failure(request, page, f"-{index}" if len(opened) > 1 else "")
        failures.extend(problems.messages)
        context.close()
    assert not failures, "the browser reported:\n" + "\n".join(failures)


@pytest.fixture
def page(new_page: Any) -> Any:
    return new_page()


# --- actions and checks ---------------------------------------------------------------------------

def sign_in(page: Any, email: str, password: str = DEMO_PASSWORD) -> None:
    """Sign in through the real form and wait for the home page."""
    page.goto("/login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    assert "/login" not in page.url, f"sign-in as {email} failed"


def sign_out(page: Any) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()


class AxeChecker:
    """axe-core on every distinct page of a run, once each; violations are collected and reported together."""

    def __init__(self) -> None:
        self.source = AXE_JS.read_text(encoding="utf-8")
        self.seen: set[str] = set()
        self.violations: list[str] = []

    @staticmethod
    def key(url: str) -> str:
        path = re.sub(r"^https?://[^/]+", "", url).split("#")[0]
        return re.sub(r"/\d+(?=/|$|\?)", "/<n>", path)

    def __call__(self, page: Any, *, again: bool = False) -> None:
        key = self.key(page.url)
        if key in self.seen and not again:
            return
        self.seen.add(key)
        if not getattr(page, "waymark_javascript", True):
            self._check_with_scripts(page, key)
            return
        self._run(page, key)

    def _check_with_scripts(self, page: Any, key: str) -> None:
        """axe.run never settles on a page whose scripts are off, so the same address is audited in a
        scripts-on context with this page's cookies (the same markup; a page that is the answer to a POST is audited as its GET)."""
        browser = page.context.browser
        context = browser.new_context(storage_state=page.context.storage_state())
        try:
            twin = context.new_page()
            twin.goto(page.url)
            self._run(twin, key)
        finally:
            context.close()

    def _run(self, page: Any, key: str) -> None:
        # evaluate() runs through the DevTools protocol, so the page's CSP (no inline scripts) does not block it.
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            page.evaluate(self.source)
        result = page.evaluate(
            "async (tags) => { const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}});"
            " return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
            " nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))})); }", WCAG_TAGS)
        for v in result:
            self.violations.append(f"{key}: {v['id']} ({v['impact']}): {v['help']} — {', '.join(v['nodes'])}")

    def assert_clean(self) -> None:
        assert not self.violations, "axe-core found WCAG A/AA violations:\n" + "\n".join(self.violations)


@pytest.fixture
def axe() -> Iterator[AxeChecker]:
    """`axe(page)` after each page load of a journey; the test fails at its end if any page had violations."""
    checker = AxeChecker()
    yield checker
    checker.assert_clean()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
