"""Signing in and out, lockout, changing and resetting passwords, and where sign-in sends you."""
import datetime as dt
import hashlib
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


def account_key(email):
    return hashlib.sha256(email.encode()).hexdigest()


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
    assert session.scalar(select(LoginThrottle.failures).where(LoginThrottle.key == account_key(user.email))) == 0


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
    throttle = session.scalar(select(LoginThrottle).where(LoginThrottle.key == account_key(user.email)))
    assert throttle.locked_until is not None
    keys = list(session.scalars(select(LoginThrottle.key)))
    assert keys and not any(user.email in k or "127.0.0.1" in k for k in keys)  # only hashes are kept

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


# --- per network address ----------------------------------------------------------------------

def from_address(address):
    return {"environ_base": {"REMOTE_ADDR": address}}


def sign_in_from(client, address, email, password=PASSWORD):
    return client.submit("/login", {"email": email, "password": password}, **from_address(address))


def test_one_address_guessing_many_accounts_is_locked_out_with_the_same_message(client, app, user):
    assert app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] == 20
    responses = [sign_in_from(client, "203.0.113.7", f"guess{i}@example.org", "wrong password") for i in range(20)]
    assert [field_error(r.get_data(as_text=True), "email") for r in responses] == [accounts.LOGIN_FAILED] * 19 + [LOCKED]
    # Even a real account's right password is refused from that address, with the message and page of any lockout.
    refused = sign_in_from(client, "203.0.113.7", user.email)
    assert refused.status_code == 400
    assert field_error(refused.get_data(as_text=True), "email") == LOCKED
    assert client.get("/practitioner").status_code == 302
    fail(client, "someone@example.org", 5)
    by_account = sign_in(client, "someone@example.org")
    assert normalised(refused.get_data(as_text=True)) == normalised(by_account.get_data(as_text=True))


def test_another_address_is_not_affected_by_an_address_lockout(client, user):
    for i in range(20):
        sign_in_from(client, "203.0.113.7", f"guess{i}@example.org", "wrong password")
    assert sign_in_from(client, "198.51.100.20", user.email).status_code == 302


def test_one_account_guessed_from_many_addresses_is_locked_out(client, user):
    responses = [sign_in_from(client, f"192.0.2.{i}", user.email, "wrong password") for i in range(1, 6)]
    assert field_error(responses[-1].get_data(as_text=True), "email") == LOCKED
    refused = sign_in_from(client, "192.0.2.99", user.email)
    assert field_error(refused.get_data(as_text=True), "email") == LOCKED


def test_an_address_only_counts_failures_within_the_lockout_time(session, user):
    settings = accounts.AuthSettings(argon2_profile="cheapest", max_failures_per_address=3)
    start = dt.datetime(2025, 6, 1, 9, 0, tzinfo=UTC)
    for i, minutes in enumerate((0, 5, 30)):  # the first two are 25 minutes old by the third
        with pytest.raises(DomainError) as err:
            accounts.authenticate(session, f"guess{i}@example.org", "wrong", settings,
                                  now=start + dt.timedelta(minutes=minutes), address="203.0.113.7")
        assert err.value.message == accounts.LOGIN_FAILED
    assert accounts.authenticate(session, user.email, PASSWORD, settings, now=start + dt.timedelta(minutes=31),
                                 address="203.0.113.7") is user


def test_a_successful_sign_in_does_not_clear_the_address_count(session, user):
    """Otherwise someone with one account of their own could sign in between guesses at everyone else's."""
    settings = accounts.AuthSettings(argon2_profile="cheapest", max_failures_per_address=3)
    for i in range(2):
        with pytest.raises(DomainError):
            accounts.authenticate(session, f"guess{i}@example.org", "wrong", settings, address="203.0.113.7")
    accounts.authenticate(session, user.email, PASSWORD, settings, address="203.0.113.7")
    with pytest.raises(DomainError) as err:
        accounts.authenticate(session, "guess3@example.org", "wrong", settings, address="203.0.113.7")
    assert err.value.message == LOCKED


def test_an_email_shaped_like_an_address_key_cannot_lock_out_an_address(session, user):
    settings = accounts.AuthSettings(argon2_profile="cheapest", max_failures_per_address=50)
    forged = accounts._address_key("203.0.113.7")
    for _ in range(5):
        with pytest.raises(DomainError):
            accounts.authenticate(session, forged, "wrong", settings, address="198.51.100.1")
    assert accounts.authenticate(session, user.email, PASSWORD, settings, address="203.0.113.7") is user


