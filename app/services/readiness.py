"""Which pathways apply to a person, and their readiness reports judged from one snapshot.

`applicable_pathways` decides from the post, roles and registrations (the decisions are listed on
it); `readiness_for` builds the snapshot once (models.snapshot) and judges every applicable pathway
with the catalogue as corrected by admins (models.reference_data.catalogue_for); `readiness_for_many`
judges a list of people the same way in a fixed number of queries (the supervisor home). `assess` returns
the snapshot too, with each requirement's figure and target in words, for the dashboard;
`summary_rows` is the statuses-only view that HR, service leads and line managers may see.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Collection, Iterable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from competences.engine import EXPECTED_HORIZON_YEARS as ENGINE_HORIZON_YEARS
from competences.engine import NOT_APPLICABLE_UNIT, ReadinessReport, evaluate
from competences.evidence import Credential, Snapshot
from competences.pathways import Pathway
from competences.requirements import RequirementResult
from competences.rules import minutes_text
from models import Role, StaffProfile, User
from models.bulk_snapshot import people_with_full_snapshots
from models.ksa import KsaPortfolio
from models.reference_data import catalogue_for
from models.training import TrainingCourse
from models.snapshot import (NOT_RECORDED, RECORDED_CREDENTIAL_KINDS, build_snapshot, credential_kind,
                             is_wellbeing_practitioner)

if TYPE_CHECKING:
    from app.services.supervisor_reports import RequiredReport

TRAINEE_PWP = "trainee-pwp-to-pwp"
PWP_REGISTER_BABCP = "pwp-register-babcp"
PWP_REGISTER_BPS = "pwp-register-bps"
TRAINEE_HIT = "trainee-hit-to-band-7"
KSA_PORTFOLIO = "ksa-portfolio"
PRACTITIONER_ACCREDITATION = "babcp-practitioner-accreditation"
REACCREDITATION = "babcp-reaccreditation"
SUPERVISOR_ACCREDITATION = "babcp-supervisor-accreditation"
SUPERVISOR_MAINTENANCE = "babcp-supervisor-maintenance"
NMC_REVALIDATION = "nmc-revalidation"
HCPC_RENEWAL = "hcpc-renewal"
NEXT_PAY_STEP = "next-pay-step"

#: Evidence record kind (pathway `record`) → the log page where it is entered.
LOG_ENDPOINTS = {
    "cpd": "portfolio.cpd",
    "supervision": "portfolio.supervision",
    "cases": "portfolio.cases",
    "contacts": "portfolio.contacts",
    "training": "portfolio.training",
    "ratings": "portfolio.ctsr",
    "signoffs": "portfolio.frameworks",
    "credentials": "portfolio.credentials",
}
#: Ratings on this scale are entered on the live-assessment page, not the CTS-R page.
LIVE_ASSESSMENT_SCALE = "pwp-live-assessment"

#: Requirement dates further ahead than this are shown as "not within 10 years"; the engine applies the same to pathways.
EXPECTED_HORIZON_YEARS = ENGINE_HORIZON_YEARS

STATUS_TEXT = {"ready": "Ready", "not_ready": "Not yet", "cannot_tell": "Cannot tell yet"}
STATUS_COLOUR = {"ready": "green", "not_ready": "orange", "cannot_tell": "grey"}


# --- which pathways apply ----------------------------------------------------------------------

def _is_trainee_hit(band: str | None, title: str) -> bool:
    return band == "6" and "trainee" in title and ("high intensity" in title or "cbt" in title)


@dataclasses.dataclass(frozen=True)
class Choices:
    """What the person has chosen that changes which pathways apply and how they are judged."""

    #: Started a KSA portfolio (the route into training without a core profession).
    has_ksa: bool = False
    #: The KSA route: a framework variant id ("condensed-pwp"), or None for the full KSA.
    ksa_variant: str | None = None
    #: The current training course's CTS-R pass mark and passing recordings required, where it sets them.
    ctsr_pass_total: int | None = None
    ctsr_passes_required: int | None = None


def choices_of(session: Session, user: User) -> Choices:
    """Two queries: the KSA portfolio, and the training course whose CTS-R settings are in force.

    The course is the most recently started one that is not deleted, preferring one in progress: a
    trainee's PG Diploma sets the pass mark and number of recordings its CTS-R ratings are judged by.
    """
    return choices_for(session, [user.id])[user.id]


def choices_for(session: Session, user_ids: Collection[int]) -> dict[int, Choices]:
    """choices_of for many people ({user id: choices}), in two queries whatever their number."""
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    ksa = {p.owner_id: p for p in session.scalars(select(KsaPortfolio).where(KsaPortfolio.owner_id.in_(ids)))}
    course: dict[int, TrainingCourse] = {}
    for row in session.scalars(select(TrainingCourse).where(
            TrainingCourse.owner_id.in_(ids), TrainingCourse.deleted_at.is_(None))
            .order_by(TrainingCourse.owner_id, (TrainingCourse.status == "in_progress").desc(),
                      TrainingCourse.started_on.desc(), TrainingCourse.id.desc())):
        course.setdefault(row.owner_id, row)  # each person's first in that order
    out = {}
    for uid in ids:
        portfolio, current = ksa.get(uid), course.get(uid)
        out[uid] = Choices(has_ksa=portfolio is not None, ksa_variant=portfolio.route if portfolio is not None else None,
                           ctsr_pass_total=current.ctsr_pass_mark if current is not None else None,
                           ctsr_passes_required=current.recordings_required if current is not None else None)
    return out


def pathway_settings(pathway_id: str, choices: Choices) -> dict[str, Any]:
    """Settings a pathway is judged with for this person, over the pathway's own defaults.

    * babcp-practitioner-accreditation: someone with a KSA portfolio is on the KSA route, so the
      core-profession requirement does not apply (the ksa-portfolio pathway judges the portfolio);
      the course's CTS-R pass mark and recordings required replace the pathway's defaults.
    * ksa-portfolio: the chosen route (the condensed KSA spares some criteria).
    """
    settings: dict[str, Any] = {}
    if pathway_id == PRACTITIONER_ACCREDITATION:
        if choices.has_ksa:
            settings["core_profession_route"] = False
        if choices.ctsr_pass_total is not None:
            settings["ctsr_pass_total"] = choices.ctsr_pass_total
        if choices.ctsr_passes_required is not None:
            settings["ctsr_passes_required"] = choices.ctsr_passes_required
    if pathway_id == KSA_PORTFOLIO:
        settings["ksa_variant"] = choices.ksa_variant or ""
    return settings


def applicable_pathway_ids(user: User, profile: StaffProfile | None, choices: Choices = Choices()) -> list[str]:
    """Pathway ids for this person, most specific first.

    Credentials are read by their recorded kind (models.snapshot.credential_kind), never guessed
    from the post; lapsed, suspended and expired ones still count here, since the pathway then
    explains what is missing.

    * Trainee PWP: band 4 and the practitioner role → trainee-pwp-to-pwp.
    * Qualified PWP (band 5, or "wellbeing" in the job title, and not a trainee PWP): the register
      they are on — pwp-register-babcp for the BABCP PWP Register, pwp-register-bps for the BPS
      Wider Psychological Workforce Register; with neither recorded both are shown, since a PWP
      must be on one of them.
    * Trainee HI therapist: band 6 with "trainee" and "high intensity" (or "CBT") in the job title →
      trainee-hit-to-band-7 and babcp-practitioner-accreditation.
    * BABCP accredited (a babcp_accreditation credential) → babcp-reaccreditation; with the
      supervisor role as well → babcp-supervisor-accreditation (the application) until a BABCP
      supervisor accreditation is recorded, then babcp-supervisor-maintenance (its annual declaration).
    * An NMC credential → nmc-revalidation; an HCPC one → hcpc-renewal.
    * Anyone with a band and a pay step → next-pay-step.
    * Anyone who has started a KSA portfolio → ksa-portfolio (after the trainee pathways).
    Not offered automatically: the first accreditation audit and band 8a readiness (they depend on
    choices Waymark does not record yet).
    """
    if profile is None:
        return []
    band = profile.band
    title = (profile.job_title or "").lower()
    kinds = {credential_kind(reg) for reg in profile.registrations}
    ids: list[str] = []
    trainee_pwp = band == "4" and user.has_role(Role.PRACTITIONER)
    if trainee_pwp:
        ids.append(TRAINEE_PWP)
    elif is_wellbeing_practitioner(band, profile.job_title):
        on_babcp, on_bps = "babcp_pwp_register" in kinds, "bps_wpwr" in kinds
        if on_babcp or not on_bps:
            ids.append(PWP_REGISTER_BABCP)
        if on_bps or not on_babcp:
            ids.append(PWP_REGISTER_BPS)
    if _is_trainee_hit(band, title):
        ids += [TRAINEE_HIT, PRACTITIONER_ACCREDITATION]
    if choices.has_ksa:
        ids.append(KSA_PORTFOLIO)
    if "babcp_accreditation" in kinds:
        ids.append(REACCREDITATION)
        if "babcp_supervisor_accreditation" in kinds:
            ids.append(SUPERVISOR_MAINTENANCE)
        elif user.has_role(Role.SUPERVISOR):
            ids.append(SUPERVISOR_ACCREDITATION)
    if "nmc" in kinds:
        ids.append(NMC_REVALIDATION)
    if "hcpc" in kinds:
        ids.append(HCPC_RENEWAL)
    if band is not None and profile.pay_step is not None:
        ids.append(NEXT_PAY_STEP)
    return ids


def applicable_pathways(catalogue: Any, user: User, profile: StaffProfile | None,
                        today: dt.date | None = None, choices: Choices = Choices()) -> list[Pathway]:
    """The current version (in force on `today`, if given) of each applicable pathway in the catalogue."""
    pathways = []
    for pid in applicable_pathway_ids(user, profile, choices):
        if not catalogue.has(pid):
            continue
        try:
            pathways.append(catalogue.current(pid, today).content)
        except KeyError:  # no version in force yet
            continue
    return pathways


# --- judging -----------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class RequirementView:
    """One requirement's result with its figure and target in words, for a page or a PDF."""

    result: RequirementResult
    #: The evidence record kind that feeds it (`cpd`, `supervision`, `credentials`, …).
    record: str
    applicable: bool
    #: Why it cannot be judged from Waymark: its evidence is not recorded here yet (None: it is).
    not_recorded: str | None
    figure: str | None
    target: str | None
    #: (value, maximum) for a progress bar, or None when a bar means nothing (a credential, an HR fact).
    progress: tuple[Decimal, Decimal] | None
    #: The bar in words: "12 h of 40 h".
    progress_text: str | None
    #: The endpoint of the log that feeds it, if it has one.
    log_endpoint: str | None

    def expected_within(self, today: dt.date, years: int = EXPECTED_HORIZON_YEARS) -> bool:
        """Whether the expected date is near enough to mean something (a rate that barely moves gives centuries)."""
        expected = self.result.expected_on
        return expected is not None and expected <= _years_after(today, years)

    @property
    def status(self) -> str:
        if self.not_recorded:
            return "not_recorded"
        if not self.applicable:
            return "not_applicable"
        return {True: "met", False: "not_met", None: "unknown"}[self.result.met]


