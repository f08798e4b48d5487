import datetime as dt
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from competences.catalogue import built_in_catalogue
from competences.levels import LevelRating, current_level

D = dt.date


def rating(ident, level, day, rater="sup-1", role="supervisor", item="c1"):
    return LevelRating(id=ident, item_id=item, level=level, rated_on=day, rater_id=rater, rater_role=role)


RATINGS = (
    rating("r1", 2, D(2025, 3, 1)),                                  # designated supervisor, earlier
    rating("r2", 3, D(2025, 9, 1)),                                  # designated supervisor, latest
    rating("r3", 4, D(2025, 10, 1), rater="marker-9", role="marker"),  # a course marker, later still
    rating("r4", 4, D(2025, 8, 1), rater="me", role="self"),
    rating("r5", 1, D(2025, 11, 1), item="c2"),                      # another dimension
)


def test_the_designated_supervisors_latest_rating_sets_the_level_and_the_self_rating_gap_is_shown():
    level = current_level(RATINGS, "c1", designated_rater_id="sup-1")
    assert (level.level, level.rating_id, level.self_level, level.gap) == (3, "r2", 4, 1)


def test_without_a_designated_supervisor_the_level_cannot_be_set():
    level = current_level(RATINGS, "c1")
    assert level.level is None and "No designated supervisor" in level.explanation
    assert level.self_level == 4


def test_the_latest_by_any_assessor_rule_takes_the_markers_later_rating():
    assert current_level(RATINGS, "c1", rule="latest_by_any_supervisor").rating_id == "r3"


def test_the_agreed_rule_takes_the_latest_assessor_level_the_person_also_gave():
    level = current_level(RATINGS, "c1", rule="latest_agreed")
    assert (level.level, level.rating_id, level.gap) == (4, "r3", 0)


def test_an_unknown_rule_is_refused():
    with pytest.raises(ValueError, match="unknown level rule"):
        current_level(RATINGS, "c1", rule="highest")


def test_the_ksf_declares_its_level_rule_as_data():
    assert built_in_catalogue().current("ksf").content.level_rule == "latest_by_designated_supervisor"


@settings(max_examples=40)
@given(st.randoms(use_true_random=False))
def test_the_order_ratings_arrive_in_never_changes_the_current_level(rnd: random.Random):
    shuffled = list(RATINGS)
    rnd.shuffle(shuffled)
    for rule in ("latest_by_designated_supervisor", "latest_by_any_supervisor", "latest_agreed"):
        assert current_level(shuffled, "c1", rule=rule, designated_rater_id="sup-1") == \
            current_level(RATINGS, "c1", rule=rule, designated_rater_id="sup-1")
