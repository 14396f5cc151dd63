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
