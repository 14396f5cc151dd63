"""The yearly reports over real PostgreSQL, with events fed through the platform's consumer: a draft takes the
figures of its scope and year, keeps its text when regenerated, and shows new events after regenerating; a
finished report is frozen (new events change nothing in it, and writing to it is a 409); the PDF's text holds
the figures; a small unit's counts are "< 5" in the report's JSON, CSV, HTML and PDF, under the threshold kept
with it; finishing is published through the outbox (se.ordning.report.finished.v1, ids, codes and dates only); bad
input is refused without change; and one tenant sees nothing of another's."""
from __future__ import annotations

import csv
import io
import json
from datetime import date

import pypdf
import pytest
import sqlalchemy as sa
from ordning_reporting import report_db
from ordning_shared.testing import catalogue_errors, outbox_bodies

from .conftest import CHEF_E1, FCHEF_F, KVAL_N, MAS_N, STAFF_E1, value
from .streams import A, B, U, Case

YEAR = 2026
D = date(YEAR, 3, 10)
FCHEF_FB = ("fiona", ["forvaltningschef"], ["fb"])
KVAL_F = ("klara", ["kvalitetsutvecklare"], ["f"])
NAMND_N = ("nils", ["namnd"], ["n"])


def feed(env, *cases):
    for case in cases:
        for event in case.bodies:
            assert env.feed(event) == "processed"


def many(kind, unit, n, tenant=A, day=D):
    """n cases reported on one day: counts of at least the threshold, which the report shows as they are."""
    return [Case(tenant, kind, U[unit], day).report() for _ in range(n)]


def create(env, who=FCHEF_F, tenant=A, expect=201, **body):
    body = {"kind": "quality_report", "scope_type": "administration", "unit_id": U["f"], "year": YEAR, **body}
    if body.get("unit_id") is None:
        body.pop("unit_id")
    r = env.client.post("/api/v1/reports", json=body, headers=env.auth(*who, tenant=tenant))
    assert r.status_code == expect, r.get_json()
    return r


def get(env, report_id, who=FCHEF_F, tenant=A, expect=200, **query):
    r = env.client.get(f"/api/v1/reports/{report_id}", query_string=query, headers=env.auth(*who, tenant=tenant))
    assert r.status_code == expect, r.get_json() if r.is_json else r.status
    return r


def write(env, report_id, section, text, etag, who=FCHEF_F, expect=200):
    r = env.client.put(f"/api/v1/reports/{report_id}/sections/{section}", json={"text": text},
                       headers=env.auth(*who, **{"If-Match": etag}))
    assert r.status_code == expect, r.get_json()
    return r


def command(env, report_id, what, etag, who=FCHEF_F, expect=200):
    r = env.client.post(f"/api/v1/reports/{report_id}/{what}", headers=env.auth(*who, **{"If-Match": etag}))
    assert r.status_code == expect, r.get_json()
    return r


def total(report_json) -> int:
    return value(report_json["figures"], "deviations", "total")


def pdf_text(data: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages).split())


def count_reports(env) -> int:
    with env.platform.engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(report_db.reports)).scalar_one()


# ---- the life of a report --------------------------------------------------------

