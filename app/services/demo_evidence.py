"""Demo evidence files, training records, CTS-R ratings and live assessments, and (via demo_ksa) a KSA portfolio.

Files are small but real: one-page PDFs built here and plain-text notes, uploaded through
app.services.evidence.store_upload into the same evidence store the pages read, so they can be
opened and downloaded. Courses, hours, case studies, ratings and assessments go through
app.services.training and app.services.ratings with the checks the forms get. Dates are relative
to `today` and choices come from a seeded generator, so the same day gives the same demo. Case and
recording references are anonymised codes. Only `flush()`: the caller commits.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import io
import random
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.services import evidence as evidence_service
from app.services import ratings, training
from app.services.demo_ksa import load_daniel_claims, load_sophie_ksa
from app.services.evidence import EvidenceDetails
from competences.catalogue import Catalogue
from models import ClinicalCase, CpdActivity, EvidenceItem, User
from models.reference_data import catalogue_for
from models.training import TrainingCourse

SEED = 2027
#: The demo's files are a few hundred bytes; the limit only has to admit them.
MAX_BYTES = 1024 * 1024
UNIVERSITY = "University of Northshire"
PG_DIP = "PG Diploma in High Intensity Cognitive Behavioural Therapy"
LIVE_TOOL = "IAPT PWP intervention skills mark sheet"


# --- files -------------------------------------------------------------------------------------

def _pdf_text(text: str) -> str:
    ascii_text = text.replace("–", "-").replace("’", "'").encode("latin-1", "replace").decode("latin-1")
    return ascii_text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def tiny_pdf(title: str, lines: Sequence[str]) -> bytes:
    """A valid one-page A4 PDF showing `title` and `lines` in Helvetica, with a correct cross-reference table."""
    text = [f"BT /F1 16 Tf 72 770 Td ({_pdf_text(title)}) Tj /F1 11 Tf"]
    for line in lines:
        text.append(f"0 -20 Td ({_pdf_text(line)}) Tj")
    text.append("ET")
    stream = "\n".join(text).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


@dataclasses.dataclass(frozen=True)
class DemoFile:
    key: str
    file_name: str
    title: str
    kind: str
    days_ago: int
    lines: tuple[str, ...]
    description: str | None = None
    shared_with_hr: bool = False

    def content(self) -> bytes:
        if self.file_name.endswith(".pdf"):
            return tiny_pdf(self.title, self.lines)
        return ("\n".join((self.title, "", *self.lines)) + "\n").encode("utf-8")


def _files(user: User) -> tuple[DemoFile, ...]:
    """Each trainee's files; the person's name is in each so no two people's files are the same bytes."""
    name = user.full_name
    first = name.split()[0].lower()
    if first == "sophie":
        return (
            DemoFile("certificate", "pwp-pgcert-certificate.pdf", "PWP PGCert certificate", "certificate", 3 * 365,
                     (f"This is to certify that {name}", "has been awarded the Postgraduate Certificate in",
                      "Low Intensity Psychological Interventions (BPS accredited).", "Eastvale University"),
                     "My PWP qualification, for the condensed KSA route.", shared_with_hr=True),
            DemoFile("transcript", "pwp-pgcert-transcript.pdf", "PWP PGCert transcript", "transcript", 3 * 365 - 10,
                     (name, "Module 1: Engagement and assessment of patients with common mental health problems",
                      "Module 2: Evidence-based low-intensity treatment", "Module 3: Values, policy, culture and "
                      "diversity", "All modules passed.")),
            DemoFile("reference", "reference-line-manager.pdf", "Reference from line manager", "reference", 60,
                     (f"Reference for {name}", "From: Joanna Pike, Step 2 clinical lead, Eastvale Talking Therapies",
                      "Sophie was a conscientious, ethical and reflective practitioner.",
                      "She used supervision well and acted on feedback promptly.")),
            DemoFile("reading_log", "reading-log.txt", "Reading log", "other", 30,
                     ("Clark and Wells, cognitive model of social anxiety: notes on self-focused attention.",
                      "Ehlers and Clark, cognitive model of PTSD: memory and appraisals.",
                      "Greenhalgh, How to Read a Paper: chapters on trials and systematic reviews.")),
            DemoFile("workshop", "behavioural-experiments-certificate.pdf", "Skills workshop certificate: "
                     "behavioural experiments", "certificate", 0,
                     (f"{name} attended a one-day skills workshop:", "Behavioural experiments in anxiety disorders",
                      "BABCP Northern Branch")),
            DemoFile("case_study", "case-study-1-feedback.txt", "Assessed case study 1: marker's feedback",
                     "case_study", 45,
                     ("Mark: 68 (pass).", "A clear longitudinal formulation and a well-paced treatment plan.",
                      "Next time, say more about how outcome measures guided the changes of plan.")),
        )
    if first == "daniel":
        return (
            DemoFile("certificate", "bsc-mental-health-nursing.pdf", "BSc Mental Health Nursing degree certificate",
                     "certificate", 7 * 365, (f"{name}", "Bachelor of Science with Honours in Mental Health Nursing",
                                              "University of Northshire"), shared_with_hr=True),
            DemoFile("recording_feedback", "recording-feedback.txt", "Supervisor's feedback on a session recording",
                     "recording_rating", 35,
                     ("Recording of a first treatment session, rated on the CTS-R.",
                      "Strengths: warmth, clear agenda, a shared rationale in the client's words.",
                      "To work on: slow down guided discovery and summarise before moving on.")),
            DemoFile("reading_log", "reading-log.txt", "Reading log", "other", 20,
                     ("Beck, Cognitive Therapy of Depression: the cognitive triad and activity scheduling.",
                      "Clark, a cognitive approach to panic: catastrophic misinterpretation.")),
        )
    return (
        DemoFile("certificate", "bsc-psychology.pdf", "BSc Psychology degree certificate", "certificate", 2 * 365,
                 (f"{name}", "Bachelor of Science with Honours in Psychology", "University of Northshire"),
                 shared_with_hr=True),
        DemoFile("live_feedback", "live-assessment-feedback.txt", "Live assessment feedback", "supervisor_report", 14,
                 (f"Guided self-help session by {name}, observed by the course tutor.",
                  "Good use of the shared agenda and a clear rationale; set one specific task for the week.")),
    )


