"""Governing documents (styrdokument) over HTTP, against real PostgreSQL and RabbitMQ: the whole life of a
document version, who reads what, bad input, tenant isolation, and the review-due notice sent once."""
from __future__ import annotations

import threading
from datetime import date, datetime, time, timedelta, timezone

import pytest
import sqlalchemy as sa
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent
from kombu import Connection, Exchange, Queue

from ordning_shared.testing import BackgroundWorker, wait_until

from ordning_processes import app as processes_app
from ordning_processes import db, service
from ordning_processes.domain import documents as docdomain
from ordning_processes.handlers import HANDLERS
from ordning_processes.schemas import DocumentVersionEventDataSchema
from ordning_shared.workdays import today_in_sweden

from .conftest import TENANT_B, OrgClient
from .test_process_map_api import P as PROCESS_MAP
from .test_process_map_api import create as create_process
from .test_process_map_api import if_match as process_etag

pytestmark = pytest.mark.integration
PROBLEM = "application/problem+json"
DOCS = "/api/v1/documents"
REVIEW = (today_in_sweden() + timedelta(days=365)).isoformat()
BODY = "## Syfte\n\nAlla rapporterar avvikelser samma dag.\n\n<script>alert(1)</script> [x](javascript:alert(1))"


def assert_problem(response, status, code=None):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.content_type == PROBLEM
    if code is not None:
        assert response.get_json()["code"] == code, response.get_json()
    return response.get_json()


class Env:
    def __init__(self, client, token, platform, tree):
        self.client, self.token, self.platform = client, token, platform
        self.board, self.administration, self.unit = tree
        a = self.administration["id"]
        u = self.unit["id"]
        self.author = token("chef-unit", roles=("enhetschef",), org_units=(u,))
        self.approver = token("chef-adm", roles=("forvaltningschef",), org_units=(a,))
        self.employee = token("staff-1", roles=("medarbetare",), org_units=(u,))
        self.stranger = token("staff-2", roles=("medarbetare",), org_units=(self.board["id"],))
        self.admin = token()

    def create(self, headers=None, expect=201, **extra):
        body = {"kind": "rutin", "owner_unit_id": self.unit["id"], "title": "Rutin för avvikelsehantering",
                "body": BODY, **extra}
        response = self.client.post(DOCS, json=body, headers=headers or self.author)
        assert response.status_code == expect, response.get_json()
        return response.get_json(), response.headers.get("ETag")

    def version(self, document_id, number, headers=None):
        response = self.client.get(f"{DOCS}/{document_id}/versions/{number}", headers=headers or self.author)
        return response

    def act(self, document_id, number, command, etag, headers=None, body=None):
        return self.client.post(f"{DOCS}/{document_id}/versions/{number}/{command}", json=body or {},
                                headers={**(headers or self.author), "If-Match": etag})

    def establish(self, document_id, number, headers=None):
        etag = self.version(document_id, number, self.author).headers["ETag"]
        submitted = self.act(document_id, number, "submit", etag)
        assert submitted.status_code == 200, submitted.get_json()
        established = self.act(document_id, number, "establish", submitted.headers["ETag"],
                               headers=headers or self.approver,
                               body={"decision_reference": "SN 2026/12 § 4", "review_date": REVIEW})
        assert established.status_code == 200, established.get_json()
        return established


@pytest.fixture
def env(client, token, platform, admin):
    return Env(client, token, platform, OrgClient(client, admin).tree())


def rows(platform, table, **where):
    with platform.engine.connect() as conn:
        query = sa.select(table)
        for key, value in where.items():
            query = query.where(table.c[key] == value)
        return [dict(r._mapping) for r in conn.execute(query).all()]