def test_the_admin_page_counts_locked_accounts_and_addresses_apart(session, user):
    settings = accounts.AuthSettings(argon2_profile="cheapest", max_failures_per_address=3)
    for i in range(3):
        with pytest.raises(DomainError):
            accounts.authenticate(session, f"guess{i}@example.org", "wrong", settings, address="203.0.113.7")
    for _ in range(5):
        with pytest.raises(DomainError):
            accounts.authenticate(session, user.email, "wrong", settings, address=f"192.0.2.{_}")
    assert accounts.count_locked_out(session) == (1, 1)


@pytest.mark.parametrize(("proxies", "locked"), [(0, True), (1, False)])
def test_the_forwarded_address_is_trusted_only_when_proxies_are_configured(client, session, user, database_url,
                                                                             tmp_path, proxies, locked):
    """With no proxy configured a forged X-Forwarded-For does not escape the lockout of the real address."""
    behind = create_app({"ENV_NAME": "testing", "TESTING": True, "DATABASE_URL": database_url,
                         "TRUSTED_PROXY_COUNT": proxies}, instance_path=tmp_path / "behind-proxy")
    try:
        behind.test_client_class = type(client)
        browser = behind.test_client()
        for i in range(20):
            browser.submit("/login", {"email": f"guess{i}@example.org", "password": "wrong"},
                           headers={"X-Forwarded-For": "203.0.113.7"})
        response = browser.submit("/login", {"email": user.email, "password": PASSWORD},
                                  headers={"X-Forwarded-For": "198.51.100.20"})
        assert (response.status_code == 400) is locked
    finally:
        behind.extensions["waymark.engine"].dispose()


# --- no answer or timing tells whether an account exists ----------------------------------------

@pytest.fixture
def verifications(monkeypatch):
    calls = []
    real = passwords.verify_password

    def counting(*args, **kwargs):
        calls.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(passwords, "verify_password", counting)
    return calls


def _attempt(session, email, password, address="192.0.2.1"):
    settings = accounts.AuthSettings(argon2_profile="cheapest", max_failures_per_address=3)
    try:
        return accounts.authenticate(session, email, password, settings, address=address)
    except DomainError as err:
        return err.message


def test_every_failed_sign_in_costs_exactly_one_password_check(session, user, verifications):
    inactive = make_user(session)
    inactive.active = False
    invited = make_user(session, password=None)
    locked = make_user(session)
    for _ in range(5):
        _attempt(session, locked.email, "wrong", address=f"198.51.100.{_}")
    for i in range(3):
        _attempt(session, f"guess{i}@example.org", "wrong", address="203.0.113.7")
    cases = {
        "unknown e-mail": ("nobody@example.org", PASSWORD, "192.0.2.1"),
        "inactive account": (inactive.email, PASSWORD, "192.0.2.2"),
        "wrong password": (user.email, "wrong password", "192.0.2.3"),
        "account without a password": (invited.email, PASSWORD, "192.0.2.4"),
        "account locked out": (locked.email, PASSWORD, "192.0.2.5"),
        "address locked out": (user.email, PASSWORD, "203.0.113.7"),
        "right password": (user.email, PASSWORD, "192.0.2.6"),
    }
    counts, answers = {}, {}
    for name, (email, password, address) in cases.items():
        verifications.clear()
        answers[name] = _attempt(session, email, password, address)
        counts[name] = len(verifications)
    assert counts == dict.fromkeys(cases, 1)
    assert answers["account locked out"] == answers["address locked out"] == LOCKED
    assert {answers[n] for n in list(cases)[:4]} == {accounts.LOGIN_FAILED}
    assert answers["right password"] is user


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


def session_cookie(client):
    return client.get_cookie("waymark_session").value


