"""Template globals: the header's navigation for the roles a person holds, dates, the CSP nonce."""
from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Flask, g, request, url_for
from flask_login import current_user
from jinja2 import BytecodeCache
from jinja2.bccache import Bucket

from competences.rules import minutes_text
from models import Role

#: Each role's home page, in the order they appear in the header.
ROLE_HOMES: tuple[tuple[Role, str, str], ...] = (
    (Role.PRACTITIONER, "home.practitioner", "My portfolio"),
    (Role.SUPERVISOR, "home.supervisor", "Supervisees"),
    (Role.COURSE_TUTOR, "home.tutor", "Trainees"),
    (Role.LINE_MANAGER, "home.line_manager", "My team"),
    (Role.SERVICE_LEAD, "home.service_lead", "My service"),
    (Role.HR, "home.hr", "HR"),
    (Role.ADMIN, "home.admin", "Administration"),
)


class ProcessBytecodeCache(BytecodeCache):
    """Compiled templates shared by every app built in this process (tests build hundreds)."""

    _store: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self._store.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._store[bucket.key] = bucket.bytecode_to_string()


def navigation() -> list[dict[str, Any]]:
    if not current_user.is_authenticated:
        return []
    items = []
    for role, endpoint, text in ROLE_HOMES:
        if current_user.has_role(role):
            href = url_for(endpoint)
            items.append({"href": href, "text": text, "current": request.path == href})
    return items


def format_date(value: dt.date | dt.datetime | None, fmt: str = "%-d %B %Y") -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.astimezone(dt.timezone.utc)
        return value.strftime("%-d %B %Y, %H:%M UTC")
    return value.strftime(fmt)


def duration(minutes: int | None) -> str:
    """90 → "1 h 30 min": every page shows time as the readiness reports do."""
    return "" if minutes is None else minutes_text(int(minutes))


def elapsed(value: dt.timedelta | None) -> str:
    """A job's time so far or left: "45 s", "3 min 5 s", "1 h 2 min"."""
    if value is None:
        return ""
    seconds = max(0, int(value.total_seconds()))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min {secs} s" if minutes else f"{secs} s"


def init_app(app: Flask) -> None:
    app.jinja_env.filters["date"] = format_date
    app.jinja_env.filters["elapsed"] = elapsed
    app.jinja_env.filters["duration"] = duration
    app.jinja_env.globals["duration"] = duration

    @app.context_processor
    def _globals() -> dict[str, Any]:
        return {"csp_nonce": g.get("csp_nonce", ""), "navigation_items": navigation(), "Role": Role}
