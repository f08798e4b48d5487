"""CSRF on every state-changing route: walk the URL map and prove each one refuses a POST without a valid token.

Each endpoint is posted to by someone who may use it (the authorisation matrix's rule for it names who), with
real ids from the authorisation world, so a route that skipped the check would change something and add an
audit event; public routes (sign in, reset links, outside links, verify) are posted to without signing in.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app import security
from app.extensions import csrf
from app.services import accounts
from models import AuditEvent, User
from tests.app import authz_world
from tests.app.test_authorisation_matrix import ENDPOINTS, Clients, _person, _send, _url

EXPIRED = "This form has expired"
CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
#: Who posts, when the matrix allows several: the person themselves first, then the broadest roles.
PREFERENCE = ("owner", "sup", "hr", "admin", "lm", "lead", "tutor", "other")


@pytest.fixture(scope="module")
def world_app(migrated_template: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Flask, Any]]:
    with authz_world.served(migrated_template, tmp_path_factory.mktemp("csrf"), _reset_token) as served:
        yield served


def _reset_token(session: Any, world: Any) -> None:
    world.ids["reset_token"] = accounts.issue_reset_token(session, world.users["target"], accounts.AuthSettings())


def _changing_rules(app: Flask) -> list[Any]:
    return sorted((r for r in app.url_map.iter_rules() if set(r.methods or ()) & CHANGING), key=lambda r: r.endpoint)


def _public_url(world: Any, endpoint: str) -> str:
    return {
        "auth.login": "/login",
        "auth.forgot_password": "/forgot-password",
        "auth.reset_password": f"/reset-password/{world.ids['reset_token']}",
        "outside.link": f"/outside/{world.outside_token}",
        "verify.verify": "/verify",
    }[endpoint]


def _actor(endpoint: str) -> str:
    allowed = ENDPOINTS[endpoint][0].allowed - {"anon"}
    return next((a for a in PREFERENCE if a in allowed), sorted(allowed)[0] if allowed else "admin")


def _audit_events(app: Flask) -> int:
    session = app.extensions["waymark.sessions"]()
    try:
        return session.scalar(select(func.count()).select_from(AuditEvent)) or 0
    finally:
        session.close()


def _target(app: Flask, world: Any, clients: Clients, endpoint: str) -> tuple[FlaskClient, str, str]:
    """(client, URL, who): a signed-in person the route is for, or a visitor for a public route."""
    if endpoint in security.PUBLIC_ENDPOINTS:
        return app.test_client(), _public_url(world, endpoint), "anon"
    actor = _actor(endpoint)
    owner = ENDPOINTS[endpoint][2]
    client, _token = clients(_person(actor, owner))
    return client, _url(app, world, endpoint, actor), actor


@pytest.fixture(scope="module")
def clients(world_app: tuple[Flask, Any]) -> Clients:
    return Clients(*world_app)


def test_nothing_is_exempt_from_the_csrf_check(world_app: tuple[Flask, Any]) -> None:
    app, _world = world_app
    assert app.config.get("WTF_CSRF_ENABLED", True) and app.config.get("WTF_CSRF_CHECK_DEFAULT", True)
    assert CHANGING <= set(app.config.get("WTF_CSRF_METHODS") or CHANGING)
    assert not csrf._exempt_views and not csrf._exempt_blueprints


def _refusals(app: Flask, world: Any, clients: Clients, token_for: Any) -> tuple[list[str], int]:
    problems, checked = [], 0
    for rule in _changing_rules(app):
        client, url, who = _target(app, world, clients, rule.endpoint)
        for method in sorted(set(rule.methods or ()) & CHANGING):
            before = _audit_events(app)
            data = {"csrf_token": token_for(who)} if token_for else {}
            response = _send(client, method, url, data=data)
            body = response.get_data(as_text=True)
            after = _audit_events(app)
            checked += 1
            if response.status_code != 400 or EXPIRED not in body or after != before:
                problems.append(f"{method} {url} ({rule.endpoint} as {who}): {response.status_code}, "
                                f"{after - before} audit events")
    return problems, checked


def test_every_state_changing_route_refuses_a_post_without_a_token(world_app: tuple[Flask, Any],
                                                                    clients: Clients) -> None:
    app, world = world_app
    problems, checked = _refusals(app, world, clients, None)
    assert problems == []
    assert checked == len(_changing_rules(app)) > 100


def test_every_state_changing_route_refuses_a_token_from_another_session(world_app: tuple[Flask, Any],
                                                                         clients: Clients) -> None:
    app, world = world_app
    # A valid token, but minted for someone else's session (a signed-in colleague, or a visitor's page).
    stranger, stranger_token = Clients(app, world).fresh("other")
    _anon, visitor_token = Clients(app, world).fresh("anon")
    problems, checked = _refusals(app, world, clients,
                                  lambda who: visitor_token if who != "anon" else stranger_token)
    assert problems == []
    assert checked == len(_changing_rules(app))
    assert _send(stranger, "GET", "/account/password").status_code == 200


def test_the_people_who_posted_are_still_signed_in_and_unchanged(world_app: tuple[Flask, Any],
                                                                  clients: Clients) -> None:
    """A refused sign-out did not sign anyone out; a refused password change changed nothing."""
    app, world = world_app
    for rule in _changing_rules(app):
        if rule.endpoint in security.PUBLIC_ENDPOINTS:
            continue
        client, _url_, _who = _target(app, world, clients, rule.endpoint)
        assert _send(client, "GET", "/account/password").status_code == 200, rule.endpoint
    session = app.extensions["waymark.sessions"]()
    try:
        target = session.get(User, world.users["target"].id)
        assert target is not None and target.active
    finally:
        session.close()
