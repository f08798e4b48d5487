"""Service dashboard charts: well-formed, accessible SVG whose bars are as tall (or wide) as their figures."""
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from exports import dashboard_charts as dc
from exports.charts import LEFT, PLOT_H, PLOT_W, TOP

NS = {"svg": "http://www.w3.org/2000/svg"}


def parse(svg):
    root = ET.fromstring(svg)
    assert root.get("role") == "img"
    assert root.find("svg:title", NS).text
    assert root.find("svg:desc", NS).text
    assert "<script" not in svg
    return root


def bars(root):
    return [r for r in root.iter("{http://www.w3.org/2000/svg}rect") if r.get("data-series") is not None]


def test_grouped_bars_are_as_tall_as_their_figures():
    # Highest 4 → 4.4 with headroom → gridlines every 2 → the axis runs to 6: 4 is two thirds of the plot.
    svg = dc.grouped_bar_chart(["Band 5", "Band 6"], [dc.Series("In post", dc.BAR, (2, 4)),
                                                      dc.Series("Vacant", dc.PURPLE, (Decimal("1.5"), 0))],
                               "Staff", ident="t")
    root = parse(svg)
    heights = [float(r.get("height")) for r in bars(root)]
    assert heights == [pytest.approx(PLOT_H * 2 / 6, abs=0.1), pytest.approx(PLOT_H * 1.5 / 6, abs=0.1),
                       pytest.approx(PLOT_H * 4 / 6, abs=0.1)]  # a zero draws no bar
    for r in bars(root):
        assert float(r.get("y")) + float(r.get("height")) == pytest.approx(TOP + PLOT_H, abs=0.1)
    desc = root.find("svg:desc", NS).text
    assert "Band 5: In post 2, Vacant 1.5." in desc and "Band 6: In post 4, Vacant 0." in desc


def test_a_series_with_the_wrong_number_of_values_is_refused():
    with pytest.raises(ValueError, match="2 values for 1 categories"):
        dc.grouped_bar_chart(["A"], [dc.Series("x", dc.BAR, (1, 2))], "T", ident="t")


def test_labels_are_escaped():
    svg = dc.grouped_bar_chart(['<b>&"x"'], [dc.Series("A & B <i>", dc.BAR, (1,))], "Title <script>", ident="x y")
    root = parse(svg)
    assert "<b>" not in svg and "<i>" not in svg and "<script>" not in svg
    assert root.find("svg:title", NS).text == "Title <script>"
    assert root.get("aria-labelledby") == "x-y-title x-y-desc"


def test_the_stacked_bar_splits_the_width_by_share():
    svg = dc.stacked_bar_chart([("Met", dc.GREEN, 2), ("On track", dc.BAR, 1), ("Behind", dc.RED, 1),
                                ("Cannot tell", dc.GREY, 0)], "CPD", ident="cpd")
    root = parse(svg)
    widths = [float(r.get("width")) for r in bars(root)]
    assert widths == [pytest.approx(PLOT_W / 2, abs=0.1), pytest.approx(PLOT_W / 4, abs=0.1),
                      pytest.approx(PLOT_W / 4, abs=0.1)]
    assert float(bars(root)[0].get("x")) == LEFT
    assert "4 people in all. Met: 2 of 4; On track: 1 of 4; Behind: 1 of 4; Cannot tell: 0 of 4." in \
        root.find("svg:desc", NS).text


def test_empty_charts_say_so():
    assert "nothing to show" in parse(dc.stacked_bar_chart([("Met", dc.GREEN, 0)], "CPD", ident="c")).find(
        "svg:desc", NS).text
    assert "nothing to show" in parse(dc.grouped_bar_chart([], [], "Empty", ident="e")).find("svg:desc", NS).text


