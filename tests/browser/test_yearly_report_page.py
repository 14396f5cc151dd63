"""The yearly report's page (the reporting service's text/html, the same document as its PDF) in Chromium at
phone and desk widths: axe finds no violation, the page does not scroll sideways (a wide table scrolls in its
own box), and each chart is an image with a name. The page is rendered from figures as the figures API answers
them, their small counts suppressed as a report takes them ("< 5", ".."); no stack is needed."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from ordning_reporting import pdf, report_view
from ordning_reporting.domain import reports as r
from ordning_reporting.domain.report_suppression import suppressed_figures

from .conftest import AXE, RUN_AXE, SIZES, chrome, require_browser, screenshots_dir

T0 = datetime(2027, 1, 15, 9, 0, tzinfo=timezone.utc)
KINDS = ("avvikelse", "lex_sarah", "lex_maria", "klagomal", "synpunkt")


def figures() -> dict:
    columns = [{"key": "month", "title_sv": "Månad"}, {"key": "total", "title_sv": "Anmälda"}] + [
        {"key": kind, "title_sv": kind} for kind in KINDS]
    months = [{"month": f"2026-{m:02d}", "total": m, **dict.fromkeys(KINDS, 0), "avvikelse": m} for m in range(1, 13)]
    # units with 30 down to 11 avvikelser, the last of them with 2 lex Sarah cases too: small counts to suppress
    units = [{"unit_id": f"u{i}", "unit_name": f"Hemtjänst område {i}", "unit_kind": "unit", "total": 30 - i,
              **dict.fromkeys(KINDS, 0), "avvikelse": 30 - i} for i in range(20)]
    units[-1].update(total=13, lex_sarah=2)
    deviations = {"key": "deviations", "title_sv": "Avvikelser", "status": "filled", "note": None, "figures": [
        {"key": "total", "title_sv": "Anmälda ärenden", "type": "value", "value": 78, "note": None},
        {"key": "by_month", "title_sv": "Per månad", "type": "table", "columns": columns, "rows": months,
         "note": None},
        {"key": "by_unit", "title_sv": "Per enhet", "type": "table", "note": None,
         "columns": [{"key": "unit_name", "title_sv": "Enhet"}, {"key": "total", "title_sv": "Anmälda"}] + columns[2:],
         "rows": units},
        {"key": "by_kind", "title_sv": "Per slag", "type": "table", "note": None,
         "columns": [{"key": "label_sv", "title_sv": "Slag"}, {"key": "reported", "title_sv": "Anmälda"}],
         "rows": [{"label_sv": kind, "reported": 10} for kind in KINDS]}]}
    risks = {"key": "risks", "title_sv": "Riskanalyser och risker", "status": "filled", "note": None, "figures": [
        {"key": "heat_map", "title_sv": "Riskkarta", "type": "table", "note": None, "columns": [],
         "rows": [{"matrix_version": 1, "probability": p, "consequence": c, "initial": p + c, "residual": 0}
                  for p in range(1, 5) for c in range(1, 5)]}]}
    return {"scope": {"unit_name": "Socialförvaltningen"}, "period": {"from": "2026-01-01", "to": "2026-12-31"},
            "today": "2027-01-10", "sections": [deviations, risks],
            "previous_year": {"sections": [{**deviations, "figures": [deviations["figures"][1]]}]}}


def page(finished: bool) -> str:
    report = r.Report(id="r1", tenant="0138", kind=r.ReportKind.quality_report, scope_type=r.ScopeType.administration,
                      scope_unit_id="f1", year=2026, created_at=T0, created_by="kim",
                      figures=suppressed_figures(figures(), 5),
                      figures_generated_at=T0, texts={"sammanfattning": "## Året\n\nFler **rapporter** än i fjol."})
    stored = None
    if finished:  # frozen with the charts drawn from its figures, as finishing stores them
        stored = report_view.draw_charts(report.definition, report.figures, report.year)
        report.finish(by="frida", by_name="Frida Förvaltningschef", roles={"forvaltningschef"},
                      charts={key: chart.to_dict() for key, chart in stored.items()}, at=T0)
    return pdf.render_html(report_view.build_view(report, charts=stored))


@pytest.mark.parametrize("finished", [False, True], ids=["draft", "finished"])
@pytest.mark.parametrize("size", sorted(SIZES))
def test_the_report_page_passes_axe_and_fits_the_width(tmp_path, size, finished):
    require_browser()
    document = tmp_path / "berattelse.html"
    document.write_text(page(finished), encoding="utf-8")
    driver = chrome(*SIZES[size])
    try:
        driver.get(document.as_uri())
        driver.set_script_timeout(60)
        driver.execute_script(AXE.read_text(encoding="utf-8"))
        violations = driver.execute_async_script(RUN_AXE)
        assert violations == [], json.dumps(violations, ensure_ascii=False, indent=2)
        assert driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")
        charts = driver.execute_script(
            "return [...document.querySelectorAll('svg[role=img]')].map(s => s.getAttribute('aria-labelledby')"
            ".split(' ').map(id => document.getElementById(id).textContent).join(' '))")
        assert len(charts) == 5 and all("Siffrorna finns också i tabellen intill." in name for name in charts)
        text = driver.execute_script("return document.body.innerText")
        assert "< 5" in text and "Små tal visas inte" in text
        folder = screenshots_dir()
        folder.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(folder / f"yearly-report-{'finished' if finished else 'draft'}-{size}.png"))
    finally:
        driver.quit()
