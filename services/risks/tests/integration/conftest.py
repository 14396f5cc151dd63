"""Fixtures: a fresh PostgreSQL database migrated to head, the app, an org tree fed through org events."""
from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from ordning_shared.testing import ORG_TREE as TREE
from ordning_shared.testing import TENANT_A as A
from ordning_shared.testing import TENANT_B as B
from ordning_shared.testing import UNITS as U
from ordning_shared.testing import ServiceEnv, org_event_body, service_env

from ordning_risks.app import create_app
from ordning_risks.handlers import HANDLERS

__all__ = ["A", "B", "TREE", "U", "org_event_body"]  # the tests import the tree from here

# the people of tenant A
STAFF_E1 = ("anna", ["medarbetare"], ["e1"])
CHEF_E1 = ("erik", ["enhetschef"], ["e1"])
CHEF_E2 = ("eva", ["enhetschef"], ["e2"])
FCHEF_F = ("frida", ["forvaltningschef"], ["f"])
PAGARE_F = ("pelle", ["processagare"], ["f"])
KVAL_N = ("karl", ["kvalitetsutvecklare"], ["n"])
ADMIN = ("adam", ["administrator"], ["n"])


@dataclass
class Env(ServiceEnv):
    handlers: dict = field(default_factory=lambda: HANDLERS)

    # shortcuts -------------------------------------------------------------
    def analysis(self, unit="e1", who=CHEF_E1, scope_type="unit", **extra):
        body = {"title": "Sommarbemanning 2026", "scope_type": scope_type, "scope_id": U.get(unit, unit),
                "trigger": "larger_change", "trigger_change": "summer_staffing", "analysis_date": "2026-05-12",
                "participants": ["Erik Eriksson, enhetschef", "Anna Andersson"], **extra}
        r = self.client.post("/api/v1/risk-analyses", headers=self.auth(*who), json=body)
        assert r.status_code == 201, r.get_json()
        return r.get_json()

    def act(self, analysis_id, command, who=CHEF_E1):
        headers = self.auth(*who)
        path = f"/api/v1/risk-analyses/{analysis_id}"
        return self.client.post(f"{path}/transitions", json={"command": command},
                                headers={**headers, "If-Match": self.etag(path, headers)})

    def risk(self, analysis_id, who=CHEF_E1, **extra):
        body = {"description": "Brukare får fel läkemedel när vikarier delar ut.",
                "causes": ["Vikarier utan introduktion"], **extra}
        r = self.client.post(f"/api/v1/risk-analyses/{analysis_id}/risks", headers=self.auth(*who), json=body)
        assert r.status_code == 201, r.get_json()
        return r.get_json()

    def score(self, analysis_id, risk_id, probability, consequence, kind="initial", who=CHEF_E1):
        return self.client.post(f"/api/v1/risk-analyses/{analysis_id}/risks/{risk_id}/scorings",
                                headers=self.auth(*who),
                                json={"probability": probability, "consequence": consequence, "kind": kind})


@pytest.fixture
def settings(migrated_settings):
    return migrated_settings("risks")


@pytest.fixture
def env(settings):
    yield from service_env(Env, settings, create_app)
