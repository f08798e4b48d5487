"""Signing in, passwords, reset links and accounts: the rules, shared by web pages and the CLI."""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import ipaddress
import math
import secrets
from collections.abc import Iterable

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.services import passwords
from app.services.errors import DomainError
from models import LoginThrottle, Organisation, PasswordResetToken, Role, RoleGrant, Service, User
from models.audit import record
from models.base import utcnow
from models.people import new_session_token


@dataclasses.dataclass(frozen=True)
class AuthSettings:
    max_failures: int = 5
    #: Failed sign-ins from one network address (any e-mail) within `lockout_minutes` before it is locked out:
    #: higher than the per-account limit, because a Trust's staff may share one NAT or proxy address.
    max_failures_per_address: int = 20
    lockout_minutes: int = 15
    reset_hours: int = 24
    min_password_length: int = 12
    argon2_profile: str = "default"

    @classmethod
    def from_config(cls, cfg: dict[str, object]) -> AuthSettings:
        return cls(
            max_failures=int(str(cfg["LOGIN_MAX_FAILURES"])),
            max_failures_per_address=int(str(cfg["LOGIN_MAX_FAILURES_PER_ADDRESS"])),
            lockout_minutes=int(str(cfg["LOGIN_LOCKOUT_MINUTES"])),
            reset_hours=int(str(cfg["PASSWORD_RESET_HOURS"])),
            min_password_length=int(str(cfg["PASSWORD_MIN_LENGTH"])),
            argon2_profile=str(cfg["ARGON2_PROFILE"]),
        )


#: One message for every failed sign-in, so nobody can learn which e-mail addresses have accounts.
LOGIN_FAILED = "Enter a correct e-mail address and password"
LOCKED_OUT = "Too many failed attempts. Try again in {minutes}, or reset your password."


def _locked_out(minutes: int) -> DomainError:
    return DomainError(LOCKED_OUT.format(minutes=f"{minutes} minute{'' if minutes == 1 else 's'}"), field="email")


def normalise_email(email: str) -> str:
    return email.strip().lower()


def throttle_key(email: str) -> str:
    """The digest an e-mail address is counted (and remembered by a browser) under; never the address itself."""
    return hashlib.sha256(normalise_email(email).encode()).hexdigest()


#: Address keys start with this; an e-mail key is 64 hex digits, so the two can never collide
#: (typing an "e-mail" that looks like an address key cannot lock out a network address).
ADDRESS_KEY_PREFIX = "addr-"


def _address_key(address: str) -> str:
    """IPv6 addresses count by their /64: one subscriber is usually given a whole /64, so counting single
    addresses would let them change address between guesses."""
    text = address.strip()
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        pass
    else:
        if ip.version == 6 and ip.ipv4_mapped is not None:  # an IPv4 client on a dual-stack listener
            ip = ip.ipv4_mapped
        text = str(ipaddress.ip_network(f"{ip}/64", strict=False)) if ip.version == 6 else str(ip)
    digest = hashlib.sha256(text.encode()).hexdigest()
    return ADDRESS_KEY_PREFIX + digest[:64 - len(ADDRESS_KEY_PREFIX)]


def _throttle_row(session: Session, key: str) -> LoginThrottle:
    row = session.scalar(select(LoginThrottle).where(LoginThrottle.key == key))
    if row is None:
        # Two first failures for one key at once would both insert; the loser re-reads the winner's row.
        try:
            with session.begin_nested():
                row = LoginThrottle(key=key, failures=0)
                session.add(row)
        except IntegrityError:
            row = session.scalars(select(LoginThrottle).where(LoginThrottle.key == key)).one()
    return row


def _throttle(session: Session, email: str) -> LoginThrottle:
    return _throttle_row(session, throttle_key(email))


def count_locked_out(session: Session, now: dt.datetime | None = None) -> tuple[int, int]:
    """(e-mail addresses, network addresses) locked out now, for the admin's home page."""
    now = now or utcnow()
    locked = LoginThrottle.locked_until > now
    by_address = LoginThrottle.key.startswith(ADDRESS_KEY_PREFIX)
    emails = session.scalar(select(func.count()).select_from(LoginThrottle).where(locked, ~by_address)) or 0
    addresses = session.scalar(select(func.count()).select_from(LoginThrottle).where(locked, by_address)) or 0
    return emails, addresses


def _minutes_left(throttles: Iterable[LoginThrottle], now: dt.datetime) -> int | None:
    ends = [t.locked_until for t in throttles if t.locked_until and t.locked_until > now]
    return max(1, math.ceil((max(ends) - now).total_seconds() / 60)) if ends else None


