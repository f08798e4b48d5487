"""The KSA route's rules: route choice, hours arithmetic, validation of each log, reference requests and the KSA1 checklist."""
import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.services import ksa
from app.services.errors import DomainError
from competences.claims import ClaimStatus
from models import ClaimEvidence, CompetenceClaim, EvidenceItem, RelationshipKind, Role, StoredFile
from models.ksa import KsaExperience, KsaPortfolio, ReferenceRequest, ReferenceStatus
from tests.factories import make_relationship, make_user

TODAY = dt.date(2026, 6, 15)


@pytest.fixture
def owner(session):
    return make_user(session, full_name="Kim Trainee", email="kim@example.org")


@pytest.fixture
def framework(session):
    return ksa.ksa_framework(session)


def experience(**overrides):
    values = {"kind": "employment", "organisation": "Riverside Mind", "role_title": "Support worker",
              "started_on": dt.date(2024, 1, 1), "ended_on": dt.date(2024, 12, 31),
              "hours_per_week": Decimal("37.5"), "mental_health_setting": True}
    return ksa.ExperienceInput(**{**values, **overrides})


def study(**overrides):
    values = {"started_on": dt.date(2026, 3, 2), "ended_on": None, "topic": "Attachment across the lifespan",
              "hours": Decimal("2.5"), "criteria": ["ksa-1"], "source": "Bowlby, A Secure Base"}
    return ksa.StudyInput(**{**values, **overrides})


# --- hours arithmetic ------------------------------------------------------------------------------

@pytest.mark.parametrize("start, end, per_week, expected", [
    # 2024 is a leap year: 366 days × 37.5 ÷ 7 = 1,960.714… → 1,960.71
    (dt.date(2024, 1, 1), dt.date(2024, 12, 31), "37.5", "1960.71"),
    # One week exactly: 7 days × 10 ÷ 7
    (dt.date(2025, 3, 1), dt.date(2025, 3, 7), "10", "10.00"),
    # February 2025: 28 days × 16 ÷ 7 = 64
    (dt.date(2025, 2, 1), dt.date(2025, 2, 28), "16", "64.00"),
    # A single day counts: 1 × 7 ÷ 7
    (dt.date(2025, 1, 1), dt.date(2025, 1, 1), "7", "1.00"),
    # 10 days × 22.5 ÷ 7 = 32.142857… → 32.14
    (dt.date(2025, 5, 1), dt.date(2025, 5, 10), "22.5", "32.14"),
    # 3 days × 0.35 ÷ 7 = 0.15 exactly (half-up rounding never needed here)
    (dt.date(2025, 5, 1), dt.date(2025, 5, 3), "0.35", "0.15"),
])
def test_experience_hours_are_hours_a_week_times_days_over_seven_counting_both_ends(start, end, per_week, expected):
    assert ksa.experience_hours(start, end, Decimal(per_week), TODAY) == Decimal(expected)


def test_a_continuing_role_counts_to_today():
    # 1 June to 15 June 2026 is 15 days: 15 × 14 ÷ 7 = 30
    assert ksa.experience_hours(dt.date(2026, 6, 1), None, Decimal(14), TODAY) == Decimal("30.00")


@settings(max_examples=200, deadline=None)
@given(start=st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2025, 1, 1)),
       length=st.integers(min_value=1, max_value=3000), cut=st.integers(min_value=0, max_value=2999),
       cents=st.integers(min_value=1, max_value=6000))
def test_splitting_a_period_in_two_never_changes_the_total_by_more_than_rounding(start, length, cut, cents):
    per_week = Decimal(cents) / 100
    end = start + dt.timedelta(days=length)
    middle = start + dt.timedelta(days=min(cut, length - 1))
    whole = ksa.experience_hours(start, end, per_week, TODAY)
    parts = (ksa.experience_hours(start, middle, per_week, TODAY)
             + ksa.experience_hours(middle + dt.timedelta(days=1), end, per_week, TODAY))
    # Each of the three figures is rounded to the hundredth, so parts and whole differ by at most 0.01.
    assert abs(parts - whole) <= Decimal("0.01")


