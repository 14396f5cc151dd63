"""Uppföljning in the web, on a stand-in for the reporting service that computes the figures as the service does
(tests/fake_reporting.py): the choice of scope and period, the sections as tables and charts, the downloads, and
what the pages say when the service refuses or does not answer."""
from __future__ import annotations

import json
import re

import pytest

from ordning_shared import demo

from .conftest import free_port_url, sign_in
from .fake_reporting import EXTRA_RISKS, MATRICES, NORR, FakeReporting

FORVALTNING = demo.unit_id("0138", "Socialförvaltningen")


@pytest.fixture(scope="module")
def reporting():
    fake = FakeReporting()
    yield fake
    fake.stop()


@pytest.fixture
def web(services, reporting):
    from ordning_web.app import create_app

    reporting.fail_with = None
    reporting.requests.clear()
    return create_app(services.web_settings(reporting_url=reporting.url)).test_client()


def test_a_chef_sees_the_figures_of_their_unit_this_year_with_tables_and_a_chart(web, reporting):
    sign_in(web, "erik")
    page = web.get("/uppfoljning")
    assert page.status_code == 200, page.text
    text = page.text
    assert '<a href="/uppfoljning" aria-current="page">Uppföljning</a>' in text
    assert "<h2 id=\"siffrorna\">Hemtjänst Norr, 1 januari" in text
    # His unit is the one chosen, first in the list; nobody else's is offered
    assert re.search(r'<optgroup label="Dina enheter">\s*<option value="%s" selected>Hemtjänst Norr' % NORR, text)
    assert "Hemtjänst Syd" not in text and "Hela " not in text
    # The call carried his token and the period of this year until today
    call = reporting.requests[-1]
    assert call["authorization"].startswith("Bearer ") and call["args"]["unit_id"] == [NORR]
    assert call["args"]["from"][0].endswith("-01-01")
    # The sections as headings and accessible tables, numbers right-aligned
    assert '<h3 id="avsnitt-deviations" tabindex="-1">Avvikelser, lex Sarah, lex Maria, klagomål och synpunkter</h3>' in text
    assert "<caption id=\"nyckeltal-deviations\">" in text
    assert re.search(r'<th scope="row">Anmälda ärenden</th><td class="num">\d+</td>', text)
    assert '<th scope="col" class="num">Anmälda</th>' in text
    assert "<th scope=\"row\">Lex Sarah</th>" in text
    # A bar chart that says what it shows, the same numbers in the table
    # (drawn by the shared renderer: labelled by its title and description, no inline style for the CSP)
    chart = re.search(r'<div class="follow-chart">(<svg.*?</svg>)</div>', text, re.S).group(1)
    assert 'role="img" aria-labelledby="chart-uppfoljning-deviations-by_kind-title ' in chart
    assert '<title id="chart-uppfoljning-deviations-by_kind-title">Per slag, anmälda</title>' in chart
    assert "Siffrorna finns också i tabellen intill." in chart and "style=" not in chart
    assert chart.count("<rect") == len(re.findall(r"<tr><th scope=\"row\">",
                                                   text.split('id="tabell-deviations-by_kind"')[1].split("</table>")[0]))
    # Every section is filled now (the risks, documents, goals and processes read models arrived): none says
    # it waits for its events
    assert "Det här avsnittet fylls i senare" not in text
    assert '<h3 id="avsnitt-documents" tabindex="-1">' in text
    # the actions with their effect followed up are counted
    assert re.search(r'<th scope="row">Med uppföljd effekt</th><td class="num">1</td>', text)
    assert "se.ordning" not in text
    # Download links through the web, never with a token in them
    assert 'href="/uppfoljning/ladda-ner?format=csv&amp;omfattning=' in text
    assert "token" not in "".join(re.findall(r'href="([^"]+)"', text)).lower()


