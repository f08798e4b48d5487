"""The world the authorisation matrix runs in: the demo service plus one actor per relationship to the owners.

The demo (app.services.demo) gives the owners their records; this module adds the actors, each related in
exactly one way to every owner, so an actor's answer depends on the relationship alone:

- sup: current supervisor; former: supervisor whose relationship ended; unrelated: a supervisor of someone else;
- lm: current line manager; tutor: current course tutor;
- lead / other_lead: service lead of the owners' service / of another service;
- hr / other_hr: HR for the whole organisation / HR for the other service only;
- admin; other: another practitioner in the owners' team; anon: nobody signed in.

Owners: Sophie (most records) and, for record kinds she has none of, Daniel (NMC), Owen (level ratings),
Amira (PWP live assessments), Leah (outside links) and Nadia (her own supervision work). Two more people are
acted on rather than acting: `target` (the admin account pages) and `leaver` (HR's leaver export).
"""
from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from flask import Flask

from sqlalchemy import select
from sqlalchemy.orm import Session

import app.services.document_kinds  # noqa: F401  (registers the kinds)
from app import create_app
from app.jobs import runner
from app.services import claims, documents, job_kinds, jobs, outside_links
from app.services.demo import load_demo
from competences import frameworks
from models import (CompetenceClaim, CpdActivity, ClinicalCase, ClinicalContact, EvidenceItem, NmcFeedback,
                    NmcPracticeHours, NmcReflectiveAccount, NmcReflectiveDiscussion, OutboxMail, Post,
                    ProfessionalRegistration, ProgressionDecision, RelationshipKind, Role, RoleGrant, SkillRecord, SkillTarget, StaffRelationship, SupervisionSession, Team, User,
                    LeaveOfAbsence, LeaveKind)
from models.countersigning import CountersignStatus, SupervisionContract
from models.ksa import KsaExperience, KsaStudy, ReferenceKind, ReferenceRequest
from models.jobs import JobStatus
from models.level_ratings import LevelRating
from models.reference_data import catalogue_for
from models.outside_links import OutsideLink
from models.supervisor_work import FeedbackInvitee, OutsideSupervisionGiven, SupervisionTraining, SupervisorReport
from models.training import CtsrRating, PwpLiveAssessment, TrainingCourse, TrainingHoursEntry
from tests.conftest import TEST_DATABASE_URL, _reset_postgres
from tests.factories import TEST_SETTINGS, make_relationship, make_service, make_team, make_user

ACTORS = ("anon", "owner", "other", "sup", "former", "unrelated", "lm", "lead", "other_lead", "hr", "other_hr",
          "admin", "tutor")
OWNERS = ("sophie", "daniel", "owen", "amira", "leah", "nadia")
LONG_AGO = dt.date(2015, 1, 1)


@dataclasses.dataclass
class World:
    users: dict[str, User]
    ids: dict[str, Any]
    #: Raw token of a working outside link for Sophie's reference request.
    outside_token: str


def _first(session: Session, query: Any) -> Any:
    row = session.scalars(query.limit(1)).first()
    assert row is not None, str(query)
    return row


