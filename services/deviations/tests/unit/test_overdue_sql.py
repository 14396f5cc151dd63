"""The SQL overdue filter says what domain.Deviation.overdue says (SQLite, fast)."""
from __future__ import annotations

import itertools
from datetime import date, datetime, timezone

import sqlalchemy as sa

from ordning_deviations import db
from ordning_deviations.domain import Deviation, Investigation, IvoReport, Kind, Seriousness, Status


def test_sql_overdue_matches_domain():
    engine = sa.create_engine("sqlite://")
    db.metadata.create_all(engine)
    at = datetime(2026, 3, 2, 9, tzinfo=timezone.utc)
    today = date(2026, 3, 10)
    cases = []
    for n, (kind, status, received, serious, ivo, receipt_due, investigation_due, ivo_due) in enumerate(
            itertools.product([Kind.avvikelse, Kind.lex_sarah], list(Status), [None, at], [None, False, True],
                              [None, date(2026, 3, 3)], [date(2026, 3, 9), date(2026, 3, 10)],
                              [date(2026, 3, 9), date(2026, 3, 11)], [None, date(2026, 3, 9)])):
        if ivo and not serious:
            continue
        dev = Deviation(
            id=f"d{n}", tenant="0138", kind=kind, status=status, unit_id="u", description="x", reported_at=at,
            reported_by="a", received_at=received, receipt_due=receipt_due, investigation_due=investigation_due,
            ivo_due=ivo_due if kind is Kind.lex_sarah else None, investigation=Investigation(),
            seriousness=Seriousness(serious, "m", at) if serious is not None and kind is Kind.lex_sarah else None,
            ivo_report=IvoReport(ivo, "IVO-1") if ivo and serious and kind is Kind.lex_sarah else None)
        cases.append(dev)
    with engine.begin() as conn:
        for n, dev in enumerate(cases):
            db.insert(conn, dev, reference=f"2026-{n:06d}")
        sql = set(conn.execute(sa.select(db.deviations.c.id).where(db.overdue_clause(today))).scalars())
    expected = {dev.id for dev in cases if dev.overdue(today)}
    assert sql == expected
    assert expected and len(expected) < len(cases)


def test_sql_retention_search_matches_domain():
    """db.expired_cases picks what Deviation.retention_expired says, per tenant and kind, around every boundary."""
    from datetime import timedelta

    from ordning_deviations.domain import STOCKHOLM, Rejection, RejectionReason, RetentionPolicy, retention_for

    engine = sa.create_engine("sqlite://")
    db.metadata.create_all(engine)
    today = date(2029, 3, 1)
    own = {"0138": {Kind.avvikelse: RetentionPolicy(Kind.avvikelse, 7)}, "1407": {}}
    cases = []
    for tenant, kind, status, closed_on, hour, pseudonymised in itertools.product(
            own, [Kind.avvikelse, Kind.lex_sarah, Kind.synpunkt], [Status.closed, Status.rejected, Status.investigating],
            [date(2024, 2, 29), date(2022, 3, 1), date(2022, 3, 2), date(2027, 2, 28), date(2027, 3, 1),
             date(2027, 3, 2), date(2024, 3, 1), date(2024, 3, 2)], [0, 23], [False, True]):
        closed_at = datetime(closed_on.year, closed_on.month, closed_on.day, hour, 30, tzinfo=STOCKHOLM)
        cases.append(Deviation(
            id=f"d{len(cases)}", tenant=tenant, kind=kind, status=status, unit_id="u", description="x",
            reported_at=closed_at - timedelta(days=40), reported_by="a",
            closed_at=closed_at.astimezone(timezone.utc) if status is Status.closed else None,
            rejection=Rejection(RejectionReason.spam, closed_at.astimezone(timezone.utc))
            if status is Status.rejected else None,
            pseudonymised_at=datetime(2029, 1, 1, tzinfo=timezone.utc) if pseudonymised else None))
    with engine.begin() as conn:
        for n, dev in enumerate(cases):
            db.insert(conn, dev, reference=f"2026-{n:06d}")
        for tenant, policies in own.items():
            for policy in policies.values():
                db.insert_retention_policy(conn, tenant, policy)
        found = db.expired_cases(conn, today, limit=len(cases))
    expected = {dev.id for dev in cases if dev.retention_expired(today, retention_for(dev.kind, own[dev.tenant]))}
    assert {deviation_id for _tenant, deviation_id in found} == expected
    assert expected and len(expected) < len(cases) / 2
    endings = [next(dev for dev in cases if dev.id == deviation_id).ended_at for _tenant, deviation_id in found]
    assert endings == sorted(endings)  # the longest ended first
    assert {dev.status for dev in cases if dev.id in expected} == {Status.closed, Status.rejected}
    with engine.begin() as conn:
        assert len(db.expired_cases(conn, today, limit=3)) == 3


def test_the_overdue_filter_can_use_the_partial_indexes_of_migration_0009():
    """Migration 0009's indexes cover the cases not ended; the filter says the same, values in its text (not bound,
    which a generic plan could not prove to imply the indexes' predicate). An end status added later needs a new
    migration for the indexes, which this test asks for."""
    import importlib.util
    from pathlib import Path

    from sqlalchemy.dialects import postgresql

    path = Path(db.__file__).resolve().parents[1] / "migrations" / "versions" / "0009_inbox_indexes.py"
    spec = importlib.util.spec_from_file_location("migration_0009", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    assert str(db._UNENDED) == migration.UNENDED
    sql = str(sa.select(db.deviations.c.id).where(db.overdue_clause(date(2026, 3, 10))).compile(
        dialect=postgresql.dialect(), compile_kwargs={"render_postcompile": True}))
    assert "deviations.status NOT IN ('closed', 'rejected')" in sql