def test_the_whole_life_of_a_document_version(env):
    created, etag = env.create(unit_ids=[env.administration["id"]])
    doc = created["id"]
    assert created["version"]["status"] == "draft" and created["version"]["may_edit"]
    html = created["version"]["body_html"]
    assert "<h2>Syfte</h2>" in html and "<script>" not in html and 'href="javascript' not in html
    # a draft: its author and its approvers read it, an employee does not even see it exists
    assert env.version(doc, 1, env.approver).status_code == 200
    assert_problem(env.version(doc, 1, env.employee), 404)
    assert env.client.get(DOCS, headers=env.employee).get_json()["items"] == []

    edited = env.client.patch(f"{DOCS}/{doc}/versions/1", json={"title": "Rutin för avvikelser"},
                              headers={**env.author, "If-Match": etag})
    assert edited.status_code == 200 and edited.get_json()["title"] == "Rutin för avvikelser"
    assert_problem(env.client.patch(f"{DOCS}/{doc}/versions/1", json={"title": "Gammal"},
                                    headers={**env.author, "If-Match": etag}), 412)

    submitted = env.act(doc, 1, "submit", edited.headers["ETag"])
    assert submitted.get_json()["status"] == "for_approval"
    rejected = env.act(doc, 1, "reject", submitted.headers["ETag"], env.approver, {"reason": "Lägg till MAS."})
    assert rejected.get_json()["status"] == "draft" and rejected.get_json()["rejected_reason"] == "Lägg till MAS."
    first = env.establish(doc, 1).get_json()
    assert first["status"] == "established" and first["established_by"] == "chef-adm"
    assert first["decision_reference"] == "SN 2026/12 § 4" and first["review_date"] == REVIEW

    # established: every employee of the linked units and of the units below them reads it
    assert env.version(doc, 1, env.employee).status_code == 200
    listed = env.client.get(DOCS, headers=env.employee).get_json()["items"]
    assert [d["id"] for d in listed] == [doc] and listed[0]["in_force_version"] == 1
    assert_problem(env.client.get(f"{DOCS}/{doc}", headers=env.stranger), 404)  # the board is above, not below

    # an established version is never edited: a change is a new version
    current = env.version(doc, 1).headers["ETag"]
    assert_problem(env.client.patch(f"{DOCS}/{doc}/versions/1", json={"title": "Ny"},
                                    headers={**env.author, "If-Match": current}), 409, "version_not_editable")
    assert rows(env.platform, db.document_versions, document_id=doc, number=1)[0]["title"] == "Rutin för avvikelser"
    second = env.client.post(f"{DOCS}/{doc}/versions", json={}, headers=env.author)
    assert second.status_code == 201 and second.get_json()["number"] == 2
    assert second.get_json()["body"] == BODY and second.get_json()["status"] == "draft"
    assert_problem(env.client.post(f"{DOCS}/{doc}/versions", json={}, headers=env.author), 409,
                   "version_in_the_works")
    # the employee still reads version 1 while version 2 is drafted
    shown = env.client.get(f"{DOCS}/{doc}", headers=env.employee).get_json()
    assert shown["version"]["number"] == 1 and shown["in_works_version"] is None
    env.establish(doc, 2)
    versions = env.client.get(f"{DOCS}/{doc}/versions", headers=env.employee).get_json()["items"]
    assert [(v["number"], v["status"]) for v in versions] == [(2, "established"), (1, "superseded")]

    outbox = rows(env.platform, env.platform.tables.outbox)
    types = [r["type"] for r in outbox]
    assert types.count(docdomain.DOCUMENT_VERSION_ESTABLISHED) == 2
    assert types.count(docdomain.DOCUMENT_VERSION_SUPERSEDED) == 1
    assert all("Rutin" not in r["body"] and "Syfte" not in r["body"] for r in outbox)


def test_approving_ones_own_draft_is_forbidden_unless_the_tenant_allows_it(env, client):
    created, etag = env.create(headers=env.approver)
    doc = created["id"]
    submitted = env.act(doc, 1, "submit", etag, env.approver)
    body = {"decision_reference": "FC 2026/1", "review_date": REVIEW}
    assert_problem(env.act(doc, 1, "establish", submitted.headers["ETag"], env.approver, body), 403,
                   "self_approval_forbidden")
    assert rows(env.platform, db.document_versions, document_id=doc)[0]["status"] == "for_approval"

    settings = client.get(f"{DOCS}/settings", headers=env.admin)
    assert settings.get_json() == {"self_approval_allowed": False, "revision": 0}
    assert_problem(client.put(f"{DOCS}/settings", json={"self_approval_allowed": True},
                              headers={**env.approver, "If-Match": settings.headers["ETag"]}), 403)
    changed = client.put(f"{DOCS}/settings", json={"self_approval_allowed": True},
                         headers={**env.admin, "If-Match": settings.headers["ETag"]})
    assert changed.status_code == 200 and changed.get_json()["revision"] == 1
    assert_problem(client.put(f"{DOCS}/settings", json={"self_approval_allowed": False},
                              headers={**env.admin, "If-Match": settings.headers["ETag"]}), 412)
    assert env.act(doc, 1, "establish", submitted.headers["ETag"], env.approver, body).status_code == 200


