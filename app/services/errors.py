"""Errors a person can act on; `field` names the form field the message belongs beside."""
from __future__ import annotations


class DomainError(Exception):
    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotPermitted(DomainError):
    """The actor may not do this (raised by services that re-check policies on their own)."""
