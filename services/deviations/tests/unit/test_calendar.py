"""A case's due dates are counted in its tenant's working calendar (ordning_shared.workdays, tested there)."""
from __future__ import annotations

from datetime import date, datetime, timezone

from ordning_deviations import domain as d
from ordning_deviations.domain import DeadlinePolicy, Kind, WorkingCalendar


def test_deadlines_are_counted_in_the_tenants_calendar():
    calendar = WorkingCalendar(non_working_eves=frozenset())
    policy = DeadlinePolicy(Kind.lex_sarah, receipt_days=1, investigation_days=2, ivo_report_days=0)
    assert policy.due_dates(date(2026, 12, 23), calendar) == (date(2026, 12, 24), date(2026, 12, 28), None)
    assert policy.due_dates(date(2026, 12, 23)) == (date(2026, 12, 28), date(2026, 12, 29), None)
    assert policy.ivo_due_after(date(2026, 12, 23)) == date(2026, 12, 23)  # calendar days, from the decision
    dev = d.Deviation.report(tenant="t", kind=Kind.lex_sarah, unit_id="u", description="x", reported_by="s",
                             reported_at=datetime(2026, 12, 23, 9, tzinfo=timezone.utc), policy=policy,
                             calendar=calendar)
    assert (dev.receipt_due, dev.investigation_due, dev.ivo_due) == policy.due_dates(date(2026, 12, 23), calendar)
