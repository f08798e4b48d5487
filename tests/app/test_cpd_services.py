"""CPD services: the rules a new or changed activity must meet, totals by hand, and declaration years."""
import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.services import cpd
from app.services.errors import DomainError
from models import AuditEvent, CpdActivity, ProfessionalRegistration, Regulator
from tests.factories import make_user

TODAY = dt.date(2026, 11, 30)
D = dt.date


def activity(**fields):
    values = {"start_on": D(2026, 3, 2), "end_on": None, "title": "Worry workshop", "category": "clinical",
              "hours": Decimal("1.5"), "reflection_learned": "What I learned", "reflection_practice": "What I change",
              **fields}
    return cpd.CpdInput(**values)


@pytest.fixture
def owner(session):
    return make_user(session, full_name="Priya Practitioner")


def register_with_babcp(owner, on):
    owner.profile.registrations.append(ProfessionalRegistration(
        regulator=Regulator.BABCP, registration_number="BABCP-1", registered_on=on))


# --- creating and changing -------------------------------------------------------------------------

@pytest.mark.parametrize(("hours", "minutes"), [("0.25", 15), ("1.25", 75), ("6.5", 390), ("100", 6000)])
def test_hours_in_quarter_hours_are_stored_as_minutes(session, owner, hours, minutes):
    entry = cpd.create_cpd(session, owner, activity(start_on=D(2026, 3, 2), end_on=D(2026, 3, 6),
                                                    hours=Decimal(hours)), today=TODAY)
    assert entry.minutes == minutes


def test_a_missing_end_date_means_a_one_day_activity_and_text_is_trimmed(session, owner):
    entry = cpd.create_cpd(session, owner, activity(title="  Worry workshop ", provider="  ",
                                                    competences=["ksa:ksa-1", "ksa:ksa-1"]), today=TODAY)
    assert entry.end_on == entry.start_on == D(2026, 3, 2)
    assert (entry.title, entry.provider, entry.competences) == ("Worry workshop", None, ["ksa:ksa-1"])
    assert entry.has_reflective_statement


REFUSED = [
    ({"hours": Decimal(0)}, "hours", "Hours must be more than 0"),
    ({"hours": Decimal("-1.5")}, "hours", "Hours must be more than 0"),
    ({"hours": Decimal("1.1")}, "hours", "Enter hours in quarter hours, like 1.25, 1.5 or 1.75"),
    ({"hours": Decimal("0.2")}, "hours", "Enter hours in quarter hours, like 1.25, 1.5 or 1.75"),
    ({"hours": Decimal("100.25"), "end_on": D(2026, 3, 10)}, "hours",
     "One activity cannot be more than 100 hours; record a long course as several activities"),
    ({"hours": Decimal("Infinity")}, "hours", "Enter the hours as a number, like 1.5"),
    ({"hours": Decimal("48.25"), "end_on": D(2026, 3, 3)}, "hours", "That is more than 24 hours a day over 2 days"),
    ({"end_on": D(2026, 12, 1)}, "end_on",
     "The end date cannot be in the future; record an activity once it has happened"),
    ({"start_on": D(2026, 12, 1)}, "start_on",
     "The end date cannot be in the future; record an activity once it has happened"),
    ({"end_on": D(2026, 3, 1)}, "end_on", "The end date must be the same as or after the start date"),
    ({"title": "   "}, "title", "Enter the title of the activity"),
    ({"title": "x" * 256}, "title", "This must be 255 characters or fewer"),
    ({"provider": "p" * 256}, "provider", "This must be 255 characters or fewer"),
    ({"reflection_practice": "r" * 5001}, "reflection_practice", "This must be 5,000 characters or fewer"),
    ({"title": "Case 9434765919"}, "title",
     "This looks like an NHS number. Waymark holds staff records only, never patient identifiers: remove it."),
    ({"provider": "Unit at SW1A 1AA"}, "provider",
     "This looks like a postcode. Waymark holds staff records only, never patient identifiers: remove it."),
    ({"reflection_learned": "DOB 01/02/1990"}, "reflection_learned",
     "This looks like a date of birth. Waymark holds staff records only, never patient identifiers: remove it."),
    ({"reflection_practice": "born 5 May 1970"}, "reflection_practice",
     "This looks like a date of birth. Waymark holds staff records only, never patient identifiers: remove it."),
    ({"category": "hobbies"}, "category", "Choose the BABCP category"),
    ({"hcpc_standards": [0, 3]}, "hcpc_standards", "Choose HCPC standards from 1 to 5"),
    ({"cbt": False, "cbt_skills": True}, "cbt_skills",
     "CBT skills training must be CBT: answer Yes to CBT, or No to CBT skills training"),
    ({"competences": ["ksa:ksa-1", "ksa:nope"]}, "competences", "ksa:nope is not a KSA criterion or UCL CBT competence"),
    ({"competences": ["ksf:core-1"]}, "competences", "ksf:core-1 is not a KSA criterion or UCL CBT competence"),
]