def test_last_year_a_month_and_own_dates(web, reporting):
    sign_in(web, "erik")
    last = web.get(f"/uppfoljning?omfattning={NORR}&period=forra-aret")
    assert last.status_code == 200 and "Hemtjänst Norr, år 2025" in last.text
    assert reporting.requests[-1]["args"]["from"] == ["2025-01-01"]
    assert reporting.requests[-1]["args"]["to"] == ["2025-12-31"]
    month = web.get(f"/uppfoljning?omfattning={NORR}&period=manad&manad=2026-03")
    assert month.status_code == 200 and "Hemtjänst Norr, mars 2026" in month.text
    assert reporting.requests[-1]["args"]["to"] == ["2026-03-31"]
    # In March 2026 Hemtjänst Norr had three deviations and one lex Sarah case, judged serious, reported to IVO
    assert re.search(r'<th scope="row">Anmälda ärenden</th><td class="num">4</td>', month.text)
    assert re.search(r'<th scope="row">Anmälda till IVO</th><td class="num">1</td>', month.text)
    own = web.get(f"/uppfoljning?omfattning={NORR}&period=egna&fran=2026-02-01&till=2026-02-28")
    assert own.status_code == 200 and "1 februari 2026 – 28 februari 2026" in own.text
    assert re.search(r'<th scope="row">Anmälda ärenden</th><td class="num">2</td>', own.text)


def test_a_forvaltningschef_chooses_among_the_units_below_and_the_table_names_them(web, reporting):
    sign_in(web, "frida")
    page = web.get(f"/uppfoljning?omfattning={FORVALTNING}&period=egna&fran=2026-01-01&till=2026-06-30")
    assert page.status_code == 200, page.text
    assert '<optgroup label="Dina enheter">' in page.text and '<optgroup label="Enheter under dina">' in page.text
    assert "Hemtjänst Syd</option>" in page.text and "Hela " not in page.text
    # The table per unit names the units and their kind, never their ids
    by_unit = page.text[page.text.index('id="tabell-deviations-by_unit"'):]
    by_unit = by_unit[:by_unit.index("</table>")]
    assert "Hemtjänst Norr" in by_unit and "Särskilt boende Solgården" in by_unit and "Enhet</td>" in by_unit
    assert NORR not in by_unit
    assert "Utan kategori" in page.text  # a case without a category


def test_the_administrator_at_the_top_sees_the_whole_municipality(web, reporting):
    sign_in(web, "admin")
    page = web.get("/uppfoljning?omfattning=kommun&period=ar")
    assert page.status_code == 200, page.text
    assert '<option value="kommun" selected>Hela Tyresö kommun</option>' in page.text
    assert '<optgroup label="Förvaltningar">' in page.text
    assert "<h2 id=\"siffrorna\">Tyresö kommun," in page.text
    assert "unit_id" not in reporting.requests[-1]["args"]


def test_a_bad_choice_is_refused_in_swedish_and_asks_nothing(web, reporting):
    sign_in(web, "erik")
    page = web.get("/uppfoljning?omfattning=nagot&period=egna&fran=2026-13-01&till=")
    assert page.status_code == 422
    assert "Det finns 3 fel i formuläret" in page.text and 'aria-invalid="true"' in page.text
    assert "Skriv första dagen som ett datum" in page.text and "Välj en enhet, en förvaltning" in page.text
    assert "Välj sista dagen." in page.text
    assert 'aria-describedby="fran-fel"' in page.text and '<a href="#fran">' in page.text
    assert reporting.requests == []
    backwards = web.get(f"/uppfoljning?omfattning={NORR}&period=egna&fran=2026-05-01&till=2026-04-01")
    assert backwards.status_code == 422 and "Sista dagen kan inte vara före första dagen." in backwards.text
    assert web.get("/uppfoljning?period=vecka").status_code == 422


def test_what_the_service_refuses_is_said_on_the_form(web, reporting):
    sign_in(web, "erik")
    other = web.get(f"/uppfoljning?omfattning={demo.unit_id('0138', 'Hemtjänst Syd')}")
    assert other.status_code == 404
    assert "Du kan inte se siffror för den enheten. Välj en enhet i listan." in other.text
    whole = web.get("/uppfoljning?omfattning=kommun")
    assert whole.status_code == 403 and "Hela kommunens siffror kräver en roll på kommunens högsta nivå" in whole.text
    reporting.fail_with = (422, "invalid_period", "Perioden får vara högst 10 år. The period may be at most 10 years.")
    long = web.get(f"/uppfoljning?omfattning={NORR}&period=egna&fran=2000-01-01&till=2026-01-01")
    assert long.status_code == 422 and "Perioden får vara högst 10 år." in long.text and "The period" not in long.text
    assert 'value="2000-01-01"' in long.text  # the dates are kept


