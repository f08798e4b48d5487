"""Accreditations, registrations and qualifications: the kinds Waymark knows, and the reminder and flag rules.

The kinds are the evidence credential kinds the pathways read (competences.evidence.Credential),
each with the awarding bodies and the credential type it belongs to. How many days before a
declaration or renewal date to remind, when a missed declaration lapses and what "due soon" means
are data (competences/data/credential_rules.toml, kind `credential_rules`), so an admin can correct
them through the reference-data pages. `flags` and `reminders_due` take `today` as a parameter.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from collections.abc import Mapping

from competences.datafile import Meta, RawFile, Reader
from competences.windows import anniversary


class CredentialType(enum.StrEnum):
    ACCREDITATION = "accreditation"
    REGISTRATION = "registration"
    QUALIFICATION = "qualification"
    MEMBERSHIP = "membership"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class CredentialStatus(enum.StrEnum):
    CURRENT = "current"
    PENDING = "pending"
    LAPSED = "lapsed"
    SUSPENDED = "suspended"
    EXPIRED = "expired"

    @property
    def label(self) -> str:
        return self.value.capitalize()


#: Statuses in which a credential no longer counts as held (the readiness rules see it as lapsed).
NOT_HELD = frozenset({CredentialStatus.LAPSED, CredentialStatus.SUSPENDED, CredentialStatus.EXPIRED})


@dataclasses.dataclass(frozen=True)
class CredentialKind:
    """One kind of credential: the id the pathways use, its name, who awards it and what it is."""

    id: str
    label: str
    #: Body codes (models.enums.Regulator values) that award it; the first is the usual one.
    bodies: tuple[str, ...]
    type: CredentialType


_A, _R, _Q, _M = (CredentialType.ACCREDITATION, CredentialType.REGISTRATION, CredentialType.QUALIFICATION,
                  CredentialType.MEMBERSHIP)

#: Every kind a person may record, in the order a form lists them.
CREDENTIAL_KINDS: tuple[CredentialKind, ...] = (
    CredentialKind("babcp_accreditation", "BABCP accreditation as a CBT psychotherapist", ("babcp",), _A),
    CredentialKind("babcp_supervisor_accreditation", "BABCP supervisor accreditation", ("babcp",), _A),
    CredentialKind("babcp_pwp_register", "BABCP PWP Register", ("babcp",), _R),
    CredentialKind("bps_wpwr", "BPS Wider Psychological Workforce Register", ("bps",), _R),
    CredentialKind("bps", "BPS chartered membership", ("bps",), _M),
    CredentialKind("bacp_accreditation", "BACP accreditation", ("bacp",), _A),
    CredentialKind("ukcp", "UKCP registration", ("ukcp",), _R),
    CredentialKind("nmc", "NMC registration", ("nmc",), _R),
    CredentialKind("hcpc", "HCPC registration", ("hcpc",), _R),
    CredentialKind("swe", "Social Work England registration", ("swe",), _R),
    CredentialKind("pg_dip_hi_cbt", "Postgraduate Diploma in High Intensity CBT", ("university", "other"), _Q),
    CredentialKind("pwp_training", "PWP training (PG Cert or Graduate Certificate)", ("university", "other"), _Q),
    CredentialKind("supervisor_training", "CBT supervisor training", ("university", "babcp", "other"), _Q),
)
KINDS_BY_ID: Mapping[str, CredentialKind] = {k.id: k for k in CREDENTIAL_KINDS}

#: The kind a row saved with only a body stands for (rows from before kinds were recorded, the
#: admin form left on "the body's usual credential"); bodies not named here need a kind chosen.
DEFAULT_KIND_FOR_BODY: Mapping[str, str] = {
    "babcp": "babcp_accreditation", "bps": "bps_wpwr", "bacp": "bacp_accreditation", "ukcp": "ukcp",
    "nmc": "nmc", "hcpc": "hcpc", "swe": "swe",
}

#: Kinds whose award date starts the declaration year (Snapshot.declaration_anchor), in order of preference.
DECLARATION_ANCHOR_KINDS: tuple[str, ...] = ("babcp_accreditation", "babcp_pwp_register", "bps_wpwr")

NEXT_DUE_FROM = ("renewal_date", "anniversary")


# --- the rules, as data ------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class ReminderRule:
    """How one kind is reminded and flagged; every figure comes from the data file."""

    kind: str
    #: Waymark's reminder goes this many days before the declaration or renewal date (or the expiry).
    remind_days_before: int
    #: "Due within N days": a declaration, renewal or expiry this close is flagged.
    due_soon_days: int
    #: Where the next declaration date comes from when no renewal date is recorded: "renewal_date"
    #: (none then) or "anniversary" (the next anniversary of the award date).
    next_due_from: str
    #: The body's own reminder goes this many days before the due date (0: on it) …
    body_reminder_days_before: int | None = None
    #: … and the credential may lapse this many days after that reminder if no declaration is made.
    lapse_days_after_body_reminder: int | None = None
    #: Waymark's second reminder goes this many days before that lapse date.
    lapse_remind_days_before: int = 0
    source: tuple[str, ...] = ()
    uncertain: bool = False


@dataclasses.dataclass(frozen=True)
class CredentialRules:
    meta: Meta
    default: ReminderRule
    by_kind: Mapping[str, ReminderRule]

    def for_kind(self, kind: str) -> ReminderRule:
        return self.by_kind.get(kind, self.default)


_RULE_KEYS = ("remind_days_before", "due_soon_days", "next_due_from", "body_reminder_days_before",
              "lapse_days_after_body_reminder", "lapse_remind_days_before")


def _rule(r: Reader, kind: str, base: ReminderRule | None) -> ReminderRule:
    """One rule; without `base` (the defaults) the reminder and window figures are required."""
    def number(key: str, fallback: int | None, *, required: bool = False) -> int | None:
        value: int | None = r.int(key, required=required, minimum=0)
        return fallback if value is None else value

    remind = number("remind_days_before", base.remind_days_before if base else None, required=base is None)
    due_soon = number("due_soon_days", base.due_soon_days if base else None, required=base is None)
    body = number("body_reminder_days_before", None)
    lapse = number("lapse_days_after_body_reminder", None)
    if (body is None) != (lapse is None):
        raise r.fail("give both body_reminder_days_before and lapse_days_after_body_reminder, or neither",
                     "lapse_days_after_body_reminder")
    next_due = r.str("next_due_from", required=False, choices=NEXT_DUE_FROM) or (
        base.next_due_from if base else "renewal_date")
    assert remind is not None and due_soon is not None
    return ReminderRule(kind=kind, remind_days_before=remind, due_soon_days=due_soon, next_due_from=next_due,
                        body_reminder_days_before=body, lapse_days_after_body_reminder=lapse,
                        lapse_remind_days_before=number("lapse_remind_days_before", 0) or 0,
                        source=r.source(), uncertain=r.uncertain())


def parse_credential_rules(raw: RawFile) -> CredentialRules:
    """Read a `credential_rules` file: [defaults] for every kind, then [[kinds]] overriding them per kind."""
    r = Reader(raw.name, "", raw.body)
    r.only("defaults", "kinds")
    defaults = r.table_of("defaults")
    assert defaults is not None
    defaults.only("remind_days_before", "due_soon_days", "next_due_from", "source", "uncertain")
    default = _rule(defaults, "*", None)
    by_kind: dict[str, ReminderRule] = {}
    for k in r.tables("kinds", required=False):
        k.only("id", *_RULE_KEYS, "source", "uncertain", "notes")
        kind = k.str("id")
        if kind not in KINDS_BY_ID:
            raise k.fail(f"unknown credential kind {kind!r}; known: {', '.join(KINDS_BY_ID)}", "id")
        by_kind[kind] = _rule(k, kind, default)
    return CredentialRules(meta=raw.meta, default=default, by_kind=by_kind)


# --- flags and reminders -----------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class CredentialFacts:
    """What the rules read about one recorded credential."""

    kind: str
    status: CredentialStatus
    awarded_on: dt.date | None
    #: The next declaration or renewal date, as recorded.
    renewal_due_on: dt.date | None
    #: The last day it is valid, if it has one.
    expires_on: dt.date | None


@dataclasses.dataclass(frozen=True)
class Reminder:
    """A reminder to send on `send_on` about `due_on`: kind "declaration", "lapse" or "expiry"."""

    kind: str
    #: The declaration or renewal date (or the expiry) the reminder is about; with the kind, it names the reminder.
    due_on: dt.date
    send_on: dt.date
    #: The reminder is not worth sending after this day (the due date, or the lapse date, has passed).
    last_day: dt.date


@dataclasses.dataclass(frozen=True)
class Flags:
    today: dt.date
    #: No longer valid: its status says so or its expiry date has passed (the expiry day itself is still valid).
    expired: bool
    #: A declaration, renewal or expiry falls between today and `due_soon_days` from today (both counted).
    due_soon: bool
    due_soon_days: int
    #: The reminder date for the next declaration or renewal has come.
    declaration_due: bool
    #: The declaration or renewal date has passed without a new one being recorded.
    overdue: bool
    next_due_on: dt.date | None
    reminder_on: dt.date | None
    #: When the credential may lapse if the declaration is not made (bodies with a lapse rule).
    lapse_on: dt.date | None
    reminders: tuple[Reminder, ...]

    @property
    def lapse_passed(self) -> bool:
        """The lapse date has gone by with no new declaration recorded: the credential may have lapsed."""
        return self.lapse_on is not None and self.overdue and self.lapse_on < self.today


def _lapse_on(due: dt.date, rule: ReminderRule) -> dt.date | None:
    if rule.lapse_days_after_body_reminder is None:
        return None
    body_reminder = due - dt.timedelta(days=rule.body_reminder_days_before or 0)
    return body_reminder + dt.timedelta(days=rule.lapse_days_after_body_reminder)


def next_due(facts: CredentialFacts, rule: ReminderRule, today: dt.date) -> dt.date | None:
    """The recorded renewal date; else, for anniversary kinds, the anniversary of the award still open on `today`.

    An anniversary stays the due date after it passes until its lapse date (BABCP: 28 days after
    its reminder), so "declaration overdue" and "lapses on" show in that window; Waymark cannot
    know whether an unrecorded declaration was made, so after the lapse date the next anniversary
    is due. Kinds without a lapse rule move on the day after the anniversary.
    """
    if facts.renewal_due_on is not None:
        return facts.renewal_due_on
    if rule.next_due_from != "anniversary" or facts.awarded_on is None:
        return None
    first = facts.awarded_on.year + 1
    for year in range(max(first, today.year - 1), max(first, today.year - 1) + 3):
        due = anniversary(facts.awarded_on, year)
        lapse_on = _lapse_on(due, rule)
        if today <= due or (lapse_on is not None and today <= lapse_on):
            return due
    raise AssertionError("unreachable: three consecutive anniversaries include one on or after today")


def flags(facts: CredentialFacts, rule: ReminderRule, today: dt.date) -> Flags:
    """The flags the list shows and the reminders the reminder job sends, as at `today`."""
    expired = facts.status is CredentialStatus.EXPIRED or (facts.expires_on is not None and facts.expires_on < today)
    active = facts.status is CredentialStatus.CURRENT and not expired
    due = next_due(facts, rule, today) if active else None
    reminder_on = due - dt.timedelta(days=rule.remind_days_before) if due else None
    lapse_on = _lapse_on(due, rule) if due is not None else None
    horizon = today + dt.timedelta(days=rule.due_soon_days)
    upcoming = [d for d in (due, facts.expires_on if active else None) if d is not None and today <= d]
    reminders: list[Reminder] = []
    if due is not None and reminder_on is not None:
        reminders.append(Reminder("declaration", due, reminder_on, due))
        if lapse_on is not None:
            reminders.append(Reminder("lapse", due, lapse_on - dt.timedelta(days=rule.lapse_remind_days_before),
                                      lapse_on))
    if active and facts.expires_on is not None and facts.expires_on != due:
        reminders.append(Reminder("expiry", facts.expires_on,
                                  facts.expires_on - dt.timedelta(days=rule.remind_days_before), facts.expires_on))
    return Flags(today=today, expired=expired, due_soon=any(d <= horizon for d in upcoming), due_soon_days=rule.due_soon_days,
                 declaration_due=reminder_on is not None and reminder_on <= today,
                 overdue=due is not None and due < today, next_due_on=due, reminder_on=reminder_on,
                 lapse_on=lapse_on, reminders=tuple(reminders))


def reminders_due(facts: CredentialFacts, rule: ReminderRule, today: dt.date) -> tuple[Reminder, ...]:
    """The reminders whose day has come and whose subject has not passed (a lapsed credential gets none)."""
    return tuple(r for r in flags(facts, rule, today).reminders if r.send_on <= today <= r.last_day)


def kind_fits_body(kind: str, body: str) -> bool:
    known = KINDS_BY_ID.get(kind)
    return known is not None and body in known.bodies
