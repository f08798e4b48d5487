"""Hostile input (tests/app/hostile_corpus.py) in every form: refused with a message beside the field, or stored
and shown as inert text; never a 500.

The walk visits every page of the authorisation matrix (tests/app/test_authorisation_matrix.ENDPOINTS) as someone
allowed to use it, finds its forms, and submits each free-text field in turn with a hostile value while the other
fields keep what the page offered (an edit page offers a valid record, so the hostile value reaches the database).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.services.demo import DEMO_PASSWORD
from tests.app import authz_world
from tests.app import hostile_corpus as corpus
from tests.app.test_authorisation_matrix import ENDPOINTS, _token, _url
from tests.factories import PASSWORD

#: Forms the walk leaves alone: signing out, and those that remove, end or hand on the world's objects.
SKIP_ACTIONS = ("/logout", "delete", "remove", "deactivate", "/end", "revoke", "cancel", "withdraw", "recall",
                "undo", "active", "reset-link", "/sign-off", "/return", "/submit", "leave/")
#: Preference order for the actor who uses a page (the first the matrix allows).
ACTOR_ORDER = ("owner", "sup", "lm", "hr", "admin", "lead", "tutor", "other")
TEXT_TYPES = {"text", "email", "search", "tel", "url", "number", "date", "password", None}


# --- reading forms out of a page ------------------------------------------------------------------------------

@dataclasses.dataclass
class Field:
    name: str
    kind: str  # input type, "textarea" or "select"
    value: str | None = None
    checked: bool = False
    options: list[tuple[str, bool]] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Form:
    page: str
    action: str
    method: str
    multipart: bool
    fields: list[Field]

    def text_fields(self) -> list[str]:
        names = [f.name for f in self.fields if f.kind in TEXT_TYPES | {"textarea"} and f.name != "csrf_token"]
        return list(dict.fromkeys(names))

    def baseline(self) -> dict[str, list[str]]:
        """What a browser sends for the form as the page shows it (the first radio when none is checked)."""
        data: dict[str, list[str]] = {}
        radios: dict[str, list[Field]] = {}
        for f in self.fields:
            if f.kind in {"submit", "button", "file", "image", "reset"}:
                continue
            if f.kind == "radio":
                radios.setdefault(f.name, []).append(f)
            elif f.kind == "checkbox":
                if f.checked:
                    data.setdefault(f.name, []).append(f.value or "y")
            elif f.kind == "select":
                chosen = [v for v, sel in f.options if sel] or [v for v, _sel in f.options[:1]]
                data.setdefault(f.name, []).extend(chosen)
            else:
                data.setdefault(f.name, []).append(f.value or "")
        for name, group in radios.items():
            chosen_radio = next((f for f in group if f.checked), group[0])
            data[name] = [chosen_radio.value or "on"]
        return data


class FormParser(HTMLParser):
    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page, self.forms, self._form = page, [], None  # type: ignore[var-annotated]
        self._textarea: Field | None = None
        self._select: Field | None = None
        self._option: tuple[str | None, bool] | None = None
        self._option_text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form":
            self._form = Form(self.page, a.get("action") or self.page, (a.get("method") or "get").lower(),
                              (a.get("enctype") or "") == "multipart/form-data", [])
            self.forms.append(self._form)
        elif self._form is None or "disabled" in a:
            return
        elif tag == "input" and a.get("name"):
            self._form.fields.append(Field(a["name"] or "", (a.get("type") or "text").lower(), a.get("value"),
                                           "checked" in a))
        elif tag == "textarea" and a.get("name"):
            self._textarea = Field(a["name"] or "", "textarea", "")
            self._form.fields.append(self._textarea)
        elif tag == "select" and a.get("name"):
            self._select = Field(a["name"] or "", "select")
            self._form.fields.append(self._select)
        elif tag == "option" and self._select is not None:
            self._option, self._option_text = (a.get("value"), "selected" in a), ""
        elif tag == "button" and a.get("name") and self._form is not None:
            self._form.fields.append(Field(a["name"] or "", "submit", a.get("value")))

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea.value = (self._textarea.value or "") + data
        if self._option is not None:
            self._option_text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            if self._textarea is not None and self._textarea.value and self._textarea.value.startswith("\n"):
                self._textarea.value = self._textarea.value[1:]
            self._textarea = None
        elif tag == "option" and self._select is not None and self._option is not None:
            value, selected = self._option
            self._select.options.append((value if value is not None else self._option_text.strip(), selected))
            self._option = None
        elif tag == "select":
            self._select = None


def forms_of(page: str, html: str) -> list[Form]:
    parser = FormParser(page)
    parser.feed(html)
    return parser.forms


# --- is the page safe? -----------------------------------------------------------------------------------------

class Injected(HTMLParser):
    """Finds markup that can only have come from the hostile input: event handlers, javascript: URLs, our tags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=…>")
            if name in {"href", "src", "action", "formaction", "data"} and (value or "").strip().lower().startswith(
                    "javascript:"):
                self.found.append(f"<{tag} {name}={value}>")
        if tag == "img" and dict(attrs).get("src") == "x":
            self.found.append("<img src=x>")
        self._script = tag == "script"

    def handle_data(self, data: str) -> None:
        if self._script and "alert(" in data:
            self.found.append("<script> with alert(")

    def handle_endtag(self, tag: str) -> None:
        self._script = False