def test_totals_by_kind_and_in_mental_health_settings_are_hand_computed(session, owner):
    a = ksa.create_experience(session, owner, experience(), today=TODAY)  # 1,960.71, mental health
    ksa.create_experience(session, owner, experience(kind="volunteering", started_on=dt.date(2025, 2, 1),
                                                     ended_on=dt.date(2025, 2, 28), hours_per_week=Decimal(16),
                                                     mental_health_setting=False), today=TODAY)  # 64.00
    ksa.create_experience(session, owner, experience(kind="employment", started_on=dt.date(2025, 3, 1),
                                                     ended_on=dt.date(2025, 3, 7), hours_per_week=Decimal(10)),
                          today=TODAY)  # 10.00
    ksa.delete_entry(session, a)
    live = ksa.live_experience(session, owner.id)
    totals = ksa.experience_totals(live, TODAY)
    assert {k.value: v for k, v in totals.by_kind.items()} == {"employment": Decimal("10.00"),
                                                               "volunteering": Decimal("64.00")}
    assert totals.total == Decimal("74.00")
    assert totals.mental_health == Decimal("10.00")


# --- experience validation -------------------------------------------------------------------------

@pytest.mark.parametrize("overrides, field, message", [
    ({"started_on": TODAY + dt.timedelta(days=1), "ended_on": None}, "started_on", "The start date cannot be in the future"),
    ({"ended_on": TODAY + dt.timedelta(days=1)}, "ended_on", "The end date cannot be in the future"),
    ({"ended_on": dt.date(2023, 12, 31)}, "ended_on", "The end date must be the same as or after the start date"),
    ({"hours_per_week": Decimal(0)}, "hours_per_week", "Hours a week must be more than 0"),
    ({"hours_per_week": Decimal("60.01")}, "hours_per_week", "Hours a week must be 60 or fewer"),
    ({"hours_per_week": Decimal("7.125")}, "hours_per_week", "Enter hours a week to at most two decimal places, like 37.5"),
    ({"kind": "hobby"}, "kind", "Choose employment, volunteering or placement"),
    ({"organisation": "  "}, "organisation", "Enter the organisation"),
    ({"role_title": ""}, "role_title", "Enter your role"),
    ({"description": "Saw client 943 476 5919 weekly"}, "description",
     "This looks like an NHS number. Waymark holds staff records only, never patient identifiers: remove it."),
])
def test_experience_refuses_bad_input_naming_the_field(session, owner, overrides, field, message):
    with pytest.raises(DomainError) as err:
        ksa.create_experience(session, owner, experience(**overrides), today=TODAY)
    assert (err.value.field, err.value.message) == (field, message)


def test_sixty_hours_a_week_and_a_same_day_period_are_allowed(session, owner):
    entry = ksa.create_experience(session, owner, experience(hours_per_week=Decimal(60), ended_on=dt.date(2024, 1, 1)),
                                  today=TODAY)
    assert entry.hours_per_week == Decimal(60)


# --- study validation ------------------------------------------------------------------------------

def test_study_is_stored_in_minutes_with_criteria_in_framework_order(session, owner, framework):
    entry = ksa.create_study(session, owner, study(criteria=["ksa-4", "ksa-1", "ksa-4"]), today=TODAY,
                             framework=framework)
    assert (entry.minutes, entry.ended_on, entry.criteria) == (150, dt.date(2026, 3, 2), ["ksa-1", "ksa-4"])


