"""CTS-R history charts: valid SVG, one point per rating in its rater's series, a title and description, the pass mark line."""
import datetime as dt
import xml.etree.ElementTree as ET

from hypothesis import given, settings
from hypothesis import strategies as st

from exports.charts import ScoredRating, ctsr_item_charts, ctsr_totals_chart

NS = {"svg": "http://www.w3.org/2000/svg"}
ITEMS = [(n, f"Item title {n}") for n in range(1, 13)]


def rating(day, role, scores, label=""):
    return ScoredRating(date=day, rater_role=role, total=sum(scores), scores=tuple(scores), label=label)


def points(svg, role):
    root = ET.fromstring(svg)
    series = root.find(f".//svg:g[@data-rater='{role}']", NS)
    if series is None:
        return []
    return [el for el in series if el.tag.split("}")[1] in {"circle", "rect", "polygon"}]


def test_the_totals_chart_is_valid_svg_with_a_point_per_rating_by_rater():
    ratings = [rating(dt.date(2026, 1, 5), "self", [3] * 12, "REC-1"),
               rating(dt.date(2026, 2, 5), "supervisor", [4] * 12, "REC-2"),
               rating(dt.date(2026, 3, 5), "self", [2] * 12, "REC-3"),
               rating(dt.date(2026, 3, 20), "course_tutor", [5] * 12)]
    chart = ctsr_totals_chart(ratings, 72, 36)
    root = ET.fromstring(chart.svg)
    assert root.get("role") == "img"
    assert root.find("svg:title", NS).text == "CTS-R totals over time"
    desc = root.find("svg:desc", NS).text
    assert "4 ratings from 5 January 2026 to 20 March 2026" in desc
    assert "Self-rating: 2, latest 24, highest 36." in desc
    assert "pass mark of 36; 3 of 4 reach it" in desc
    assert [p.find("svg:title", NS).text for p in points(chart.svg, "self")] == [
        "5 January 2026, Self-rating: 36 of 72 (REC-1)", "5 March 2026, Self-rating: 24 of 72 (REC-3)"]
    assert len(points(chart.svg, "supervisor")) == 1 and len(points(chart.svg, "course_tutor")) == 1
    assert chart.rows[0] == ("5 January 2026, Self-rating, REC-1", "36 of 72")
    assert chart.target_text == "36"


def test_a_later_rating_is_drawn_higher_when_its_total_is_higher_and_further_right():
    chart = ctsr_totals_chart([rating(dt.date(2026, 1, 1), "supervisor", [2] * 12),
                               rating(dt.date(2026, 6, 1), "supervisor", [5] * 12)], 72, 36)
    first, last = points(chart.svg, "supervisor")
    assert float(last.get("x")) > float(first.get("x"))
    assert float(last.get("y")) < float(first.get("y"))  # SVG y grows downwards


def test_no_ratings_gives_an_empty_chart_that_says_so():
    chart = ctsr_totals_chart([], 72, 36)
    assert ET.fromstring(chart.svg).find("svg:desc", NS).text == "CTS-R totals over time: no ratings to show."
    assert chart.rows == ()


def test_escaped_text_stays_valid_xml():
    chart = ctsr_totals_chart([rating(dt.date(2026, 1, 1), "self", [3] * 12, 'R<1> & "two"')], 72, 36)
    ET.fromstring(chart.svg)
    assert "R&lt;1&gt; &amp;" in chart.svg


def test_item_charts_are_small_multiples_of_each_item_score():
    ratings = [rating(dt.date(2026, 1, 5), "self", list(range(1, 7)) * 2),
               rating(dt.date(2026, 2, 5), "supervisor", [6] * 12)]
    charts = ctsr_item_charts(ratings, ITEMS, 6)
    assert len(charts) == 12 and len({c.ident for c in charts}) == 12
    third = charts[2]
    assert third.title == "Item 3: Item title 3"
    assert third.rows == (("5 January 2026, Self-rating", "3"), ("5 February 2026, Supervisor", "6"))
    assert points(third.svg, "self")[0].find("svg:title", NS).text == "5 January 2026, Self-rating: 3 of 6"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2030, 12, 31)),
                          st.sampled_from(["self", "supervisor", "course_tutor"]),
                          st.lists(st.integers(0, 6), min_size=12, max_size=12)), max_size=15),
       st.one_of(st.none(), st.integers(0, 72)))
def test_any_ratings_give_valid_svg_with_one_point_each_inside_the_plot(rows, mark):
    chart = ctsr_totals_chart([rating(d, r, s) for d, r, s in rows], 72, mark)
    root = ET.fromstring(chart.svg)
    drawn = sum(len(points(chart.svg, role)) for role in ("self", "supervisor", "course_tutor"))
    assert drawn == len(rows) == len(chart.rows)
    for el in root.iter():
        if el.tag.endswith("circle"):
            assert 0 <= float(el.get("cx")) <= 640 and 0 <= float(el.get("cy")) <= 300
