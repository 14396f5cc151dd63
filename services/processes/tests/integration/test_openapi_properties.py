"""schemathesis over the processes API's /openapi.json: generated requests with a valid token, some of them
on an existing unit, get no 5xx and nothing the document does not say."""
from __future__ import annotations

import pytest
from ordning_shared.migrations import upgrade
from ordning_shared.testing import issue_token, make_settings, openapi_property_failures

from ordning_processes.app import create_app

from .conftest import TENANT_A, OrgClient


@pytest.fixture
def app(create_database, broker_url, tmp_path):
    settings = make_settings("processes", database_url=create_database("processes"), broker_url=broker_url,
                             data_dir=tmp_path)
    upgrade("processes", settings)
    app = create_app(settings)
    app.config["settings"] = settings
    yield app
    app.extensions["ordning"].dispose()


@pytest.fixture
def admin_headers(app):
    return {"Authorization": "Bearer " + issue_token(app.config["settings"], "admin-1", TENANT_A, ["administrator"])}


def test_no_operation_answers_with_a_5xx_or_off_its_document(app, admin_headers):
    _board, _administration, unit = OrgClient(app.test_client(), admin_headers).tree()
    assert openapi_property_failures(app, admin_headers, {"unit_id": unit["id"], "tenant": TENANT_A}) == []
