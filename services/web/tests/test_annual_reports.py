"""Årsberättelser in the web, on the real reporting service (served beside processes and deviations, its org tree
from their events): the list and its empty state, a new draft and its refusals, the report with figures and
charts, a section's text (and what a conflict keeps), new figures, finishing after a question, the document,
the PDF and the downloads; who sees and does what; a service that does not answer."""
from __future__ import annotations

import html
import json
import re
import time
from datetime import datetime

import pytest
import requests

from ordning_shared import demo

from .conftest import csrf_of, free_port_url, sign_in

FORVALTNING = demo.unit_id("0138", "Socialförvaltningen")
YEAR = datetime.now().year


def create(web, kind="quality_report", scope=FORVALTNING, year=YEAR, key=None):
    page = web.get("/arsberattelser")
    form = {"csrf_token": csrf_of(page), "kind": kind, "scope": scope, "year": str(year)}
    form["idempotency_key"] = key or re.search(r'name="idempotency_key" value="([^"]+)"', page.text).group(1)
    return web.post("/arsberattelser", data=form)


def etag_of(page) -> str:
    return html.unescape(re.search(r'name="etag" value="([^"]+)"', page.text).group(1))


@pytest.fixture(scope="module")
def quality_report(services):
    """Frida's kvalitetsberättelse of Socialförvaltningen for this year: its page's address."""
    from ordning_web.app import create_app

    web = create_app(services.web_settings()).test_client()
    sign_in(web, "frida")
    empty = web.get("/arsberattelser")
    assert "Det finns inga årsberättelser än. Skapa den första här nedanför." in empty.text
    created = create(web)
    assert created.status_code == 302, created.text
    return created.headers["Location"]


def test_a_new_draft_has_the_sections_figures_and_charts_and_is_listed(web, quality_report):
    sign_in(web, "frida")
    page = web.get(quality_report)
    assert page.status_code == 200, page.text
    text = page.text
    assert '<span class="report-status">Utkast</span> Siffrorna hämtades' in text
    assert f"<h1>Kvalitetsberättelse {YEAR} <span class=\"count\">Socialförvaltningen</span></h1>" in text
    assert '<h2 id="avsnitt-sammanfattning" tabindex="-1">Sammanfattning</h2>' in text
    assert "Ingen text än. Året i korthet" in text
    # The figures the report took, as accessible tables, and the charts the reporting service drew
    assert 'id="avvikelser-tabell-deviations"' in text and "Anmälda ärenden" in text
    assert re.search(r'<svg[^>]+role="img"[^>]+aria-labelledby="chart-avvikelser_per_manad-title', text)
    assert "style=" not in re.sub(r"<link[^>]+>", "", text)  # nothing the Content-Security-Policy would block
    assert 'id="nya-siffror"' in text and 'id="gor-fardig"' in text and "Skriv texten" in text
    listed = web.get("/arsberattelser")
    assert listed.status_code == 200 and f"Kvalitetsberättelse {YEAR}</a>" in listed.text
    assert '<a href="/arsberattelser" aria-current="page">Årsberättelser</a>' in listed.text


def test_the_same_report_twice_points_to_the_one_there_is(web, quality_report):
    sign_in(web, "frida")
    again = create(web, key="another-key-0001")
    assert again.status_code == 409
    assert "Det finns redan en sådan berättelse" in again.text
    assert f'href="{quality_report}">Öppna den berättelsen</a>' in again.text


def test_a_bad_new_report_is_refused_in_swedish(web):
    sign_in(web, "frida")
    bad = create(web, kind="roman", scope="x", year=1999)
    assert bad.status_code == 422
    assert "Det finns 3 fel i formuläret" in bad.text
    assert "Välj vilken sorts berättelse" in bad.text and "Välj en förvaltning eller hela kommunen." in bad.text
    assert "Välj ett år i listan." in bad.text and 'aria-invalid="true"' in bad.text
    # A unit that is no förvaltning: the reporting service's own words
    unit = create(web, scope=demo.unit_id("0138", "Äldreomsorg"))
    assert unit.status_code == 422 and "Enheten är ingen förvaltning" in unit.text