def _count_failure(session: Session, throttle: LoginThrottle, limit: int, now: dt.datetime,
                   settings: AuthSettings, *, window: bool) -> bool:
    """Add a failure; True when it reaches the limit (the key is then locked and counting starts again).

    The count is raised by the database (UPDATE … SET failures = failures + 1 RETURNING), so a burst of
    guesses sent at once cannot all read the same count and each write back count + 1.
    """
    lockout = dt.timedelta(minutes=settings.lockout_minutes)
    key = LoginThrottle.key == throttle.key
    if window:  # an address's failures only count within the lockout time
        session.execute(update(LoginThrottle).where(key, LoginThrottle.last_failure_at <= now - lockout)
                        .values(failures=0).execution_options(synchronize_session=False))
    failures = session.execute(
        update(LoginThrottle).where(key).values(failures=LoginThrottle.failures + 1, last_failure_at=now)
        .returning(LoginThrottle.failures).execution_options(synchronize_session=False)).scalar_one()
    if failures >= limit:
        session.execute(update(LoginThrottle).where(key, LoginThrottle.failures >= limit)
                        .values(failures=0, locked_until=now + lockout)
                        .execution_options(synchronize_session=False))
    session.expire(throttle)
    return failures >= limit


def authenticate(session: Session, email: str, password: str, settings: AuthSettings,
                 now: dt.datetime | None = None, *, address: str | None = None, known_browser: bool = False) -> User:
    """Return the user, or raise DomainError with the same message whatever went wrong.

    Failures are counted per typed e-mail and, when `address` (the client's network address) is given, per
    address too, with a higher limit: guessing one password from many addresses, or many accounts' passwords
    from one address, both end in a lockout. Every path runs exactly one argon2 verification, so neither the
    answer nor its timing says whether the account exists, is inactive or is locked.

    `known_browser`: this browser has signed in to this very account before (a signed cookie, app.auth): the
    address is neither checked nor counted for it, so a lockout of a shared network address (a Trust's NAT,
    or someone spraying guesses from it) does not shut out staff on browsers they already use. The account's
    own count still applies (OWASP's "device cookie" approach).
    """
    now = now or utcnow()
    email = normalise_email(email)
    throttle = _throttle(session, email)
    by_address = _throttle_row(session, _address_key(address)) if address and not known_browser else None
    minutes = _minutes_left([t for t in (throttle, by_address) if t is not None], now)
    if minutes is not None:
        passwords.verify_password(None, password, settings.argon2_profile)  # same cost as a real try
        raise _locked_out(minutes)
    user = session.scalar(select(User).where(User.email == email))
    ok = user is not None and user.active and passwords.verify_password(
        user.password_hash, password, settings.argon2_profile)
    if not ok or user is None:
        if user is None or not user.active:
            passwords.verify_password(None, password, settings.argon2_profile)
        locked = _count_failure(session, throttle, settings.max_failures, now, settings, window=False)
        if by_address is not None:
            locked = _count_failure(session, by_address, settings.max_failures_per_address, now, settings,
                                    window=True) or locked
        session.flush()
        record(session, "login_failed", "users", user.id if user else None,
               actor_id=None, detail={"locked": locked})
        if locked:
            raise _locked_out(settings.lockout_minutes)
        raise DomainError(LOGIN_FAILED, field="email")
    # Only the account's count is cleared: one good sign-in must not reset an address that is guessing others.
    throttle.failures = 0
    throttle.locked_until = None
    if user.password_hash and passwords.needs_rehash(user.password_hash, settings.argon2_profile):
        user.password_hash = passwords.hash_password(password, settings.argon2_profile)
    user.last_login_at = now
    session.flush()
    record(session, "login", "users", user.id, actor_id=user.id)
    return user


def sign_out(session: Session, user: User) -> None:
    """End the session: a new session token makes any copy of the signed cookie worthless.

    Flask's session is a signed cookie held by the browser, so clearing it cannot stop a copy taken earlier
    from being replayed; changing the token the cookie names can. The token is per person, so signing out
    also signs out their other devices: accepted for an NHS system, where a forgotten session on a shared
    clinic computer is the bigger risk. The caller commits.
    """
    user.session_token = new_session_token()
    session.flush()
    record(session, "logout", "users", user.id, actor_id=user.id)


def check_new_password(password: str, confirm: str, settings: AuthSettings, *, email: str = "") -> None:
    if len(password) < settings.min_password_length:
        raise DomainError(f"Password must be {settings.min_password_length} characters or more", field="new_password")
    if password != confirm:
        raise DomainError("Passwords do not match", field="confirm_password")
    if email and normalise_email(email).split("@")[0] in password.lower():
        raise DomainError("Password must not contain your e-mail address", field="new_password")


def set_password(user: User, password: str, settings: AuthSettings, now: dt.datetime | None = None) -> None:
    user.password_hash = passwords.hash_password(password, settings.argon2_profile)
    user.password_changed_at = now or utcnow()
    # A new password signs out every other session of this person.
    user.session_token = new_session_token()


