"""Sign-in by default, declared policies on every route, CSRF, headers, assets and error pages."""
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app import security
from app.security import requires, signed_in
from app.services import job_kinds, jobs, passwords
from models import AuditEvent, LoginThrottle, User
from models.jobs import JobStatus
from tests.factories import PASSWORD, make_user

EXPIRED = "This form has expired"


@pytest.fixture
def user(session):
    u = make_user(session)
    session.commit()
    return u


# --- CSRF --------------------------------------------------------------------------------------

@pytest.mark.parametrize("token", [None, "not-the-token"])
def test_signing_in_without_a_valid_csrf_token_is_refused_and_changes_nothing(client, session, user, token):
    client.get("/login")
    data = {"email": user.email, "password": PASSWORD}
    if token:
        data["csrf_token"] = token
    response = client.post("/login", data=data)
    assert response.status_code == 400
    assert EXPIRED in response.get_data(as_text=True)
    assert client.get("/practitioner").location.startswith("/login")
    assert session.scalar(select(func.count()).select_from(LoginThrottle)) == 0
    assert session.scalar(select(User.last_login_at).where(User.id == user.id)) is None


@pytest.mark.parametrize("token", [None, "not-the-token"])
def test_changing_a_password_without_a_valid_csrf_token_is_refused(client, session, user, login_as, token):
    login_as(user)
    data = {"current_password": PASSWORD, "new_password": "a brand new passphrase",
            "confirm_password": "a brand new passphrase"}
    if token:
        data["csrf_token"] = token
    response = client.post("/account/password", data=data)
    assert response.status_code == 400
    assert EXPIRED in response.get_data(as_text=True)
    session.expire_all()
    assert passwords.verify_password(session.get(User, user.id).password_hash, PASSWORD)
    assert client.get("/practitioner").status_code == 200


@pytest.mark.parametrize("token", [None, "not-the-token"])
def test_signing_out_without_a_valid_csrf_token_is_refused(client, session, user, login_as, token):
    login_as(user)
    events = session.scalar(select(func.count()).select_from(AuditEvent))
    response = client.post("/logout", data={"csrf_token": token} if token else {})
    assert response.status_code == 400
    assert EXPIRED in response.get_data(as_text=True)
    assert client.get("/practitioner").status_code == 200
    assert session.scalar(select(func.count()).select_from(AuditEvent)) == events


def test_a_token_from_another_session_is_refused(client, app, user):
    other = app.test_client()
    stolen = other.csrf_token("/login")
    client.get("/login")
    response = client.post("/login", data={"csrf_token": stolen, "email": user.email, "password": PASSWORD})
    assert response.status_code == 400


# --- headers -----------------------------------------------------------------------------------

def csp(response):
    return dict(part.strip().split(" ", 1) for part in response.headers["Content-Security-Policy"].split(";"))