@pytest.mark.parametrize(("fields", "field", "message"), REFUSED, ids=[f"{r[1]}-{i}" for i, r in enumerate(REFUSED)])
def test_bad_activities_are_refused_naming_the_field_and_nothing_is_added(session, owner, fields, field, message):
    with pytest.raises(DomainError) as err:
        cpd.create_cpd(session, owner, activity(**fields), today=TODAY)
    assert (err.value.field, err.value.message) == (field, message)
    assert session.scalars(select(CpdActivity)).all() == []


def test_an_activity_ending_today_is_accepted(session, owner):
    assert cpd.create_cpd(session, owner, activity(start_on=TODAY), today=TODAY).end_on == TODAY


def test_update_changes_every_field_and_keeps_links_to_retired_competences(session, owner):
    entry = cpd.create_cpd(session, owner, activity(), today=TODAY)
    entry.competences = ["ucl-cbt:retired-item"]
    cpd.update_cpd(session, entry, activity(title="Panic workshop", hours=Decimal("3"), category="educational",
                                            participatory=True, hcpc_standards=[5, 1], cbt_skills=True,
                                            reflection_practice=" ",
                                            competences=["ucl-cbt:retired-item", "ksa:ksa-2"]), today=TODAY)
    assert (entry.title, entry.minutes, entry.category, entry.participatory) == ("Panic workshop", 180, "educational", True)
    assert entry.hcpc_standards == [1, 5] and entry.cbt_skills
    assert entry.reflection_practice is None and not entry.has_reflective_statement
    assert entry.competences == ["ucl-cbt:retired-item", "ksa:ksa-2"]


def test_a_deleted_activity_cannot_be_changed(session, owner):
    entry = cpd.create_cpd(session, owner, activity(), today=TODAY)
    cpd.delete_cpd(session, entry)
    with pytest.raises(DomainError):
        cpd.update_cpd(session, entry, activity(title="Changed"), today=TODAY)


def test_delete_then_undo_restores_and_each_refuses_twice(session, owner):
    entry = cpd.create_cpd(session, owner, activity(), today=TODAY)
    cpd.delete_cpd(session, entry)
    assert entry.is_deleted
    with pytest.raises(DomainError):
        cpd.delete_cpd(session, entry)
    cpd.undo_delete_cpd(session, entry)
    assert not entry.is_deleted
    with pytest.raises(DomainError):
        cpd.undo_delete_cpd(session, entry)


def test_creating_and_changing_reach_the_audit_trail_without_the_reflective_text(session, owner):
    entry = cpd.create_cpd(session, owner, activity(), today=TODAY)
    cpd.update_cpd(session, entry, activity(hours=Decimal(2)), today=TODAY)
    events = session.scalars(select(AuditEvent).where(AuditEvent.object_type == "cpd_activities")
                             .order_by(AuditEvent.seq)).all()
    assert [(e.action, e.object_id) for e in events] == [("create", str(entry.id)), ("update", str(entry.id))]
    assert "What I learned" not in repr([e.detail for e in events])