def test_a_draft_is_regenerated_with_new_events_and_keeps_its_text_then_finished_it_is_frozen(env):
    # avvikelser only, at least 5 at each unit on one day: no small count, so every count is shown as it is
    feed(env, *many("avvikelse", "e1", 5), *many("avvikelse", "e2", 5),
         *many("avvikelse", "e3", 1))  # F2's unit: not in F's report
    created = create(env)
    report = created.get_json()
    assert created.headers["Location"].endswith(f"/api/v1/reports/{report['id']}")
    assert report["status"] == "draft" and report["may_edit"] and report["may_finish"]
    assert total(report) == 10 and report["figures"]["scope"]["unit_id"] == U["f"]
    assert [s["key"] for s in report["sections"]][:2] == ["sammanfattning", "kvalitetsmal"]
    assert {c["key"] for c in report["charts"]} >= {"avvikelser_per_manad", "avvikelser_trend"}

    etag = write(env, report["id"], "sammanfattning", "Ett år med **fler** rapporter.", created.headers["ETag"]
                 ).headers["ETag"]

    feed(env, *many("avvikelse", "e1", 1))
    assert total(get(env, report["id"]).get_json()) == 10  # a draft shows the figures it took, until regenerated
    regenerated = command(env, report["id"], "regenerate", etag)
    assert total(regenerated.get_json()) == 11
    assert regenerated.get_json()["sections"][0]["text"] == "Ett år med **fler** rapporter."

    finished = command(env, report["id"], "finish", regenerated.headers["ETag"])
    body = finished.get_json()
    assert body["status"] == "finished" and body["finished_by"] == "frida" and body["finished_at"]
    assert not body["may_edit"] and not body["may_finish"]

    # Frozen: new events change nothing, and every change is a 409 that changes nothing.
    feed(env, *many("avvikelse", "e2", 1))
    again = get(env, report["id"])
    assert total(again.get_json()) == 11 and again.get_json()["charts"] == body["charts"]
    assert value(env.figures(FCHEF_F, unit_id=U["f"]), "deviations", "total") == 12  # the live figures moved on
    etag = again.headers["ETag"]
    for response in (write(env, report["id"], "sammanfattning", "Ändrad", etag, expect=409),
                     command(env, report["id"], "regenerate", etag, expect=409),
                     command(env, report["id"], "finish", etag, expect=409)):
        assert response.get_json()["code"] == "report_finished"
        assert response.content_type == "application/problem+json"
    assert get(env, report["id"]).get_json() == again.get_json()

    # Each change is in the audit trail: who and what, the fields' names, never the text.
    audit = env.platform.tables.audit_log
    with env.platform.engine.connect() as conn:
        trail = conn.execute(sa.select(audit.c.action, audit.c.actor, audit.c.changed_fields, audit.c.changed_values)
                             .where(audit.c.entity_id == report["id"]).order_by(audit.c.id)).all()
    assert [(row.action, row.actor) for row in trail] == [
        ("create", "frida"), ("write_section", "frida"), ("regenerate", "frida"), ("finish", "frida")]
    assert "text.sammanfattning" in trail[1].changed_fields
    assert all(row.changed_values is None or "rapporter" not in str(row.changed_values) for row in trail)


def test_finishing_a_report_publishes_it_through_the_outbox_with_ids_codes_and_dates_only(env):
    feed(env, *many("avvikelse", "e1", 5))
    psb = create(env, who=MAS_N, kind="patient_safety_report", scope_type="municipality", unit_id=None)
    etag = write(env, psb.get_json()["id"], "informationssakerhet", "Loggkontroller hos Anna Andersson.",
                 psb.headers["ETag"], who=MAS_N).headers["ETag"]
    quality = create(env)
    assert outbox_bodies(env.platform, "se.ordning.report.") == []  # a draft and its text publish nothing

    answer = command(env, psb.get_json()["id"], "finish", etag, who=MAS_N)
    finished = answer.get_json()
    command(env, quality.get_json()["id"], "finish", quality.headers["ETag"])
    command(env, psb.get_json()["id"], "finish", answer.headers["ETag"], who=MAS_N, expect=409)  # nothing published
    bodies = [json.loads(body) for body in outbox_bodies(env.platform, "se.ordning.report.")]
    assert [(b["type"], b["subject"], b["source"], b["tenant"]) for b in bodies] == [
        ("se.ordning.report.finished.v1", psb.get_json()["id"], f"/ordning/{A}/reporting", A),
        ("se.ordning.report.finished.v1", quality.get_json()["id"], f"/ordning/{A}/reporting", A)]
    for body in bodies:
        assert catalogue_errors(body) == []
    assert bodies[0]["data"] == {"report_id": finished["id"], "kind": "patient_safety_report",
                                 "scope_type": "municipality", "unit_id": None, "year": YEAR,
                                 "finished_at": bodies[0]["data"]["finished_at"], "version": finished["version"]}
    assert bodies[0]["sequence"] == f"{finished['version']:010d}"
    assert bodies[0]["data"]["finished_at"].endswith("+00:00")
    assert (bodies[1]["data"]["kind"], bodies[1]["data"]["scope_type"], bodies[1]["data"]["unit_id"]) == (
        "quality_report", "administration", U["f"])
    assert "Anna" not in json.dumps(bodies) and "maria" not in json.dumps(bodies)


