"""Sophie Lang's condensed KSA portfolio, halfway through, and Daniel Moreno's first UCL CBT claims, for the demo.

Everything goes through the services the pages use (app.services.ksa and app.services.claims), so
the demo passes the same checks as a person typing it in: statements in the KSA's four parts,
evidence of the types each criterion asks for, sign-offs by a current supervisor on a day the
supervision covered. The services stamp moves with the clock, so each claim's history and
submission time are then set back to the demo day they stand for. Only `flush()`.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from decimal import Decimal

from sqlalchemy.orm import Session

from app.services import claims as claim_service
from app.services import ksa
from app.services.claims import ClaimInput
from models import CompetenceClaim, EvidenceItem, User
from models.ksa import ReferenceStatus

ROUTE = "condensed-pwp"
UCL_CBT = "ucl-cbt"
#: An outside referee: Sophie's line manager in her PWP post at another (fictional) Trust.
FORMER_MANAGER = ("Joanna Pike", "joanna.pike@eastvale.example")

BIOGRAPHY = """I am a trainee high intensity CBT therapist in the Step 2/3 – South team of Northshire Talking \
Therapies, in the final months of a postgraduate diploma in CBT at the University of Northshire.

Before this I worked for three years at Eastvale Talking Therapies: one year as a trainee psychological \
wellbeing practitioner on the PGCert programme, then two years as a qualified PWP. I held a caseload of \
around 45 people with depression and anxiety disorders, offered guided self-help by telephone, video and \
face to face, ran psychoeducation groups, and had weekly case-management and fortnightly clinical-skills \
supervision.

I first came to mental health work as a peer support volunteer with Northshire Mind while I studied for \
a degree in psychology. That work taught me how much difference being listened to makes, and it is why I \
chose the PWP route into NHS Talking Therapies.

