"""The SVG charts: well-formed, accessible, escaped, drawn to scale, and fed by the snapshot the rules judge."""
import datetime as dt
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from competences.evidence import Contact, CpdActivity, Snapshot, SupervisionSession
from exports import charts

SVG = "{http://www.w3.org/2000/svg}"
TODAY = dt.date(2025, 6, 15)  # a Sunday; its week starts on Monday 9 June


def parse(svg):
    return ET.fromstring(svg)


def months(*values):
    return [(dt.date(2024, 7 + i, 1) if i < 6 else dt.date(2025, i - 5, 1), v) for i, v in enumerate(values)]


@pytest.fixture(params=["monthly", "weekly", "yearly"])
def any_chart(request):
    def draw(title="Chart", target=None, unit="minutes"):
        if request.param == "monthly":
            return charts.monthly_bar_chart(months(90, 0, 120), target, title, unit)
        if request.param == "weekly":
            return charts.weekly_bar_chart([(dt.date(2025, 6, 2), 3), (dt.date(2025, 6, 9), 1)], target, title, unit)
        return charts.yearly_bar_chart([(dt.date(2024, 1, 1), 600), (dt.date(2025, 1, 1), 1500)], target, title, unit)
    return draw


def test_every_chart_is_well_formed_svg_with_a_fixed_viewbox_a_role_title_and_description(any_chart):
    root = parse(any_chart(title="Supervision received per month"))

    assert root.tag == f"{SVG}svg"
    assert root.get("viewBox") == "0 0 640 300"
    assert root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title.text == "Supervision received per month"
    assert desc.text.startswith("Bar chart, Supervision received per month")
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"


def test_a_chart_uses_only_basic_svg_elements_and_no_script(any_chart):
    root = parse(any_chart(title="<script>alert(1)</script>", target=60))

    used = {el.tag.removeprefix(SVG) for el in root.iter()}
    assert used <= {"svg", "title", "desc", "g", "rect", "line", "text"}


def test_a_title_with_markup_is_escaped_not_obeyed(any_chart):
    svg = any_chart(title='<script>alert("x")</script> & more')

    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    assert parse(svg).find(f"{SVG}title").text == '<script>alert("x")</script> & more'


def test_the_target_is_drawn_as_a_dashed_line_labelled_with_the_minimum():
    root = parse(charts.monthly_bar_chart(months(90, 0, 120), 90, "Supervision", "minutes"))

    target = root.find(f"{SVG}g[@class='waymark-chart__target']")
    line = target.find(f"{SVG}line")
    assert line.get("stroke-dasharray") == "6 4"
    assert target.find(f"{SVG}text").text == "Minimum 1 h 30 min"
    # The tallest bar (120 min) plus a tenth is 132 min; a quarter of that (33) rounds up to hourly gridlines,
    # so the scale runs to 3 h. The plot is 228 high from y = 24 to y = 252: 90 min sits at
    # 252 − 228 × 90 ÷ 180 = 138, and the 120-minute bar is 228 × 120 ÷ 180 = 152 high.
    assert (line.get("y1"), line.get("y2")) == ("138", "138")
    bars = root.findall(f"{SVG}g[@class='waymark-chart__bars']/{SVG}rect")
    assert [(b.get("y"), b.get("height")) for b in bars] == [("138", "114"), ("100", "152")]
    labels = [t.text for t in root.findall(f"{SVG}g[@class='waymark-chart__grid']/{SVG}text")]
    assert labels == ["0", "1 h", "2 h", "3 h"]


def test_without_a_target_no_line_is_drawn_and_the_description_says_nothing_of_a_minimum():
    svg = charts.weekly_bar_chart([(dt.date(2025, 6, 2), 3)], None, "Contacts", "contacts")

    assert "waymark-chart__target" not in svg
    assert "minimum" not in parse(svg).find(f"{SVG}desc").text


def test_the_description_names_the_period_the_highest_bar_and_how_many_fall_below_the_minimum():
    svg = charts.monthly_bar_chart(months(90, 0, 120), 90, "Supervision received per month", "minutes")

    assert parse(svg).find(f"{SVG}desc").text == (
        "Bar chart, Supervision received per month, one bar for each of the 3 months from July 2024 to September 2024. "
        "Highest: 2 h in September 2024. A line marks the minimum of 1 h 30 min; 1 of the 3 months are below it.")