@pytest.mark.parametrize("overrides, field, message", [
    ({"criteria": []}, "criteria", "Choose at least one KSA criterion"),
    ({"criteria": ["ksa-15"]}, "criteria", "ksa-15 is not a KSA criterion"),
    ({"hours": Decimal(0)}, "hours", "Hours must be more than 0"),
    ({"hours": Decimal("1.1")}, "hours", "Enter hours in quarter hours, like 1.25, 1.5 or 1.75"),
    ({"hours": Decimal("100.25"), "ended_on": dt.date(2026, 3, 30)}, "hours",
     "One record cannot be more than 100 hours; record a long piece of study as several"),
    ({"hours": Decimal("24.25")}, "hours", "That is more than 24 hours a day over 1 day"),
    ({"started_on": TODAY + dt.timedelta(days=1)}, "started_on", "The start date cannot be in the future"),
    ({"ended_on": dt.date(2026, 3, 1)}, "ended_on", "The end date must be the same as or after the start date"),
    ({"topic": " "}, "topic", "Enter the topic you studied"),
    ({"learned": "Client DOB 12/03/1985 discussed"}, "learned",
     "This looks like a date of birth. Waymark holds staff records only, never patient identifiers: remove it."),
])
def test_study_refuses_bad_input_naming_the_field(session, owner, framework, overrides, field, message):
    with pytest.raises(DomainError) as err:
        ksa.create_study(session, owner, study(**overrides), today=TODAY, framework=framework)
    assert (err.value.field, err.value.message) == (field, message)


def test_study_totals_count_records_per_criterion_and_skip_deleted_ones(session, owner, framework):
    ksa.create_study(session, owner, study(criteria=["ksa-1", "ksa-2"]), today=TODAY, framework=framework)
    ksa.create_study(session, owner, study(criteria=["ksa-2"], hours=Decimal("1.25")), today=TODAY, framework=framework)
    gone = ksa.create_study(session, owner, study(criteria=["ksa-3"]), today=TODAY, framework=framework)
    ksa.delete_entry(session, gone)
    totals = ksa.study_totals(session, owner.id)
    assert (totals.records, totals.minutes, totals.by_criterion) == (2, 150 + 75, {"ksa-1": 1, "ksa-2": 2})


# --- route and biography ---------------------------------------------------------------------------

def test_ksa_route_says_full_condensed_or_not_started(session, owner, framework):
    with pytest.raises(ksa.NoKsaPortfolio):
        ksa.ksa_route(session, owner.id)
    ksa.choose_route(session, owner, None, None, today=TODAY, framework=framework)
    assert ksa.ksa_route(session, owner.id) is None
    ksa.choose_route(session, owner, "condensed-pwp", "Qualified PWP, 2022", today=TODAY, framework=framework)
    assert ksa.ksa_route(session, owner.id) == "condensed-pwp"
    assert len(session.scalars(select(KsaPortfolio)).all()) == 1


def test_a_condensed_route_needs_a_background_and_an_unknown_route_is_refused(session, owner, framework):
    with pytest.raises(DomainError) as err:
        ksa.choose_route(session, owner, "condensed-pwp", " ", today=TODAY, framework=framework)
    assert err.value.field == "background"
    with pytest.raises(DomainError) as err:
        ksa.choose_route(session, owner, "condensed-nurse", "RMN", today=TODAY, framework=framework)
    assert err.value.field == "route"


def test_the_biography_refuses_a_postcode_and_counts_words(session, owner, framework):
    portfolio = ksa.choose_route(session, owner, None, None, today=TODAY, framework=framework)
    with pytest.raises(DomainError) as err:
        ksa.save_biography(session, portfolio, "I worked at a hostel, client lived at SW1A 1AA")
    assert err.value.field == "biography"
    ksa.save_biography(session, portfolio, "  Trained as a nurse.\n\nWorked on a ward.  ")
    assert portfolio.biography == "Trained as a nurse.\n\nWorked on a ward."
    assert ksa.word_count(portfolio.biography) == 8


# --- reference requests ----------------------------------------------------------------------------

def outside(**overrides):
    values = {"kind": "reference", "criteria": ["ksa-11", "ksa-12"], "referee_name": "Alex Ward",
              "referee_email": "alex.ward@example.org", "referee_role": "Ward manager, my line manager 2019-2022"}
    return ksa.ReferenceInput(**{**values, **overrides})