def build(session: Session, upload_dir: Path, jobs_dir: Path, today: dt.date) -> World:
    load_demo(session, TEST_SETTINGS, today=today, evidence_dir=upload_dir / "evidence")
    session.flush()
    demo = {u.email.split(".")[0]: u for u in session.scalars(select(User))}
    sophie = demo["sophie"]
    assert sophie.profile is not None and sophie.profile.team is not None
    home_team = sophie.profile.team
    home_service = home_team.service
    org = home_service.organisation
    other_service = make_service(session, organisation=org, name="Other service")
    make_team(session, service=other_service, name="Other team")

    def person(key: str, *roles: Any, team: Team | None = None) -> User:
        return make_user(session, roles=roles, organisation=org, team=team, profile=team is not None,
                         email=f"authz-{key}@example.org", full_name=f"Authz {key}")

    users: dict[str, User] = {
        "other": person("other", Role.PRACTITIONER, team=home_team),
        "sup": person("sup", Role.PRACTITIONER, Role.SUPERVISOR, team=home_team),
        "former": person("former", Role.PRACTITIONER, Role.SUPERVISOR, team=home_team),
        "unrelated": person("unrelated", Role.PRACTITIONER, Role.SUPERVISOR, team=home_team),
        "lm": person("lm", Role.LINE_MANAGER, team=home_team),
        "lead": person("lead", (Role.SERVICE_LEAD, home_service)),
        "other_lead": person("other_lead", (Role.SERVICE_LEAD, other_service)),
        "hr": person("hr", Role.HR),
        "other_hr": person("other_hr", (Role.HR, other_service)),
        "admin": person("admin", Role.ADMIN),
        "tutor": person("tutor", Role.COURSE_TUTOR),
        # Someone the admin pages act on (deactivate, roles, leave) without touching the owners.
        "target": person("target", Role.PRACTITIONER, team=home_team),
        # Someone who left the owners' team last week: HR export their personal data (app.leavers).
        "leaver": person("leaver", Role.PRACTITIONER, team=home_team),
    }
    users["leaver"].left_on = today - dt.timedelta(days=7)
    owners = {k: demo[k] for k in OWNERS}
    for owner in owners.values():
        make_relationship(session, senior=users["sup"], junior=owner, starts_on=LONG_AGO)
        make_relationship(session, senior=users["former"], junior=owner, starts_on=LONG_AGO,
                          ends_on=today - dt.timedelta(days=30))
        make_relationship(session, senior=users["lm"], junior=owner, kind=RelationshipKind.LINE_MANAGEMENT,
                          starts_on=LONG_AGO)
        make_relationship(session, senior=users["tutor"], junior=owner, kind=RelationshipKind.TUTORING,
                          starts_on=LONG_AGO)
    make_relationship(session, senior=users["unrelated"], junior=users["other"], starts_on=LONG_AGO)
    target_rel = make_relationship(session, senior=users["lm"], junior=users["target"],
                                   kind=RelationshipKind.LINE_MANAGEMENT, starts_on=LONG_AGO)
    users.update(demo)
    users["owner"] = sophie
    ids: dict[str, Any] = {f"user:{k}": u.id for k, u in users.items()}

    def owned(model: Any, owner: User, *extra: Any) -> Any:
        query = select(model).where(model.owner_id == owner.id, *extra).order_by(model.id)
        if hasattr(model, "deleted_at"):
            query = query.where(model.deleted_at.is_(None))
        return _first(session, query)

    ids["cpd"] = owned(CpdActivity, sophie).id
    # A case outside her training: her course tutor may not read it (app.services.logs.can_read_case).
    case = owned(ClinicalCase, sophie, ClinicalCase.assessed_case_study.is_(False))
    case.training_case = False
    ids["case"] = case.id
    ids["contact"] = owned(ClinicalContact, sophie).id
    ids["evidence"] = owned(EvidenceItem, sophie, EvidenceItem.shared_with_hr.is_(False)).id
    claim = owned(CompetenceClaim, sophie)
    ids["claim"] = claim.id
    # A new claim (?framework=&item=): an item of the same framework she has not claimed yet.
    framework = claims.current_framework(catalogue_for(session), claim.framework_id, today)
    ids["claim_framework"] = framework.meta.id
    ids["claim_item"] = next(i.id for i in frameworks.items(framework)
                             if claims.existing_claim(session, sophie.id, framework.meta.id, i.id, None) is None)
    course = owned(TrainingCourse, sophie)
    ids["training"] = course.id
    ids["training_hours"] = _first(session, select(TrainingHoursEntry).where(
        TrainingHoursEntry.course_id == ids["training"]).order_by(TrainingHoursEntry.id)).id
    # The course-level changes (edit, delete, undo) get a course of their own, so that deleting it does not hide
    # the demo course whose parts (learning hours) the part endpoints change.
    spare_course = TrainingCourse(owner_id=sophie.id, title="Authz course", kind=course.kind,
                                  started_on=course.started_on)
    session.add(spare_course)
    session.flush()
    ids["training_spare"] = spare_course.id
    ids["ctsr"] = owned(CtsrRating, sophie).id
    ids["ksa_experience"] = owned(KsaExperience, sophie).id
    ids["ksa_study"] = owned(KsaStudy, sophie).id
    # A reference request to `sup` (who writes it in Waymark) and one to an outside referee (who gets a link).
    reference = ReferenceRequest(owner_id=sophie.id, kind=ReferenceKind.REFERENCE, criteria=[],
                                 referee_id=users["sup"].id)
    outside = ReferenceRequest(owner_id=sophie.id, kind=ReferenceKind.REFERENCE, criteria=[],
                               referee_name="Outside Referee", referee_email="referee@example.org")
    session.add_all([reference, outside])
    session.flush()
    ids["reference"], ids["outside_reference"] = reference.id, outside.id
    ids["credential"] = _first(session, select(ProfessionalRegistration).where(
        ProfessionalRegistration.profile_id == sophie.profile.id)).id
    ids["nmc_practice"] = owned(NmcPracticeHours, demo["daniel"]).id
    ids["nmc_feedback"] = owned(NmcFeedback, demo["daniel"]).id
    ids["nmc_account"] = owned(NmcReflectiveAccount, demo["daniel"]).id
    ids["nmc_discussion"] = owned(NmcReflectiveDiscussion, demo["daniel"]).id
    ids["live_assessment"] = owned(PwpLiveAssessment, demo["amira"]).id
    rating = owned(LevelRating, demo["owen"])
    ids["level_framework"], ids["level_item"] = rating.framework_id, rating.item_id
    ids["outside_link"] = owned(OutsideLink, demo["leah"]).id
    ids["given_outside"] = owned(OutsideSupervisionGiven, demo["nadia"]).id
    ids["supervisor_training"] = owned(SupervisionTraining, demo["nadia"]).id

    # A supervision session Sophie had with `sup`, awaiting their countersignature.
    sup_rel = _first(session, select(StaffRelationship).where(StaffRelationship.senior_id == users["sup"].id,
                                                              StaffRelationship.junior_id == sophie.id))
    entry = _first(session, select(SupervisionSession).where(
        SupervisionSession.supervisee_id == sophie.id, SupervisionSession.deleted_at.is_(None))
        .order_by(SupervisionSession.occurred_on.desc()))
    entry.supervisor_id, entry.relationship_id = users["sup"].id, sup_rel.id
    entry.countersign_status = CountersignStatus.AWAITING
    ids["supervision"] = entry.id
    ids["sup_relationship"] = sup_rel.id
    contract = SupervisionContract(relationship_id=sup_rel.id, kind=sup_rel.supervision_kind, minutes_per_month=60,
                                   starts_on=LONG_AGO)
    session.add(contract)
    # A supervisor's report on Sophie, from `sup`.
    report = SupervisorReport(supervisee_id=sophie.id, supervisor_id=users["sup"].id, written_on=today,
                              period_from=today - dt.timedelta(days=90), period_to=today, caseload="c",
                              competence="c", recommendation="continue")
    session.add(report)
    # Nadia's feedback request, with Sophie among those asked.
    ids["feedback_request"] = _first(session, select(FeedbackInvitee.request_id).where(
        FeedbackInvitee.supervisee_id == sophie.id))
    session.flush()
    ids["contract"], ids["report"] = contract.id, report.id

    # HR things.
    post = Post(organisation_id=org.id, number="AUTHZ-1", title="Authz vacant post", team_id=home_team.id, band="5",
                funded_wte=1)
    session.add(post)
    session.flush()
    ids["post"] = post.id
    ids["decision"] = _first(session, select(ProgressionDecision).order_by(ProgressionDecision.id)).id
    ids["skill"] = _first(session, select(SkillRecord).where(SkillRecord.profile_id == sophie.profile.id)).id \
        if session.scalar(select(SkillRecord.id).where(SkillRecord.profile_id == sophie.profile.id)) else None
    targets = list(session.scalars(select(SkillTarget).where(SkillTarget.service_id == home_service.id)
                                   .order_by(SkillTarget.id).limit(2)))
    assert len(targets) == 2, "the demo sets at least two skill targets"
    ids["skill_target"], ids["skill_category"] = targets[0].id, targets[0].category
    # A target of its own for HR, who removes one after the service lead removed the first.
    ids["skill_target@hr"] = targets[1].id
    ids["service"], ids["team"] = home_service.id, home_team.id
    ids["target_relationship"] = target_rel.id
    ids["target_grant"] = _first(session, select(RoleGrant).where(RoleGrant.user_id == users["target"].id)).id
    assert users["target"].profile is not None
    leave = LeaveOfAbsence(profile_id=users["target"].profile.id, kind=list(LeaveKind)[0], starts_on=LONG_AGO)
    session.add(leave)
    # Mail to someone of the organisation: the outbox shows the admin their own organisation's mail only.
    mail = OutboxMail(to_address=users["target"].email, subject="Authz", body="Hello")
    session.add(mail)
    session.flush()
    ids["leave"], ids["mail"] = leave.id, mail.id
    # An HR document (requested by the person, and by those whose HR scope covers them) and a private showcase
    # document (the only kind with an options page: the person, their supervisor and tutor).
    hr_kind = documents.KINDS["progression_pack"]
    showcase = documents.KINDS["portfolio"]
    assert hr_kind.audience == documents.HR and showcase.audience == documents.PRIVATE and showcase.showcase
    ids["hr_document"], ids["showcase_document"] = hr_kind.id, showcase.id
    # Sophie's finished personal data export, with its file: the job pages are hers alone.
    job = jobs.create(session, kind=job_kinds.PERSONAL_DATA, title="Personal data export for Sophie", actor=sophie,
                      items=job_kinds.personal_data_items(),
                      params={"person_id": sophie.id, "evidence_dir": str(upload_dir / "evidence")})
    jobs_dir.mkdir(parents=True, exist_ok=True)
    (jobs_dir / f"authz-job-{job.id}.zip").write_bytes(b"PK\x05\x06" + b"\x00" * 18)  # an empty zip
    job.status, job.done = JobStatus.DONE, job.total
    job.result_file, job.result_name = f"authz-job-{job.id}.zip", "personal-data.zip"
    ids["job"] = job.id

    _link, token = outside_links.create_reference_link(session, sophie, outside)
    session.flush()
    return World(users=users, ids=ids, outside_token=token)