def assert_inert(html: str, where: str) -> None:
    parser = Injected()
    parser.feed(html)
    assert not parser.found, f"{where}: hostile input became markup: {parser.found}"
    for hostile in corpus.ATTACKS:
        assert hostile.danger not in html, f"{where}: {hostile.name} appears unescaped"


# --- the world ------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def world_app(migrated_template: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Flask, Any]]:
    with authz_world.served(migrated_template, tmp_path_factory.mktemp("hostile")) as served:
        yield served


class Clients:
    def __init__(self, app: Flask, world: Any) -> None:
        self.app, self.world = app, world
        self._clients: dict[str, tuple[FlaskClient, str]] = {}

    def __call__(self, key: str) -> tuple[FlaskClient, str]:
        if key not in self._clients:
            client = self.app.test_client()
            user = self.world.users[key]
            password = PASSWORD if user.email.startswith("authz-") else DEMO_PASSWORD
            token = _token(client.get("/login").get_data(as_text=True))
            response = client.post("/login", data={"csrf_token": token, "email": user.email, "password": password})
            assert response.status_code == 302, key
            self._clients[key] = client, _token(client.get("/account/password").get_data(as_text=True))
        return self._clients[key]


@pytest.fixture(scope="module")
def clients(world_app: tuple[Flask, Any]) -> Clients:
    return Clients(*world_app)


def _actor(endpoint: str) -> tuple[str, str] | None:
    rule, _params, owner = ENDPOINTS[endpoint]
    actor = next((a for a in ACTOR_ORDER if a in rule.allowed), None)
    if actor is None:
        return None
    return actor, (owner if actor == "owner" else actor)


def _read(response: Any) -> str:
    text = response.get_data(as_text=True)
    response.close()
    return text


@pytest.fixture(scope="module")
def walked(world_app: tuple[Flask, Any], clients: Clients) -> list[tuple[str, Form]]:
    """(person, form) for every form with free text on every page the matrix knows."""
    app, world = world_app
    found: list[tuple[str, Form]] = []
    get_endpoints = {r.endpoint for r in app.url_map.iter_rules() if "GET" in (r.methods or ())}
    for endpoint in sorted(set(ENDPOINTS) & get_endpoints):
        who = _actor(endpoint)
        if who is None:
            continue
        actor, person = who
        client, _t = clients(person)
        url = _url(app, world, endpoint, actor)
        response = client.get(url)
        if response.status_code != 200 or response.mimetype != "text/html":
            response.close()
            continue
        for form in forms_of(url, _read(response)):
            if any(word in form.action for word in SKIP_ACTIONS) or not form.text_fields():
                continue
            found.append((person, form))
    return found


