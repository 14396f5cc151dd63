"""The risk pages where the browser tests do not go: the risks service down (said in Swedish, the form kept, the
cases' actions still shown on Mina åtgärder), and the matrix form's mapping of the API's errors to its fields.
The flows themselves run in a real browser against the whole stack: tests/browser/test_risks.py."""
from __future__ import annotations

import re

from ordning_shared import demo

from ordning_web.client import ApiProblem
from ordning_web.risk_matrix import _body, _form_of, field_errors, level_code

from .conftest import csrf_of, free_port_url, sign_in

NORR = demo.unit_id("0138", "Hemtjänst Norr")
MATRIX = {
    "probability_steps": [{"value": i, "label": f"S{i}", "description": ""} for i in (1, 2, 3, 4)],
    "consequence_steps": [{"value": i, "label": f"K{i}", "description": ""} for i in (1, 2, 3, 4)],
    "levels": [{"code": "lag", "label": "Låg", "colour": "#2e7d32"},
               {"code": "hog", "label": "Hög", "colour": "#c62828"}],
    "cells": [{"probability": p, "consequence": c, "level": "hog" if p * c >= 8 else "lag"}
              for p in (1, 2, 3, 4) for c in (1, 2, 3, 4)],
    "plan_threshold": "hog", "version": 3,
}


def test_with_the_risks_service_down_the_new_analysis_form_is_kept_and_the_reason_said(services):
    from ordning_web.app import create_app

    web = create_app(services.web_settings(risks_url=free_port_url())).test_client()
    sign_in(web, "erik")
    page = web.get("/riskanalyser/ny")
    assert page.status_code == 200 and f'<option value="{NORR}">Hemtjänst Norr (Enhet)</option>' in page.text
    form = {"csrf_token": csrf_of(page), "idempotency_key": "a-key-of-the-form-1", "title": "Sommar 2027",
            "scope_id": NORR, "trigger": "larger_change", "trigger_change": "new_it_system",
            "participants": "Erik\nAnna", "analysis_date": "2027-05-12"}
    page = web.post("/riskanalyser/ny", data=form)
    assert page.status_code == 503
    assert "Tjänsten för risker svarar inte just nu" in page.text and "Det du har skrivit finns kvar" in page.text
    assert 'value="Sommar 2027"' in page.text and f'<option value="{NORR}" selected>' in page.text
    assert re.search(r'value="new_it_system"[^>]*checked', page.text) and "Erik\nAnna</textarea>" in page.text
    assert 'value="2027-05-12"' in page.text and "Traceback" not in page.text

    listing = web.get("/riskanalyser")
    assert listing.status_code == 503 and "Tjänsten för risker svarar inte just nu" in listing.text
    # Mina åtgärder still shows the cases' actions, and says why the risks' are missing.
    mine = web.get("/mina-atgarder")
    assert mine.status_code == 200
    assert "Tjänsten för risker svarar inte just nu. Dina åtgärder för risker kan inte visas." in mine.text


def test_an_analysis_a_person_may_not_see_is_not_found_without_a_call_for_a_bad_id(web):
    sign_in(web, "erik")
    page = web.get("/riskanalyser/inte-ett-id")
    assert page.status_code == 404 and "Riskanalysen finns inte eller så får du inte se den." in page.text


def test_the_matrix_form_resizes_keeping_levels_and_nearest_cells():
    form = _form_of(MATRIX, 5, 3)
    assert [s["label"] for s in form["probability"]] == ["S1", "S2", "S3", "S4", ""]
    assert len(form["consequence"]) == 3 and len(form["cells"]) == 15
    assert form["cells"][(5, 3)] == MATRIX["cells"][3 * 4 + 2]["level"]  # the nearest cell: (4, 3)
    assert level_code("Mycket hög") == "mycket_hog" and level_code("3 – extra") == "niva_3_extra"


def test_the_apis_matrix_errors_land_at_their_fields_in_swedish():
    form = _form_of(MATRIX)
    form["levels"].append({"code": "", "label": "", "colour": ""})  # the empty row is not sent
    form["levels"].insert(1, {"code": "", "label": "Medel", "colour": "gul"})
    body, level_rows, cell_keys = _body(form)
    assert [level["code"] for level in body["levels"]] == ["lag", "medel", "hog"] and level_rows == [0, 1, 2]
    domain = ApiProblem(422, {"code": "invalid_risk_matrix", "detail": "Riskmatrisen är inte giltig. Not valid.",
                              "errors": {"json": {"levels[1].colour": ["not_#rrggbb"],
                                                  "probability_steps[2].label": ["required"],
                                                  "cells[5]": ["unknown_level"],
                                                  "cells": ["gap_at_probability_4_consequence_2"],
                                                  "plan_threshold": ["unknown_level"],
                                                  "consequence_steps": ["3_to_5_steps"]}}})
    errors = field_errors(domain, level_rows, cell_keys)
    assert errors["level-1-colour"].startswith("Skriv färgen som #")
    assert errors["p-3-label"] == "Skriv ett namn."
    assert errors[f"cell-{cell_keys[5][0]}-{cell_keys[5][1]}"] == "Välj en nivå som finns i listan."
    assert errors["cell-4-2"] == "Välj en nivå för rutan."
    assert errors["plan_threshold"] == "Välj en nivå som finns i listan."
    assert errors["size"] == "Matrisen ska ha 3 till 5 steg."
    schema = ApiProblem(422, {"code": "validation", "errors": {"json": {"consequence_steps": {"1": {"label": [
        "Fältet får inte vara tomt. The field may not be empty."]}}}}})
    assert field_errors(schema, level_rows, cell_keys) == {"c-2-label": "Fältet får inte vara tomt."}