def test_an_outside_referee_is_recorded_with_a_valid_email(session, owner, framework):
    r = ksa.request_reference(session, owner, outside(), today=TODAY, framework=framework)
    assert (r.referee_id, r.referee_name, r.referee_email, r.status) == (
        None, "Alex Ward", "alex.ward@example.org", ReferenceStatus.REQUESTED)
    assert r.criteria == ["ksa-11", "ksa-12"]


@pytest.mark.parametrize("overrides, field, message", [
    ({"referee_email": "alex at example"}, "referee_email", "Enter an e-mail address in the correct format, like name@nhs.net"),
    ({"referee_email": ""}, "referee_email", "Enter the referee's e-mail address"),
    ({"referee_name": ""}, "referee_name", "Enter the referee's name"),
    ({"referee_role": ""}, "referee_role", "Say who the referee is and how they know your work"),
    ({"referee_email": "KIM@example.org"}, "referee_email", "You cannot be your own referee"),
    ({"criteria": ["ksa-99"]}, "criteria", "ksa-99 is not a KSA criterion"),
    ({"kind": "testimonial"}, "kind", "Choose a reference or a countersignature"),
])
def test_reference_requests_refuse_bad_input_naming_the_field(session, owner, framework, overrides, field, message):
    with pytest.raises(DomainError) as err:
        ksa.request_reference(session, owner, outside(**overrides), today=TODAY, framework=framework)
    assert (err.value.field, err.value.message) == (field, message)


def test_only_a_current_supervisor_in_waymark_can_be_asked(session, owner, framework):
    current = make_user(session, roles=(Role.SUPERVISOR,), profile=False, organisation=owner.organisation)
    make_relationship(session, senior=current, junior=owner, starts_on=dt.date(2026, 1, 1))
    former = make_user(session, roles=(Role.SUPERVISOR,), profile=False, organisation=owner.organisation)
    make_relationship(session, senior=former, junior=owner, starts_on=dt.date(2025, 1, 1), ends_on=dt.date(2025, 12, 31))
    manager = make_user(session, roles=(Role.LINE_MANAGER,), profile=False, organisation=owner.organisation)
    make_relationship(session, senior=manager, junior=owner, kind=RelationshipKind.LINE_MANAGEMENT)
    assert ksa.current_supervisors(session, owner, TODAY) == [current]

    r = ksa.request_reference(session, owner, ksa.ReferenceInput(kind="countersignature", criteria=["ksa-5"],
                                                                 referee_id=current.id), today=TODAY, framework=framework)
    assert r.referee_id == current.id and r.referee_name is None
    for who in (former, manager):
        with pytest.raises(DomainError) as err:
            ksa.request_reference(session, owner, ksa.ReferenceInput(kind="reference", criteria=["ksa-5"],
                                                                     referee_id=who.id), today=TODAY, framework=framework)
        assert err.value.field == "referee_id"
    with pytest.raises(DomainError) as err:
        ksa.request_reference(session, owner, ksa.ReferenceInput(kind="reference", criteria=["ksa-5"],
                                                                 referee_id=owner.id), today=TODAY, framework=framework)
    assert (err.value.field, err.value.message) == ("referee_id", "You cannot be your own referee")


def test_a_request_may_name_only_ones_own_live_ksa_claim(session, owner, framework):
    mine = add_claim(session, owner, "ksa-11")
    other = add_claim(session, make_user(session), "ksa-11")
    assert ksa.request_reference(session, owner, outside(claim_id=mine.id), today=TODAY,
                                 framework=framework).claim_id == mine.id
    with pytest.raises(DomainError) as err:
        ksa.request_reference(session, owner, outside(claim_id=other.id), today=TODAY, framework=framework)
    assert err.value.field == "claim_id"


def test_only_an_open_request_can_be_cancelled(session, owner, framework):
    r = ksa.request_reference(session, owner, outside(), today=TODAY, framework=framework)
    ksa.cancel_reference(session, r)
    assert r.status is ReferenceStatus.CANCELLED and r.cancelled_at is not None
    with pytest.raises(DomainError):
        ksa.cancel_reference(session, r)


# --- the checklist (KSA1) --------------------------------------------------------------------------