def _submit(client: FlaskClient, token: str, form: Form, data: dict[str, list[str]]) -> Any:
    if form.method == "get":
        return client.get(form.action, query_string=data)
    payload: dict[str, Any] = {k: v for k, v in data.items()}
    payload["csrf_token"] = token
    if form.multipart:
        return client.post(form.action, data=payload, content_type="multipart/form-data")
    return client.post(form.action, data=payload)


def _follow(client: FlaskClient, response: Any, where: str) -> None:
    """A redirect's target must load and be inert too (that is where a stored value shows)."""
    location = response.location or ""
    if response.status_code in (301, 302, 303) and location and not urlsplit(location).netloc:
        landed = client.get(location)
        assert landed.status_code < 500, f"{where}: {location} answered {landed.status_code}"
        if landed.mimetype == "text/html":
            assert_inert(_read(landed), f"{where} → {location}")
        else:
            landed.close()


def test_the_walk_finds_the_forms(walked: list[tuple[str, Form]]) -> None:
    pages = {f.page for _p, f in walked}
    fields = sum(len(f.text_fields()) for _p, f in walked)
    print(f"\nwalk: {len(walked)} forms on {len(pages)} pages, {fields} free-text fields")
    for person, form in walked:
        print(f"  {person:10} {form.method.upper():4} {form.action} {form.text_fields()}")
    assert len(walked) > 40 and fields > 150


@pytest.mark.parametrize("hostile", corpus.WALK, ids=lambda h: h.name)
def test_every_text_field_survives_the_worst_strings(world_app: tuple[Flask, Any], clients: Clients,
                                                      walked: list[tuple[str, Form]], hostile: corpus.Hostile) -> None:
    failures: list[str] = []
    outcomes: dict[int, int] = {}
    accepted: list[str] = []
    for person, form in walked:
        client, token = clients(person)
        for name in form.text_fields():
            data = form.baseline()
            data[name] = [hostile.value]
            where = f"{form.method.upper()} {form.action} [{name}]"
            try:
                response = _submit(client, token, form, data)
            except Exception as err:  # the error page itself failed: as bad as a 500
                failures.append(f"{where}: raised {type(err).__name__}: {str(err)[:300]}")
                continue
            outcomes[response.status_code] = outcomes.get(response.status_code, 0) + 1
            if response.status_code != 400:
                accepted.append(f"{response.status_code} {where}")
            if response.status_code >= 500:
                failures.append(f"{where}: {response.status_code}")
                response.close()
                continue
            if response.mimetype == "text/html":
                try:
                    assert_inert(_read(response), where)
                except AssertionError as err:
                    failures.append(str(err))
            else:
                response.close()
            try:
                _follow(client, response, where)
            except AssertionError as err:
                failures.append(str(err))
    print(f"\n{hostile.name}: {outcomes}")
    if hostile in (corpus.NUL, corpus.LONG_10K):
        print("\n".join(accepted))
    assert not failures, "\n".join(failures)


# --- every string in a few representative forms ---------------------------------------------------------------

