"""Settings from environment variables, with safe development defaults and a strict production mode."""
from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from models.db import DatabaseURLError, check_database_url

#: Values a real deployment must never run with.
INSECURE_SECRET_KEYS = frozenset({"", "dev", "change-me", "changeme", "secret", "development-only-secret-key"})
DEV_SECRET_KEY = "development-only-secret-key"  # nosec B105  # development only; production refuses it (_validate)


class ConfigError(RuntimeError):
    """A setting is missing or wrong; the message names it and says what to do."""


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 1) -> int:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from None
    # Zero or less would lock out every sign-in, end every session at once or refuse every upload.
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, not {raw!r}")
    return value


def load_config(instance_path: str | Path, env: Mapping[str, str] | None = None,
                overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Build the Flask config; `overrides` (from tests or create_app) win over the environment."""
    env = os.environ if env is None else env
    overrides = dict(overrides or {})
    instance = Path(instance_path)
    environment = str(overrides.get("ENV_NAME") or env.get("WAYMARK_ENV") or "development").lower()
    if environment not in {"development", "production", "testing"}:
        raise ConfigError(f"WAYMARK_ENV must be development, production or testing, not {environment!r}")
    production = environment == "production"

    cfg: dict[str, Any] = {
        "ENV_NAME": environment,
        "SECRET_KEY": env.get("SECRET_KEY") or (None if production else DEV_SECRET_KEY),
        "DATABASE_URL": env.get("DATABASE_URL") or f"sqlite:///{instance / 'waymark.db'}",
        "UPLOAD_DIR": env.get("UPLOAD_DIR") or str(instance / "uploads"),
        #: Where evidence files are stored by SHA-256; unset means UPLOAD_DIR/evidence (app.portfolio.evidence).
        "EVIDENCE_DIR": env.get("EVIDENCE_DIR") or None,
        "MAX_UPLOAD_MB": _int(env, "MAX_UPLOAD_MB", 10),
        #: Days a link for an outside supervisor or referee works (app.outside).
        "OUTSIDE_LINK_DAYS": _int(env, "OUTSIDE_LINK_DAYS", 14),
        "REDIS_URL": env.get("REDIS_URL") or None,
        #: The RQ queue the workers listen on (`rq worker waymark`).
        "RQ_QUEUE": env.get("RQ_QUEUE") or "waymark",
        "JOB_PARTS": _int(env, "JOB_PARTS", 4, minimum=1),
        #: Processes that lay out one PDF's sections side by side (exports.pdf.render_bodies), at most one per core;
        #: 1 lays them out in the worker itself, for one RQ worker per core.
        "PDF_RENDER_PROCESSES": _int(env, "PDF_RENDER_PROCESSES", 2, minimum=1),
        #: Where job results (exports) are written, outside static/ (app.jobs).
        "JOBS_DIR": env.get("JOBS_DIR") or str(instance / "jobs"),
        #: Days a finished job's files are kept before `waymark jobs purge` deletes them.
        "EXPORT_RETENTION_DAYS": _int(env, "EXPORT_RETENTION_DAYS", 30),
        #: Days after their leaving date a leaver may still sign in, only to download their personal data (app.security).
        "LEAVER_EXPORT_DAYS": _int(env, "LEAVER_EXPORT_DAYS", 90),
        "MAIL_SERVER": env.get("MAIL_SERVER") or None,
        "MAIL_PORT": _int(env, "MAIL_PORT", 587),
        "MAIL_USERNAME": env.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD") or None,
        "MAIL_USE_TLS": _bool(env.get("MAIL_USE_TLS"), True),
        "MAIL_FROM": env.get("MAIL_FROM") or "waymark@localhost",
        "PUBLIC_BASE_URL": env.get("PUBLIC_BASE_URL") or "http://127.0.0.1:5000",
        "LOGIN_MAX_FAILURES": _int(env, "LOGIN_MAX_FAILURES", 5),
        #: Failed sign-ins from one network address, whatever e-mail was typed, within LOGIN_LOCKOUT_MINUTES
        #: before that address is locked out too (app.services.accounts.authenticate).
        "LOGIN_MAX_FAILURES_PER_ADDRESS": _int(env, "LOGIN_MAX_FAILURES_PER_ADDRESS", 20),
        #: How many reverse proxies in front of the app set X-Forwarded-For/-Proto (app.security). With 0 the
        #: client address is the TCP peer: behind a proxy that is the proxy, so every sign-in would share one
        #: per-address throttle. Set it to the number of proxies you run, never more (the header can be forged).
        "TRUSTED_PROXY_COUNT": _int(env, "TRUSTED_PROXY_COUNT", 0, minimum=0),
        #: Strict-Transport-Security on every response: on in production (which must be served over HTTPS).
        "HSTS": _bool(env.get("HSTS"), production),
        #: Each worker keeps its last few HR dashboards, keyed on the audit chain head (app.services.service_dashboard);
        #: off under test, where rolled-back data can bring a chain position back.
        "DASHBOARD_CACHE": _bool(env.get("DASHBOARD_CACHE"), environment != "testing"),
        "LOGIN_LOCKOUT_MINUTES": _int(env, "LOGIN_LOCKOUT_MINUTES", 15),
        "PASSWORD_RESET_HOURS": _int(env, "PASSWORD_RESET_HOURS", 24),
        "PASSWORD_MIN_LENGTH": _int(env, "PASSWORD_MIN_LENGTH", 12, minimum=8),
        #: "default" is argon2-cffi's RFC 9106 low-memory profile; tests use "cheapest".
        "ARGON2_PROFILE": env.get("ARGON2_PROFILE") or ("cheapest" if environment == "testing" else "default"),
        "SESSION_COOKIE_NAME": "waymark_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool(env.get("SESSION_COOKIE_SECURE"), production),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SECURE": _bool(env.get("SESSION_COOKIE_SECURE"), production),
        "PERMANENT_SESSION_LIFETIME": _int(env, "SESSION_HOURS", 10) * 3600,
        "WTF_CSRF_TIME_LIMIT": _int(env, "CSRF_HOURS", 8) * 3600,
        "NHSUK_DIST": env.get("NHSUK_DIST") or None,
    }
    cfg.update(overrides)
    # The whole request may carry the largest file plus the form's other fields; a bigger one is
    # refused before it is read (app.errors explains the limit). Set after the overrides, so a
    # test or deployment that changes MAX_UPLOAD_MB moves both limits together.
    cfg.setdefault("MAX_CONTENT_LENGTH", int(cfg["MAX_UPLOAD_MB"]) * 1024 * 1024 + 64 * 1024)
    _validate(cfg)
    return cfg


def _validate(cfg: dict[str, Any]) -> None:
    if cfg["ENV_NAME"] == "production":
        key = cfg.get("SECRET_KEY") or ""
        if key.strip().lower() in INSECURE_SECRET_KEYS or len(key) < 32:
            raise ConfigError(
                "SECRET_KEY must be set to a random value of at least 32 characters in production "
                "(for example: python -c 'import secrets; print(secrets.token_hex(32))')"
            )
    try:
        cfg["DATABASE_URL"] = check_database_url(cfg["DATABASE_URL"])
    except DatabaseURLError as exc:
        raise ConfigError(str(exc)) from None
    if cfg["ENV_NAME"] == "production" and cfg["ARGON2_PROFILE"] != "default":
        raise ConfigError("ARGON2_PROFILE=cheapest is for tests only; remove it in production")
    if cfg["ARGON2_PROFILE"] not in {"default", "cheapest"}:
        raise ConfigError(f"ARGON2_PROFILE must be default or cheapest, not {cfg['ARGON2_PROFILE']!r}")


def evidence_dir(config: Mapping[str, Any]) -> Path:
    """The evidence store: EVIDENCE_DIR, else UPLOAD_DIR/evidence (worked out late, so a test's UPLOAD_DIR moves it)."""
    configured = config.get("EVIDENCE_DIR")
    return Path(configured) if configured else Path(config["UPLOAD_DIR"]) / "evidence"
