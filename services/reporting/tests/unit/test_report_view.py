"""From a report's stored figures (the figures API's document) to the page: which charts each section draws,
which figures it lists, and how a finished report shows what it stored."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from ordning_reporting import pdf
from ordning_reporting import report_view as v
from ordning_reporting.domain import reports as r
from ordning_reporting.domain.risk_figures import HEAT_MAP_COLUMNS

T0 = datetime(2027, 1, 15, 9, 0, tzinfo=timezone.utc)
KINDS = ("avvikelse", "lex_sarah", "lex_maria", "klagomal", "synpunkt")
KIND_COLUMNS = [(kind, kind.replace("_", " ").title()) for kind in KINDS]


def value(key, title, number, note=None):
    return {"key": key, "title_sv": title, "type": "value", "value": number, "note": note}


def table(key, title, columns, rows, note=None):
    return {"key": key, "title_sv": title, "type": "table", "columns": [{"key": k, "title_sv": t} for k, t in columns],
            "rows": rows, "note": note}


def month_rows(year, totals):
    return [{"month": f"{year}-{m:02d}", "total": t, **dict.fromkeys(KINDS, 0), "avvikelse": t}
            for m, t in enumerate(totals, start=1)]


def deviations(year, totals, units=()):
    return {"key": "deviations", "title_sv": "Avvikelser, lex Sarah, lex Maria, klagomål och synpunkter",
            "status": "filled", "note": None, "figures": [
                value("total", "Anmälda ärenden", sum(totals)),
                table("by_kind", "Per slag", [("kind", "Slag"), ("label_sv", "Slag (text)"), ("reported", "Anmälda")],
                      [{"kind": "avvikelse", "label_sv": "Avvikelse", "reported": sum(totals)},
                       {"kind": "lex_sarah", "label_sv": "Lex Sarah", "reported": 0}]),
                table("by_category", "Per kategori", [("category_id", "Kategori (id)"), ("reported", "Anmälda")],
                      [{"category_id": None, "reported": sum(totals)}]),
                table("by_unit", "Per enhet", [("unit_id", "Enhet (id)"), ("unit_name", "Enhet"),
                                               ("unit_kind", "Slag av enhet"), ("total", "Anmälda"), *KIND_COLUMNS],
                      [{"unit_id": uid, "unit_name": name, "unit_kind": "unit", "total": n, **dict.fromkeys(KINDS, 0),
                        "avvikelse": n} for uid, name, n in units]),
                table("by_month", "Per månad", [("month", "Månad"), ("total", "Anmälda"), *KIND_COLUMNS],
                      month_rows(year, totals)),
            ]}


def lex(kind, reported):
    return {"key": kind, "title_sv": {"lex_sarah": "Lex Sarah (missförhållanden)",
                                      "lex_maria": "Lex Maria (vårdskador)"}[kind],
            "status": "filled", "note": None,
            "figures": [value("reported", "Anmälda", reported), value("days_to_ivo_median", "Dagar till IVO", 2.5)]}


def risks(rows=(), status="pending"):
    return {"key": "risks", "title_sv": "Riskanalyser och risker", "status": status,
            "note": "Fylls när rapporttjänsten tar emot händelserna om riskanalyser.", "figures": [
                value("analyses_completed", "Genomförda riskanalyser", None),
                table("heat_map", "Riskkarta (risker per ruta)",
                      [(column.key, column.title_sv) for column in HEAT_MAP_COLUMNS], list(rows))]}


THIS_YEAR = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8]
LAST_YEAR = [2, 7, 1, 8, 2, 8, 1, 8, 2, 8, 4, 5]


def figures(today="2027-01-10", risk_rows=(), risk_status="pending"):
    units = [(f"u{i:02d}", f"Enhet {i:02d}", 20 - i) for i in range(18)]
    return {"tenant": "0138", "scope": {"unit_id": "f1", "unit_name": "Socialförvaltningen", "unit_kind":
                                        "administration", "units": 18},
            "period": {"from": "2026-01-01", "to": "2026-12-31"}, "today": today,
            "sections": [deviations(2026, THIS_YEAR, units), lex("lex_sarah", 4), lex("lex_maria", 2),
                         risks(risk_rows, risk_status)],
            "previous_year": {"period": {"from": "2025-01-01", "to": "2025-12-31"},
                              "sections": [deviations(2025, LAST_YEAR)]}}


def report(kind=r.ReportKind.quality_report, **extra) -> r.Report:
    args = dict(id="r1", tenant="0138", kind=kind, scope_type=r.ScopeType.administration, scope_unit_id="f1",
                year=2026, created_at=T0, created_by="kim", figures=figures(), figures_generated_at=T0)
    args.update(extra)
    return r.Report(**args)


def test_the_quality_report_draws_its_deviation_charts_and_not_the_heat_map_while_risks_are_pending():
    charts = v.draw_charts(r.QUALITY_REPORT, figures(), 2026)
    assert set(charts) == {"avvikelser_per_manad", "avvikelser_trend", "avvikelser_per_enhet", "avvikelser_per_typ"}
    assert [row[1] for row in charts["avvikelser_per_manad"].rows] == THIS_YEAR


def test_the_trend_puts_this_year_against_last_year():
    trend = v.draw_charts(r.QUALITY_REPORT, figures(), 2026)["avvikelser_trend"]
    assert trend.columns == ("Månad", "2026", "2025")
    assert trend.rows[1] == ("feb", 1, 7)


def test_months_not_yet_come_are_empty_not_zero():
    trend = v.draw_charts(r.QUALITY_REPORT, figures(today="2026-03-15"), 2026)["avvikelser_trend"]
    assert [row[1] for row in trend.rows] == [3, 1, 4] + [None] * 9
    assert [row[2] for row in trend.rows] == LAST_YEAR


def test_the_unit_chart_shows_the_busiest_units_and_says_so_and_the_table_lists_them_all():
    chart = v.draw_charts(r.QUALITY_REPORT, figures(), 2026)["avvikelser_per_enhet"]
    assert len(chart.rows) == v.UNITS_IN_CHART
    assert chart.rows[0] == ("Enhet 00", 20) and chart.rows[-1] == ("Enhet 14", 6)
    assert chart.title == "Avvikelser per enhet: de 15 med flest ärenden"
    section = next(s for s in v.build_view(report()).sections if s.key == "avvikelser")
    assert len(next(t for t in section.groups[0].tables if t.key == "deviations-by-unit").rows) == 18


def test_a_heat_map_table_made_before_reporting_held_the_matrices_is_drawn_on_the_default():
    rows = [{"matrix_version": 1, "probability": 4, "consequence": 4, "initial": 9, "residual": 1},
            {"matrix_version": 2, "probability": 4, "consequence": 3, "initial": 2, "residual": 0},
            {"matrix_version": 2, "probability": 1, "consequence": 1, "initial": 5, "residual": 5}]
    chart = v.draw_charts(r.QUALITY_REPORT, figures(risk_rows=rows, risk_status="filled"), 2026)["riskkarta"]
    assert chart.rows[0] == ("4 Mycket stor", 0, 0, 2, 0)
    assert chart.rows[-1] == ("1 Mycket liten", 5, 0, 0, 0)
    assert 'fill="#c62828"' in chart.svg  # 4×4 is mycket hög on the default matrix


def tenant_rows(size: int, version: int = 2, counts=None, current: bool = True) -> list[dict]:
    """The heat map table's rows of a size × size matrix of the tenant's own (as risk_figures builds them)."""
    levels = [("gron", "Grön", "#1b5e20"), ("rod", "Röd", "#b71c1c")]
    rows = []
    for p in range(size, 0, -1):
        for c in range(1, size + 1):
            rank = int(p * c > size)
            rows.append({"matrix_version": version, "current": current, "probability": p,
                         "probability_label": f"S{p}", "consequence": c, "consequence_label": f"K{c}", "score": p * c,
                         "level": levels[rank][0], "level_label": levels[rank][1], "level_colour": levels[rank][2],
                         "level_rank": rank, "initial": (counts or {}).get((p, c), 0), "residual": 0})
    return rows


@pytest.mark.parametrize("size", [3, 5])
def test_the_heat_map_is_drawn_on_the_tenants_own_grid(size):
    rows = tenant_rows(size, counts={(size, size): 3, (1, 2): 1})
    chart = v.draw_charts(r.QUALITY_REPORT, figures(risk_rows=rows, risk_status="filled"), 2026)["riskkarta"]
    assert len(chart.rows) == size and len(chart.columns) == size + 1
    assert chart.rows[0] == (f"{size} S{size}", *([0] * (size - 1)), 3)
    assert chart.rows[-1] == ("1 S1", 0, 1, *([0] * (size - 2)))
    assert chart.columns[1] == "1 K1" and 'fill="#b71c1c"' in chart.svg and "Grön" in chart.svg
    assert chart.title == "Riskkarta: risker per ruta i riskmatrisen"


def test_the_heat_map_draws_the_newest_version_with_risks_and_says_which():
    rows = tenant_rows(3, version=3, current=True) + tenant_rows(5, version=2, counts={(5, 5): 1}, current=False)
    chart = v.draw_charts(r.QUALITY_REPORT, figures(risk_rows=rows, risk_status="filled"), 2026)["riskkarta"]
    assert len(chart.rows) == 5 and chart.title.endswith("(matrisversion 2)")
    # The table beside lists the cells with risks only, by the level's name.
    section = next(s for s in v.build_view(report(figures=figures(risk_rows=rows, risk_status="filled"))).sections
                   if any(g.key == "risks" for g in s.groups))
    table = next(t for g in section.groups if g.key == "risks" for t in g.tables if t.key == "risks-heat-map")
    assert len(table.rows) == 1 and "Nivå" in table.columns and "Nivå (kod)" not in table.columns
    assert "Nivåns färg" not in table.columns and "Gällande matris" not in table.columns


def test_the_page_lists_each_figure_section_once_with_labels_not_codes_or_ids():
    view = v.build_view(report())
    section = next(s for s in view.sections if s.key == "avvikelser")
    (group,) = section.groups
    assert group.key_figures[0] == pdf.KeyFigure("Anmälda ärenden", sum(THIS_YEAR), "")
    # Per slag is a label and a number that its chart's table shows already; per enhet and per månad are listed.
    assert not [t for t in group.tables if t.key == "deviations-by-kind"]
    assert v.figure_table("deviations", figures()["sections"][0]["figures"][1]).columns == ("Slag (text)", "Anmälda")
    by_unit = next(t for t in group.tables if t.key == "deviations-by-unit")
    assert by_unit.columns[:3] == ("Enhet", "Anmälda", "Avvikelse") and by_unit.rows[0][:3] == ("Enhet 00", 20, 20)
    by_month = next(t for t in group.tables if t.key == "deviations-by-month")
    assert by_month.rows[0][:3] == ("januari", 3, 3)
    assert not [t for t in group.tables if t.key == "deviations-by-category"]  # ids only: left to the exports
    # the händelsetyper by their codes (their names are the tenant's list in the deviations service): the same
    by_type = table("by_event_type", "Per händelsetyp", [("event_type", "Händelsetyp (kod)"), ("reported", "Anmälda")],
                    [{"event_type": "fall", "reported": 3}])
    assert v.figure_table("deviations", by_type) is None
    lex_section = next(s for s in view.sections if s.key == "lex_sarah_lex_maria")
    assert [g.heading for g in lex_section.groups] == ["Lex Sarah (missförhållanden)", "Lex Maria (vårdskador)"]


def test_a_pending_section_says_when_it_fills_and_its_chart_says_it_comes_later():
    view = v.build_view(report())
    section = next(s for s in view.sections if s.key == "riskanalyser")
    assert section.charts == ()
    assert any("ritas när det finns siffror" in note for note in section.notes)
    assert any("Fylls när" in note for note in section.groups[0].notes)
    assert any("inget att redovisa" in note for note in section.groups[0].notes)


def test_a_finished_report_is_shown_with_the_charts_it_stored():
    stored = v.draw_charts(r.QUALITY_REPORT, figures(), 2026)
    doc = report(status=r.ReportStatus.finished, finished_at=T0, finished_by="frida", finished_by_name="Frida")
    stored["avvikelser_per_manad"] = stored["avvikelser_per_manad"].__class__(
        **{**stored["avvikelser_per_manad"].__dict__, "title": "Som den ritades"})
    view = v.build_view(doc, charts=stored)
    section = next(s for s in view.sections if s.key == "avvikelser")
    assert section.charts[0].title == "Som den ritades"
    assert view.finished and view.finished_by_name == "Frida"


def test_the_scope_is_the_förvaltning_by_name_or_the_whole_municipality():
    assert v.build_view(report()).scope_name == "Socialförvaltningen"
    municipality = report(scope_type=r.ScopeType.municipality, scope_unit_id=None)
    assert v.build_view(municipality).scope_name == "Hela kommunen (kommunkod 0138)"


def test_the_patient_safety_report_is_due_1_march_and_shows_lex_maria_under_its_investigations():
    view = v.build_view(report(kind=r.ReportKind.patient_safety_report))
    assert view.due.isoformat() == "2027-03-01"
    section = next(s for s in view.sections if s.key == "utredning_av_handelser")
    assert [g.key for g in section.groups] == ["lex_maria"]


def test_a_draft_without_figures_has_no_charts_and_no_notes_about_them():
    view = v.build_view(report(figures=None, figures_generated_at=None))
    assert all(s.charts == () and s.groups == () and s.notes == () for s in view.sections)
    assert "Siffrorna har inte hämtats ännu." in pdf.render_html(view)


def test_the_providers_cases_are_set_beside_the_own_units_in_the_contracts_section():
    doc = figures()
    by_unit = doc["sections"][0]["figures"][3]
    by_unit["rows"][1]["unit_kind"] = "external_provider"  # Enhet 01, 19 cases
    by_unit["rows"][2]["unit_kind"] = "external_provider"  # Enhet 02, 18 cases
    view = v.build_view(report(figures=doc))
    section = next(s for s in view.sections if s.key == "avtalsuppfoljning")
    (group,) = section.groups
    assert [(f.label, f.value) for f in group.key_figures] == [
        ("Ärenden hos utförare i privat regi", 37), ("Utförare med ärenden", 2),
        ("Ärenden i egen regi", sum(20 - i for i in range(18)) - 37)]
    (providers,) = group.tables
    assert providers.columns[:3] == ("Utförare", "Anmälda", "Avvikelse")
    assert [row[:2] for row in providers.rows] == [("Enhet 01", 19), ("Enhet 02", 18)]


def _suppressed_units(doc: dict) -> dict:
    """The figures with the units' counts as a suppressed report holds them: two small units' totals "< 5", one
    hidden (".."), the providers' sums from the compilation."""
    by_unit = doc["sections"][0]["figures"][3]
    by_unit["rows"][0]["total"] = ".."
    by_unit["rows"][16]["total"] = by_unit["rows"][17]["total"] = "< 5"
    by_unit["rows"][17]["unit_kind"] = "external_provider"
    doc["compilations"] = {"providers": {"cases_at_providers": "< 5", "cases_in_own_units": "..",
                                         "providers_with_cases": 1}}
    doc["suppression"] = {"threshold": 5, "small": "< 5", "protected": "..", "text_sv": "'< 5': färre än 5 ärenden."}
    return doc


