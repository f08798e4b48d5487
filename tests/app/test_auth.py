"""Signing in and out, lockout, changing and resetting passwords, and where sign-in sends you."""
import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from app import create_app
from app.services import accounts, passwords
from app.services.errors import DomainError
from models import LoginThrottle, OutboxMail, PasswordResetToken, Role, User
from tests.factories import PASSWORD, make_user

UTC = dt.timezone.utc
NEW_PASSWORD = "a brand new passphrase"
LOCKED = "Too many failed attempts. Try again in 15 minutes, or reset your password."


def normalised(html):
    """The page with what legitimately differs between two requests (tokens, nonces, typed values) blanked."""
    return re.sub(r'(value|nonce)="[^"]*"', r'\1=""', html)


def field_error(html, field):
    """The error message shown beside one field, without its visually hidden "Error:" prefix."""
    match = re.search(rf'id="{field}-error">\s*<span class="nhsuk-u-visually-hidden">Error: </span>(.*?)\s*</span>',
                      html, re.S)
    assert match, f"no error beside {field}"
    return match.group(1)


def sign_in(client, email, password=PASSWORD, url="/login"):
    return client.submit(url, {"email": email, "password": password})


def reset_links(session, email):
    bodies = session.scalars(select(OutboxMail.body).where(OutboxMail.to_address == email))
    return [link for body in bodies for link in re.findall(r"https?://\S+/reset-password/[\w-]+", body)]


def path_of(link):
    return "/" + link.split("/", 3)[3]


@pytest.fixture
def user(session):
    u = make_user(session, email="pat.jones@example.org")
    session.commit()
    return u


@pytest.fixture
def fresh_client(app):
    """A second browser (the `client` fixture sets the checking client class on the app)."""
    def make():
        return app.test_client()
    return make


# --- signing in --------------------------------------------------------------------------------

def test_signing_in_sends_a_practitioner_to_their_home_page(client, user):
    response = sign_in(client, user.email)
    assert response.status_code == 302
    assert response.location == "/"
    assert client.get("/").location == "/practitioner"
    assert client.get("/practitioner").status_code == 200


def test_signing_in_ignores_the_case_and_spaces_of_the_email_address(client, user):
    assert sign_in(client, "  PAT.Jones@Example.org ").status_code == 302


def test_signing_in_records_when_and_resets_failures(client, session, user):
    sign_in(client, user.email, "wrong password")
    assert sign_in(client, user.email).status_code == 302
    session.expire_all()
    assert session.get(User, user.id).last_login_at is not None
    assert session.scalar(select(LoginThrottle.failures)) == 0


def test_a_wrong_password_and_an_unknown_email_get_the_same_answer(client, user):
    wrong = sign_in(client, user.email, "not my password")
    unknown = sign_in(client, "nobody@example.org", "not my password")
    assert wrong.status_code == unknown.status_code == 400
    assert field_error(wrong.get_data(as_text=True), "email") == accounts.LOGIN_FAILED
    assert field_error(unknown.get_data(as_text=True), "email") == accounts.LOGIN_FAILED
    assert normalised(wrong.get_data(as_text=True)) == normalised(unknown.get_data(as_text=True))


def test_an_inactive_account_gets_the_same_answer_as_a_wrong_password(client, session, user):
    user.active = False
    session.commit()
    response = sign_in(client, user.email)
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), "email") == accounts.LOGIN_FAILED


def test_an_account_without_a_password_cannot_sign_in(client, session):
    invited = make_user(session, password=None)
    session.commit()
    response = sign_in(client, invited.email, "")
    assert response.status_code == 400
    response = sign_in(client, invited.email, PASSWORD)
    assert field_error(response.get_data(as_text=True), "email") == accounts.LOGIN_FAILED