def add_claim(session, owner, item_id, *, statement=None, status=ClaimStatus.DRAFT, evidence=()):
    claim = CompetenceClaim(owner_id=owner.id, framework_id="ksa", framework_version=1, item_id=item_id, status=status,
                            statement=statement if statement is not None else {})
    session.add(claim)
    session.flush()
    for n, (evidence_type, title) in enumerate(evidence):
        sha = f"{claim.id:032d}{n:032d}"
        session.add(StoredFile(sha256=sha, size=10, media_type="application/pdf"))
        item = EvidenceItem(owner_id=owner.id, title=title, kind="certificate", dated_on=dt.date(2026, 1, 10 + n),
                            file_sha256=sha, file_name=f"{title}.pdf")
        session.add(item)
        session.flush()
        session.add(ClaimEvidence(claim_id=claim.id, evidence_id=item.id, evidence_type=evidence_type))
    session.flush()
    return claim


WRITTEN = {"how-learned": "A course", "what-learned": "Erikson's stages",
           "critical-appraisal": "Useful for formulation", "illustrative-examples": "1. A case.\n2. Another case."}


def test_the_full_route_checklist_is_hand_computed(session, owner, framework):
    add_claim(session, owner, "ksa-1", statement=WRITTEN, evidence=[("training-course", "Lifespan certificate")])
    add_claim(session, owner, "ksa-2", statement=WRITTEN)
    ksa.create_study(session, owner, study(criteria=["ksa-2"]), today=TODAY, framework=framework)
    add_claim(session, owner, "ksa-5", statement=WRITTEN, status=ClaimStatus.SIGNED_OFF)
    # A claim whose statement is not written in every part has no self-statement yet (as on the claim page).
    add_claim(session, owner, "ksa-11", statement={**WRITTEN, "critical-appraisal": "  "})

    rows = {r.item.id: r for r in ksa.checklist(session, owner.id, framework, None, biography=False,
                                                  experience=False).rows}
    assert rows["ksa-1"].missing == ()
    # Holding self-directed study, the reference option is suggested over a course.
    assert rows["ksa-2"].missing == ("reference",)
    assert rows["ksa-3"].missing == ("self-statement", "training-course") and rows["ksa-3"].claim is None
    assert rows["ksa-5"].missing == ("reference", "training-course")
    assert rows["ksa-11"].missing == ("self-statement", "reference")
    assert rows["ksa-14"].missing == ("experience-log",)
    checklist = ksa.checklist(session, owner.id, framework, None, biography=False, experience=False)
    assert (len(checklist.applicable), checklist.started, checklist.evidence_complete, checklist.signed_off) == (14, 4, 1, 1)


def test_completed_references_experience_and_the_biography_count_as_evidence(session, owner, framework):
    add_claim(session, owner, "ksa-11", statement=WRITTEN)
    ksa.create_study(session, owner, study(criteria=["ksa-2"]), today=TODAY, framework=framework)
    add_claim(session, owner, "ksa-2", statement=WRITTEN)
    done = ksa.request_reference(session, owner, outside(criteria=["ksa-11", "ksa-2"]), today=TODAY,
                                 framework=framework)
    pending = ksa.request_reference(session, owner, outside(criteria=["ksa-12"]), today=TODAY, framework=framework)
    done.status = ReferenceStatus.COMPLETED
    session.flush()
    rows = {r.item.id: r for r in ksa.checklist(session, owner.id, framework, None, biography=True,
                                                  experience=False).rows}
    assert rows["ksa-11"].missing == () and rows["ksa-2"].missing == ()
    assert rows["ksa-12"].missing == ("self-statement", "reference")  # still only requested
    assert rows["ksa-14"].missing == ()  # the biography alone meets criterion 14's rule
    rows = {r.item.id: r for r in ksa.checklist(session, owner.id, framework, None, biography=False,
                                                  experience=True).rows}
    assert rows["ksa-14"].missing == () and "experience-log" in rows["ksa-14"].have
    assert pending.status is ReferenceStatus.REQUESTED


