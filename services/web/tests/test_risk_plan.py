"""Riskhanteringsplan and Riskkarta without the risks service behind them: the form, its refusals, the colours'
style sheet and who sees the pages. (With the service and the demo's data: tests/browser/test_risk_plan.py.)"""
from __future__ import annotations

import pytest

from ordning_web.risk_plan import _luminance, ink_for

from .conftest import free_port_url, sign_in


@pytest.fixture
def web_without_risks(services):
    from ordning_web.app import create_app

    return create_app(services.web_settings(risks_url=free_port_url())).test_client()


def contrast(a: str, b: str) -> float:
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


@pytest.mark.parametrize("colour", ["#2e7d32", "#f9a825", "#ef6c00", "#c62828", "#777777", "#0000ff", "#ffff00",
                                    "#000000", "#ffffff", "#00aa00"])
def test_the_text_on_a_level_colour_is_black_or_white_and_readable(colour):
    assert contrast(ink_for(colour), colour) >= 4.5


def test_the_pages_say_when_the_risks_service_does_not_answer_and_keep_the_form(web_without_risks):
    sign_in(web_without_risks, "frida")
    for path in ("/riskhanteringsplan", "/riskkarta"):
        page = web_without_risks.get(path + "?ar=2025")
        assert page.status_code == 503, page.text
        assert "Tjänsten för risker svarar inte just nu." in page.text
        assert '<option value="2025" selected>2025</option>' in page.text
        assert "Socialförvaltningen</option>" in page.text and "Hemtjänst Norr</option>" in page.text
        assert "Öckerö" not in page.text
    css = web_without_risks.get("/riskkarta/farger.css?v=1")
    assert css.status_code == 200 and css.mimetype == "text/css" and css.text.strip() == ""


def test_a_bad_choice_is_refused_in_swedish_and_asks_nothing(web_without_risks):
    sign_in(web_without_risks, "erik")
    page = web_without_risks.get("/riskhanteringsplan?enhet=inte-en-enhet&ar=1800")
    assert page.status_code == 422
    assert "Det finns 2 fel i formuläret" in page.text and 'aria-invalid="true"' in page.text
    assert "Välj en enhet i listan." in page.text and "Välj ett år i listan." in page.text
    assert "svarar inte" not in page.text  # nothing was asked of the risks service
    for query in ("v=x", "v=1&v=2&v=3&v=4&v=5&v=6&v=7&v=8&v=9&v=10&v=11", "v=1234567"):
        assert web_without_risks.get(f"/riskkarta/farger.css?{query}").status_code == 404


def test_staff_see_the_links_and_others_are_refused(web_without_risks):
    sign_in(web_without_risks, "anna")
    start = web_without_risks.get("/mina-atgarder").text
    assert 'href="/riskhanteringsplan"' in start and 'href="/riskkarta"' in start
    web_without_risks.post("/logga-ut", data={})
    other = web_without_risks.application.test_client()
    sign_in(other, "dora")  # dataskyddsombud: no staff role of the risks service
    assert 'href="/riskhanteringsplan"' not in other.get("/mina-atgarder").text
    assert other.get("/riskhanteringsplan").status_code == 403
    assert other.get("/riskkarta").status_code == 403