def _upload(session: Session, user: User, demo_file: DemoFile, store_dir: Path, today: dt.date,
            dated: dt.date | None = None) -> EvidenceItem:
    dated = dated or today - dt.timedelta(days=demo_file.days_ago)
    details = EvidenceDetails(title=demo_file.title, kind=demo_file.kind, dated_on=dated,
                              description=demo_file.description, shared_with_hr=demo_file.shared_with_hr)
    return evidence_service.store_upload(session, user, io.BytesIO(demo_file.content()), demo_file.file_name,
                                         store_dir=store_dir, max_bytes=MAX_BYTES, details=details, today=today)


def _library(session: Session, user: User, store_dir: Path, today: dt.date) -> dict[str, EvidenceItem]:
    """Upload the person's files and link them to the CPD activities and cases they support."""
    cpd = list(session.scalars(select(CpdActivity).where(CpdActivity.owner_id == user.id,
                                                         CpdActivity.deleted_at.is_(None)).order_by(CpdActivity.id)))
    cases = _training_cases(session, user)
    workshop = next((c for c in cpd if c.cbt_skills), None)
    reading = [c.id for c in cpd if c.title.startswith("Reading")]
    uploaded = {}
    for demo_file in _files(user):
        if demo_file.key == "workshop":
            if workshop is None:
                continue
            # The certificate is dated the day of the workshop it certifies.
            uploaded[demo_file.key] = _upload(session, user, demo_file, store_dir, today, workshop.end_on)
        else:
            uploaded[demo_file.key] = _upload(session, user, demo_file, store_dir, today)
    if "workshop" in uploaded and workshop is not None:
        evidence_service.set_links(session, uploaded["workshop"], cpd_ids=[workshop.id], case_ids=[])
    if "reading_log" in uploaded and reading:
        evidence_service.set_links(session, uploaded["reading_log"], cpd_ids=reading, case_ids=[])
    for key in ("case_study", "recording_feedback"):
        if key in uploaded and cases:
            evidence_service.set_links(session, uploaded[key], cpd_ids=[], case_ids=[cases[0].id])
    session.flush()
    return uploaded


def _training_cases(session: Session, user: User) -> list[ClinicalCase]:
    return list(session.scalars(select(ClinicalCase).where(
        ClinicalCase.owner_id == user.id, ClinicalCase.training_case.is_(True), ClinicalCase.deleted_at.is_(None))
        .order_by(ClinicalCase.started_on, ClinicalCase.id)))


# --- the course --------------------------------------------------------------------------------