def test_signing_in_starts_a_new_session_and_the_old_form_token_stops_working(client, user):
    before_token = client.csrf_token("/login")
    before_cookie = session_cookie(client)
    with client.session_transaction() as before:
        assert "_user_id" not in before and "csrf_token" in before
        before_raw = before["csrf_token"]
    response = client.post("/login", data={"csrf_token": before_token, "email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert session_cookie(client) != before_cookie
    with client.session_transaction() as after:
        assert after.get("csrf_token") != before_raw
    # A token planted before sign-in (session fixation of the CSRF secret) is refused afterwards.
    refused = client.post("/logout", data={"csrf_token": before_token})
    assert refused.status_code == 400
    assert client.get("/practitioner").status_code == 200


def test_a_session_cookie_copied_before_signing_out_does_not_work_afterwards(client, fresh_client, user, login_as):
    login_as(user)
    copied = session_cookie(client)
    thief = fresh_client()
    thief.set_cookie("waymark_session", copied)
    assert thief.get("/practitioner").status_code == 200  # the copy works while the session lasts
    client.submit("/logout", form_url="/account/password")
    assert thief.get("/practitioner").location.startswith("/login")
    replay = fresh_client()
    replay.set_cookie("waymark_session", copied)
    assert replay.get("/practitioner").location.startswith("/login")


def test_signing_out_signs_out_the_persons_other_browsers_too(client, fresh_client, user, login_as):
    other = fresh_client()
    assert sign_in(other, user.email).status_code == 302
    login_as(user)
    client.submit("/logout", form_url="/account/password")
    assert other.get("/practitioner").location.startswith("/login")
    assert sign_in(fresh_client(), user.email).status_code == 302


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


# --- the reset e-mail is sent after the response ------------------------------------------------

def test_with_smtp_the_reset_mail_is_sent_after_the_response_not_during_it(app, client, session, user, monkeypatch):
    from app.jobs import runner
    from app.services import mail as mail_service
    from tests.app.test_mail import FakeSMTP

    fake = FakeSMTP()
    fake.gate.clear()  # SMTP "hangs" until the response is back
    monkeypatch.setattr(mail_service.smtplib, "SMTP", fake)
    app.config.update(MAIL_SERVER="smtp.example.org")
    response = client.submit("/forgot-password", {"email": user.email})
    assert response.status_code == 200 and "Check your e-mail" in response.get_data(as_text=True)
    assert fake.sent == []
    [row] = session.scalars(select(OutboxMail))
    assert row.sent_at is None and len(reset_links(session, user.email)) == 1
    fake.gate.set()
    assert runner.call_worker(app).wait(30)
    [msg] = fake.sent
    assert msg["To"] == user.email and "/reset-password/" in msg.get_content()
    session.expire_all()
    assert row.sent_at is not None and row.error is None and reset_links(session, user.email) == []


def test_an_smtp_failure_after_a_reset_request_is_recorded_on_the_outbox_row(app, client, session, user, monkeypatch):
    from app.jobs import runner
    from app.services import mail as mail_service
    from tests.app.test_mail import FakeSMTP

    monkeypatch.setattr(mail_service.smtplib, "SMTP", FakeSMTP(fail=ConnectionRefusedError(111, "Connection refused")))
    app.config.update(MAIL_SERVER="smtp.example.org")
    response = client.submit("/forgot-password", {"email": user.email})
    assert response.status_code == 200
    assert runner.call_worker(app).wait(30)
    session.expire_all()
    [row] = session.scalars(select(OutboxMail))
    assert row.sent_at is None and row.error == "ConnectionRefusedError: [Errno 111] Connection refused"
    assert len(reset_links(session, user.email)) == 1


def test_an_unknown_address_queues_nothing_even_with_smtp(app, client, session, monkeypatch):
    from app.services import mail as mail_service
    from tests.app.test_mail import FakeSMTP

    fake = FakeSMTP()
    monkeypatch.setattr(mail_service.smtplib, "SMTP", fake)
    app.config.update(MAIL_SERVER="smtp.example.org")
    assert client.submit("/forgot-password", {"email": "nobody@example.org"}).status_code == 200
    assert "waymark.calls" not in app.extensions and fake.sent == []
    assert session.scalar(select(func.count()).select_from(OutboxMail)) == 0


# --- a browser that has signed in before; IPv6; bursts -------------------------------------------------

def _lock_address(client, address="203.0.113.7"):
    for i in range(20):
        sign_in_from(client, address, f"guess{i}@example.org", "wrong password")


def test_a_browser_that_signed_in_to_the_account_before_is_not_shut_out_by_an_address_lockout(client, app, user):
    own_browser = app.test_client()
    assert sign_in_from(own_browser, "203.0.113.7", user.email).status_code == 302
    _sign_out_from(own_browser, "203.0.113.7")
    _lock_address(app.test_client())
    assert sign_in_from(own_browser, "203.0.113.7", user.email).status_code == 302
    # A new browser on the same network is still refused, and so is the known browser for another account.
    assert field_error(sign_in_from(app.test_client(), "203.0.113.7", user.email).get_data(as_text=True),
                       "email") == LOCKED


def test_the_known_browser_cookie_names_only_the_accounts_signed_in_and_cannot_be_forged(client, app, session, user):
    other = make_user(session, email="other.person@example.org")
    session.commit()
    browser = app.test_client()
    assert sign_in_from(browser, "203.0.113.7", user.email).status_code == 302
    cookie = browser.get_cookie("waymark_known_browser")
    assert cookie is not None and user.email not in cookie.value and cookie.http_only
    _sign_out_from(browser, "203.0.113.7")
    _lock_address(app.test_client())
    refused = sign_in_from(browser, "203.0.113.7", other.email)
    assert field_error(refused.get_data(as_text=True), "email") == LOCKED
    forged = app.test_client()
    forged.set_cookie("waymark_known_browser", cookie.value[:-2] + "xx")
    assert field_error(sign_in_from(forged, "203.0.113.7", user.email).get_data(as_text=True), "email") == LOCKED


def test_ipv6_addresses_count_by_their_64_bit_prefix(session, user):
    settings = accounts.AuthSettings(argon2_profile="cheapest", max_failures_per_address=3)
    for i in range(3):
        with pytest.raises(DomainError):
            accounts.authenticate(session, f"guess{i}@example.org", "wrong", settings, address=f"2001:db8:1:2::{i + 1}")
    with pytest.raises(DomainError) as err:
        accounts.authenticate(session, user.email, PASSWORD, settings, address="2001:db8:1:2:ffff::9")
    assert err.value.message == LOCKED
    assert accounts.authenticate(session, user.email, PASSWORD, settings, address="2001:db8:1:3::1") is user


def test_each_failure_is_counted_by_the_database_not_by_a_stale_copy(session, user):
    """A burst of guesses at once must not all read the same count: the increment happens in SQL."""
    settings = accounts.AuthSettings(argon2_profile="cheapest")
    stale = accounts._throttle(session, user.email)
    session.flush()
    session.execute(LoginThrottle.__table__.update().where(LoginThrottle.key == stale.key).values(failures=3))
    with pytest.raises(DomainError):
        accounts.authenticate(session, user.email, "wrong", settings)  # the 4th failure, whatever `stale` says
    with pytest.raises(DomainError) as err:
        accounts.authenticate(session, user.email, "wrong", settings)
    assert err.value.message == LOCKED


def test_the_admin_home_counts_locked_network_addresses(client, app, session, login_as):
    _lock_address(app.test_client())
    admin = make_user(session, email="admin.person@example.org", roles=[Role.ADMIN])
    session.commit()
    login_as(admin)
    page = client.get("/admin").get_data(as_text=True)
    assert "1 network address is locked out" in page


def _sign_out_from(client, address):
    """Sign out from the same address (Flask-Login's session protection ties a session to it)."""
    html = client.get("/account/password", **from_address(address)).get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    assert client.post("/logout", data={"csrf_token": token}, **from_address(address)).location == "/login"
    assert client.get("/account/password", **from_address(address)).status_code == 302


def test_an_ipv4_client_on_a_dual_stack_listener_counts_by_its_own_address(session, user):
    settings = accounts.AuthSettings(argon2_profile="cheapest", max_failures_per_address=3)
    for i in range(3):
        with pytest.raises(DomainError):
            accounts.authenticate(session, f"guess{i}@example.org", "wrong", settings, address="::ffff:203.0.113.7")
    assert accounts._address_key("::ffff:203.0.113.7") == accounts._address_key("203.0.113.7")
    assert accounts.authenticate(session, user.email, PASSWORD, settings, address="::ffff:198.51.100.1") is user


def test_the_known_browser_cookie_cannot_be_matched_against_a_guessed_address(client, app, user):
    browser = app.test_client()
    assert sign_in_from(browser, "203.0.113.7", user.email).status_code == 302
    value = browser.get_cookie("waymark_known_browser").value
    from app.auth import views
    with app.test_request_context():
        keys = views._known_serializer().loads(value)
    assert hashlib.sha256(user.email.encode()).hexdigest() not in keys and len(keys) == 1
