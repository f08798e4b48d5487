"""Settings: safe defaults for development, a refusal to start in production with unsafe ones."""
import pytest

from app import create_app
from app.config import DEV_SECRET_KEY, ConfigError, load_config

GOOD_KEY = "9f2c4e7a1b3d5f6081a2b3c4d5e6f708192a3b4c5d6e7f80"

#: Every variable load_config reads; a developer's shell may set any of them, so each test starts without.
SETTINGS = ("WAYMARK_ENV", "SECRET_KEY", "DATABASE_URL", "UPLOAD_DIR", "REDIS_URL", "MAIL_SERVER", "MAIL_PORT",
            "MAIL_USERNAME", "MAIL_PASSWORD", "MAIL_USE_TLS", "MAIL_FROM", "PUBLIC_BASE_URL", "LOGIN_MAX_FAILURES",
            "LOGIN_LOCKOUT_MINUTES", "PASSWORD_RESET_HOURS", "PASSWORD_MIN_LENGTH", "ARGON2_PROFILE",
            "SESSION_COOKIE_SECURE", "SESSION_HOURS", "CSRF_HOURS", "MAX_UPLOAD_MB", "NHSUK_DIST",
            "LOGIN_MAX_FAILURES_PER_ADDRESS", "TRUSTED_PROXY_COUNT", "HSTS")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in SETTINGS:
        monkeypatch.delenv(name, raising=False)


def production(**env):
    return {"WAYMARK_ENV": "production", "SECRET_KEY": GOOD_KEY, **env}


def test_development_defaults_to_a_sqlite_file_in_the_instance_folder(tmp_path):
    cfg = load_config(tmp_path, env={})
    assert cfg["ENV_NAME"] == "development"
    assert cfg["DATABASE_URL"] == f"sqlite:///{tmp_path / 'waymark.db'}"
    assert cfg["UPLOAD_DIR"] == str(tmp_path / "uploads")


def test_development_uses_the_development_secret_key(tmp_path):
    assert load_config(tmp_path, env={})["SECRET_KEY"] == DEV_SECRET_KEY


def test_session_cookies_are_http_only_and_same_site_lax_but_not_secure_in_development(tmp_path):
    cfg = load_config(tmp_path, env={})
    assert cfg["SESSION_COOKIE_HTTPONLY"] is True
    assert cfg["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert cfg["SESSION_COOKIE_SECURE"] is False
    assert cfg["REMEMBER_COOKIE_HTTPONLY"] is True


def test_production_cookies_are_secure(tmp_path):
    cfg = load_config(tmp_path, env=production())
    assert cfg["SESSION_COOKIE_SECURE"] is True
    assert cfg["REMEMBER_COOKIE_SECURE"] is True
    assert cfg["SESSION_COOKIE_HTTPONLY"] is True
    assert cfg["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_production_hashes_passwords_with_the_default_argon2_profile(tmp_path):
    assert load_config(tmp_path, env=production())["ARGON2_PROFILE"] == "default"


def test_testing_uses_the_cheapest_argon2_profile(tmp_path):
    assert load_config(tmp_path, env={"WAYMARK_ENV": "testing"})["ARGON2_PROFILE"] == "cheapest"


def test_an_unknown_environment_name_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="WAYMARK_ENV"):
        load_config(tmp_path, env={"WAYMARK_ENV": "staging"})


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_config(tmp_path, env={"WAYMARK_ENV": "production"})


@pytest.mark.parametrize("key", ["short-but-random-4f9a", DEV_SECRET_KEY, "change-me", "secret", " " * 40])
def test_production_refuses_a_short_or_well_known_secret_key(tmp_path, key):
    with pytest.raises(ConfigError, match="SECRET_KEY.*at least 32 characters"):
        load_config(tmp_path, env=production(SECRET_KEY=key))


def test_production_refuses_the_test_only_argon2_profile(tmp_path):
    with pytest.raises(ConfigError, match="ARGON2_PROFILE"):
        load_config(tmp_path, env=production(ARGON2_PROFILE="cheapest"))


def test_an_unknown_argon2_profile_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="ARGON2_PROFILE must be default or cheapest"):
        load_config(tmp_path, env={"ARGON2_PROFILE": "fastest"})


def test_a_malformed_database_url_says_what_is_expected(tmp_path):
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path, env={"DATABASE_URL": "not a url"})
    message = str(err.value)
    assert "DATABASE_URL" in message and "is not a database URL" in message
    assert "postgresql+psycopg://" in message


def test_a_mysql_database_url_is_refused_with_the_supported_databases_named(tmp_path):
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path, env={"DATABASE_URL": "mysql://waymark@db.example/waymark"})
    assert str(err.value) == "DATABASE_URL uses 'mysql'; Waymark runs on sqlite or postgresql"


