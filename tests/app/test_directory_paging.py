"""The directory's page-at-a-time path (app.services.directory.directory_page) gives exactly the slice of the full,
sorted directory, and builds rows only for the page's people when the sort and filters allow it."""
from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from app.services import directory as directory_service
from app.services.directory import DirectoryFilters, directory, directory_page
from app.services.staff_scope import Scope
from models import Role
from tests.factories import make_organisation, make_service, make_team, make_user

TODAY = dt.date(2025, 6, 15)


@pytest.fixture
def org(session):
    org = make_organisation(session)
    a = make_service(session, organisation=org, name="Service A")
    teams = [make_team(session, service=a, name=f"Team {c}") for c in "CAB"]
    names = ["zoë Young", "Émile Abbot", "adam Ash", "Beth Bell", "beth Bell", "Carl Cook", "dana Dee", "Ed East",
             "Fay Fox", "Gus Gray", "Hal Hill"]
    for i, name in enumerate(names):
        make_user(session, team=teams[i % 3] if i % 5 else None, organisation=org, full_name=name,
                  email=f"p{i}@example.org", band=[None, "5", "6", "7", "8a", "9"][i % 6],
                  pay_step=1, step_started_on=dt.date(2024, 1 + i % 12, 1),
                  roles=(Role.PRACTITIONER,) if i % 2 else (Role.SUPERVISOR,))
    session.flush()
    return org


@pytest.mark.parametrize("sort", ["name", "band", "team", "next_step"])
@pytest.mark.parametrize("descending", [False, True])
def test_each_page_is_the_matching_slice_of_the_whole_directory(session, org, sort, descending):
    scope = Scope(org.id, whole_organisation=True)
    filters = DirectoryFilters(sort=sort, descending=descending)
    whole = directory(session, scope, filters, TODAY)
    assert len(whole) == 11
    for number in (1, 2, 3):
        rows, total, shown = directory_page(session, scope, filters, TODAY, number, 4)
        assert (total, shown) == (11, number)
        assert rows == whole[(number - 1) * 4:number * 4]


def test_a_page_past_the_end_shows_the_last_page(session, org):
    scope = Scope(org.id, whole_organisation=True)
    rows, total, shown = directory_page(session, scope, DirectoryFilters(), TODAY, 9, 4)
    assert (total, shown) == (11, 3)
    assert rows == directory(session, scope, DirectoryFilters(), TODAY)[8:]


def test_filters_the_database_answers_page_the_filtered_list(session, org):
    scope = Scope(org.id, whole_organisation=True)
    for filters in (DirectoryFilters(band="5"), DirectoryFilters(q="bell"), DirectoryFilters(role=Role.SUPERVISOR),
                    DirectoryFilters(credential="none"), DirectoryFilters(next_step_months=60)):
        whole = directory(session, scope, filters, TODAY)
        rows, total, _shown = directory_page(session, scope, filters, TODAY, 1, 50)
        assert (rows, total) == (whole, len(whole)), filters


def test_only_the_pages_people_have_their_rows_built(session, org, monkeypatch):
    built: list[int] = []
    real = directory_service._rows

    def spy(session, people, today):
        built.append(len(people))
        return real(session, people, today)

    monkeypatch.setattr(directory_service, "_rows", spy)
    rows, total, _shown = directory_page(session, Scope(org.id, whole_organisation=True), DirectoryFilters(), TODAY,
                                         2, 4)
    assert (len(rows), total, built) == (4, 11, [4])
    built.clear()
    directory_page(session, Scope(org.id, whole_organisation=True),
                   dataclasses.replace(DirectoryFilters(), sort="next_step"), TODAY, 1, 4)
    assert built == [11]  # the next-step sort needs every row's pay-step date first
