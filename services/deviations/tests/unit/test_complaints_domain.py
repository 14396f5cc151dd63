"""Issue 14 in the domain: a klagomål's complainant and answer (deadline, overdue), the feedback to the reporter,
their events (codes, dates, booleans: never text) and gallring."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from ordning_deviations import domain as d
from ordning_deviations.domain import Kind, Origin, Status

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)  # Monday 2 March 2026
REPORTED_ON = date(2026, 3, 2)


def complaint(**kwargs) -> d.Deviation:
    defaults = {"tenant": "0138", "kind": Kind.klagomal, "unit_id": "u1", "description": "Ingen kom på tisdagen",
                "reported_at": T0, "reported_by": "anna"}
    return d.Deviation.report(**{**defaults, **kwargs})


def test_a_klagomal_is_due_an_answer_by_the_tenants_days_and_others_are_not():
    assert complaint().answer_due == date(2026, 3, 16)  # 10 working days: the default
    policy = d.DeadlinePolicy(Kind.klagomal, receipt_days=2, investigation_days=10, answer_days=3)
    dev = complaint(policy=policy)
    assert dev.answer_due == date(2026, 3, 5) and dev.events[0].data["answer_due"] == "2026-03-05"
    other = complaint(kind=Kind.avvikelse)
    assert other.answer_due is None and other.events[0].data["answer_due"] is None
    for bad in (-1, 366, "10", True):
        with pytest.raises(d.InvalidSetting):
            d.DeadlinePolicy(Kind.klagomal, 2, 10, answer_days=bad)
    with pytest.raises(d.InvalidSetting):
        d.DeadlinePolicy(Kind.synpunkt, 2, 10, answer_days=5)


def test_the_answer_is_overdue_after_its_deadline_until_recorded_and_never_once_closed():
    dev = complaint()
    assert d.OVERDUE_ANSWER not in dev.overdue(dev.answer_due)
    assert d.OVERDUE_ANSWER in dev.overdue(dev.answer_due + timedelta(days=1))
    dev.record_answer(dev.answer_due + timedelta(days=1), "letter", by="erik", today=dev.answer_due + timedelta(days=2))
    assert d.OVERDUE_ANSWER not in dev.overdue(dev.answer_due + timedelta(days=30))
    event = dev.events[-1]
    assert event.type == d.COMPLAINT_ANSWERED
    assert event.data["answered_in_time"] is False and event.data["revised"] is False
    assert event.data["answer_due"] == "2026-03-16" and event.data["channel"] == "letter"
    unanswered = complaint()
    unanswered.status = Status.closed
    assert unanswered.overdue(date(2027, 1, 1)) == []


def test_the_answers_day_is_neither_in_the_future_nor_before_the_report():
    dev = complaint()
    today = date(2026, 3, 10)
    for day in (today + timedelta(days=1), REPORTED_ON - timedelta(days=1)):
        with pytest.raises(d.InvalidInput):
            dev.record_answer(day, "phone", by="erik", today=today)
    with pytest.raises(d.InvalidInput):
        dev.record_answer(datetime(2026, 3, 5, tzinfo=timezone.utc), "phone", by="erik", today=today)
    with pytest.raises(d.InvalidInput):
        dev.record_answer(today, "brevduva", by="erik", today=today)
    assert dev.answer is None and dev.version == 1
    dev.record_answer(REPORTED_ON, "phone", by="erik", today=today)
    assert dev.answer == d.ComplaintAnswer(REPORTED_ON, d.ContactChannel.phone, "erik")


def test_the_complainant_is_recorded_as_codes_on_a_klagomal_only():
    dev = complaint()
    with pytest.raises(d.InvalidInput):
        dev.record_complainant("granne", "phone", at=T0)
    with pytest.raises(d.InvalidInput):
        dev.record_complainant("narstaende", "rooksignal", at=T0)
    dev.record_complainant("narstaende", "phone", at=T0)
    dev.record_complainant("legal_representative", "visit", at=T0)
    assert dev.complainant_relation is d.ComplainantRelation.legal_representative
    assert [e.data["revised"] for e in dev.events[1:]] == [False, True]
    assert set(dev.events[-1].data) == d.EVENT_PAYLOAD_FIELDS[d.COMPLAINANT_RECORDED]
    with pytest.raises(d.ComplaintOnly):
        complaint(kind=Kind.synpunkt).record_complainant("other", "phone", at=T0)
    with pytest.raises(d.ComplaintOnly):
        complaint(kind=Kind.avvikelse).record_answer(REPORTED_ON, "phone", by="erik", today=REPORTED_ON)


def test_feedback_to_the_reporter_is_written_for_staff_reports_also_when_closed_and_its_event_has_no_text():
    dev = complaint(kind=Kind.avvikelse)
    with pytest.raises(d.InvalidInput):
        dev.write_reporter_feedback("  ", at=T0)
    dev.status = Status.closed
    dev.write_reporter_feedback("Rutinen är ändrad.", at=T0)
    event = dev.events[-1]
    assert event.type == d.REPORTER_FEEDBACK_WRITTEN and "Rutinen är ändrad." not in str(event.data)
    assert dev.reporter_feedback == "Rutinen är ändrad."
    citizens = complaint(origin=Origin.citizen, reported_by=None)
    with pytest.raises(d.FeedbackNotApplicable):
        citizens.write_reporter_feedback("Tack", at=T0)


def test_gallring_removes_the_feedback_and_who_answered_and_keeps_the_codes_and_dates():
    dev = complaint()
    dev.record_complainant("narstaende", "phone", at=T0)
    dev.record_answer(REPORTED_ON, "letter", by="erik", today=REPORTED_ON)
    dev.write_reporter_feedback("Vi har pratat med Greta.", at=T0)
    dev.status, dev.closed_at = Status.closed, T0
    dev.pseudonymise(T0 + timedelta(days=366 * 6), d.retention_for(Kind.klagomal))
    assert dev.reporter_feedback == d.PSEUDONYMISED_TEXT
    assert dev.answer == d.ComplaintAnswer(REPORTED_ON, d.ContactChannel.letter, None)
    assert dev.complainant_relation is d.ComplainantRelation.narstaende and dev.answer_due == date(2026, 3, 16)


def test_the_cases_handlers_record_read_and_write_and_others_do_not():
    for command in ("record_complainant", "record_answer", "write_reporter_feedback", "read_complainant"):
        assert d.may(["enhetschef"], command, Kind.klagomal)
        assert not d.may(["medarbetare"], command, Kind.klagomal)
        assert not d.may(["mas"], command, Kind.avvikelse)
    assert d.is_handler(["kvalitetsutvecklare"], "klagomal") and not d.is_handler(["mas"], "avvikelse")
