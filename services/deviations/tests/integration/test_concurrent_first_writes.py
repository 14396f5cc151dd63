"""Eight first-time writes of one unique thing at once, on PostgreSQL: one row, no 5xx.

A deadline policy PUT is an upsert (each one lands, in turn); a category POST of one name creates it
once and answers the others 409.
"""
from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from ordning_deviations import db

from .conftest import ADMIN, A

pytestmark = pytest.mark.integration
PARALLEL = 8


def _at_once(env, send) -> list:
    """Runs `send(client)` in PARALLEL threads released together; returns their responses."""
    barrier = threading.Barrier(PARALLEL)
    responses: list = [None] * PARALLEL

    def run(index):
        client = env.app.test_client()
        barrier.wait()
        responses[index] = send(client)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(PARALLEL)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return responses


def test_eight_first_puts_of_a_deadline_policy_make_one_row(env):
    headers = env.auth(*ADMIN)
    read = env.client.get("/api/v1/deadline-policies/lex_sarah", headers=headers)
    assert read.status_code == 200 and read.get_json()["default"] is True
    if read.headers.get("ETag"):  # the route may ask for If-Match of the default it showed
        headers = {**headers, "If-Match": read.headers["ETag"]}
    body = {"receipt_days": 2, "investigation_days": 15, "ivo_report_days": 10}

    responses = _at_once(env, lambda client: client.put("/api/v1/deadline-policies/lex_sarah", json=body,
                                                         headers=headers))

    statuses = sorted(r.status_code for r in responses)
    assert all(status in (200, 412, 428) for status in statuses), [(r.status_code, r.get_json()) for r in responses]
    t = db.deadline_policies
    with env.platform.engine.connect() as conn:
        rows = conn.execute(sa.select(t).where(t.c.tenant == A, t.c.kind == "lex_sarah")).all()
    written = statuses.count(200)
    assert len(rows) == (1 if written else 0)
    if written:  # every PUT that answered 200 landed, one after another
        assert rows[0].version == written
        assert (rows[0].receipt_days, rows[0].investigation_days, rows[0].ivo_report_days) == (2, 15, 10)
        audit = env.platform.tables.audit_log
        with env.platform.engine.connect() as conn:
            records = conn.execute(sa.select(audit.c.changed_values)
                                   .where(audit.c.entity_type == "deadline_policy")).scalars().all()
        creations = [values for values in records
                     if values and all(before is None for before, _after in values.values())]
        assert len(records) == written and len(creations) == 1  # one creation, then updates


def test_eight_first_posts_of_one_category_name_make_one_and_seven_409s(env):
    headers = env.auth(*ADMIN)

    responses = _at_once(env, lambda client: client.post("/api/v1/categories", json={"name": "Läkemedel"},
                                                         headers=headers))

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [409] * (PARALLEL - 1), [(r.status_code, r.get_json()) for r in responses]
    assert all(r.content_type == "application/problem+json" for r in responses if r.status_code == 409)
    assert env.count(db.categories) == 1