#: (what, form action pattern, the free-text field): CPD, supervision, a case, a claim's statement, a reflective
#: account, an admin creating an account, and HR changing a job title.
REPRESENTATIVE = (
    ("cpd-title", r"/cpd/\d+/edit$", "title"),
    ("cpd-reflection", r"/cpd/\d+/edit$", "reflection_learned"),
    ("supervision-themes", r"/supervision/\d+/edit$", "themes"),
    ("case-reference", r"/cases/\d+/edit$", "case_ref"),
    ("claim-statement", r"/claims/\d+/edit$", "statement_what_learned"),
    ("nmc-reflective-account", r"/reflective-accounts/\d+/edit$", "what_learned"),
    ("admin-new-account", r"/admin/accounts/new$", "full_name"),
    ("employment-job-title", r"/employment/change$", "job_title"),
)
#: What the page leaves empty but a valid submission needs.
EXTRA: dict[str, dict[str, list[str]]] = {
    "admin-new-account": {"roles": ["admin"], "service": [""]},
    "employment-job-title": {"effective_on": [dt.date.today().isoformat()], "band": ["6"], "pay_step": ["1"],
                             "reason": ["Promotion after interview"]},
}


def _representative(walked: list[tuple[str, Form]], pattern: str) -> tuple[str, Form]:
    import re

    return next((p, f) for p, f in walked if f.method == "post" and re.search(pattern, f.action))


def _error_beside(html: str, form: Form, name: str) -> bool:
    field_id = name  # WTForms ids are the field names here
    return f'id="{field_id}-error"' in html


@pytest.mark.parametrize("hostile", corpus.TEXT, ids=lambda h: h.name)
def test_each_string_is_refused_beside_its_field_or_stored_and_shown_inert(
        world_app: tuple[Flask, Any], clients: Clients, walked: list[tuple[str, Form]],
        hostile: corpus.Hostile) -> None:
    import markupsafe

    failures: list[str] = []
    for what, pattern, name in REPRESENTATIVE:
        person, form = _representative(walked, pattern)
        client, token = clients(person)
        data = form.baseline()
        data.update(EXTRA.get(what, {}))
        data[name] = [hostile.value]
        if what == "admin-new-account":  # a fresh address each time, so only the name can be the problem
            data["email"] = [f"hostile-{abs(hash((hostile.name, what)))}@example.org"]
        response = _submit(client, token, form, data)
        where = f"{what} ({hostile.name})"
        if response.status_code == 400:
            html = _read(response)
            assert_inert(html, where)
            if not _error_beside(html, form, name):
                failures.append(f"{where}: refused with no message beside {name}")
            continue
        if response.status_code != 302:
            failures.append(f"{where}: answered {response.status_code}")
            response.close()
            continue
        if hostile in (corpus.NUL, corpus.LONG_100K):
            failures.append(f"{where}: accepted")
        response.close()
        landed = client.get(response.location)
        html = _read(landed)
        assert landed.status_code == 200, f"{where}: {response.location} answered {landed.status_code}"
        assert_inert(html, f"{where} → {response.location}")
        if hostile in corpus.VERBATIM and what != "admin-new-account":
            shown = str(markupsafe.escape(hostile.value.strip()))
            if shown not in html:
                failures.append(f"{where}: the stored value is not shown as typed on {response.location}")
    assert not failures, "\n".join(failures)


# --- malformed dates and numbers -------------------------------------------------------------------------------

@pytest.mark.parametrize(("pattern", "field", "values"), [
    (r"/cpd/\d+/edit$", "start_on", corpus.BAD_DATES),
    (r"/cpd/\d+/edit$", "hours", corpus.BAD_NUMBERS),
    (r"/contacts/\d+/edit$", "count", corpus.BAD_NUMBERS),
    (r"/cases/\d+/edit$", "first_phq9", corpus.BAD_NUMBERS),
], ids=["cpd-date", "cpd-hours-decimal", "contact-count-integer", "case-score-integer"])
def test_malformed_dates_and_numbers_get_a_message_beside_the_field(
        world_app: tuple[Flask, Any], clients: Clients, walked: list[tuple[str, Form]], pattern: str, field: str,
        values: tuple[str, ...]) -> None:
    person, form = _representative(walked, pattern)
    client, token = clients(person)
    for value in values:
        data = form.baseline()
        data[field] = [value]
        response = _submit(client, token, form, data)
        html = _read(response)
        assert response.status_code == 400, f"{field}={value!r} answered {response.status_code}"
        assert _error_beside(html, form, field), f"{field}={value!r}: no message beside the field"