I am applying through the condensed KSA for PWPs. My PWP training and practice evidence the relationship, \
record-keeping, risk and supervision criteria; this portfolio sets out the knowledge and attitudes \
criteria and my experience."""

STATEMENTS: dict[str, dict[str, str]] = {
    "ksa-1": {
        "how-learned": "The PGCert module on engagement and assessment covered development across the life span, "
                       "and I followed it with self-directed reading on Erikson's psychosocial stages and on "
                       "attachment in adults (recorded on my KSA5).",
        "what-learned": "How the tasks of each life stage shape the problems people bring: leaving home and "
                        "identity in early adulthood, caring roles and work stress in mid-life, loss, health and "
                        "loneliness in later life. I also learned how early attachment patterns show in the way "
                        "adults ask for and accept help.",
        "critical-appraisal": "Stage models are descriptive and culturally bound: many people I see do not follow "
                              "the expected sequence, and I use the models as questions to ask rather than "
                              "norms. In CBT they help me to understand the origins of core beliefs in a "
                              "longitudinal formulation and to pitch the intervention to the person's stage of "
                              "life.",
        "illustrative-examples": "1. A man in his sixties who had recently retired described low mood and loss of "
                                 "purpose. Thinking about the transition out of work helped us to plan activity "
                                 "that rebuilt a sense of usefulness rather than simply filling time.\n\n"
                                 "2. A student in her first year away from home presented with worry. Her worries "
                                 "centred on independence and fear of letting her family down, and naming that "
                                 "developmental task made the worry-time rationale feel relevant to her.",
    },
    "ksa-4": {
        "how-learned": "The PGCert taught the low-intensity CBT model and its evidence base; the PG Diploma has "
                       "since taught the high intensity models for each disorder, with weekly skills practice "
                       "and supervised cases.",
        "what-learned": "The cognitive model and its disorder-specific forms (Beck for depression, Clark for panic, "
                        "Clark and Wells for social anxiety, Ehlers and Clark for PTSD), behavioural activation, "
                        "and how CBT differs from person-centred counselling, interpersonal therapy and "
                        "psychodynamic approaches in its assumptions and methods.",
        "critical-appraisal": "Disorder-specific models give a clear rationale and good outcomes in trials, but "
                              "the people I see often have more than one problem, so I have learned to choose "
                              "which maintaining cycle to work on first with the person and to review that "
                              "choice with my supervisor. Knowing other models helps me to recognise when a "
                              "referral to another therapy would serve someone better.",
        "illustrative-examples": "1. With a client with panic disorder I used Clark's model to share a "
                                 "maintenance cycle in the second session; drawing it out together made the "
                                 "rationale for dropping safety behaviours clear before any experiment.\n\n"
                                 "2. A client with long-standing relationship difficulties did not engage with "
                                 "thought records. In supervision we discussed an interpersonal focus and, with "
                                 "the client's agreement, I referred her for interpersonal therapy.",
    },
    "ksa-13": {
        "how-learned": "Weekly clinical supervision, reflective logs on the PG Diploma, and the CPD I plan each "
                       "year with my supervisor and record in Waymark.",
        "what-learned": "To notice my own reactions in sessions (wanting to rescue, or to hurry towards "
                        "technique when a client is distressed) and to bring them to supervision rather than act "
                        "on them; to set CPD goals from gaps I find in my practice.",
        "critical-appraisal": "Self-awareness matters in CBT because the collaborative relationship is the "
                              "vehicle for change: my assumptions can narrow guided discovery. Reflection is "
                              "only useful when it changes practice, so I link each reflection to something I "
                              "will do differently and check it at the next review.",
        "illustrative-examples": "1. Listening to a recording with my supervisor, I heard myself answer my own "
                                 "Socratic questions. I now leave longer pauses and summarise before moving on, "
                                 "and my CTS-R rating for guided discovery has risen.\n\n"
                                 "2. After noticing that I avoided talking about alcohol use, I booked a training "
                                 "day on substance misuse and now ask about it routinely at assessment.",
    },
    "ksa-2": {
        "how-learned": "The PGCert module on values, policy and culture, the Trust's induction, and reading on the "
                       "Mental Health Act and the Care Act (recorded on my KSA5).",
        "what-learned": "How NHS Talking Therapies sits within the stepped-care model, the roles of primary care, "
                        "community mental health teams and the voluntary sector, and the main duties under the "
                        "Mental Health Act and the Care Act.",
        "critical-appraisal": "Knowing the wider system lets me step people up or signpost them safely. The "
                              "legislation matters most where risk is high and capacity is in question.",
        "illustrative-examples": "1. A client's needs went beyond Step 2, and I stepped her up to Step 3 after "
                                 "discussion in case-management supervision.\n\n"
                                 "2. I signposted a client with debt worries to a local advice charity alongside "
                                 "guided self-help.",
    },
    "ksa-11": {
        "how-learned": "The BABCP Standards of Conduct, Performance and Ethics, the Trust's information governance "
                       "and safeguarding training, and supervision discussions of ethical dilemmas.",
        "what-learned": "The principles of autonomy, beneficence, non-maleficence and justice as they apply to "
                        "consent, confidentiality and its limits, boundaries, and working within my competence.",
        "critical-appraisal": "Ethical codes give principles, not answers: in practice they can pull against "
                              "each other, for example confidentiality against a duty to share a risk. I have "
                              "learned to name the dilemma, consult, and record the reasons for my decision.",
        "illustrative-examples": "1. A client asked me not to tell her GP about thoughts of self-harm. I explained "
                                 "the limits of confidentiality again, discussed the risk with the duty clinician "
                                 "and shared only what was needed, with her knowledge.\n\n"
                                 "2. A former colleague asked to be seen in my clinic. I discussed the dual "
                                 "relationship in supervision and arranged for a colleague in another team to "
                                 "offer the assessment.",
    },
    # A draft: two parts written so far.
    "ksa-9": {
        "how-learned": "The research methods teaching on the PG Diploma, journal club in the service, and "
                       "self-directed study of critical appraisal using the CASP checklists.",
        "what-learned": "How to read a randomised controlled trial critically: allocation, blinding, attrition, "
                        "effect sizes and whether the sample resembles the people I see.",
    },
}
RETURN_COMMENT = ("Thank you, Sophie, a good start. Please replace the second illustrative example with one "
                  "from your Step 3 work, and say more in the critical appraisal about how the Mental Health Act "
                  "and the Care Act bear on your decisions about risk and capacity.")
UCL_STATEMENTS = {
    "generic-engage-client": "I engage clients by explaining what CBT involves, agreeing how we will work and "
                             "checking their expectations at the first session. As a nurse I am used to "
                             "building trust quickly with people in distress; in CBT I have learned to pair that "
                             "warmth with a clear structure. In supervision my supervisor rated a recorded first "
                             "session and noted that the client was able to say what they wanted from therapy "
                             "by the end of it.",
    "basic-explain-rationale": "I explain the rationale for CBT using the client's own example of a recent "
                               "difficult moment, drawing out the links between thoughts, feelings and behaviour.",
}


@dataclasses.dataclass(frozen=True)
class KsaPlan:
    """One claim: its criterion, the evidence to link as which type, and what happens to it (and when, in days ago)."""

    item: str
    evidence: Mapping[str, str]
    submitted: int | None = None
    signed: int | None = None
    method: str | None = None
    returned: int | None = None


#: Evidence keys name the files demo_evidence uploads for Sophie.
SOPHIE_CLAIMS = (
    KsaPlan("ksa-1", {"transcript": "training-course"}, submitted=150, signed=140, method="discussion"),
    KsaPlan("ksa-4", {"certificate": "training-course", "transcript": "training-course"}, submitted=100, signed=92,
            method="case_report"),
    KsaPlan("ksa-13", {"reference": "reference", "reading_log": "other-document"}, submitted=50, signed=45,
            method="discussion"),
    KsaPlan("ksa-2", {"transcript": "training-course"}, submitted=30, returned=24),
    KsaPlan("ksa-11", {"reference": "reference"}, submitted=5),
    KsaPlan("ksa-9", {"transcript": "training-course"}),
)


def years_before(day: dt.date, years: int) -> dt.date:
    """The same day `years` earlier (29 February → 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def at_noon(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), tzinfo=dt.timezone.utc)


