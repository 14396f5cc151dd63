"""Reporting a case: what one read of the database decides, and that a report is one read and one write."""
from __future__ import annotations

import threading
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from ordning_shared import migrations
from ordning_shared.testing import make_settings

from ordning_deviations import db
from ordning_deviations.app import create_app
from ordning_deviations.domain import add_working_days, local_date

from .conftest import ADMIN, STAFF_E1, TREE, U, Env, org_event_body

pytestmark = pytest.mark.integration


def today():
    return local_date(datetime.now(timezone.utc))


def post(env, who=STAFF_E1, tenant="0138", **body):
    report = {"kind": "avvikelse", "unit_id": U["e1"], "description": "Fel dos given", **body}
    return env.client.post("/api/v1/deviations", headers=env.auth(*who, tenant=tenant), json=report)


def test_a_report_is_one_read_and_one_write(env):
    statements, compiled = [], []

    def record(_conn, _cursor, statement, _parameters, context, _executemany):
        statements.append(statement)
        compiled.append(context.compiled)

    first = post(env)
    sa.event.listen(env.platform.engine, "before_cursor_execute", record)
    try:
        second = post(env)
        post(env)
    finally:
        sa.event.remove(env.platform.engine, "before_cursor_execute", record)
    assert first.status_code == second.status_code == 201, second.get_json()
    assert len(statements) == 4, statements
    assert compiled[:2] == compiled[2:]  # both statements compiled once, then taken from SQLAlchemy's cache
    assert "INSERT INTO case_counters" in statements[0]  # the tenant's number, in the same round trip
    assert statements[1].startswith("WITH") and "INSERT INTO outbox" in statements[1]
    assert first.get_json()["reference"] < second.get_json()["reference"]
    case = second.get_json()["id"]
    assert env.row(case).reference == second.get_json()["reference"]
    with env.platform.engine.connect() as conn:
        audit = env.platform.tables.audit_log
        outbox = env.platform.tables.outbox
        assert conn.execute(sa.select(audit.c.action).where(audit.c.entity_id == case)).scalars().all() == ["report"]
        assert conn.execute(sa.select(sa.func.count()).select_from(outbox).where(outbox.c.body.contains(case))
                            ).scalar_one() == 1


def test_a_report_takes_its_tenants_deadline_policy_for_its_kind(env):
    admin = env.auth(*ADMIN)
    etag = env.client.get("/api/v1/deadline-policies/avvikelse", headers=admin).headers["ETag"]
    r = env.client.put("/api/v1/deadline-policies/avvikelse", headers={**admin, "If-Match": etag},
                       json={"receipt_days": 1, "investigation_days": 5})
    assert r.status_code == 200
    case = post(env).get_json()
    assert (case["receipt_due"], case["investigation_due"]) == (
        add_working_days(today(), 1).isoformat(), add_working_days(today(), 5).isoformat())
    lex = post(env, kind="lex_sarah").get_json()  # another kind: still the default
    assert (lex["receipt_due"], lex["investigation_due"], lex["ivo_due"]) == (
        add_working_days(today(), 1).isoformat(), add_working_days(today(), 10).isoformat(),
        None)  # the IVO deadline runs from the seriousness decision
    other_tenant = post(env, who=("bea", ["medarbetare"], ["eb"]), tenant="1407", unit_id=U["eb"]).get_json()
    assert other_tenant["investigation_due"] == add_working_days(today(), 20).isoformat()  # tenant B: default


def test_a_report_checks_its_category_and_unit(env):
    admin = env.auth(*ADMIN)
    fall = env.client.post("/api/v1/categories", headers=admin, json={"name": "Fall", "kinds": ["avvikelse"]})
    any_kind = env.client.post("/api/v1/categories", headers=admin, json={"name": "Övrigt"})
    retired = env.client.post("/api/v1/categories", headers=admin, json={"name": "Gammal", "active": False})
    theirs = env.client.post("/api/v1/categories", headers=env.auth("bert", ["administrator"], ["fb"], tenant="1407"),
                             json={"name": "Fall"})
    ids = {name: r.get_json()["id"] for name, r in
           (("fall", fall), ("any", any_kind), ("retired", retired), ("theirs", theirs))}
    assert post(env, category_id=ids["fall"]).get_json()["category_id"] == ids["fall"]
    assert post(env, kind="lex_sarah", category_id=ids["any"]).status_code == 201
    for kind, category in (("lex_sarah", ids["fall"]), ("avvikelse", ids["retired"]), ("avvikelse", ids["theirs"]),
                           ("avvikelse", "a0000000-0000-0000-0000-0000000000ff")):
        r = post(env, kind=kind, category_id=category)
        assert r.status_code == 422 and r.get_json()["code"] == "unknown_category", (kind, category)
    before = env.count(db.deviations)
    assert env.feed(org_event_body("0138", U["e1"], "enhet", U["v"], revision=2,
                                   closed_at="2026-01-01T00:00:00+00:00")) == "processed"
    r = post(env)
    assert r.status_code == 422 and r.get_json()["code"] == "unknown_unit"
    assert env.count(db.deviations) == before