def test_a_number_with_spaces_round_it_is_the_number_or_refused(
        world_app: tuple[Flask, Any], clients: Clients, walked: list[tuple[str, Form]]) -> None:
    person, form = _representative(walked, r"/contacts/\d+/edit$")
    client, token = clients(person)
    for value, meant in corpus.LENIENT_NUMBERS:
        data = form.baseline()
        data["count"] = [value]
        response = _submit(client, token, form, data)
        html = _read(response)
        assert response.status_code in (302, 400), response.status_code
        if response.status_code == 400:
            assert _error_beside(html, form, "count")
        else:
            again = client.get(form.page)
            assert f'value="{meant}"' in _read(again), f"{value!r} was not stored as {meant}"


# --- hostile file names and polyglot files ----------------------------------------------------------------------

MINIMAL_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def _upload(client: FlaskClient, token: str, url: str, name: str, content: bytes, mimetype: str) -> Any:
    import io

    data = {"csrf_token": token, "title": "Hostile upload", "kind": "certificate",
            "dated_on": dt.date.today().isoformat(), "file": (io.BytesIO(content), name, mimetype)}
    return client.post(url, data=data, content_type="multipart/form-data")


def _check_served(client: FlaskClient, location: str, expected_type: str) -> str:
    """The item's download: an attachment of the sniffed type that browsers must not re-sniff; its stored name."""
    download = client.get(location + "/download")
    try:
        assert download.status_code == 200
        assert download.mimetype == expected_type
        assert download.headers["X-Content-Type-Options"] == "nosniff"
        assert download.headers["Content-Disposition"].startswith("attachment;")
        assert "sandbox" in download.headers["Content-Security-Policy"]
        return download.headers["Content-Disposition"]
    finally:
        download.close()


@pytest.mark.parametrize(("label", "name"), corpus.FILE_NAMES, ids=[n for n, _ in corpus.FILE_NAMES])
def test_hostile_file_names_are_refused_or_stored_without_any_path(
        world_app: tuple[Flask, Any], clients: Clients, label: str, name: str) -> None:
    app, world = world_app
    client, token = clients("sophie")
    url = f"/people/{world.ids['user:sophie']}/evidence/new"
    response = _upload(client, token, url, name, MINIMAL_PDF + label.encode(), "application/pdf")
    html = _read(response)
    assert response.status_code in (302, 400), response.status_code
    if response.status_code == 400:
        assert 'id="file-error"' in html, f"{label}: refused with no message beside the file"
        assert_inert(html, label)
        return
    assert name.lower().endswith(".pdf"), f"{label}: a name not ending .pdf was accepted"
    disposition = _check_served(client, response.location, "application/pdf")
    plain = disposition.split('filename="', 1)[1].split('"', 1)[0]
    assert "/" not in plain and "\\" not in plain and not plain.startswith(".") and "\r" not in disposition
    from models.evidence import EvidenceItem
    from sqlalchemy import select

    session = app.extensions["waymark.sessions"]()
    try:
        item = session.scalars(select(EvidenceItem).order_by(EvidenceItem.id.desc()).limit(1)).one()
        assert "/" not in item.file_name and "\\" not in item.file_name and len(item.file_name) <= 255
        assert not any(ord(c) < 32 for c in item.file_name)
    finally:
        session.close()
    store = Path(app.config["UPLOAD_DIR"])
    assert not any(p.name == name.rsplit("/", 1)[-1] for p in store.rglob("*")), "the upload's name became a path"
    landed = client.get(response.location)
    assert_inert(_read(landed), label)


@pytest.mark.parametrize(("label", "name", "content", "mimetype"), corpus.polyglots(),
                         ids=[p[0] for p in corpus.POLYGLOTS])