def test_a_section_is_written_and_a_conflict_keeps_the_text(web, quality_report):
    sign_in(web, "frida")
    edit_url = quality_report + "/avsnitt/sammanfattning"
    form = web.get(edit_url)
    assert form.status_code == 200 and '<label for="text">Text till avsnittet Sammanfattning</label>' in form.text
    assert f"Kvalitetsberättelse {YEAR}, Socialförvaltningen" in form.text
    old_etag = etag_of(form)
    saved = web.post(edit_url, data={"csrf_token": csrf_of(form), "etag": old_etag,
                                     "text": "Året präglades av **fler rapporter**.\n\n- Hemtjänsten"})
    assert saved.status_code == 302 and saved.headers["Location"].endswith("#avsnitt-sammanfattning")
    page = web.get(quality_report)
    assert "Texten är sparad." in page.text and "<strong>fler rapporter</strong>" in page.text
    # Someone else saved meanwhile: the form again, the person's text kept, the saved text above it
    stale = web.post(edit_url, data={"csrf_token": csrf_of(form), "etag": old_etag, "text": "Min egen text."})
    assert stale.status_code == 412
    assert "Någon annan har sparat text i berättelsen medan du skrev." in stale.text
    assert ">Min egen text.</textarea>" in stale.text and "<strong>fler rapporter</strong>" in stale.text
    too_long = web.post(edit_url, data={"csrf_token": csrf_of(stale), "etag": etag_of(stale), "text": "x" * 20001})
    assert too_long.status_code == 422 and "Texten får vara högst" in too_long.text
    assert 'aria-describedby="text-hjalp text-fel"' in too_long.text


def test_new_figures_and_what_a_stale_page_says(web, quality_report):
    sign_in(web, "frida")
    page = web.get(quality_report)
    fresh = web.post(quality_report + "/nya-siffror", data={"csrf_token": csrf_of(page), "etag": etag_of(page)})
    assert fresh.status_code == 302
    assert "Siffrorna och diagrammen är hämtade på nytt. Texten är kvar." in web.get(quality_report).text
    stale = web.post(quality_report + "/nya-siffror", data={"csrf_token": csrf_of(page), "etag": etag_of(page)})
    assert stale.status_code == 302
    assert "Någon annan har ändrat berättelsen medan du hade den öppen." in web.get(quality_report).text


def counted(services, unit_id: str, kind: str) -> int:
    """What the reporting service counts of a kind at a unit this year (its figures API, as Frida may read it)."""
    answer = requests.get(services.urls["reporting"] + "/api/v1/figures", timeout=10,
                          params={"unit_id": unit_id, "from": f"{YEAR}-01-01", "to": f"{YEAR}-12-31",
                                  "section": "deviations"},
                          headers={"Authorization": f"Bearer {services.token('frida')}"})
    assert answer.status_code == 200, answer.text
    kinds = next(f for f in answer.json()["sections"][0]["figures"] if f["key"] == "by_kind")["rows"]
    return next(row["reported"] for row in kinds if row["kind"] == kind)