@dataclasses.dataclass(frozen=True)
class PathwayView:
    report: ReadinessReport
    pathway: Pathway
    requirements: tuple[RequirementView, ...]

    @property
    def applicable_total(self) -> int:
        return self.report.met + self.report.not_met + self.report.unknown

    @property
    def status_text(self) -> str:
        return STATUS_TEXT[self.report.status]

    @property
    def colour(self) -> str:
        return STATUS_COLOUR[self.report.status]


@dataclasses.dataclass(frozen=True)
class Assessment:
    snapshot: Snapshot
    pathways: tuple[PathwayView, ...]

    @property
    def reports(self) -> tuple[ReadinessReport, ...]:
        return tuple(p.report for p in self.pathways)

    def monthly_supervision_target(self) -> Decimal | int | None:
        """The highest monthly supervision minimum among the applicable requirements (None: none applies)."""
        return _highest(r.result.need for r in self._applicable() if r.result.unit == "minutes a month")

    def weekly_contacts_target(self) -> Decimal | int | None:
        """The highest weekly contacts minimum among the applicable requirements (None: none applies)."""
        return _highest(r.result.need for r in self._applicable() if r.result.unit == "contacts per week")

    def _applicable(self) -> list[RequirementView]:
        return [r for p in self.pathways for r in p.requirements if r.applicable]


