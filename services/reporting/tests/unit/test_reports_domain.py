"""The yearly reports as data and rules, without a database: the two kinds' sections, scope and year rules,
who may finish, and a report's draft -> finished life (a finished one never changes)."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from ordning_reporting.domain import reports as r

T0 = datetime(2027, 1, 15, 9, 0, tzinfo=timezone.utc)
TODAY = date(2027, 1, 15)
FIGURES = {"deviations": {"total": 3}}


def report(kind=r.ReportKind.quality_report, **extra) -> r.Report:
    args = dict(id="r1", tenant="0138", kind=kind, scope_type=r.ScopeType.administration, scope_unit_id="f1",
                year=2026, created_at=T0, created_by="kim")
    args.update(extra)
    return r.Report(**args)


# ---- the two kinds ------------------------------------------------------------

def test_the_quality_report_has_the_tyreso_guideline_parts_in_order():
    keys = [s.key for s in r.QUALITY_REPORT.sections]
    # 5.4.2: goals, the process work, then the improvement work (lex Sarah/Maria, deviations, audits, risk
    # analyses, actions); the förvaltning's report also the follow-ups of contracts and providers.
    for earlier, later in [("kvalitetsmal", "processarbete"), ("processarbete", "lex_sarah_lex_maria"),
                           ("lex_sarah_lex_maria", "atgarder"), ("riskanalyser", "atgarder")]:
        assert keys.index(earlier) < keys.index(later)
    assert {"avvikelser", "granskningar", "avtalsuppfoljning"} <= set(keys)
    assert r.QUALITY_REPORT.section("lex_sarah_lex_maria").figures == ("lex_sarah", "lex_maria")


def test_the_patient_safety_report_has_the_twelve_skr_sections_and_is_due_1_march():
    headings = [s.heading for s in r.PATIENT_SAFETY_REPORT.sections]
    assert len(headings) == 12
    assert headings[0] == "Övergripande mål och strategier"
    assert "Klagomål och synpunkter" in headings and "Informationssäkerhet" in headings
    assert headings[-1] == "Mål och strategier för kommande år"
    assert r.PATIENT_SAFETY_REPORT.due(2026) == date(2027, 3, 1)
    assert r.QUALITY_REPORT.due(2026) is None


@pytest.mark.parametrize("spec", list(r.DEFINITIONS.values()), ids=lambda s: s.kind.value)
def test_each_kind_has_unique_keys_swedish_headings_and_known_figure_sections(spec):
    keys = [s.key for s in spec.sections]
    assert len(keys) == len(set(keys))
    charts = [c.key for s in spec.sections for c in s.charts]
    assert len({c.key for s in spec.sections for c in s.charts}) == len(set(charts))
    assert all(s.heading and s.guidance for s in spec.sections)
    known = {"deviations", "lex_sarah", "lex_maria", "complaints_and_feedback", "actions", "risks", "documents",
             "goals"}
    assert set(spec.figure_sections) <= known
    assert "deviations" in spec.figure_sections


def test_a_chart_shared_by_two_sections_of_one_report_would_be_listed_once_in_its_figure_sections():
    assert r.PATIENT_SAFETY_REPORT.figure_sections.count("deviations") == 1


def test_an_unknown_section_is_a_422_naming_it():
    with pytest.raises(r.UnknownSection) as caught:
        r.QUALITY_REPORT.section("nope")
    assert caught.value.http_status == 422 and caught.value.extra["section"] == "nope"


# ---- creating ------------------------------------------------------------------

def test_a_report_for_an_administration_or_the_municipality_of_a_past_or_this_year():
    assert r.check_new_report("quality_report", "administration", "f1", 2026, TODAY) is r.QUALITY_REPORT
    assert r.check_new_report("patient_safety_report", "municipality", None, 2027, TODAY) is \
        r.PATIENT_SAFETY_REPORT


@pytest.mark.parametrize("kind, scope, unit, year, field", [
    ("annual_report", "municipality", None, 2026, "kind"),
    ("quality_report", "unit", "u1", 2026, "scope_type"),
    ("quality_report", "administration", None, 2026, "unit_id"),
    ("quality_report", "municipality", "f1", 2026, "unit_id"),
    ("quality_report", "municipality", None, 2028, "year"),
    ("quality_report", "municipality", None, 1999, "year"),
    ("quality_report", "municipality", None, True, "year"),
])
def test_a_bad_new_report_is_a_422_naming_the_field(kind, scope, unit, year, field):
    with pytest.raises(r.InvalidReport) as caught:
        r.check_new_report(kind, scope, unit, year, TODAY)
    assert caught.value.http_status == 422
    assert field in caught.value.extra["errors"]["json"]


# ---- who may finish ------------------------------------------------------------

@pytest.mark.parametrize("roles, quality, patient_safety", [
    ({"forvaltningschef"}, True, True),
    ({"kvalitetsutvecklare"}, True, True),
    ({"administrator"}, True, True),
    ({"mas"}, False, True),
    ({"mar"}, False, True),
    ({"enhetschef"}, False, False),
    ({"namnd"}, False, False),
    ({"medarbetare", "verksamhetschef"}, False, False),
    (set(), False, False),
])
def test_who_may_finish_which_kind(roles, quality, patient_safety):
    assert r.may_finish("quality_report", roles) is quality
    assert r.may_finish("patient_safety_report", roles) is patient_safety


def test_finishing_without_the_role_is_a_403_that_names_the_roles_in_swedish():
    doc = report(figures=FIGURES)
    with pytest.raises(r.NotAllowedToFinish) as caught:
        doc.finish(by="erik", by_name="Erik", roles={"enhetschef"}, charts={}, at=T0)
    assert caught.value.http_status == 403
    assert "förvaltningschef" in caught.value.sv and "administratör" in caught.value.sv
    assert doc.status is r.ReportStatus.draft and doc.version == 1


# ---- a draft ---------------------------------------------------------------------

def test_a_draft_keeps_its_text_when_its_figures_are_regenerated():
    doc = report()
    doc.edit_text("sammanfattning", "Ett bra år.")
    doc.regenerate(FIGURES, T0)
    doc.regenerate({"deviations": {"total": 4}}, T0)
    assert doc.texts == {"sammanfattning": "Ett bra år."}
    assert doc.figures == {"deviations": {"total": 4}} and doc.figures_generated_at == T0
    assert doc.version == 4


def test_an_empty_text_removes_the_section_text():
    doc = report()
    doc.edit_text("sammanfattning", "Text")
    doc.edit_text("sammanfattning", "  \n")
    assert doc.texts == {}


def test_a_text_for_a_section_of_the_other_kind_is_refused():
    doc = report()
    with pytest.raises(r.UnknownSection):
        doc.edit_text("informationssakerhet", "Loggkontroller")  # a patientsäkerhetsberättelse section
    assert doc.version == 1


def test_a_text_past_the_limit_is_refused_and_one_at_it_is_kept():
    doc = report()
    with pytest.raises(r.InvalidReport):
        doc.edit_text("sammanfattning", "x" * (r.SECTION_TEXT_MAX + 1))
    doc.edit_text("sammanfattning", "x" * r.SECTION_TEXT_MAX)
    assert len(doc.texts["sammanfattning"]) == r.SECTION_TEXT_MAX


def test_a_draft_without_figures_cannot_be_finished():
    doc = report()
    with pytest.raises(r.FiguresMissing) as caught:
        doc.finish(by="frida", by_name="Frida", roles={"forvaltningschef"}, charts={}, at=T0)
    assert caught.value.http_status == 409 and doc.status is r.ReportStatus.draft


# ---- finished: frozen ------------------------------------------------------------

def finished() -> r.Report:
    doc = report(figures=FIGURES, figures_generated_at=T0)
    doc.edit_text("sammanfattning", "Ett bra år.")
    doc.finish(by="frida", by_name="Frida Förvaltningschef", roles={"forvaltningschef"},
               charts={"avvikelser_per_manad": {"svg": "<svg/>"}}, at=T0)
    return doc


def test_finishing_records_who_when_and_the_charts():
    doc = finished()
    assert doc.status is r.ReportStatus.finished and doc.frozen
    assert (doc.finished_by, doc.finished_by_name, doc.finished_at) == ("frida", "Frida Förvaltningschef", T0)
    assert doc.charts == {"avvikelser_per_manad": {"svg": "<svg/>"}}


@pytest.mark.parametrize("change", [
    lambda doc: doc.edit_text("sammanfattning", "Ändrad"),
    lambda doc: doc.regenerate({"deviations": {"total": 99}}, T0),
    lambda doc: doc.finish(by="kim", by_name="Kim", roles={"administrator"}, charts={}, at=T0),
])
def test_a_finished_report_never_changes_again(change):
    doc = finished()
    before = (doc.texts, doc.figures, doc.charts, doc.finished_by, doc.version)
    with pytest.raises(r.FinishedReportIsFrozen) as caught:
        change(doc)
    assert caught.value.http_status == 409 and caught.value.code == "report_finished"
    assert (doc.texts, doc.figures, doc.charts, doc.finished_by, doc.version) == before


def test_a_draft_is_finished_only_under_the_threshold_its_figures_went_by():
    """The tenant's threshold for small counts changed after the figures were taken: take them anew first."""
    doc = report(figures={**FIGURES, "suppression": {"threshold": 5}}, figures_generated_at=T0)
    with pytest.raises(r.ThresholdChanged) as caught:
        doc.finish(by="frida", by_name="Frida", roles={"forvaltningschef"}, charts={}, at=T0, threshold=10)
    assert caught.value.http_status == 409 and caught.value.code == "report_threshold_changed"
    assert "hämta nya siffror" in str(caught.value.sv) and doc.status is r.ReportStatus.draft
    doc.finish(by="frida", by_name="Frida", roles={"forvaltningschef"}, charts={}, at=T0, threshold=5)
    assert doc.frozen and doc.figures["suppression"]["threshold"] == 5


def test_the_finisher_without_a_name_is_shown_by_id():
    doc = report(figures=FIGURES)
    doc.finish(by="frida", by_name="", roles={"forvaltningschef"}, charts={}, at=T0)
    assert doc.finished_by_name == "frida"


@pytest.mark.parametrize("role, quality, patient_safety", [
    ("verksamhetschef", True, True), ("mas", False, True), ("kvalitetsutvecklare", True, True),
    ("enhetschef", False, False), ("namnd", False, False)])
def test_who_may_write_which_kind(role, quality, patient_safety):
    assert (role in r.QUALITY_REPORT.authors) is quality
    assert (role in r.PATIENT_SAFETY_REPORT.authors) is patient_safety
    # Whoever may finish a kind may write it too.
    assert r.QUALITY_REPORT.finishers <= r.QUALITY_REPORT.authors
    assert r.PATIENT_SAFETY_REPORT.finishers <= r.PATIENT_SAFETY_REPORT.authors
