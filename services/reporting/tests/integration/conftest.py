"""Fixtures: a fresh PostgreSQL database migrated to head, the app, and the org tree fed through org events."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import pytest
import sqlalchemy as sa
from ordning_shared.testing import ServiceEnv, service_env

from ordning_reporting import db
from ordning_reporting.app import create_app
from ordning_reporting.handlers import HANDLERS

from .streams import A, TREE, U

KVAL_N = ("karl", ["kvalitetsutvecklare"], ["n"])
FCHEF_F = ("frida", ["forvaltningschef"], ["f"])
CHEF_E1 = ("erik", ["enhetschef"], ["e1"])
STAFF_E1 = ("anna", ["medarbetare"], ["e1"])
MAS_N = ("maria", ["mas"], ["n"])


@dataclass
class Env(ServiceEnv):
    handlers: dict = field(default_factory=lambda: HANDLERS)
    units: ClassVar[dict] = U  # the tree's units and the external provider "x"

    def figures(self, who=KVAL_N, tenant=A, **query):
        query.setdefault("from", "2026-01-01")
        query.setdefault("to", "2026-12-31")
        r = self.client.get("/api/v1/figures", query_string=query, headers=self.auth(*who, tenant=tenant))
        assert r.status_code == 200, r.get_json()
        return r.get_json()

    def cubes(self) -> dict:
        """Every cube's non-zero rows, as sets: what the figures are summed from."""
        result = {}
        with self.platform.engine.connect() as conn:
            for name, table in db.CUBE_TABLES.items():
                rows = conn.execute(sa.select(table)).all()
                measures = [c.name for c in table.columns if not c.primary_key]
                result[name] = {tuple(row) for row in rows if any(getattr(row, m) for m in measures)}
        return result

    def facts(self) -> dict:
        f = db.facts
        with self.platform.engine.connect() as conn:
            return {(r.tenant, r.model, r.aggregate_id): (r.version, r.state) for r in conn.execute(sa.select(f))}


def value(document, section, figure):
    sect = next(s for s in document["sections"] if s["key"] == section)
    fig = next(f for f in sect["figures"] if f["key"] == figure)
    return fig["value"] if fig["type"] == "value" else fig["rows"]


@pytest.fixture
def settings(migrated_settings):
    return migrated_settings("reporting")


def make_env(settings) -> Env:
    app = create_app(settings)
    return Env(app=app, client=app.test_client(), platform=app.extensions["ordning"], settings=settings)


@pytest.fixture
def bare_env(settings):
    environment = make_env(settings)
    yield environment
    environment.platform.dispose()


@pytest.fixture
def env(settings):
    yield from service_env(Env, settings, create_app, org_tree=TREE)