def test_a_service_that_does_not_answer_is_said_and_the_choice_is_kept(services):
    from ordning_web.app import create_app

    web = create_app(services.web_settings(reporting_url=free_port_url())).test_client()
    sign_in(web, "erik")
    page = web.get(f"/uppfoljning?omfattning={NORR}&period=manad&manad=2026-02")
    assert page.status_code == 503
    assert "Tjänsten för uppföljning och rapporter svarar inte just nu." in page.text
    assert '<option value="2026-02" selected>februari 2026</option>' in page.text
    assert 'id="period-manad" name="period" value="manad" checked' in page.text
    assert "Traceback" not in page.text


def test_a_table_downloads_as_csv_and_json_through_the_web(web, reporting):
    sign_in(web, "erik")
    query = f"omfattning={NORR}&period=manad&manad=2026-03"
    csv = web.get(f"/uppfoljning/ladda-ner?format=csv&tabell=deviations.by_kind&{query}")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    assert csv.headers["Content-Disposition"] == \
        'attachment; filename="uppfoljning-deviations-by-kind-2026-03-01-2026-03-31.csv"'
    lines = csv.data.decode("utf-8-sig").splitlines()
    assert lines[0] == "kind,label_sv,reported" and "avvikelse,Avvikelse,3" in lines
    assert csv.data.startswith("\ufeff".encode())  # Excel reads å, ä and ö
    assert reporting.requests[-1]["authorization"].startswith("Bearer ")
    data = web.get(f"/uppfoljning/ladda-ner?format=json&tabell=lex_sarah.by_month&{query}")
    assert data.status_code == 200 and data.mimetype == "application/json"
    body = json.loads(data.data)
    assert body["figure"]["key"] == "by_month" and body["section"] == "lex_sarah"
    assert body["figure"]["rows"] == [{"month": "2026-03", "reported": 1, "serious": 1, "ivo_reported": 1}]
    values = json.loads(web.get(f"/uppfoljning/ladda-ner?format=json&avsnitt=actions&{query}").data)
    assert {f["key"]: f["value"] for f in values["figures"]}["created"] == 2
    values_csv = web.get(f"/uppfoljning/ladda-ner?format=csv&avsnitt=actions&{query}").data.decode("utf-8-sig")
    assert "actions,open,Öppna,1" in values_csv
    everything = json.loads(web.get(f"/uppfoljning/ladda-ner?format=json&{query}").data)
    assert [s["key"] for s in everything["sections"]][:2] == ["deviations", "lex_sarah"]
    for bad in ("format=xml", "format=csv&tabell=inte-en-tabell", "format=csv&tabell=deviations.nothing",
                "format=json&tabell=deviations.nothing", "format=csv&tabell=a.b&avsnitt=a"):
        assert web.get(f"/uppfoljning/ladda-ner?{bad}&{query}").status_code == 404, bad
    assert web.get(f"/uppfoljning/ladda-ner?format=csv&omfattning={NORR}&period=egna&fran=x").status_code == 404


def test_who_sees_the_page(web, services):
    sign_in(web, "anna")  # medarbetare: her own cases, no compilations
    assert 'href="/uppfoljning"' not in web.get("/rapportera").text
    assert web.get("/uppfoljning").status_code == 403
    assert web.get("/uppfoljning/ladda-ner?format=csv").status_code == 403
    other = web.application.test_client()
    sign_in(other, "karin")
    assert 'href="/uppfoljning"' in other.get("/rapportera").text
    anonymous = web.application.test_client()
    assert anonymous.get("/uppfoljning").status_code == 302


def test_without_reporting_the_pages_are_left_out(services):
    from ordning_web.app import create_app

    web = create_app(services.web_settings(reporting_url="")).test_client()
    sign_in(web, "erik")
    assert 'href="/uppfoljning"' not in web.get("/rapportera").text
    assert web.get("/uppfoljning").status_code == 404


