"""Finding cases in the embedded default, SQLite, where the code differs from PostgreSQL: the search is LIKE
(every word, case-insensitive, Å Ä Ö included, wildcards taken literally), and the sort's NULLs and the cursor
pages run on SQLite's SQL."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from ordning_shared import consumer, events, migrations
from ordning_shared.auth import Principal
from ordning_shared.db import make_engine
from ordning_shared.events import DomainEvent
from ordning_shared.testing import issue_token, make_settings

from ordning_deviations import db, service
from ordning_deviations.app import create_app
from ordning_deviations.handlers import HANDLERS

TENANT, OTHER = "0138", "1407"
BOARD, UNIT, SIBLING = ("a0000000-0000-0000-0000-00000000000c", "a0000000-0000-0000-0000-0000000000e1",
                        "a0000000-0000-0000-0000-0000000000e2")
OTHER_UNIT = "b0000000-0000-0000-0000-0000000000eb"
LIST = "/api/v1/deviations"


@pytest.fixture
def app(tmp_path):
    settings = make_settings("deviations", database_url=f"sqlite:///{tmp_path / 'deviations.db'}",
                             broker_url="filesystem://", data_dir=tmp_path)
    migrations.upgrade("deviations", settings)
    app = create_app(settings)
    platform = app.extensions["ordning"]
    for tenant, unit_id, kind, parent, name in ((TENANT, BOARD, "namnd", None, "Socialnämnden"),
                                                (TENANT, UNIT, "enhet", BOARD, "Hemtjänst Norr"),
                                                (TENANT, SIBLING, "enhet", BOARD, "Hemtjänst Syd"),
                                                (OTHER, OTHER_UNIT, "enhet", None, "Äldreboendet")):
        event = DomainEvent(type="se.ordning.org_unit.created.v1", tenant=tenant, subject=unit_id,
                            data={"unit_id": unit_id, "kind": kind, "name": name, "parent_id": parent,
                                  "closed_at": None, "revision": 1})
        assert consumer.handle_event(platform, HANDLERS, events.serialize(events.to_cloudevent(event, "processes"))) \
            == "processed"
    app.settings = settings
    yield app
    platform.dispose()


def auth(app, subject, roles, units, tenant=TENANT, name=""):
    return {"Authorization": "Bearer " + issue_token(app.settings, subject, tenant, roles, units, name)}


def report(app, description, unit=UNIT, tenant=TENANT, name="Anna Andersson"):
    r = app.test_client().post(LIST, headers=auth(app, "anna", ["medarbetare"], [unit], tenant, name),
                               json={"kind": "avvikelse", "unit_id": unit, "description": description})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def found(app, headers, q) -> set[str]:
    r = app.test_client().get(LIST, query_string={"q": q, "limit": 200}, headers=headers)
    assert r.status_code == 200, r.get_json()
    page = r.get_json()
    assert page["total"] == len(page["items"])
    return {item["description"] for item in page["items"]}


def test_the_migrations_make_the_tables_the_code_declares(app):
    engine = make_engine(app.settings.database_url)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), db.metadata)
    engine.dispose()
    assert diff == []


def test_the_search_finds_every_word_case_insensitive_and_only_what_the_reader_may_read(app):
    for text in ("Åsa föll i Östra korridoren", "Läkemedel: 100% fel dos", "fel_dos i journalen",
                 "Felxdos noterad", "Fallolycka i matsalen"):
        report(app, text)
    report(app, "Åsa föll i Syd", unit=SIBLING)
    report(app, "Åsa föll hos en annan kommun", unit=OTHER_UNIT, tenant=OTHER)
    chef = auth(app, "erik", ["enhetschef"], [UNIT])
    assert found(app, chef, "åsa") == {"Åsa föll i Östra korridoren"}
    assert found(app, chef, "ÖSTRA KORRIDOREN åSA") == {"Åsa föll i Östra korridoren"}
    assert found(app, chef, "östra matsalen") == set()  # every word must occur
    assert found(app, chef, "100%") == {"Läkemedel: 100% fel dos"}  # % and _ are themselves, not wildcards
    assert found(app, chef, "fel_dos") == {"fel_dos i journalen"}
    assert found(app, chef, "läkemedel") == {"Läkemedel: 100% fel dos"}
    assert found(app, chef, "nothing-like-this") == set()
    board = auth(app, "karl", ["kvalitetsutvecklare"], [BOARD])
    assert found(app, board, "åsa") == {"Åsa föll i Östra korridoren", "Åsa föll i Syd"}
    assert found(app, auth(app, "x", ["kvalitetsutvecklare"], [OTHER_UNIT], OTHER), "åsa") == {
        "Åsa föll hos en annan kommun"}
    reference = report(app, "Med nummer")["reference"]
    assert found(app, chef, reference) == {"Med nummer"}


def test_by_reference_names_and_cursor_pages_on_sqlite(app):
    client, board = app.test_client(), auth(app, "karl", ["kvalitetsutvecklare"], [BOARD])
    case = report(app, "Fallolycka")
    r = client.get(f"{LIST}/by-reference/{case['reference']}", headers=board)
    assert r.status_code == 200 and r.get_json()["id"] == case["id"] and r.headers["ETag"] == f'"{case["id"]}.1"'
    assert (r.get_json()["unit_name"], r.get_json()["reporter_name"]) == ("Hemtjänst Norr", "Anna Andersson")
    sibling_chef = auth(app, "eva", ["enhetschef"], [SIBLING])
    assert client.get(f"{LIST}/by-reference/{case['reference']}", headers=sibling_chef).status_code == 404
    # ties in reported_at, occurred_at missing from some: every page in the order of the whole list
    anna = Principal("anna", TENANT, frozenset({"medarbetare"}), (UNIT,))
    base = datetime(2026, 3, 2, 8, tzinfo=timezone.utc)
    for n in range(7):
        at = base + timedelta(hours=n // 2)
        service.report_deviation(app.extensions["ordning"], anna, {
            "kind": "avvikelse", "unit_id": UNIT, "description": f"Händelse {n}",
            "occurred_at": None if n % 3 == 0 else at - timedelta(minutes=n)}, now=at)
    for sort in ("-reported_at", "reported_at", "occurred_at", "-occurred_at", "reference", "-ivo_due"):
        whole = client.get(LIST, query_string={"sort": sort, "limit": 200}, headers=board).get_json()
        key = sort.lstrip("-")
        values = [item[key] for item in whole["items"]]
        present = [v for v in values if v is not None]
        assert present == sorted(present, reverse=sort.startswith("-")) and values[:len(present)] == present, sort
        seen, cursor = [], None
        while True:
            page = client.get(LIST, query_string={"sort": sort, "limit": 2, **({"cursor": cursor} if cursor else {})},
                              headers=board).get_json()
            assert page["total"] == 8
            seen += [item["id"] for item in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == [item["id"] for item in whole["items"]], sort
    r = client.get(LIST, query_string={"cursor": "not-a-cursor"}, headers=board)
    assert r.status_code == 400 and r.get_json()["code"] == "invalid_cursor"