def test_polyglot_files_are_refused_by_content_or_served_only_as_their_sniffed_type(
        world_app: tuple[Flask, Any], clients: Clients, label: str, name: str, content: bytes,
        mimetype: str) -> None:
    _app, world = world_app
    client, token = clients("sophie")
    response = _upload(client, token, f"/people/{world.ids['user:sophie']}/evidence/new", name, content, mimetype)
    html = _read(response)
    if label == "pdf-with-javascript":
        # It is a PDF, so it is kept; it leaves only as a sandboxed, non-sniffed PDF attachment.
        assert response.status_code == 302, response.status_code
        _check_served(client, response.location, "application/pdf")
        return
    assert response.status_code == 400, f"{label}: answered {response.status_code}"
    assert 'id="file-error"' in html
    assert_inert(html, label)


# --- PDFs -----------------------------------------------------------------------------------------------------

def _pdf_actions(reader: Any) -> list[str]:
    """Every object in the file that could run something when it is opened or clicked."""
    from pypdf.generic import DictionaryObject

    found: list[str] = []
    for number in range(1, int(reader.trailer["/Size"])):
        try:
            obj = reader.get_object(number)
        except Exception:
            continue
        if not isinstance(obj, DictionaryObject):
            continue
        for key in ("/JS", "/OpenAction", "/AA", "/Launch"):
            if key in obj:
                found.append(f"object {number} has {key}")
        if obj.get("/S") in ("/JavaScript", "/Launch", "/SubmitForm", "/ImportData"):
            found.append(f"object {number} is a {obj.get('/S')} action")
        if str(obj.get("/URI", "")).strip().lower().startswith("javascript:"):
            found.append(f"object {number} links to javascript:")
    return found


def test_a_portfolio_pdf_shows_hostile_records_as_plain_text_and_runs_nothing(session: Any) -> None:
    import io
    from decimal import Decimal

    from pypdf import PdfReader

    from app.services import cpd, documents
    from tests.factories import make_team, make_user

    today = dt.date.today()
    person = make_user(session, team=make_team(session), full_name="Hostile Tester", band="6")
    strings = (corpus.SCRIPT, corpus.ATTRIBUTE, corpus.TEMPLATE, corpus.SQL_DROP, corpus.JAVASCRIPT_URL,
               corpus.CSS_BREAK, corpus.FORMULA)
    for n, hostile in enumerate(strings):
        cpd.create_cpd(session, person, cpd.CpdInput(
            start_on=today - dt.timedelta(days=n + 1), end_on=None, title=f"T{n} {hostile.value}",
            category="clinical", hours=Decimal(1), provider=corpus.RTL.value,
            reflection_learned=f"L{n} {hostile.value}", reflection_practice=corpus.EMOJI.value), today=today)
    session.flush()
    _row, pdf = documents.issue(session, "portfolio", person, person, today)
    session.commit()
    reader = PdfReader(io.BytesIO(pdf))
    # pypdf extracts this font's text as UTF-16 code units: the NULs are its high bytes, not the app's.
    # Table cells wrap long words, so whitespace is ignored on both sides.
    flat = "".join("\n".join(p.extract_text() for p in reader.pages).replace("\x00", "").split())
    for n, hostile in enumerate(strings):
        assert "".join(f"L{n} {hostile.value}".split()) in flat, f"{hostile.name} is not shown literally in the PDF"
    assert _pdf_actions(reader) == []
    attachments = set(reader.attachments)
    assert attachments == {"waymark-manifest.json"}, attachments


def test_the_pdf_check_finds_javascript_in_a_hostile_pdf() -> None:
    import io

    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(100, 100)
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    writer.add_open_action(DictionaryObject({NameObject("/S"): NameObject("/JavaScript"),
                                             NameObject("/JS"): TextStringObject("app.alert(1);")}))
    buffer = io.BytesIO()
    writer.write(buffer)
    assert _pdf_actions(PdfReader(io.BytesIO(buffer.getvalue())))
