"""Absolute links for e-mails and one-off links, built from PUBLIC_BASE_URL, never from the request's Host header."""
from __future__ import annotations

from typing import Any

from flask import current_app, url_for


def external_url(endpoint: str, **values: Any) -> str:
    base = str(current_app.config["PUBLIC_BASE_URL"]).rstrip("/")
    return base + url_for(endpoint, **values)