def test_each_chart_comes_with_its_table_and_the_keys_of_the_people_behind_each_figure():
    chart = dc.establishment_chart([dc.BandFigures("5", 3, Decimal("2.50"), Decimal("4.00"), Decimal("2.50"),
                                                   Decimal("1.50"), 1),
                                    dc.BandFigures("6", 0, Decimal("0"), Decimal("1.00"), Decimal("1.00"),
                                                   Decimal("0"), 0)])
    parse(chart.svg)
    assert chart.rows[0] == ("Band 5", "3", "2.5", "4", "2.5", "1.5", "1")
    assert chart.link(0, 1) == "band-5" and chart.link(0, 6) == "vacant-5"
    assert chart.link(1, 1) is None and chart.link(1, 6) is None

    due = dc.due_chart([("2026-12", "December 2026", 2), ("2027-01", "January 2027", 0)], 1)
    assert due.rows[2] == ("Overdue (date passed, step not moved)", "1")
    assert (due.link(0, 1), due.link(1, 1), due.link(2, 1)) == ("2026-12", None, "overdue")

    sup = dc.supervision_chart([("2026-10", "Oct 2026", 5, 2)])
    assert sup.rows == (("Oct 2026", "5", "2"),) and sup.link(0, 2) == "2026-10"

    cpd = dc.cpd_chart({"met": 1, "behind": 2})
    assert cpd.rows == (("Met", "1"), ("On track", "0"), ("Behind", "2"), ("Cannot tell", "0"))
    assert cpd.link(1, 1) is None and cpd.link(2, 1) == "behind"


def test_long_labels_are_shortened_in_the_picture_but_whole_in_the_description():
    label = "BABCP accreditation as a CBT psychotherapist"
    svg = dc.grouped_bar_chart([label, "B", "C", "D", "E", "F"], [dc.Series("Due", dc.BAR, (1, 0, 0, 0, 0, 0))],
                               "Credentials", ident="c")
    root = parse(svg)
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    # 6 categories share 552 units: 92 each, room for 13 characters.
    assert "BABCP accred…" in texts and label not in texts
    assert label in root.find("svg:desc", NS).text
    assert dc.fit("Short", 92) == "Short"


def test_credentials_and_skills_charts_carry_their_tables_and_links():
    creds = dc.credentials_chart([("hcpc", "HCPC registration", 2, 0), ("nmc", "NMC registration", 0, 1)], 90)
    parse(creds.svg)
    assert creds.rows == (("HCPC registration", "2", "0"), ("NMC registration", "0", "1"))
    assert (creds.link(0, 1), creds.link(0, 2), creds.link(1, 2)) == ("due-hcpc", None, "lapsed-nmc")
    skills = dc.skills_chart([("Service A", "EMDR", 2, 0, 1)])
    parse(skills.svg)
    assert skills.rows == (("Service A", "EMDR", "2", "0", "2", "1"),) and skills.link(0, 5) == "gap-0"


def test_a_figure_not_judged_yet_draws_no_bar_and_says_so():
    svg = dc.grouped_bar_chart(["May", "June (so far)"], [dc.Series("Expected", dc.GREY, (2, 2)),
                                                          dc.Series("Below minimum", dc.RED, (1, None))],
                               "Supervision", ident="s")
    root = parse(svg)
    assert [r.get("fill") for r in bars(root)] == [dc.GREY, dc.RED, dc.GREY]
    assert "June (so far): Expected 2, Below minimum not judged yet." in root.find("svg:desc", NS).text


def test_the_current_month_of_supervision_is_shown_but_not_judged():
    sup = dc.supervision_chart([("2026-05", "May 2026", 3, 1), ("2026-06", "June 2026 (so far)", 3, None)])
    parse(sup.svg)
    assert sup.rows == (("May 2026", "3", "1"), ("June 2026 (so far)", "3", "Not judged until the month ends"))
    assert (sup.link(1, 1), sup.link(1, 2)) == ("expected-2026-06", None)


def test_deferred_steps_have_their_own_rows_apart_from_overdue_ones():
    due = dc.due_chart([("2026-12", "December 2026", 2)], 1, deferred=3, review_passed=0)
    assert due.rows == (("December 2026", "2"), ("Overdue (date passed, step not moved)", "1"),
                        ("Deferred, review to come", "3"), ("Deferred, review date passed", "0"))
    assert (due.link(2, 1), due.link(3, 1)) == ("deferred", None)