def test_who_may_draft_and_decide(env):
    assert env.create(headers=env.employee, expect=403)[0]["code"] == "not_allowed"
    created, etag = env.create()
    submitted = env.act(created["id"], 1, "submit", etag)
    # an employee may not decide (nor read the version up for approval); a chef above the owner unit may
    other = env.token("chef-other", roles=("enhetschef",), org_units=(env.board["id"],))
    body = {"decision_reference": "X 1", "review_date": REVIEW}
    assert_problem(env.act(created["id"], 1, "establish", submitted.headers["ETag"], env.employee, body), 404)
    assert env.act(created["id"], 1, "establish", submitted.headers["ETag"], other, body).status_code == 200


def test_bad_input_is_a_clear_4xx_and_changes_nothing(env, token, admin_b, client):
    other_tenant = OrgClient(client, admin_b).tree()
    before = rows(env.platform, db.documents)
    # a unit of another tenant, as owner or as a link
    assert_problem(client.post(DOCS, json={"kind": "rutin", "owner_unit_id": other_tenant[2]["id"], "title": "X"},
                               headers=env.admin), 422, "unknown_unit")
    assert_problem(client.post(DOCS, json={"kind": "rutin", "owner_unit_id": env.unit["id"], "title": "X",
                                           "unit_ids": [other_tenant[1]["id"]]}, headers=env.admin), 422,
                   "unknown_unit")
    assert_problem(client.post(DOCS, json={"kind": "memo", "owner_unit_id": env.unit["id"], "title": "X"},
                               headers=env.admin), 422)
    assert_problem(client.get(DOCS + "?colour=red", headers=env.admin), 422)
    assert_problem(client.get(DOCS + "?cursor=bm9wZQ", headers=env.admin), 400, "invalid_cursor")
    assert rows(env.platform, db.documents) == before
    created, etag = env.create()
    doc = created["id"]
    assert_problem(env.act(doc, 1, "establish", etag, env.approver,
                           {"decision_reference": "X", "review_date": REVIEW}), 409, "version_not_editable")
    assert_problem(env.client.patch(f"{DOCS}/{doc}/versions/1", json={"title": "Y"}, headers=env.author), 428)
    submitted = env.act(doc, 1, "submit", etag)
    assert_problem(env.act(doc, 1, "establish", submitted.headers["ETag"], env.approver,
                           {"decision_reference": "X", "review_date": today_in_sweden().isoformat()}), 422)
    assert rows(env.platform, db.document_versions, document_id=doc)[0]["status"] == "for_approval"


def test_a_document_links_only_steps_of_its_tenants_process_map(env, admin_b, client):
    """Create and every draft edit naming a step: a step of any version of any process of the tenant (a draft's,
    a superseded version's) is accepted; an id of no step, or of another tenant's step, is 422
    unknown_process_step and nothing is stored."""
    process = create_process(client, env.admin, env.administration["id"])
    pid, (kept, dropped) = process["id"], [step["id"] for step in process["draft"]["steps"]]
    theirs = create_process(client, admin_b, OrgClient(client, admin_b).tree()[1]["id"])["draft"]["steps"][0]["id"]
    nowhere = "c2a4e6f8-1b3d-4f5a-8c7e-9d0b2a4c6e8f"
    stored = (db.documents, db.document_versions, env.platform.tables.audit_log, env.platform.tables.outbox)
    before = {table.name: rows(env.platform, table) for table in stored}
    for step_ids in ([nowhere], [theirs], [kept, nowhere]):
        assert_problem(client.post(DOCS, json={"kind": "rutin", "owner_unit_id": env.unit["id"], "title": "X",
                                               "body": "Text", "step_ids": step_ids}, headers=env.author),
                       422, "unknown_process_step")
    assert {table.name: rows(env.platform, table) for table in stored} == before

    created, etag = env.create(step_ids=[kept.upper()])  # a draft process's step, in any case
    assert created["version"]["step_ids"] == [kept]
    doc = created["id"]
    for step_ids in ([theirs], [nowhere, kept]):
        assert_problem(client.patch(f"{DOCS}/{doc}/versions/1", json={"title": "Ändrad", "step_ids": step_ids},
                                    headers={**env.author, "If-Match": etag}), 422, "unknown_process_step")
    version = rows(env.platform, db.document_versions, document_id=doc)[0]
    assert (version["title"], version["step_ids"], version["revision"]) == ("Rutin för avvikelsehantering", [kept], 1)

    # a step a later version of the process drops keeps its id, and stays a step of the tenant's map
    establish = client.post(f"{PROCESS_MAP}/{pid}/establish", json={}, headers=process_etag(client, env.admin, pid))
    assert establish.status_code == 200, establish.get_json()
    client.post(f"{PROCESS_MAP}/{pid}/revisions", json={}, headers=process_etag(client, env.admin, pid))
    revised = client.patch(f"{PROCESS_MAP}/{pid}/draft", json={"steps": [{"id": kept, "name": "Utreda"}]},
                           headers=process_etag(client, env.admin, pid))
    assert revised.status_code == 200, revised.get_json()
    established = client.post(f"{PROCESS_MAP}/{pid}/establish", json={}, headers=process_etag(client, env.admin, pid))
    assert [step["id"] for step in established.get_json()["established"]["steps"]] == [kept]
    edited = client.patch(f"{DOCS}/{doc}/versions/1", json={"step_ids": [kept, dropped]},
                          headers={**env.author, "If-Match": etag})
    assert edited.status_code == 200 and edited.get_json()["step_ids"] == [kept, dropped], edited.get_json()
    # an edit that names no steps leaves the links as they are, whatever became of them
    retitled = client.patch(f"{DOCS}/{doc}/versions/1", json={"title": "Rutin vid avvikelser"},
                            headers={**env.author, "If-Match": edited.headers["ETag"]})
    assert retitled.status_code == 200 and retitled.get_json()["step_ids"] == [kept, dropped]


