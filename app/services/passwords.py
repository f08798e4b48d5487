"""argon2id password hashing; the cost profile is configuration so tests stay fast."""
from __future__ import annotations

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_HASHERS: dict[str, PasswordHasher] = {}


def hasher(profile: str = "default") -> PasswordHasher:
    if profile not in _HASHERS:
        _HASHERS[profile] = (PasswordHasher.from_parameters(profiles.CHEAPEST) if profile == "cheapest"
                             else PasswordHasher())
    return _HASHERS[profile]


def hash_password(password: str, profile: str = "default") -> str:
    return hasher(profile).hash(password)


def verify_password(stored_hash: str | None, password: str, profile: str = "default") -> bool:
    """False for a wrong password or no hash; a dummy verify keeps unknown accounts equally slow."""
    h = hasher(profile)
    if not stored_hash:
        try:
            h.verify(_dummy_hash(profile), password + "x")
        except (VerificationError, InvalidHashError):
            pass
        return False
    try:
        return h.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str, profile: str = "default") -> bool:
    return hasher(profile).check_needs_rehash(stored_hash)


_DUMMY: dict[str, str] = {}


def _dummy_hash(profile: str) -> str:
    if profile not in _DUMMY:
        _DUMMY[profile] = hasher(profile).hash("not-a-real-password")
    return _DUMMY[profile]