def test_the_unit_chart_leaves_suppressed_counts_to_the_table_and_says_so():
    chart = v.draw_charts(r.QUALITY_REPORT, _suppressed_units(figures()), 2026)["avvikelser_per_enhet"]
    assert len(chart.rows) == v.UNITS_IN_CHART and chart.rows[0] == ("Enhet 01", 19)
    assert all(isinstance(row[1], int) for row in chart.rows)
    assert chart.title == "Avvikelser per enhet: de 15 med flest ärenden av dem vars antal visas"
    section = next(s for s in v.build_view(report(figures=_suppressed_units(figures()))).sections
                   if s.key == "avvikelser")
    rows = next(t for t in section.groups[0].tables if t.key == "deviations-by-unit").rows
    assert rows[0][:2] == ("Enhet 00", "..") and rows[-1][:2] == ("Enhet 17", "< 5")


def test_a_suppressed_count_is_written_as_its_mark_and_the_marks_are_explained():
    view = v.build_view(report(figures=_suppressed_units(figures())))
    section = next(s for s in view.sections if s.key == "avtalsuppfoljning")
    assert [(f.label, f.value) for f in section.groups[0].key_figures] == [
        ("Ärenden hos utförare i privat regi", "< 5"), ("Utförare med ärenden", 1), ("Ärenden i egen regi", "..")]
    assert view.notes == ("Små tal visas inte, så att ingen kan pekas ut: '< 5': färre än 5 ärenden.",)
    html = pdf.render_html(view)
    assert "<dd>&lt; 5</dd>" in html and "Små tal visas inte" in html
    assert v.build_view(report()).notes == ()  # figures not suppressed (a test's): nothing to explain


