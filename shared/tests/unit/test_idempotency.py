import uuid

import pytest
import sqlalchemy as sa
from flask import Flask

from ordning_shared import idempotency
from ordning_shared.problems import Problem


@pytest.fixture
def flask_app():
    return Flask("idempotency-test")


def make_ops(platform, things, calls):
    def create_thing(claim, name):
        calls.append(name)
        new_id = str(uuid.uuid4())
        with platform.uow() as uow:
            uow.execute(things.insert().values(id=new_id, tenant="0180", name=name))
            idempotency.record(claim, uow, new_id)
            uow.commit()
        return new_id

    def load(thing_id):
        with platform.engine.connect() as connection:
            return connection.execute(sa.select(things).where(things.c.id == thing_id)).one()._asdict()

    return create_thing, load


def post(flask_app, platform, things, calls, payload, key=None, principal="anna"):
    create_thing, load = make_ops(platform, things, calls)
    headers = {"Idempotency-Key": key} if key is not None else {}
    with flask_app.test_request_context("/api/v1/things/", method="POST", headers=headers, json=payload):
        return idempotency.create_once(platform, tenant="0180", principal=principal, payload=payload,
                                       resource_type="thing",
                                       create=lambda claim: create_thing(claim, payload["name"]), load=load)


def count(platform, table):
    with platform.engine.connect() as connection:
        return connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


def test_same_key_same_body_creates_once(flask_app, platform, things_table):
    calls = []
    first, status1, replayed1 = post(flask_app, platform, things_table, calls, {"name": "a"}, key="k-1")
    second, status2, replayed2 = post(flask_app, platform, things_table, calls, {"name": "a"}, key="k-1")
    assert first == second
    assert (status1, replayed1) == (201, False)
    assert (status2, replayed2) == (201, True)
    assert calls == ["a"]
    assert count(platform, things_table) == 1
    assert count(platform, platform.tables.idempotency_keys) == 1


def test_same_key_other_body_is_422(flask_app, platform, things_table):
    calls = []
    post(flask_app, platform, things_table, calls, {"name": "a"}, key="k-1")
    with pytest.raises(Problem) as info:
        post(flask_app, platform, things_table, calls, {"name": "b"}, key="k-1")
    assert info.value.http_status == 422
    assert info.value.code == "idempotency_key_reused"
    assert calls == ["a"]
    assert count(platform, things_table) == 1


def test_key_is_per_principal(flask_app, platform, things_table):
    calls = []
    a, _, _ = post(flask_app, platform, things_table, calls, {"name": "a"}, key="k-1", principal="anna")
    b, _, replayed = post(flask_app, platform, things_table, calls, {"name": "a"}, key="k-1", principal="bo")
    assert a["id"] != b["id"] and not replayed
    assert count(platform, things_table) == 2


def test_without_key_every_post_creates(flask_app, platform, things_table):
    calls = []
    post(flask_app, platform, things_table, calls, {"name": "a"})
    post(flask_app, platform, things_table, calls, {"name": "a"})
    assert count(platform, things_table) == 2
    assert count(platform, platform.tables.idempotency_keys) == 0


@pytest.mark.parametrize("key", ["", "   ", "x" * 201, "a\tb"])
def test_bad_key_is_400(flask_app, platform, things_table, key):
    with pytest.raises(Problem) as info:
        post(flask_app, platform, things_table, [], {"name": "a"}, key=key)
    assert info.value.http_status == 400
    assert count(platform, things_table) == 0