def test_the_page_and_the_pdf_hold_the_figures_the_headings_and_the_state(env):
    feed(env, *[Case(A, "avvikelse", U["e1"], date(YEAR, 2, day)).report() for day in range(1, 8)],
         Case(A, "lex_maria", U["e2"], D).report().receive().investigate().decide(True).ivo(3))
    created = create(env, who=MAS_N, kind="patient_safety_report", scope_type="municipality", unit_id=None)
    report_id = created.get_json()["id"]
    etag = write(env, report_id, "informationssakerhet", "Loggkontroller varje månad.", created.headers["ETag"],
                 who=MAS_N).headers["ETag"]

    page = get(env, report_id, who=MAS_N, format="html")
    assert page.content_type == "text/html; charset=utf-8"
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    html = page.get_data(as_text=True)
    assert "Utkast – siffrorna kan ändras." in html and "Patientsäkerhetsberättelse 2026" in html
    assert "<svg " in html and "Loggkontroller varje månad." in html
    assert get(env, report_id, who=MAS_N).content_type == "application/json"  # no format, no Accept: JSON

    draft_pdf = env.client.get(f"/api/v1/reports/{report_id}", headers=env.auth(*MAS_N, Accept="application/pdf"))
    assert draft_pdf.status_code == 200 and draft_pdf.content_type == "application/pdf"
    assert "Utkast – siffrorna kan ändras" in pdf_text(draft_pdf.data)

    command(env, report_id, "finish", etag, who=("maria", ["mas"], ["n"]))
    finished_pdf = get(env, report_id, who=MAS_N, format="pdf")
    assert finished_pdf.headers["Content-Disposition"] == 'inline; filename="patientsakerhetsberattelse-2026-kommunen.pdf"'
    assert get(env, report_id, who=MAS_N, format="pdf").data == finished_pdf.data  # frozen: the same document
    text = pdf_text(finished_pdf.data)
    for heading in ("Patientsäkerhetsberättelse 2026", "1. Övergripande mål och strategier",
                    "6. Klagomål och synpunkter", "10. Informationssäkerhet", "12. Mål och strategier för kommande år"):
        assert heading in text, heading
    assert "Färdig" in text and "Utkast" not in text
    shown = value(get(env, report_id, who=MAS_N).get_json()["figures"], "deviations", "total")
    assert f"Anmälda ärenden {shown}" in text  # the deviations' total, as the key figure shows it (or "..")
    assert "Lex Maria (vårdskador)" in text and "Loggkontroller varje månad." in text
    assert "Anmälda < 5" in text  # the one lex Maria case
    assert "Sida 1 av" in text