def test_without_providers_the_contracts_section_says_so():
    section = next(s for s in v.build_view(report()).sections if s.key == "avtalsuppfoljning")
    assert section.groups[0].notes == ("Inga ärenden hos utförare i privat regi under perioden.",)
    assert section.groups[0].key_figures[0].value == 0


class _NoFacts:
    """A reader with nothing counted: the figure sections come out with every table and column, and no rows."""

    def sum(self, cube, by=(), where=None):
        return {}

    def over(self, period):
        return self


def _every_table_with_a_row() -> dict:
    """The figures API's whole document (every section the service builds), each table given a row, so that the
    page shows every table it can: the case where captions like "Per enhet" come in several sections."""
    from datetime import date

    from ordning_reporting.domain.figures import Context, build_sections

    months = [date(2026, m, 1) for m in range(1, 13)]
    sections = [s.to_dict() for s in build_sections(Context(_NoFacts(), months, date(2027, 1, 10)))]
    for section in sections:
        section["status"] = "filled"
        for figure in section["figures"]:
            if figure["type"] != "table":
                continue
            row = {}
            for column in figure["columns"]:
                key = column["key"]
                row[key] = ("2026-03" if key == "month" else "Enhet 1" if key == "unit_name"
                            else "u1" if key.endswith("_id") else "unit" if key == "unit_kind"
                            else "Text" if key == "label_sv" else 1)
            figure["rows"] = [row]
    return {**figures(), "sections": sections}


