"""The report as HTML and as the PDF made from it: the banner of a draft and of a finished report, the
authors' Markdown rendered safely, the charts inline with their tables, and the PDF's text read back with
pypdf to find the headings and the figures."""
from __future__ import annotations

import io
import re
from datetime import date, datetime, timezone

import pypdf
import pytest

from ordning_shared import charts as c
from ordning_reporting import pdf

FINISHED_AT = datetime(2027, 2, 20, 13, 30, tzinfo=timezone.utc)
GENERATED_AT = datetime(2027, 1, 10, 8, 5, tzinfo=timezone.utc)


def view(finished: bool = False, text: str = "Vi har **arbetat** hela året.") -> pdf.ReportView:
    by_month = c.bar_chart("avvikelser_per_manad", "Avvikelser per månad", ["jan", "feb", "mar"],
                           [c.Series("2026", (31, 7, 12))], category_heading="Månad")
    heat = c.heat_map("riskkarta", "Riskkarta", row_labels=["2 Stor", "1 Liten"], column_labels=["1", "2"],
                      counts=[[1, 9], [0, 2]], cell_levels=[["medel", "hog"], ["medel", "medel"]],
                      levels=[c.HeatLevel("medel", "Medel", "#f9a825"), c.HeatLevel("hog", "Hög", "#ef6c00")])
    sections = (
        pdf.SectionView(1, "sammanfattning", "Sammanfattning", "Året i korthet.", text=text),
        pdf.SectionView(2, "avvikelser", "Avvikelser", "Vad avvikelserna visar.", charts=(by_month,), groups=(
            pdf.FigureGroup("deviations", "Avvikelser",
                            key_figures=(pdf.KeyFigure("Rapporterade avvikelser", 4321),
                                         pdf.KeyFigure("Dagar till IVO, median", 2.5)),
                            tables=(pdf.FigureTable("per-typ", "Avvikelser per typ", ("Typ", "Antal"),
                                                    (("Avvikelse", 4300), ("Lex Sarah", 21))),)),
            pdf.FigureGroup("lex_maria", "Lex Maria (vårdskador)", key_figures=(pdf.KeyFigure("Anmälda", 3),)))),
        pdf.SectionView(3, "riskanalyser", "Riskanalyser", "De största riskerna.", charts=(heat,),
                        notes=("Riskerna räknas när riskanalyserna rapporteras.",)),
    )
    return pdf.ReportView(
        "Kvalitetsberättelse", 2026, "Socialförvaltningen", finished, sections, period_from=date(2026, 1, 1),
        period_to=date(2026, 12, 31), figures_generated_at=GENERATED_AT,
        finished_at=FINISHED_AT if finished else None, finished_by_name="Frida Förvaltningschef" if finished else None)


def test_a_draft_says_its_figures_may_change_and_when_they_were_taken():
    html = pdf.render_html(view())
    assert "Utkast – siffrorna kan ändras." in html
    assert "Siffrorna hämtades 10 januari 2027 kl. 09.05." in html  # Swedish time (UTC+1 in January)
    assert "Färdig" not in html
    assert "Här skriver ni: Vad avvikelserna visar." in html  # a draft shows what to write where text is missing


def test_a_finished_report_says_who_finished_it_and_when():
    html = pdf.render_html(view(finished=True))
    assert "Färdig 20 februari 2027 av Frida Förvaltningschef." in html
    assert "Utkast" not in html and "Här skriver ni" not in html
    assert "Ingen text skrevs i det här avsnittet." in html


def test_the_document_is_swedish_with_a_contents_list_and_numbered_sections():
    html = pdf.render_html(view())
    assert '<html lang="sv">' in html
    assert re.search(r'<a href="#avsnitt-avvikelser">Avvikelser</a>', html)
    assert '<h2 id="avsnitt-avvikelser-rubrik">2. Avvikelser</h2>' in html
    assert "size: A4" in html and "counter(pages)" in html


