"""The citizens' pages name the municipality from the tenant configuration, and tell the services the citizen's
address as counted behind ORDNING_TRUSTED_PROXIES, like the services count it."""
from __future__ import annotations

from dataclasses import replace

import pytest
from flask import Flask

from ordning_web.app import create_app
from ordning_web.config import WebSettings, parse_tenants
from ordning_shared.config import ConfigError

from .conftest import Browser


def test_the_pages_say_the_municipalitys_name_not_its_code(browser):
    citizen = browser()
    for path in ("/kommun/0138/lamna-synpunkt", "/kommun/0138/folj-arende"):
        page = citizen.get(path)
        assert page.status_code == 200
        assert '<p class="municipality" id="kommun">Tyresö kommun</p>' in page.text
        assert "– Tyresö kommun – Ordning</title>" in page.text
    assert "Öckerö kommun" in citizen.get("/kommun/1407/lamna-synpunkt").text


def test_a_code_the_installation_does_not_serve_is_no_page(services):
    settings = replace(services.web_settings(), tenants=(("0138", "Tyresö kommun"),))
    citizen = Browser(create_app(settings))
    assert citizen.get("/kommun/1407/lamna-synpunkt").status_code == 404  # not asked of the service
    assert citizen.get("/kommun/1407/folj-arende").status_code == 404


def test_the_tenant_configuration_is_the_charts_tenants_list():
    assert parse_tenants('[{"code": "0138", "name": " Tyresö kommun "}, {"code": "14", "name": "Region X"}]') == (
        ("0138", "Tyresö kommun"), ("14", "Region X"))
    for bad in ('{"0138": "Tyresö"}', '[{"code": "138", "name": "x"}]', '[{"code": "0138", "name": ""}]', "nej"):
        with pytest.raises(ConfigError):
            parse_tenants(bad)
    embedded = WebSettings.from_env({"ORDNING_DATA_DIR": "/tmp/ordning-web-tenants"})
    assert embedded.municipality("0138") == "Tyresö kommun" and embedded.municipality("9999") is None


def forwarded_for(trusted: int, environ: dict) -> str:
    """What the web sends a service as X-Forwarded-For for a request that reached it with `environ`."""
    from ordning_web import citizen

    settings = replace(WebSettings.from_env({"ORDNING_DATA_DIR": "/tmp/ordning-web-tenants"}),
                       trusted_proxies=trusted)
    app = create_app(settings)
    seen = {}

    @app.get("/__address")
    def address():
        seen.update(citizen._client_address())
        return ""

    app.test_client().get("/__address", environ_base=environ)
    return seen["X-Forwarded-For"]


def test_the_web_passes_on_what_its_trusted_proxies_added_as_a_service_behind_them_would_read_it():
    # One proxy (the ingress) in front: it added the citizen's address after what the citizen claimed.
    behind_ingress = {"REMOTE_ADDR": "10.0.0.5", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 203.0.113.7"}
    assert forwarded_for(1, behind_ingress) == "203.0.113.7"  # the claim is not passed on
    # Two (a load balancer, then the ingress): their two entries, of which a service trusting 2 reads the first.
    two = {"REMOTE_ADDR": "10.0.0.5", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 203.0.113.7, 10.0.0.2"}
    assert forwarded_for(2, two) == "203.0.113.7, 10.0.0.2"
    # Nothing in front of the web: the address it saw; whatever the client claimed is not believed.
    assert forwarded_for(0, {"REMOTE_ADDR": "198.51.100.4", "HTTP_X_FORWARDED_FOR": "6.6.6.6"}) == "198.51.100.4"


def test_a_service_counting_the_same_proxies_reads_the_citizen_from_what_the_web_sent():
    from werkzeug.middleware.proxy_fix import ProxyFix

    service = Flask("service")
    service.wsgi_app = ProxyFix(service.wsgi_app, x_for=2)  # as ordning_shared.http.create_app does
    service.add_url_rule("/who", "who", lambda: __import__("flask").request.remote_addr)
    sent = forwarded_for(2, {"REMOTE_ADDR": "10.0.0.5", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 203.0.113.7, 10.0.0.2"})
    answer = service.test_client().get("/who", headers={"X-Forwarded-For": sent},
                                       environ_base={"REMOTE_ADDR": "10.0.0.9"})  # the web's pod
    assert answer.text == "203.0.113.7"