def test_an_empty_period_draws_no_bars_but_still_parses():
    root = parse(charts.yearly_bar_chart([(dt.date(2024, 1, 1), 0), (dt.date(2025, 1, 1), 0)], None, "CPD", "minutes"))

    assert root.findall(f".//{SVG}rect") == []
    assert "None is recorded" in root.find(f"{SVG}desc").text


def test_a_fractional_weekly_target_is_drawn():
    svg = charts.weekly_bar_chart([(dt.date(2025, 6, 2), 1)], Decimal("1.5"), "Contacts", "contacts")

    assert "Minimum 1.5 contacts" in svg


# --- the series a chart is drawn from ---------------------------------------------------------

def snapshot():
    supervision = (
        SupervisionSession(id="s1", date=dt.date(2025, 6, 3), minutes=60, kind="clinical"),
        SupervisionSession(id="s2", date=dt.date(2025, 6, 10), minutes=90, kind="case_management", group_size=4),
        SupervisionSession(id="s3", date=dt.date(2025, 5, 31), minutes=45, kind="clinical"),
        SupervisionSession(id="s4", date=dt.date(2024, 6, 30), minutes=600, kind="clinical"),  # 13 months ago
        SupervisionSession(id="s5", date=dt.date(2025, 6, 20), minutes=60, kind="clinical"),  # after today
    )
    contacts = (
        Contact(id="c1", date=dt.date(2025, 6, 9), minutes=50, step=3),
        Contact(id="c2", date=dt.date(2025, 6, 15), minutes=200, step=3, count=4),
        Contact(id="c3", date=dt.date(2025, 6, 8), minutes=50, step=3),
    )
    cpd = (
        CpdActivity(id="a1", start=dt.date(2024, 12, 30), end=dt.date(2025, 1, 2), title="Course", category="clinical",
                    minutes=420),
        CpdActivity(id="a2", start=dt.date(2023, 3, 1), end=dt.date(2023, 3, 1), title="Talk", category="clinical",
                    minutes=90),
        CpdActivity(id="a3", start=dt.date(2019, 3, 1), end=dt.date(2019, 3, 1), title="Old", category="clinical",
                    minutes=90),
    )
    return Snapshot(person_id="1", today=TODAY, supervision=supervision, contacts=contacts, cpd=cpd)


def test_supervision_is_totalled_per_calendar_month_for_the_12_months_to_this_one():
    series = charts.supervision_by_month(snapshot())

    assert (series[0][0], series[-1][0], len(series)) == (dt.date(2024, 7, 1), dt.date(2025, 6, 1), 12)
    # June so far: 60 + 90 (group sessions count in full here); May: 45; the future session is left out.
    assert dict(series)[dt.date(2025, 6, 1)] == 150
    assert dict(series)[dt.date(2025, 5, 1)] == 45
    assert sum(v for _, v in series) == 195


def test_contacts_are_counted_per_week_from_monday_including_weekly_counts():
    series = charts.contacts_by_week(snapshot())

    assert len(series) == 12
    assert series[-1] == (dt.date(2025, 6, 9), 5)  # 1 on Monday 9 June + a weekly count of 4 on Sunday 15 June
    assert series[-2] == (dt.date(2025, 6, 2), 1)  # Sunday 8 June belongs to the week from 2 June


def test_cpd_counts_in_the_year_the_activity_ends():
    series = charts.cpd_by_year(snapshot())

    assert series == [(dt.date(2021, 1, 1), 0), (dt.date(2022, 1, 1), 0), (dt.date(2023, 1, 1), 90),
                      (dt.date(2024, 1, 1), 0), (dt.date(2025, 1, 1), 420)]


def test_a_chart_comes_with_a_table_of_the_same_figures():
    chart = charts.supervision_chart(snapshot(), 90)

    assert chart.rows[-1] == ("June 2025 (so far)", "2 h 30 min")
    assert chart.rows[-2] == ("May 2025", "45 min")
    assert chart.target_text == "1 h 30 min"
    assert chart.headings == ("Month", "Supervision")
    parse(chart.svg)