def test_an_empty_form_asks_for_both_fields(client):
    response = client.submit("/login", {"email": "", "password": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert field_error(html, "email") == "Enter your e-mail address"
    assert field_error(html, "password") == "Enter your password"
    assert "There is a problem" in html and 'href="#email"' in html


def test_a_signed_in_person_visiting_the_login_page_goes_home(client, user, login_as):
    login_as(user)
    assert client.get("/login").location == "/"


# --- lockout -----------------------------------------------------------------------------------

def fail(client, email, times):
    return [sign_in(client, email, "wrong password") for _ in range(times)]


def test_five_failures_lock_the_address_even_against_the_correct_password(client, app, user):
    assert app.config["LOGIN_MAX_FAILURES"] == 5
    responses = fail(client, user.email, 5)
    assert [field_error(r.get_data(as_text=True), "email") for r in responses] == [accounts.LOGIN_FAILED] * 4 + [LOCKED]
    sixth = sign_in(client, user.email)
    assert sixth.status_code == 400
    assert field_error(sixth.get_data(as_text=True), "email") == LOCKED
    assert client.get("/practitioner").status_code == 302


def test_an_unknown_address_locks_out_with_the_same_message(client, user):
    fail(client, user.email, 5)
    fail(client, "nobody@example.org", 5)
    known = sign_in(client, user.email)
    unknown = sign_in(client, "nobody@example.org")
    assert field_error(known.get_data(as_text=True), "email") == LOCKED
    assert field_error(unknown.get_data(as_text=True), "email") == LOCKED
    assert known.status_code == unknown.status_code == 400
    assert normalised(known.get_data(as_text=True)) == normalised(unknown.get_data(as_text=True))


def test_one_address_locked_out_does_not_lock_another(client, session, user):
    other = make_user(session)
    session.commit()
    fail(client, user.email, 5)
    assert sign_in(client, other.email).status_code == 302


def test_the_lockout_is_stored_in_the_database_and_survives_a_new_app(client, session, user, database_url, tmp_path):
    fail(client, user.email, 5)
    throttle = session.scalar(select(LoginThrottle))
    assert throttle.locked_until is not None
    assert user.email not in throttle.key  # only a hash of the address is kept

    restarted = create_app({"ENV_NAME": "testing", "TESTING": True, "DATABASE_URL": database_url},
                           instance_path=tmp_path / "restarted")
    try:
        restarted.test_client_class = type(client)
        response = sign_in(restarted.test_client(), user.email)
        assert response.status_code == 400
        assert field_error(response.get_data(as_text=True), "email") == LOCKED
    finally:
        restarted.extensions["waymark.engine"].dispose()


def test_the_lockout_lifts_after_the_lockout_time(session, user):
    settings = accounts.AuthSettings(argon2_profile="cheapest")
    start = dt.datetime(2025, 6, 1, 9, 0, tzinfo=UTC)
    for _ in range(5):
        with pytest.raises(DomainError):
            accounts.authenticate(session, user.email, "wrong password", settings, now=start)
    with pytest.raises(DomainError) as err:
        accounts.authenticate(session, user.email, PASSWORD, settings, now=start)
    assert err.value.message == LOCKED
    with pytest.raises(DomainError) as err:
        accounts.authenticate(session, user.email, PASSWORD, settings, now=start + dt.timedelta(minutes=14))
    assert err.value.message == "Too many failed attempts. Try again in 1 minute, or reset your password."
    with pytest.raises(DomainError) as err:
        accounts.authenticate(session, user.email, PASSWORD, settings, now=start + dt.timedelta(minutes=14, seconds=59))
    assert err.value.message == "Too many failed attempts. Try again in 1 minute, or reset your password."
    assert accounts.authenticate(session, user.email, PASSWORD, settings,
                                 now=start + dt.timedelta(minutes=15)) is user


def test_failures_count_again_from_zero_after_a_lockout(session, user):
    settings = accounts.AuthSettings(argon2_profile="cheapest")
    start = dt.datetime(2025, 6, 1, 9, 0, tzinfo=UTC)
    for _ in range(5):
        with pytest.raises(DomainError):
            accounts.authenticate(session, user.email, "wrong password", settings, now=start)
    later = start + dt.timedelta(hours=1)
    with pytest.raises(DomainError) as err:
        accounts.authenticate(session, user.email, "wrong password", settings, now=later)
    assert err.value.message == accounts.LOGIN_FAILED


def test_a_successful_sign_in_clears_earlier_failures(session, user):
    settings = accounts.AuthSettings(argon2_profile="cheapest")
    for _ in range(4):
        with pytest.raises(DomainError):
            accounts.authenticate(session, user.email, "wrong password", settings)
    accounts.authenticate(session, user.email, PASSWORD, settings)
    for _ in range(4):
        with pytest.raises(DomainError) as err:
            accounts.authenticate(session, user.email, "wrong password", settings)
        assert err.value.message == accounts.LOGIN_FAILED


def test_a_password_reset_lifts_the_lockout(client, session, user):
    fail(client, user.email, 5)
    client.submit("/forgot-password", {"email": user.email})
    [link] = reset_links(session, user.email)
    response = client.submit(path_of(link), {"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    assert response.location == "/login"
    assert sign_in(client, user.email, NEW_PASSWORD).status_code == 302


# --- signing out -------------------------------------------------------------------------------

def test_signing_out_needs_a_post(client, user, login_as):
    login_as(user)
    assert client.get("/logout").status_code == 405
    assert client.get("/practitioner").status_code == 200


def test_signing_out_ends_the_session(client, user, login_as):
    login_as(user)
    response = client.submit("/logout", form_url="/account/password")
    assert response.status_code == 302 and response.location == "/login"
    assert "You have signed out." in client.get("/login").get_data(as_text=True)
    assert client.get("/practitioner").location.startswith("/login")


# --- changing a password -----------------------------------------------------------------------

def change(client, current=PASSWORD, new=NEW_PASSWORD, confirm=None):
    return client.submit("/account/password", {"current_password": current, "new_password": new,
                                               "confirm_password": new if confirm is None else confirm})


def test_a_wrong_current_password_is_shown_beside_that_field(client, session, user, login_as):
    login_as(user)
    response = change(client, current="not my password")
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), "current_password") == "Your current password is not correct"
    session.expire_all()
    assert passwords.verify_password(session.get(User, user.id).password_hash, PASSWORD)


def test_new_passwords_that_do_not_match_are_refused(client, user, login_as):
    login_as(user)
    response = change(client, confirm="a different passphrase")
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), "confirm_password") == "Passwords do not match"