# --- served: the world in an app of its own, for a whole test module -----------------------------------------

class QueueOnly(runner.ThreadWorker):
    """A worker that records what it is given and runs nothing."""

    def __init__(self, app: Flask) -> None:
        super().__init__(app)
        self.submitted: list[int] = []

    def submit(self, job_id: int) -> None:
        self.submitted.append(job_id)


@contextlib.contextmanager
def served(migrated_template: str, tmp: Path,
           extra: Callable[[Session, World], None] | None = None) -> Iterator[tuple[Flask, World]]:
    """An app on a copy of the migrated database holding the world (and whatever `extra` adds).

    Only who may start a job matters to the modules that use it: jobs are queued and never run, so no worker
    outlives the module holding a database connection (on PostgreSQL the next test's TRUNCATE would deadlock
    against it).
    """
    if TEST_DATABASE_URL:
        _reset_postgres(migrated_template)
        url = migrated_template
    else:
        shutil.copy(migrated_template, tmp / "waymark.db")
        url = f"sqlite:///{tmp / 'waymark.db'}"
    application = create_app({"ENV_NAME": "testing", "TESTING": True, "DATABASE_URL": url,
                              "UPLOAD_DIR": str(tmp / "uploads")}, instance_path=tmp / "instance")
    application.extensions["waymark.jobs"] = QueueOnly(application)
    session = application.extensions["waymark.sessions"]()
    world = build(session, tmp / "uploads", Path(application.config["JOBS_DIR"]), dt.date.today())
    # A reference data file of the built-in catalogue (competences.catalogue.built_in_catalogue().ids()).
    world.ids.update(reference_file="afc-pay-england", reference_version=1, training_part="hours",
                     import_digest="0" * 64, dashboard_section="establishment", dashboard_key="band-5")
    if extra is not None:
        extra(session, world)
    session.commit()
    session.close()
    try:
        yield application, world
    finally:
        application.extensions["waymark.engine"].dispose()