def _regions(html: str) -> list[str]:
    """The accessible name of each scrolling box (role=region) on the page: its aria-label, or the text of the
    element its aria-labelledby names."""
    from html.parser import HTMLParser

    class Page(HTMLParser):
        def __init__(self):
            super().__init__()
            self.regions, self.texts, self.ids, self.open = [], {}, [], []

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if attrs.get("id"):
                self.ids.append(attrs["id"])
            if attrs.get("role") == "region":
                self.regions.append(attrs.get("aria-label") or ("#", attrs.get("aria-labelledby")))
            if tag == "caption":
                self.open.append(attrs.get("id"))
                self.texts[attrs.get("id")] = ""

        def handle_endtag(self, tag):
            if tag == "caption":
                self.open.pop()

        def handle_data(self, data):
            for ident in self.open:
                self.texts[ident] += data

    page = Page()
    page.feed(html)
    assert len(page.ids) == len(set(page.ids)), "ids are unique"
    return [name if isinstance(name, str) else page.texts[name[1]].strip() for name in page.regions]


def test_each_scrolling_table_box_has_a_name_of_its_own_on_the_page():
    """axe's landmark-unique: the boxes are landmarks, and "Per enhet" alone names one in several sections."""
    for kind in (r.ReportKind.quality_report, r.ReportKind.patient_safety_report):
        html = pdf.render_html(v.build_view(report(kind=kind, figures=_every_table_with_a_row())))
        names = _regions(html)
        assert len(names) >= 8, names  # the test sees the page's many tables, or it proves nothing
        assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)
        assert all(names), names