def test_every_figure_table_and_chart_exports_as_csv_and_json(env):
    feed(env, Case(A, "avvikelse", U["e1"], D).report(), Case(A, "klagomal", U["e2"], D).report().close(4))
    report_id = create(env).get_json()["id"]
    base = f"/api/v1/reports/{report_id}"
    headers = env.auth(*FCHEF_F)

    # two cases: every count of them is small, and each export gives the mark in place of the number
    whole = env.client.get(f"{base}/figures", headers=headers).get_json()
    assert value(whole, "deviations", "total") == "< 5" and whole["previous_year"]["period"]["from"] == "2025-01-01"
    assert whole["suppression"]["threshold"] == 5 and whole["suppression"]["small"] == "< 5"
    table = env.client.get(f"{base}/figures", query_string={"table": "deviations.by_kind"}, headers=headers)
    assert {row["kind"]: row["reported"] for row in table.get_json()["rows"]}["klagomal"] == "< 5"
    as_csv = env.client.get(f"{base}/figures", query_string={"table": "deviations.by_unit", "format": "csv"},
                            headers=headers)
    assert as_csv.content_type == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(as_csv.get_data(as_text=True))))
    assert {row["unit_id"]: row["total"] for row in rows} == {U["e1"]: "< 5", U["e2"]: "< 5"}
    values = env.client.get(f"{base}/figures", query_string={"format": "csv"}, headers=headers)
    assert "deviations,total,Anmälda ärenden,< 5" in values.get_data(as_text=True)

    chart = env.client.get(f"{base}/charts/avvikelser_per_manad", headers=headers).get_json()
    assert chart["columns"] == ["Månad", "2026"] and chart["rows"][2] == ["mar", "< 5"]
    chart_csv = env.client.get(f"{base}/charts/avvikelser_per_manad", query_string={"format": "csv"},
                               headers=headers).get_data(as_text=True)
    assert chart_csv.splitlines()[3] == "mar,< 5"
    svg = env.client.get(f"{base}/charts/avvikelser_trend", query_string={"format": "svg"}, headers=headers)
    assert svg.content_type == "image/svg+xml; charset=utf-8" and svg.get_data(as_text=True).startswith("<svg")

    for query, code in [({"table": "deviations.nope"}, "unknown_table"), ({"table": "x"}, None)]:
        r = env.client.get(f"{base}/figures", query_string=query, headers=headers)
        assert r.status_code in (404, 422) and (code is None or r.get_json()["code"] == code)
    r = env.client.get(f"{base}/charts/riskkarta", headers=headers)  # risks pending: no heat map yet
    assert r.status_code == 404 and r.get_json()["code"] == "unknown_chart"


# ---- rules and bad input -----------------------------------------------------------

def test_one_report_per_kind_scope_and_year_and_a_retry_with_the_same_key_gets_the_same(env):
    headers = env.auth(*FCHEF_F, **{"Idempotency-Key": "k-1"})
    body = {"kind": "quality_report", "scope_type": "administration", "unit_id": U["f"], "year": YEAR}
    first = env.client.post("/api/v1/reports", json=body, headers=headers)
    retry = env.client.post("/api/v1/reports", json=body, headers=headers)
    assert first.status_code == retry.status_code == 201
    assert first.get_json()["id"] == retry.get_json()["id"]
    second = create(env, expect=409).get_json()
    assert second["code"] == "report_exists" and second["report_id"] == first.get_json()["id"]
    create(env, kind="patient_safety_report")  # another kind: its own report
    create(env, year=YEAR - 1)
    assert count_reports(env) == 3


@pytest.mark.parametrize("body, status, code", [
    ({"kind": "annual"}, 422, None),
    ({"scope_type": "unit"}, 422, None),
    ({"unit_id": None}, 422, "invalid_report"),  # a förvaltning's report without its förvaltning
    ({"scope_type": "municipality"}, 422, "invalid_report"),  # the municipality's with a unit
    ({"year": YEAR + 1}, 422, "invalid_report"),
    ({"year": "2026"}, 422, None),
    ({"year": 1999}, 422, None),
    ({"unit_id": "not-a-uuid"}, 422, None),
    ({"unit_id": U["e1"]}, 422, "not_an_administration"),
    ({"unit_id": U["f2"]}, 404, "unknown_scope"),  # another förvaltning than hers: not revealed
    ({"title": "extra"}, 422, None),
])
def test_bad_new_reports_are_refused_and_create_nothing(env, body, status, code):
    r = create(env, expect=status, **body)
    assert r.content_type == "application/problem+json"
    if code:
        assert r.get_json()["code"] == code
    assert count_reports(env) == 0


def test_editing_needs_the_etag_a_known_section_and_bounded_text(env):
    created = create(env)
    report_id, etag = created.get_json()["id"], created.headers["ETag"]
    r = env.client.put(f"/api/v1/reports/{report_id}/sections/sammanfattning", json={"text": "x"},
                       headers=env.auth(*FCHEF_F))
    assert r.status_code == 428
    assert write(env, report_id, "sammanfattning", "x", '"stale.1"', expect=412).get_json()["code"] == "stale_etag"
    assert write(env, report_id, "informationssakerhet", "x", etag, expect=422).get_json()["code"] == \
        "unknown_report_section"
    assert write(env, report_id, "sammanfattning", "x" * 20_001, etag, expect=422)
    assert write(env, report_id, "sammanfattning", "a\x00b", etag, expect=422)
    r = env.client.put(f"/api/v1/reports/{report_id}/sections/sammanfattning", json={"text": "x", "more": 1},
                       headers=env.auth(*FCHEF_F, **{"If-Match": etag}))
    assert r.status_code == 422
    after = get(env, report_id)
    assert after.headers["ETag"] == etag and after.get_json()["sections"][0]["text"] == ""
    # Two editors: the second, with the ETag both read, is told the report changed.
    write(env, report_id, "sammanfattning", "Först", etag)
    assert write(env, report_id, "avvikelser", "Sedan", etag, expect=412)