def test_the_patterns_of_the_same_choice(web, reporting):
    sign_in(web, "frida")
    page = web.get(f"/uppfoljning/monster?omfattning={FORVALTNING}&period=manad&manad=2026-03")
    assert page.status_code == 200, page.text
    text = page.text
    assert '<a href="/uppfoljning/monster?omfattning=' in text and 'aria-current="page">Mönster och jämförelser' in text
    paths = [call.get("path") for call in reporting.requests]
    assert {"/api/v1/patterns/trends", "/api/v1/patterns/flags", "/api/v1/patterns/providers"} <= set(paths)
    # The trend: March 2026 against February, in words and signs a reader knows
    trend = text[text.index('id="tabell-utveckling"'):]
    trend = trend[:trend.index("</table>")]
    assert '<th scope="row">mars 2026</th><td class="num">4</td><td class="num">+1 (+33 %)</td>' in trend
    # What stands out in the month, and the rule that says so
    assert "Det som sticker ut i mars 2026" in text and "<strong>Regeln:</strong> En enhet eller kategori flaggas" in text
    assert '<th scope="row">Hemtjänst Norr</th><td class="num">7</td><td class="num">1,5</td>' in text
    assert '<th scope="row">Utan kategori</th>' in text
    # Egen regi beside privat regi, and per 1,000 of a volume the municipality recorded
    assert "Egen regi och privat regi 2026" in text and "Omsorgshuset AB (privat regi)" in text
    assert '<option value="brukare">brukare</option>' in text
    per_1000 = web.get(f"/uppfoljning/monster?omfattning={FORVALTNING}&period=manad&manad=2026-03&matt=brukare")
    assert "per 1 000 brukare" in per_1000.text and '<td class="num">8,00</td>' in per_1000.text
    ignored = web.get(f"/uppfoljning/monster?omfattning={FORVALTNING}&period=ar&matt=<script>")
    assert ignored.status_code == 200 and "<script>" not in ignored.text.split("</header>", 1)[1]
    assert "Ingen enhet och ingen kategori sticker ut den månaden." in ignored.text


def test_the_patterns_page_says_what_the_service_refuses(web, reporting):
    sign_in(web, "erik")
    other = web.get(f"/uppfoljning/monster?omfattning={demo.unit_id('0138', 'Hemtjänst Syd')}")
    assert other.status_code == 404 and "Du kan inte se siffror för den enheten." in other.text
    reporting.fail_with = (503, "down", "Nere. Down.")
    down = web.get(f"/uppfoljning/monster?omfattning={NORR}")
    assert down.status_code == 503 and "Tjänsten för uppföljning och rapporter svarar inte just nu." in down.text
    anna = web.application.test_client()
    sign_in(anna, "anna")
    assert anna.get("/uppfoljning/monster").status_code == 403


def test_a_category_is_named_as_the_deviations_service_names_it(web, services, reporting):
    import requests

    from .fake_reporting import EXTRA_CASES

    answer = requests.post(services.urls["deviations"] + "/api/v1/categories", timeout=10,
                           json={"name": "Läkemedel i uppföljningen"},
                           headers={"Authorization": f"Bearer {services.token('admin')}",
                                    "Idempotency-Key": "follow-up-category"})
    assert answer.status_code in (200, 201), answer.text
    EXTRA_CASES.append({"unit_id": NORR, "kind": "avvikelse", "reported_on": "2026-05-05", "origin": "staff",
                        "category_id": answer.json()["id"]})
    try:
        sign_in(web, "erik")
        page = web.get(f"/uppfoljning?omfattning={NORR}&period=manad&manad=2026-05")
        table = page.text[page.text.index('id="tabell-deviations-by_category"'):]
        assert '<th scope="row">Läkemedel i uppföljningen</th><td class="num">1</td>' in table[:table.index("</table>")]
    finally:
        EXTRA_CASES.clear()