def test_a_small_units_counts_are_less_than_five_on_the_report_page_and_the_marks_are_explained(web, services,
                                                                                              quality_report):
    """Two lex Sarah reports at Hemtjänst Syd: the report's table of units says "< 5" for them, never 2; its lex
    Sarah table counts the unit among the others; the page says what the marks mean."""
    syd = demo.unit_id("0138", "Hemtjänst Syd")
    before = counted(services, syd, "lex_sarah")
    for n in range(2):
        answer = requests.post(services.urls["deviations"] + "/api/v1/deviations", timeout=10,
                               json={"kind": "lex_sarah", "unit_id": syd, "description": f"Missförhållande {n}"},
                               headers={"Authorization": f"Bearer {services.token('frida')}"})
        assert answer.status_code == 201, answer.text
    deadline = time.monotonic() + 60
    while counted(services, syd, "lex_sarah") < before + 2:  # the events reach reporting through the bus
        assert time.monotonic() < deadline, "reporting never counted the two cases"
        time.sleep(0.2)
    sign_in(web, "frida")
    page = web.get(quality_report)
    assert web.post(quality_report + "/nya-siffror",
                    data={"csrf_token": csrf_of(page), "etag": etag_of(page)}).status_code == 302
    text = web.get(quality_report).text
    assert "Så läser du siffrorna:" in text and "färre än 5 ärenden (noll inräknat)" in text
    units = text[text.index('id="tabell-avvikelser-deviations-by_unit"'):]
    units = units[:units.index("</table>")]
    row = units[units.index('<th scope="row">Hemtjänst Syd</th>'):]
    row = row[:row.index("</tr>")]
    cells = re.findall(r'<td class="num">([^<]*)</td>', row)
    assert len(cells) == 6 and "&lt; 5" in cells and "2" not in cells, row  # total and lex Sarah: "< 5"
    lex = text[text.index('id="tabell-lex_sarah_lex_maria-lex_sarah-by_unit"'):]
    lex = lex[:lex.index("</table>")]
    assert "Övriga enheter" in lex and "Hemtjänst Syd" not in lex
    numbers = web.get(quality_report + "/ladda-ner?format=csv&tabell=deviations.by_unit").data.decode("utf-8-sig")
    assert re.search(r"Hemtjänst Syd,unit,< 5,", numbers), numbers


def test_the_downloads_the_document_and_the_pdf(web, quality_report):
    sign_in(web, "frida")
    table = web.get(quality_report + "/ladda-ner?format=csv&tabell=deviations.by_kind")
    assert table.status_code == 200 and table.mimetype == "text/csv"
    assert table.data.decode("utf-8-sig").splitlines()[0] == "kind,label_sv,reported"
    assert "attachment" in table.headers["Content-Disposition"]
    as_json = json.loads(web.get(quality_report + "/ladda-ner?format=json&tabell=deviations.by_month").data)
    assert as_json["key"] == "by_month" and len(as_json["rows"]) == 12
    numbers = web.get(quality_report + "/ladda-ner?format=csv&avsnitt=actions").data.decode("utf-8-sig")
    lines = numbers.splitlines()
    assert lines[0] == "section,figure,title_sv,value" and len(lines) > 3
    assert all(line.startswith("actions,") for line in lines[1:])
    key_figures = json.loads(web.get(quality_report + "/ladda-ner?format=json&avsnitt=lex_sarah").data)
    assert key_figures["section"] == "lex_sarah" and key_figures["figures"][0]["key"] == "reported"
    chart = web.get(quality_report + "/ladda-ner?format=csv&diagram=avvikelser_per_manad")
    assert chart.status_code == 200 and chart.data.decode("utf-8-sig").startswith("Månad,")
    for bad in ("format=xml", "format=csv&tabell=deviations.nothing", "format=csv&diagram=nothing",
                "format=csv&tabell=a.b&diagram=c", "format=csv&avsnitt=Nej!"):
        assert web.get(quality_report + f"/ladda-ner?{bad}").status_code == 404, bad
    document = web.get(quality_report + "/dokument")
    assert document.status_code == 200 and document.mimetype == "text/html"
    assert "script-src" not in document.headers["Content-Security-Policy"]
    assert "default-src 'none'" in document.headers["Content-Security-Policy"]
    assert "Kvalitetsberättelse" in document.text and "fler rapporter" in document.text
    pdf = web.get(quality_report + "/pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    assert re.match(r'attachment; filename="kvalitetsberattelse-\d{4}-[0-9a-f]{8}\.pdf"',
                    pdf.headers["Content-Disposition"])