def test_tenant_isolation(env, token, admin_b, client):
    created, _ = env.create()
    env.establish(created["id"], 1)
    other_admin = admin_b
    assert_problem(client.get(f"{DOCS}/{created['id']}", headers=other_admin), 404)
    assert_problem(client.get(f"{DOCS}/{created['id']}/versions/1", headers=other_admin), 404)
    assert_problem(client.get(f"{DOCS}/{created['id']}/versions", headers=other_admin), 404)
    assert_problem(client.post(f"{DOCS}/{created['id']}/versions", json={}, headers=other_admin), 404)
    assert client.get(DOCS, headers=other_admin).get_json()["items"] == []
    # the same unit id claimed by tenant B says nothing about tenant A's documents
    OrgClient(client, other_admin).create("board", "Nämnden", id=env.unit["id"])
    reader_b = token("staff-b", TENANT_B, ("medarbetare",), (env.unit["id"],))
    assert client.get(DOCS, headers=reader_b).get_json()["items"] == []


def test_list_filters_and_cursor_pages(env):
    ids = []
    for index, kind in enumerate(["rutin", "checklista", "riktlinje"]):
        created, _ = env.create(kind=kind, title=f"Dokument {index} om lex Sarah" if index else "Dokument 0")
        env.establish(created["id"], 1)
        ids.append(created["id"])
    listed = env.client.get(DOCS + "?limit=2", headers=env.employee).get_json()
    assert len(listed["items"]) == 2 and listed["next_cursor"]
    rest = env.client.get(DOCS + f"?limit=2&cursor={listed['next_cursor']}", headers=env.employee).get_json()
    assert [d["id"] for d in listed["items"] + rest["items"]] == ids and rest["next_cursor"] is None
    assert [d["kind"] for d in env.client.get(DOCS + "?kind=checklista", headers=env.employee).get_json()["items"]] \
        == ["checklista"]
    assert len(env.client.get(DOCS + "?q=LEX%20sarah", headers=env.employee).get_json()["items"]) == 2
    assert len(env.client.get(DOCS + f"?unit={env.unit['id']}&status=established",
                              headers=env.employee).get_json()["items"]) == 3
    assert env.client.get(DOCS + "?status=in_works", headers=env.employee).get_json()["items"] == []