def test_linkable_competences_are_ksa_criteria_and_ucl_cbt_competences():
    ids = {c.id for c in cpd.linkable_competences()}
    assert {"ksa:ksa-1", "ksa:ksa-14", "ucl-cbt:technique-exposure"} <= ids
    assert all(i.split(":")[0] in {"ksa", "ucl-cbt"} for i in ids)
    assert len([i for i in ids if i.startswith("ksa:")]) == 14


# --- totals ------------------------------------------------------------------------------------

def add(session, owner, end_on, minutes, **fields):
    values = {"start_on": end_on, "end_on": end_on, "title": "CPD", "category": "clinical", "minutes": minutes,
              "reflection_learned": "L", "reflection_practice": "P", **fields}
    entry = CpdActivity(owner_id=owner.id, **values)
    session.add(entry)
    session.flush()
    return entry


def test_totals_are_sums_by_hand(session, owner):
    for day in (1, 2, 3):
        add(session, owner, D(2026, 5, day), 90)                                     # 3 × 1.5 h
    add(session, owner, D(2026, 5, 4), 360, cbt_skills=True, reflection_practice="")  # 6 h skills, no statement
    add(session, owner, D(2026, 5, 5), 120, participatory=True, reflection_learned=None)  # 2 h participatory
    add(session, owner, D(2026, 5, 6), 45, participatory=True, cbt_skills=True)      # both
    add(session, owner, D(2026, 4, 30), 600)                                         # before the window
    add(session, owner, D(2026, 5, 7), 600).deleted_at = dt.datetime.now(dt.timezone.utc)  # deleted
    add(session, make_user(session), D(2026, 5, 7), 600)                             # someone else's
    totals = cpd.cpd_totals(session, owner.id, D(2026, 5, 1), D(2026, 5, 31))
    # minutes: 90 × 3 + 360 + 120 + 45 = 795; skills 360 + 45 = 405; participatory 120 + 45 = 165.
    assert totals == cpd.CpdTotals(activities=6, minutes=795, cbt_skills_minutes=405, participatory_minutes=165,
                                   with_reflection=4)
    assert totals.without_reflection == 2


def test_an_activity_counts_in_the_window_it_ends_in(session, owner):
    add(session, owner, D(2026, 6, 14), 60, start_on=D(2026, 6, 10))
    add(session, owner, D(2026, 6, 16), 120, start_on=D(2026, 6, 14))
    assert cpd.cpd_totals(session, owner.id, D(2026, 6, 15), D(2027, 6, 14)).minutes == 120
    assert cpd.cpd_totals(session, owner.id, D(2025, 6, 15), D(2026, 6, 14)).minutes == 60


def test_nothing_recorded_gives_zero_totals(session, owner):
    assert cpd.cpd_totals(session, owner.id, D(2026, 1, 1), D(2026, 12, 31)) == cpd.CpdTotals()


def test_totals_by_category_follow_babcps_order_and_leave_out_empty_categories(session, owner):
    add(session, owner, D(2026, 5, 1), 60, category="research")
    add(session, owner, D(2026, 5, 2), 90, category="clinical")
    add(session, owner, D(2026, 5, 3), 30, category="clinical", participatory=True)
    by_category = cpd.cpd_totals_by_category(session, owner.id, D(2026, 1, 1), D(2026, 12, 31))
    assert list(by_category) == ["clinical", "research"]
    assert by_category["clinical"] == cpd.CpdTotals(2, 120, 0, 30, 2)
    assert by_category["research"] == cpd.CpdTotals(1, 60, 0, 0, 1)