def test_a_handelsetyp_is_named_as_the_tenants_list_names_it(web, services, reporting):
    """The figures count händelsetyper by code; the page names them from the deviations service's list (the
    tenant's labels), a case without one as "Utan händelsetyp", a code the list lacks as unknown."""
    from .fake_reporting import EXTRA_CASES

    case = {"unit_id": NORR, "kind": "avvikelse", "reported_on": "2026-05-05", "origin": "staff"}
    EXTRA_CASES.extend([{**case, "event_type": "fall"}, {**case, "event_type": "fall"},
                        {**case, "event_type": "lakemedel"}, {**case, "event_type": "inte_i_listan"}])
    try:
        sign_in(web, "erik")
        page = web.get(f"/uppfoljning?omfattning={NORR}&period=manad&manad=2026-05")
        assert page.status_code == 200
        table = page.text[page.text.index('id="tabell-deviations-by_event_type"'):]
        table = table[:table.index("</table>")]
        assert "<th scope=\"col\">Händelsetyp</th>" in table
        assert '<th scope="row">Fall</th><td class="num">2</td>' in table
        assert '<th scope="row">Läkemedel</th><td class="num">1</td>' in table
        assert '<th scope="row">Okänd händelsetyp</th><td class="num">1</td>' in table
        assert "inte_i_listan" not in table and "lakemedel" not in table
    finally:
        EXTRA_CASES.clear()


def test_a_process_step_is_named_as_the_process_map_names_it(web, services, reporting):
    import requests

    from .fake_reporting import EXTRA_CASES

    copied = requests.post(services.urls["processes"] + "/api/v1/process-templates/socialtjanst_ni_2021_2/copy",
                           timeout=10, json={"unit_id": FORVALTNING},
                           headers={"Authorization": f"Bearer {services.token('admin')}",
                                    "Idempotency-Key": "follow-up-process"})
    assert copied.status_code in (200, 201), copied.text
    draft = copied.json()["draft"]
    utreda = next(step["id"] for step in draft["steps"] if step["name"] == "Utreda")
    unknown = "d0000000-0000-0000-0000-0000000000ff"
    EXTRA_CASES.extend({"unit_id": NORR, "kind": "avvikelse", "reported_on": "2026-05-05", "origin": "staff",
                        "process_step_id": step} for step in (utreda, utreda, unknown))
    try:
        sign_in(web, "erik")
        page = web.get(f"/uppfoljning?omfattning={NORR}&period=manad&manad=2026-05")
        table = page.text[page.text.index('id="tabell-deviations-by_process"'):]
        table = table[:table.index("</table>")]
        assert f'<th scope="row">{draft["name"]}: Utreda</th><td class="num">2</td>' in table
        assert '<th scope="row">Processteg som inte finns i processkartan</th><td class="num">1</td>' in table
        assert utreda not in table and unknown not in table
    finally:
        EXTRA_CASES.clear()


def test_the_patterns_download_as_csv_and_json(web, reporting):
    sign_in(web, "frida")
    query = f"omfattning={FORVALTNING}&period=manad&manad=2026-03"
    page = web.get(f"/uppfoljning/monster?{query}&matt=brukare")
    assert 'href="/uppfoljning/monster/ladda-ner?omfattning=' in page.text and "del=regi" in page.text
    trend = web.get(f"/uppfoljning/monster/ladda-ner?{query}&del=utveckling&format=csv")
    assert trend.status_code == 200 and trend.mimetype == "text/csv" and trend.data.startswith(b"\xef\xbb\xbf")
    # The reporting service's own CSV, asked for with the person's token and passed through (a byte order mark
    # added for Excel), not one the web makes of the JSON.
    call = reporting.requests[-1]
    assert call["path"] == "/api/v1/patterns/trends" and call["args"]["format"] == ["csv"]
    assert call["authorization"].startswith("Bearer ")
    lines = trend.data.decode("utf-8-sig").splitlines()
    assert lines[0] == ("series,title_sv,month,count,previous_month,change_month,change_month_pct,"
                        "same_month_last_year,change_year,change_year_pct")
    assert "deviations.all,Alla ärenden,2026-03,4,3,1,33.3,0,4," in lines
    assert "attachment" in trend.headers["Content-Disposition"] and trend.headers["Cache-Control"] == "no-store"
    flags = web.get(f"/uppfoljning/monster/ladda-ner?{query}&del=sticker-ut&format=json")
    assert flags.status_code == 200 and flags.json["units"][0]["unit_name"] == "Hemtjänst Norr"
    assert "attachment" in flags.headers["Content-Disposition"]
    regi = web.get(f"/uppfoljning/monster/ladda-ner?{query}&del=regi&format=csv&matt=brukare").data.decode("utf-8-sig")
    assert f"2026,brukare,unit,in_house,Egen regi,{NORR},Hemtjänst Norr,unit,,,8,,,,,,1000.0,8.0," in regi
    assert reporting.requests[-1]["args"]["measure"] == ["brukare"] and reporting.requests[-1]["args"]["format"] == [
        "csv"]
    flagged = web.get(f"/uppfoljning/monster/ladda-ner?{query}&del=sticker-ut&format=csv").data.decode("utf-8-sig")
    assert flagged.splitlines()[1].startswith(f"2026-03,unit,{NORR},Hemtjänst Norr,unit,,7,")
    for bad in ("del=allt&format=csv", "del=regi&format=xml", "del=regi&format=csv&matt=<x>"):
        assert web.get(f"/uppfoljning/monster/ladda-ner?{query}&{bad}").status_code == 404, bad
    other = f"omfattning={demo.unit_id('1407', 'Hemtjänsten Öckerö')}&period=ar&del=regi"
    assert web.get(f"/uppfoljning/monster/ladda-ner?{other}&format=json").status_code == 404
    assert web.get(f"/uppfoljning/monster/ladda-ner?{other}&format=csv").status_code == 404  # the API's 404