def test_events_reach_the_bus_with_ids_codes_numbers_and_dates_only(env, broker_url, bus_namespace):
    exchange = Exchange(f"{bus_namespace}.events", "topic", durable=True)
    probe = Queue(f"{bus_namespace}.docprobe", exchange=exchange, routing_key="se.ordning.document.#")
    with Connection(broker_url) as connection:
        queue = probe(connection.default_channel)
        queue.declare()
        created, _ = env.create(unit_ids=[env.administration["id"]])
        env.establish(created["id"], 1)
        env.client.post(f"{DOCS}/{created['id']}/versions", json={}, headers=env.author)
        env.establish(created["id"], 2)
        messages = []

        def drained():
            while (message := queue.get(no_ack=True, accept=["application/cloudevents+json"])) is not None:
                messages.append(message)
            return len(messages) >= 3

        with BackgroundWorker(env.platform, HANDLERS):
            wait_until(drained, timeout=20, message="three document events on the probe queue")
    events = [JSONFormat().read(CloudEvent, m.body) for m in messages]
    assert sorted(e.get_type() for e in events) == sorted([docdomain.DOCUMENT_VERSION_ESTABLISHED] * 2
                                                          + [docdomain.DOCUMENT_VERSION_SUPERSEDED])
    for event in events:
        data = event.get_data()
        DocumentVersionEventDataSchema().load(data)
        assert set(data) <= set(docdomain.DOCUMENT_EVENT_FIELDS[event.get_type()])
        assert event.get_subject() == created["id"]
        assert "Rutin" not in str(data)


def _established_due(env) -> str:
    created, _ = env.create()
    env.establish(created["id"], 1)
    return created["id"]


def test_review_due_fires_once_with_two_workers(env):
    docs = [_established_due(env) for _ in range(5)]
    due_day = date.fromisoformat(REVIEW)
    assert service.notify_due_reviews(env.platform, today=due_day - timedelta(days=1)) == 0
    counts, errors = [], []
    barrier = threading.Barrier(2)

    def run():
        try:
            barrier.wait()
            counts.append(service.notify_due_reviews(env.platform, today=due_day, batch=2))
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors and sum(counts) == len(docs)
    due = [r for r in rows(env.platform, env.platform.tables.outbox) if r["type"] == docdomain.DOCUMENT_REVIEW_DUE]
    assert len(due) == len(docs)
    assert service.notify_due_reviews(env.platform, today=due_day + timedelta(days=3)) == 0

    # a new review date is a new review: its notice goes out again when it comes
    etag = env.version(docs[0], 1, env.approver).headers["ETag"]
    later = due_day + timedelta(days=30)
    moved = env.act(docs[0], 1, "review-date", etag, env.approver, {"review_date": later.isoformat()})
    assert moved.status_code == 200, moved.get_json()
    assert service.notify_due_reviews(env.platform, today=later) == 1


def test_two_worker_replicas_running_the_job_publish_the_notice_once(env, broker_url, bus_namespace):
    doc = _established_due(env)
    noon = datetime.combine(date.fromisoformat(REVIEW), time(12), tzinfo=timezone.utc)
    exchange = Exchange(f"{bus_namespace}.events", "topic", durable=True)
    probe = Queue(f"{bus_namespace}.reviewprobe", exchange=exchange, routing_key=docdomain.DOCUMENT_REVIEW_DUE)
    with Connection(broker_url) as connection:
        queue = probe(connection.default_channel)
        queue.declare()
        messages = []

        def drained():
            while (message := queue.get(no_ack=True, accept=["application/cloudevents+json"])) is not None:
                messages.append(message)
            return len(messages) >= 1

        jobs = processes_app.jobs(env.platform, clock=lambda: noon)
        with BackgroundWorker(env.platform, HANDLERS, jobs=jobs), BackgroundWorker(env.platform, HANDLERS, jobs=jobs):
            wait_until(drained, timeout=30, message="the review-due notice on the bus")
            wait_until(lambda: all(r["published_at"] for r in rows(env.platform, env.platform.tables.outbox)),
                       timeout=30, message="the outbox relayed")
        drained()
    assert len(messages) == 1
    data = JSONFormat().read(CloudEvent, messages[0].body).get_data()
    assert data == {"document_id": doc, "revision": 3, "kind": "rutin", "owner_unit_id": env.unit["id"], "version": 1,
                    "review_date": REVIEW}


def test_a_chef_lists_the_drafts_of_the_units_she_decides_for_and_no_others(env, client, admin):
    mine, _ = env.create()
    other_unit = OrgClient(client, admin).create("administration", "Kultur- och fritidsförvaltningen",
                                                 env.board["id"])
    theirs, _ = env.create(headers=env.admin, owner_unit_id=other_unit["id"])
    listed = client.get(DOCS + "?status=in_works", headers=env.approver).get_json()["items"]
    assert [d["id"] for d in listed] == [mine["id"]] and listed[0]["in_works_version"] == 1
    assert_problem(client.get(f"{DOCS}/{theirs['id']}", headers=env.approver), 404)