def test_the_declaration_year_runs_from_the_babcp_registration_anniversary(session, owner):
    register_with_babcp(owner, D(2020, 6, 15))
    session.flush()
    year = cpd.period_containing(TODAY, cpd.babcp_anchor(session, owner.id))
    assert (year.start, year.end, year.anchor) == (D(2026, 6, 15), D(2027, 6, 14), D(2020, 6, 15))
    assert year.label == "15 June 2026 to 14 June 2027"
    assert cpd.period_containing(D(2026, 6, 14), D(2020, 6, 15)).start == D(2025, 6, 15)


def test_another_regulators_registration_does_not_set_the_declaration_year(session, owner):
    owner.profile.registrations.append(ProfessionalRegistration(
        regulator=Regulator.HCPC, registration_number="PYL1", registered_on=D(2020, 6, 15)))
    session.flush()
    assert cpd.babcp_anchor(session, owner.id) is None
    year = cpd.period_containing(TODAY, None)
    assert (year.start, year.end, year.label) == (D(2026, 1, 1), D(2026, 12, 31), "2026")


def test_a_29_february_registration_has_its_anniversary_on_28_february_in_common_years():
    year = cpd.period_containing(D(2026, 3, 1), D(2024, 2, 29))
    assert (year.start, year.end) == (D(2026, 2, 28), D(2027, 2, 27))


def test_years_go_back_to_the_first_activity_even_before_registration(session, owner):
    periods = cpd.periods_back_to(D(2019, 1, 5), TODAY, D(2020, 6, 15))
    assert [(p.start, p.end) for p in periods] == [
        (D(y, 6, 15), D(y + 1, 6, 14)) for y in range(2026, 2017, -1)]
    assert [p.start.year for p in cpd.periods_back_to(None, TODAY, None)] == [2026]


def test_totals_by_declaration_year_in_one_query(session, owner, count_queries, engine):
    register_with_babcp(owner, D(2020, 6, 15))
    add(session, owner, D(2026, 6, 15), 60)
    add(session, owner, D(2026, 6, 14), 90, cbt_skills=True)
    add(session, owner, D(2025, 6, 15), 30)
    add(session, owner, D(2024, 1, 1), 15, participatory=True)
    session.flush()
    periods = cpd.periods_back_to(D(2024, 1, 1), TODAY, D(2020, 6, 15))
    with count_queries() as q:
        by_year = cpd.cpd_totals_by_period(session, owner.id, periods)
    assert q.count == 1
    assert [(p.start.year, t.activities, t.minutes, t.cbt_skills_minutes, t.participatory_minutes)
            for p, t in by_year] == [(2026, 1, 60, 0, 0), (2025, 2, 120, 90, 0), (2024, 0, 0, 0, 0), (2023, 1, 15, 0, 15)]


def test_the_summary_uses_the_declaration_year_and_lists_each_year(session, owner):
    register_with_babcp(owner, D(2020, 6, 15))
    add(session, owner, D(2026, 7, 1), 90, category="professional")
    add(session, owner, D(2025, 7, 1), 60)
    summary = cpd.cpd_summary(session, owner.id, TODAY)
    assert summary.declaration_year
    assert summary.totals == cpd.CpdTotals(1, 90, 0, 0, 1)
    assert list(summary.by_category) == ["professional"]
    assert [(p.start, t.minutes) for p, t in summary.by_year] == [(D(2026, 6, 15), 90), (D(2025, 6, 15), 60)]


def test_the_declaration_year_runs_from_babcp_accreditation_before_any_other_register(session, owner):
    for kind, body, awarded in (("bps_wpwr", Regulator.BPS, D(2018, 2, 1)),
                                ("babcp_supervisor_accreditation", Regulator.BABCP, D(2023, 9, 9)),
                                ("babcp_accreditation", Regulator.BABCP, D(2021, 4, 20))):
        owner.profile.registrations.append(ProfessionalRegistration(
            regulator=body, kind=kind, registration_number=kind[:20], registered_on=awarded))
    session.flush()
    # The supervisor accreditation has its own date but does not set the practitioner's declaration year.
    assert cpd.babcp_anchor(session, owner.id) == D(2021, 4, 20)