#: (topic, skills-focused): the teaching days in order, repeated when the course runs longer.
TEACHING = (
    ("Assessment and collaborative formulation", True), ("The cognitive model of depression", False),
    ("Behavioural activation skills", True), ("Cognitive restructuring and Socratic dialogue", True),
    ("Generalised anxiety disorder: worry and intolerance of uncertainty", False),
    ("Panic disorder: interoceptive exposure skills", True), ("Research methods and critical appraisal", False),
    ("Social anxiety: video feedback and attention training", True), ("PTSD: the Ehlers and Clark model", False),
    ("Trauma-focused CBT: reliving and rescripting skills", True), ("OCD: exposure and response prevention", True),
    ("Health anxiety", False), ("Relapse prevention and endings", True), ("Working with diversity in CBT", False),
)
ONLINE = ("Online seminar: measurement-based care", "Online case discussion group", "Online seminar: "
          "adapting CBT for long-term conditions")
SELF_DIRECTED = ("Directed reading for the week's teaching", "Preparing a recording for supervision",
                 "Case study writing", "Skills practice with a peer")


def _course(session: Session, user: User, started: dt.date, catalogue: Catalogue, rng: random.Random,
            today: dt.date, supervisor_name: str) -> TrainingCourse:
    """The PG Diploma since the trainee post began: a teaching day a week, study, seminars and supervision."""
    course = training.create_course(session, user, training.CourseInput(
        title=PG_DIP, kind="pg_dip_hi_cbt", started_on=started, ended_on=None, provider=UNIVERSITY,
        notes="Two days a week at the university in term, three in service."), catalogue=catalogue)
    monday = started - dt.timedelta(days=started.weekday())
    week = 0
    while monday <= today:
        term = week % 13 not in (11, 12)  # two weeks' break in every thirteen
        tuesday, thursday, friday = (monday + dt.timedelta(days=n) for n in (1, 3, 4))
        if term and started <= tuesday <= today:
            topic, skills = TEACHING[(week - week // 13 * 2) % len(TEACHING)]
            training.save_hours(session, course, None, training.HoursInput(
                tuesday, Decimal("6.5"), "taught_live", f"Teaching day: {topic}", skills_focused=skills), today=today)
            if week % 3 == 1 and thursday <= today:
                training.save_hours(session, course, None, training.HoursInput(
                    thursday, Decimal("1.5"), "online_interactive", ONLINE[week // 3 % len(ONLINE)]), today=today)
            if friday <= today:
                training.save_hours(session, course, None, training.HoursInput(
                    friday, Decimal(rng.choice(("2.5", "3", "3.5"))), "self_directed",
                    rng.choice(SELF_DIRECTED), skills_focused=rng.random() < 0.3), today=today)
            if week % 2 == 0 and thursday <= today:
                training.save_university_supervision(session, course, None, training.UniversitySupervisionInput(
                    thursday, Decimal("1.5"), supervisor_name, group_size=3), today=today)
        monday += dt.timedelta(weeks=1)
        week += 1
    return course


def _case_studies(session: Session, course: TrainingCourse, cases: list[ClinicalCase], today: dt.date,
                  how_many: int) -> None:
    """Written-up closed training cases: the first passed, a later one awaiting its mark."""
    closed = [c for c in cases if c.ended_on is not None and c.ended_on < today - dt.timedelta(days=14)]
    for n, case in enumerate(closed[:how_many]):
        assert case.ended_on is not None
        submitted = min(case.ended_on + dt.timedelta(days=21), today - dt.timedelta(days=7))
        training.save_case_study(session, course, None, training.CaseStudyInput(
            title=f"Assessed case study {n + 1}: CBT for {case.problem.replace('_', ' ')}", submitted_on=submitted,
            case_ref=case.case_ref, word_count=3400 + 150 * n, mark="68" if n == 0 else None,
            result="passed" if n == 0 else "awaiting"), today=today)


# --- CTS-R -------------------------------------------------------------------------------------

def item_scores(item_ids: Sequence[str], target: int, rng: random.Random, low: int = 0,
                high: int = 6) -> dict[str, int]:
    """Scores that add up to `target`: an even spread, then a few items a point higher and others a point lower."""
    base, extra = divmod(target, len(item_ids))
    scores = {item_id: base + (1 if n < extra else 0) for n, item_id in enumerate(item_ids)}
    for _ in range(4):
        up, down = rng.sample(list(item_ids), 2)
        if scores[up] < high and scores[down] > low:
            scores[up] += 1
            scores[down] -= 1
    return scores


#: (days ago, rater role, total); the rater's name is filled in per person.
SOPHIE_RATINGS = ((250, "supervisor", 31), (170, "self", 35), (100, "supervisor", 39), (30, "course_tutor", 43))
DANIEL_RATINGS = ((140, "self", 28), (90, "supervisor", 33), (25, "supervisor", 38))
ITEM_COMMENTS = {"agenda-setting": "Agenda agreed and kept to; homework review could be briefer.",
                 "guided-discovery": "More open questions and fewer suggestions would help the client find the "
                                     "alternative themselves."}


def _ctsr(session: Session, user: User, course: TrainingCourse, cases: list[ClinicalCase],
          plan: Sequence[tuple[int, str, int]], raters: dict[str, str], catalogue: Catalogue, rng: random.Random,
          today: dt.date, first_number: int) -> None:
    scale = ratings.ctsr_scale(catalogue)
    ids = [i.id for i in scale.items]
    for n, (days, role, target) in enumerate(plan):
        rated_on = today - dt.timedelta(days=days)
        open_then = [c for c in cases if c.started_on <= rated_on]
        ratings.create_ctsr(session, user, ratings.CtsrInput(
            rated_on=rated_on, recording_ref=f"NTT-REC-{first_number + n:04d}", rater_role=role,
            scores=item_scores(ids, target, rng),
            comments={k: v for k, v in ITEM_COMMENTS.items() if k in ids and role != "self"},
            course_id=course.id, case_ref=open_then[-1].case_ref if open_then else None,
            rater_name=raters.get(role)), scale=scale, today=today)


# --- PWP live assessments ----------------------------------------------------------------------

#: (days ago, intervention, assessor, outcome, comment)
LIVE = {
    "amira": ((150, "behavioural_activation", "Simon Osei", "refer",
               "The rationale was rushed; practise explaining the link between activity and mood."),
              (90, "behavioural_activation", "Simon Osei", "pass", "A clear, collaborative rationale and plan."),
              (30, "worry_management", "Grace Whitfield", "pass",
               "Good distinction between practical and hypothetical worry.")),
    "callum": ((75, "assessment", "Simon Osei", "refer",
                "Risk questions were asked but not summarised back; practise the risk summary."),
               (20, "assessment", "Grace Whitfield", "pass", "A thorough, well-paced assessment with a clear "
                                                              "risk summary.")),
}


def _live_assessments(session: Session, user: User, key: str, today: dt.date) -> None:
    for days, intervention, assessor, outcome, comment in LIVE[key]:
        ratings.create_live_assessment(session, user, ratings.LiveAssessmentInput(
            assessed_on=today - dt.timedelta(days=days), intervention=intervention, assessor_name=assessor,
            tool=LIVE_TOOL, outcome=outcome, comment=comment), today=today)


# --- all of it ---------------------------------------------------------------------------------

def load_demo_evidence(session: Session, users: dict[str, User], *, today: dt.date, store_dir: Path) -> None:
    """Files, courses, ratings and assessments for the four trainees, and Sophie's KSA portfolio; flush only.

    `users` is keyed by first name in lower case, as app.services.demo builds it; `store_dir` is the
    evidence store the pages read (EVIDENCE_DIR, else UPLOAD_DIR/evidence).
    """
    rng = random.Random(SEED)  # nosec B311  # reproducible demo data, not a secret
    catalogue = catalogue_for(session)
    sophie, daniel = users["sophie"], users["daniel"]
    libraries = {key: _library(session, users[key], store_dir, today) for key in ("sophie", "daniel", "amira",
                                                                                   "callum")}
    for key, supervisor_name, plan, raters, first in (
        ("sophie", "Dr Fiona Blake", SOPHIE_RATINGS, {"supervisor": "Rachel Adeyemi", "course_tutor": "Simon Osei"},
         101),
        ("daniel", "Dr Kwame Mensah", DANIEL_RATINGS, {"supervisor": "Nadia Karim"}, 201),
    ):
        user = users[key]
        profile = user.profile
        started = profile.band_started_on if profile and profile.band_started_on else today
        course = _course(session, user, started, catalogue, rng, today, supervisor_name)
        cases = _training_cases(session, user)
        _case_studies(session, course, cases, today, 2 if key == "sophie" else 1)
        _ctsr(session, user, course, cases, plan, raters, catalogue, rng, today, first)
    for key in ("amira", "callum"):
        _live_assessments(session, users[key], key, today)
    load_sophie_ksa(session, sophie, users["rachel"], libraries["sophie"], today=today)
    load_daniel_claims(session, daniel, libraries["daniel"], today=today)
    session.flush()