def _backdate(claim: CompetenceClaim, day: dt.date) -> None:
    """The move just made happened on `day` in the demo's story."""
    claim.history[-1].occurred_at = at_noon(day)


def load_sophie_ksa(session: Session, sophie: User, supervisor: User, evidence: Mapping[str, EvidenceItem], *,
                    today: dt.date) -> list[CompetenceClaim]:
    """Route, biography, experience, study, references and claims; returns the claims."""
    def ago(days: int) -> dt.date:
        return today - dt.timedelta(days=days)

    framework = ksa.ksa_framework(session)
    post_start = sophie.profile.band_started_on if sophie.profile and sophie.profile.band_started_on else ago(340)
    qualified = years_before(today, 3)
    trainee_pwp = years_before(qualified, 1)
    portfolio = ksa.choose_route(session, sophie, ROUTE, f"Qualified PWP, PGCert {qualified.year}",
                                 today=today, framework=framework)
    portfolio.started_on = ago(200)
    ksa.save_biography(session, portfolio, BIOGRAPHY)

    for details in (
        ksa.ExperienceInput("volunteering", "Northshire Mind", "Peer support volunteer", years_before(trainee_pwp, 2),
                            trainee_pwp - dt.timedelta(days=90), Decimal("6"), mental_health_setting=True,
                            description="Ran a weekly drop-in peer support group and one-to-one listening "
                                        "sessions; completed the charity's safeguarding and boundaries training.",
                            accountable_to="Volunteer coordinator"),
        ksa.ExperienceInput("employment", "Eastvale Talking Therapies", "Trainee psychological wellbeing practitioner",
                            trainee_pwp, qualified - dt.timedelta(days=1), Decimal("37.5"), mental_health_setting=True,
                            description="Four days a week in service and one at university on the PGCert; "
                                        "assessments and guided self-help under close supervision.",
                            accountable_to="Step 2 clinical lead"),
        ksa.ExperienceInput("employment", "Eastvale Talking Therapies", "Psychological wellbeing practitioner",
                            qualified, post_start - dt.timedelta(days=1), Decimal("37.5"), mental_health_setting=True,
                            description="A Step 2 caseload of about 45: assessment, risk assessment, guided "
                                        "self-help for depression and anxiety disorders, psychoeducation groups.",
                            accountable_to=f"{FORMER_MANAGER[0]}, Step 2 clinical lead"),
    ):
        ksa.create_experience(session, sophie, details, today=today)

    for started, days, topic, source, hours, criteria, learned in (
        (ago(190), 3, "Psychosocial development across the life span", "Sigelman and Rider, Life-Span Human "
         "Development (chapters on adulthood)", "6", ["ksa-1"], "Erikson's stages as a frame for the transitions "
         "clients describe; the limits of stage models across cultures."),
        (ago(150), 1, "The Mental Health Act and the Care Act: an overview for therapists", "Mind legal guides; "
         "NHS e-learning module", "3.5", ["ksa-2"], "Who can detain, the role of the approved mental health "
         "professional, and a local authority's duties to assess needs."),
        (ago(95), 2, "Classification of anxiety disorders in ICD-11 and DSM-5-TR", "WHO and APA manuals; "
         "course reading list", "5", ["ksa-3"], "How the two systems differ for generalised anxiety and "
         "prolonged grief, and how that affects which measures I use."),
        (ago(40), 4, "Critical appraisal of randomised controlled trials", "Greenhalgh, How to Read a Paper; "
         "CASP checklists", "8", ["ksa-9"], "Appraised two trials of internet CBT with the CASP checklist and "
         "presented one at journal club."),
    ):
        ksa.create_study(session, sophie, ksa.StudyInput(started, started + dt.timedelta(days=days - 1), topic,
                                                         Decimal(hours), criteria, source, learned),
                         today=today, framework=framework)

    open_request = ksa.request_reference(session, sophie, ksa.ReferenceInput(
        "reference", ["ksa-9", "ksa-10"], referee_id=supervisor.id,
        message="Could you write a reference for criteria 9 and 10, from our work on my training cases?"),
        today=today, framework=framework)
    open_request.requested_at = at_noon(ago(12))
    done = ksa.request_reference(session, sophie, ksa.ReferenceInput(
        "reference", ["ksa-11", "ksa-13"], referee_name=FORMER_MANAGER[0], referee_email=FORMER_MANAGER[1],
        referee_role=f"Step 2 clinical lead, Eastvale Talking Therapies; my line manager {qualified.year}–"
                     f"{post_start.year}",
        message="As my line manager while I was a PWP, could you speak to my ethics and reflective practice?"),
        today=today, framework=framework)
    # The referee's side of a reference is not in Waymark yet: the reference came back by e-mail, uploaded as evidence.
    done.requested_at, done.status, done.completed_at = at_noon(ago(75)), ReferenceStatus.COMPLETED, at_noon(ago(60))
    session.flush()
    return [_claim(session, sophie, supervisor, plan, evidence, today) for plan in SOPHIE_CLAIMS]


