"""The authorisation matrix: every endpoint × every actor gets the answer its access rule gives.

Every endpoint in the URL map is public (security.PUBLIC_ENDPOINTS) or has a row in ENDPOINTS below naming
its rule; a new route without a row fails `test_every_endpoint_has_an_expectation`. Each row is checked for
each actor of tests/app/authz_world.py: GET answers must match exactly (200, 302 to sign in, a redirect
elsewhere, 403, 404); a POST (with a valid CSRF token and minimal data) must be refused (403/404/sign in)
for actors who may not act, and not refused for those who may (a 400 or a form with errors counts as allowed).

The world is built once per module (the demo plus the actors); GET checks run before POST checks, and
POSTs that remove or end things run last, so earlier checks see the objects intact. Where two actors may both
remove a thing, the later one gets an object of its own (world id "<key>@<actor>").
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import security
from app.services.demo import DEMO_PASSWORD
from tests.app import authz_world
from tests.app.authz_world import ACTORS
from tests.factories import PASSWORD

OK, LOGIN = 200, 302
#: A redirect somewhere other than the sign-in page (a role's home page, the shared-evidence page).
REDIRECT = "redirect"
REFUSED = frozenset({403, 404})
SIGNED_IN = frozenset(ACTORS) - {"anon"}

#: The roles each actor holds (see authz_world).
ROLES = {
    "owner": {"practitioner"}, "other": {"practitioner"},
    "sup": {"practitioner", "supervisor"}, "former": {"practitioner", "supervisor"},
    "unrelated": {"practitioner", "supervisor"}, "lm": {"line_manager"}, "lead": {"service_lead"},
    "other_lead": {"service_lead"}, "hr": {"hr"}, "other_hr": {"hr"}, "admin": {"admin"},
    "tutor": {"course_tutor"}, "anon": set(),
}
#: Those who may see the owner (access.can_view_person): themselves and everyone looking after them today.
SEE_PERSON = {"owner", "sup", "tutor", "lm", "lead", "hr"}
#: Those whose HR records scope covers the owner (staff_scope.covers).
COVERS = {"owner", "lm", "lead", "hr"}


# --- rules: actor -> expected GET answer; `allowed` is who may act by POST ------------------------------

Answer = int | frozenset[int] | str


class Rule:
    def __init__(self, name: str, get: dict[str, Answer], default: Answer, allowed: set[str] | None = None) -> None:
        self.name, self._get, self._default = name, get, default
        self.allowed = allowed if allowed is not None else {a for a, s in get.items() if s == OK}

    def get(self, actor: str) -> Answer:
        if actor == "anon":
            return LOGIN
        return self._get.get(actor, self._default)


def only(name: str, ok: set[str], others: Answer = 404, **special: Answer) -> Rule:
    return Rule(name, {**{a: OK for a in ok}, **special}, others, ok)


def role(r: str) -> Rule:
    return only(f"role:{r}", {a for a in SIGNED_IN if r in ROLES[a]}, 403)


def roles(name: str, *rs: str, others: Answer = 403) -> Rule:
    return only(name, {a for a in SIGNED_IN if ROLES[a] & set(rs)}, others)


SIGNED = only("signed_in", set(SIGNED_IN))
#: The start page sends everyone signed in to their role's home page (home.index).
ROLE_HOME = Rule("role_home", {}, REDIRECT, allowed=set(SIGNED_IN))
#: Private logs (logs.can_read_log): the owner, their supervisor and tutor today; hidden from everyone else.
LOG = only("log_read", {"owner", "sup", "tutor"})
#: Changing a log: the owner only; those who may read it are told no (403), others do not learn it exists.
LOG_WRITE = only("log_write", {"owner"}, sup=403, tutor=403)
#: A case outside training (logs.can_read_case), and contacts (clinical._load_for_contacts): not for the course
#: tutor, who does not learn they exist (404), like a stranger.
CASE = only("case_read", {"owner", "sup"})
CASE_WRITE = only("case_write", {"owner"}, sup=403)
#: A supervisor's own work (supervision_given.can_read_own_work).
OWN = only("own_work", {"owner"})
#: Things the person alone changes in their own settings.
OWN_SETTINGS = only("own_settings", {"owner"}, REFUSED)
#: Acting as the owner's supervisor today (access.can_supervise).
SUPERVISE = only("supervise", {"sup"}, REFUSED)
#: The named referee who still supervises the owner (references.can_write_reference).
REFEREE = only("referee", {"sup"}, REFUSED)
#: Seeing the person (access.can_view_person): credentials, profile, documents.
PERSON = only("person", SEE_PERSON, REFUSED)
PERSON_WRITE = only("person_write", {"owner"}, REFUSED)
#: HR records (staff_scope.covers).
HR_RECORDS = only("covers", COVERS, REFUSED)
#: Skills (skill_mix.can_view_skills): covers plus can_view_person.
SKILLS = only("skills", COVERS | SEE_PERSON, REFUSED)
SKILLS_WRITE = only("skills_write", {"owner"}, REFUSED)
#: Those who may see the person but not their private records go to the items shared with HR
#: (evidence.evidence); adding evidence is the owner's alone, and those who see the person are told no.
EVIDENCE = only("evidence_read", {"owner", "sup", "tutor"}, lm=REDIRECT, lead=REDIRECT, hr=REDIRECT)
EVIDENCE_NEW = only("evidence_new", {"owner"}, sup=403, tutor=403, lm=403, lead=403, hr=403)
#: A supervisor's report on a supervisee: written by the supervisor today (access.can_supervise); the
#: supervisee and tutor may read the log, so they are told no.
REPORT_WRITE = only("report_write", {"sup"}, owner=403, tutor=403)
#: A private showcase document's options page (documents.options): the person, their supervisor and tutor
#: (may_issue: can_view_private_records); others who may see the person are told no.
PRIVATE_DOCUMENT = only("private_document", {"owner", "sup", "tutor"}, lm=403, lead=403, hr=403)
#: Appraisals and pay-step decisions: the current line manager.
DECIDE = only("decide", {"lm"}, REFUSED)
#: HR covering the owner (can_record_hr_standing / can_correct_progression).
HR_COVERING = only("hr_covering", {"hr"}, REFUSED)
HR_ANY = role("hr")
ADMIN = role("admin")
ADMIN_OR_HR = roles("admin_or_hr", "admin", "hr")
#: Relationships of the target person (in the owners' service): admin, and HR covering them.
RELATIONSHIP = only("relationship_of", {"admin", "hr"}, REFUSED)
STAFF_LISTS = roles("staff_lists", "hr", "service_lead", "line_manager")
#: Changing a post: HR within their services (posts.editable_services); HR for another service does not
#: learn the post exists; service leads read posts but do not change them.
POST_EDIT = only("post_edit", {"hr"}, 403, other_hr=404)
#: Service-wide HR pages for HR and service leads.
HR_OR_LEAD = roles("hr_or_lead", "hr", "service_lead")
#: The owners' service: its lead and HR covering it (skill_mix.can_manage_skill_mix).
SERVICE = only("service", {"lead", "hr"}, REFUSED)
#: A job the owner started (job_access).
OWN_JOB = only("own_job", {"owner"})

#: endpoint -> (rule, URL parameters as world keys, whose records); params default to {"user_id": owner}.
P = dict[str, str]
ENDPOINTS: dict[str, tuple[Rule, P, str]] = {}


def add(rule: Rule, *endpoints: str, owner: str = "sophie", **params: str) -> None:
    for endpoint in endpoints:
        assert endpoint not in ENDPOINTS, endpoint
        ENDPOINTS[endpoint] = (rule, params, owner)


# --- home, account, people ---------------------------------------------------------------------------
add(ROLE_HOME, "home.index")
add(SIGNED, "auth.change_password", "auth.logout", "jobs.index", "jobs.personal_data")
for r in ("admin", "hr", "line_manager", "practitioner", "service_lead", "supervisor"):
    add(role(r), f"home.{r}")
add(role("course_tutor"), "home.tutor")
add(PERSON, "people.profile")
add(OWN_JOB, "jobs.show", "jobs.download", "jobs.progress_json", "jobs.resume", job_id="job")

# --- admin -------------------------------------------------------------------------------------------
add(ADMIN, "admin.accounts", "admin.account_new", "admin.audit", "admin.audit_verify", "admin.organisation",
    "admin.outbox", "admin.reference_data_upload")
add(ADMIN, "admin.account", "admin.account_active", "admin.account_add_role", "admin.account_leave",
    "admin.account_leaving_date", "admin.account_profile", "admin.account_registration",
    "admin.account_reset_link", "admin.account_working_pattern", user_id="user:target")
add(ADMIN, "admin.account_leave_end", user_id="user:target", leave_id="leave")
add(ADMIN, "admin.account_remove_role", user_id="user:target", grant_id="target_grant")
add(ADMIN, "admin.outbox_mail", mail_id="mail")
add(ADMIN, "admin.service", service_id="service")
add(ADMIN, "admin.team", team_id="team")
add(ADMIN_OR_HR, "admin.reference_data", "admin.relationships", "admin.relationship_new")
add(ADMIN_OR_HR, "admin.reference_data_file", "admin.reference_data_download", file_id="reference_file")
add(ADMIN_OR_HR, "admin.reference_data_version", file_id="reference_file", version="reference_version")
add(RELATIONSHIP, "admin.relationship_edit", "admin.relationship_end", rel_id="target_relationship")

# --- portfolio: private logs -------------------------------------------------------------------------
add(LOG, "portfolio.cpd", "portfolio.supervision", "portfolio.supervision_summary", "portfolio.cases",
    "portfolio.dashboard", "portfolio.ctsr", "portfolio.training", "portfolio.ksa",
    "portfolio.ksa_biography", "portfolio.ksa_documents", "portfolio.ksa_experience", "portfolio.ksa_study",
    "portfolio.ksa_references", "portfolio.frameworks", "portfolio.levels_index", "portfolio.reports",
    "portfolio.contracts")
add(LOG, "portfolio.framework_coverage", framework_id="level_framework")
add(LOG, "portfolio.levels", owner="owen", framework_id="level_framework")
add(LOG, "portfolio.nmc", owner="daniel")
add(LOG, "portfolio.live_assessments", owner="amira")
add(LOG, "portfolio.cpd_entry", entry_id="cpd")
add(LOG, "portfolio.supervision_entry", entry_id="supervision")
add(LOG, "portfolio.ctsr_entry", rating_id="ctsr")
add(LOG, "portfolio.training_course", course_id="training")
add(LOG, "portfolio.claim", claim_id="claim")
add(CASE, "portfolio.case_entry", case_id="case")
add(CASE, "portfolio.contacts")
add(CASE_WRITE, "portfolio.contact_new")
add(LOG_WRITE, "portfolio.cpd_new", "portfolio.supervision_new", "portfolio.case_new",
    "portfolio.ctsr_new", "portfolio.training_new", "portfolio.ksa_biography_edit",
    "portfolio.ksa_experience_new", "portfolio.ksa_study_new", "portfolio.ksa_reference_new",
    "portfolio.ksa_route_form")
#: A new claim names its framework and item in the query string.
add(LOG_WRITE, "portfolio.claim_new", framework="claim_framework", item="claim_item")
add(REPORT_WRITE, "portfolio.report_new")
add(LOG_WRITE, "portfolio.cpd_edit", "portfolio.cpd_delete", "portfolio.cpd_undo", entry_id="cpd")
add(LOG_WRITE, "portfolio.supervision_edit", "portfolio.supervision_delete", "portfolio.supervision_undo",
    entry_id="supervision")
add(CASE_WRITE, "portfolio.case_edit", "portfolio.case_delete", "portfolio.case_undo", case_id="case")
add(CASE_WRITE, "portfolio.contact_edit", "portfolio.contact_delete", "portfolio.contact_undo", contact_id="contact")
add(LOG_WRITE, "portfolio.ctsr_edit", "portfolio.ctsr_delete", "portfolio.ctsr_undo", rating_id="ctsr")
add(LOG_WRITE, "portfolio.training_edit", "portfolio.training_delete", "portfolio.training_undo",
    course_id="training_spare")
add(LOG_WRITE, "portfolio.training_part_new", course_id="training", part="training_part")
add(LOG_WRITE, "portfolio.training_part_edit", "portfolio.training_part_delete", "portfolio.training_part_undo",
    course_id="training", part="training_part", entry_id="training_hours")
add(LOG_WRITE, "portfolio.claim_edit", "portfolio.claim_delete", "portfolio.claim_recall", "portfolio.claim_submit",
    "portfolio.claim_undo", claim_id="claim")
add(LOG_WRITE, "portfolio.ksa_experience_edit", "portfolio.ksa_experience_delete", "portfolio.ksa_experience_undo",
    entry_id="ksa_experience")
add(LOG_WRITE, "portfolio.ksa_study_edit", "portfolio.ksa_study_delete", "portfolio.ksa_study_undo",
    entry_id="ksa_study")
add(LOG_WRITE, "portfolio.ksa_reference_cancel", request_id="reference")
add(LOG_WRITE, "portfolio.report_acknowledge", report_id="report")
add(LOG_WRITE, "portfolio.live_assessment_new", owner="amira")
add(LOG_WRITE, "portfolio.live_assessment_edit", "portfolio.live_assessment_delete",
    "portfolio.live_assessment_undo", owner="amira", entry_id="live_assessment")
add(LOG_WRITE, "portfolio.nmc_account_new", "portfolio.nmc_discussion_new", "portfolio.nmc_feedback_new",
    "portfolio.nmc_practice_new", owner="daniel")
for part, key in (("account", "nmc_account"), ("discussion", "nmc_discussion"), ("feedback", "nmc_feedback"),
                  ("practice", "nmc_practice")):
    add(LOG_WRITE, f"portfolio.nmc_{part}_edit", f"portfolio.nmc_{part}_delete", f"portfolio.nmc_{part}_undo",
        owner="daniel", entry_id=key)
#: Rating a level: the owner (self) or their supervisor today (level_ratings.role_of).
add(only("rate_level", {"owner", "sup"}, sup=OK, tutor=403), "portfolio.level_rate", owner="owen",
    framework_id="level_framework", item_id="level_item")
#: Contracts: the supervisee or the supervisor of the relationship while it is current.
add(only("contract", {"owner", "sup"}, REFUSED, tutor=REFUSED), "portfolio.contract_new",
    relationship_id="sup_relationship")
add(only("contract", {"owner", "sup"}, REFUSED, tutor=REFUSED), "portfolio.contract_edit", contract_id="contract")
add(SUPERVISE, "portfolio.countersign_list")
add(SUPERVISE, "portfolio.countersign_session", entry_id="supervision")
add(SUPERVISE, "portfolio.countersign_rating", rating_id="ctsr")
add(SUPERVISE, "portfolio.claim_review", "portfolio.claim_return", "portfolio.claim_sign_off",
    "portfolio.claim_withdraw", claim_id="claim")
add(OWN_SETTINGS, "portfolio.notification_settings")

# --- portfolio: evidence and credentials ---------------------------------------------------------------
add(EVIDENCE, "portfolio.evidence")
add(LOG, "portfolio.evidence_item", "portfolio.evidence_download", "portfolio.evidence_preview", item_id="evidence")
add(EVIDENCE_NEW, "portfolio.evidence_new")
add(LOG_WRITE, "portfolio.evidence_edit", "portfolio.evidence_delete", "portfolio.evidence_undo",
    "portfolio.evidence_links", item_id="evidence")
#: Items the owner shared with HR: everyone who may see the person (evidence.can_see_shared).
add(PERSON, "portfolio.evidence_shared")
add(PERSON, "portfolio.credentials")
add(PERSON_WRITE, "portfolio.credential_new")
add(PERSON_WRITE, "portfolio.credential_edit", "portfolio.credential_evidence", "portfolio.credential_delete",
    credential_id="credential")

# --- portfolio: a supervisor's own work (Nadia) ------------------------------------------------------
add(OWN, "portfolio.supervision_given", "portfolio.given_outside", "portfolio.given_outside_new",
    "portfolio.supervisor_training", "portfolio.supervisor_training_new", "portfolio.feedback",
    "portfolio.feedback_asked", owner="nadia")
add(OWN, "portfolio.given_outside_edit", "portfolio.given_outside_delete", "portfolio.given_outside_undo",
    owner="nadia", entry_id="given_outside")
add(OWN, "portfolio.supervisor_training_edit", "portfolio.supervisor_training_delete",
    "portfolio.supervisor_training_undo", owner="nadia", entry_id="supervisor_training")
#: Answering a supervisor's feedback request: the person asked (Sophie).
add(OWN, "portfolio.feedback_answer", request_id="feedback_request")

# --- outside links -------------------------------------------------------------------------------------
#: Read by those who may read the log; links are made (POST) by the owner alone.
add(Rule("supervision_links", LOG._get, LOG._default, allowed={"owner"}), "outside.supervision_links")
add(LOG_WRITE, "outside.reference_link_new", request_id="outside_reference")
add(only("log_write", {"owner"}, sup=403, tutor=403), "outside.link_revoke", owner="leah", link_id="outside_link")
add(REFEREE, "outside.write_reference", request_id="reference")

# --- documents and leavers -------------------------------------------------------------------------------
add(PERSON, "documents.person_documents")
#: Only showcase kinds (all PRIVATE) have an options page.
add(PRIVATE_DOCUMENT, "documents.document_options", kind_id="showcase_document")
#: The progression pack is an HR document: the person themself and everyone whose HR scope covers them (their
#: line manager, service lead and HR) may ask for it (documents.may_issue).
add(HR_RECORDS, "documents.request_document", kind_id="hr_document")
add(STAFF_LISTS, "documents.bulk")
add(HR_ANY, "leavers.leaver_list")
#: A leaver's personal data: HR covering them (leavers.can_export_for).
add(HR_COVERING, "leavers.personal_data", user_id="user:leaver")

# --- staff: HR, service leads and line managers ------------------------------------------------------
add(STAFF_LISTS, "staff.directory", "staff.dashboard", "staff.progression_round")
#: The people behind one of the dashboard's figures (its contents are scoped like the dashboard's).
add(STAFF_LISTS, "staff.dashboard_people", section="dashboard_section", key="dashboard_key")
add(HR_OR_LEAD, "staff.posts")
#: Progression decisions are HR's oversight page (progression.progression_decisions: is_hr).
add(HR_ANY, "staff.progression_decisions")
add(HR_ANY, "staff.post_new")
add(POST_EDIT, "staff.post_edit", "staff.post_deactivate", post_id="post")
add(HR_RECORDS, "staff.employment", "staff.person_progression")
add(HR_COVERING, "staff.employment_change", "staff.progression_standing")
add(DECIDE, "staff.progression_appraisal", "staff.progression_decide")
add(HR_COVERING, "staff.progression_correct", decision_id="decision")
add(SKILLS, "staff.skills")
add(SKILLS_WRITE, "staff.skill_new", category="skill_category")
add(SKILLS_WRITE, "staff.skill_edit", "staff.skill_delete", record_id="skill")
add(SERVICE, "staff.skill_mix", "staff.skill_targets", service_id="service")
add(SERVICE, "staff.skill_target_remove", service_id="service", target_id="skill_target")
#: Staff imports: HR and administrators (staff_import_match.may_import).
add(ADMIN_OR_HR, "staff.import_upload", "staff.import_history", "staff.import_template")
#: An unknown upload: those who may import learn it is not there; others are refused first.
add(only("import", set(), 403, hr=404, other_hr=404, admin=404), "staff.import_check", "staff.import_apply",
    digest="import_digest")

#: Known failures: (endpoint, actor, method) -> the bug, reported to the lead.
BUGS: dict[tuple[str, str, str], str] = {}

# --- the world ----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def world_app(migrated_template: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Flask, Any]]:
    with authz_world.served(migrated_template, tmp_path_factory.mktemp("authz")) as served:
        yield served


class Clients:
    """One signed-in client per person, each with its CSRF token, made on first use."""

    def __init__(self, app: Flask, world: Any) -> None:
        self.app, self.world = app, world
        self._clients: dict[str, tuple[FlaskClient, str]] = {}

    def fresh(self, key: str) -> tuple[FlaskClient, str]:
        client = self.app.test_client()
        if key == "anon":
            return client, _token(client.get("/login").get_data(as_text=True))
        user = self.world.users[key]
        password = PASSWORD if user.email.startswith("authz-") else DEMO_PASSWORD
        token = _token(client.get("/login").get_data(as_text=True))
        response = client.post("/login", data={"csrf_token": token, "email": user.email, "password": password})
        assert response.status_code == 302, (key, response.get_data(as_text=True)[:500])
        return client, _token(client.get("/account/password").get_data(as_text=True))

    def __call__(self, key: str) -> tuple[FlaskClient, str]:
        if key not in self._clients:
            self._clients[key] = self.fresh(key)
        return self._clients[key]


def _token(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no CSRF token"
    return match.group(1)


@pytest.fixture(scope="module")
def clients(world_app: tuple[Flask, Any]) -> Clients:
    return Clients(*world_app)


def _url(app: Flask, world: Any, endpoint: str, actor: str) -> str:
    """The endpoint's URL: path arguments (and query arguments, the params the rule has no place for) from the
    world's ids, taking the actor's own object ("<key>@<actor>") where the world has one."""
    rule_, params, owner = ENDPOINTS[endpoint]
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    values: dict[str, Any] = {}
    for arg in set(rule.arguments) | set(params):
        key = params.get(arg, f"user:{owner}" if arg == "user_id" else arg)
        values[arg] = world.ids.get(f"{key}@{actor}", world.ids[key])
    with app.test_request_context():
        from flask import url_for
        return url_for(endpoint, **values)


def _send(client: FlaskClient, method: str, url: str, **kwargs: Any) -> Any:
    """The response, read and closed: a streamed body (stream_with_context) left open keeps its request's
    context, and with it the signed-in user, pushed into the next request."""
    response = client.open(url, method=method, **kwargs)
    response.get_data()
    response.close()
    return response


def _person(actor: str, owner: str) -> str:
    return owner if actor == "owner" else actor


# --- the checks ---------------------------------------------------------------------------------------

def _methods(app: Flask) -> dict[str, set[str]]:
    return {r.endpoint: set(r.methods or ()) - {"HEAD", "OPTIONS"} for r in app.url_map.iter_rules()}


def test_every_endpoint_has_an_expectation(world_app: tuple[Flask, Any]) -> None:
    app, _world = world_app
    endpoints = set(_methods(app))
    missing = sorted(endpoints - security.PUBLIC_ENDPOINTS - set(ENDPOINTS))
    assert missing == [], f"endpoints with no row in the authorisation matrix: {missing}"
    stale = sorted(set(ENDPOINTS) - endpoints)
    assert stale == [], f"rows for endpoints that no longer exist: {stale}"
    assert not set(ENDPOINTS) & security.PUBLIC_ENDPOINTS


# --- the outside-link holder ----------------------------------------------------------------------------

def test_an_outside_link_holder_can_open_their_link_and_nothing_else(world_app: tuple[Flask, Any]) -> None:
    """Someone outside the Trust with a working single-use link (a referee): the link's page opens, and the
    link gives no other access — every other endpoint, read or write, sends them to sign in. (It runs before
    the POST checks, one of which makes a newer link for the same request and so retires this one.)"""
    app, world = world_app
    client = app.test_client()
    page = _send(client, "GET", f"/outside/{world.outside_token}")
    assert page.status_code == 200
    token = _token(client.get(f"/outside/{world.outside_token}").get_data(as_text=True))
    forged = world.outside_token[:-1] + ("A" if world.outside_token[-1] != "A" else "B")
    assert _send(client, "GET", f"/outside/{forged}").status_code == 404
    methods = _methods(app)
    wrong: list[str] = []
    for endpoint in sorted(ENDPOINTS):
        url = _url(app, world, endpoint, "anon")
        for method in sorted(methods[endpoint] & {"GET", "POST"}):
            response = _send(client, method, url, data={"csrf_token": token} if method == "POST" else None)
            if not (response.status_code == 302 and (response.location or "").startswith("/login")):
                wrong.append(f"{method} {endpoint}: {_describe(response)}")
    assert wrong == [], "an outside-link holder reached:\n" + "\n".join(wrong)
    # The link still works afterwards: none of that used it up.
    assert _send(client, "GET", f"/outside/{world.outside_token}").status_code == 200


_LAST = ("delete", "remove", "deactivate", "_end", "revoke", "cancel", "withdraw", "recall", "active", "logout")


def _post_order(endpoint: str) -> tuple[int, str]:
    if endpoint.endswith("_undo"):
        return 2, endpoint
    return (1 if any(word in endpoint for word in _LAST) else 0), endpoint


GETS = [(e, a) for e in sorted(ENDPOINTS) for a in ACTORS]
POSTS = [(e, a) for e in sorted(ENDPOINTS, key=_post_order)
         for a in sorted(ACTORS, key=lambda a: a in ENDPOINTS[e][0].allowed)]


def _mark(endpoint: str, actor: str, method: str) -> Any:
    bug = BUGS.get((endpoint, actor, method))
    marks = [pytest.mark.xfail(strict=True, reason=f"BUG: {bug}")] if bug else []
    return pytest.param(endpoint, actor, marks=marks, id=f"{endpoint}-{actor}")


def _describe(response: Any) -> str:
    return f"{response.status_code} {response.location or ''}".strip()


@pytest.mark.parametrize(("endpoint", "actor"), [_mark(e, a, "GET") for e, a in GETS])
def test_get(world_app: tuple[Flask, Any], clients: Clients, endpoint: str, actor: str) -> None:
    app, world = world_app
    if "GET" not in _methods(app)[endpoint]:
        pytest.skip("POST only")
    rule, _params, owner = ENDPOINTS[endpoint]
    client, _token_ = clients(_person(actor, owner))
    response = _send(client, "GET", _url(app, world, endpoint, actor))
    expected = rule.get(actor)
    got = response.status_code
    if expected == LOGIN:
        assert got == 302 and response.location.startswith("/login"), _describe(response)
    elif expected == REDIRECT:
        assert got in (302, 303) and not (response.location or "/login").startswith("/login"), \
            f"{rule.name}: got {_describe(response)}, expected a redirect elsewhere than the sign-in page"
    elif isinstance(expected, frozenset):
        assert got in expected, f"{rule.name}: got {_describe(response)}, expected one of {sorted(expected)}"
    else:
        assert got == expected, f"{rule.name}: got {_describe(response)}, expected {expected}"


@pytest.mark.parametrize(("endpoint", "actor"), [_mark(e, a, "POST") for e, a in POSTS])
def test_post(world_app: tuple[Flask, Any], clients: Clients, endpoint: str, actor: str) -> None:
    app, world = world_app
    if "POST" not in _methods(app)[endpoint]:
        pytest.skip("GET only")
    rule, _params, owner = ENDPOINTS[endpoint]
    person = _person(actor, owner)
    client, token = clients.fresh(person) if endpoint == "auth.logout" else clients(person)
    response = _send(client, "POST", _url(app, world, endpoint, actor), data={"csrf_token": token})
    if endpoint == "auth.logout":
        clients._clients.pop(person, None)  # signing out ends all the person's sessions (accounts.sign_out)
    got = response.status_code
    to_login = got == 302 and (response.location or "").startswith("/login")
    if actor == "anon":
        assert to_login, _describe(response)
    elif endpoint == "auth.logout":
        # Signing out sends everyone to the sign-in page; it worked if the client is signed out afterwards.
        assert to_login, _describe(response)
        after = _send(client, "GET", "/account/password")
        assert after.status_code == 302 and after.location.startswith("/login"), _describe(after)
    elif actor in rule.allowed:
        assert got not in REFUSED and not to_login and got != 500, f"{rule.name}: {_describe(response)}"
    else:
        assert got in REFUSED, f"{rule.name}: got {_describe(response)}, expected a refusal"