def _numbers(env, tenant: str) -> list[int]:
    with env.platform.engine.connect() as conn:
        references = conn.execute(sa.select(db.deviations.c.reference).where(db.deviations.c.tenant == tenant)
                                  ).scalars().all()
    year = today().year
    assert all(reference.startswith(f"{year}-") and len(reference) == 11 for reference in references), references
    return sorted(int(reference[5:]) for reference in references)


def test_references_count_per_tenant_and_year_without_gaps_under_concurrency(env):
    """Each tenant's numbers are 1..n: no gap from a refused report, nothing from the other tenant's volume."""
    per_thread, errors = 6, []
    staff_b = ("bea", ["medarbetare"], ["eb"])
    citizen = {"kind": "synpunkt", "description": "Bra bemötande", "anonymous": True}

    headers_of = {"0138": env.auth(*STAFF_E1), "1407": env.auth(*staff_b, tenant="1407")}  # before the threads

    def reports(tenant):
        client = env.app.test_client()  # one client per thread
        unit, headers = (U["e1"] if tenant == "0138" else U["eb"]), headers_of[tenant]
        try:
            for n in range(per_thread):
                ok = client.post("/api/v1/deviations", headers=headers,
                                 json={"kind": "avvikelse", "unit_id": unit, "description": "Fel dos given"})
                refused = client.post("/api/v1/deviations", headers=headers, json={  # after its number was taken
                    "kind": "avvikelse", "unit_id": unit, "description": "x",
                    "category_id": "a0000000-0000-0000-0000-0000000000ff"})
                public = client.post(f"/api/v1/public/{tenant}/feedback", json={**citizen, "unit_id": unit},
                                     environ_base={"REMOTE_ADDR": f"10.0.{n}.{threading.get_ident() % 250}"})
                if (ok.status_code, refused.status_code, public.status_code) != (201, 422, 201):
                    errors.append((ok.status_code, refused.status_code, public.status_code))
        except Exception as error:  # surfaced below; a thread's exception is otherwise lost
            errors.append(repr(error))

    threads = [threading.Thread(target=reports, args=(tenant,)) for tenant in ("0138", "1407") for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors[:3]
    expected = list(range(1, 3 * per_thread * 2 + 1))
    assert _numbers(env, "0138") == expected
    assert _numbers(env, "1407") == expected


def test_a_tenants_numbers_do_not_move_when_another_tenant_reports(env):
    first = post(env, who=("bea", ["medarbetare"], ["eb"]), tenant="1407", unit_id=U["eb"]).get_json()
    for _ in range(3):
        post(env)
    second = post(env, who=("bea", ["medarbetare"], ["eb"]), tenant="1407", unit_id=U["eb"]).get_json()
    year = today().year
    assert (first["reference"], second["reference"]) == (f"{year}-000001", f"{year}-000002")


def test_the_migration_continues_each_tenants_numbers_above_those_the_sequence_gave(create_database, broker_url,
                                                                                 tmp_path):
    """Cases numbered by 0002's shared sequence keep their numbers; each tenant goes on above its highest."""
    settings = make_settings("deviations", database_url=create_database("deviations"), broker_url=broker_url,
                             data_dir=tmp_path)
    migrations.upgrade("deviations", settings, "deviations@0002")
    year = today().year
    engine = sa.create_engine(settings.database_url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as conn:
        for tenant, unit in (("0138", U["e1"]), ("0138", U["e1"]), ("1407", U["eb"])):
            number = conn.execute(sa.text("SELECT nextval('deviation_reference_seq')")).scalar_one()
            conn.execute(sa.text(
                "INSERT INTO deviations (id, tenant, reference, kind, status, origin, unit_id, description, "
                "reported_at, version) VALUES (gen_random_uuid()::text, :tenant, :reference, 'avvikelse', "
                "'reported', 'staff', :unit, 'x', now(), 1)"),
                {"tenant": tenant, "reference": f"{year}-{number:06d}", "unit": unit})
    engine.dispose()
    migrations.upgrade("deviations", settings)
    app = create_app(settings)
    env = Env(app=app, client=app.test_client(), platform=app.extensions["ordning"], settings=settings)
    for tenant, unit_id, kind, parent in TREE:
        env.feed(org_event_body(tenant, unit_id, kind, parent))
    a = post(env).get_json()["reference"]
    b = post(env, who=("bea", ["medarbetare"], ["eb"]), tenant="1407", unit_id=U["eb"]).get_json()["reference"]
    assert (a, b) == (f"{year}-000003", f"{year}-000004")  # 0138 held 1 and 2; 1407 held 3
    with env.platform.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT to_regclass('deviation_reference_seq')")).scalar_one() is None
    env.platform.dispose()