def _claim(session: Session, owner: User, supervisor: User, plan: KsaPlan, evidence: Mapping[str, EvidenceItem],
           today: dt.date) -> CompetenceClaim:
    def ago(days: int) -> dt.date:
        return today - dt.timedelta(days=days)

    started = ago((plan.submitted or 3) + 20)
    details = ClaimInput(STATEMENTS[plan.item], {evidence[key].id: kind for key, kind in plan.evidence.items()})
    claim = claim_service.create_claim(session, owner, ksa.FRAMEWORK_ID, plan.item, None, details, on=started)
    if plan.submitted is not None:
        claim_service.submit_claim(session, claim, owner)
        _backdate(claim, ago(plan.submitted))
        claim.submitted_at = at_noon(ago(plan.submitted))
    if plan.signed is not None:
        assert plan.method is not None
        claim_service.sign_off(session, claim, supervisor, plan.method, "Discussed in supervision; well evidenced.",
                               ago(plan.signed))
        _backdate(claim, ago(plan.signed))
    if plan.returned is not None:
        claim_service.return_claim(session, claim, supervisor, RETURN_COMMENT, on=ago(plan.returned))
        _backdate(claim, ago(plan.returned))
    session.flush()
    return claim


def load_daniel_claims(session: Session, daniel: User, evidence: Mapping[str, EvidenceItem], *,
                       today: dt.date) -> list[CompetenceClaim]:
    """One UCL CBT claim submitted ten days ago, one still a draft."""
    submitted = today - dt.timedelta(days=10)
    engage = claim_service.create_claim(
        session, daniel, UCL_CBT, "generic-engage-client", None,
        ClaimInput({"statement": UCL_STATEMENTS["generic-engage-client"]}, {evidence["recording_feedback"].id: None}),
        on=submitted - dt.timedelta(days=7))
    claim_service.submit_claim(session, engage, daniel)
    _backdate(engage, submitted)
    engage.submitted_at = at_noon(submitted)
    rationale = claim_service.create_claim(
        session, daniel, UCL_CBT, "basic-explain-rationale", None,
        ClaimInput({"statement": UCL_STATEMENTS["basic-explain-rationale"]}), on=today - dt.timedelta(days=2))
    session.flush()
    return [engage, rationale]