def _years_after(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _highest(values: Iterable[Decimal | int | None]) -> Decimal | int | None:
    present = [v for v in values if v is not None]
    return max(present) if present else None


def _number(value: Decimal | int) -> str:
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return text
    return str(value)


def _amount(value: Decimal | int, unit: str) -> str:
    """12 h 30 min; 1 h 30 min a month; 1.5 contacts a week; 3 activities."""
    if unit == "minutes":
        return minutes_text(int(value))
    if unit == "minutes a month":
        return f"{minutes_text(int(value))} a month"
    if unit == "minutes per week":
        return f"{minutes_text(int(value))} a week"
    if unit.endswith(" per week"):
        return f"{_number(value)} {unit.removesuffix(' per week')} a week"
    return f"{_number(value)} {unit}"


def _progress_text(have: Decimal | int, need: Decimal | int, unit: str) -> str:
    """12 h of 40 h; 1 h of 1 h 30 min a month; 1 of 8 cases; 1.5 of 2 contacts a week."""
    if unit in ("minutes", "minutes a month", "minutes per week"):
        suffix = {"minutes": "", "minutes a month": " a month", "minutes per week": " a week"}[unit]
        return f"{minutes_text(int(have))} of {minutes_text(int(need))}{suffix}"
    return f"{_number(have)} of {_amount(need, unit)}"


def _not_recorded(pathway: Pathway, result: RequirementResult, record: str) -> str | None:
    if record in NOT_RECORDED:
        what = NOT_RECORDED[record]
        return f"{what[:1].upper()}{what[1:]}: not recorded in Waymark yet."
    if record == "credentials":
        rule = next((r for r in pathway.requirements if r.id == result.id), None)
        kinds = tuple(getattr(rule, "credential_kinds", ()))
        if kinds and not any(k in RECORDED_CREDENTIAL_KINDS or k == SUPERVISOR_REPORT_KIND for k in kinds):
            return "This qualification or accreditation is not recorded in Waymark yet."
    return None


def _log_endpoint(pathway: Pathway, requirement_id: str, record: str) -> str | None:
    rule = next((r for r in pathway.requirements if r.id == requirement_id), None)
    if record == "ratings" and getattr(rule, "scale", None) == LIVE_ASSESSMENT_SCALE:
        return "portfolio.live_assessments"
    if record == "signoffs" and getattr(rule, "framework", None) == "ksa":
        return "portfolio.ksa"
    return LOG_ENDPOINTS.get(record)


def requirement_view(pathway: Pathway, report: ReadinessReport, result: RequirementResult) -> RequirementView:
    spec = pathway.specs.get(result.id)
    record = spec.record if spec is not None else "?"
    applicable = report.is_applicable(result.id) and result.unit != NOT_APPLICABLE_UNIT
    have, need, unit = result.have, result.need, result.unit
    numeric = applicable and unit not in ("", "credentials")
    figure = _amount(have, unit) if numeric and have is not None else None
    target = _amount(need, unit) if numeric and need is not None else None
    progress, progress_text = None, None
    if numeric and need is not None and need > 0:
        value = Decimal(have) if have is not None else Decimal(0)
        progress = (min(value, Decimal(need)), Decimal(need))
        progress_text = _progress_text(value, need, unit)
    # A met requirement is judged whatever is missing elsewhere (team appraisals: met for non-managers).
    unrecorded = _not_recorded(pathway, result, record) if applicable and result.met is not True else None
    return RequirementView(result=result, record=record, applicable=applicable, not_recorded=unrecorded,
                           figure=figure, target=target, progress=progress, progress_text=progress_text,
                           log_endpoint=_log_endpoint(pathway, result.id, record))


#: The credential kind pathways count for a supervisor's report (pathway_babcp_first_accreditation_audit.toml).
SUPERVISOR_REPORT_KIND = "supervisor_report"


def with_supervisor_reports(session: Session, user: User, snapshot: Snapshot) -> Snapshot:
    """The snapshot with a "supervisor_report" credential when every report a pathway needs is in.

    app.services.supervisor_reports.reports_required decides which: the current supervisors', and the
    previous supervisor's while no current one has supervised for 6 months, each written in the
    last 12 months. The credential is dated by the oldest of them, so it leaves a rolling 12-month
    window when the first of them does. Three queries.
    """
    from app.services.supervisor_reports import reports_required  # it imports the review queue

    return _with_reports(snapshot, reports_required(session, user, snapshot.today))


def _with_reports(snapshot: Snapshot, required: Sequence[RequiredReport]) -> Snapshot:
    written = [r.report.written_on for r in required if r.report is not None]
    if not required or len(written) < len(required):
        return snapshot
    report = Credential(id="supervisor-reports", kind=SUPERVISOR_REPORT_KIND, awarded_on=min(written))
    return dataclasses.replace(snapshot, credentials=(*snapshot.credentials, report))


def _evaluate(catalogue: Any, user: User, snapshot: Snapshot, choices: Choices,
              today: dt.date) -> list[tuple[Pathway, ReadinessReport]]:
    pathways = applicable_pathways(catalogue, user, user.profile, today, choices)
    return [(p, evaluate(p, snapshot, catalogue, pathway_settings(p.meta.id, choices))) for p in pathways]


def _judge(session: Session, user: User, today: dt.date) -> tuple[Snapshot, list[tuple[Pathway, ReadinessReport]]]:
    snapshot = with_supervisor_reports(session, user, build_snapshot(session, user.id, today))
    catalogue = catalogue_for(session)
    return snapshot, _evaluate(catalogue, user, snapshot, choices_of(session, user), today)


def readiness_for(session: Session, user: User, today: dt.date) -> list[ReadinessReport]:
    """A readiness report for each pathway that applies to `user`, judged as at `today`."""
    return [report for _, report in _judge(session, user, today)[1]]


def readiness_for_many(session: Session, users: Sequence[User], today: dt.date) -> dict[int, list[ReadinessReport]]:
    """readiness_for each of `users` ({user id: reports}), in a fixed number of queries whatever their number.

    The same judgement as readiness_for person by person: the snapshots come from
    models.bulk_snapshot.people_with_full_snapshots (equal to build_snapshot's), supervisor reports from
    supervisor_reports.reports_required_for and choices from choices_for: 24 queries in all (18, 3, 2 and the
    catalogue's). The users get their role grants and registrations filled in on the way (pathways depend on them).
    """
    from app.services.supervisor_reports import reports_required_for  # it imports the review queue

    ids = [u.id for u in users]
    loaded = people_with_full_snapshots(session, ids, today)
    if not loaded:
        return {}
    required = reports_required_for(session, ids, today)
    choices = choices_for(session, ids)
    catalogue = catalogue_for(session)
    return {user.id: [report for _, report in _evaluate(catalogue, user, _with_reports(snapshot, required[user.id]),
                                                        choices[user.id], today)]
            for user, snapshot in loaded}


def assess(session: Session, user: User, today: dt.date) -> Assessment:
    """The reports with each requirement in words, and the snapshot they were judged from (for the charts)."""
    snapshot, judged = _judge(session, user, today)
    views = tuple(PathwayView(report=report, pathway=pathway,
                              requirements=tuple(requirement_view(pathway, report, r) for r in report.requirements))
                  for pathway, report in judged)
    return Assessment(snapshot=snapshot, pathways=views)


# --- what HR, service leads and line managers may see ------------------------------------------

@dataclasses.dataclass(frozen=True)
class SummaryRow:
    """A pathway's status and how many requirements are met: no figures from the person's records."""

    pathway_id: str
    title: str
    status: str
    met: int
    total: int

    @property
    def status_text(self) -> str:
        return STATUS_TEXT[self.status]

    @property
    def colour(self) -> str:
        return STATUS_COLOUR[self.status]


def summary_rows(reports: Sequence[ReadinessReport]) -> list[SummaryRow]:
    return [SummaryRow(pathway_id=r.pathway_id, title=r.title, status=r.status, met=r.met,
                       total=r.met + r.not_met + r.unknown) for r in reports]