def test_a_short_new_password_is_refused(client, user, login_as):
    login_as(user)
    response = change(client, new="too short")
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), "new_password") == "Password must be 12 characters or more"


def test_a_new_password_containing_the_email_address_is_refused(client, user, login_as):
    login_as(user)
    response = change(client, new="pat.jones forever and ever")
    assert field_error(response.get_data(as_text=True), "new_password") == \
        "Password must not contain your e-mail address"


def test_changing_the_password_keeps_this_browser_and_signs_out_the_others(client, fresh_client, session, user,
                                                                            login_as):
    other = fresh_client()
    assert sign_in(other, user.email).status_code == 302
    login_as(user)
    response = change(client)
    assert response.status_code == 302 and response.location == "/"
    assert client.get("/practitioner").status_code == 200
    assert other.get("/practitioner").location.startswith("/login")
    assert sign_in(fresh_client(), user.email, PASSWORD).status_code == 400
    assert sign_in(fresh_client(), user.email, NEW_PASSWORD).status_code == 302


# --- forgotten passwords -----------------------------------------------------------------------

def test_forgot_password_answers_the_same_for_known_and_unknown_addresses(client, session, user):
    known = client.submit("/forgot-password", {"email": user.email})
    unknown = client.submit("/forgot-password", {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 200
    assert normalised(known.get_data(as_text=True)).replace(user.email, "EMAIL") == \
        normalised(unknown.get_data(as_text=True)).replace("nobody@example.org", "EMAIL")
    assert "Check your e-mail" in known.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(OutboxMail)) == 1
    [mail] = session.scalars(select(OutboxMail))
    assert mail.to_address == user.email
    assert len(reset_links(session, user.email)) == 1


def test_the_reset_link_uses_the_configured_address_not_the_request_host(client, session, user, app):
    forged = {"Host": "evil.example"}
    form = client.get("/forgot-password", headers=forged).get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
    response = client.post("/forgot-password", data={"csrf_token": token, "email": user.email}, headers=forged)
    assert response.status_code == 200
    [link] = reset_links(session, user.email)
    assert link.startswith(app.config["PUBLIC_BASE_URL"] + "/reset-password/")
    assert "evil.example" not in link


def test_the_reset_link_sets_the_password_and_works_once(client, session, user):
    client.submit("/forgot-password", {"email": user.email})
    [link] = reset_links(session, user.email)
    url = path_of(link)
    response = client.submit(url, {"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    assert response.status_code == 302 and response.location == "/login"
    assert sign_in(client, user.email, NEW_PASSWORD).status_code == 302

    again = client.get(url)
    assert again.status_code == 404
    assert "This link has expired or has already been used" in again.get_data(as_text=True)


def test_the_reset_form_checks_the_new_password(client, session, user):
    token = accounts.issue_reset_token(session, user, accounts.AuthSettings())
    session.commit()
    response = client.submit(f"/reset-password/{token}", {"new_password": NEW_PASSWORD, "confirm_password": "other"})
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), "confirm_password") == "Passwords do not match"
    # The failed attempt does not use the link up.
    assert client.get(f"/reset-password/{token}").status_code == 200


def test_an_expired_reset_link_is_refused(client, session, user):
    token = accounts.issue_reset_token(session, user, accounts.AuthSettings(reset_hours=24),
                                       now=dt.datetime.now(UTC) - dt.timedelta(hours=25))
    session.commit()
    response = client.get(f"/reset-password/{token}")
    assert response.status_code == 404
    assert "This link has expired or has already been used" in response.get_data(as_text=True)


def test_an_unknown_reset_token_is_refused(client):
    assert client.get("/reset-password/not-a-real-token").status_code == 404


def test_a_newer_reset_link_cancels_the_older_one(client, session, user):
    first = accounts.issue_reset_token(session, user, accounts.AuthSettings())
    second = accounts.issue_reset_token(session, user, accounts.AuthSettings())
    session.commit()
    assert client.get(f"/reset-password/{first}").status_code == 404
    assert client.get(f"/reset-password/{second}").status_code == 200


def test_a_reset_link_issued_by_an_admin_works(client, session, user):
    admin = make_user(session, roles=(Role.ADMIN,), organisation=user.organisation)
    token = accounts.issue_reset_token(session, user, accounts.AuthSettings(), issued_by=admin)
    session.commit()
    assert session.scalar(select(PasswordResetToken.issued_by_id)) == admin.id
    response = client.submit(f"/reset-password/{token}", {"new_password": NEW_PASSWORD,
                                                          "confirm_password": NEW_PASSWORD})
    assert response.location == "/login"
    assert sign_in(client, user.email, NEW_PASSWORD).status_code == 302


def test_a_reset_signs_out_every_existing_session(client, fresh_client, session, user, login_as):
    login_as(user)
    token = accounts.issue_reset_token(session, user, accounts.AuthSettings())
    session.commit()
    other = fresh_client()
    other.submit(f"/reset-password/{token}", {"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    assert client.get("/practitioner").location.startswith("/login")


def test_a_deactivated_account_cannot_use_a_reset_link(client, session, user):
    token = accounts.issue_reset_token(session, user, accounts.AuthSettings())
    user.active = False
    session.commit()
    assert client.get(f"/reset-password/{token}").status_code == 404


# --- where sign-in sends you -------------------------------------------------------------------

def test_a_page_that_needs_sign_in_sends_you_back_to_it_afterwards(client, user):
    redirect = client.get("/account/password")
    assert redirect.status_code == 302
    assert redirect.location.startswith("/login?next=")
    response = sign_in(client, user.email, url=redirect.location)
    assert response.location == "/account/password"


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil.example/",
                                    "/\t/evil.example/", "javascript:alert(1)", "evil.example"])
def test_next_never_leads_to_another_site(client, user, target):
    response = client.submit("/login", {"email": user.email, "password": PASSWORD}, query_string={"next": target})
    assert response.status_code == 302
    assert response.location == "/"


# --- sessions after deactivation --------------------------------------------------------------

def test_a_session_from_before_deactivation_stops_working(client, session, user, login_as):
    admin = make_user(session, roles=(Role.ADMIN,), organisation=user.organisation)
    session.commit()
    login_as(user)
    assert client.get("/practitioner").status_code == 200
    accounts.set_active(session, user, False, actor=admin)
    session.commit()
    assert client.get("/practitioner").location.startswith("/login")


def test_an_inactive_flag_alone_is_enough_to_end_a_session(client, session, user, login_as):
    login_as(user)
    user.active = False
    session.commit()
    assert client.get("/practitioner").location.startswith("/login")


def test_nobody_can_deactivate_themselves(session):
    admin = make_user(session, roles=(Role.ADMIN,))
    with pytest.raises(DomainError, match="cannot deactivate your own account"):
        accounts.set_active(session, admin, False, actor=admin)