def test_the_condensed_route_marks_exempt_criteria_not_needed(session, owner, framework):
    add_claim(session, owner, "ksa-5", statement=WRITTEN, status=ClaimStatus.SIGNED_OFF)
    add_claim(session, owner, "ksa-1", statement=WRITTEN, status=ClaimStatus.SIGNED_OFF,
              evidence=[("training-course", "Certificate")])
    checklist = ksa.checklist(session, owner.id, framework, "condensed-pwp", biography=False, experience=False)
    rows = {r.item.id: r for r in checklist.rows}
    exempt = {"ksa-5", "ksa-6", "ksa-7", "ksa-8", "ksa-12"}
    assert {i for i, r in rows.items() if not r.applicable} == exempt
    assert all(rows[i].missing == () and not rows[i].complete for i in exempt)
    assert (len(checklist.applicable), checklist.signed_off, checklist.evidence_complete) == (9, 1, 1)
    assert checklist.route is not None and checklist.route.id == "condensed-pwp"


def test_the_latest_live_claim_per_criterion_counts_and_deleted_evidence_does_not(session, owner, framework):
    old = add_claim(session, owner, "ksa-1", statement=WRITTEN, evidence=[("training-course", "Old certificate")])
    new = add_claim(session, owner, "ksa-1", statement=WRITTEN)
    rows = {r.item.id: r for r in ksa.checklist(session, owner.id, framework, None, biography=False,
                                                  experience=False).rows}
    assert rows["ksa-1"].claim.id == new.id and rows["ksa-1"].missing == ("training-course",)
    new.deleted_at = dt.datetime(2026, 6, 1, tzinfo=dt.timezone.utc)
    session.flush()
    rows = {r.item.id: r for r in ksa.checklist(session, owner.id, framework, None, biography=False,
                                                  experience=False).rows}
    assert rows["ksa-1"].claim.id == old.id and rows["ksa-1"].missing == ()
    old.evidence_links[0].evidence.deleted_at = dt.datetime(2026, 6, 1, tzinfo=dt.timezone.utc)
    session.flush()
    rows = {r.item.id: r for r in ksa.checklist(session, owner.id, framework, None, biography=False,
                                                  experience=False).rows}
    assert rows["ksa-1"].missing == ("training-course",)


def test_the_document_list_numbers_each_document_once_with_every_criterion_it_supports(session, owner, framework):
    a = add_claim(session, owner, "ksa-9", statement=WRITTEN, evidence=[("training-course", "Research methods")])
    b = add_claim(session, owner, "ksa-8", statement=WRITTEN, evidence=[("training-course", "Risk course")])
    # The research certificate also supports criterion 3.
    c = add_claim(session, owner, "ksa-3", statement=WRITTEN)
    session.add(ClaimEvidence(claim_id=c.id, evidence_id=a.evidence_links[0].evidence_id, evidence_type="training-course"))
    session.flush()
    docs = ksa.document_list(session, owner.id, framework)
    # Both dated 10 January 2026; the titles order them.
    assert [(d.number, d.evidence.title, d.criteria) for d in docs] == [
        (1, "Research methods", ("ksa-3", "ksa-9")), (2, "Risk course", ("ksa-8",))]
    b.deleted_at = dt.datetime(2026, 6, 1, tzinfo=dt.timezone.utc)
    session.flush()
    assert [d.evidence.title for d in ksa.document_list(session, owner.id, framework)] == ["Research methods"]


def test_the_models_refuse_impossible_rows_at_the_database(session, owner):
    from sqlalchemy.exc import IntegrityError
    session.commit()  # so each rollback below undoes only the impossible row
    session.add(KsaExperience(owner_id=owner.id, kind="employment", organisation="X", role_title="Y",
                              started_on=dt.date(2025, 1, 2), ended_on=dt.date(2025, 1, 1),
                              hours_per_week=Decimal(10)))
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()
    session.add(ReferenceRequest(owner_id=owner.id, kind="reference", criteria=["ksa-1"]))
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()