def test_a_plain_postgresql_url_is_given_the_psycopg_driver(tmp_path):
    cfg = load_config(tmp_path, env={"DATABASE_URL": "postgresql://waymark:pw@db.example:5432/waymark"})
    assert cfg["DATABASE_URL"] == "postgresql+psycopg://waymark:pw@db.example:5432/waymark"


def test_a_postgresql_url_that_names_its_driver_is_kept(tmp_path):
    url = "postgresql+psycopg://waymark@db.example/waymark"
    assert load_config(tmp_path, env={"DATABASE_URL": url})["DATABASE_URL"] == url


def test_a_setting_that_is_not_a_whole_number_names_the_variable_and_the_value(tmp_path):
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path, env={"LOGIN_MAX_FAILURES": "abc"})
    assert str(err.value) == "LOGIN_MAX_FAILURES must be a whole number, not 'abc'"


@pytest.mark.parametrize("name", ["LOGIN_MAX_FAILURES", "LOGIN_LOCKOUT_MINUTES", "SESSION_HOURS", "MAX_UPLOAD_MB"])
def test_a_setting_of_zero_or_less_is_refused(tmp_path, name):
    with pytest.raises(ConfigError, match=f"{name} must be at least 1, not '0'"):
        load_config(tmp_path, env={name: "0"})


def test_a_minimum_password_length_below_eight_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="PASSWORD_MIN_LENGTH must be at least 8, not '6'"):
        load_config(tmp_path, env={"PASSWORD_MIN_LENGTH": "6"})


def test_integer_settings_are_read_from_the_environment(tmp_path):
    cfg = load_config(tmp_path, env={"LOGIN_MAX_FAILURES": "3", "LOGIN_LOCKOUT_MINUTES": "30"})
    assert (cfg["LOGIN_MAX_FAILURES"], cfg["LOGIN_LOCKOUT_MINUTES"]) == (3, 30)


def test_overrides_win_over_the_environment(tmp_path):
    cfg = load_config(tmp_path, env={"LOGIN_MAX_FAILURES": "3"}, overrides={"LOGIN_MAX_FAILURES": 9})
    assert cfg["LOGIN_MAX_FAILURES"] == 9


def test_create_app_refuses_to_start_in_production_without_a_secret_key(tmp_path, monkeypatch):
    monkeypatch.setenv("WAYMARK_ENV", "production")
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app(instance_path=tmp_path / "instance")


def test_create_app_starts_in_production_with_a_good_secret_key(tmp_path, monkeypatch, database_url):
    monkeypatch.setenv("WAYMARK_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", GOOD_KEY)
    monkeypatch.setenv("DATABASE_URL", database_url)
    app = create_app(instance_path=tmp_path / "instance")
    try:
        assert app.config["ENV_NAME"] == "production"
        assert app.config["ARGON2_PROFILE"] == "default"
        response = app.test_client().get("/login")
        assert response.status_code == 200
        cookie = response.headers["Set-Cookie"]
        assert cookie.startswith("waymark_session=")
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
        assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    finally:
        app.extensions["waymark.engine"].dispose()



def test_hsts_is_on_in_production_only_unless_set(tmp_path):
    assert load_config(tmp_path, env=production())["HSTS"] is True
    assert load_config(tmp_path, env={})["HSTS"] is False
    assert load_config(tmp_path, env=production(HSTS="0"))["HSTS"] is False


def test_development_sends_no_hsts(tmp_path, database_url):
    app = create_app({"DATABASE_URL": database_url}, instance_path=tmp_path / "instance")
    try:
        assert "Strict-Transport-Security" not in app.test_client().get("/login").headers
    finally:
        app.extensions["waymark.engine"].dispose()


def test_per_address_sign_in_limit_and_trusted_proxies_have_safe_defaults(tmp_path):
    cfg = load_config(tmp_path, env={})
    assert (cfg["LOGIN_MAX_FAILURES_PER_ADDRESS"], cfg["TRUSTED_PROXY_COUNT"]) == (20, 0)
    cfg = load_config(tmp_path, env={"LOGIN_MAX_FAILURES_PER_ADDRESS": "50", "TRUSTED_PROXY_COUNT": "1"})
    assert (cfg["LOGIN_MAX_FAILURES_PER_ADDRESS"], cfg["TRUSTED_PROXY_COUNT"]) == (50, 1)
    with pytest.raises(ConfigError, match="TRUSTED_PROXY_COUNT must be at least 0"):
        load_config(tmp_path, env={"TRUSTED_PROXY_COUNT": "-1"})
    with pytest.raises(ConfigError, match="LOGIN_MAX_FAILURES_PER_ADDRESS must be at least 1"):
        load_config(tmp_path, env={"LOGIN_MAX_FAILURES_PER_ADDRESS": "0"})
