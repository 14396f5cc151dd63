"""The server-rendered SVG charts: well-formed, accessible (role, title, desc, labels, a table of the numbers),
escaped, deterministic, and drawing what the numbers say."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from ordning_shared import charts as c

SVG = "{http://www.w3.org/2000/svg}"
MONTHS = ["jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec"]
LEVELS = [c.HeatLevel("lag", "Låg", "#2e7d32"), c.HeatLevel("medel", "Medel", "#f9a825"),
          c.HeatLevel("hog", "Hög", "#ef6c00"), c.HeatLevel("mycket_hog", "Mycket hög", "#c62828")]


def bar(**extra) -> c.Chart:
    args = dict(key="avvikelser_per_manad", title="Avvikelser per månad", categories=MONTHS,
                series=[c.Series("2026", (3, 0, 12, 4, 5, 6, 7, 8, 9, 10, 11, 1))], category_heading="Månad")
    args.update(extra)
    return c.bar_chart(**args)


def line() -> c.Chart:
    return c.line_chart("trend", "I år och i fjol", MONTHS[:3],
                        [c.Series("2026", (3, None, 12)), c.Series("2025", (5, 6, 2))])


def heat() -> c.Chart:
    return c.heat_map("riskkarta", "Riskkarta", row_labels=["2 Stor", "1 Liten"],
                      column_labels=["1 Mindre", "2 Betydande"], counts=[[1, 7], [0, 2]],
                      cell_levels=[["medel", "mycket_hog"], ["lag", "hog"]], levels=LEVELS)


def parse(chart: c.Chart) -> ET.Element:
    return ET.fromstring(chart.svg)  # raises on anything that is not well-formed XML


@pytest.mark.parametrize("make", [bar, line, heat, lambda: bar(categories=["Hemtjänst Norr", "Solgården"],
                                                                series=[c.Series("Antal", (4, 2))])],
                         ids=["bar", "line", "heat_map", "horizontal_bar"])
def test_every_chart_is_an_accessible_image(make):
    chart = make()
    root = parse(chart)
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title.text == chart.title and desc.text == chart.description
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert root.get("viewBox") == f"0 0 {root.get('width')} {root.get('height')}"
    assert "style=" not in chart.svg and "<script" not in chart.svg  # the web's CSP allows neither
    assert chart.columns and chart.rows


def test_the_same_data_gives_the_same_bytes():
    assert bar().svg == bar().svg and line().svg == line().svg and heat().svg == heat().svg
    assert bar().svg != bar(series=[c.Series("2026", (3, 0, 12, 4, 5, 6, 7, 8, 9, 10, 11, 2))]).svg


def test_a_bar_per_value_as_tall_as_its_value_with_the_value_written_on_it():
    root = parse(bar())
    rects = root.findall(f".//{SVG}g[@class='bars']/{SVG}rect")
    assert len(rects) == 12
    heights = [float(r.get("height")) for r in rects]
    assert heights[2] == max(heights) and heights[1] == 0
    assert heights[2] / heights[0] == pytest.approx(12 / 3, rel=0.02)
    labels = [t.text for t in root.findall(f".//{SVG}g[@class='bars']/{SVG}text")]
    assert labels == ["3", "0", "12", "4", "5", "6", "7", "8", "9", "10", "11", "1"]
    assert [t.text for t in root.findall(f".//{SVG}g[@class='categories']/{SVG}text")] == MONTHS


def test_the_table_beside_holds_the_same_numbers():
    chart = bar()
    assert chart.columns == ("Månad", "2026")
    assert chart.rows[2] == ("mar", 12)
    assert c.Chart.from_dict(chart.to_dict()) == chart


def test_long_labels_turn_the_bars_sideways_and_are_clipped_in_the_picture_not_the_table():
    name = "Hemtjänst " + "Norra distriktet " * 5
    chart = bar(categories=[name, "Solgården"], series=[c.Series("Antal", (4, 2))])
    root = parse(chart)
    rect = root.find(f".//{SVG}g[@class='bars']/{SVG}rect")
    assert float(rect.get("width")) > float(rect.get("height"))  # horizontal
    drawn = [t.text for t in root.iter(f"{SVG}text")]
    assert any(t.endswith("…") and len(t) == c.LABEL_MAX for t in drawn)
    assert chart.rows[0][0] == name


def test_a_page_for_phones_asks_for_shorter_bars_and_gets_a_narrower_chart_at_the_same_text_size():
    kinds = ["Avvikelse", "Lex Sarah", "Lex Maria"]
    wide = parse(bar(categories=kinds, series=[c.Series("Anmälda", (3, 1, 0))], horizontal=True))
    narrow = parse(bar(categories=kinds, series=[c.Series("Anmälda", (3, 1, 0))], horizontal=True, plot_width=180))
    assert int(wide.get("width")) - int(narrow.get("width")) == 180
    assert int(narrow.get("width")) <= 360  # fits a phone unscaled: its 12 px text stays 12 px
    longest = max(float(r.get("width")) for r in narrow.iter(f"{SVG}rect"))
    assert longest == 180 and narrow.get("font-size") == wide.get("font-size") == "12"


def test_text_is_escaped():
    chart = bar(title='<script>alert("x")</script>', categories=["A & B", '"C"'],
                series=[c.Series("<b>", (1, 2))])
    root = parse(chart)
    assert root.find(f"{SVG}title").text == '<script>alert("x")</script>'
    assert "<script>" not in chart.svg and "&lt;script&gt;" in chart.svg
    assert [t.text for t in root.findall(f".//{SVG}g[@class='categories']/{SVG}text")] == ["A & B", '"C"']


def test_several_series_get_a_legend_in_words():
    chart = bar(series=[c.Series("2026", (1,) * 12), c.Series("2025", (2,) * 12)])
    legend = [t.text for t in parse(chart).findall(f".//{SVG}g[@class='legend']/{SVG}text")]
    assert legend == ["2026", "2025"]
    assert chart.columns == ("Månad", "2026", "2025")


def test_the_description_tells_the_totals_and_peaks():
    assert "totalt 76 st, högst 12 (mar)" in bar().description


def test_a_line_per_series_told_apart_by_dash_and_marker_with_a_gap_where_a_value_is_missing():
    root = parse(line())
    groups = root.findall(f".//{SVG}g[@class='series']")
    assert len(groups) == 2
    # 2026 has no value in February: two single points, no line between them.
    assert groups[0].findall(f"{SVG}polyline") == [] and len(groups[0].findall(f"{SVG}circle")) == 2
    (polyline,) = groups[1].findall(f"{SVG}polyline")
    assert len(polyline.get("points").split()) == 3 and polyline.get("stroke-dasharray")
    assert len(groups[1].findall(f"{SVG}rect")) == 3  # square markers
    assert line().rows[1] == ("feb", None, 6)


def test_a_suppressed_count_has_no_bar_its_mark_is_written_and_the_table_holds_it():
    chart = c.bar_chart("k", "Per enhet", ["Norr", "Sol", "Dag"], [c.Series("Anmälda", (12, "< 5", ".."))],
                        horizontal=False)
    root = parse(chart)
    assert len(root.findall(f".//{SVG}g[@class='bars']/{SVG}rect")) == 1
    assert [t.text for t in root.findall(f".//{SVG}g[@class='bars']/{SVG}text")] == ["12", "< 5", ".."]
    assert chart.rows == (("Norr", 12), ("Sol", "< 5"), ("Dag", ".."))
    assert "totalt av de visade 12" in chart.description and "2 dolda små tal" in chart.description
    sideways = parse(c.bar_chart("k", "t", ["Hemtjänst Norr"], [c.Series("s", ("< 10",))]))
    assert [t.text for t in sideways.findall(f".//{SVG}g[@class='bars']/{SVG}text")] == ["Hemtjänst Norr", "< 10"]
    trend = c.line_chart("k", "t", ["jan", "feb", "mar"], [c.Series("2026", (6, "< 5", 7))])
    assert parse(trend).findall(f".//{SVG}polyline") == []  # a gap at the hidden month
    assert c.format_number("< 5") == "< 5"


def test_the_heat_map_fills_each_cell_with_its_levels_colour_and_writes_count_and_level():
    chart = heat()
    root = parse(chart)
    cells = root.findall(f".//{SVG}g[@class='cells']/{SVG}rect")
    assert [r.get("fill") for r in cells] == ["#f9a825", "#c62828", "#2e7d32", "#ef6c00"]
    texts = [t.text for t in root.findall(f".//{SVG}g[@class='cells']/{SVG}text")]
    assert texts[:4] == ["2 Stor", "1", "Medel", "7"]
    legend = [t.text for t in root.findall(f".//{SVG}g[@class='legend']/{SVG}text")]
    assert legend == ["Låg", "Medel", "Hög", "Mycket hög"]  # the matrix's order
    assert chart.rows == (("2 Stor", 1, 7), ("1 Liten", 0, 2))
    assert "totalt 10 risker" in chart.description and "flest (7)" in chart.description


def test_the_count_is_white_on_dark_cells_and_black_on_light_ones():
    assert c.text_colour_on("#c62828") == "#ffffff"
    assert c.text_colour_on("#f9a825") == "#000000"


@pytest.mark.parametrize("bad", [
    dict(counts=[[1, 2]]),
    dict(cell_levels=[["medel", "okand"], ["lag", "hog"]]),
    dict(levels=[c.HeatLevel("lag", "Låg", "red")] + LEVELS[1:]),
])
def test_a_heat_map_with_data_that_does_not_fit_is_refused(bad):
    args = dict(row_labels=["2", "1"], column_labels=["1", "2"], counts=[[1, 7], [0, 2]],
                cell_levels=[["medel", "mycket_hog"], ["lag", "hog"]], levels=LEVELS)
    args.update(bad)
    with pytest.raises(ValueError):
        c.heat_map("k", "t", **args)


@pytest.mark.parametrize("values", [(1, 2), (1, -1, 2), (1, float("nan"), 2), (1, True, 2), (1, "2", 3),
                                    (1, "< x", 3), (1, "...", 3)])
def test_values_that_are_not_counts_are_refused(values):
    with pytest.raises(ValueError):
        c.bar_chart("k", "t", ["a", "b", "c"], [c.Series("s", values)])


def test_an_empty_chart_still_draws_an_axis():
    chart = c.bar_chart("k", "Inga", ["jan"], [c.Series("2026", (0,))])
    parse(chart)
    assert c.nice_max(0) == (1.0, 1.0)


@pytest.mark.parametrize("value, top, step", [(1, 1, 1), (3, 3, 1), (12, 15, 5), (97, 100, 20), (1234, 1500, 500),
                                               (0.4, 0.4, 0.1)])
def test_axis_maxima_are_round(value, top, step):
    got_top, got_step = c.nice_max(value)
    assert got_top >= value and got_top == pytest.approx(top) and got_step == pytest.approx(step)


@pytest.mark.parametrize("value, text", [(1234567, "1\u00a0234\u00a0567"), (2.5, "2,5"), (3.0, "3"), (None, "–"),
                                         (0, "0")])
def test_numbers_are_written_the_swedish_way(value, text):
    assert c.format_number(value) == text


def test_chart_keys_become_safe_ids():
    chart = bar(key='x" onload="alert(1)')
    assert re.fullmatch(r"[a-z0-9_-]+", chart.key)
    assert "onload" not in parse(chart).attrib