def test_others_see_what_they_may(web, services, quality_report):
    sign_in(web, "erik")  # enhetschef of Hemtjänst Norr: no förvaltning, no author's role
    listed = web.get("/arsberattelser")
    assert listed.status_code == 200 and "Ny årsberättelse" not in listed.text
    assert f"Kvalitetsberättelse {YEAR}</a>" not in listed.text  # the förvaltning's report is not his
    assert web.get(quality_report).status_code == 404
    assert web.get(quality_report + "/pdf").status_code == 404
    anna = web.application.test_client()
    sign_in(anna, "anna")
    assert anna.get("/arsberattelser").status_code == 403
    assert 'href="/arsberattelser"' not in anna.get("/rapportera").text
    karin = web.application.test_client()  # kvalitetsutvecklare: reads and writes, not the PSB's only roles
    sign_in(karin, "karin")
    page = karin.get("/arsberattelser")
    assert "Kvalitetsberättelse</label>" in page.text and "Patientsäkerhetsberättelse</label>" in page.text
    assert f"Kvalitetsberättelse {YEAR}</a>" in page.text
    assert 'value="kommun"' not in page.text  # her units do not hold the whole municipality
    maria = web.application.test_client()  # MAS: only the patientsäkerhetsberättelse
    sign_in(maria, "maria")
    page = maria.get("/arsberattelser")
    assert "Patientsäkerhetsberättelse</label>" in page.text and "Kvalitetsberättelse</label>" not in page.text
    psb = create(maria, kind="patient_safety_report")
    assert psb.status_code == 302, psb.text
    report = maria.get(psb.headers["Location"])
    assert "Hälso- och sjukvårdspersonalens rapporteringsskyldighet" in report.text
    assert f"Ska vara klar senast 1 mars {YEAR + 1}." in report.text
    assert maria.get(psb.headers["Location"] + "/avsnitt/inget_sadant").status_code == 404


def test_finishing_asks_first_and_freezes_the_report(web, quality_report):
    sign_in(web, "frida")
    page = web.get(quality_report)
    question = web.get(quality_report + "/gor-fardig")
    assert question.status_code == 200
    assert f"Vill du göra kvalitetsberättelse {YEAR} färdig?" in question.text
    assert "Den kan aldrig ändras efteråt." in question.text and "Analys och fortsatt arbete" in question.text
    stale = web.post(quality_report + "/gor-fardig", data={"csrf_token": csrf_of(page), "etag": "\"gammal\""})
    assert stale.status_code == 302
    assert "Någon annan har ändrat berättelsen" in web.get(quality_report).text
    done = web.post(quality_report + "/gor-fardig", data={"csrf_token": csrf_of(question), "etag": etag_of(question)})
    assert done.status_code == 302
    frozen = web.get(quality_report)
    assert "Berättelsen är färdig. Siffrorna, diagrammen och texten är låsta." in frozen.text
    assert "Gjordes färdig" in frozen.text and "Frida Fransson" in frozen.text
    assert 'id="nya-siffror"' not in frozen.text and "Skriv texten" not in frozen.text
    again = web.get(quality_report + "/avsnitt/sammanfattning")
    assert again.status_code == 302
    assert "Berättelsen är färdig och kan inte ändras längre." in web.get(quality_report).text
    late = web.post(quality_report + "/avsnitt/sammanfattning",
                    data={"csrf_token": csrf_of(frozen), "etag": "\"x\"", "text": "Sent."})
    assert late.status_code in (302, 412)


def test_a_service_that_does_not_answer_is_said(services):
    from ordning_web.app import create_app

    web = create_app(services.web_settings(reporting_url=free_port_url())).test_client()
    sign_in(web, "frida")
    page = web.get("/arsberattelser")
    assert page.status_code == 503 and "Tjänsten för uppföljning och rapporter svarar inte just nu." in page.text
    report = web.get("/arsberattelser/6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b")
    assert report.status_code == 503 and "Traceback" not in report.text
    assert web.get("/arsberattelser/inte-ett-id").status_code == 404
