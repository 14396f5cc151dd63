"""The API against its document (schemathesis), the runtime database role (the rebuild and the worker too), and
the metrics."""
from __future__ import annotations

import pytest
from ordning_shared.testing import openapi_property_failures

from ordning_reporting.app import create_app
from ordning_reporting.rebuild import rebuild

from .conftest import KVAL_N, Env, value
from .streams import A, TREE, org_bodies, random_history

pytestmark = pytest.mark.integration


def test_no_operation_answers_with_a_5xx_or_off_its_document(env):
    for event in random_history(4, cases=10, actions=3):
        env.feed(event)
    assert openapi_property_failures(env.app, env.auth(*KVAL_N), {"tenant": A}) == []


def test_the_runtime_role_stores_folds_and_rebuilds(runtime_role_settings):
    settings = runtime_role_settings("reporting")
    app = create_app(settings)
    env = Env(app=app, client=app.test_client(), platform=app.extensions["ordning"], settings=settings)
    try:
        for event in org_bodies() + random_history(9, cases=15, actions=5):
            assert env.feed(event) == "processed"
        before = env.figures()
        assert value(before, "deviations", "total") > 0
        rebuild(env.platform.engine)  # as the runtime role: it empties and refills tables it does not own
        assert env.figures()["sections"] == before["sections"]
    finally:
        env.platform.dispose()


def test_metrics_count_the_stored_events_and_the_facts(env):
    history = random_history(6, cases=5, actions=2)
    for event in history:
        env.feed(event)
    scrape = env.client.get("/metrics").get_data(as_text=True)
    stored = len([t for t, *_ in TREE if t == A]) + len(history)  # the org tree's events and the history's
    assert f'ordning_reporting_events_stored{{tenant="{A}"}} {float(stored)}' in scrape
    assert 'ordning_reporting_events_stored{tenant="1407"} 2.0' in scrape
    assert 'ordning_reporting_facts{model="actions",tenant="0138"} 2.0' in scrape
    assert 'ordning_reporting_facts{model="deviations",tenant="0138"} 5.0' in scrape