@pytest.mark.parametrize("path", ["/login", "/forgot-password", "/no-such-page"])
def test_pages_carry_the_security_headers(client, path):
    response = client.get(path)
    policy = csp(response)
    assert policy["default-src"] == "'self'"
    assert policy["font-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["object-src"] == "'none'"
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert "http" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cache-Control"] == "no-store"


def _finished_job(app, session, owner):
    job = jobs.create(session, kind=job_kinds.PERSONAL_DATA, title="Export", actor=owner,
                      items=job_kinds.personal_data_items(), params={"person_id": owner.id, "evidence_dir": "/none"})
    folder = Path(app.config["JOBS_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"headers-{job.id}.zip").write_bytes(b"PK\x05\x06" + b"\x00" * 18)
    job.status, job.done = JobStatus.DONE, job.total
    job.result_file, job.result_name = f"headers-{job.id}.zip", "personal-data.zip"
    session.commit()
    return job


def every_kind_of_response(app, client, session, user, login_as):
    """One response of each kind the app sends, read and closed: name -> (status, headers)."""
    job = _finished_job(app, session, user)
    anonymous = app.test_client()
    requests = {
        "sign-in page": (anonymous, "GET", "/login"),
        "redirect to sign in": (anonymous, "GET", "/practitioner"),
        "public verify page": (anonymous, "GET", "/verify"),
        "not found": (anonymous, "GET", "/no-such-page"),
        "method not allowed": (anonymous, "GET", "/logout"),
        "refused form (CSRF)": (anonymous, "POST", "/login"),
        "static file": (anonymous, "GET", "/static/waymark.css"),
        "NHS.UK asset": (anonymous, "GET", "/nhsuk/nhsuk-frontend.min.js"),
        "signed-in page": (client, "GET", "/practitioner"),
        "JSON progress": (client, "GET", f"/jobs/{job.id}/progress.json"),
        "file download": (client, "GET", f"/jobs/{job.id}/download"),
    }
    login_as(user)
    answers = {}
    for name, (browser, method, url) in requests.items():
        with browser.open(url, method=method) as response:
            response.get_data()
            answers[name] = (response.status_code, response.headers)
    return answers


EXPECTED_STATUS = {"sign-in page": 200, "redirect to sign in": 302, "public verify page": 200, "not found": 404,
                   "method not allowed": 405, "refused form (CSRF)": 400, "static file": 200, "NHS.UK asset": 200,
                   "signed-in page": 200, "JSON progress": 200, "file download": 200}


def test_every_kind_of_response_carries_the_security_headers(app, client, session, user, login_as):
    answers = every_kind_of_response(app, client, session, user, login_as)
    assert {name: status for name, (status, _h) in answers.items()} == EXPECTED_STATUS
    for name, (_status, headers) in answers.items():
        policy = dict(part.strip().split(" ", 1) for part in headers["Content-Security-Policy"].split(";"))
        scripts = policy["script-src"].split()
        assert scripts[0] == "'self'" and len(scripts) == 2 and re.fullmatch(r"'nonce-[\w-]{16,}'", scripts[1]), name
        assert policy["font-src"] == "'self'", name
        assert policy["frame-ancestors"] == "'none'", name
        assert "unsafe-inline" not in headers["Content-Security-Policy"], name
        assert "unsafe-eval" not in headers["Content-Security-Policy"], name
        assert headers["X-Content-Type-Options"] == "nosniff", name
        assert headers["X-Frame-Options"] == "DENY", name
        assert headers["Referrer-Policy"] == "same-origin", name
        # HSTS is for production only: a developer's browser would otherwise refuse plain http://127.0.0.1.
        assert "Strict-Transport-Security" not in headers, name


def test_production_sends_hsts_on_every_kind_of_response(app, client, session, user, login_as):
    app.config["HSTS"] = True
    answers = every_kind_of_response(app, client, session, user, login_as)
    for name, (_status, headers) in answers.items():
        assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains", name


def test_signed_in_pages_are_not_cached(client, user, login_as):
    login_as(user)
    assert client.get("/practitioner").headers["Cache-Control"] == "no-store"


def test_inline_scripts_carry_this_responses_nonce(client):
    first, second = client.get("/login"), client.get("/login")
    nonce = csp(first)["script-src"].split("'nonce-")[1].rstrip("'")
    assert nonce != csp(second)["script-src"].split("'nonce-")[1].rstrip("'")
    html = first.get_data(as_text=True)
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
    assert inline, "expected the NHS.UK template's inline script"
    assert all(f'nonce="{nonce}"' in attrs for attrs in inline)


def test_the_expired_form_page_gives_its_scripts_this_responses_nonce(client):
    """The CSRF check runs before the other request hooks; its error page must still get a nonce."""
    response = client.post("/login", data={})
    assert response.status_code == 400
    nonce = csp(response)["script-src"].split("'nonce-")[1].rstrip("'")
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", response.get_data(as_text=True))
    assert nonce and inline and all(f'nonce="{nonce}"' in attrs for attrs in inline)


def test_pages_load_nothing_from_other_hosts(client):
    html = client.get("/login").get_data(as_text=True)
    assert not re.findall(r'<(?:script|link|img)\b[^>]*\b(?:src|href)="(?:https?:)?//', html)


def test_the_session_cookie_is_http_only_and_same_site(client):
    cookie = client.get("/login").headers["Set-Cookie"]
    assert cookie.startswith("waymark_session=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


# --- NHS.UK assets, served by the app ----------------------------------------------------------

@pytest.mark.parametrize(("path", "mimetype"), [
    ("/nhsuk/nhsuk-frontend.min.css", "text/css"),
    ("/nhsuk/nhsuk-frontend.min.js", "text/javascript"),
    ("/assets/images/nhsuk-icon-180.png", "image/png"),
    ("/static/waymark.css", "text/css"),
])
def test_the_nhsuk_frontend_is_served_by_the_app(client, path, mimetype):
    with client.get(path) as response:
        assert response.status_code == 200
        assert response.mimetype == mimetype
        assert "no-store" not in response.headers.get("Cache-Control", "")


def test_the_frontend_css_is_cached_for_a_year(client):
    with client.get("/nhsuk/nhsuk-frontend.min.css") as response:
        assert "max-age=31536000" in response.headers["Cache-Control"]


@pytest.mark.parametrize("path", [
    "/nhsuk/../package.json", "/nhsuk/index.js", "/nhsuk/nhsuk-frontend/../../../package.json",
    "/nhsuk/nhsuk-frontend.min.css.bak", "/assets/../package.json", "/assets/../../package.json",
    "/assets/images/no-such-icon.png"])
def test_nothing_else_of_the_frontend_package_is_served(client, path):
    with client.get(path) as response:
        assert response.status_code == 404


# --- every route declares who may use it -------------------------------------------------------

def test_public_endpoints_are_exactly_the_expected_ones():
    assert security.PUBLIC_ENDPOINTS == {
        "static", "assets.nhsuk_assets", "assets.nhsuk_dist", "auth.login", "auth.forgot_password",
        "auth.reset_password", "health.health",
        # Single-use token pages for outside supervisors and referees (app/outside).
        "outside.link", "outside.done",
        # Checking an issued document (app/verify).
        "verify.verify"}


def test_every_endpoint_is_public_or_declares_a_policy(app):
    undeclared = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if rule.endpoint in security.PUBLIC_ENDPOINTS:
            continue
        if not getattr(view, "__waymark_policy__", None):
            undeclared.append(rule.endpoint)
    assert undeclared == []


def test_every_public_endpoint_is_marked_public_on_its_view(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert security.PUBLIC_ENDPOINTS <= endpoints
    for endpoint in security.PUBLIC_ENDPOINTS - {"static"}:
        assert getattr(app.view_functions[endpoint], "__waymark_public__", False), endpoint


def test_no_view_outside_the_list_calls_itself_public(app):
    marked = {e for e, view in app.view_functions.items() if getattr(view, "__waymark_public__", False)}
    assert marked <= security.PUBLIC_ENDPOINTS


def test_every_page_that_is_not_public_sends_an_anonymous_visitor_to_sign_in(client, app):
    checked = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in security.PUBLIC_ENDPOINTS or rule.arguments or "GET" not in rule.methods:
            continue
        response = client.get(rule.rule)
        assert response.status_code == 302, rule.rule
        assert response.location.startswith("/login?next="), rule.rule
        checked.append(rule.rule)
    assert {"/", "/practitioner", "/hr", "/admin", "/account/password"} <= set(checked)


def test_pages_with_parameters_also_need_sign_in(client, user):
    assert client.get(f"/people/{user.id}").location.startswith("/login")


def test_an_unknown_address_is_a_404_not_a_sign_in_page(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


# --- health ------------------------------------------------------------------------------------

def test_health_answers_without_sign_in(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.is_json
    assert response.get_json()["status"] == "ok"


# --- errors ------------------------------------------------------------------------------------

def test_an_unexpected_error_shows_a_plain_page_without_a_stack_trace(app, client, user, login_as):
    def explode():
        raise RuntimeError("secret internal detail in /srv/waymark/app.py")

    app.add_url_rule("/test-only-explode", "test_only_explode", requires(signed_in)(explode))
    login_as(user)
    response = client.get("/test-only-explode")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in html
    assert "Traceback" not in html and "secret internal detail" not in html and "RuntimeError" not in html


def test_the_method_not_allowed_page_is_friendly(client):
    response = client.get("/logout")
    assert response.status_code == 405
    assert "That action is not allowed here" in response.get_data(as_text=True)
