"""Moments answered in Swedish time with the offset, as the other services do; the domain metrics on /metrics."""
from __future__ import annotations

from datetime import datetime

import pytest
from ordning_shared.fields import LOCAL_ZONE

from .conftest import ADMIN, CHEF_E1

pytestmark = pytest.mark.integration


def swedish(text: str) -> bool:
    moment = datetime.fromisoformat(text)
    return "T" in text and moment.utcoffset() == moment.astimezone(LOCAL_ZONE).utcoffset()


def test_moments_are_swedish_time_with_the_offset(env):
    analysis = env.analysis()
    started = env.act(analysis["id"], "start").get_json()
    assert swedish(started["created_at"]) and swedish(started["started_at"])
    risk = env.risk(analysis["id"])
    scored = env.score(analysis["id"], risk["id"], 2, 2).get_json()
    assert swedish(scored["identified_at"]) and swedish(scored["initial"]["scored_at"])
    assert swedish(env.client.get("/api/v1/risk-matrix", headers=env.auth(*ADMIN)).get_json()["created_at"])


def test_metrics_count_analyses_by_status_and_risks_in_the_plan(env):
    analysis = env.analysis()
    env.act(analysis["id"], "start")
    risk = env.risk(analysis["id"])
    env.score(analysis["id"], risk["id"], 4, 4, who=CHEF_E1)
    env.analysis()
    scrape = env.client.get("/metrics").get_data(as_text=True)
    assert 'ordning_risk_analyses{status="in_progress",tenant="0138"} 1.0' in scrape
    assert 'ordning_risk_analyses{status="draft",tenant="0138"} 1.0' in scrape
    assert 'ordning_risk_analyses{status="followed_up",tenant="0138"} 0.0' in scrape
    assert 'ordning_risks_in_plan{tenant="0138"} 1.0' in scrape