def change_password(session: Session, user: User, current: str, new: str, confirm: str,
                    settings: AuthSettings) -> None:
    if not passwords.verify_password(user.password_hash, current, settings.argon2_profile):
        raise DomainError("Your current password is not correct", field="current_password")
    check_new_password(new, confirm, settings, email=user.email)
    if new == current:
        raise DomainError("Choose a password different from your current one", field="new_password")
    set_password(user, new, settings)
    session.flush()
    record(session, "password_changed", "users", user.id, actor_id=user.id)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_reset_token(session: Session, user: User, settings: AuthSettings, *, issued_by: User | None = None,
                      now: dt.datetime | None = None) -> str:
    """Create a single-use token and return it (only its hash is stored). Older unused links stop working."""
    now = now or utcnow()
    for old in session.scalars(select(PasswordResetToken).where(
            PasswordResetToken.user_id == user.id, PasswordResetToken.used_at.is_(None))):
        old.used_at = now
    token = secrets.token_urlsafe(32)
    session.add(PasswordResetToken(
        user_id=user.id, token_hash=_token_hash(token), created_at=now,
        expires_at=now + dt.timedelta(hours=settings.reset_hours), issued_by_id=issued_by.id if issued_by else None,
    ))
    session.flush()
    record(session, "password_reset_issued", "users", user.id,
           actor_id=issued_by.id if issued_by else None, detail={"by_admin": issued_by is not None})
    return token


def find_reset_token(session: Session, token: str, now: dt.datetime | None = None) -> PasswordResetToken | None:
    now = now or utcnow()
    row = session.scalar(select(PasswordResetToken).where(PasswordResetToken.token_hash == _token_hash(token)))
    if row is None or row.used_at is not None or row.expires_at <= now or not row.user.active:
        return None
    return row


def reset_password(session: Session, token: str, new: str, confirm: str, settings: AuthSettings,
                   now: dt.datetime | None = None) -> User:
    now = now or utcnow()
    row = find_reset_token(session, token, now)
    if row is None:
        raise DomainError("This link has expired or has already been used. Ask for a new one.")
    check_new_password(new, confirm, settings, email=row.user.email)
    row.used_at = now
    set_password(row.user, new, settings, now)
    # A successful reset also lifts any lockout on the address.
    throttle = _throttle(session, row.user.email)
    throttle.failures, throttle.locked_until = 0, None
    session.flush()
    record(session, "password_reset", "users", row.user_id, actor_id=row.user_id)
    return row.user


# --- accounts ---------------------------------------------------------------------------------

def create_user(session: Session, *, email: str, full_name: str, organisation: Organisation,
                roles: Iterable[Role | tuple[Role, Service | None]] = (), password: str | None = None,
                settings: AuthSettings | None = None) -> User:
    email = normalise_email(email)
    if "@" not in email or email.startswith("@") or email.endswith("@"):
        raise DomainError("Enter an e-mail address in the correct format, like name@nhs.net", field="email")
    if not full_name.strip():
        raise DomainError("Enter the person's full name", field="full_name")
    if session.scalar(select(func.count()).select_from(User).where(User.email == email)):
        raise DomainError("An account with this e-mail address already exists", field="email")
    user = User(email=email, full_name=full_name.strip(), organisation=organisation)
    if password is not None:
        s = settings or AuthSettings()
        check_new_password(password, password, s)
        set_password(user, password, s)
    session.add(user)
    session.flush()
    for item in roles:
        role, service = item if isinstance(item, tuple) else (item, None)
        grant_role(session, user, role, service)
    return user


def grant_role(session: Session, user: User, role: Role, service: Service | None = None) -> RoleGrant:
    if role is Role.SERVICE_LEAD and service is None:
        raise DomainError("Choose the service this person leads", field="service")
    if role not in (Role.SERVICE_LEAD, Role.HR):
        service = None
    if service is not None and service.organisation_id != user.organisation_id:
        raise DomainError("That service belongs to another organisation", field="service")
    for g in user.role_grants:
        if g.role is role and g.service_id == (service.id if service else None):
            return g
    grant = RoleGrant(user=user, role=role, service=service)
    session.add(grant)
    session.flush()
    return grant


def revoke_role(session: Session, grant: RoleGrant) -> None:
    grant.user.role_grants.remove(grant)
    session.flush()


def set_active(session: Session, user: User, active: bool, *, actor: User) -> None:
    if user.id == actor.id and not active:
        raise DomainError("You cannot deactivate your own account", field="active")
    user.active = active
    if not active:
        user.session_token = new_session_token()
        # A reset link issued before deactivation must not come back to life on reactivation.
        for token in session.scalars(select(PasswordResetToken).where(
                PasswordResetToken.user_id == user.id, PasswordResetToken.used_at.is_(None))):
            token.used_at = utcnow()
    session.flush()