def test_who_may_write_and_finish(env):
    created = create(env, who=KVAL_F)
    report_id, etag = created.get_json()["id"], created.headers["ETag"]
    assert create(env, who=CHEF_E1, kind="patient_safety_report", expect=404)  # his unit, not the förvaltning
    assert create(env, who=NAMND_N, year=YEAR - 1, expect=403).get_json()["code"] == "not_a_report_author"
    assert create(env, who=STAFF_E1, year=YEAR - 1, expect=403).get_json()["code"] == "no_figure_role"
    # The nämnd reads it but may not write or finish it.
    assert get(env, report_id, who=NAMND_N).get_json()["may_edit"] is False
    write(env, report_id, "sammanfattning", "x", etag, who=NAMND_N, expect=403)
    assert command(env, report_id, "finish", etag, who=NAMND_N, expect=403).get_json()["code"] == \
        "not_allowed_to_finish_report"
    # A MAS may finish the patientsäkerhetsberättelse, not the kvalitetsberättelse.
    assert command(env, report_id, "finish", etag, who=("mia", ["mas"], ["f"]), expect=403)
    command(env, report_id, "finish", etag, who=KVAL_F)


def test_a_report_of_a_scope_outside_yours_is_not_found_and_not_listed(env):
    f_report = create(env).get_json()["id"]
    municipality = create(env, who=KVAL_N, scope_type="municipality", unit_id=None).get_json()["id"]
    f2_report = create(env, who=KVAL_N, unit_id=U["f2"]).get_json()["id"]
    listed = env.client.get("/api/v1/reports", headers=env.auth(*FCHEF_F)).get_json()["items"]
    assert [item["id"] for item in listed] == [f_report]
    assert "figures" not in listed[0] and listed[0]["title"] == "Kvalitetsberättelse"
    get(env, municipality, expect=404)
    get(env, f2_report, expect=404)
    everything = env.client.get("/api/v1/reports", query_string={"kind": "quality_report", "year": YEAR},
                                headers=env.auth(*KVAL_N)).get_json()["items"]
    assert {item["id"] for item in everything} == {f_report, municipality, f2_report}
    only = env.client.get("/api/v1/reports", query_string={"unit_id": U["f2"]}, headers=env.auth(*KVAL_N))
    assert [item["id"] for item in only.get_json()["items"]] == [f2_report]
    r = env.client.get("/api/v1/reports", query_string={"status": "frozen"}, headers=env.auth(*KVAL_N))
    assert r.status_code == 422


def test_one_tenant_sees_nothing_of_anothers_reports(env):
    feed(env, *many("avvikelse", "eb", 6, tenant=B), *many("avvikelse", "e1", 5))
    a_report = create(env).get_json()
    b_created = create(env, who=FCHEF_FB, tenant=B, unit_id=U["fb"])
    b_report = b_created.get_json()
    assert total(a_report) == 5 and total(b_report) == 6
    get(env, b_report["id"], who=KVAL_N, expect=404)
    get(env, a_report["id"], who=FCHEF_FB, tenant=B, expect=404)
    assert write(env, b_report["id"], "sammanfattning", "x", b_created.headers["ETag"], expect=404)
    listed = env.client.get("/api/v1/reports", headers=env.auth(*FCHEF_FB, tenant=B)).get_json()["items"]
    assert [item["id"] for item in listed] == [b_report["id"]]
    # Tenant B's förvaltning id in tenant A: no such unit there.
    assert create(env, who=KVAL_N, unit_id=U["fb"], expect=404)
    with env.platform.engine.connect() as conn:
        tenants = dict(conn.execute(sa.select(report_db.reports.c.id, report_db.reports.c.tenant)).all())
    assert tenants == {a_report["id"]: A, b_report["id"]: B}