def test_the_authors_markdown_is_rendered_without_raw_html_or_unsafe_links_and_under_the_section_heading():
    html = pdf.render_html(view(text="# Året\n\n<script>alert(1)</script> <img src=x onerror=alert(1)>\n\n"
                                     "[klicka](javascript:alert(1)) [SKR](https://skr.se)"))
    assert "<h3>Året</h3>" in html and "<h1>Året" not in html
    assert "<script>alert" not in html and "<img" not in html
    assert "&lt;script&gt;" in html
    assert 'href="javascript' not in html
    assert '<a href="https://skr.se" rel="noopener noreferrer nofollow">SKR</a>' in html


@pytest.mark.parametrize("text, expected", [
    ("# A\n\n## B\n\n#### C", ["h3", "h4", "h6"]),
    ("## A\n\n### B", ["h3", "h4"]),
    ("### A\n\n# B", ["h5", "h3"]),
    ("###### A\n\n# B", ["h6", "h3"]),
])
def test_the_texts_highest_heading_comes_right_under_the_sections(text, expected):
    assert re.findall(r"<(h[1-6])>", str(pdf.markdown_html(text))) == expected


def test_a_name_or_a_label_with_markup_is_escaped():
    doc = view(finished=True)
    doc = pdf.ReportView(doc.title, doc.year, "<b>Förvaltning</b>", True, doc.sections, finished_at=FINISHED_AT,
                         finished_by_name='<script>x</script>')
    html = pdf.render_html(doc)
    assert "&lt;b&gt;Förvaltning&lt;/b&gt;" in html and "<script>x" not in html


def test_charts_are_inline_svg_with_their_numbers_in_a_table_beside_them():
    html = pdf.render_html(view())
    assert html.count("<svg ") == 2 and 'role="img"' in html
    table = html[html.index('id="tabell-diagram-avvikelser_per_manad"'):]
    table = table[:table.index("</table>")]
    # Three months read across: one row for the series.
    assert re.search(r'<th scope="row">2026</th><td class="number">31</td><td class="number">7</td>'
                     r'<td class="number">12</td>', table)


def test_a_section_showing_two_figure_sections_heads_each():
    html = pdf.render_html(view())
    assert "<h3>Avvikelser</h3>" in html and "<h3>Lex Maria (vårdskador)</h3>" in html


def test_numbers_are_written_the_swedish_way_in_the_html():
    html = pdf.render_html(view())
    assert "4\u00a0321" in html and "2,5" in html


@pytest.fixture(scope="module")
def finished_pdf() -> bytes:
    return pdf.render_pdf(pdf.render_html(view(finished=True)))


def pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_pdf_holds_the_headings_the_figures_and_the_banner(finished_pdf):
    assert finished_pdf.startswith(b"%PDF-")
    text = pdf_text(finished_pdf)
    for heading in ("Kvalitetsberättelse 2026", "1. Sammanfattning", "2. Avvikelser", "3. Riskanalyser"):
        assert heading in text
    for figure in ("4 321", "2,5", "Lex Sarah", "4 300", "31"):
        assert figure in text.replace("\u00a0", " ")
    assert "Färdig 20 februari 2027 av Frida Förvaltningschef" in " ".join(text.split())
    assert re.search(r"Sida 1 av \d", text)


def test_the_pdf_is_a4(finished_pdf):
    page = pypdf.PdfReader(io.BytesIO(finished_pdf)).pages[0]
    width_mm, height_mm = (float(v) * 25.4 / 72 for v in (page.mediabox.width, page.mediabox.height))
    assert (round(width_mm), round(height_mm)) == (210, 297)


def test_the_pdf_fetches_nothing_the_document_points_to(tmp_path):
    # Were a stylesheet on the server's disk fetched, its text would show in the PDF.
    sheet = tmp_path / "secret.css"
    sheet.write_text('h1::after { content: "HEMLIGT-INNEHALL"; }')
    html = pdf.render_html(view()).replace("</head>", f'<link rel="stylesheet" href="file://{sheet}"></head>')
    assert "HEMLIGT" not in pdf_text(pdf.render_pdf(html))
    import weasyprint  # the same document with WeasyPrint's default fetcher does read it: the check can fail
    assert "HEMLIGT" in pdf_text(weasyprint.HTML(string=html).write_pdf())