# --------------------------------------------------------------------------
# The heat map (riskkarta): drawn on the tenant's grid of each matrix version holding risks, before and after
# actions, in the tenant's words and colours (the stand-in runs the reporting service's own risk facts, matrices
# read model and heat map rows): the default 4×4 where the tenant never changed its matrix, a 3×3 and a 5×5 of
# its own; the table beside lists the cells with risks by name; the table's CSV is the reporting service's.
# --------------------------------------------------------------------------

MARCH = f"/uppfoljning?omfattning={NORR}&period=manad&manad=2026-03"


@pytest.fixture
def own_risks():
    """A test's own risks and matrices in the stand-in, cleared after it."""
    yield
    MATRICES.clear()
    EXTRA_RISKS.clear()


def matrix(size: int, levels) -> dict:
    """A version of a tenant's matrix as reporting keeps it (risk_facts.matrix_version_of)."""
    def level(p, c):
        return levels[2][0] if p * c * 2 >= size * size else levels[1][0] if p * c * 4 >= size * size else levels[0][0]
    return {"probability_steps": [{"value": i, "label": f"Sannolikhet {i}"} for i in range(1, size + 1)],
            "consequence_steps": [{"value": i, "label": f"Följd {i}"} for i in range(1, size + 1)],
            "levels": [{"code": code, "label": label, "colour": colour} for code, label, colour in levels],
            "cells": {f"{p},{c}": level(p, c) for p in range(1, size + 1) for c in range(1, size + 1)},
            "plan_threshold": levels[1][0]}


def risk(version: int, p: int, c: int, level: str, after=None) -> dict:
    return {"analysis_id": "a2", "unit_id": NORR, "analysis_unit_id": NORR, "matrix_version": version,
            "identified_on": "2026-03-20", "escalations": {},
            "initial": {"probability": p, "consequence": c, "score": p * c, "level": level, "in_plan": True},
            "residual": after}


def svgs(text: str) -> dict[str, str]:
    """The heat map charts of the page by their id."""
    return dict(re.findall(r'<svg[^>]*aria-labelledby="chart-(uppfoljning-risks-heat_map-[^ ]+)-title [^"]*"[^>]*>'
                           r'(.*?)</svg>', text, re.S))


def heat_table(text: str) -> str:
    table = text[text.index('id="tabell-risks-heat_map"'):]
    return table[:table.index("</table>")]


def test_a_tenant_that_never_changed_its_matrix_sees_the_default_grid_before_and_after_actions(web, own_risks):
    sign_in(web, "erik")
    page = web.get(MARCH)
    assert page.status_code == 200, page.text
    charts = svgs(page.text)
    assert sorted(charts) == ["uppfoljning-risks-heat_map-1-initial", "uppfoljning-risks-heat_map-1-residual"]
    before = charts["uppfoljning-risks-heat_map-1-initial"]
    assert "Riskkarta före åtgärder (matrisversion 1, den gällande)" in before
    # 4 × 4 cells in the default's colours, the step names of DOMAIN.md, the highest probability on top
    assert before.count("<rect") == 16 + 4  # the cells and the legend's four levels
    assert 'fill="#c62828"' in before and "Mycket hög" in before and "4 Mycket stor" in before
    assert before.index("4 Mycket stor") < before.index("1 Mycket liten")
    assert "style=" not in before
    # The table: the two cells with the risk, by their step names and level name, no codes or colours
    table = heat_table(page.text)
    assert len(re.findall(r"<tr><th scope=\"row\"", table)) == 2
    assert "3 Stor" in table and "4 Katastrofal" in table and "2 Liten" in table and "Hög" in table
    assert "#c62828" not in table and "mycket_hog" not in table
    assert 'class="follow-chart-pair"' in page.text