def test_an_unknown_report_is_404_and_a_garbage_id_too(env):
    get(env, "00000000-0000-0000-0000-000000000000", expect=404)
    get(env, "x" * 300, expect=404)
    r = env.client.get("/api/v1/reports/00000000-0000-0000-0000-000000000000", query_string={"format": "doc"},
                       headers=env.auth(*FCHEF_F))
    assert r.status_code == 422


def test_without_pango_the_pdf_is_a_503_and_the_page_still_works(env, monkeypatch):
    from ordning_reporting import pdf

    def no_pango(_html):
        raise OSError("cannot load library 'libpango-1.0-0'")

    monkeypatch.setattr(pdf, "render_pdf", no_pango)  # what WeasyPrint's import raises on a machine without it
    report_id = create(env).get_json()["id"]
    r = get(env, report_id, format="pdf", expect=503)
    assert r.get_json()["code"] == "pdf_unavailable" and "libpango" not in r.get_data(as_text=True)
    assert get(env, report_id, format="html").content_type == "text/html; charset=utf-8"


def test_the_förvaltnings_report_sets_its_providers_cases_beside_its_own(env):
    feed(env, *many("avvikelse", "x", 6), *many("avvikelse", "e1", 20), *many("avvikelse", "e2", 10))
    report = create(env).get_json()
    html = get(env, report["id"], format="html").get_data(as_text=True)
    providers = html[html.index('id="avsnitt-avtalsuppfoljning-providers"'):]
    providers = providers[:providers.index("</section>")]
    assert "<dt>Ärenden hos utförare i privat regi</dt><dd>6</dd>" in providers
    assert "<dt>Ärenden i egen regi</dt><dd>30</dd>" in providers
    assert '<th scope="row">utförare a1</th>' in providers  # the provider by its name in the org tree


def test_a_providers_few_cases_cannot_be_worked_out_from_the_own_units_and_the_total(env):
    """2 at the only provider: the cases in own regi (30) beside the total (32) would give them back."""
    feed(env, *many("avvikelse", "x", 2), *many("avvikelse", "e1", 20), *many("avvikelse", "e2", 10))
    report = create(env).get_json()
    providers = report["figures"]["compilations"]["providers"]
    assert providers["cases_at_providers"] == "< 5" and providers["providers_with_cases"] == 1
    assert ".." in (providers["cases_in_own_units"], total(report))
    html = get(env, report["id"], format="html").get_data(as_text=True)
    assert "<dt>Ärenden hos utförare i privat regi</dt><dd>&lt; 5</dd>" in html


