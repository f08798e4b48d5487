"""argon2id hashing: verification, the fast test profile, and rehashing when the cost changes."""
import datetime as dt

from argon2 import extract_parameters, profiles

from app.services import accounts, passwords
from tests.factories import PASSWORD, make_user

UTC = dt.timezone.utc


def test_a_hash_is_argon2id_and_verifies_the_password_it_was_made_from():
    stored = passwords.hash_password("a long passphrase", "cheapest")
    assert stored.startswith("$argon2id$")
    assert "a long passphrase" not in stored
    assert passwords.verify_password(stored, "a long passphrase", "cheapest") is True


def test_a_wrong_password_does_not_verify():
    stored = passwords.hash_password("a long passphrase", "cheapest")
    assert passwords.verify_password(stored, "a long passphrase ", "cheapest") is False
    assert passwords.verify_password(stored, "A long passphrase", "cheapest") is False
    assert passwords.verify_password(stored, "", "cheapest") is False


def test_the_same_password_hashes_differently_each_time():
    assert passwords.hash_password("same", "cheapest") != passwords.hash_password("same", "cheapest")


def test_no_stored_hash_never_verifies():
    assert passwords.verify_password(None, "anything", "cheapest") is False
    assert passwords.verify_password("", "anything", "cheapest") is False


def test_a_corrupt_stored_hash_does_not_verify_or_raise():
    assert passwords.verify_password("not-a-hash", "anything", "cheapest") is False
    assert passwords.verify_password("$argon2id$v=19$m=8,t=1,p=1$garbage", "anything", "cheapest") is False


def test_the_test_suite_uses_the_cheapest_profile(app):
    assert app.config["ARGON2_PROFILE"] == "cheapest"
    params = extract_parameters(passwords.hash_password("x", "cheapest"))
    assert (params.time_cost, params.memory_cost, params.parallelism) == (1, 8, 1)


def test_users_built_by_the_factory_have_cheap_hashes(session):
    user = make_user(session)
    assert extract_parameters(user.password_hash).memory_cost == profiles.CHEAPEST.memory_cost


def test_the_default_profile_is_rfc_9106_low_memory():
    params = extract_parameters(passwords.hash_password("x", "default"))
    expected = profiles.RFC_9106_LOW_MEMORY
    assert (params.time_cost, params.memory_cost, params.parallelism) == (
        expected.time_cost, expected.memory_cost, expected.parallelism)


def test_a_hash_verifies_whatever_profile_the_verifier_is_configured_with():
    stored = passwords.hash_password("a long passphrase", "cheapest")
    assert passwords.verify_password(stored, "a long passphrase", "default") is True


def test_a_hash_made_with_other_parameters_needs_rehashing():
    cheap = passwords.hash_password("x", "cheapest")
    assert passwords.needs_rehash(cheap, "default") is True
    assert passwords.needs_rehash(cheap, "cheapest") is False
    assert passwords.needs_rehash(passwords.hash_password("x", "default"), "default") is False


def test_signing_in_upgrades_an_old_hash_to_the_configured_parameters(session):
    user = make_user(session)
    old = user.password_hash
    settings = accounts.AuthSettings(argon2_profile="default")
    accounts.authenticate(session, user.email, PASSWORD, settings, now=dt.datetime(2025, 6, 1, tzinfo=UTC))
    assert user.password_hash != old
    assert passwords.needs_rehash(user.password_hash, "default") is False
    assert passwords.verify_password(user.password_hash, PASSWORD, "default") is True


def test_signing_in_keeps_a_hash_that_is_already_current(session):
    user = make_user(session)
    old = user.password_hash
    accounts.authenticate(session, user.email, PASSWORD, accounts.AuthSettings(argon2_profile="cheapest"))
    assert user.password_hash == old