def test_a_3x3_of_the_tenants_own_is_drawn_as_its_grid_beside_the_older_default(web, own_risks):
    MATRICES["0138"] = [{"versions": {"2": matrix(3, [("gron", "Grön", "#1b5e20"), ("gul", "Gul", "#fdd835"),
                                                      ("rod", "Röd", "#b71c1c")])}}]
    EXTRA_RISKS.append(risk(2, 3, 3, "rod", after={"probability": 1, "consequence": 1, "score": 1, "level": "gron",
                                                   "in_plan": False}))
    sign_in(web, "erik")
    page = web.get(MARCH)
    charts = svgs(page.text)
    assert list(charts) == ["uppfoljning-risks-heat_map-2-initial", "uppfoljning-risks-heat_map-2-residual",
                            "uppfoljning-risks-heat_map-1-initial", "uppfoljning-risks-heat_map-1-residual"]
    three = charts["uppfoljning-risks-heat_map-2-initial"]
    assert "matrisversion 2, den gällande" in three and three.count("<rect") == 9 + 3
    assert 'fill="#b71c1c"' in three and "Röd" in three and "3 Sannolikhet 3" in three and "1 Följd 1" in three
    assert "4 Mycket stor" not in three  # the old risk stays on the default's grid
    assert "matrisversion 1)" in charts["uppfoljning-risks-heat_map-1-initial"]
    table = heat_table(page.text)
    assert "3 Sannolikhet 3" in table and "Röd" in table and "Grön" in table


def test_a_5x5_of_the_tenants_own(web, own_risks):
    MATRICES["0138"] = [{"versions": {"2": matrix(5, [("lag", "Låg", "#00aa00"), ("hog", "Hög", "#ff8800"),
                                                      ("kritisk", "Kritisk", "#880000")])}}]
    EXTRA_RISKS.append(risk(2, 5, 4, "kritisk"))
    sign_in(web, "erik")
    page = web.get(MARCH)
    five = svgs(page.text)["uppfoljning-risks-heat_map-2-initial"]
    assert five.count("<rect") == 25 + 3 and 'fill="#880000"' in five and "Kritisk" in five
    assert "5 Sannolikhet 5" in five and "5 Följd 5" in five
    # Every cell of the grid downloads as the reporting service's CSV, with its level's name and colour
    download = web.get(f"/uppfoljning/ladda-ner?format=csv&omfattning={NORR}&period=manad&manad=2026-03"
                       "&tabell=risks.heat_map")
    assert download.status_code == 200 and download.mimetype == "text/csv"
    lines = download.data.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("matrix_version,current,probability,probability_label,consequence")
    assert len(lines) == 1 + 25 + 16
    assert any(line.startswith("2,True,5,Sannolikhet 5,4,Följd 4,20,kritisk,Kritisk,#880000,2,1,1") for line in lines)


def test_a_period_without_risks_draws_no_grid_and_says_so(web, own_risks):
    sign_in(web, "erik")
    page = web.get(f"/uppfoljning?omfattning={NORR}&period=manad&manad=2026-02")
    assert svgs(page.text) == {}
    section = page.text[page.text.index('id="rubrik-risks-heat_map"'):]
    assert "Inget att räkna under perioden." in section[:400]


def test_another_unit_sees_none_of_norrs_risks(web, own_risks):
    sign_in(web, "frida")
    syd = demo.unit_id("0138", "Hemtjänst Syd")
    page = web.get(f"/uppfoljning?omfattning={syd}&period=manad&manad=2026-03")
    assert page.status_code == 200 and svgs(page.text) == {}