def test_a_finished_report_shows_less_than_five_for_a_small_units_count_everywhere_and_keeps_its_threshold(env):
    """Enhet e1's 2 lex Sarah among its 20 avvikelser: "< 5" in the report's JSON, CSV, HTML and PDF, and not to
    be worked out from e1's total or the columns; finished, the report keeps the threshold it went by when the
    tenant's setting changes, and a draft taken under the old one is not finished before it is taken anew."""
    feed(env, *many("avvikelse", "e1", 20), *many("lex_sarah", "e1", 2), *many("avvikelse", "e2", 10),
         *many("avvikelse", "e2", 6, day=date(YEAR, 4, 2)))
    created = create(env)
    report_id = created.get_json()["id"]
    finished = command(env, report_id, "finish", created.headers["ETag"]).get_json()
    e1 = next(row for row in value(finished["figures"], "deviations", "by_unit") if row["unit_id"] == U["e1"])
    assert e1["lex_sarah"] == "< 5" and e1["lex_maria"] == "< 5"
    assert ".." in (e1["total"], e1["avvikelse"])  # else 22 - 20 would give the 2 back
    assert value(finished["figures"], "lex_sarah", "reported") == "< 5"
    assert finished["figures"]["suppression"]["threshold"] == 5

    base = f"/api/v1/reports/{report_id}/figures"
    as_csv = env.client.get(base, query_string={"table": "deviations.by_unit", "format": "csv"},
                            headers=env.auth(*FCHEF_F)).get_data(as_text=True)
    row = next(r for r in csv.DictReader(io.StringIO(as_csv)) if r["unit_id"] == U["e1"])
    assert row["lex_sarah"] == "< 5" and "2" not in (row["lex_sarah"], row["total"])
    lex_csv = env.client.get(base, query_string={"table": "lex_sarah.by_unit", "format": "csv"},
                             headers=env.auth(*FCHEF_F)).get_data(as_text=True)
    assert ",Övriga enheter,,< 5," in lex_csv and U["e1"] not in lex_csv
    html = get(env, report_id, format="html").get_data(as_text=True)
    table = html[html.index('id="tabell-deviations-by-unit"'):]
    table = table[:table.index("</table>")]
    assert '<th scope="row">enhet e1</th>' in table and "&lt; 5" in table
    assert "färre än 5 ärenden (noll inräknat)" in html
    text = pdf_text(get(env, report_id, format="pdf").data)
    assert "enhet e1" in text and "< 5" in text and "färre än 5 ärenden" in text

    # The tenant's administratör raises the threshold to 10: the finished report is as it was.
    admin = ("admin", ["administrator"], [])
    setting = env.client.get("/api/v1/suppression", headers=env.auth(*admin))
    r = env.client.put("/api/v1/suppression", json={"threshold": 10},
                       headers=env.auth(*admin, **{"If-Match": setting.headers["ETag"]}))
    assert r.status_code == 200, r.get_json()
    assert get(env, report_id).get_json() == get(env, report_id).get_json()
    assert get(env, report_id).get_json()["figures"] == finished["figures"]
    assert "färre än 5 ärenden" in get(env, report_id, format="html").get_data(as_text=True)

    # A draft taken under 5 is not finished under 10 until its figures are taken anew.
    draft = create(env, year=YEAR - 1)
    draft_id = draft.get_json()["id"]
    assert draft.get_json()["figures"]["suppression"]["threshold"] == 10
    with env.platform.engine.begin() as conn:  # as if it had been taken before the change
        stored = conn.execute(sa.select(report_db.reports.c.figures).where(report_db.reports.c.id == draft_id)).scalar()
        stored["suppression"]["threshold"] = 5
        conn.execute(report_db.reports.update().where(report_db.reports.c.id == draft_id).values(figures=stored))
    etag = get(env, draft_id).headers["ETag"]
    refused = command(env, draft_id, "finish", etag, expect=409).get_json()
    assert refused["code"] == "report_threshold_changed" and refused["threshold"] == 10 and refused["taken"] == 5
    assert get(env, draft_id).get_json()["status"] == "draft"
    regenerated = command(env, draft_id, "regenerate", etag)
    assert regenerated.get_json()["figures"]["suppression"]["threshold"] == 10
    command(env, draft_id, "finish", regenerated.headers["ETag"])


def test_a_report_whose_figures_were_taken_before_suppression_is_shown_suppressed(env):
    feed(env, *many("avvikelse", "e1", 20), *many("lex_maria", "e1", 3), *many("avvikelse", "e2", 8))
    created = create(env)
    report_id = created.get_json()["id"]
    command(env, report_id, "finish", created.headers["ETag"])
    raw = env.figures(FCHEF_F, unit_id=U["f"])  # the figures API's unsuppressed answer, as such a report stored
    with env.platform.engine.begin() as conn:
        conn.execute(report_db.reports.update().where(report_db.reports.c.id == report_id).values(
            figures={**raw, "today": str(raw["today"])}))
    shown = get(env, report_id).get_json()
    e1 = next(row for row in value(shown["figures"], "deviations", "by_unit") if row["unit_id"] == U["e1"])
    assert e1["lex_maria"] == "< 5" and shown["figures"]["suppression"]["threshold"] == 5
    chart = env.client.get(f"/api/v1/reports/{report_id}/charts/avvikelser_per_enhet", headers=env.auth(*FCHEF_F))
    assert chart.status_code == 200 and all(row[1] != 3 for row in chart.get_json()["rows"])
